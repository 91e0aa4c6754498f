// The compact JSON writer of match lists (the HTTP read path) writes the
// same document as the nlohmann form (the CLI's pretty print).
#include "api/match_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ketnoi::api {
namespace {

engine::MatchItem Item(const std::string& id, double score) {
  engine::MatchItem m;
  m.id = id;
  m.name = "Công ty \"Phú Hà\" \\ máy sấy\tchè\n";
  m.province_id = "VN-69";
  auto& e = m.explanation;
  e.score = score;
  for (int i = 0; i < engine::kNumRankFeatures; ++i) {
    e.contributions[i] = 0.1 * i + score / 3;
    e.values[i] = 1.0 / (i + 3);
  }
  e.reason_vi = "Cung cấp máy sấy chè 500 kg/ngày, phục vụ Thái Nguyên";
  e.reason_en = std::string("control \x01 char");
  e.matched_concepts = {"eq.tea_dryer", "stage.tea.drying"};
  e.matched_terms = {"sấy", "chè"};
  return m;
}

TEST(MatchJson, CompactFormEqualsTheJsonValueForm) {
  engine::MatchList list;
  list.need_id = "N001";
  list.kind = engine::TargetKind::kSupplier;
  list.version = 12345;
  list.items.push_back(Item("S1", 0.8123456789012345));
  list.items.push_back(Item("S2", 1.0));
  list.items[1].explanation.distance_km = 81.25;
  list.items[1].explanation.serves_province = true;
  list.items[1].explanation.capacity_note = "500 kg/ngày";
  list.items[1].explanation.price_note = "giá 250 triệu";
  list.items[1].explanation.chain_path = "F1 -in_stage-> tea.drying";
  list.items.push_back(Item("S3", -0.25));
  list.items[2].explanation.matched_terms.clear();
  const std::string compact = MatchListJson(list);
  const std::string pretty = MatchListJson(list, 2);
  EXPECT_EQ(compact.find('\n'), std::string::npos);
  auto a = nlohmann::ordered_json::parse(compact);
  auto b = nlohmann::ordered_json::parse(pretty);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.dump(), b.dump());  // same keys in the same order
  EXPECT_EQ(a["matches"][0]["score"].get<double>(), 0.8123456789012345);  // round trip exact
  // An ad-hoc search (no need id, no version) and an empty list.
  engine::MatchList empty;
  EXPECT_EQ(nlohmann::ordered_json::parse(MatchListJson(empty)),
            nlohmann::ordered_json::parse(MatchListJson(empty, 0)));
}

// Every byte a JSON string must escape, at every position of an 8-byte
// block (the writer skips plain text 8 bytes at a time), among UTF-8 text.
TEST(MatchJson, EveryEscapedByteAtEveryOffsetRoundTrips) {
  std::vector<char> special = {'"', '\\', 'x'};
  for (int c = 0; c < 0x20; ++c) special.push_back(static_cast<char>(c));
  for (size_t offset = 0; offset < 17; ++offset) {
    for (char c : special) {
      engine::MatchList list;
      list.items.push_back(Item("S1", 0.5));
      const std::string name = std::string(offset, 'a') + c + "ấy chè" + std::string(offset, 'b');
      list.items[0].name = name;
      const std::string compact = MatchListJson(list);
      auto parsed = nlohmann::json::parse(compact, nullptr, /*allow_exceptions=*/false);
      ASSERT_FALSE(parsed.is_discarded()) << "offset " << offset << " byte " << int(c);
      EXPECT_EQ(parsed["matches"][0]["name"], name) << "offset " << offset << " byte " << int(c);
    }
  }
}

}  // namespace
}  // namespace ketnoi::api
