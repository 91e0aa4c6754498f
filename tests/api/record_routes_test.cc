// Records, needs, links, import and export over HTTP, and every kind of bad
// input: malformed JSON, invalid UTF-8, missing field, wrong type, unknown
// id, oversized body, deep nesting.
#include <nlohmann/json.hpp>

#include "api_fixture.h"

namespace ketnoi::api {
namespace {

using nlohmann::json;
using testing_util::ApiTest;
using testing_util::FacilityJson;
using testing_util::SupplierJson;

class RecordRoutesTest : public ApiTest {
 protected:
  // The error code of a JSON error body ("" when it is not one).
  static std::string ErrorCode(const std::string& body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.contains("error")) return "";
    EXPECT_TRUE(j["error"].contains("message")) << body;
    return j["error"].value("code", "");
  }
};

TEST_F(RecordRoutesTest, FacilityLifecycle) {
  auto c = Client(staff_);
  auto created = c->Post("/v1/facilities", FacilityJson("F2", "N2"), "application/json");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(json::parse(created->body)["id"], "F2");

  auto again = c->Post("/v1/facilities", FacilityJson("F2", "N2"), "application/json");
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(ErrorCode(again->body), "already_exists");

  auto got = c->Get("/v1/facilities/F2");
  ASSERT_EQ(got->status, 200);
  json f = json::parse(got->body);
  EXPECT_EQ(f["name"], "HTX chè Tân Cương");
  EXPECT_EQ(f["needs"][0]["id"], "N2");

  auto need = c->Get("/v1/needs/N2");
  ASSERT_EQ(need->status, 200) << need->body;
  EXPECT_EQ(json::parse(need->body)["facility"], "F2");
  EXPECT_EQ(json::parse(need->body)["need"]["budget_vnd"], 250000000);

  // Replace: body without an id takes the path's.
  json body = json::parse(FacilityJson("F2", "N3", "HTX mới"));
  body.erase("id");
  auto put = c->Put("/v1/facilities/F2", body.dump(), "application/json");
  EXPECT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(json::parse(c->Get("/v1/facilities/F2")->body)["name"], "HTX mới");
  EXPECT_EQ(c->Get("/v1/needs/N2")->status, 404) << "replaced need still served";

  auto mismatch = c->Put("/v1/facilities/F2", FacilityJson("F9", "N9"), "application/json");
  EXPECT_EQ(mismatch->status, 400);
  EXPECT_NE(mismatch->body.find("field 'id'"), std::string::npos) << mismatch->body;
  EXPECT_EQ(c->Put("/v1/facilities/F404", FacilityJson("F404", "N404"), "application/json")->status,
            404);

  auto del = c->Delete("/v1/facilities/F2");
  EXPECT_EQ(del->status, 204);
  EXPECT_EQ(c->Get("/v1/facilities/F2")->status, 404);
  EXPECT_EQ(c->Delete("/v1/facilities/F2")->status, 404);
}

TEST_F(RecordRoutesTest, ListPagesThroughEveryRecord) {
  auto c = Client(admin_);
  for (int i = 0; i < 7; ++i) {
    std::string id = "S1" + std::to_string(i);
    ASSERT_EQ(c->Post("/v1/suppliers", SupplierJson(id), "application/json")->status, 201);
  }
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto res = c->Get(("/v1/suppliers?limit=3&cursor=" + cursor).c_str());
    ASSERT_EQ(res->status, 200) << res->body;
    json j = json::parse(res->body);
    for (const auto& item : j["items"]) seen.push_back(item["id"]);
    if (j["next_cursor"].is_null()) break;
    cursor = j["next_cursor"];
  }
  EXPECT_EQ(seen.size(), 9u);  // S1, S2 seeded + 7
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(c->Get("/v1/suppliers?limit=0")->status, 400);
  EXPECT_EQ(c->Get("/v1/suppliers?limit=abc")->status, 400);
  EXPECT_EQ(c->Get("/v1/suppliers?limit=100000")->status, 400);
}

TEST_F(RecordRoutesTest, Links) {
  auto c = Client(staff_);
  auto made = c->Post("/v1/links", R"({"from":"S1","to":"F1","type":"equips"})", "application/json");
  ASSERT_EQ(made->status, 201) << made->body;
  auto bad_type = c->Post("/v1/links", R"({"from":"S1","to":"F1","type":"likes"})", "application/json");
  EXPECT_EQ(bad_type->status, 400);
  auto all = c->Get("/v1/links");
  ASSERT_EQ(all->status, 200);
  EXPECT_EQ(json::parse(all->body)["items"].size(), 1u);
  auto from = c->Get("/v1/links?from=S1");
  ASSERT_EQ(from->status, 200) << from->body;
  EXPECT_EQ(json::parse(from->body)["items"][0]["to"], "F1");
  EXPECT_EQ(json::parse(c->Get("/v1/links?from=F1")->body)["items"].size(), 0u);
  EXPECT_EQ(c->Delete("/v1/links?from=S1&to=F1&type=equips")->status, 204);
  EXPECT_EQ(c->Delete("/v1/links?from=S1&to=F1&type=equips")->status, 404);
  EXPECT_EQ(c->Delete("/v1/links?from=S1")->status, 400);
}

TEST_F(RecordRoutesTest, BadInputs) {
  auto c = Client(staff_);
  auto post = [&](const std::string& body) {
    auto r = c->Post("/v1/facilities", body, "application/json");
    EXPECT_TRUE(r);
    return std::make_pair(r->status, ErrorCode(r->body));
  };
  EXPECT_EQ(post("{\"id\": \"F3\", "), std::make_pair(400, std::string("invalid_argument")));
  EXPECT_EQ(post(""), std::make_pair(400, std::string("invalid_argument")));
  std::string bad_utf8 = FacilityJson("F3", "N3");
  bad_utf8.replace(bad_utf8.find("Tân"), 3, "T\xC3\x28");
  EXPECT_EQ(post(bad_utf8), std::make_pair(400, std::string("invalid_argument")));
  json missing = json::parse(FacilityJson("F3", "N3"));
  missing.erase("name");
  auto r = c->Post("/v1/facilities", missing.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("name"), std::string::npos) << r->body;
  json wrong_type = json::parse(FacilityJson("F3", "N3"));
  wrong_type["employees"] = "many";
  r = c->Post("/v1/facilities", wrong_type.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("employees"), std::string::npos) << r->body;
  std::string deep = std::string(100, '[') + std::string(100, ']');
  json nested = json::parse(FacilityJson("F3", "N3"));
  r = c->Post("/v1/facilities",
              nested.dump().substr(0, nested.dump().size() - 1) + ",\"x\":" + deep + "}",
              "application/json");
  EXPECT_EQ(r->status, 400) << r->body;
  // Over the 1 MiB record limit.
  json big = json::parse(FacilityJson("F3", "N3"));
  big["notes"] = std::string((1 << 20) + 10, 'a');
  r = c->Post("/v1/facilities", big.dump(), "application/json");
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(ErrorCode(r->body), "resource_exhausted");
  // Nothing half-written by any of these.
  EXPECT_EQ(c->Get("/v1/facilities/F3")->status, 404);
  // Unknown ids, unknown routes, wrong methods: JSON errors too.
  r = c->Get("/v1/facilities/NOPE");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(ErrorCode(r->body), "not_found");
  r = c->Get("/v1/nothing-here");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(ErrorCode(r->body), "not_found");
  r = c->Patch("/v1/facilities/F1", "{}", "application/json");
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(ErrorCode(r->body), "method_not_allowed");
}

TEST_F(RecordRoutesTest, ImportIsAllOrNothingAndExportRoundTrips) {
  auto c = Client(staff_);
  std::string good = FacilityJson("F5", "N5") + "\n" + FacilityJson("F6", "N6") + "\n";
  std::string bad = good + R"({"id":"F7","name":"x","province":"Atlantis","sector":"10","needs":[]})" + "\n";
  auto r = c->Post("/v1/import/facilities", bad, "application/x-ndjson");
  ASSERT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("facilities.jsonl:3"), std::string::npos) << r->body;
  EXPECT_EQ(c->Get("/v1/facilities/F5")->status, 404) << "partial import";

  r = c->Post("/v1/import/facilities", good, "application/x-ndjson");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["facilities"], 2);
  EXPECT_EQ(c->Get("/v1/facilities/F6")->status, 200);

  auto exported = c->Get("/v1/export/facilities");
  ASSERT_EQ(exported->status, 200);
  size_t lines = std::count(exported->body.begin(), exported->body.end(), '\n');
  EXPECT_EQ(lines, 3u);  // F1, F5, F6
  EXPECT_NE(exported->body.find("\"F6\""), std::string::npos);
  // Re-importing the export changes nothing (idempotent upsert).
  r = c->Post("/v1/import/facilities", exported->body, "application/x-ndjson");
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(c->Get("/v1/export/facilities")->body, exported->body);
}

}  // namespace
}  // namespace ketnoi::api
