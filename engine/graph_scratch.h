// PRIVATE to engine/graph*.cc: reusable per-thread scratch for traversals.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph.h"

namespace ketnoi::engine::graph_scratch {

// Bit i set when EdgeType i is allowed; empty `types` means the link types.
inline uint32_t TypeMask(const std::vector<EdgeType>& types) {
  const std::vector<EdgeType>& list = types.empty() ? LinkEdgeTypes() : types;
  uint32_t mask = 0;
  for (EdgeType t : list) mask |= 1u << static_cast<int>(t);
  return mask;
}

// A visited set over vertex indexes, cleared in O(1) by bumping an epoch
// (no per-query allocation of a vertex-sized array).
class Visited {
 public:
  // The calling thread's set, sized for `n` vertices and cleared.
  static Visited& ForThread(size_t n) {
    thread_local Visited v;
    v.Reset(n);
    return v;
  }
  bool Test(size_t i) const { return stamp_[i] == epoch_; }
  void Mark(size_t i) { stamp_[i] = epoch_; }

 private:
  void Reset(size_t n) {
    if (stamp_.size() < n) stamp_.resize(n, 0);
    if (++epoch_ == 0) {
      std::fill(stamp_.begin(), stamp_.end(), 0);
      epoch_ = 1;
    }
  }
  std::vector<uint32_t> stamp_;
  uint32_t epoch_ = 0;
};

// Per-thread arrays for the two sides of a bidirectional search: for each
// reached vertex, the vertex it was reached from, the edge type (bit 7 set
// when the edge ran prev -> vertex in flow direction) and the distance.
class PathScratch {
 public:
  static PathScratch& ForThread(size_t n) {
    thread_local PathScratch p;
    p.Reset(n);
    return p;
  }
  bool Has(int side, size_t v) const { return stamp_[side][v] == epoch_; }
  void Set(int side, size_t v, uint32_t prev, uint8_t type_dir, uint8_t dist) {
    stamp_[side][v] = epoch_;
    prev_[side][v] = prev;
    type_dir_[side][v] = type_dir;
    dist_[side][v] = dist;
  }
  uint32_t Prev(int side, size_t v) const { return prev_[side][v]; }
  uint8_t TypeDir(int side, size_t v) const { return type_dir_[side][v]; }
  uint8_t Dist(int side, size_t v) const { return dist_[side][v]; }

 private:
  void Reset(size_t n) {
    for (int s = 0; s < 2; ++s) {
      if (stamp_[s].size() < n) {
        stamp_[s].resize(n, 0);
        prev_[s].resize(n);
        type_dir_[s].resize(n);
        dist_[s].resize(n);
      }
    }
    if (++epoch_ == 0) {
      for (auto& s : stamp_) std::fill(s.begin(), s.end(), 0);
      epoch_ = 1;
    }
  }
  std::vector<uint32_t> stamp_[2], prev_[2];
  std::vector<uint8_t> type_dir_[2], dist_[2];
  uint32_t epoch_ = 0;
};

}  // namespace ketnoi::engine::graph_scratch
