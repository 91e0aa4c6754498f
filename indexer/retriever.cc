#include "indexer/retriever.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

namespace ketnoi::indexer {

std::vector<Feature> AnalyzeFields(const Analyzer& analyzer, const std::vector<TextField>& fields) {
  if (fields.size() == 1 && fields[0].weight == 1.0f) {
    return analyzer.Analyze(fields[0].text).features;
  }
  std::vector<Feature> merged;
  std::unordered_map<std::string, size_t> pos;
  for (const TextField& field : fields) {
    if (field.text.empty() || field.weight <= 0) continue;
    for (Feature& f : analyzer.Analyze(field.text).features) {
      auto [it, inserted] = pos.emplace(f.term, merged.size());
      if (inserted) {
        f.count *= field.weight;
        merged.push_back(std::move(f));
      } else {
        merged[it->second].count += f.count * field.weight;
      }
    }
  }
  return merged;
}

namespace {

// Runs fn(i) for i in [0, n) on up to the hardware's threads.
template <typename Fn>
void ParallelFor(size_t n, Fn fn) {
  const size_t threads =
      std::max<size_t>(1, std::min<size_t>(std::thread::hardware_concurrency(), n / 64 + 1));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace

struct Retriever::Impl {
  const Analyzer* analyzer;
  RetrieverOptions options;
  mutable std::shared_mutex mu;
  std::unique_ptr<Vocabulary> vocab;
  std::unique_ptr<SparseIndex> sparse;
  std::unique_ptr<Embedder> embedder;
  std::unique_ptr<VectorIndex> vectors;

  Status EmbedOne(const Document& doc, const std::vector<Feature>& features, float* out) const {
    EmbedInput in;
    in.features = &features;
    in.vector = &doc.vector;
    Status s = embedder->Embed(in, out);
    return s.ok() ? s : s.WithPrefix("document " + std::to_string(doc.id));
  }
};

Retriever::Retriever(const Analyzer* analyzer, RetrieverOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->analyzer = analyzer;
  impl_->options = options;
  impl_->vocab = std::make_unique<Vocabulary>(options.vocabulary);
  impl_->sparse = std::make_unique<SparseIndex>(impl_->vocab.get());
}
Retriever::~Retriever() = default;

Status Retriever::Build(const std::vector<Document>& docs) {
  const RetrieverOptions& o = impl_->options;
  std::vector<std::vector<Feature>> features(docs.size());
  ParallelFor(docs.size(),
              [&](size_t i) { features[i] = AnalyzeFields(*impl_->analyzer, docs[i].fields); });

  std::unique_ptr<Embedder> embedder;
  if (o.external_dim > 0) {
    embedder = std::make_unique<ExternalEmbedder>(o.external_dim);
  } else {
    std::vector<const std::vector<Feature>*> ptrs;
    ptrs.reserve(features.size());
    for (const auto& f : features) ptrs.push_back(&f);
    auto lsa = LsaEmbedder::Train(ptrs, o.vocabulary.weights, o.lsa);
    if (!lsa.ok()) return lsa.status();
    embedder = std::move(lsa).value();
  }
  const size_t d = static_cast<size_t>(embedder->dim());
  std::vector<float> x(docs.size() * d);
  std::vector<Status> errors(docs.size());
  ParallelFor(docs.size(), [&](size_t i) {
    EmbedInput in;
    in.features = &features[i];
    in.vector = &docs[i].vector;
    errors[i] = embedder->Embed(in, &x[i * d]);
  });
  for (size_t i = 0; i < docs.size(); ++i) {
    if (!errors[i].ok()) return errors[i].WithPrefix("document " + std::to_string(docs[i].id));
  }
  VectorIndexOptions vo = o.vectors;
  vo.dim = static_cast<int>(d);
  auto index = VectorIndex::Create(vo);
  if (!index.ok()) return index.status();
  std::vector<int64_t> ids(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) ids[i] = docs[i].id;
  if (!docs.empty()) {
    Status s = (*index)->Upsert(docs.size(), ids.data(), x.data());
    if (!s.ok()) return s;
  }
  auto vocab = std::make_unique<Vocabulary>(o.vocabulary);
  auto sparse = std::make_unique<SparseIndex>(vocab.get());
  for (size_t i = 0; i < docs.size(); ++i) sparse->Upsert(docs[i].id, features[i]);

  std::unique_lock lock(impl_->mu);
  impl_->vocab = std::move(vocab);
  impl_->sparse = std::move(sparse);
  impl_->embedder = std::move(embedder);
  impl_->vectors = std::move(index).value();
  return Status::OK();
}

Status Retriever::Upsert(const Document& doc) {
  std::vector<Feature> features = AnalyzeFields(*impl_->analyzer, doc.fields);
  std::unique_lock lock(impl_->mu);
  if (impl_->embedder == nullptr) return FailedPrecondition("retriever: Build() first");
  std::vector<float> v(impl_->embedder->dim());
  Status s = impl_->EmbedOne(doc, features, v.data());
  if (!s.ok()) return s;
  s = impl_->vectors->Upsert(doc.id, v.data());
  if (!s.ok()) return s;
  impl_->sparse->Upsert(doc.id, features);
  return Status::OK();
}

bool Retriever::Remove(int64_t id) {
  std::unique_lock lock(impl_->mu);
  bool found = impl_->sparse->Remove(id);
  if (impl_->vectors != nullptr) found = impl_->vectors->Remove(id) || found;
  return found;
}

StatusOr<std::vector<Candidate>> Retriever::Search(const Query& query) const {
  const Impl& m = *impl_;
  const RetrieverOptions& o = m.options;
  std::vector<Feature> features = AnalyzeFields(*m.analyzer, query.fields);
  std::shared_lock lock(m.mu);
  if (m.embedder == nullptr) return FailedPrecondition("retriever: Build() first");
  SparseVector qsv = m.vocab->QueryWeights(features);
  std::vector<float> qv(m.embedder->dim());
  EmbedInput in;
  in.features = &features;
  in.vector = &query.vector;
  Status s = m.embedder->Embed(in, qv.data());
  if (!s.ok()) return s.WithPrefix("query");

  std::vector<SparseHit> sparse_hits =
      m.sparse->Search(qsv, std::max(o.sparse_candidates, query.k), query.filter);
  auto dense_hits = m.vectors->Search(qv.data(), std::max(o.dense_candidates, query.k),
                                      query.filter);
  if (!dense_hits.ok()) return dense_hits.status();

  std::unordered_map<int64_t, size_t> pos;
  std::vector<Candidate> out;
  std::vector<int64_t> need_dense;
  for (const SparseHit& h : sparse_hits) {
    pos[h.id] = out.size();
    out.push_back({h.id, NAN, h.score, 0});
  }
  for (const VectorHit& h : *dense_hits) {
    auto it = pos.find(h.id);
    if (it != pos.end()) {
      out[it->second].dense = h.score;
    } else {
      pos[h.id] = out.size();
      out.push_back({h.id, h.score, m.sparse->Score(qsv, h.id), 0});
    }
  }
  for (const Candidate& c : out) {
    if (std::isnan(c.dense)) need_dense.push_back(c.id);
  }
  std::vector<float> dense = m.vectors->Score(qv.data(), need_dense);
  for (size_t i = 0; i < need_dense.size(); ++i) {
    out[pos[need_dense[i]]].dense = std::isnan(dense[i]) ? 0.0f : dense[i];
  }
  float top_sparse = 0;
  for (const Candidate& c : out) top_sparse = std::max(top_sparse, c.sparse);
  const float inv = top_sparse > 0 ? 1.0f / top_sparse : 0.0f;
  for (Candidate& c : out) c.fused = o.dense_weight * c.dense + o.sparse_weight * c.sparse * inv;
  auto better = [](const Candidate& a, const Candidate& b) {
    return a.fused != b.fused ? a.fused > b.fused : a.id < b.id;
  };
  std::sort(out.begin(), out.end(), better);
  if (out.size() > query.k) out.resize(query.k);
  return out;
}

std::vector<MatchedTerm> Retriever::Explain(const Query& query, int64_t id) const {
  std::vector<Feature> features = AnalyzeFields(*impl_->analyzer, query.fields);
  std::shared_lock lock(impl_->mu);
  return impl_->sparse->Explain(impl_->vocab->QueryWeights(features), id);
}

const Embedder* Retriever::embedder() const {
  std::shared_lock lock(impl_->mu);
  return impl_->embedder.get();
}

RetrieverStats Retriever::Stats() const {
  std::shared_lock lock(impl_->mu);
  const Impl& m = *impl_;
  RetrieverStats s;
  s.documents = m.sparse->size();
  s.vocabulary_terms = m.vocab->size();
  if (m.embedder != nullptr) {
    std::ostringstream e;
    e << m.embedder->name() << " dim=" << m.embedder->dim();
    if (auto* lsa = dynamic_cast<const LsaEmbedder*>(m.embedder.get())) {
      e << " rank=" << lsa->rank() << " terms=" << lsa->num_terms();
    }
    s.embedder = e.str();
  }
  if (m.vectors != nullptr) {
    s.vector_index = m.vectors->Describe();
    s.memory_bytes += m.vectors->Stats().memory_bytes;
  }
  s.memory_bytes += m.sparse->MemoryBytes();
  return s;
}

}  // namespace ketnoi::indexer
