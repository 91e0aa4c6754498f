#include "indexer/fusion.h"

#include <gtest/gtest.h>

namespace ketnoi::indexer {
namespace {

std::vector<float> Fuse(FusionParams p, std::vector<float> dense, std::vector<float> sparse) {
  std::vector<float> out;
  FuseScores(p, dense, sparse, &out);
  return out;
}

TEST(Fusion, LinearDividesSparseByTheBestScore) {
  FusionParams p;  // linear, 0.1 dense, 0.9 sparse
  auto f = Fuse(p, {0.5f, 1.0f}, {4.0f, 2.0f});
  ASSERT_EQ(f.size(), 2u);
  EXPECT_FLOAT_EQ(f[0], 0.1f * 0.5f + 0.9f * 1.0f);
  EXPECT_FLOAT_EQ(f[1], 0.1f * 1.0f + 0.9f * 0.5f);
}

TEST(Fusion, LinearWithNoSparseMatchUsesTheDenseSideAlone) {
  FusionParams p;
  auto f = Fuse(p, {0.2f, 0.4f}, {0.0f, 0.0f});
  EXPECT_FLOAT_EQ(f[0], 0.02f);
  EXPECT_FLOAT_EQ(f[1], 0.04f);
}

TEST(Fusion, MinMaxScalesEachSideToItsRange) {
  FusionParams p;
  p.method = FusionMethod::kMinMax;
  p.dense_weight = 0.5f;
  p.sparse_weight = 0.5f;
  // Dense cosines 0.30..0.40 span the whole [0, 1] after scaling.
  auto f = Fuse(p, {0.30f, 0.40f, 0.35f}, {1.0f, 3.0f, 5.0f});
  EXPECT_FLOAT_EQ(f[0], 0.0f);
  EXPECT_FLOAT_EQ(f[1], 0.5f * 1.0f + 0.5f * 0.5f);
  EXPECT_FLOAT_EQ(f[2], 0.5f * 0.5f + 0.5f * 1.0f);
}

TEST(Fusion, MinMaxOfAConstantSideAddsNothing) {
  FusionParams p;
  p.method = FusionMethod::kMinMax;
  p.dense_weight = 1.0f;
  p.sparse_weight = 1.0f;
  auto f = Fuse(p, {0.7f, 0.7f}, {2.0f, 1.0f});
  EXPECT_FLOAT_EQ(f[0], 1.0f);
  EXPECT_FLOAT_EQ(f[1], 0.0f);
}

TEST(Fusion, ReciprocalRankUsesRanksNotScores) {
  FusionParams p;
  p.method = FusionMethod::kRrf;
  p.dense_weight = 1.0f;
  p.sparse_weight = 1.0f;
  p.rrf_k = 60.0f;
  // Dense ranks: 2, 1, 3. Sparse ranks: 1, 2, (no match).
  auto f = Fuse(p, {0.5f, 0.9f, 0.1f}, {10.0f, 9.0f, 0.0f});
  EXPECT_FLOAT_EQ(f[0], 1.0f / 62 + 1.0f / 61);
  EXPECT_FLOAT_EQ(f[1], 1.0f / 61 + 1.0f / 62);
  EXPECT_FLOAT_EQ(f[2], 1.0f / 63);
  // A huge sparse margin changes nothing: only the order counts.
  auto g = Fuse(p, {0.5f, 0.9f, 0.1f}, {1000.0f, 9.0f, 0.0f});
  EXPECT_EQ(f, g);
}

TEST(Fusion, ReciprocalRankTiesShareTheBetterRank) {
  FusionParams p;
  p.method = FusionMethod::kRrf;
  p.dense_weight = 1.0f;
  p.sparse_weight = 0.0f;
  auto f = Fuse(p, {0.5f, 0.5f, 0.2f}, {1.0f, 1.0f, 1.0f});
  EXPECT_FLOAT_EQ(f[0], 1.0f / 61);
  EXPECT_FLOAT_EQ(f[1], 1.0f / 61);
  EXPECT_FLOAT_EQ(f[2], 1.0f / 63);
}

TEST(Fusion, EmptyInputGivesEmptyOutput) {
  for (FusionMethod m : {FusionMethod::kLinear, FusionMethod::kMinMax, FusionMethod::kRrf}) {
    FusionParams p;
    p.method = m;
    EXPECT_TRUE(Fuse(p, {}, {}).empty());
  }
}

}  // namespace
}  // namespace ketnoi::indexer
