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

}  // namespace ketnoi::engine::graph_scratch
