// Every route's access rule, proved over HTTP for each role, against a
// matrix written here independently of the route table.
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "api/routes.h"
#include "api_fixture.h"

namespace ketnoi::api {
namespace {

using testing_util::ApiTest;

// "METHOD /path" -> the callers allowed ("none" = no key). Admin keys may
// call everything; "supplier" here is a supplier key calling with its own id.
const std::map<std::string, std::string>& Expected() {
  static const auto* m = new std::map<std::string, std::string>{
      {"GET /healthz", "none admin staff planner supplier"},
      {"GET /metrics", "admin"},
      {"GET /v1/openapi.json", "admin staff planner supplier"},
      {"POST /v1/admin/backup", "admin"},
      {"GET /", "none admin staff planner supplier"},
      {"GET /static/{file}", "none admin staff planner supplier"},
      {"GET /v1/whoami", "admin staff planner supplier"},
      {"POST /v1/facilities", "admin staff"},
      {"GET /v1/facilities", "admin staff planner"},
      {"GET /v1/facilities/{id}", "admin staff planner"},
      {"PUT /v1/facilities/{id}", "admin staff"},
      {"DELETE /v1/facilities/{id}", "admin staff"},
      {"GET /v1/needs/{id}", "admin staff planner"},
      {"POST /v1/suppliers", "admin"},
      {"GET /v1/suppliers", "admin staff planner"},
      {"GET /v1/suppliers/{id}", "admin staff planner supplier"},
      {"PUT /v1/suppliers/{id}", "admin"},
      {"DELETE /v1/suppliers/{id}", "admin"},
      {"POST /v1/experts", "admin"},
      {"GET /v1/experts", "admin staff planner"},
      {"GET /v1/experts/{id}", "admin staff planner supplier"},
      {"PUT /v1/experts/{id}", "admin"},
      {"DELETE /v1/experts/{id}", "admin"},
      {"POST /v1/links", "admin staff"},
      {"GET /v1/links", "admin staff planner"},
      {"DELETE /v1/links", "admin staff"},
      {"POST /v1/import/facilities", "admin staff"},
      {"POST /v1/import/suppliers", "admin"},
      {"POST /v1/import/experts", "admin"},
      {"POST /v1/import/links", "admin staff"},
      {"GET /v1/export/facilities", "admin staff planner"},
      {"GET /v1/export/suppliers", "admin staff planner"},
      {"GET /v1/export/experts", "admin staff planner"},
      {"GET /v1/export/links", "admin staff planner"},
      {"GET /v1/needs/{id}/matches", "admin staff"},
      {"POST /v1/search", "admin staff"},
      {"GET /v1/suppliers/{id}/leads", "admin staff supplier"},
      {"GET /v1/experts/{id}/leads", "admin staff supplier"},
      {"POST /v1/feedback", "admin staff"},
      {"GET /v1/feedback", "admin staff"},
      {"GET /v1/chains/{chain}/map", "admin staff planner"},
      {"GET /v1/chains/{chain}/gaps", "admin staff planner"},
      {"GET /v1/graph/hubs", "admin staff planner"},
      {"GET /v1/graph/clusters", "admin staff planner"},
      {"GET /v1/graph/entities/{id}/neighbours", "admin staff planner"},
      {"GET /v1/graph/path", "admin staff planner"},
      {"GET /v1/graph/entities/{id}/whatif", "admin staff planner"},
      {"GET /v1/graph/chainfit", "admin staff planner"},
      {"GET /v1/graph/stats", "admin staff planner"},
  };
  return *m;
}

std::string Label(const Route& r) { return std::string(MethodName(r.method)) + " " + r.path; }

// The path with its {id} filled in for the caller: the supplier key's own
// entity for supplier/expert records (S1 / its expert twin E1 is not its own).
std::string Concrete(const Route& r, const std::string& id) {
  std::string p = r.path;
  size_t i = p.find("{id}");
  if (i != std::string::npos) p.replace(i, 4, id);
  return p;
}

httplib::Result Call(httplib::Client& c, Method m, const std::string& path) {
  switch (m) {
    case Method::kGet: return c.Get(path.c_str());
    case Method::kPost: return c.Post(path.c_str(), "", "application/json");
    case Method::kPut: return c.Put(path.c_str(), "", "application/json");
    case Method::kDelete: return c.Delete(path.c_str());
  }
  return c.Get(path.c_str());
}

TEST(RouteTable, MatrixCoversEveryRoute) {
  std::set<std::string> labels;
  for (const Route& r : Routes()) {
    EXPECT_TRUE(labels.insert(Label(r)).second) << "duplicate route " << Label(r);
    EXPECT_TRUE(Expected().count(Label(r))) << "no access rule in the test for " << Label(r);
    EXPECT_FALSE(r.summary.empty()) << Label(r);
  }
  for (const auto& [label, who] : Expected()) {
    EXPECT_TRUE(labels.count(label)) << "test expects a route the table lacks: " << label;
  }
}

class RouteAccessTest : public ApiTest {};

TEST_F(RouteAccessTest, EveryRoleOnEveryRoute) {
  const std::map<std::string, std::string> callers = {
      {"none", ""}, {"supplier", supplier_}, {"planner", planner_},
      {"staff", staff_}, {"admin", admin_}};
  for (const auto& [who, key] : callers) {
    auto client = Client(key);
    for (const Route& r : Routes()) {
      std::string id = r.path.find("/suppliers/") != std::string::npos ? "S1"
                       : r.path.find("/experts/") != std::string::npos ? "S1"
                       : r.path.find("/needs/") != std::string::npos   ? "N1"
                                                                       : "F1";
      auto res = Call(*client, r.method, Concrete(r, id));
      ASSERT_TRUE(res) << Label(r);
      std::istringstream allowed(Expected().at(Label(r)));
      std::set<std::string> set{std::istream_iterator<std::string>(allowed), {}};
      SCOPED_TRACE(who + " " + Label(r) + " -> " + std::to_string(res->status) + " " + res->body);
      if (set.count(who)) {
        EXPECT_NE(res->status, 401);
        EXPECT_NE(res->status, 403);
      } else if (who == "none") {
        EXPECT_EQ(res->status, 401);
        EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
      } else {
        EXPECT_EQ(res->status, 403);
      }
    }
  }
}

TEST_F(RouteAccessTest, SupplierSeesOnlyItsOwnRecord) {
  auto c = Client(supplier_);
  auto own = c->Get("/v1/suppliers/S1");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
  auto other = c->Get("/v1/suppliers/S2");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  EXPECT_NE(other->body.find("permission_denied"), std::string::npos);
  EXPECT_EQ(other->body.find("Phú Hà"), std::string::npos) << "leaked another supplier";
  auto list = c->Get("/v1/suppliers");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 403);
}

TEST_F(RouteAccessTest, BadKeysAre401) {
  for (const std::string& key :
       {std::string("nonsense"), admin_.substr(0, admin_.size() - 1) + (admin_.back() == '0' ? "1" : "0"),
        "kn_0000000000000000_" + std::string(64, 'a')}) {
    auto res = Client(key)->Get("/v1/facilities/F1");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << key;
    EXPECT_NE(res->body.find("\"unauthenticated\""), std::string::npos);
  }
  httplib::Client c("127.0.0.1", server_->port());
  auto basic = c.Get("/v1/facilities/F1", {{"Authorization", "Basic " + admin_}});
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->status, 401);
}

TEST_F(RouteAccessTest, RevokedKeyIsRefusedAtOnce) {
  auto key = keys_->Create(Role::kStaff, "");
  ASSERT_TRUE(key.ok());
  auto c = Client(key->first);
  EXPECT_EQ(c->Get("/v1/facilities/F1")->status, 200);
  ASSERT_OK(keys_->Revoke(key->second.id));
  EXPECT_EQ(c->Get("/v1/facilities/F1")->status, 401);
}

TEST(HttpStatusFor, MapsEveryCode) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kOutOfRange), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 413);
  EXPECT_EQ(HttpStatusFor(StatusCode::kIOError), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
  Reply r = ErrorReply(NotFound("facility 'X' \"quoted\""));
  EXPECT_EQ(r.http_status, 404);
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"facility 'X' \"quoted\""}})");
}

}  // namespace
}  // namespace ketnoi::api
