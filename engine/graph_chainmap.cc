// ValueChainGraph: the chain map of a sector in a province, and its gaps.
#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "engine/graph_internal.h"
#include "engine/graph_scratch.h"

namespace ketnoi::engine {

using graph_internal::IsLinkType;
using graph_internal::kNoProvince;
using graph_internal::State;
using graph_internal::VInfo;

namespace {

float ConfidenceAt(const VInfo& vi, uint16_t stage, bool* given) {
  for (const auto& a : vi.stages) {
    if (a.stage == stage) {
      if (given != nullptr) *given = a.given;
      return a.confidence;
    }
  }
  return 0;
}

void SortActors(std::vector<ChainMapActor>* actors) {
  std::sort(actors->begin(), actors->end(), [](const ChainMapActor& a, const ChainMapActor& b) {
    if (a.confidence != b.confidence) return a.confidence > b.confidence;
    if (a.degree != b.degree) return a.degree > b.degree;
    return a.id < b.id;
  });
}

void SortCandidates(std::vector<GapCandidate>* c) {
  std::sort(c->begin(), c->end(), [](const GapCandidate& a, const GapCandidate& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
}

// REQUIRES: rep.mu held.
ChainMap BuildChainMap(const ValueChainGraph::Rep& rep, const State& st, const Chain& chain,
                       uint16_t p) {
  ChainMap map;
  map.chain_id = chain.id;
  map.chain_name_vi = chain.name.vi;
  map.chain_name_en = chain.name.en;
  map.province_id = rep.provinces[p]->id;
  map.province_name = rep.provinces[p]->name;
  const size_t width = rep.P() + 1;
  // Actors listed so far (distinct across stages), without a per-call set.
  graph_scratch::Visited& listed = graph_scratch::Visited::ForThread(st.info.size());
  // Local facilities and the positions of their stages on this chain.
  std::unordered_map<uint32_t, std::vector<int>> local;
  for (const ChainStage& cs : chain.stages) {
    ChainMapStage out;
    out.stage_id = cs.id;
    out.name_vi = cs.name.vi;
    out.name_en = cs.name.en;
    out.position = cs.position;
    for (size_t b : {cs.index * width + p, cs.index * width + rep.P()}) {
      const bool nationwide_slot = b != cs.index * width + p;
      for (uint32_t v : st.buckets[b]) {
        const VInfo& vi = st.info[v];
        if (vi.kind != VertexKind::kSupplier && vi.province != p) continue;
        // A nationwide supplier also filed under this province: listed once.
        if (nationwide_slot && (vi.province == p || std::binary_search(vi.serves.begin(),
                                                                       vi.serves.end(), p))) {
          continue;
        }
        ChainMapActor a;
        a.id = vi.id;
        a.name = vi.name;
        a.kind = vi.kind;
        if (vi.province != kNoProvince) a.province_id = rep.provinces[vi.province]->id;
        a.confidence = ConfidenceAt(vi, cs.index, &a.given);
        a.degree = rep.LinkDegree(st, v);
        if (!listed.Test(v)) {
          listed.Mark(v);
          ++map.actor_count;
        }
        switch (vi.kind) {
          case VertexKind::kFacility:
            local[v].push_back(cs.position);
            out.facilities.push_back(std::move(a));
            break;
          case VertexKind::kSupplier: out.suppliers.push_back(std::move(a)); break;
          case VertexKind::kExpert: out.experts.push_back(std::move(a)); break;
          case VertexKind::kStage: break;
        }
      }
    }
    SortActors(&out.facilities);
    SortActors(&out.suppliers);
    SortActors(&out.experts);
    out.gap = out.facilities.empty()        ? GapKind::kMissing
              : out.facilities.size() == 1 ? GapKind::kSingle
                                           : GapKind::kNone;
    map.stages.push_back(std::move(out));
  }
  // Flows between the stages of linked local facilities, and links that
  // cross the province border.
  std::map<std::pair<int, int>, size_t> flows;
  for (const auto& [v, positions] : local) {
    for (auto [e, end] = boost::out_edges(v, st.g); e != end; ++e) {
      if (!IsLinkType(st.g[*e].type)) continue;
      const uint32_t w = boost::target(*e, st.g);
      auto it = local.find(w);
      if (it != local.end()) {
        for (int a : positions) {
          for (int b : it->second) ++flows[{a, b}];
        }
      } else if (st.info[w].province != p) {
        ++map.outflow_links;
      }
    }
    for (auto [e, end] = boost::in_edges(v, st.g); e != end; ++e) {
      if (!IsLinkType(st.g[*e].type)) continue;
      const uint32_t u = boost::source(*e, st.g);
      if (!local.count(u) && st.info[u].province != p) ++map.inflow_links;
    }
  }
  for (const auto& [key, n] : flows) {
    map.flows.push_back({chain.stages[key.first].id, chain.stages[key.second].id, n});
  }
  return map;
}

}  // namespace

StatusOr<ChainMap> ValueChainGraph::ChainMapOf(std::string_view chain,
                                               std::string_view province) const {
  auto c = rep_->ResolveChain(chain);
  if (!c.ok()) return c.status();
  auto p = rep_->ResolveProvince(province);
  if (!p.ok()) return p.status();
  std::shared_lock lock(rep_->mu);
  return BuildChainMap(*rep_, *rep_->state, **c, *p);
}

StatusOr<std::vector<Gap>> ValueChainGraph::Gaps(std::string_view chain,
                                                 std::string_view province, size_t per_gap,
                                                 const GapRanker& ranker) const {
  auto c = rep_->ResolveChain(chain);
  if (!c.ok()) return c.status();
  auto pr = rep_->ResolveProvince(province);
  if (!pr.ok()) return pr.status();
  const uint16_t p = *pr;
  std::shared_lock lock(rep_->mu);
  const State& st = *rep_->state;
  ChainMap map = BuildChainMap(*rep_, st, **c, p);
  // Other provinces, nearest first.
  std::vector<uint16_t> near;
  for (uint16_t q = 0; q < rep_->P(); ++q) {
    if (q != p) near.push_back(q);
  }
  std::sort(near.begin(), near.end(), [&](uint16_t a, uint16_t b) {
    return rep_->DistanceKm(p, a) < rep_->DistanceKm(p, b);
  });
  const size_t width = rep_->P() + 1;
  std::vector<Gap> gaps;
  for (size_t i = 0; i < map.stages.size(); ++i) {
    const ChainMapStage& ms = map.stages[i];
    if (ms.gap == GapKind::kNone) continue;
    const ChainStage& cs = (*c)->stages[i];
    Gap gap;
    gap.stage_id = ms.stage_id;
    gap.name_vi = ms.name_vi;
    gap.name_en = ms.name_en;
    gap.kind = ms.gap;
    gap.local_facilities = ms.facilities.size();
    auto candidate = [&](uint32_t v, double d) {
      const VInfo& vi = st.info[v];
      GapCandidate g;
      g.id = vi.id;
      g.name = vi.name;
      g.kind = vi.kind;
      if (vi.province != kNoProvince) g.province_id = rep_->provinces[vi.province]->id;
      g.distance_km = d;
      g.stage_confidence = ConfidenceAt(vi, cs.index, nullptr);
      g.score = g.stage_confidence / (1.0 + d / 100.0);
      return g;
    };
    // Facilities in the nearest provinces; gather a few more than asked so
    // that a ranker has a choice, stopping at the first province beyond.
    const size_t want = per_gap * 3;
    std::unordered_set<uint32_t> enabler_seen;
    for (const ChainMapActor& a : ms.suppliers) {
      enabler_seen.insert(st.by_id.at(a.id));
      gap.enablers.push_back(candidate(st.by_id.at(a.id), 0));
      gap.enablers.back().score += 1.0;  // located in or serving the province
    }
    for (const ChainMapActor& a : ms.experts) {
      enabler_seen.insert(st.by_id.at(a.id));
      gap.enablers.push_back(candidate(st.by_id.at(a.id), 0));
      gap.enablers.back().score += 1.0;
    }
    for (uint16_t q : near) {
      const double d = rep_->DistanceKm(p, q);
      for (uint32_t v : st.buckets[cs.index * width + q]) {
        const VInfo& vi = st.info[v];
        if (vi.province != q) continue;  // a supplier filed under a served province
        if (vi.kind == VertexKind::kFacility) {
          if (gap.candidates.size() < want) gap.candidates.push_back(candidate(v, d));
        } else if (gap.enablers.size() < want && enabler_seen.insert(v).second) {
          gap.enablers.push_back(candidate(v, d));
        }
      }
      if (gap.candidates.size() >= want && gap.enablers.size() >= want) break;
    }
    SortCandidates(&gap.candidates);
    SortCandidates(&gap.enablers);
    if (ranker) ranker(gap, map, &gap.candidates);
    if (gap.candidates.size() > per_gap) gap.candidates.resize(per_gap);
    if (gap.enablers.size() > per_gap) gap.enablers.resize(per_gap);
    gaps.push_back(std::move(gap));
  }
  return gaps;
}

}  // namespace ketnoi::engine
