// ValueChainGraph queries: entity, neighbours, typed shortest path, what-if
// and chain fit. Chain maps and gaps: graph_chainmap.cc; hubs and clusters:
// graph_analytics.cc.
#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "engine/graph_internal.h"
#include "engine/graph_scratch.h"

namespace ketnoi::engine {

using graph_internal::IsLinkType;
using graph_internal::IsReversedLink;
using graph_internal::kNoProvince;
using graph_internal::State;
using graph_internal::VInfo;

const VInfo* ValueChainGraph::Rep::Find(const State& st, std::string_view id) const {
  auto it = st.by_id.find(std::string(id));
  return it == st.by_id.end() ? nullptr : &st.info[it->second];
}

size_t ValueChainGraph::Rep::LinkDegree(const State& st, uint32_t v) const {
  return st.info[v].link_degree;
}

namespace {

uint32_t VertexOf(const State& st, std::string_view id) {
  auto it = st.by_id.find(std::string(id));
  return it == st.by_id.end() ? UINT32_MAX : it->second;
}

Status UnknownEntity(std::string_view id) {
  return NotFound("unknown entity '" + std::string(id) + "'");
}

PathHop HopTo(const State& st, uint32_t v, EdgeType via, uint32_t flow_src, uint32_t flow_dst) {
  PathHop h;
  h.id = st.info[v].id;
  h.kind = st.info[v].kind;
  h.name = st.info[v].name;
  h.via = via;
  bool rev = IsReversedLink(via);
  h.link_from = st.info[rev ? flow_dst : flow_src].id;
  h.link_to = st.info[rev ? flow_src : flow_dst].id;
  return h;
}

PathHop FirstHop(const State& st, uint32_t v) {
  PathHop h;
  h.id = st.info[v].id;
  h.kind = st.info[v].kind;
  h.name = st.info[v].name;
  return h;
}

bool SharesStage(const VInfo& a, const VInfo& b) {
  for (const auto& x : a.stages) {
    for (const auto& y : b.stages) {
      if (x.stage == y.stage) return true;
    }
  }
  return false;
}

}  // namespace

StatusOr<GraphEntity> ValueChainGraph::Entity(std::string_view id) const {
  std::shared_lock lock(rep_->mu);
  const State& st = *rep_->state;
  uint32_t v = VertexOf(st, id);
  if (v == UINT32_MAX) return UnknownEntity(id);
  const VInfo& vi = st.info[v];
  GraphEntity out;
  out.id = vi.id;
  out.kind = vi.kind;
  out.name = vi.name;
  if (vi.province != kNoProvince) out.province_id = rep_->provinces[vi.province]->id;
  for (const StageAssignment& a : vi.stages) {
    out.stages.push_back({rep_->catalog->stage(a.stage).id, a.confidence, a.given});
  }
  for (auto [e, end] = boost::out_edges(v, st.g); e != end; ++e) {
    out.out_degree += IsLinkType(st.g[*e].type);
  }
  for (auto [e, end] = boost::in_edges(v, st.g); e != end; ++e) {
    out.in_degree += IsLinkType(st.g[*e].type);
  }
  return out;
}

StatusOr<NeighbourResult> ValueChainGraph::Neighbours(const NeighbourRequest& req) const {
  if (req.depth < 1 || req.depth > 10) return InvalidArgument("depth must be between 1 and 10");
  const uint32_t mask = graph_scratch::TypeMask(req.types);
  std::shared_lock lock(rep_->mu);
  const State& st = *rep_->state;
  uint32_t start = VertexOf(st, req.id);
  if (start == UINT32_MAX) return UnknownEntity(req.id);
  graph_scratch::Visited& seen = graph_scratch::Visited::ForThread(boost::num_vertices(st.g));
  seen.Mark(start);
  NeighbourResult out;
  std::vector<uint32_t> frontier = {start}, next;
  for (int d = 1; d <= req.depth && !frontier.empty() && !out.truncated; ++d) {
    next.clear();
    for (uint32_t u : frontier) {
      auto visit = [&](uint32_t w, EdgeType t) {
        if (out.truncated || seen.Test(w)) return;
        seen.Mark(w);
        if (st.info[w].kind == VertexKind::kStage) return;
        out.entities.push_back({st.info[w].id, st.info[w].kind, d, t, st.info[u].id});
        next.push_back(w);
        if (out.entities.size() >= req.limit) out.truncated = true;
      };
      if (req.upstream) {
        for (auto [e, end] = boost::in_edges(u, st.g); e != end; ++e) {
          EdgeType t = st.g[*e].type;
          if (mask >> static_cast<int>(t) & 1) visit(boost::source(*e, st.g), t);
        }
      } else {
        for (auto [e, end] = boost::out_edges(u, st.g); e != end; ++e) {
          EdgeType t = st.g[*e].type;
          if (mask >> static_cast<int>(t) & 1) visit(boost::target(*e, st.g), t);
        }
      }
    }
    frontier.swap(next);
  }
  return out;
}

StatusOr<std::vector<PathHop>> ValueChainGraph::ShortestPath(std::string_view from,
                                                             std::string_view to,
                                                             const std::vector<EdgeType>& types,
                                                             int max_hops) const {
  if (max_hops < 1 || max_hops > 20) return InvalidArgument("max_hops must be between 1 and 20");
  const uint32_t mask = graph_scratch::TypeMask(types);
  std::shared_lock lock(rep_->mu);
  const State& st = *rep_->state;
  const uint32_t a = VertexOf(st, from), b = VertexOf(st, to);
  if (a == UINT32_MAX) return UnknownEntity(from);
  if (b == UINT32_MAX) return UnknownEntity(to);
  if (a == b) return std::vector<PathHop>{FirstHop(st, a)};

  // Bidirectional breadth-first search over the typed edges, both ways:
  // each side records, per reached vertex, where it came from and over
  // which edge (per-thread arrays, no allocation per query). The side with
  // the smaller frontier grows by one whole level at a time; the best
  // meeting found in a level is a shortest path.
  graph_scratch::PathScratch& ps = graph_scratch::PathScratch::ForThread(st.info.size());
  constexpr uint8_t kForward = 0x80;  // flow ran prev -> vertex
  ps.Set(0, a, a, 0, 0);
  ps.Set(1, b, b, 0, 0);
  std::vector<uint32_t> frontier[2] = {{a}, {b}};
  int depth[2] = {0, 0};
  uint32_t meet = UINT32_MAX;
  int best = INT32_MAX;
  while (!frontier[0].empty() && !frontier[1].empty() && depth[0] + depth[1] < max_hops) {
    const int s = frontier[0].size() <= frontier[1].size() ? 0 : 1;
    std::vector<uint32_t> next;
    ++depth[s];
    for (uint32_t u : frontier[s]) {
      auto reach = [&](uint32_t w, EdgeType t, bool forward) {
        if (ps.Has(s, w) || st.info[w].kind == VertexKind::kStage) return;
        ps.Set(s, w, u, static_cast<uint8_t>(t) | (forward ? kForward : 0),
               static_cast<uint8_t>(depth[s]));
        next.push_back(w);
        if (ps.Has(1 - s, w) && depth[s] + ps.Dist(1 - s, w) < best) {
          best = depth[s] + ps.Dist(1 - s, w);
          meet = w;
        }
      };
      for (auto [e, end] = boost::out_edges(u, st.g); e != end; ++e) {
        EdgeType t = st.g[*e].type;
        if (mask >> static_cast<int>(t) & 1) reach(boost::target(*e, st.g), t, true);
      }
      for (auto [e, end] = boost::in_edges(u, st.g); e != end; ++e) {
        EdgeType t = st.g[*e].type;
        if (mask >> static_cast<int>(t) & 1) reach(boost::source(*e, st.g), t, false);
      }
    }
    frontier[s].swap(next);
    if (meet != UINT32_MAX) break;
  }
  if (meet == UINT32_MAX || best > max_hops) {
    return NotFound("no path between '" + std::string(from) + "' and '" + std::string(to) +
                    "' within " + std::to_string(max_hops) + " links");
  }
  // The hop into `v` on side `s` (from Prev(s, v)), in flow terms.
  auto hop = [&](int s, uint32_t v, uint32_t shown) {
    const uint32_t prev = ps.Prev(s, v);
    const uint8_t td = ps.TypeDir(s, v);
    const auto t = static_cast<EdgeType>(td & 0x7F);
    const bool forward = (td & kForward) != 0;
    return HopTo(st, shown, t, forward ? prev : v, forward ? v : prev);
  };
  // a ... meet from side 0 (walked back), then meet ... b from side 1.
  std::vector<uint32_t> left;
  for (uint32_t v = meet; v != a; v = ps.Prev(0, v)) left.push_back(v);
  std::reverse(left.begin(), left.end());
  std::vector<PathHop> path = {FirstHop(st, a)};
  for (uint32_t v : left) path.push_back(hop(0, v, v));
  for (uint32_t v = meet; v != b; v = ps.Prev(1, v)) path.push_back(hop(1, v, ps.Prev(1, v)));
  return path;
}

StatusOr<WhatIfResult> ValueChainGraph::WhatIfRemove(std::string_view id,
                                                     size_t replacements) const {
  std::shared_lock lock(rep_->mu);
  const State& st = *rep_->state;
  const uint32_t x = VertexOf(st, id);
  if (x == UINT32_MAX) return UnknownEntity(id);
  const VInfo& xi = st.info[x];
  WhatIfResult out;
  out.removed_id = xi.id;
  std::vector<uint32_t> order;
  std::unordered_map<uint32_t, WhatIfImpact> impacts;
  for (auto [e, end] = boost::out_edges(x, st.g); e != end; ++e) {
    const EdgeType t = st.g[*e].type;
    const uint32_t f = boost::target(*e, st.g);
    if (!IsLinkType(t) || st.info[f].kind != VertexKind::kFacility || f == x) continue;
    auto [it, fresh] = impacts.try_emplace(f);
    if (fresh) order.push_back(f);
    if (std::find(it->second.lost.begin(), it->second.lost.end(), t) == it->second.lost.end()) {
      it->second.lost.push_back(t);
    }
  }
  for (uint32_t f : order) {
    const VInfo& fi = st.info[f];
    WhatIfImpact& imp = impacts[f];
    imp.facility_id = fi.id;
    imp.facility_name = fi.name;
    if (fi.province != kNoProvince) imp.province_id = rep_->provinces[fi.province]->id;
    std::vector<uint32_t> current;
    for (auto [e, end] = boost::in_edges(f, st.g); e != end; ++e) {
      const uint32_t u = boost::source(*e, st.g);
      if (!IsLinkType(st.g[*e].type) || u == x) continue;
      current.push_back(u);
      if (SharesStage(st.info[u], xi)) ++imp.other_sources_same_stage;
    }
    // Replacements: actors of the removed one's kind at its stages, those
    // in or serving the facility's province first, then nearest.
    std::unordered_map<uint32_t, GapCandidate> cands;
    for (const StageAssignment& a : xi.stages) {
      for (uint16_t p = 0; p <= rep_->P(); ++p) {
        for (uint32_t c : st.buckets[a.stage * (rep_->P() + 1) + p]) {
          const VInfo& ci = st.info[c];
          if (c == x || c == f || ci.kind != xi.kind) continue;
          bool serving = p == fi.province || p == rep_->P();
          double d = rep_->DistanceKm(ci.province, fi.province);
          float conf = 0;
          for (const auto& s : ci.stages) {
            if (s.stage == a.stage) conf = s.confidence;
          }
          double score = conf / (1.0 + d / 100.0) + (serving ? 1.0 : 0.0);
          auto [it, fresh] = cands.try_emplace(c);
          if (fresh || score > it->second.score) {
            GapCandidate g;
            g.id = ci.id;
            g.name = ci.name;
            g.kind = ci.kind;
            if (ci.province != kNoProvince) g.province_id = rep_->provinces[ci.province]->id;
            g.distance_km = serving ? 0 : d;
            g.stage_confidence = conf;
            g.score = score;
            it->second = std::move(g);
          }
        }
      }
    }
    for (auto& [c, g] : cands) imp.replacements.push_back(std::move(g));
    std::sort(imp.replacements.begin(), imp.replacements.end(),
              [](const GapCandidate& l, const GapCandidate& r) {
                return l.score != r.score ? l.score > r.score : l.id < r.id;
              });
    if (imp.replacements.size() > replacements) imp.replacements.resize(replacements);
    out.impacts.push_back(std::move(imp));
  }
  return out;
}

namespace {

// Stage closeness of two actors: the best pair of their stages on one chain,
// 1 / (1 + distance) times both confidences; 0 when they share no chain.
double StageCloseness(const ChainCatalog& catalog, const std::vector<StageAssignment>& fstages,
                      const std::vector<StageAssignment>& cstages, uint16_t* best_f,
                      uint16_t* best_c) {
  double best = 0;
  for (const auto& fs : fstages) {
    const ChainCatalog::StagePlace a = catalog.place(fs.stage);
    for (const auto& cs : cstages) {
      const ChainCatalog::StagePlace b = catalog.place(cs.stage);
      if (a.chain != b.chain) continue;
      double s = fs.confidence * cs.confidence /
                 (1.0 + std::abs(static_cast<int>(a.position) - static_cast<int>(b.position)));
      if (s > best) {
        best = s;
        *best_f = fs.stage;
        *best_c = cs.stage;
      }
    }
  }
  return best;
}

}  // namespace

void ValueChainGraph::ChainFitScores(std::string_view facility_id,
                                     const std::vector<std::string_view>& candidate_ids,
                                     double* out, uint32_t* vertex_hints) const {
  std::fill(out, out + candidate_ids.size(), 0.0);
  std::shared_lock lock(rep_->mu);
  const State& st = *rep_->state;
  const uint32_t f = VertexOf(st, facility_id);
  if (f == UINT32_MAX) return;
  // Partner evidence (as in ChainFit): the actors linked to the facility,
  // and those linked to a facility linked to it.
  std::vector<uint32_t> partners;
  auto each_linked = [&](uint32_t u, auto&& fn) {
    for (auto [e, end] = boost::out_edges(u, st.g); e != end; ++e) {
      if (IsLinkType(st.g[*e].type)) fn(static_cast<uint32_t>(boost::target(*e, st.g)));
    }
    for (auto [e, end] = boost::in_edges(u, st.g); e != end; ++e) {
      if (IsLinkType(st.g[*e].type)) fn(static_cast<uint32_t>(boost::source(*e, st.g)));
    }
  };
  each_linked(f, [&](uint32_t p) {
    partners.push_back(p);
    if (st.info[p].kind != VertexKind::kFacility) return;
    each_linked(p, [&](uint32_t q) { partners.push_back(q); });
  });
  std::sort(partners.begin(), partners.end());
  partners.erase(std::unique(partners.begin(), partners.end()), partners.end());
  const auto& fstages = st.info[f].stages;
  // The candidates' vertices first, then their records and stage lists
  // prefetched, then the scores: each candidate's record and stage list is
  // a cache miss of its own, which these passes overlap instead of taking
  // one after another.
  std::vector<uint32_t> vertices(candidate_ids.size());
  if (vertex_hints != nullptr) {
    for (size_t i = 0; i < candidate_ids.size(); ++i) {
      if (vertex_hints[i] < st.info.size()) __builtin_prefetch(&st.info[vertex_hints[i]]);
    }
  }
  for (size_t i = 0; i < candidate_ids.size(); ++i) {
    const uint32_t hint = vertex_hints != nullptr ? vertex_hints[i] : UINT32_MAX;
    const bool held = hint < st.info.size() && hint >= rep_->catalog->stage_count() &&
                      st.info[hint].alive && st.info[hint].id == candidate_ids[i];
    vertices[i] = held ? hint : VertexOf(st, candidate_ids[i]);
    if (vertex_hints != nullptr) vertex_hints[i] = vertices[i];
    if (vertices[i] != UINT32_MAX) __builtin_prefetch(&st.info[vertices[i]].stages);
  }
  for (uint32_t c : vertices) {
    if (c != UINT32_MAX) __builtin_prefetch(st.info[c].stages.data());
  }
  for (size_t i = 0; i < candidate_ids.size(); ++i) {
    const uint32_t c = vertices[i];
    if (c == UINT32_MAX) continue;
    uint16_t best_f = 0, best_c = 0;
    const double stage = StageCloseness(*rep_->catalog, fstages, st.info[c].stages, &best_f, &best_c);
    const double partner = std::binary_search(partners.begin(), partners.end(), c) ? 1.0 : 0.0;
    out[i] = std::clamp(0.6 * stage + 0.4 * partner, 0.0, 1.0);
  }
}

StatusOr<ChainFitResult> ValueChainGraph::ChainFit(std::string_view facility_id,
                                                   std::string_view candidate_id,
                                                   std::string_view need_stage,
                                                   bool with_path) const {
  const ChainStage* given = nullptr;
  if (!need_stage.empty()) {
    given = rep_->catalog->FindStage(need_stage);
    if (given == nullptr) return InvalidArgument("unknown stage '" + std::string(need_stage) + "'");
  }
  std::shared_lock lock(rep_->mu);
  const State& st = *rep_->state;
  const uint32_t f = VertexOf(st, facility_id), c = VertexOf(st, candidate_id);
  if (f == UINT32_MAX) return UnknownEntity(facility_id);
  if (c == UINT32_MAX) return UnknownEntity(candidate_id);
  ChainFitResult out;
  const std::vector<StageAssignment> given_stages =
      given != nullptr ? std::vector<StageAssignment>{{given->index, 1.0f, true}}
                       : std::vector<StageAssignment>{};
  const std::vector<StageAssignment>& fstages = given != nullptr ? given_stages : st.info[f].stages;
  uint16_t best_f = 0, best_c = 0;
  out.stage_component = StageCloseness(*rep_->catalog, fstages, st.info[c].stages, &best_f, &best_c);
  // Partner evidence: the candidate is linked to the facility, or to a
  // facility linked to it.
  std::vector<PathHop> partner_path;
  auto linked = [&](uint32_t u, uint32_t w, PathHop* hop) {
    for (auto [e, end] = boost::out_edges(u, st.g); e != end; ++e) {
      if (boost::target(*e, st.g) == w && IsLinkType(st.g[*e].type)) {
        if (with_path) *hop = HopTo(st, w, st.g[*e].type, u, w);
        return true;
      }
    }
    for (auto [e, end] = boost::in_edges(u, st.g); e != end; ++e) {
      if (boost::source(*e, st.g) == w && IsLinkType(st.g[*e].type)) {
        if (with_path) *hop = HopTo(st, w, st.g[*e].type, w, u);
        return true;
      }
    }
    return false;
  };
  bool partner_found = false;
  PathHop hop;
  if (linked(f, c, &hop)) {
    out.partner_component = 1.0;
    partner_found = true;
    if (with_path) partner_path = {FirstHop(st, f), hop};
  } else {
    auto try_partner = [&](uint32_t p) {
      if (partner_found || p == c || st.info[p].kind != VertexKind::kFacility) return;
      PathHop to_partner, to_cand;
      if (linked(f, p, &to_partner) && linked(p, c, &to_cand)) {
        out.partner_component = 1.0;
        partner_found = true;
        if (with_path) partner_path = {FirstHop(st, f), to_partner, to_cand};
      }
    };
    for (auto [e, end] = boost::out_edges(f, st.g); e != end; ++e) {
      if (IsLinkType(st.g[*e].type)) try_partner(boost::target(*e, st.g));
    }
    for (auto [e, end] = boost::in_edges(f, st.g); e != end; ++e) {
      if (IsLinkType(st.g[*e].type)) try_partner(boost::source(*e, st.g));
    }
  }
  out.score = std::clamp(0.6 * out.stage_component + 0.4 * out.partner_component, 0.0, 1.0);
  if (!with_path) return out;
  if (!partner_path.empty()) {
    out.path = std::move(partner_path);
  } else if (out.stage_component > 0) {
    // facility -in_stage-> its stage [-next_stage-> ... ] <-equips_stage- candidate
    out.path.push_back(FirstHop(st, f));
    PathHop s1 = FirstHop(st, best_f);
    s1.via = EdgeType::kInStage;
    s1.link_from = st.info[f].id;
    s1.link_to = s1.id;
    out.path.push_back(s1);
    if (best_c != best_f) {
      PathHop s2 = FirstHop(st, best_c);
      s2.via = EdgeType::kNextStage;
      s2.link_from = best_f < best_c ? s1.id : s2.id;
      s2.link_to = best_f < best_c ? s2.id : s1.id;
      out.path.push_back(s2);
    }
    PathHop last = FirstHop(st, c);
    last.via = st.info[c].kind == VertexKind::kSupplier ? EdgeType::kEquipsStage
               : st.info[c].kind == VertexKind::kExpert ? EdgeType::kAdvisesStage
                                                        : EdgeType::kInStage;
    last.link_from = last.id;
    last.link_to = st.info[best_c].id;
    out.path.push_back(last);
  }
  return out;
}

}  // namespace ketnoi::engine
