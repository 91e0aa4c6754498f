#include "indexer/sparse_index.h"

#include <gtest/gtest.h>

namespace ketnoi::indexer {
namespace {

std::vector<Feature> Words(const std::vector<std::string>& words) {
  std::vector<Feature> f;
  for (const auto& w : words) {
    bool found = false;
    for (auto& x : f) {
      if (x.term == "s:" + w) {
        x.count += 1;
        found = true;
      }
    }
    if (!found) f.push_back({"s:" + w, FeatureKind::kSyllable, 1});
  }
  return f;
}

class SparseIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    index_.Upsert(10, Words({"may", "say", "che", "bang", "tai"}));
    index_.Upsert(20, Words({"may", "vo", "che"}));
    index_.Upsert(30, Words({"may", "xay", "san", "tinh", "bot"}));
  }
  Vocabulary vocab_;
  SparseIndex index_{&vocab_};
};

TEST_F(SparseIndexTest, RanksByBm25) {
  auto hits = index_.Search(vocab_.QueryWeights(Words({"say", "che"})), 10);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].id, 10);  // both terms
  EXPECT_EQ(hits[1].id, 20);  // "che" only
  EXPECT_GT(hits[0].score, hits[1].score);
  EXPECT_NEAR(index_.Score(vocab_.QueryWeights(Words({"say", "che"})), 10), hits[0].score, 1e-5);
}

TEST_F(SparseIndexTest, UpdateReplacesAndRemoveForgets) {
  index_.Upsert(20, Words({"noi", "hoi"}));
  EXPECT_EQ(index_.size(), 3u);
  auto hits = index_.Search(vocab_.QueryWeights(Words({"vo"})), 10);
  EXPECT_TRUE(hits.empty());  // the old version of 20 is gone
  EXPECT_EQ(vocab_.df(vocab_.Find("s:che")), 1u);
  EXPECT_TRUE(index_.Remove(10));
  EXPECT_FALSE(index_.Remove(10));
  EXPECT_TRUE(index_.Search(vocab_.QueryWeights(Words({"say"})), 10).empty());
  EXPECT_EQ(vocab_.num_docs(), 2u);
}

TEST_F(SparseIndexTest, FilterRestrictsResults) {
  IdSetFilter only30({30});
  auto hits = index_.Search(vocab_.QueryWeights(Words({"may"})), 10, &only30);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id, 30);
}

TEST_F(SparseIndexTest, ExplainListsMatchedTerms) {
  auto terms = index_.Explain(vocab_.QueryWeights(Words({"say", "che", "lua"})), 10);
  ASSERT_EQ(terms.size(), 2u);
  EXPECT_EQ(terms[0].term, "s:say");  // rarer, larger contribution
  EXPECT_EQ(terms[1].term, "s:che");
}

TEST(SparseIndex, CompactionKeepsResults) {
  Vocabulary vocab;
  SparseIndex index(&vocab);
  for (int i = 0; i < 400; ++i) index.Upsert(i, Words({"w" + std::to_string(i % 7), "common"}));
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(index.Remove(i));
  EXPECT_EQ(index.size(), 100u);
  auto hits = index.Search(vocab.QueryWeights(Words({"w3"})), 1000);
  for (const auto& h : hits) EXPECT_GE(h.id, 300);
  EXPECT_EQ(hits.size(), 14u);  // ids 300..399 with i % 7 == 3
}

}  // namespace
}  // namespace ketnoi::indexer
