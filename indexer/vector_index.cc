#include "indexer/vector_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "indexer/binary_io.h"
#include "indexer/simd_dot.h"

namespace ketnoi::indexer {
namespace {

using idx_t = faiss::Index::idx_t;
constexpr char kMagic[4] = {'K', 'V', 'I', 'X'};
constexpr uint32_t kFormatVersion = 1;

const char* TypeName(VectorIndexType t) {
  switch (t) {
    case VectorIndexType::kFlat: return "flat";
    case VectorIndexType::kIvf: return "ivf";
    case VectorIndexType::kHnsw: return "hnsw";
    default: return "auto";
  }
}

}  // namespace

struct VectorIndex::Impl {
  VectorIndexOptions options;
  VectorIndexType type = VectorIndexType::kFlat;  // what is built now
  std::unique_ptr<faiss::Index> index;
  int nlist = 0, nprobe = 0;
  std::vector<int64_t> ext_of_label;  // label -> document id
  std::vector<uint8_t> dead;          // label -> tombstone (or purged)
  std::vector<int64_t> pending;       // dead labels still stored in Faiss
  std::unordered_map<int64_t, int64_t> label_of;  // live document id -> label

  // Accepts a Faiss position when its label is live and the filter allows
  // the document. `inner_to_label` maps positions of an IndexIDMap2's inner
  // index to labels (null: positions are labels, as in IVF).
  struct Selector : faiss::IDSelector {
    const Impl* m;
    const IdFilter* filter;
    const std::vector<idx_t>* inner_to_label;
    bool is_member(idx_t i) const override {
      idx_t label = inner_to_label != nullptr ? (*inner_to_label)[i] : i;
      if (label < 0 || m->dead[label]) return false;
      return filter == nullptr || filter->Allows(m->ext_of_label[label]);
    }
  };

  Status Build(VectorIndexType t, size_t n, const idx_t* labels, const float* x);
  Status AddToFaiss(size_t n, const idx_t* labels, const float* x);
  Status Rebuild(VectorIndexType t, size_t extra_n, const idx_t* extra_labels,
                 const float* extra_x);
  void LiveVectors(std::vector<idx_t>* labels, std::vector<float>* x) const;
  size_t stored() const { return label_of.size() + pending.size(); }
  // Flat and IVF search without Faiss's scan (see the definition).
  std::vector<std::pair<float, idx_t>> ScanOwn(const float* query, size_t k,
                                               const IdFilter* filter) const;
  // Where Faiss keeps the vector of `label` (flat storage, or an in-memory
  // IVF list), read in place: Faiss's reconstruct() copies it out, and for
  // IVF allocates a code buffer per call (InvertedLists::get_single_code).
  // Null for other index types or a label Faiss does not hold; valid while
  // the index is not written.
  const float* Stored(idx_t label) const;
  // The vector of `label`: in place when Stored() has it, else copied into
  // `scratch` (dim floats) by Faiss's reconstruct(); null when Faiss holds
  // none.
  const float* VectorOf(idx_t label, float* scratch) const;
};

VectorIndex::VectorIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VectorIndex::~VectorIndex() = default;

StatusOr<std::unique_ptr<VectorIndex>> VectorIndex::Create(const VectorIndexOptions& options) {
  if (options.dim < 1) return InvalidArgument("vector index: dim must be positive");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  VectorIndexType t = options.type == VectorIndexType::kAuto ? VectorIndexType::kFlat : options.type;
  Status s = impl->Build(t, 0, nullptr, nullptr);
  if (!s.ok()) return s;
  return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(impl)));
}

// Creates an empty index of type `t` (trained on `x` for IVF) and adds x.
Status VectorIndex::Impl::Build(VectorIndexType t, size_t n, const idx_t* labels, const float* x) {
  const int d = options.dim;
  try {
    if (t == VectorIndexType::kIvf && n < 64) t = VectorIndexType::kFlat;  // too few to train
    type = t;
    if (t == VectorIndexType::kFlat) {
      index = std::make_unique<faiss::IndexIDMap2>(new faiss::IndexFlatIP(d));
      static_cast<faiss::IndexIDMap2*>(index.get())->own_fields = true;
    } else if (t == VectorIndexType::kHnsw) {
      auto* h = new faiss::IndexHNSWFlat(d, options.hnsw_m, faiss::METRIC_INNER_PRODUCT);
      h->hnsw.efConstruction = options.hnsw_ef_construction;
      h->hnsw.efSearch = options.hnsw_ef_search;
      index = std::make_unique<faiss::IndexIDMap2>(h);
      static_cast<faiss::IndexIDMap2*>(index.get())->own_fields = true;
    } else {
      nlist = options.ivf_nlist > 0
                  ? options.ivf_nlist
                  : std::max(16, static_cast<int>(4 * std::sqrt(static_cast<double>(n))));
      nlist = std::min<int>(nlist, static_cast<int>(n / 8));
      nprobe = options.ivf_nprobe > 0 ? options.ivf_nprobe : std::max(8, nlist / 64);
      auto* quantizer = new faiss::IndexFlatIP(d);
      auto ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer, d, nlist,
                                                       faiss::METRIC_INNER_PRODUCT);
      ivf->own_fields = true;
      ivf->cp.niter = 10;
      ivf->cp.spherical = true;  // unit vectors, inner product
      // Train on at most 32 vectors per list: k-means cost is the build-time
      // bottleneck at 1M, and quality plateaus.
      size_t nt = std::min<size_t>(n, static_cast<size_t>(nlist) * 32);
      std::vector<float> sample(nt * d);
      for (size_t i = 0; i < nt; ++i) {
        size_t src = i * n / nt;
        std::memcpy(&sample[i * d], x + src * d, sizeof(float) * d);
      }
      ivf->train(nt, sample.data());
      ivf->set_direct_map_type(faiss::DirectMap::Hashtable);
      ivf->nprobe = nprobe;
      index = std::move(ivf);
    }
    if (n > 0) return AddToFaiss(n, labels, x);
  } catch (const faiss::FaissException& e) {
    return Internal(std::string("vector index: faiss: ") + e.what());
  }
  return Status::OK();
}

namespace {

// Faiss runs an add through OpenMP parallel regions even for one vector
// (coarse assignment, then one thread per share of the lists). After each
// region libgomp's idle workers busy-wait for a while: a one-vector update
// on a 2-core server then keeps a core spinning while the caller's own
// threads (the list refresh) need it (perf: a fifth of a refresh's CPU).
// Small adds run on the calling thread alone.
class SerialOpenMpIf {
 public:
  explicit SerialOpenMpIf(bool serial) : serial_(serial) {
    if (serial_) {
      previous_ = omp_get_max_threads();
      omp_set_num_threads(1);
    }
  }
  ~SerialOpenMpIf() {
    if (serial_) omp_set_num_threads(previous_);
  }
  SerialOpenMpIf(const SerialOpenMpIf&) = delete;
  SerialOpenMpIf& operator=(const SerialOpenMpIf&) = delete;

 private:
  bool serial_;
  int previous_ = 1;
};

// Below this many vectors an add is not worth a thread team.
constexpr size_t kParallelAddMin = 256;

}  // namespace

Status VectorIndex::Impl::AddToFaiss(size_t n, const idx_t* labels, const float* x) {
  try {
    SerialOpenMpIf serial(n < kParallelAddMin);
    index->add_with_ids(n, x, labels);
  } catch (const faiss::FaissException& e) {
    return Internal(std::string("vector index: faiss add: ") + e.what());
  }
  return Status::OK();
}

void VectorIndex::Impl::LiveVectors(std::vector<idx_t>* labels, std::vector<float>* x) const {
  const int d = options.dim;
  labels->clear();
  labels->reserve(label_of.size());
  for (const auto& kv : label_of) labels->push_back(kv.second);
  std::sort(labels->begin(), labels->end());
  x->resize(labels->size() * d);
  for (size_t i = 0; i < labels->size(); ++i) index->reconstruct((*labels)[i], &(*x)[i * d]);
}

// Rebuilds as type `t` from the live vectors plus `extra` (already counted
// in label_of), dropping every tombstone.
Status VectorIndex::Impl::Rebuild(VectorIndexType t, size_t extra_n, const idx_t* extra_labels,
                                  const float* extra_x) {
  std::vector<idx_t> labels;
  std::vector<float> x;
  try {
    // Extra labels are not in Faiss yet: take the stored ones only.
    std::unordered_map<idx_t, size_t> extra_pos;
    for (size_t i = 0; i < extra_n; ++i) extra_pos[extra_labels[i]] = i;
    const int d = options.dim;
    for (const auto& kv : label_of) {
      if (!extra_pos.count(kv.second)) labels.push_back(kv.second);
    }
    std::sort(labels.begin(), labels.end());
    const size_t stored_n = labels.size();
    x.resize((stored_n + extra_n) * d);
    for (size_t i = 0; i < stored_n; ++i) index->reconstruct(labels[i], &x[i * d]);
    for (size_t i = 0; i < extra_n; ++i) {
      std::memcpy(&x[(stored_n + i) * d], extra_x + i * d, sizeof(float) * d);
      labels.push_back(extra_labels[i]);
    }
  } catch (const faiss::FaissException& e) {
    return Internal(std::string("vector index: faiss reconstruct: ") + e.what());
  }
  pending.clear();
  return Build(t, labels.size(), labels.data(), x.data());
}

Status VectorIndex::Upsert(size_t n, const int64_t* ids, const float* vectors) {
  Impl& m = *impl_;
  std::vector<idx_t> labels(n);
  for (size_t i = 0; i < n; ++i) {
    auto it = m.label_of.find(ids[i]);
    if (it != m.label_of.end()) {
      m.dead[it->second] = 1;
      m.pending.push_back(it->second);
    }
    labels[i] = static_cast<idx_t>(m.ext_of_label.size());
    m.ext_of_label.push_back(ids[i]);
    m.dead.push_back(0);
    m.label_of[ids[i]] = labels[i];
  }
  // IVF needs enough vectors to train: an index asked to be IVF (or auto
  // past the threshold) stays flat until it has them.
  const bool want_ivf = m.options.type == VectorIndexType::kIvf ||
                        (m.options.type == VectorIndexType::kAuto &&
                         m.label_of.size() >= m.options.approximate_threshold);
  const bool go_approximate =
      want_ivf && m.type == VectorIndexType::kFlat && m.label_of.size() >= 64;
  if (go_approximate) return m.Rebuild(VectorIndexType::kIvf, n, labels.data(), vectors);
  Status s = m.AddToFaiss(n, labels.data(), vectors);
  if (!s.ok()) return s;
  if (m.pending.size() > m.options.tombstone_ratio * m.stored()) return Compact();
  return Status::OK();
}

bool VectorIndex::Remove(int64_t id) {
  Impl& m = *impl_;
  auto it = m.label_of.find(id);
  if (it == m.label_of.end()) return false;
  m.dead[it->second] = 1;
  m.pending.push_back(it->second);
  m.label_of.erase(it);
  if (m.pending.size() > m.options.tombstone_ratio * m.stored()) Compact().IgnoreError();
  return true;
}

Status VectorIndex::Compact() {
  Impl& m = *impl_;
  if (m.pending.empty()) return Status::OK();
  if (m.type == VectorIndexType::kHnsw) return m.Rebuild(m.type, 0, nullptr, nullptr);
  try {
    if (m.type == VectorIndexType::kIvf) {
      faiss::IDSelectorArray sel(m.pending.size(), m.pending.data());
      m.index->remove_ids(sel);
    } else {
      faiss::IDSelectorBatch sel(m.pending.size(), m.pending.data());
      m.index->remove_ids(sel);
    }
  } catch (const faiss::FaissException& e) {
    return Internal(std::string("vector index: faiss remove: ") + e.what());
  }
  m.pending.clear();
  return Status::OK();
}

bool VectorIndex::Contains(int64_t id) const { return impl_->label_of.count(id) != 0; }

bool VectorIndex::Vector(int64_t id, float* out) const {
  auto it = impl_->label_of.find(id);
  if (it == impl_->label_of.end()) return false;
  const float* x = impl_->VectorOf(it->second, out);
  if (x == nullptr) return false;
  if (x != out) std::copy(x, x + impl_->options.dim, out);
  return true;
}

size_t VectorIndex::size() const { return impl_->label_of.size(); }

std::vector<int64_t> VectorIndex::Ids() const {
  std::vector<int64_t> ids;
  ids.reserve(impl_->label_of.size());
  for (const auto& kv : impl_->label_of) ids.push_back(kv.first);
  std::sort(ids.begin(), ids.end());
  return ids;
}

namespace {

// The best k (score, label) pairs seen, kept in a heap whose top is the
// worst kept: lower score, or equal score and larger label.
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) { heap_.reserve(k); }
  // Whether Push(score, label) would keep it.
  bool Enters(float score, idx_t label) const {
    return heap_.size() < k_ || Worse({score, label}, heap_.front());
  }
  void Push(float score, idx_t label) {
    if (heap_.size() < k_) {
      heap_.emplace_back(score, label);
      std::push_heap(heap_.begin(), heap_.end(), Worse);
    } else if (Worse({score, label}, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), Worse);
      heap_.back() = {score, label};
      std::push_heap(heap_.begin(), heap_.end(), Worse);
    }
  }
  // Best first.
  std::vector<std::pair<float, idx_t>> Take() {
    std::sort_heap(heap_.begin(), heap_.end(), Worse);
    return std::move(heap_);
  }

 private:
  // Heap order: a before b when a is better (the top is then the worst).
  static bool Worse(const std::pair<float, idx_t>& a, const std::pair<float, idx_t>& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  }
  size_t k_;
  std::vector<std::pair<float, idx_t>> heap_;
};

}  // namespace

// Flat and IVF searches scan Faiss's stored vectors here, with the SIMD
// inner product (indexer/simd_dot.h), instead of through Faiss: Debian's
// generic Faiss build multiplies one float at a time and forks an OpenMP
// team per query. The same lists are probed (the nprobe best centroids) and
// the same selector applies, so the hits are Faiss's up to last-bit
// differences in the scores. HNSW still searches through Faiss.
std::vector<std::pair<float, idx_t>> VectorIndex::Impl::ScanOwn(const float* query, size_t k,
                                                               const IdFilter* filter) const {
  const Impl& m = *this;
  const size_t d = static_cast<size_t>(m.options.dim);
  const bool select = filter != nullptr || !m.pending.empty();
  auto allowed = [&](idx_t label) {
    if (!select) return true;
    if (label < 0 || m.dead[label]) return false;
    return filter == nullptr || filter->Allows(m.ext_of_label[label]);
  };
  TopK top(k);
  // The filter is asked only about vectors that would enter the top k: an
  // inner product costs less than the filter's lookups.
  auto scan = [&](const float* x, const idx_t* labels, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      const float score = Dot(query, x + i * d, d);
      if (!top.Enters(score, labels[i]) || !allowed(labels[i])) continue;
      top.Push(score, labels[i]);
    }
  };
  if (m.type == VectorIndexType::kFlat) {
    const auto* idmap = static_cast<const faiss::IndexIDMap2*>(m.index.get());
    const auto* flat = static_cast<const faiss::IndexFlat*>(idmap->index);
    scan(flat->get_xb(), idmap->id_map.data(), static_cast<size_t>(flat->ntotal));
  } else {
    const auto* ivf = static_cast<const faiss::IndexIVFFlat*>(m.index.get());
    const auto* quantizer = static_cast<const faiss::IndexFlat*>(ivf->quantizer);
    const size_t nlist = ivf->nlist;
    std::vector<float> centroid(nlist);
    DotMany(query, quantizer->get_xb(), nlist, d, centroid.data());
    std::vector<uint32_t> lists(nlist);
    for (size_t i = 0; i < nlist; ++i) lists[i] = static_cast<uint32_t>(i);
    const size_t probe = std::min<size_t>(nlist, static_cast<size_t>(std::max(1, m.nprobe)));
    std::partial_sort(lists.begin(), lists.begin() + probe, lists.end(),
                      [&](uint32_t a, uint32_t b) {
                        return centroid[a] != centroid[b] ? centroid[a] > centroid[b] : a < b;
                      });
    const faiss::InvertedLists* inv = ivf->invlists;
    for (size_t p = 0; p < probe; ++p) {
      const size_t list = lists[p];
      const size_t n = inv->list_size(list);
      if (n == 0) continue;
      faiss::InvertedLists::ScopedCodes codes(inv, list);
      faiss::InvertedLists::ScopedIds ids(inv, list);
      scan(reinterpret_cast<const float*>(codes.get()), ids.get(), n);
    }
  }
  return top.Take();
}

StatusOr<std::vector<VectorHit>> VectorIndex::Search(const float* query, size_t k,
                                                     const IdFilter* filter) const {
  const Impl& m = *impl_;
  std::vector<VectorHit> out;
  if (k == 0 || m.label_of.empty()) return out;
  k = std::min(k, m.label_of.size());
  if (m.type == VectorIndexType::kFlat || m.type == VectorIndexType::kIvf) {
    for (const auto& [score, label] : m.ScanOwn(query, k, filter)) {
      if (label < 0 || m.dead[label]) continue;
      out.push_back({m.ext_of_label[label], score});
    }
    return out;
  }
  std::vector<float> distances(k);
  std::vector<idx_t> labels(k, -1);
  Impl::Selector sel;
  sel.m = &m;
  sel.filter = filter;
  sel.inner_to_label = nullptr;
  const bool select = filter != nullptr || !m.pending.empty();
  try {
    if (m.type == VectorIndexType::kIvf) {
      faiss::SearchParametersIVF p;
      p.nprobe = m.nprobe;
      p.sel = select ? &sel : nullptr;
      m.index->search(1, query, k, distances.data(), labels.data(), &p);
    } else {
      auto* idmap = static_cast<const faiss::IndexIDMap2*>(m.index.get());
      sel.inner_to_label = &idmap->id_map;
      if (m.type == VectorIndexType::kHnsw) {
        faiss::SearchParametersHNSW p;
        p.efSearch = std::max<int>(m.options.hnsw_ef_search, static_cast<int>(k));
        p.sel = select ? &sel : nullptr;
        idmap->index->search(1, query, k, distances.data(), labels.data(), &p);
      } else {
        faiss::SearchParameters p;
        p.sel = select ? &sel : nullptr;
        idmap->index->search(1, query, k, distances.data(), labels.data(), &p);
      }
      for (idx_t& l : labels) {
        if (l >= 0) l = idmap->id_map[l];
      }
    }
  } catch (const faiss::FaissException& e) {
    return Internal(std::string("vector index: faiss search: ") + e.what());
  }
  out.reserve(k);
  for (size_t i = 0; i < k; ++i) {
    idx_t l = labels[i];
    if (l < 0 || m.dead[l]) continue;
    out.push_back({m.ext_of_label[l], distances[i]});
  }
  return out;
}

const float* VectorIndex::Impl::Stored(idx_t label) const {
  const size_t d = static_cast<size_t>(options.dim);
  if (type == VectorIndexType::kFlat) {
    const auto* idmap = static_cast<const faiss::IndexIDMap2*>(index.get());
    auto it = idmap->rev_map.find(label);
    if (it == idmap->rev_map.end()) return nullptr;
    const auto* flat = static_cast<const faiss::IndexFlat*>(idmap->index);
    return flat->get_xb() + static_cast<size_t>(it->second) * d;
  }
  if (type == VectorIndexType::kIvf) {
    const auto* ivf = static_cast<const faiss::IndexIVFFlat*>(index.get());
    const auto* lists = dynamic_cast<const faiss::ArrayInvertedLists*>(ivf->invlists);
    if (lists == nullptr || ivf->direct_map.type != faiss::DirectMap::Hashtable) return nullptr;
    auto it = ivf->direct_map.hashtable.find(label);
    if (it == ivf->direct_map.hashtable.end()) return nullptr;
    const uint64_t list = faiss::lo_listno(it->second), offset = faiss::lo_offset(it->second);
    if (list >= lists->nlist || offset >= lists->ids[list].size()) return nullptr;
    return reinterpret_cast<const float*>(lists->codes[list].data()) + offset * d;
  }
  return nullptr;
}

const float* VectorIndex::Impl::VectorOf(idx_t label, float* scratch) const {
  if (const float* x = Stored(label)) return x;
  try {
    index->reconstruct(label, scratch);
  } catch (const faiss::FaissException&) {
    return nullptr;
  }
  return scratch;
}

std::vector<float> VectorIndex::Score(const float* query, const std::vector<int64_t>& ids) const {
  const Impl& m = *impl_;
  const int d = m.options.dim;
  std::vector<float> out(ids.size(), std::numeric_limits<float>::quiet_NaN());
  std::vector<float> v(d);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = m.label_of.find(ids[i]);
    if (it == m.label_of.end()) continue;
    if (const float* x = m.VectorOf(it->second, v.data())) {
      out[i] = Dot(query, x, static_cast<size_t>(d));
    }
  }
  return out;
}

VectorIndexStats VectorIndex::Stats() const {
  const Impl& m = *impl_;
  VectorIndexStats s;
  s.type = TypeName(m.type);
  s.live = m.label_of.size();
  s.tombstones = m.pending.size();
  s.dim = m.options.dim;
  size_t stored = m.stored();
  s.memory_bytes = stored * m.options.dim * sizeof(float) + stored * 2 * sizeof(idx_t) +
                   m.ext_of_label.size() * (sizeof(int64_t) + 1) + m.label_of.size() * 32;
  if (m.type == VectorIndexType::kHnsw) s.memory_bytes += stored * m.options.hnsw_m * 2 * 4;
  if (m.type == VectorIndexType::kIvf) {
    s.memory_bytes += static_cast<size_t>(m.nlist) * m.options.dim * sizeof(float);
  }
  return s;
}

std::string VectorIndex::Describe() const {
  const Impl& m = *impl_;
  VectorIndexStats s = Stats();
  std::ostringstream out;
  out << s.type;
  if (m.type == VectorIndexType::kIvf) out << " nlist=" << m.nlist << " nprobe=" << m.nprobe;
  if (m.type == VectorIndexType::kHnsw) {
    out << " M=" << m.options.hnsw_m << " efSearch=" << m.options.hnsw_ef_search;
  }
  out << " live=" << s.live << " tombstones=" << s.tombstones << " dim=" << s.dim;
  if (m.options.type == VectorIndexType::kAuto) {
    out << " (auto: approximate from " << m.options.approximate_threshold << ")";
  }
  return out.str();
}

// File format: magic "KVIX", u32 format version, u64 store sequence, u64
// embedder version, i32 dim, u64 payload bytes, u64 FNV-1a of the payload;
// payload: u8 type, i32 nlist, i32 nprobe, u64 labels, labels x i64 document
// id, labels x u8 dead, u64 pending, pending x i64, u64 Faiss bytes, Faiss
// image (faiss::write_index). Written to PATH.tmp, then renamed.
Status VectorIndex::Save(const std::string& path, const VectorIndexHeader& header) const {
  const Impl& m = *impl_;
  internal::Writer payload;
  payload.Put<uint8_t>(static_cast<uint8_t>(m.type));
  payload.Put<int32_t>(m.nlist);
  payload.Put<int32_t>(m.nprobe);
  payload.Put<uint64_t>(m.ext_of_label.size());
  payload.PutBytes(m.ext_of_label.data(), m.ext_of_label.size() * sizeof(int64_t));
  payload.PutBytes(m.dead.data(), m.dead.size());
  payload.Put<uint64_t>(m.pending.size());
  payload.PutBytes(m.pending.data(), m.pending.size() * sizeof(int64_t));
  faiss::VectorIOWriter fw;
  try {
    faiss::write_index(m.index.get(), &fw);
  } catch (const faiss::FaissException& e) {
    return Internal(std::string("vector index: faiss write: ") + e.what());
  }
  payload.Put<uint64_t>(fw.data.size());
  payload.PutBytes(fw.data.data(), fw.data.size());
  const std::string& body = payload.buffer();

  internal::Writer head;
  head.PutBytes(kMagic, 4);
  head.Put(kFormatVersion);
  head.Put(header.sequence);
  head.Put(header.embedder_version);
  head.Put<int32_t>(m.options.dim);
  head.Put<uint64_t>(body.size());
  head.Put<uint64_t>(internal::Fnv1a64(body));
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(head.buffer().data(), head.buffer().size());
    out.write(body.data(), body.size());
    out.flush();
    if (!out) return IOError("vector index: cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return IOError("vector index: cannot rename " + tmp + " to " + path);
  }
  return Status::OK();
}

namespace {

// The fixed header Save writes before the payload.
Status ReadHead(internal::Reader& r, const std::string& path, VectorIndexHeader* h,
                int32_t* dim, uint64_t* size, uint64_t* checksum) {
  char magic[4];
  uint32_t version = 0;
  if (!r.GetBytes(magic, 4) || std::memcmp(magic, kMagic, 4) != 0) {
    return Corruption("vector index " + path + ": bad magic (not a ketnoi index file)");
  }
  if (!r.Get(&version) || version != kFormatVersion) {
    return Corruption("vector index " + path + ": unsupported format version");
  }
  if (!r.Get(&h->sequence) || !r.Get(&h->embedder_version) || !r.Get(dim) || !r.Get(size) ||
      !r.Get(checksum)) {
    return Corruption("vector index " + path + ": truncated (header or payload size)");
  }
  return Status::OK();
}

}  // namespace

StatusOr<VectorIndexFileInfo> VectorIndex::ReadHeader(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("vector index: no file " + path);
  std::string bytes(4 + 4 + 8 + 8 + 4 + 8 + 8, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  internal::Reader r(bytes);
  VectorIndexFileInfo info;
  int32_t dim = 0;
  uint64_t size = 0, checksum = 0;
  if (Status s = ReadHead(r, path, &info.header, &dim, &size, &checksum); !s.ok()) return s;
  info.dim = dim;
  return info;
}

StatusOr<std::unique_ptr<VectorIndex>> VectorIndex::Load(const std::string& path,
                                                         const VectorIndexOptions& options,
                                                         uint64_t expected_embedder_version,
                                                         VectorIndexHeader* header) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("vector index: no file " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  internal::Reader r(bytes);
  int32_t dim = 0;
  uint64_t size = 0, checksum = 0;
  VectorIndexHeader h;
  if (Status s = ReadHead(r, path, &h, &dim, &size, &checksum); !s.ok()) return s;
  if (r.remaining() != size) {
    return Corruption("vector index " + path + ": truncated (header or payload size)");
  }
  std::string_view body = r.rest();
  if (internal::Fnv1a64(body) != checksum) {
    return Corruption("vector index " + path + ": checksum mismatch");
  }
  if (h.embedder_version != expected_embedder_version || dim != options.dim) {
    return FailedPrecondition("vector index " + path +
                              ": stale (built by another embedder version or dimension)");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  internal::Reader p(body);
  uint8_t type = 0;
  uint64_t labels = 0, pending = 0, faiss_bytes = 0;
  bool ok = p.Get(&type) && p.Get(&impl->nlist) && p.Get(&impl->nprobe) && p.Get(&labels) &&
            type <= static_cast<uint8_t>(VectorIndexType::kHnsw) && labels < (1ULL << 40);
  if (ok) {
    impl->type = static_cast<VectorIndexType>(type);
    impl->ext_of_label.resize(labels);
    impl->dead.resize(labels);
    ok = p.GetBytes(impl->ext_of_label.data(), labels * sizeof(int64_t)) &&
         p.GetBytes(impl->dead.data(), labels) && p.Get(&pending) && pending <= labels;
  }
  if (ok) {
    impl->pending.resize(pending);
    ok = p.GetBytes(impl->pending.data(), pending * sizeof(int64_t)) && p.Get(&faiss_bytes) &&
         p.remaining() == faiss_bytes;
  }
  if (!ok) return Corruption("vector index " + path + ": bad id tables");
  try {
    faiss::VectorIOReader fr;
    std::string_view rest = p.rest();
    fr.data.assign(rest.begin(), rest.end());
    impl->index.reset(faiss::read_index(&fr));
  } catch (const faiss::FaissException& e) {
    return Corruption("vector index " + path + ": faiss cannot read it: " + e.what());
  }
  if (impl->index->d != dim) return Corruption("vector index " + path + ": dimension mismatch");
  for (uint64_t l = 0; l < labels; ++l) {
    if (!impl->dead[l]) impl->label_of[impl->ext_of_label[l]] = static_cast<int64_t>(l);
  }
  if (auto* ivf = dynamic_cast<faiss::IndexIVF*>(impl->index.get())) {
    if (ivf->direct_map.type != faiss::DirectMap::Hashtable) {
      ivf->set_direct_map_type(faiss::DirectMap::Hashtable);
    }
  }
  if (header != nullptr) *header = h;
  return std::unique_ptr<VectorIndex>(new VectorIndex(std::move(impl)));
}

}  // namespace ketnoi::indexer
