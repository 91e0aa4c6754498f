#include "engine/match_list_codec.h"

#include <gtest/gtest.h>

namespace ketnoi::engine {
namespace {

MatchItem Item(const std::string& id, double score, bool with_distance) {
  MatchItem m;
  m.id = id;
  m.name = "Cơ khí " + id;
  m.province_id = "VN-33";
  Explanation& e = m.explanation;
  e.score = score;
  for (int i = 0; i < kNumRankFeatures; ++i) {
    e.values[i] = 0.1 * i + score;
    e.contributions[i] = 1.0 / (3.0 + i);
  }
  e.matched_concepts = {"machine.dryer", "product.rice"};
  e.matched_terms = {"sấy", "lúa"};
  e.serves_province = true;
  e.capacity_note = "500 kg/ngày";
  e.price_note = "";
  e.chain_path = "lúa -> gạo";
  e.reason_vi = "Phù hợp";
  e.reason_en = "Fits";
  if (with_distance) e.distance_km = 12.345678901234;
  return m;
}

void ExpectSame(const MatchItem& a, const MatchItem& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.province_id, b.province_id);
  EXPECT_EQ(a.explanation.score, b.explanation.score);
  EXPECT_EQ(a.explanation.values, b.explanation.values);
  EXPECT_EQ(a.explanation.contributions, b.explanation.contributions);
  EXPECT_EQ(a.explanation.matched_concepts, b.explanation.matched_concepts);
  EXPECT_EQ(a.explanation.matched_terms, b.explanation.matched_terms);
  EXPECT_EQ(a.explanation.serves_province, b.explanation.serves_province);
  EXPECT_EQ(a.explanation.capacity_note, b.explanation.capacity_note);
  EXPECT_EQ(a.explanation.price_note, b.explanation.price_note);
  EXPECT_EQ(a.explanation.chain_path, b.explanation.chain_path);
  EXPECT_EQ(a.explanation.reason_vi, b.explanation.reason_vi);
  EXPECT_EQ(a.explanation.reason_en, b.explanation.reason_en);
  EXPECT_EQ(a.explanation.distance_km, b.explanation.distance_km);
}

TEST(MatchListCodecTest, BinaryRoundTripIsExact) {
  std::vector<MatchItem> items = {Item("S1", 0.8123456789, true), Item("S2", 0.5, false)};
  std::string raw = EncodeMatchList(42, items);
  ASSERT_EQ(raw[0], kMatchListFormat);
  uint64_t version = 0;
  std::vector<MatchItem> back;
  ASSERT_TRUE(DecodeMatchList(raw, &version, &back).ok());
  EXPECT_EQ(version, 42u);
  ASSERT_EQ(back.size(), 2u);
  ExpectSame(items[0], back[0]);
  ExpectSame(items[1], back[1]);
  std::vector<std::string> ids;
  ASSERT_TRUE(DecodeMatchListIds(raw, &ids).ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"S1", "S2"}));
}

TEST(MatchListCodecTest, SummaryReadsIdsScoresAndOneFeature) {
  std::vector<MatchItem> items = {Item("S1", 0.8123456789, true), Item("S2", 0.5, false)};
  items[0].explanation.values[static_cast<int>(RankFeature::kLexical)] = 1.0;
  items[1].explanation.values[static_cast<int>(RankFeature::kLexical)] = 0.375;
  std::string raw = EncodeMatchList(42, items);
  MatchListSummary sum;
  ASSERT_TRUE(DecodeMatchListSummary(raw, RankFeature::kLexical, &sum).ok());
  EXPECT_EQ(sum.version, 42u);
  EXPECT_EQ(sum.ids, (std::vector<std::string>{"S1", "S2"}));
  EXPECT_EQ(sum.scores, (std::vector<double>{0.8123456789, 0.5}));
  EXPECT_EQ(sum.values, (std::vector<double>{1.0, 0.375}));
  for (size_t cut = 1; cut < raw.size(); ++cut) {
    EXPECT_FALSE(DecodeMatchListSummary(raw.substr(0, cut), RankFeature::kLexical, &sum).ok())
        << cut;
  }
  EXPECT_FALSE(DecodeMatchListSummary(raw + "x", RankFeature::kLexical, &sum).ok());
}

TEST(MatchListCodecTest, FirstItemsOnlyStillChecksTheRest) {
  std::vector<MatchItem> items = {Item("S1", 0.9, true), Item("S2", 0.7, false),
                                  Item("S3", 0.5, true)};
  std::string raw = EncodeMatchList(5, items);
  uint64_t version = 0;
  std::vector<MatchItem> back;
  ASSERT_TRUE(DecodeMatchList(raw, &version, &back, 2).ok());
  EXPECT_EQ(version, 5u);
  ASSERT_EQ(back.size(), 2u);
  ExpectSame(items[0], back[0]);
  ExpectSame(items[1], back[1]);
  // A cut inside an item that is skipped is still corruption.
  back.clear();
  EXPECT_EQ(DecodeMatchList(raw.substr(0, raw.size() - 3), &version, &back, 1).code(),
            StatusCode::kCorruption);
}

TEST(MatchListCodecTest, HeadHoldsWhatTheSummaryReads) {
  std::vector<MatchItem> items = {Item("S1", 0.8123456789, true), Item("S22", 0.5, false)};
  items[0].explanation.values[static_cast<int>(RankFeature::kLexical)] = 1.0;
  items[1].explanation.values[static_cast<int>(RankFeature::kLexical)] = 0.375;
  MatchListSummary from_list, from_head, again;
  ASSERT_TRUE(
      DecodeMatchListSummary(EncodeMatchList(42, items), RankFeature::kLexical, &from_list).ok());
  std::string head = EncodeMatchListHead(42, items);
  EXPECT_LT(head.size(), EncodeMatchList(42, items).size() / 4);
  ASSERT_TRUE(DecodeMatchListHead(head, &from_head).ok());
  EXPECT_EQ(from_head.version, 42u);
  EXPECT_EQ(from_head.ids, from_list.ids);
  EXPECT_EQ(from_head.scores, from_list.scores);
  EXPECT_EQ(from_head.values, from_list.values);
  EXPECT_EQ(EncodeMatchListHead(from_list), head);  // from a summary: the same bytes
  for (size_t cut = 0; cut < head.size(); ++cut) {
    EXPECT_EQ(DecodeMatchListHead(head.substr(0, cut), &again).code(), StatusCode::kCorruption)
        << cut;
  }
  EXPECT_EQ(DecodeMatchListHead(head + "x", &again).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeMatchListHead(EncodeMatchList(42, items), &again).code(),
            StatusCode::kCorruption);  // a list is not a head
}

TEST(MatchListCodecTest, EmptyList) {
  std::string raw = EncodeMatchList(7, {});
  uint64_t version = 0;
  std::vector<MatchItem> back;
  ASSERT_TRUE(DecodeMatchList(raw, &version, &back).ok());
  EXPECT_EQ(version, 7u);
  EXPECT_TRUE(back.empty());
}

TEST(MatchListCodecTest, ReadsEarlierJsonForm) {
  std::string json =
      R"({"version":9,"kind":"supplier","items":[{"id":"S7","name":"A","province_id":"VN-01",)"
      R"("score":0.75,"features":{},"values":{},"reason_vi":"v","reason_en":"e",)"
      R"("matched_concepts":["c"],"matched_terms":["t"],"serves_province":true,)"
      R"("capacity_note":"","price_note":"p","chain_path":"","distance_km":3.5}]})";
  uint64_t version = 0;
  std::vector<MatchItem> back;
  ASSERT_TRUE(DecodeMatchList(json, &version, &back).ok());
  EXPECT_EQ(version, 9u);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].id, "S7");
  EXPECT_EQ(back[0].explanation.score, 0.75);
  EXPECT_EQ(back[0].explanation.price_note, "p");
  EXPECT_EQ(back[0].explanation.distance_km, 3.5);
  std::vector<std::string> ids;
  ASSERT_TRUE(DecodeMatchListIds(json, &ids).ok());
  EXPECT_EQ(ids, std::vector<std::string>{"S7"});
}

TEST(MatchListCodecTest, TruncatedOrGarbageIsCorruption) {
  std::string raw = EncodeMatchList(1, {Item("S1", 0.5, true)});
  uint64_t version = 0;
  for (size_t cut : {size_t{1}, size_t{3}, raw.size() / 2, raw.size() - 1}) {
    std::vector<MatchItem> back;
    Status s = DecodeMatchList(raw.substr(0, cut), &version, &back);
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << "cut at " << cut;
  }
  std::vector<MatchItem> back;
  EXPECT_EQ(DecodeMatchList(raw + "x", &version, &back).code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeMatchList("not a list", &version, &back).code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace ketnoi::engine
