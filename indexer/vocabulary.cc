#include "indexer/vocabulary.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "indexer/binary_io.h"

namespace ketnoi::indexer {
namespace {

constexpr char kMagic[4] = {'K', 'V', 'O', 'C'};
constexpr uint32_t kFormatVersion = 2;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

struct Vocabulary::Dict {
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> ids;
  std::vector<std::string> terms;
  std::vector<uint32_t> df;
  std::vector<uint8_t> kinds;
};

// Summed in double and rounded once, so the result does not depend on the
// order of the features (a saved index reloads them sorted by term id and
// must score exactly as before).
KindLengths LengthsOf(const std::vector<Feature>& features) {
  std::array<double, kNumFeatureKinds> sum{};
  for (const Feature& f : features) sum[static_cast<int>(f.kind)] += f.count;
  KindLengths l;
  for (int k = 0; k < kNumFeatureKinds; ++k) l[k] = static_cast<float>(sum[k]);
  return l;
}

Vocabulary::Vocabulary(VocabularyOptions options)
    : options_(options), dict_(std::make_unique<Dict>()) {}
Vocabulary::Vocabulary(const Vocabulary& o)
    : options_(o.options_),
      dict_(std::make_unique<Dict>(*o.dict_)),
      num_docs_(o.num_docs_),
      total_length_(o.total_length_) {}
Vocabulary& Vocabulary::operator=(const Vocabulary& o) {
  if (this != &o) {
    options_ = o.options_;
    dict_ = std::make_unique<Dict>(*o.dict_);
    num_docs_ = o.num_docs_;
    total_length_ = o.total_length_;
  }
  return *this;
}
Vocabulary::Vocabulary(Vocabulary&&) noexcept = default;
Vocabulary& Vocabulary::operator=(Vocabulary&&) noexcept = default;
Vocabulary::~Vocabulary() = default;

uint32_t Vocabulary::Find(std::string_view term) const {
  auto it = dict_->ids.find(term);
  return it == dict_->ids.end() ? kUnknown : it->second;
}

uint32_t Vocabulary::Intern(std::string_view term, FeatureKind kind) {
  auto it = dict_->ids.find(term);
  if (it != dict_->ids.end()) return it->second;
  uint32_t id = static_cast<uint32_t>(dict_->terms.size());
  dict_->ids.emplace(std::string(term), id);
  dict_->terms.emplace_back(term);
  dict_->df.push_back(0);
  dict_->kinds.push_back(static_cast<uint8_t>(kind));
  return id;
}

void Vocabulary::AddDocument(const std::vector<Feature>& features) {
  for (const Feature& f : features) {
    ++dict_->df[Intern(f.term, f.kind)];
    total_length_[static_cast<int>(f.kind)] += f.count;
  }
  ++num_docs_;
}

void Vocabulary::AddDocument(const std::vector<Feature>& features, std::vector<uint32_t>* ids) {
  for (size_t i = 0; i < features.size(); ++i) {
    const Feature& f = features[i];
    uint32_t& id = (*ids)[i];
    if (id == kUnknown) id = Intern(f.term, f.kind);
    ++dict_->df[id];
    total_length_[static_cast<int>(f.kind)] += f.count;
  }
  ++num_docs_;
}

void Vocabulary::RemoveDocument(const std::vector<Feature>& features) {
  for (const Feature& f : features) {
    uint32_t id = Find(f.term);
    if (id != kUnknown && dict_->df[id] > 0) --dict_->df[id];
    total_length_[static_cast<int>(f.kind)] =
        std::max(0.0, total_length_[static_cast<int>(f.kind)] - f.count);
  }
  if (num_docs_ > 0) --num_docs_;
}

void Vocabulary::RemoveDocument(const SparseVector& term_counts) {
  for (const WeightedTerm& t : term_counts) {
    if (t.id >= dict_->df.size()) continue;
    if (dict_->df[t.id] > 0) --dict_->df[t.id];
    double& total = total_length_[dict_->kinds[t.id]];
    total = std::max(0.0, total - t.weight);
  }
  if (num_docs_ > 0) --num_docs_;
}

size_t Vocabulary::size() const { return dict_->terms.size(); }
uint32_t Vocabulary::df(uint32_t id) const { return dict_->df[id]; }
FeatureKind Vocabulary::kind(uint32_t id) const {
  return static_cast<FeatureKind>(dict_->kinds[id]);
}
const std::string& Vocabulary::term(uint32_t id) const { return dict_->terms[id]; }

float Vocabulary::Idf(uint32_t id) const {
  if (id >= dict_->df.size()) return 0;
  double n = static_cast<double>(num_docs_), df = dict_->df[id];
  return static_cast<float>(std::log(1.0 + (n - df + 0.5) / (df + 0.5)));
}

float Vocabulary::AvgLength(FeatureKind kind) const {
  if (num_docs_ == 0) return 1;
  double avg = total_length_[static_cast<int>(kind)] / static_cast<double>(num_docs_);
  return avg > 0 ? static_cast<float>(avg) : 1.0f;
}

float Vocabulary::Bm25Tf(float tf, float len, FeatureKind kind) const {
  const float k1 = options_.k1, b = options_.b;
  return tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / AvgLength(kind)));
}

namespace {
void SortById(SparseVector* v) {
  std::sort(v->begin(), v->end(),
            [](const WeightedTerm& a, const WeightedTerm& b) { return a.id < b.id; });
}
}  // namespace

SparseVector Vocabulary::QueryWeights(const std::vector<Feature>& features) const {
  SparseVector out;
  out.reserve(features.size());
  for (const Feature& f : features) {
    uint32_t id = Find(f.term);
    if (id == kUnknown || dict_->df[id] == 0) continue;
    float w = options_.weights.Of(f.kind) * Idf(id) * QueryCount(f.count);
    if (w > 0) out.push_back({id, w});
  }
  SortById(&out);
  return out;
}

SparseVector Vocabulary::TfIdf(const std::vector<Feature>& features) const {
  SparseVector out;
  out.reserve(features.size());
  double norm = 0;
  for (const Feature& f : features) {
    uint32_t id = Find(f.term);
    if (id == kUnknown || dict_->df[id] == 0 || f.count <= 0) continue;
    float w = options_.weights.Of(f.kind) * Idf(id) * (1.0f + std::log(f.count));
    if (w <= 0) continue;
    out.push_back({id, w});
    norm += static_cast<double>(w) * w;
  }
  if (norm > 0) {
    float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (auto& t : out) t.weight *= inv;
  }
  SortById(&out);
  return out;
}

// Format: magic "KVOC", u32 format version (2: seven kinds), options (k1, b, 7 kind weights),
// u64 num_docs, 7 x f64 total lengths, u32 term count, then per term:
// u8 kind, u32 df, u32 byte length, bytes.
std::string Vocabulary::Serialize() const {
  internal::Writer w;
  w.PutBytes(kMagic, 4);
  w.Put(kFormatVersion);
  w.Put(options_.k1);
  w.Put(options_.b);
  for (float x : options_.weights.w) w.Put(x);
  w.Put(num_docs_);
  for (double x : total_length_) w.Put(x);
  w.Put<uint32_t>(static_cast<uint32_t>(dict_->terms.size()));
  for (size_t i = 0; i < dict_->terms.size(); ++i) {
    w.Put(dict_->kinds[i]);
    w.Put(dict_->df[i]);
    w.PutString(dict_->terms[i]);
  }
  return std::move(w.buffer());
}

StatusOr<Vocabulary> Vocabulary::Deserialize(std::string_view bytes) {
  internal::Reader r(bytes);
  char magic[4];
  uint32_t version = 0;
  if (!r.GetBytes(magic, 4) || std::memcmp(magic, kMagic, 4) != 0) {
    return Corruption("vocabulary: bad magic (not a ketnoi vocabulary)");
  }
  if (!r.Get(&version) || version != kFormatVersion) {
    return Corruption("vocabulary: unsupported format version " + std::to_string(version));
  }
  VocabularyOptions o;
  bool ok = r.Get(&o.k1) && r.Get(&o.b);
  for (float& x : o.weights.w) ok = ok && r.Get(&x);
  Vocabulary v(o);
  ok = ok && r.Get(&v.num_docs_);
  for (double& x : v.total_length_) ok = ok && r.Get(&x);
  uint32_t n = 0;
  ok = ok && r.Get(&n);
  if (!ok) return Corruption("vocabulary: truncated header");
  for (uint32_t i = 0; i < n; ++i) {
    uint8_t kind;
    uint32_t df;
    std::string term;
    if (!r.Get(&kind) || !r.Get(&df) || !r.GetString(&term)) {
      return Corruption("vocabulary: truncated at term " + std::to_string(i));
    }
    if (kind >= kNumFeatureKinds) return Corruption("vocabulary: bad kind at term " + std::to_string(i));
    uint32_t id = v.Intern(term, static_cast<FeatureKind>(kind));
    if (id != i) return Corruption("vocabulary: duplicate term '" + term + "'");
    v.dict_->df[id] = df;
  }
  if (r.remaining() != 0) return Corruption("vocabulary: trailing bytes");
  return v;
}

uint64_t Vocabulary::Fingerprint() const { return internal::Fnv1a64(Serialize()); }

}  // namespace ketnoi::indexer
