#include "indexer/vocabulary.h"

#include <gtest/gtest.h>

namespace ketnoi::indexer {
namespace {

std::vector<Feature> Doc(std::initializer_list<std::pair<const char*, float>> terms) {
  std::vector<Feature> f;
  for (auto [t, c] : terms) f.push_back({t, t[0] == 'b' ? FeatureKind::kBigram : FeatureKind::kSyllable, c});
  return f;
}

TEST(Vocabulary, CountsDocumentFrequencyAndIdf) {
  Vocabulary v;
  v.AddDocument(Doc({{"s:may", 2}, {"s:say", 1}}));
  v.AddDocument(Doc({{"s:may", 1}, {"s:che", 1}}));
  v.AddDocument(Doc({{"s:lua", 1}}));
  ASSERT_NE(v.Find("s:may"), Vocabulary::kUnknown);
  EXPECT_EQ(v.Find("s:absent"), Vocabulary::kUnknown);
  EXPECT_EQ(v.df(v.Find("s:may")), 2u);
  EXPECT_EQ(v.num_docs(), 3u);
  // Rarer terms weigh more.
  EXPECT_GT(v.Idf(v.Find("s:che")), v.Idf(v.Find("s:may")));
  EXPECT_NEAR(v.AvgLength(FeatureKind::kSyllable), 6.0 / 3, 1e-6);
}

TEST(Vocabulary, RemoveUndoesAdd) {
  Vocabulary v;
  auto a = Doc({{"s:may", 2}, {"b:may_say", 1}});
  v.AddDocument(a);
  v.AddDocument(Doc({{"s:may", 1}}));
  v.RemoveDocument(a);
  EXPECT_EQ(v.num_docs(), 1u);
  EXPECT_EQ(v.df(v.Find("s:may")), 1u);
  EXPECT_EQ(v.df(v.Find("b:may_say")), 0u);
  // Terms with df 0 carry no query weight.
  EXPECT_EQ(v.QueryWeights(Doc({{"b:may_say", 1}})).size(), 0u);
}

TEST(Vocabulary, KindWeightsScaleQueryWeights) {
  VocabularyOptions o;
  o.weights.w[static_cast<int>(FeatureKind::kBigram)] = 2.0f;
  Vocabulary v(o);
  v.AddDocument(Doc({{"s:may", 1}, {"b:may_say", 1}}));
  v.AddDocument(Doc({{"s:lua", 1}}));
  auto q = v.QueryWeights(Doc({{"s:may", 1}, {"b:may_say", 1}}));
  ASSERT_EQ(q.size(), 2u);
  EXPECT_NEAR(q[1].weight, 2 * q[0].weight, 1e-5);  // same df, double weight
}

TEST(Vocabulary, QueryCountsSaturateAboveOne) {
  Vocabulary v;
  v.AddDocument(Doc({{"s:may", 1}, {"s:che", 1}}));
  v.AddDocument(Doc({{"s:lua", 1}}));
  auto weight = [](const Vocabulary& voc, float count) {
    auto q = voc.QueryWeights(Doc({{"s:che", count}}));
    return q.size() == 1 ? q[0].weight : -1.0f;
  };
  const float once = weight(v, 1);
  ASSERT_GT(once, 0);
  // k3 = 1: a term repeated c times counts 2c / (1 + c): 3 times -> 1.5.
  EXPECT_NEAR(weight(v, 3) / once, 1.5, 1e-5);
  EXPECT_NEAR(weight(v, 100) / once, 200.0 / 101, 1e-4);
  // Counts up to 1 (a field weight, a broader concept) are kept.
  EXPECT_NEAR(weight(v, 0.5f) / once, 0.5, 1e-5);
  EXPECT_FLOAT_EQ(v.QueryCount(0.3f), 0.3f);
  // k3 = 0 counts linearly.
  VocabularyOptions linear;
  linear.query_k3 = 0;
  v.set_options(linear);
  EXPECT_NEAR(weight(v, 3) / once, 3, 1e-5);
}

TEST(Vocabulary, TfIdfIsUnitLength) {
  Vocabulary v;
  v.AddDocument(Doc({{"s:may", 3}, {"s:say", 1}}));
  v.AddDocument(Doc({{"s:lua", 1}}));
  auto t = v.TfIdf(Doc({{"s:may", 3}, {"s:say", 1}}));
  double n = 0;
  for (auto& w : t) n += w.weight * w.weight;
  EXPECT_NEAR(n, 1.0, 1e-5);
}

TEST(Vocabulary, SerialisesAndVersions) {
  Vocabulary v;
  v.AddDocument(Doc({{"s:máy", 2}, {"b:may_say", 1}}));
  auto copy = Vocabulary::Deserialize(v.Serialize());
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(copy->Fingerprint(), v.Fingerprint());
  EXPECT_EQ(copy->df(copy->Find("s:máy")), 1u);
  v.AddDocument(Doc({{"s:che", 1}}));
  EXPECT_NE(copy->Fingerprint(), v.Fingerprint());
  std::string bad = v.Serialize();
  bad.resize(bad.size() - 3);
  EXPECT_EQ(Vocabulary::Deserialize(bad).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Vocabulary::Deserialize("nope").status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace ketnoi::indexer
