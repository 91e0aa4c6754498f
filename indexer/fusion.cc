#include "indexer/fusion.h"

#include <algorithm>
#include <numeric>

namespace ketnoi::indexer {
namespace {

// Scales v to [0, 1] over its range; all zeros when the range is empty.
std::vector<float> MinMax(const std::vector<float>& v) {
  std::vector<float> out(v.size(), 0.0f);
  if (v.empty()) return out;
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  const float range = *hi - *lo;
  if (!(range > 0)) return out;
  for (size_t i = 0; i < v.size(); ++i) out[i] = (v[i] - *lo) / range;
  return out;
}

// 1-based rank of each entry by descending score; equal scores share the
// rank of the first of them.
std::vector<float> Ranks(const std::vector<float>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] > v[b]; });
  std::vector<float> rank(v.size());
  for (size_t r = 0; r < order.size(); ++r) {
    const bool tie = r > 0 && v[order[r]] == v[order[r - 1]];
    rank[order[r]] = tie ? rank[order[r - 1]] : static_cast<float>(r + 1);
  }
  return rank;
}

}  // namespace

void FuseScores(const FusionParams& p, const std::vector<float>& dense,
                const std::vector<float>& sparse, std::vector<float>* fused) {
  const size_t n = dense.size();
  fused->assign(n, 0.0f);
  switch (p.method) {
    case FusionMethod::kLinear: {
      float top = 0;
      for (float s : sparse) top = std::max(top, s);
      const float inv = top > 0 ? 1.0f / top : 0.0f;
      for (size_t i = 0; i < n; ++i) {
        (*fused)[i] = p.dense_weight * dense[i] + p.sparse_weight * sparse[i] * inv;
      }
      return;
    }
    case FusionMethod::kMinMax: {
      std::vector<float> d = MinMax(dense), s = MinMax(sparse);
      for (size_t i = 0; i < n; ++i) (*fused)[i] = p.dense_weight * d[i] + p.sparse_weight * s[i];
      return;
    }
    case FusionMethod::kRrf: {
      std::vector<float> rd = Ranks(dense), rs = Ranks(sparse);
      for (size_t i = 0; i < n; ++i) {
        float f = p.dense_weight / (p.rrf_k + rd[i]);
        if (sparse[i] > 0) f += p.sparse_weight / (p.rrf_k + rs[i]);
        (*fused)[i] = f;
      }
      return;
    }
  }
}

}  // namespace ketnoi::indexer
