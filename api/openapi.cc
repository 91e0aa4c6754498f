#include "api/openapi.h"

#include <cctype>
#include <nlohmann/json.hpp>

namespace ketnoi::api {
namespace {

using nlohmann::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "GET /v1/facilities/{id}" -> "get_v1_facilities_id".
std::string OperationId(const Route& r) {
  std::string id = Lower(MethodName(r.method));
  for (char c : r.path) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      id += c;
    } else if (c == '/' && id.back() != '_') {
      id += '_';
    }
  }
  return id;
}

std::string AccessText(uint32_t access) {
  if (access & kPublic) return "No key needed.";
  std::string roles = "admin";
  if (access & kStaff) roles += ", staff";
  if (access & kPlanner) roles += ", planner";
  if (access & kSupplierAny) {
    roles += ", supplier";
  } else if (access & kSupplierOwn) {
    roles += ", supplier (its own entity only)";
  }
  return "Roles: " + roles + ".";
}

json ErrorResponse(std::string_view description) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

json Operation(const Route& r) {
  json op = {{"summary", r.summary},
             {"operationId", OperationId(r)},
             {"description", AccessText(r.access)},
             {"parameters", json::array()}};
  for (size_t i = r.path.find('{'); i != std::string::npos; i = r.path.find('{', i + 1)) {
    std::string name = r.path.substr(i + 1, r.path.find('}', i) - i - 1);
    op["parameters"].push_back(
        {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
  }
  size_t start = 0;
  while (start < r.query.size()) {
    size_t comma = r.query.find(',', start);
    if (comma == std::string::npos) comma = r.query.size();
    op["parameters"].push_back({{"name", r.query.substr(start, comma - start)},
                                {"in", "query"},
                                {"required", false},
                                {"schema", {{"type", "string"}}}});
    start = comma + 1;
  }
  if (r.body == BodyKind::kJson) {
    op["requestBody"] = {{"required", true},
                         {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
  } else if (r.body == BodyKind::kJsonLines) {
    op["requestBody"] = {
        {"required", true},
        {"content", {{"application/x-ndjson", {{"schema", {{"type", "string"}}}}}}}};
  }
  json responses = json::object();
  if (r.method == Method::kDelete) {
    responses["204"] = {{"description", "Done."}};
  } else if (r.method == Method::kPost) {
    responses["201"] = {{"description", "Created."}};
    responses["200"] = {{"description", "Done."}};
  } else {
    responses["200"] = {{"description", "OK."}};
  }
  responses["4XX"] = ErrorResponse("Bad input, missing key (401), role (403), unknown id (404), "
                                   "conflict (409), body too large (413) or rate limited (429, with "
                                   "Retry-After).");
  responses["5XX"] = ErrorResponse("Server error.");
  op["responses"] = std::move(responses);
  if (r.access & kPublic) op["security"] = json::array();
  return op;
}

}  // namespace

std::string OpenApiDocument(const std::vector<Route>& routes) {
  json paths = json::object();
  for (const Route& r : routes) {
    paths[r.path][Lower(MethodName(r.method))] = Operation(r);
  }
  json doc = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "ketnoi HTTP API"},
        {"version", "1"},
        {"description",
         "Matching rural industrial facilities with equipment suppliers and experts. "
         "Send keys as 'Authorization: Bearer KEY'."}}},
      {"paths", std::move(paths)},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"required", {"error"}},
            {"properties",
             {{"error",
               {{"type", "object"},
                {"required", {"code", "message"}},
                {"properties",
                 {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}}}}}}},
      {"security", {{{"bearer", json::array()}}}}};
  return doc.dump();
}

}  // namespace ketnoi::api
