// The HTTP route table of ketnoi: every route in one place (api/routes.cc),
// each with its method, path pattern, who may call it, what body it takes,
// its handler and its OpenAPI summary. The server (api/server.cc) turns the
// table into httplib routes and does, for every request and before the
// handler runs: authentication, the access rule, the body size limit, UTF-8
// and JSON depth checks, metrics and the access log. Handlers are thin: parse,
// call the engine, answer with JsonReply / ErrorReply.
//
// Adding a route: one entry in Routes() plus one handler function (declared
// in api/handlers.h). The OpenAPI document and the access tests read the
// table, so nothing else has to change. No httplib or nlohmann type appears
// here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/auth.h"
#include "common/status.h"

namespace ketnoi::engine {
class Store;
class Engine;
class ValueChainGraph;
}

namespace ketnoi::api {

class Metrics;
class ReplyCache;
struct Route;

enum class Method { kGet, kPost, kPut, kDelete };
std::string_view MethodName(Method m);  // "GET", ...

// Who may call a route: a bit set. Admin keys may call every route.
enum Access : uint32_t {
  kPublic = 1u << 0,       // no key needed
  kStaff = 1u << 1,
  kPlanner = 1u << 2,
  kSupplierOwn = 1u << 3,  // a supplier key whose entity equals the {id} path parameter
  kSupplierAny = 1u << 4,  // any supplier key
  kAdminOnly = 0,          // admin keys only
  kAnyKey = kStaff | kPlanner | kSupplierAny,
};

// What the request body must be. The server checks the size limit for the
// kind, that the body is valid UTF-8 and, for kJson, that it is a JSON text
// nested at most Limits::max_json_depth deep.
enum class BodyKind { kNone, kJson, kJsonLines };

// Limits applied by the server (see ServerOptions for the defaults).
struct Limits {
  size_t max_json_body_bytes = 1 << 20;   // kJson bodies: 413 above
  size_t max_jsonl_body_bytes = 64 << 20; // kJsonLines bodies: 413 above
  int max_json_depth = 32;                // 400 above
  size_t default_page_size = 100;
  size_t max_page_size = 1000;            // ?limit above: 400
};

// Who is calling: set by the server from the Authorization header.
struct Principal {
  bool authenticated = false;
  ApiKey key;  // valid when authenticated
};

// Everything the handlers share. Pointers are not owned; they outlive the
// server. New engine services (matcher, graph) are added here as fields.
struct ApiContext {
  engine::Store* store = nullptr;
  // When set, record writes go through the engine (store, then the
  // matcher's indexes and lists and the graph), and the matching and
  // planner routes are served; `store` is then the engine's store.
  engine::Engine* engine = nullptr;
  const engine::ValueChainGraph* graph = nullptr;
  const KeyStore* keys = nullptr;
  Metrics* metrics = nullptr;
  // Encoded replies of read routes (api/reply_cache.h); the server makes
  // one when null.
  ReplyCache* reply_cache = nullptr;
  const std::vector<Route>* routes = nullptr;
  Limits limits;
  // Where POST /v1/admin/backup writes backups (one directory per backup);
  // empty: the route answers 409. Set from ServerOptions::backup_dir.
  std::string backup_dir;
};

struct ApiRequest {
  Method method = Method::kGet;
  std::string path;
  std::map<std::string, std::string> params;  // path parameters by name ({id} -> "id")
  std::map<std::string, std::string> query;   // first value of each query parameter
  std::string_view body;
  Principal principal;

  // The path parameter (empty when absent) / query parameter (or `fallback`).
  const std::string& Param(const std::string& name) const;
  std::string Query(const std::string& name, std::string fallback = "") const;
};

struct Reply {
  int http_status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra response headers (Retry-After, ...).
  std::vector<std::pair<std::string, std::string>> headers;
};

using Handler = std::function<Reply(const ApiContext&, const ApiRequest&)>;

struct Route {
  Method method;
  std::string path;      // "/v1/facilities/{id}": {name} matches one path segment
  uint32_t access;       // Access bits
  BodyKind body;
  Handler handler;
  std::string summary;   // OpenAPI summary
  // Query parameters the route reads, comma-separated ("cursor,limit"), for
  // the OpenAPI document.
  std::string query = "";
};

// The route table. Built once; order matters only for identical patterns.
const std::vector<Route>& Routes();

// The one mapping from Status codes to HTTP statuses: InvalidArgument and
// OutOfRange 400, Unauthenticated 401, PermissionDenied 403, NotFound 404,
// AlreadyExists and FailedPrecondition 409, ResourceExhausted 413,
// everything else 500.
int HttpStatusFor(StatusCode code);

// {"error":{"code":"not_found","message":"..."}} with HttpStatusFor(code).
// REQUIRES: !status.ok().
Reply ErrorReply(const Status& status);
// Same body, explicit HTTP status (429, 405 ...).
Reply ErrorReply(int http_status, std::string_view code, std::string_view message);

// A reply with a JSON text body.
Reply JsonReply(int http_status, std::string json_text);

// Whether `principal` may call `route` with these path parameters; the
// error (Unauthenticated / PermissionDenied) says why not.
Status CheckAccess(const Route& route, const Principal& principal,
                   const std::map<std::string, std::string>& params);

// Parses a page size from ?limit (default / bounds from `limits`).
StatusOr<size_t> PageLimit(const ApiRequest& req, const Limits& limits);

}  // namespace ketnoi::api
