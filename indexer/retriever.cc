#include "indexer/retriever.h"

#include "common/helper_pool.h"
#include "common/parallel.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "indexer/retriever_internal.h"

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

// Runs fn(i) for i in [0, n) on the machine's cores, one thread per 64
// documents at most.
template <typename Fn>
void ParallelFor(size_t n, const Fn& fn) {
  ketnoi::ParallelFor(n, n / 64 + 1, fn);
}

}  // namespace

Retriever::Retriever(const Analyzer* analyzer, RetrieverOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->analyzer = analyzer;
  impl_->options = options;
  impl_->vocab = std::make_unique<Vocabulary>(options.vocabulary);
  impl_->sparse = std::make_unique<SparseIndex>(impl_->vocab.get());
}
Retriever::~Retriever() = default;

// Documents are analysed in chunks (analysis, embedding and postings of one
// chunk at a time), so the features of a large corpus are never all held at
// once; only the projection's training sample is analysed up front (and
// reused when its chunk comes).
Status Retriever::Build(const std::vector<Document>& docs) {
  const RetrieverOptions& o = impl_->options;
  const size_t step =
      o.external_dim > 0
          ? docs.size() + 1
          : std::max<size_t>(1, (docs.size() + o.lsa.max_train_docs - 1) /
                                    std::max<size_t>(1, o.lsa.max_train_docs));
  // The sample LsaEmbedder::Train would take: every step-th document.
  std::vector<std::vector<Feature>> sample((docs.size() + step - 1) / step);
  ParallelFor(sample.size(), [&](size_t j) {
    sample[j] = AnalyzeFields(*impl_->analyzer, docs[j * step].fields);
  });

  std::unique_ptr<Embedder> embedder;
  if (o.external_dim > 0) {
    embedder = std::make_unique<ExternalEmbedder>(o.external_dim);
  } else {
    std::vector<const std::vector<Feature>*> ptrs;
    ptrs.reserve(sample.size());
    for (const auto& f : sample) ptrs.push_back(&f);
    auto lsa = LsaEmbedder::Train(ptrs, o.vocabulary.weights, o.lsa);
    if (!lsa.ok()) return lsa.status();
    embedder = std::move(lsa).value();
  }
  const size_t d = static_cast<size_t>(embedder->dim());
  std::vector<float> x(docs.size() * d);
  auto vocab = std::make_unique<Vocabulary>(o.vocabulary);
  auto sparse = std::make_unique<SparseIndex>(vocab.get());
  constexpr size_t kChunk = 16384;
  std::vector<std::vector<Feature>> features;
  std::vector<std::vector<uint32_t>> term_ids;
  std::vector<Status> errors;
  const Vocabulary& lookup = *vocab;
  for (size_t from = 0; from < docs.size(); from += kChunk) {
    const size_t n = std::min(kChunk, docs.size() - from);
    features.assign(n, {});
    term_ids.assign(n, {});
    errors.assign(n, Status::OK());
    ParallelFor(n, [&](size_t i) {
      const size_t doc = from + i;
      features[i] = doc % step == 0 ? std::move(sample[doc / step])
                                    : AnalyzeFields(*impl_->analyzer, docs[doc].fields);
      EmbedInput in;
      in.features = &features[i];
      in.vector = &docs[doc].vector;
      errors[i] = embedder->Embed(in, &x[doc * d]);
      // Terms known before this chunk, looked up here (nothing is added to
      // the vocabulary while the chunk is analysed); the rest are interned
      // below, in document order as before.
      term_ids[i].resize(features[i].size());
      for (size_t t = 0; t < features[i].size(); ++t) {
        term_ids[i][t] = lookup.Find(features[i][t].term);
      }
    });
    for (size_t i = 0; i < n; ++i) {
      if (!errors[i].ok()) {
        return errors[i].WithPrefix("document " + std::to_string(docs[from + i].id));
      }
      sparse->Upsert(docs[from + i].id, features[i], std::move(term_ids[i]));
    }
  }
  features.clear();
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

  std::unique_lock lock(impl_->mu);
  impl_->vocab = std::move(vocab);
  impl_->sparse = std::move(sparse);
  impl_->embedder = std::move(embedder);
  ++impl_->generation;
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

namespace {

// Adds the heaviest terms of the feedback documents to `query` (RM3-like):
// each document's terms weighted by tf * idf, normalised per document,
// summed; the top `terms` (word, bigram, concept kinds) join the query
// scaled so that they weigh `weight` times the original query in total.
SparseVector ExpandQuery(const SparseVector& query, const std::vector<int64_t>& docs,
                         const SparseIndex& sparse, const Vocabulary& vocab, int terms,
                         float weight) {
  std::unordered_map<uint32_t, float> mass;
  for (int64_t id : docs) {
    SparseVector t = sparse.Terms(id);
    double norm = 0;
    for (auto& w : t) {
      FeatureKind k = vocab.kind(w.id);
      if (k == FeatureKind::kCharNgram || k == FeatureKind::kUnit) {
        w.weight = 0;
        continue;
      }
      w.weight = (1.0f + std::log(w.weight)) * vocab.Idf(w.id) * vocab.options().weights.Of(k);
      norm += w.weight;
    }
    if (norm <= 0) continue;
    for (const auto& w : t) {
      if (w.weight > 0) mass[w.id] += static_cast<float>(w.weight / norm);
    }
  }
  std::vector<WeightedTerm> top;
  for (const auto& [id, m] : mass) top.push_back({id, m});
  std::sort(top.begin(), top.end(),
            [](const WeightedTerm& a, const WeightedTerm& b) { return a.weight > b.weight; });
  if (top.size() > static_cast<size_t>(terms)) top.resize(terms);
  double qsum = 0, tsum = 0;
  for (const auto& w : query) qsum += w.weight;
  for (const auto& w : top) tsum += w.weight * vocab.Idf(w.id);
  if (tsum <= 0) return query;
  const float scale = static_cast<float>(weight * qsum / tsum);
  std::unordered_map<uint32_t, float> merged;
  for (const auto& w : query) merged[w.id] += w.weight;
  for (const auto& w : top) merged[w.id] += w.weight * vocab.Idf(w.id) * scale;
  SparseVector out;
  for (const auto& [id, w] : merged) out.push_back({id, w});
  std::sort(out.begin(), out.end(),
            [](const WeightedTerm& a, const WeightedTerm& b) { return a.id < b.id; });
  return out;
}

}  // namespace

namespace {

float SparseReference(const SparseVector& q) {
  float sum = 0;
  for (const WeightedTerm& t : q) sum += t.weight;
  return sum;
}

}  // namespace

StatusOr<std::vector<Candidate>> Retriever::Search(const Query& query, QueryStats* stats) const {
  const Impl& m = *impl_;
  HelperPool::Request busy(HelperPool::Shared());
  std::vector<Feature> features = AnalyzeFields(*m.analyzer, query.fields);
  std::shared_lock lock(m.mu);
  if (m.embedder == nullptr) return FailedPrecondition("retriever: Build() first");
  SparseVector qsv;
  std::vector<float> qv;
  Status s = m.PrepareQuery(features, query, &qsv, &qv);
  if (!s.ok()) return s;
  return m.SearchWith(std::move(qsv), qv.data(), query, stats);
}

StatusOr<std::vector<Candidate>> Retriever::Search(const PreparedQuery& prepared,
                                                   const Query& query, QueryStats* stats) const {
  const Impl& m = *impl_;
  HelperPool::Request busy(HelperPool::Shared());
  std::shared_lock lock(m.mu);
  if (m.embedder == nullptr) return FailedPrecondition("retriever: Build() first");
  if (Status s = m.CheckPrepared(prepared); !s.ok()) return s;
  return m.SearchWith(m.WeightsOf(prepared), prepared.vector.data(), query, stats);
}

StatusOr<std::vector<Candidate>> Retriever::Impl::SearchWith(SparseVector qsv, const float* qv,
                                                             const Query& query,
                                                             QueryStats* stats) const {
  const RetrieverOptions& o = options;
  if (stats != nullptr) stats->sparse_reference = SparseReference(qsv);
  // The two searches are independent: the dense one runs on a helper
  // thread when one is idle (HelperPool), beside the sparse walk.
  StatusOr<std::vector<VectorHit>> dense_hits = std::vector<VectorHit>{};
  std::vector<SparseHit> sparse_hits;
  HelperPool::Shared().Run(2, [&](size_t part) {
    if (part == 0) {
      sparse_hits = SparseTop(qsv, query);
    } else {
      dense_hits = vectors->Search(qv, o.dense_candidates, query.filter);
    }
  });
  if (!dense_hits.ok()) return dense_hits.status();
  std::vector<Candidate> out = Fuse(qsv, qv, sparse_hits, *dense_hits);
  if (o.prf_docs > 0 && o.prf_weight > 0 && !out.empty()) {
    std::vector<int64_t> top;
    for (size_t i = 0; i < out.size() && top.size() < static_cast<size_t>(o.prf_docs); ++i) {
      top.push_back(out[i].id);
    }
    qsv = ExpandQuery(qsv, top, *sparse, *vocab, o.prf_terms, o.prf_weight);
    out = Fuse(qsv, qv, SparseTop(qsv, query), *dense_hits);
  }
  if (out.size() > query.k) out.resize(query.k);
  return out;
}

Status Retriever::Impl::PrepareQuery(const std::vector<Feature>& features, const Query& query,
                                     SparseVector* qsv, std::vector<float>* qv) const {
  *qsv = vocab->QueryWeights(features);
  qv->assign(embedder->dim(), 0.0f);
  EmbedInput in;
  in.features = &features;
  in.vector = &query.vector;
  Status s = embedder->Embed(in, qv->data());
  return s.ok() ? s : s.WithPrefix("query");
}

std::vector<SparseHit> Retriever::Impl::SparseTop(const SparseVector& qsv,
                                                  const Query& query) const {
  size_t budget = options.sparse_posting_budget;
  if (budget > 0 && options.sparse_budget_growth_docs > 0) {
    const double growth = std::clamp(static_cast<double>(sparse->size()) /
                                         static_cast<double>(options.sparse_budget_growth_docs),
                                     1.0, 2.0);
    budget = static_cast<size_t>(static_cast<double>(budget) * growth);
  }
  return sparse->Search(qsv, std::max(options.sparse_candidates, query.k), query.filter, budget);
}

// Union of the sparse hits and the dense hits, each candidate scored on
// both sides, fused and sorted (not truncated).
std::vector<Candidate> Retriever::Impl::Fuse(const SparseVector& qsv, const float* qv,
                                             const std::vector<SparseHit>& sparse_hits,
                                             const std::vector<VectorHit>& dense_hits) const {
  // The sparse hits' ids, sorted, to find the dense hits among them (a few
  // hundred ids: binary search over one array, no per-id allocation).
  std::vector<std::pair<int64_t, uint32_t>> by_id;
  by_id.reserve(sparse_hits.size());
  std::vector<Candidate> out;
  out.reserve(sparse_hits.size() + dense_hits.size());
  for (const SparseHit& h : sparse_hits) {
    by_id.emplace_back(h.id, static_cast<uint32_t>(out.size()));
    out.push_back({h.id, NAN, h.score, 0});
  }
  std::sort(by_id.begin(), by_id.end());
  std::vector<int64_t> dense_only;
  for (const VectorHit& h : dense_hits) {
    auto it = std::lower_bound(by_id.begin(), by_id.end(), std::pair<int64_t, uint32_t>{h.id, 0});
    if (it != by_id.end() && it->first == h.id) {
      out[it->second].dense = h.score;
    } else {
      out.push_back({h.id, h.score, 0, 0});
      dense_only.push_back(h.id);
    }
  }
  // The dense-only candidates' BM25 and the sparse-only ones' similarity,
  // each side scored together, the two sides at once when a helper is idle.
  std::vector<int64_t> need_dense;
  std::vector<uint32_t> need_dense_at;
  for (size_t i = 0; i < sparse_hits.size(); ++i) {
    if (std::isnan(out[i].dense)) {
      need_dense.push_back(out[i].id);
      need_dense_at.push_back(static_cast<uint32_t>(i));
    }
  }
  std::vector<float> lexical, dense;
  HelperPool::Shared().Run(2, [&](size_t side) {
    if (side == 0) {
      lexical = sparse->Score(qsv, dense_only);
    } else {
      dense = vectors->Score(qv, need_dense);
    }
  });
  for (size_t i = 0; i < dense_only.size(); ++i) {
    out[out.size() - dense_only.size() + i].sparse = lexical[i];
  }
  for (size_t i = 0; i < need_dense.size(); ++i) {
    out[need_dense_at[i]].dense = std::isnan(dense[i]) ? 0.0f : dense[i];
  }
  std::vector<float> dense_scores(out.size()), sparse_scores(out.size()), fused;
  for (size_t i = 0; i < out.size(); ++i) {
    dense_scores[i] = out[i].dense;
    sparse_scores[i] = out[i].sparse;
  }
  FuseScores({options.fusion, options.dense_weight, options.sparse_weight, options.rrf_k},
             dense_scores, sparse_scores, &fused);
  for (size_t i = 0; i < out.size(); ++i) out[i].fused = fused[i];
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return a.fused != b.fused ? a.fused > b.fused : a.id < b.id;
  });
  return out;
}

StatusOr<std::vector<Candidate>> Retriever::ScoreDocuments(const Query& query,
                                                          const std::vector<int64_t>& ids,
                                                          QueryStats* stats) const {
  const Impl& m = *impl_;
  std::vector<Feature> features = AnalyzeFields(*m.analyzer, query.fields);
  std::shared_lock lock(m.mu);
  if (m.embedder == nullptr) return FailedPrecondition("retriever: Build() first");
  SparseVector qsv;
  std::vector<float> qv;
  Status s = m.PrepareQuery(features, query, &qsv, &qv);
  if (!s.ok()) return s;
  if (stats != nullptr) stats->sparse_reference = SparseReference(qsv);
  return m.ScoreIds(qsv, qv.data(), ids);
}

uint64_t Retriever::generation() const {
  std::shared_lock lock(impl_->mu);
  return impl_->generation;
}

StatusOr<PreparedQuery> Retriever::Prepare(const Query& query) const {
  const Impl& m = *impl_;
  std::vector<Feature> features = AnalyzeFields(*m.analyzer, query.fields);
  std::shared_lock lock(m.mu);
  if (m.embedder == nullptr) return FailedPrecondition("retriever: Build() first");
  PreparedQuery out;
  out.generation = m.generation;
  out.vocabulary_size = m.vocab->size();
  out.vector.assign(m.embedder->dim(), 0.0f);
  EmbedInput in;
  in.features = &features;
  in.vector = &query.vector;
  Status s = m.embedder->Embed(in, out.vector.data());
  if (!s.ok()) return s.WithPrefix("query");
  for (Feature& f : features) {
    const uint32_t id = m.vocab->Find(f.term);
    if (id == Vocabulary::kUnknown) {
      out.unknown.push_back(std::move(f));
    } else {
      out.terms.push_back({id, f.count});
    }
  }
  return out;
}

StatusOr<std::vector<Candidate>> Retriever::ScoreDocuments(const PreparedQuery& query,
                                                          const std::vector<int64_t>& ids,
                                                          QueryStats* stats) const {
  const Impl& m = *impl_;
  std::shared_lock lock(m.mu);
  if (m.embedder == nullptr) return FailedPrecondition("retriever: Build() first");
  if (Status s = m.CheckPrepared(query); !s.ok()) return s;
  const SparseVector qsv = m.WeightsOf(query);
  if (stats != nullptr) stats->sparse_reference = SparseReference(qsv);
  return m.ScoreIds(qsv, query.vector.data(), ids);
}

SparseVector Retriever::Impl::WeightsOf(const PreparedQuery& query) const {
  SparseVector qsv;
  qsv.reserve(query.terms.size());
  // (kind weight * idf) * QueryCount(count), in that order, as QueryWeights
  // computes it.
  const KindWeights& fw = vocab->options().weights;
  for (const WeightedTerm& t : query.terms) {
    if (vocab->df(t.id) == 0) continue;
    const float w = fw.Of(vocab->kind(t.id)) * vocab->Idf(t.id) * vocab->QueryCount(t.weight);
    if (w > 0) qsv.push_back({t.id, w});
  }
  if (!query.unknown.empty() && vocab->size() != query.vocabulary_size) {
    SparseVector known = vocab->QueryWeights(query.unknown);
    qsv.insert(qsv.end(), known.begin(), known.end());
  }
  std::sort(qsv.begin(), qsv.end(),
            [](const WeightedTerm& a, const WeightedTerm& b) { return a.id < b.id; });
  return qsv;
}

std::vector<Candidate> Retriever::Impl::ScoreIds(const SparseVector& qsv, const float* qv,
                                                 const std::vector<int64_t>& ids) const {
  std::vector<float> dense = vectors->Score(qv, ids);
  std::vector<float> lexical = sparse->Score(qsv, ids);
  std::vector<Candidate> out;
  out.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    out.push_back({ids[i], std::isnan(dense[i]) ? 0.0f : dense[i], lexical[i], 0});
  }
  return out;
}

std::vector<MatchedTerm> Retriever::Explain(const Query& query, int64_t id) const {
  std::vector<Feature> features = AnalyzeFields(*impl_->analyzer, query.fields);
  std::shared_lock lock(impl_->mu);
  return impl_->sparse->Explain(impl_->vocab->QueryWeights(features), id);
}

std::vector<std::vector<MatchedTerm>> Retriever::Explain(const Query& query,
                                                         const std::vector<int64_t>& ids) const {
  std::vector<Feature> features = AnalyzeFields(*impl_->analyzer, query.fields);
  std::shared_lock lock(impl_->mu);
  const SparseVector q = impl_->vocab->QueryWeights(features);
  std::vector<std::vector<MatchedTerm>> out;
  out.reserve(ids.size());
  for (int64_t id : ids) out.push_back(impl_->sparse->Explain(q, id));
  return out;
}

StatusOr<std::vector<std::vector<MatchedTerm>>> Retriever::Explain(
    const PreparedQuery& query, const std::vector<int64_t>& ids,
    const std::vector<FeatureKind>& kinds) const {
  const Impl& m = *impl_;
  std::shared_lock lock(m.mu);
  if (Status s = m.CheckPrepared(query); !s.ok()) return s;
  SparseVector q = m.WeightsOf(query);
  if (!kinds.empty()) {
    std::erase_if(q, [&](const WeightedTerm& t) {
      return std::find(kinds.begin(), kinds.end(), m.vocab->kind(t.id)) == kinds.end();
    });
  }
  std::vector<std::vector<MatchedTerm>> out;
  out.reserve(ids.size());
  for (int64_t id : ids) out.push_back(m.sparse->Explain(q, id));
  return out;
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
