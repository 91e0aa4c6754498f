// Fusion of the two candidate scores of hybrid retrieval (a dense cosine and
// a sparse BM25 score per candidate) into the one score candidates are
// ranked by. Pure functions; no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ketnoi::indexer {

enum class FusionMethod : uint8_t {
  // dense_weight * cosine + sparse_weight * bm25 / best bm25 of the query.
  kLinear = 0,
  // Both sides min-max normalised over the candidates of the query, then
  // weighted and summed: the dense side's spread counts, not its level.
  kMinMax = 1,
  // Reciprocal rank fusion: weight / (rrf_k + rank) per side, ranks from 1
  // among the candidates; a candidate with no sparse match (score <= 0)
  // takes nothing from the sparse side.
  kRrf = 2,
};

struct FusionParams {
  FusionMethod method = FusionMethod::kLinear;
  float dense_weight = 0.1f;
  float sparse_weight = 0.9f;
  float rrf_k = 60.0f;
};

// fused[i] from dense[i] and sparse[i] (all three of the same length; fused
// is resized). Deterministic: equal scores take the rank of the first one
// in input order.
void FuseScores(const FusionParams& params, const std::vector<float>& dense,
                const std::vector<float>& sparse, std::vector<float>* fused);

}  // namespace ketnoi::indexer
