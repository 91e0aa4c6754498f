#include "indexer/embedder.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ketnoi::indexer {
namespace {

std::vector<Feature> Words(std::initializer_list<const char*> words) {
  std::vector<Feature> f;
  for (const char* w : words) f.push_back({std::string("s:") + w, FeatureKind::kSyllable, 1});
  return f;
}

float Dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

class LsaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two topics; "dryer" and "drying" co-occur with "tea", "mill" with
    // "cassava".
    for (int i = 0; i < 20; ++i) {
      docs_.push_back(Words({"tea", "dryer", "leaf"}));
      docs_.push_back(Words({"tea", "drying", "leaf"}));
      docs_.push_back(Words({"cassava", "mill", "starch"}));
      docs_.push_back(Words({"cassava", "grater", "starch"}));
    }
    std::vector<const std::vector<Feature>*> ptrs;
    for (auto& d : docs_) ptrs.push_back(&d);
    LsaOptions o;
    o.dim = 2;  // two topics
    auto lsa = LsaEmbedder::Train(ptrs, KindWeights{}, o);
    ASSERT_TRUE(lsa.ok()) << lsa.status().ToString();
    lsa_ = std::move(lsa).value();
  }
  std::vector<float> Embed(const std::vector<Feature>& f) {
    std::vector<float> v(lsa_->dim());
    EmbedInput in;
    in.features = &f;
    EXPECT_TRUE(lsa_->Embed(in, v.data()).ok());
    return v;
  }
  std::vector<std::vector<Feature>> docs_;
  std::unique_ptr<LsaEmbedder> lsa_;
};

TEST_F(LsaTest, VectorsAreUnitLengthAndTopical) {
  auto dryer = Embed(Words({"dryer"}));
  auto drying = Embed(Words({"drying"}));
  auto mill = Embed(Words({"mill"}));
  EXPECT_NEAR(Dot(dryer, dryer), 1.0f, 1e-4);
  // No shared word, but the same topic: closer than across topics.
  EXPECT_GT(Dot(dryer, drying), Dot(dryer, mill) + 0.3f);
  auto unknown = Embed(Words({"zzz"}));
  EXPECT_EQ(Dot(unknown, unknown), 0.0f);
}

TEST_F(LsaTest, SerialisesWithTheSameVersion) {
  auto copy = LsaEmbedder::Deserialize(lsa_->Serialize());
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ((*copy)->version(), lsa_->version());
  std::vector<float> a = Embed(Words({"tea", "dryer"})), b(2);
  auto f = Words({"tea", "dryer"});
  EmbedInput in;
  in.features = &f;
  ASSERT_TRUE((*copy)->Embed(in, b.data()).ok());
  EXPECT_NEAR(Dot(a, b), 1.0f, 1e-5);
  std::string bytes = lsa_->Serialize();
  bytes.pop_back();
  EXPECT_EQ(LsaEmbedder::Deserialize(bytes).status().code(), StatusCode::kCorruption);
}

TEST(LsaEmbedder, RejectsBadOptionsAndEmptyCorpus) {
  LsaOptions o;
  EXPECT_EQ(LsaEmbedder::Train({}, KindWeights{}, o).status().code(),
            StatusCode::kInvalidArgument);
  o.dim = 0;
  auto d = Words({"a"});
  EXPECT_EQ(LsaEmbedder::Train({&d}, KindWeights{}, o).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ExternalEmbedder, NormalisesAndRejectsWrongDimension) {
  ExternalEmbedder e(3);
  std::vector<float> v = {3, 0, 4}, out(3);
  EmbedInput in;
  in.vector = &v;
  ASSERT_TRUE(e.Embed(in, out.data()).ok());
  EXPECT_NEAR(out[0], 0.6f, 1e-6);
  EXPECT_NEAR(out[2], 0.8f, 1e-6);
  std::vector<float> wrong = {1, 2};
  in.vector = &wrong;
  Status s = e.Embed(in, out.data());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("dimension 2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("expects 3"), std::string::npos) << s.message();
  in.vector = nullptr;
  EXPECT_EQ(e.Embed(in, out.data()).code(), StatusCode::kInvalidArgument);
  std::vector<float> nan = {1, NAN, 0};
  in.vector = &nan;
  EXPECT_EQ(e.Embed(in, out.data()).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ketnoi::indexer
