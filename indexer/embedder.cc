#include "indexer/embedder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <unordered_map>

#include "indexer/binary_io.h"
#include "indexer/linalg.h"

namespace ketnoi::indexer {
namespace {

constexpr char kMagic[4] = {'K', 'L', 'S', 'A'};
constexpr uint32_t kFormatVersion = 2;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// One row of the sparse training matrix.
struct Entry {
  uint32_t col;
  float value;
};

}  // namespace

void L2Normalize(float* v, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(v[i]) * v[i];
  if (s <= 0) return;
  float inv = static_cast<float>(1.0 / std::sqrt(s));
  for (size_t i = 0; i < n; ++i) v[i] *= inv;
}

Status Embedder::EmbedBatch(const std::vector<EmbedInput>& inputs, float* out) const {
  const size_t d = static_cast<size_t>(dim());
  for (size_t i = 0; i < inputs.size(); ++i) {
    Status s = Embed(inputs[i], out + i * d);
    if (!s.ok()) return s.WithPrefix("input " + std::to_string(i));
  }
  return Status::OK();
}

// ---------------------------------------------------------------- LSA model

struct LsaEmbedder::Model {
  LsaOptions options;
  KindWeights weights;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> column;
  std::vector<std::string> terms;
  std::vector<uint8_t> kinds;
  std::vector<float> term_weight;   // kind weight * idf
  std::vector<float> projection;    // terms x dim, row-major
  std::vector<float> singular;      // rank values, descending
  int rank = 0;
  uint64_t version = 0;

  // Sparse weighted row of one document: (1 + ln tf) * weight, L2-normalised.
  void Row(const std::vector<Feature>& features, std::vector<Entry>* row) const {
    row->clear();
    double norm = 0;
    for (const Feature& f : features) {
      if (!options.kinds[static_cast<int>(f.kind)] || f.count <= 0) continue;
      auto it = column.find(f.term);
      if (it == column.end()) continue;
      float w = term_weight[it->second] * (1.0f + std::log(f.count));
      row->push_back({it->second, w});
      norm += static_cast<double>(w) * w;
    }
    if (norm > 0) {
      float inv = static_cast<float>(1.0 / std::sqrt(norm));
      for (Entry& e : *row) e.value *= inv;
    }
  }
};

namespace {

// Y (n x l) = X (n x F, sparse rows) * M (F x l).
void SparseTimesDense(const std::vector<std::vector<Entry>>& x, const float* m, int l, float* y) {
  for (size_t i = 0; i < x.size(); ++i) {
    float* out = y + i * l;
    std::fill(out, out + l, 0.0f);
    for (const Entry& e : x[i]) {
      const float* r = m + static_cast<size_t>(e.col) * l;
      for (int j = 0; j < l; ++j) out[j] += e.value * r[j];
    }
  }
}

// Z (F x l) = X^T (F x n) * Y (n x l).
void SparseTransposeTimesDense(const std::vector<std::vector<Entry>>& x, const float* y, int l,
                               size_t f, float* z) {
  std::fill(z, z + f * l, 0.0f);
  for (size_t i = 0; i < x.size(); ++i) {
    const float* r = y + i * l;
    for (const Entry& e : x[i]) {
      float* out = z + static_cast<size_t>(e.col) * l;
      for (int j = 0; j < l; ++j) out[j] += e.value * r[j];
    }
  }
}

}  // namespace

StatusOr<std::unique_ptr<LsaEmbedder>> LsaEmbedder::Train(
    const std::vector<const std::vector<Feature>*>& docs, const KindWeights& weights,
    const LsaOptions& options) {
  if (options.dim < 1 || options.dim > 4096) {
    return InvalidArgument("lsa: dim must be in 1..4096, got " + std::to_string(options.dim));
  }
  if (docs.empty()) return InvalidArgument("lsa: no documents to learn from");
  auto model = std::make_unique<Model>();
  model->options = options;
  model->weights = weights;
  if (options.concept_weight > 0) {
    model->weights.w[static_cast<int>(FeatureKind::kConcept)] = options.concept_weight;
  }

  // Training sample, evenly spread over the corpus.
  std::vector<const std::vector<Feature>*> sample;
  const size_t step = std::max<size_t>(1, (docs.size() + options.max_train_docs - 1) /
                                               std::max<size_t>(1, options.max_train_docs));
  for (size_t i = 0; i < docs.size(); i += step) sample.push_back(docs[i]);

  // Document frequencies over the selected kinds.
  std::unordered_map<std::string_view, std::pair<uint32_t, uint8_t>> df;
  for (const auto* d : sample) {
    for (const Feature& f : *d) {
      if (!options.kinds[static_cast<int>(f.kind)]) continue;
      auto& e = df[f.term];
      ++e.first;
      e.second = static_cast<uint8_t>(f.kind);
    }
  }
  std::vector<std::pair<std::string_view, std::pair<uint32_t, uint8_t>>> selected;
  for (const auto& kv : df) {
    if (kv.second.first >= options.min_df) selected.push_back(kv);
  }
  std::sort(selected.begin(), selected.end(), [](const auto& a, const auto& b) {
    return a.second.first != b.second.first ? a.second.first > b.second.first : a.first < b.first;
  });
  if (selected.size() > options.max_terms) selected.resize(options.max_terms);
  const double n = static_cast<double>(sample.size());
  for (const auto& [term, info] : selected) {
    uint32_t col = static_cast<uint32_t>(model->terms.size());
    model->column.emplace(std::string(term), col);
    model->terms.emplace_back(term);
    model->kinds.push_back(info.second);
    double idf = std::log(1.0 + (n - info.first + 0.5) / (info.first + 0.5));
    model->term_weight.push_back(static_cast<float>(idf) *
                                 model->weights.Of(static_cast<FeatureKind>(info.second)));
  }
  const size_t f = model->terms.size();
  const int dim = options.dim;
  model->projection.assign(f * dim, 0.0f);

  std::vector<std::vector<Entry>> x(sample.size());
  for (size_t i = 0; i < sample.size(); ++i) model->Row(*sample[i], &x[i]);

  const int l = static_cast<int>(std::min<size_t>({static_cast<size_t>(dim + options.oversample),
                                                   sample.size(), f}));
  if (l > 0) {
    // Randomized range finder on X^T X (Halko, Martinsson, Tropp 2011).
    std::mt19937_64 rng(options.seed);
    std::normal_distribution<float> gauss;
    std::vector<float> z(f * l), y(sample.size() * l);
    for (float& v : z) v = gauss(rng);
    SparseTimesDense(x, z.data(), l, y.data());
    for (int it = 0; it < options.power_iterations; ++it) {
      internal::Orthonormalize(y.data(), static_cast<int>(sample.size()), l);
      SparseTransposeTimesDense(x, y.data(), l, f, z.data());
      internal::Orthonormalize(z.data(), static_cast<int>(f), l);
      SparseTimesDense(x, z.data(), l, y.data());
    }
    int q_rank = internal::Orthonormalize(y.data(), static_cast<int>(sample.size()), l);
    // B^T = X^T Q (F x l); B B^T = Z^T Z; V = Z U S^-1.
    SparseTransposeTimesDense(x, y.data(), l, f, z.data());
    std::vector<float> g32(static_cast<size_t>(l) * l);
    internal::MatMul(z.data(), z.data(), g32.data(), l, l, static_cast<int>(f), true);
    std::vector<double> values, vectors;
    if (!internal::SymmetricEigen(std::vector<double>(g32.begin(), g32.end()), l, &values,
                                  &vectors)) {
      return Internal("lsa: eigen-decomposition failed");
    }
    const int rank = std::min({dim, q_rank, l});
    std::vector<float> u(static_cast<size_t>(l) * dim, 0.0f);
    for (int j = 0; j < rank; ++j) {
      // Directions below 1e-3 of the top singular value are numerical noise.
      if (!(values[j] > values[0] * 1e-6) || values[j] <= 0) break;
      double s = std::sqrt(values[j]);
      model->singular.push_back(static_cast<float>(s));
      double scale = std::pow(s, options.singular_exponent) / s;
      for (int i = 0; i < l; ++i) {
        u[static_cast<size_t>(i) * dim + j] =
            static_cast<float>(vectors[static_cast<size_t>(i) * l + j] * scale);
      }
    }
    model->rank = static_cast<int>(model->singular.size());
    internal::MatMul(z.data(), u.data(), model->projection.data(), static_cast<int>(f), dim, l);
  }
  auto embedder = std::unique_ptr<LsaEmbedder>(new LsaEmbedder(std::move(model)));
  embedder->model_->version = internal::Fnv1a64(embedder->Serialize());
  return embedder;
}

LsaEmbedder::LsaEmbedder(std::unique_ptr<Model> model) : model_(std::move(model)) {}
LsaEmbedder::~LsaEmbedder() = default;
int LsaEmbedder::dim() const { return model_->options.dim; }
uint64_t LsaEmbedder::version() const { return model_->version; }
size_t LsaEmbedder::num_terms() const { return model_->terms.size(); }
int LsaEmbedder::rank() const { return model_->rank; }
const std::vector<float>& LsaEmbedder::singular_values() const { return model_->singular; }

Status LsaEmbedder::Embed(const EmbedInput& input, float* out) const {
  const int d = model_->options.dim;
  std::fill(out, out + d, 0.0f);
  if (input.features == nullptr) return InvalidArgument("lsa: the input has no text features");
  thread_local std::vector<Entry> row;
  model_->Row(*input.features, &row);
  for (const Entry& e : row) {
    const float* r = model_->projection.data() + static_cast<size_t>(e.col) * d;
    const float v = e.value;
    for (int j = 0; j < d; ++j) out[j] += v * r[j];
  }
  L2Normalize(out, d);
  return Status::OK();
}

// Format: magic "KLSA", u32 format version, i32 dim, i32 rank, f32
// singular exponent, 7 x u8 kinds, 7 x f32 kind weights (7 since version 2), u32 terms, per
// term: string, u8 kind, f32 weight; rank x f32 singular values; terms x
// dim f32 projection.
std::string LsaEmbedder::Serialize() const {
  const Model& m = *model_;
  internal::Writer w;
  w.PutBytes(kMagic, 4);
  w.Put(kFormatVersion);
  w.Put<int32_t>(m.options.dim);
  w.Put<int32_t>(m.rank);
  w.Put(m.options.singular_exponent);
  for (bool k : m.options.kinds) w.Put<uint8_t>(k ? 1 : 0);
  for (float x : m.weights.w) w.Put(x);
  w.Put<uint32_t>(static_cast<uint32_t>(m.terms.size()));
  for (size_t i = 0; i < m.terms.size(); ++i) {
    w.PutString(m.terms[i]);
    w.Put(m.kinds[i]);
    w.Put(m.term_weight[i]);
  }
  w.PutBytes(m.singular.data(), m.singular.size() * sizeof(float));
  w.PutBytes(m.projection.data(), m.projection.size() * sizeof(float));
  return std::move(w.buffer());
}

StatusOr<std::unique_ptr<LsaEmbedder>> LsaEmbedder::Deserialize(std::string_view bytes) {
  internal::Reader r(bytes);
  char magic[4];
  uint32_t version = 0;
  if (!r.GetBytes(magic, 4) || std::memcmp(magic, kMagic, 4) != 0) {
    return Corruption("lsa model: bad magic (not a ketnoi projection)");
  }
  if (!r.Get(&version) || version != kFormatVersion) {
    return Corruption("lsa model: unsupported format version " + std::to_string(version));
  }
  auto m = std::make_unique<Model>();
  int32_t dim = 0, rank = 0;
  uint32_t n = 0;
  bool ok = r.Get(&dim) && r.Get(&rank) && r.Get(&m->options.singular_exponent);
  for (int i = 0; ok && i < kNumFeatureKinds; ++i) {
    uint8_t k = 0;
    ok = r.Get(&k);
    m->options.kinds[i] = k != 0;
  }
  for (size_t i = 0; ok && i < m->weights.w.size(); ++i) ok = r.Get(&m->weights.w[i]);
  ok = ok && r.Get(&n);
  if (!ok || dim < 1 || dim > 4096 || rank < 0 || rank > dim) {
    return Corruption("lsa model: bad header");
  }
  m->options.dim = dim;
  m->rank = rank;
  for (uint32_t i = 0; i < n; ++i) {
    std::string term;
    uint8_t kind;
    float weight;
    if (!r.GetString(&term) || !r.Get(&kind) || !r.Get(&weight) || kind >= kNumFeatureKinds) {
      return Corruption("lsa model: truncated or bad term " + std::to_string(i));
    }
    m->column.emplace(term, i);
    m->terms.push_back(std::move(term));
    m->kinds.push_back(kind);
    m->term_weight.push_back(weight);
  }
  m->singular.resize(rank);
  m->projection.resize(static_cast<size_t>(n) * dim);
  if (!r.GetBytes(m->singular.data(), rank * sizeof(float)) ||
      !r.GetBytes(m->projection.data(), m->projection.size() * sizeof(float)) ||
      r.remaining() != 0) {
    return Corruption("lsa model: truncated or trailing projection data");
  }
  m->version = internal::Fnv1a64(bytes);
  return std::unique_ptr<LsaEmbedder>(new LsaEmbedder(std::move(m)));
}

// ------------------------------------------------------------- external

Status ExternalEmbedder::Embed(const EmbedInput& input, float* out) const {
  if (input.vector == nullptr || input.vector->empty()) {
    return InvalidArgument("external embedder: the record has no 'vector' field");
  }
  const auto& v = *input.vector;
  if (static_cast<int>(v.size()) != dim_) {
    return InvalidArgument("external embedder: field 'vector' has dimension " +
                           std::to_string(v.size()) + ", the index expects " +
                           std::to_string(dim_));
  }
  double s = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      return InvalidArgument("external embedder: field 'vector' has a non-finite value at " +
                             std::to_string(i));
    }
    s += static_cast<double>(v[i]) * v[i];
  }
  if (s == 0) return InvalidArgument("external embedder: field 'vector' is all zeros");
  std::copy(v.begin(), v.end(), out);
  L2Normalize(out, v.size());
  return Status::OK();
}

}  // namespace ketnoi::indexer
