#include "api/routes.h"

#include <charconv>
#include <functional>
#include <nlohmann/json.hpp>

#include "api/graph_routes.h"
#include "api/handlers.h"
#include "api/match_routes.h"
#include "api/metrics.h"
#include "api/openapi.h"
#include "api/web_routes.h"
#include "engine/engine.h"
#include "engine/store.h"

namespace ketnoi::api {
namespace {

Handler For(Reply (*fn)(RecordKind, const ApiContext&, const ApiRequest&), RecordKind kind) {
  return std::bind_front(fn, kind);
}

// Matching routes take the engine, planner routes the graph.
Handler WithEngine(Reply (*fn)(engine::Engine*, const ApiRequest&)) {
  return [fn](const ApiContext& ctx, const ApiRequest& req) { return fn(ctx.engine, req); };
}
Handler WithGraph(Reply (*fn)(const engine::ValueChainGraph*, const ApiRequest&)) {
  return [fn](const ApiContext& ctx, const ApiRequest& req) { return fn(ctx.graph, req); };
}

std::vector<Route> BuildRoutes() {
  using enum Method;
  using K = RecordKind;
  constexpr BodyKind kNone = BodyKind::kNone, kJson = BodyKind::kJson,
                     kJsonl = BodyKind::kJsonLines;
  constexpr uint32_t kRead = kStaff | kPlanner;
  // clang-format off
  return {
    // Service.
    {kGet, "/healthz", kPublic, kNone, HandleHealthz, "Liveness: the server answers"},
    {kGet, "/metrics", kAdminOnly, kNone, HandleMetrics, "Prometheus metrics (text format 0.0.4)"},
    {kGet, "/v1/openapi.json", kAnyKey, kNone, HandleOpenApi, "This API as OpenAPI 3.1"},
    {kPost, "/v1/admin/backup", kAdminOnly, kJson, HandleBackup, "Online backup {name?}: store checkpoint and indexes under the server's backup_dir"},
    // The web page (web/) and who the calling key is, for the page.
    {kGet, "/", kPublic, kNone, HandleWebIndex, "The web page for staff, suppliers and planners"},
    {kGet, "/static/{file}", kPublic, kNone, HandleWebStatic, "A file of the web page (JS, CSS, images)"},
    {kGet, "/v1/whoami", kAnyKey, kNone, HandleWhoAmI, "The calling key: id, role and entity"},
    // Facilities, with their needs.
    {kPost, "/v1/facilities", kStaff, kJson, For(HandleCreate, K::kFacilities), "Create a facility with its needs"},
    {kGet, "/v1/facilities", kRead, kNone, For(HandleList, K::kFacilities), "List facilities by id", "cursor,limit"},
    {kGet, "/v1/facilities/{id}", kRead, kNone, For(HandleGet, K::kFacilities), "Get a facility"},
    {kPut, "/v1/facilities/{id}", kStaff, kJson, For(HandleReplace, K::kFacilities), "Replace a facility and its needs"},
    {kDelete, "/v1/facilities/{id}", kStaff, kNone, For(HandleDelete, K::kFacilities), "Delete a facility and its needs"},
    {kGet, "/v1/needs/{id}", kRead, kNone, HandleGetNeed, "Get a need and the facility that owns it"},
    // Suppliers.
    {kPost, "/v1/suppliers", kAdminOnly, kJson, For(HandleCreate, K::kSuppliers), "Create a supplier"},
    {kGet, "/v1/suppliers", kRead, kNone, For(HandleList, K::kSuppliers), "List suppliers by id", "cursor,limit"},
    {kGet, "/v1/suppliers/{id}", kRead | kSupplierOwn, kNone, For(HandleGet, K::kSuppliers), "Get a supplier"},
    {kPut, "/v1/suppliers/{id}", kAdminOnly, kJson, For(HandleReplace, K::kSuppliers), "Replace a supplier"},
    {kDelete, "/v1/suppliers/{id}", kAdminOnly, kNone, For(HandleDelete, K::kSuppliers), "Delete a supplier"},
    // Experts.
    {kPost, "/v1/experts", kAdminOnly, kJson, For(HandleCreate, K::kExperts), "Create an expert"},
    {kGet, "/v1/experts", kRead, kNone, For(HandleList, K::kExperts), "List experts by id", "cursor,limit"},
    {kGet, "/v1/experts/{id}", kRead | kSupplierOwn, kNone, For(HandleGet, K::kExperts), "Get an expert"},
    {kPut, "/v1/experts/{id}", kAdminOnly, kJson, For(HandleReplace, K::kExperts), "Replace an expert"},
    {kDelete, "/v1/experts/{id}", kAdminOnly, kNone, For(HandleDelete, K::kExperts), "Delete an expert"},
    // Links along value chains.
    {kPost, "/v1/links", kStaff, kJson, HandleCreateLink, "Create (or keep) a link {from,to,type}"},
    {kGet, "/v1/links", kRead, kNone, HandleListLinks, "List links, optionally those from one id", "cursor,limit,from"},
    {kDelete, "/v1/links", kStaff, kNone, HandleDeleteLink, "Delete the link ?from=&to=&type=", "from,to,type"},
    // Bulk: JSON Lines in the dataset format, all or nothing.
    {kPost, "/v1/import/facilities", kStaff, kJsonl, For(HandleImport, K::kFacilities), "Import facilities (JSON Lines, all or nothing)"},
    {kPost, "/v1/import/suppliers", kAdminOnly, kJsonl, For(HandleImport, K::kSuppliers), "Import suppliers (JSON Lines, all or nothing)"},
    {kPost, "/v1/import/experts", kAdminOnly, kJsonl, For(HandleImport, K::kExperts), "Import experts (JSON Lines, all or nothing)"},
    {kPost, "/v1/import/links", kStaff, kJsonl, For(HandleImport, K::kLinks), "Import links (JSON Lines, all or nothing)"},
    {kGet, "/v1/export/facilities", kRead, kNone, For(HandleExport, K::kFacilities), "Export facilities as JSON Lines"},
    {kGet, "/v1/export/suppliers", kRead, kNone, For(HandleExport, K::kSuppliers), "Export suppliers as JSON Lines"},
    {kGet, "/v1/export/experts", kRead, kNone, For(HandleExport, K::kExperts), "Export experts as JSON Lines"},
    {kGet, "/v1/export/links", kRead, kNone, For(HandleExport, K::kLinks), "Export links as JSON Lines"},
    // Matching.
    {kGet, "/v1/needs/{id}/matches", kStaff, kNone, [](const ApiContext& ctx, const ApiRequest& req) { return HandleNeedMatches(ctx.engine, req, ctx.reply_cache); }, "Ranked suppliers or experts for a need, with reasons", "kind,k,province,region,sector,lang,min_score,serves_my_province,exclude,live"},
    {kPost, "/v1/search", kStaff, kJson, WithEngine(HandleSearch), "Ranked suppliers or experts for a need typed on the spot"},
    {kGet, "/v1/suppliers/{id}/leads", kStaff | kSupplierOwn, kNone, WithEngine(HandleLeads), "Facilities' needs a supplier can serve, newest first", "since,k"},
    {kGet, "/v1/experts/{id}/leads", kStaff | kSupplierOwn, kNone, WithEngine(HandleLeads), "Facilities' needs an expert can serve, newest first", "since,k"},
    {kPost, "/v1/feedback", kStaff, kJson, WithEngine(HandlePostFeedback), "Record a verdict on a match {need,candidate,verdict,reason}"},
    {kGet, "/v1/feedback", kStaff, kNone, WithEngine(HandleListFeedback), "Verdicts recorded, optionally for one need", "need"},
    // Planners: the value-chain graph.
    {kGet, "/v1/chains/{chain}/map", kRead, kNone, WithGraph(HandleChainMap), "Chain map of a sector in a province (JSON, DOT or SVG)", "province,format"},
    {kGet, "/v1/chains/{chain}/gaps", kRead, kNone, WithGraph(HandleChainGaps), "Stages with no or one local actor, with candidates", "province,per_gap"},
    {kGet, "/v1/graph/hubs", kRead, kNone, WithGraph(HandleGraphHubs), "Hub actors by degree and betweenness", "chain,province,top"},
    {kGet, "/v1/graph/clusters", kRead, kNone, WithGraph(HandleGraphClusters), "Connected clusters of actors", "chain,province,max"},
    {kGet, "/v1/graph/entities/{id}/neighbours", kRead, kNone, WithGraph(HandleGraphNeighbours), "Upstream or downstream actors of an entity", "direction,depth,types,limit"},
    {kGet, "/v1/graph/path", kRead, kNone, WithGraph(HandleGraphPath), "Shortest typed path between two entities", "from,to,types,max_hops"},
    {kGet, "/v1/graph/entities/{id}/whatif", kRead, kNone, WithGraph(HandleGraphWhatIf), "Facilities that lose an input if this actor stops, with replacements", "replacements"},
    {kGet, "/v1/graph/chainfit", kRead, kNone, WithGraph(HandleGraphChainFit), "Value-chain fit of a candidate for a facility", "facility,candidate,stage"},
    {kGet, "/v1/graph/stats", kRead, kNone, WithGraph(HandleGraphStats), "Graph size, memory and build time"},
  };
  // clang-format on
}

}  // namespace

const std::vector<Route>& Routes() {
  static const std::vector<Route>* routes = new std::vector<Route>(BuildRoutes());
  return *routes;
}

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kDelete: return "DELETE";
  }
  return "GET";
}

const std::string& ApiRequest::Param(const std::string& name) const {
  static const std::string* empty = new std::string();
  auto it = params.find(name);
  return it == params.end() ? *empty : it->second;
}

std::string ApiRequest::Query(const std::string& name, std::string fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition: return 409;
    case StatusCode::kResourceExhausted: return 413;
    default: return 500;
  }
}

Reply ErrorReply(int http_status, std::string_view code, std::string_view message) {
  nlohmann::json j = {{"error", {{"code", code}, {"message", message}}}};
  // Messages may quote user input cut at a byte limit: never throw on it.
  return JsonReply(http_status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Reply ErrorReply(const Status& status) {
  return ErrorReply(HttpStatusFor(status.code()), StatusCodeName(status.code()),
                    status.message());
}

Reply JsonReply(int http_status, std::string json_text) {
  Reply r;
  r.http_status = http_status;
  r.body = std::move(json_text);
  return r;
}

Status CheckAccess(const Route& route, const Principal& principal,
                   const std::map<std::string, std::string>& params) {
  if (route.access & kPublic) return Status::OK();
  if (!principal.authenticated) return Unauthenticated("this route needs an API key");
  const ApiKey& key = principal.key;
  bool allowed = false;
  switch (key.role) {
    case Role::kAdmin: allowed = true; break;
    case Role::kStaff: allowed = route.access & kStaff; break;
    case Role::kPlanner: allowed = route.access & kPlanner; break;
    case Role::kSupplier:
      if (route.access & kSupplierAny) {
        allowed = true;
      } else if (route.access & kSupplierOwn) {
        auto it = params.find("id");
        if (it == params.end() || it->second != key.entity) {
          return PermissionDenied("a supplier key may only read its own record ('" + key.entity +
                                  "')");
        }
        allowed = true;
      }
      break;
  }
  if (!allowed) {
    return PermissionDenied("role '" + std::string(RoleName(key.role)) + "' may not call " +
                            std::string(MethodName(route.method)) + " " + route.path);
  }
  return Status::OK();
}

StatusOr<size_t> PageLimit(const ApiRequest& req, const Limits& limits) {
  std::string text = req.Query("limit");
  if (text.empty()) return limits.default_page_size;
  size_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr != text.data() + text.size() || n == 0 ||
      n > limits.max_page_size) {
    return InvalidArgument("query 'limit': expected an integer from 1 to " +
                           std::to_string(limits.max_page_size) + ", got '" + text + "'");
  }
  return n;
}

Reply HandleHealthz(const ApiContext& ctx, const ApiRequest&) {
  return JsonReply(200, ctx.store != nullptr ? R"({"status":"ok"})" : R"({"status":"no store"})");
}

Reply HandleMetrics(const ApiContext& ctx, const ApiRequest&) {
  std::vector<Gauge> gauges;
  if (ctx.store != nullptr) {
    gauges.push_back({"ketnoi_store_size_bytes", "Approximate bytes of the store on disk.",
                      static_cast<double>(ctx.store->ApproximateSizeBytes())});
  }
  if (ctx.engine != nullptr) {
    engine::MatcherStats m = ctx.engine->matcher()->Stats();
    gauges.push_back({"ketnoi_indexed_suppliers", "Suppliers in the matcher's index.",
                      static_cast<double>(m.suppliers)});
    gauges.push_back({"ketnoi_indexed_experts", "Experts in the matcher's index.",
                      static_cast<double>(m.experts)});
    gauges.push_back({"ketnoi_indexed_needs", "Facilities' needs in the matcher's index.",
                      static_cast<double>(m.needs)});
    gauges.push_back({"ketnoi_lists_pending",
                      "Materialised lists older than the store, not yet recomputed.",
                      static_cast<double>(m.lists_pending)});
    gauges.push_back({"ketnoi_live_rankings", "Live matches and searches ranked at once.",
                      static_cast<double>(m.live_rankings)});
    gauges.push_back({"ketnoi_live_rankings_waiting",
                      "Live matches and searches waiting their turn to be ranked.",
                      static_cast<double>(m.live_rankings_waiting)});
    gauges.push_back({"ketnoi_market_factor_suppliers",
                      "How far the lexicon speaks for the suppliers (1: in full; below, concepts, "
                      "sector and capacity count that much).",
                      m.supplier_market});
    gauges.push_back({"ketnoi_market_factor_experts",
                      "How far the lexicon speaks for the experts (1: in full; below, concepts, "
                      "sector and capacity count that much).",
                      m.expert_market});
  }
  Reply r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = ctx.metrics->Render(gauges);
  return r;
}

Reply HandleOpenApi(const ApiContext& ctx, const ApiRequest&) {
  return JsonReply(200, OpenApiDocument(ctx.routes != nullptr ? *ctx.routes : Routes()));
}

}  // namespace ketnoi::api
