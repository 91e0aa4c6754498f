// ValueChainGraph: construction, incremental updates, stats. Bulk builds
// live in graph_build.cc, queries in graph_queries.cc and graph_analytics.cc.
#include <algorithm>
#include <mutex>

#include <nlohmann/json.hpp>

#include "engine/graph_internal.h"

namespace ketnoi::engine {

using graph_internal::Edge;
using graph_internal::EdgeProp;
using graph_internal::IsLinkType;
using graph_internal::IsReversedLink;
using graph_internal::kNoProvince;
using graph_internal::Prepared;
using graph_internal::State;
using graph_internal::Vertex;
using graph_internal::VInfo;

namespace {
constexpr EdgeType kAllTypes[] = {
    EdgeType::kSupplies,     EdgeType::kBuysFrom,  EdgeType::kEquips,
    EdgeType::kAdvises,      EdgeType::kSubcontracts, EdgeType::kInStage,
    EdgeType::kEquipsStage,  EdgeType::kAdvisesStage, EdgeType::kNextStage};

EdgeType StageEdgeFor(VertexKind kind) {
  switch (kind) {
    case VertexKind::kSupplier: return EdgeType::kEquipsStage;
    case VertexKind::kExpert: return EdgeType::kAdvisesStage;
    default: return EdgeType::kInStage;
  }
}

float LinkWeight(const Link& l) {
  if (l.extra_json.size() <= 2 || l.extra_json.find("weight") == std::string::npos) return 1.0f;
  auto j = nlohmann::json::parse(l.extra_json, nullptr, false);
  if (j.is_object()) {
    auto it = j.find("weight");
    if (it != j.end() && it->is_number()) return it->get<float>();
  }
  return 1.0f;
}

static_assert(static_cast<int>(EdgeType::kSubcontracts) == static_cast<int>(LinkType::kSubcontracts) &&
                  static_cast<int>(EdgeType::kBuysFrom) == static_cast<int>(LinkType::kBuysFrom) &&
                  static_cast<int>(EdgeType::kEquips) == static_cast<int>(LinkType::kEquips) &&
                  static_cast<int>(EdgeType::kAdvises) == static_cast<int>(LinkType::kAdvises),
              "link edge types mirror LinkType");

bool SameLink(const Link& a, const Link& b) {
  return a.from == b.from && a.to == b.to && a.type == b.type;
}
}  // namespace

std::string_view VertexKindName(VertexKind kind) {
  switch (kind) {
    case VertexKind::kFacility: return "facility";
    case VertexKind::kSupplier: return "supplier";
    case VertexKind::kExpert: return "expert";
    case VertexKind::kStage: return "stage";
  }
  return "facility";
}

std::string_view EdgeTypeName(EdgeType type) {
  switch (type) {
    case EdgeType::kSupplies: return "supplies";
    case EdgeType::kBuysFrom: return "buys_from";
    case EdgeType::kEquips: return "equips";
    case EdgeType::kAdvises: return "advises";
    case EdgeType::kSubcontracts: return "subcontracts";
    case EdgeType::kInStage: return "in_stage";
    case EdgeType::kEquipsStage: return "equips_stage";
    case EdgeType::kAdvisesStage: return "advises_stage";
    case EdgeType::kNextStage: return "next_stage";
  }
  return "supplies";
}

bool ParseEdgeType(std::string_view s, EdgeType* out) {
  for (EdgeType t : kAllTypes) {
    if (EdgeTypeName(t) == s) {
      *out = t;
      return true;
    }
  }
  return false;
}

const std::vector<EdgeType>& LinkEdgeTypes() {
  static const std::vector<EdgeType> kLinks = {EdgeType::kSupplies, EdgeType::kBuysFrom,
                                               EdgeType::kEquips, EdgeType::kAdvises,
                                               EdgeType::kSubcontracts};
  return kLinks;
}

// ---- Rep: constant helpers ----

uint16_t ValueChainGraph::Rep::ProvinceIndex(const std::string& province_id) const {
  auto it = province_index.find(province_id);
  return it == province_index.end() ? kNoProvince : it->second;
}

StatusOr<uint16_t> ValueChainGraph::Rep::ResolveProvince(std::string_view written) const {
  auto r = options.reference->ResolveProvince(written);
  if (r.ok() && r->province != nullptr) {
    uint16_t p = ProvinceIndex(r->province->id);
    if (p != kNoProvince) return p;
  }
  std::string known;
  for (const Province* p : provinces) {
    if (!known.empty()) known += ", ";
    known += p->name;
  }
  return InvalidArgument("unknown province '" + std::string(written) +
                         "'; known provinces: " + known);
}

StatusOr<const Chain*> ValueChainGraph::Rep::ResolveChain(std::string_view written) const {
  return catalog->ResolveChain(written);
}

double ValueChainGraph::Rep::DistanceKm(uint16_t a, uint16_t b) const {
  if (a == kNoProvince || b == kNoProvince) return 1e6;
  if (a == b) return 0;
  return ReferenceData::DistanceKm(provinces[a]->lat, provinces[a]->lon, provinces[b]->lat,
                                   provinces[b]->lon);
}

Prepared ValueChainGraph::Rep::Prepare(const Facility& f) const {
  Prepared p;
  p.id = f.id;
  p.name = f.name;
  p.kind = VertexKind::kFacility;
  p.province = ProvinceIndex(f.province_id);
  p.stages = options.inferer->ForFacility(f);
  return p;
}

Prepared ValueChainGraph::Rep::Prepare(const Supplier& s) const {
  Prepared p;
  p.id = s.id;
  p.name = s.name;
  p.kind = VertexKind::kSupplier;
  p.province = ProvinceIndex(s.province_id);
  p.nationwide = s.nationwide;
  for (const std::string& id : s.serves_ids) {
    uint16_t pi = ProvinceIndex(id);
    if (pi != kNoProvince && std::find(p.serves.begin(), p.serves.end(), pi) == p.serves.end()) {
      p.serves.push_back(pi);
    }
  }
  std::sort(p.serves.begin(), p.serves.end());
  p.stages = options.inferer->ForSupplier(s);
  return p;
}

Prepared ValueChainGraph::Rep::Prepare(const Expert& e) const {
  Prepared p;
  p.id = e.id;
  p.name = e.name;
  p.kind = VertexKind::kExpert;
  p.province = ProvinceIndex(e.province_id);
  p.stages = options.inferer->ForExpert(e);
  return p;
}

// ---- Rep: state mutation (REQUIRES exclusive access) ----

void ValueChainGraph::Rep::InitState(State* st) const {
  const size_t n = catalog->stage_count();
  for (size_t i = 0; i < n; ++i) {
    boost::add_vertex(st->g);
    VInfo vi;
    vi.id = catalog->stage(i).id;
    vi.name = catalog->stage(i).name.vi;
    vi.kind = VertexKind::kStage;
    vi.alive = true;
    st->info.push_back(std::move(vi));
  }
  for (size_t i = 0; i + 1 < n; ++i) {
    if (catalog->stage(i).chain_id == catalog->stage(i + 1).chain_id) {
      boost::add_edge(i, i + 1, EdgeProp{EdgeType::kNextStage, 1.0f}, st->g);
    }
  }
  st->buckets.assign(n * (P() + 1), {});
}

std::vector<size_t> ValueChainGraph::Rep::BucketsOf(const VInfo& vi, uint16_t stage) const {
  std::vector<size_t> out;
  const size_t base = static_cast<size_t>(stage) * (P() + 1);
  if (vi.province != kNoProvince) out.push_back(base + vi.province);
  if (vi.kind == VertexKind::kSupplier) {
    for (uint16_t p : vi.serves) {
      if (p != vi.province) out.push_back(base + p);
    }
    if (vi.nationwide) out.push_back(base + P());
  }
  return out;
}

void ValueChainGraph::Rep::ClearStages(State* st, uint32_t v) const {
  VInfo& vi = st->info[v];
  for (const StageAssignment& a : vi.stages) {
    for (size_t b : BucketsOf(vi, a.stage)) {
      auto& bucket = st->buckets[b];
      auto it = std::find(bucket.begin(), bucket.end(), v);
      if (it != bucket.end()) {
        *it = bucket.back();
        bucket.pop_back();
      }
    }
  }
  size_t before = boost::out_degree(v, st->g);
  boost::remove_out_edge_if(
      v, [&](const Edge& e) { return !IsLinkType(st->g[e].type); }, st->g);
  st->stage_edges -= before - boost::out_degree(v, st->g);
  vi.stages.clear();
}

void ValueChainGraph::Rep::PutEntity(State* st, Prepared p) const {
  uint32_t v;
  auto it = st->by_id.find(p.id);
  bool fresh = it == st->by_id.end();
  if (fresh) {
    if (!st->free_vertices.empty()) {
      v = st->free_vertices.back();
      st->free_vertices.pop_back();
    } else {
      v = static_cast<uint32_t>(boost::add_vertex(st->g));
      st->info.emplace_back();
    }
    st->by_id.emplace(p.id, v);
  } else {
    v = it->second;
    ClearStages(st, v);
  }
  VInfo& vi = st->info[v];
  vi.id = std::move(p.id);
  vi.name = std::move(p.name);
  vi.kind = p.kind;
  vi.alive = true;
  vi.province = p.province;
  vi.nationwide = p.nationwide;
  vi.serves = std::move(p.serves);
  vi.stages = std::move(p.stages);
  for (const StageAssignment& a : vi.stages) {
    boost::add_edge(v, a.stage, EdgeProp{StageEdgeFor(vi.kind), a.confidence}, st->g);
    ++st->stage_edges;
    for (size_t b : BucketsOf(vi, a.stage)) st->buckets[b].push_back(v);
  }
  if (fresh) {
    auto pit = st->pending.find(vi.id);
    if (pit != st->pending.end()) {
      std::vector<Link> waiting = std::move(pit->second);
      st->pending.erase(pit);
      st->pending_count -= waiting.size();
      for (const Link& l : waiting) PutLink(st, l, /*check_duplicate=*/true);
    }
  }
}

void ValueChainGraph::Rep::PutLink(State* st, const Link& l, bool check_duplicate) const {
  auto from = st->by_id.find(l.from);
  auto to = st->by_id.find(l.to);
  if (from == st->by_id.end() || to == st->by_id.end()) {
    const std::string& missing = from == st->by_id.end() ? l.from : l.to;
    auto& list = st->pending[missing];
    for (const Link& x : list) {
      if (SameLink(x, l)) return;
    }
    list.push_back(l);
    ++st->pending_count;
    return;
  }
  const auto type = static_cast<EdgeType>(l.type);
  uint32_t src = from->second, dst = to->second;
  if (IsReversedLink(type)) std::swap(src, dst);
  if (check_duplicate) {
    for (auto [e, end] = boost::out_edges(src, st->g); e != end; ++e) {
      if (boost::target(*e, st->g) == dst && st->g[*e].type == type) {
        st->g[*e].weight = LinkWeight(l);
        return;
      }
    }
  }
  boost::add_edge(src, dst, EdgeProp{type, LinkWeight(l)}, st->g);
  ++st->link_edges;
  ++st->info[src].link_degree;
  ++st->info[dst].link_degree;
}

void ValueChainGraph::Rep::DeleteLink(State* st, const Link& l) const {
  auto from = st->by_id.find(l.from);
  auto to = st->by_id.find(l.to);
  if (from == st->by_id.end() || to == st->by_id.end()) {
    for (const std::string* id : {&l.from, &l.to}) {
      auto it = st->pending.find(*id);
      if (it == st->pending.end()) continue;
      auto& list = it->second;
      size_t before = list.size();
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const Link& x) { return SameLink(x, l); }),
                 list.end());
      st->pending_count -= before - list.size();
      if (list.empty()) st->pending.erase(it);
    }
    return;
  }
  const auto type = static_cast<EdgeType>(l.type);
  uint32_t src = from->second, dst = to->second;
  if (IsReversedLink(type)) std::swap(src, dst);
  size_t before = boost::out_degree(src, st->g);
  boost::remove_out_edge_if(
      src,
      [&](const Edge& e) { return boost::target(e, st->g) == dst && st->g[e].type == type; },
      st->g);
  const size_t removed = before - boost::out_degree(src, st->g);
  st->link_edges -= removed;
  st->info[src].link_degree -= removed;
  st->info[dst].link_degree -= removed;
}

void ValueChainGraph::Rep::DeleteEntity(State* st, std::string_view id) const {
  auto it = st->by_id.find(std::string(id));
  if (it == st->by_id.end()) return;
  const uint32_t v = it->second;
  ClearStages(st, v);
  // The entity's links wait aside, as they would in a rebuild from a store
  // that still holds them.
  std::vector<Link> orphaned;
  auto keep = [&](const Edge& e, uint32_t src, uint32_t dst) {
    const EdgeType t = st->g[e].type;
    if (!IsLinkType(t)) return;
    --st->info[src == v ? dst : src].link_degree;
    Link l;
    l.type = static_cast<LinkType>(t);
    l.from = st->info[IsReversedLink(t) ? dst : src].id;
    l.to = st->info[IsReversedLink(t) ? src : dst].id;
    if (st->g[e].weight != 1.0f) {
      l.extra_json = "{\"weight\":" + std::to_string(st->g[e].weight) + "}";
    }
    orphaned.push_back(std::move(l));
  };
  for (auto [e, end] = boost::out_edges(v, st->g); e != end; ++e) {
    keep(*e, v, static_cast<uint32_t>(boost::target(*e, st->g)));
  }
  for (auto [e, end] = boost::in_edges(v, st->g); e != end; ++e) {
    keep(*e, static_cast<uint32_t>(boost::source(*e, st->g)), v);
  }
  st->link_edges -= orphaned.size();
  boost::clear_vertex(v, st->g);
  VInfo& vi = st->info[v];
  vi = VInfo();
  st->by_id.erase(it);
  st->free_vertices.push_back(v);
  for (const Link& l : orphaned) PutLink(st, l, /*check_duplicate=*/false);
}

// ---- ValueChainGraph ----

ValueChainGraph::ValueChainGraph(GraphOptions options) : rep_(std::make_unique<Rep>()) {
  rep_->options = options;
  rep_->catalog = &options.inferer->catalog();
  const auto& provs = options.reference->Provinces();
  for (size_t i = 0; i < provs.size(); ++i) {
    rep_->provinces.push_back(&provs[i]);
    rep_->province_index.emplace(provs[i].id, static_cast<uint16_t>(i));
  }
  rep_->state = std::make_unique<State>();
  rep_->InitState(rep_->state.get());
}

ValueChainGraph::~ValueChainGraph() = default;

const ChainCatalog& ValueChainGraph::catalog() const { return *rep_->catalog; }

void ValueChainGraph::OnFacilityPut(const Facility& f) {
  Prepared p = rep_->Prepare(f);
  std::unique_lock lock(rep_->mu);
  rep_->PutEntity(rep_->state.get(), std::move(p));
  ++rep_->state->updates;
}

void ValueChainGraph::OnSupplierPut(const Supplier& s) {
  Prepared p = rep_->Prepare(s);
  std::unique_lock lock(rep_->mu);
  rep_->PutEntity(rep_->state.get(), std::move(p));
  ++rep_->state->updates;
}

void ValueChainGraph::OnExpertPut(const Expert& e) {
  Prepared p = rep_->Prepare(e);
  std::unique_lock lock(rep_->mu);
  rep_->PutEntity(rep_->state.get(), std::move(p));
  ++rep_->state->updates;
}

void ValueChainGraph::OnLinkPut(const Link& l) {
  std::unique_lock lock(rep_->mu);
  rep_->PutLink(rep_->state.get(), l, /*check_duplicate=*/true);
  ++rep_->state->updates;
}

void ValueChainGraph::OnLinkDelete(const Link& l) {
  std::unique_lock lock(rep_->mu);
  rep_->DeleteLink(rep_->state.get(), l);
  ++rep_->state->updates;
}

void ValueChainGraph::OnEntityDelete(std::string_view id) {
  std::unique_lock lock(rep_->mu);
  rep_->DeleteEntity(rep_->state.get(), id);
  ++rep_->state->updates;
}

GraphStats ValueChainGraph::Stats() const {
  std::shared_lock lock(rep_->mu);
  const State& st = *rep_->state;
  GraphStats s;
  for (const VInfo& vi : st.info) {
    if (!vi.alive) continue;
    switch (vi.kind) {
      case VertexKind::kFacility: ++s.facilities; break;
      case VertexKind::kSupplier: ++s.suppliers; break;
      case VertexKind::kExpert: ++s.experts; break;
      case VertexKind::kStage: ++s.stages; break;
    }
  }
  s.link_edges = st.link_edges;
  s.stage_edges = st.stage_edges;
  s.pending_links = st.pending_count;
  s.build_seconds = st.build_seconds;
  s.updates = st.updates;
  // Boost bidirectional adjacency_list: one list node per edge (two
  // pointers, two vertex ids, the property, allocator header) plus an
  // out-edge and an in-edge entry (target + list iterator).
  const size_t edges = boost::num_edges(st.g);
  size_t bytes = edges * (2 * sizeof(void*) + 2 * sizeof(size_t) + sizeof(EdgeProp) + 16);
  bytes += edges * 2 * (sizeof(size_t) + sizeof(void*));
  bytes += boost::num_vertices(st.g) * (2 * 3 * sizeof(void*));
  for (const VInfo& vi : st.info) {
    bytes += sizeof(VInfo);
    if (vi.id.capacity() > 15) bytes += vi.id.capacity();
    if (vi.name.capacity() > 15) bytes += vi.name.capacity();
    bytes += vi.serves.capacity() * sizeof(uint16_t) +
             vi.stages.capacity() * sizeof(StageAssignment);
  }
  bytes += st.by_id.size() * (sizeof(std::string) + sizeof(uint32_t) + 2 * sizeof(void*)) +
           st.by_id.bucket_count() * sizeof(void*);
  for (const auto& b : st.buckets) bytes += sizeof(b) + b.capacity() * sizeof(uint32_t);
  s.approx_bytes = bytes;
  return s;
}

std::string ValueChainGraph::CanonicalDump() const {
  std::shared_lock lock(rep_->mu);
  const State& st = *rep_->state;
  std::vector<std::string> lines;
  for (const VInfo& vi : st.info) {
    if (!vi.alive) continue;
    std::string line = "V " + vi.id + " " + std::string(VertexKindName(vi.kind)) + " " + vi.name +
                       " p=" + std::to_string(vi.province) + " nw=" +
                       std::to_string(vi.nationwide) + " d=" + std::to_string(vi.link_degree) +
                       " serves=";
    for (uint16_t p : vi.serves) line += std::to_string(p) + ",";
    line += " stages=";
    for (const StageAssignment& a : vi.stages) {
      line += std::to_string(a.stage) + ":" + std::to_string(a.confidence) + ",";
    }
    lines.push_back(std::move(line));
  }
  for (auto [e, end] = boost::edges(st.g); e != end; ++e) {
    lines.push_back("E " + st.info[boost::source(*e, st.g)].id + " " +
                    std::string(EdgeTypeName(st.g[*e].type)) + " " +
                    st.info[boost::target(*e, st.g)].id + " " + std::to_string(st.g[*e].weight));
  }
  for (const auto& [missing, list] : st.pending) {
    for (const Link& l : list) {
      lines.push_back("P " + l.from + " " + std::string(LinkTypeName(l.type)) + " " + l.to);
    }
  }
  for (size_t b = 0; b < st.buckets.size(); ++b) {
    std::vector<std::string> ids;
    for (uint32_t v : st.buckets[b]) ids.push_back(st.info[v].id);
    std::sort(ids.begin(), ids.end());
    if (!ids.empty()) {
      std::string line = "B " + std::to_string(b);
      for (const auto& id : ids) line += " " + id;
      lines.push_back(std::move(line));
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace ketnoi::engine
