// VectorIndex: a Faiss index over L2-normalised vectors of one document kind
// (suppliers, experts, needs), searched by inner product, with stable 64-bit
// document ids, updates, removals and filtered search.
//
// Type: exact (IndexFlatIP) while small; from `approximate_threshold` live
// vectors on, an inverted-file index (IndexIVFFlat, nlist ~ 4 sqrt(n)),
// chosen automatically (kAuto) and reported by Describe(). HNSW can be asked
// for explicitly; see docs/indexer.md for the measurements behind the
// choice.
//
// Ids: every stored vector carries an internal label (a counter; Faiss keeps
// it via IndexIDMap2 or the IVF's own ids). Update and remove mark the old
// label a tombstone, filtered out at search; tombstones are purged (removed
// from Faiss, or the index rebuilt for HNSW, which cannot delete) when they
// pass `tombstone_ratio` of the stored vectors.
//
// Persistence: Save() writes a header with the store sequence number the
// index covers and the embedder version its vectors came from, then the
// Faiss image and the id tables, with a checksum. Load() reports a missing
// file (NotFound), a damaged one (Corruption) and one built by another
// embedder or dimension (FailedPrecondition): the caller then rebuilds; on
// success it catches up with the store from the returned sequence number.
//
// Thread-compatible: concurrent const calls (Search, Score) are safe;
// mutation needs external synchronisation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "indexer/id_filter.h"

namespace ketnoi::indexer {

enum class VectorIndexType { kAuto, kFlat, kIvf, kHnsw };

struct VectorIndexOptions {
  int dim = 256;
  VectorIndexType type = VectorIndexType::kAuto;
  // kAuto: exact below this many vectors, IVF from here on. Exact search
  // costs dim*n multiply-adds per query (~0.5 ms at 20k x 256).
  size_t approximate_threshold = 20000;
  // IVF: lists (0: 4 * sqrt(n), at least 16) and lists probed per query (0:
  // chosen from nlist for recall@10 >= 0.95 on our vectors; more = slower,
  // better recall).
  int ivf_nlist = 0;
  int ivf_nprobe = 0;
  // HNSW graph degree and beam widths.
  int hnsw_m = 32;
  int hnsw_ef_construction = 64;
  int hnsw_ef_search = 128;
  // Purge tombstones when they exceed this share of stored vectors.
  double tombstone_ratio = 0.2;
};

struct VectorHit {
  int64_t id;
  float score;  // inner product (cosine for normalised vectors)
};

struct VectorIndexStats {
  std::string type;      // "flat", "ivf", "hnsw"
  size_t live = 0;       // searchable documents
  size_t tombstones = 0;
  int dim = 0;
  size_t memory_bytes = 0;  // approximate
};

// What a saved index file covers.
struct VectorIndexHeader {
  uint64_t sequence = 0;          // store sequence number the index reflects
  uint64_t embedder_version = 0;  // Embedder::version() of its vectors
};

// A saved index file's header: what it covers and its dimension.
struct VectorIndexFileInfo {
  VectorIndexHeader header;
  int dim = 0;
};

class VectorIndex {
 public:
  static StatusOr<std::unique_ptr<VectorIndex>> Create(const VectorIndexOptions& options);
  // NotFound: no file. Corruption: bad magic, checksum, truncated, or Faiss
  // cannot read it. FailedPrecondition: `expected_embedder_version` or the
  // dimension differ (stale). `header` receives what the file covers.
  static StatusOr<std::unique_ptr<VectorIndex>> Load(const std::string& path,
                                                     const VectorIndexOptions& options,
                                                     uint64_t expected_embedder_version,
                                                     VectorIndexHeader* header);
  // The header of a saved index file alone (Load's first checks, without
  // reading the vectors): NotFound, or Corruption as Load.
  static StatusOr<VectorIndexFileInfo> ReadHeader(const std::string& path);
  ~VectorIndex();
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  // Adds or replaces `n` documents; `vectors` holds n * dim floats.
  // With kAuto, a bulk add that crosses the threshold builds the
  // approximate index at once (train on the vectors, then add).
  Status Upsert(size_t n, const int64_t* ids, const float* vectors);
  Status Upsert(int64_t id, const float* vector) { return Upsert(1, &id, vector); }
  // False when the id was not indexed.
  bool Remove(int64_t id);
  bool Contains(int64_t id) const;
  size_t size() const;
  // The live document ids, ascending.
  std::vector<int64_t> Ids() const;
  // Copies the stored vector of `id` (dim floats) into `out`; false when
  // the id is not indexed.
  bool Vector(int64_t id, float* out) const;

  // Top k by inner product, best first, among ids the filter allows (null:
  // all). Approximate indexes search the filter within their probed lists.
  StatusOr<std::vector<VectorHit>> Search(const float* query, size_t k,
                                          const IdFilter* filter = nullptr) const;
  // Exact inner products of `query` with the stored vectors of `ids`
  // (NaN for an id not indexed).
  std::vector<float> Score(const float* query, const std::vector<int64_t>& ids) const;

  // Purges tombstones now (and retrains an IVF on the live vectors).
  Status Compact();

  Status Save(const std::string& path, const VectorIndexHeader& header) const;

  VectorIndexStats Stats() const;
  // One line: "ivf nlist=4096 nprobe=32 live=1000000 tombstones=0 dim=256".
  std::string Describe() const;

 private:
  struct Impl;
  explicit VectorIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ketnoi::indexer
