#include "indexer/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ketnoi::indexer {
namespace {

TEST(Metrics, ScoresOneRanking) {
  std::unordered_map<std::string, int> rel = {{"a", 2}, {"b", 1}};
  auto m = ScoreRanking({"x", "a", "y", "b"}, rel, 10);
  EXPECT_DOUBLE_EQ(m.recall_at_1, 0.0);
  EXPECT_DOUBLE_EQ(m.recall_at_k, 1.0);
  EXPECT_DOUBLE_EQ(m.mrr_at_k, 0.5);
  double dcg = 2 / std::log2(3.0) + 1 / std::log2(5.0);
  double ideal = 2 / std::log2(2.0) + 1 / std::log2(3.0);
  EXPECT_NEAR(m.ndcg_at_k, dcg / ideal, 1e-12);
  auto cut = ScoreRanking({"x", "a", "y", "b"}, rel, 2);
  EXPECT_DOUBLE_EQ(cut.recall_at_k, 0.5);
}

TEST(Metrics, MacroAverages) {
  MetricsAccumulator acc;
  acc.Add(ScoreRanking({"a"}, {{"a", 1}}, 10));
  acc.Add(ScoreRanking({"z"}, {{"a", 1}}, 10));
  EXPECT_EQ(acc.count(), 2);
  EXPECT_DOUBLE_EQ(acc.Mean().recall_at_1, 0.5);
  EXPECT_DOUBLE_EQ(acc.Mean().ndcg_at_k, 0.5);
}

}  // namespace
}  // namespace ketnoi::indexer
