#include "api/graph_routes.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "engine/chain_render.h"
#include "engine/graph.h"

namespace ketnoi::api {
namespace {

using nlohmann::json;
using engine::ValueChainGraph;

Reply NoGraph() { return ErrorReply(503, "unavailable", "the value-chain graph is not built"); }

StatusOr<long> IntQuery(const ApiRequest& req, const std::string& name, long fallback, long lo,
                        long hi) {
  std::string v = req.Query(name);
  if (v.empty()) return fallback;
  char* end = nullptr;
  long n = std::strtol(v.c_str(), &end, 10);
  if (*end != '\0' || n < lo || n > hi) {
    return InvalidArgument("query parameter '" + name + "' must be an integer from " +
                           std::to_string(lo) + " to " + std::to_string(hi));
  }
  return n;
}

StatusOr<std::vector<engine::EdgeType>> Types(const ApiRequest& req) {
  std::vector<engine::EdgeType> out;
  std::string v = req.Query("types");
  size_t start = 0;
  while (start < v.size()) {
    size_t comma = v.find(',', start);
    std::string t = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    engine::EdgeType e;
    if (!engine::ParseEdgeType(t, &e)) {
      return InvalidArgument("query parameter 'types': unknown edge type '" + t + "'");
    }
    out.push_back(e);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

json Hops(const std::vector<engine::PathHop>& path) {
  json out = json::array();
  for (size_t i = 0; i < path.size(); ++i) {
    json h = {{"id", path[i].id}, {"kind", engine::VertexKindName(path[i].kind)},
              {"name", path[i].name}};
    if (i > 0) {
      h["via"] = engine::EdgeTypeName(path[i].via);
      h["link"] = {{"from", path[i].link_from}, {"to", path[i].link_to}};
    }
    out.push_back(std::move(h));
  }
  return out;
}

json Candidates(const std::vector<engine::GapCandidate>& c) {
  json out = json::array();
  for (const auto& x : c) {
    out.push_back({{"id", x.id}, {"name", x.name}, {"kind", engine::VertexKindName(x.kind)},
                   {"province", x.province_id}, {"distance_km", x.distance_km},
                   {"stage_confidence", x.stage_confidence}, {"score", x.score}});
  }
  return out;
}

Reply Json(const json& j) {
  return JsonReply(200, j.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

Reply HandleChainMap(const ValueChainGraph* g, const ApiRequest& req) {
  if (g == nullptr) return NoGraph();
  const std::string format = req.Query("format", "json");
  if (format != "json" && format != "dot" && format != "svg") {
    return ErrorReply(InvalidArgument("query parameter 'format' must be json, dot or svg"));
  }
  auto map = g->ChainMapOf(req.Param("chain"), req.Query("province"));
  if (!map.ok()) return ErrorReply(map.status());
  auto gaps = g->Gaps(req.Param("chain"), req.Query("province"));
  if (!gaps.ok()) return ErrorReply(gaps.status());
  if (format == "json") return JsonReply(200, engine::ChainMapToJson(*map, *gaps));
  Reply r;
  r.body = engine::ChainMapToDot(*map, *gaps);
  r.content_type = "text/vnd.graphviz; charset=utf-8";
  if (format == "svg") {
    auto svg = engine::RenderSvg(r.body);
    if (!svg.ok()) return ErrorReply(svg.status());
    r.body = std::move(svg).value();
    r.content_type = "image/svg+xml";
  }
  return r;
}

Reply HandleChainGaps(const ValueChainGraph* g, const ApiRequest& req) {
  if (g == nullptr) return NoGraph();
  auto per = IntQuery(req, "per_gap", 5, 1, 100);
  if (!per.ok()) return ErrorReply(per.status());
  auto gaps = g->Gaps(req.Param("chain"), req.Query("province"), *per);
  if (!gaps.ok()) return ErrorReply(gaps.status());
  json out = json::array();
  for (const auto& gap : *gaps) {
    out.push_back({{"stage", gap.stage_id},
                   {"name", {{"vi", gap.name_vi}, {"en", gap.name_en}}},
                   {"kind", gap.kind == engine::GapKind::kMissing ? "missing" : "single"},
                   {"local_facilities", gap.local_facilities},
                   {"candidates", Candidates(gap.candidates)},
                   {"enablers", Candidates(gap.enablers)}});
  }
  return Json({{"chain", req.Param("chain")}, {"gaps", out}});
}

Reply HandleGraphHubs(const ValueChainGraph* g, const ApiRequest& req) {
  if (g == nullptr) return NoGraph();
  auto top = IntQuery(req, "top", 10, 1, 1000);
  if (!top.ok()) return ErrorReply(top.status());
  auto hubs = g->Hubs({req.Query("chain"), req.Query("province"), static_cast<size_t>(*top)});
  if (!hubs.ok()) return ErrorReply(hubs.status());
  auto list = [](const std::vector<engine::Hub>& hs) {
    json out = json::array();
    for (const auto& h : hs) {
      out.push_back({{"id", h.id}, {"name", h.name}, {"kind", engine::VertexKindName(h.kind)},
                     {"degree", h.degree}, {"betweenness", h.betweenness}});
    }
    return out;
  };
  return Json({{"by_degree", list(hubs->by_degree)},
               {"by_betweenness", list(hubs->by_betweenness)},
               {"subgraph", {{"vertices", hubs->subgraph_vertices}, {"edges", hubs->subgraph_edges}}},
               {"betweenness_sampled", hubs->betweenness_sampled}});
}

Reply HandleGraphClusters(const ValueChainGraph* g, const ApiRequest& req) {
  if (g == nullptr) return NoGraph();
  auto max = IntQuery(req, "max", 50, 1, 1000);
  if (!max.ok()) return ErrorReply(max.status());
  auto cl = g->Clusters(req.Query("chain"), req.Query("province"), *max);
  if (!cl.ok()) return ErrorReply(cl.status());
  json out = json::array();
  for (const auto& c : *cl) out.push_back({{"size", c.size}, {"members", c.members}});
  return Json({{"clusters", out}});
}

Reply HandleGraphNeighbours(const ValueChainGraph* g, const ApiRequest& req) {
  if (g == nullptr) return NoGraph();
  engine::NeighbourRequest nr;
  nr.id = req.Param("id");
  const std::string dir = req.Query("direction", "upstream");
  if (dir != "upstream" && dir != "downstream") {
    return ErrorReply(InvalidArgument("query parameter 'direction' must be upstream or downstream"));
  }
  nr.upstream = dir == "upstream";
  auto depth = IntQuery(req, "depth", 1, 1, 10);
  if (!depth.ok()) return ErrorReply(depth.status());
  auto limit = IntQuery(req, "limit", 1000, 1, 100000);
  if (!limit.ok()) return ErrorReply(limit.status());
  auto types = Types(req);
  if (!types.ok()) return ErrorReply(types.status());
  nr.depth = static_cast<int>(*depth);
  nr.limit = static_cast<size_t>(*limit);
  nr.types = *types;
  auto res = g->Neighbours(nr);
  if (!res.ok()) return ErrorReply(res.status());
  json out = json::array();
  for (const auto& e : res->entities) {
    out.push_back({{"id", e.id}, {"kind", engine::VertexKindName(e.kind)}, {"depth", e.depth},
                   {"via", engine::EdgeTypeName(e.via)}, {"from", e.via_id}});
  }
  return Json({{"id", nr.id}, {"direction", dir}, {"entities", out}, {"truncated", res->truncated}});
}

Reply HandleGraphPath(const ValueChainGraph* g, const ApiRequest& req) {
  if (g == nullptr) return NoGraph();
  auto hops = IntQuery(req, "max_hops", 8, 1, 20);
  if (!hops.ok()) return ErrorReply(hops.status());
  auto types = Types(req);
  if (!types.ok()) return ErrorReply(types.status());
  auto path = g->ShortestPath(req.Query("from"), req.Query("to"), *types, *hops);
  if (!path.ok()) return ErrorReply(path.status());
  return Json({{"from", req.Query("from")}, {"to", req.Query("to")}, {"path", Hops(*path)}});
}

Reply HandleGraphWhatIf(const ValueChainGraph* g, const ApiRequest& req) {
  if (g == nullptr) return NoGraph();
  auto n = IntQuery(req, "replacements", 5, 0, 100);
  if (!n.ok()) return ErrorReply(n.status());
  auto r = g->WhatIfRemove(req.Param("id"), *n);
  if (!r.ok()) return ErrorReply(r.status());
  json out = json::array();
  for (const auto& imp : r->impacts) {
    json lost = json::array();
    for (auto t : imp.lost) lost.push_back(engine::EdgeTypeName(t));
    out.push_back({{"facility", imp.facility_id}, {"name", imp.facility_name},
                   {"province", imp.province_id}, {"lost", lost},
                   {"other_sources_same_stage", imp.other_sources_same_stage},
                   {"replacements", Candidates(imp.replacements)}});
  }
  return Json({{"removed", r->removed_id}, {"impacts", out}});
}

Reply HandleGraphChainFit(const ValueChainGraph* g, const ApiRequest& req) {
  if (g == nullptr) return NoGraph();
  auto fit = g->ChainFit(req.Query("facility"), req.Query("candidate"), req.Query("stage"));
  if (!fit.ok()) return ErrorReply(fit.status());
  return Json({{"score", fit->score}, {"stage_component", fit->stage_component},
               {"partner_component", fit->partner_component}, {"path", Hops(fit->path)}});
}

Reply HandleGraphStats(const ValueChainGraph* g, const ApiRequest&) {
  if (g == nullptr) return NoGraph();
  engine::GraphStats s = g->Stats();
  return Json({{"facilities", s.facilities}, {"suppliers", s.suppliers}, {"experts", s.experts},
               {"stages", s.stages}, {"link_edges", s.link_edges}, {"stage_edges", s.stage_edges},
               {"pending_links", s.pending_links}, {"approx_bytes", s.approx_bytes},
               {"build_seconds", s.build_seconds}, {"updates", s.updates}});
}

}  // namespace ketnoi::api
