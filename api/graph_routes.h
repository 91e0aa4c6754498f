// Planner routes over the value-chain graph (engine/graph.h). Handlers take
// the graph explicitly; the route table registers them once ApiContext
// carries the graph, e.g.
//   {kGet, "/v1/chains/{chain}/map", kPlanner | kStaff, kNone,
//    [](const ApiContext& c, const ApiRequest& r) { return HandleChainMap(c.graph, r); },
//    "Chain map of a sector in a province", "province,format"},
// Every handler answers 503 when the graph is null (not built).
//
//   GET /v1/chains/{chain}/map?province=&format=json|dot|svg
//   GET /v1/chains/{chain}/gaps?province=&per_gap=5
//   GET /v1/graph/hubs?chain=&province=&top=10
//   GET /v1/graph/clusters?chain=&province=&max=50
//   GET /v1/graph/entities/{id}/neighbours?direction=upstream|downstream&depth=1&types=&limit=
//   GET /v1/graph/path?from=&to=&types=&max_hops=8
//   GET /v1/graph/entities/{id}/whatif?replacements=5
//   GET /v1/graph/chainfit?facility=&candidate=&stage=
//   GET /v1/graph/stats
#pragma once

#include "api/routes.h"

namespace ketnoi::engine {
class ValueChainGraph;
}

namespace ketnoi::api {

Reply HandleChainMap(const engine::ValueChainGraph* graph, const ApiRequest& req);
Reply HandleChainGaps(const engine::ValueChainGraph* graph, const ApiRequest& req);
Reply HandleGraphHubs(const engine::ValueChainGraph* graph, const ApiRequest& req);
Reply HandleGraphClusters(const engine::ValueChainGraph* graph, const ApiRequest& req);
Reply HandleGraphNeighbours(const engine::ValueChainGraph* graph, const ApiRequest& req);
Reply HandleGraphPath(const engine::ValueChainGraph* graph, const ApiRequest& req);
Reply HandleGraphWhatIf(const engine::ValueChainGraph* graph, const ApiRequest& req);
Reply HandleGraphChainFit(const engine::ValueChainGraph* graph, const ApiRequest& req);
Reply HandleGraphStats(const engine::ValueChainGraph* graph, const ApiRequest& req);

}  // namespace ketnoi::api
