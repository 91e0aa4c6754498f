// The OpenAPI document stays true: every registered route is described and
// every described operation is a registered route; served over HTTP too.
#include <nlohmann/json.hpp>
#include <set>

#include "api/openapi.h"
#include "api_fixture.h"

namespace ketnoi::api {
namespace {

using nlohmann::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

TEST(OpenApi, DescribesExactlyTheRouteTable) {
  json doc = json::parse(OpenApiDocument(Routes()));
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::string> registered, described;
  for (const Route& r : Routes()) registered.insert(Lower(MethodName(r.method)) + " " + r.path);
  std::set<std::string> operation_ids;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      described.insert(method + " " + path);
      EXPECT_TRUE(op.contains("summary"));
      EXPECT_TRUE(operation_ids.insert(op["operationId"].get<std::string>()).second)
          << "duplicate operationId " << op["operationId"];
      // Every {param} of the path is a declared path parameter.
      for (size_t i = path.find('{'); i != std::string::npos; i = path.find('{', i + 1)) {
        std::string name = path.substr(i + 1, path.find('}', i) - i - 1);
        bool found = false;
        for (const auto& p : op["parameters"]) found |= p["name"] == name && p["in"] == "path";
        EXPECT_TRUE(found) << method << " " << path << " lacks parameter " << name;
      }
    }
  }
  EXPECT_EQ(registered, described);
  EXPECT_TRUE(doc["paths"]["/healthz"]["get"]["security"].empty());
}

class OpenApiServedTest : public testing_util::ApiTest {};

TEST_F(OpenApiServedTest, ServedDocumentIsTheGeneratedOne) {
  auto res = Client(planner_)->Get("/v1/openapi.json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body), json::parse(OpenApiDocument(Routes())));
}

}  // namespace
}  // namespace ketnoi::api
