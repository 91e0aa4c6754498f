// PRIVATE to engine/graph*.cc: the representation behind ValueChainGraph.
// Holds the Boost.Graph types; never include it from a public header.
#pragma once

#include <chrono>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "engine/chains.h"
#include "engine/graph.h"
#include "engine/reference.h"
#include "engine/stage_infer.h"

namespace ketnoi::engine::graph_internal {

inline constexpr uint16_t kNoProvince = 0xFFFF;

struct EdgeProp {
  EdgeType type = EdgeType::kSupplies;
  float weight = 1.0f;
};

// Directed, with in-edge lists (upstream walks). Vertex descriptors are
// stable: vertices are never removed from the Boost graph, only retired
// and reused (VInfo::alive).
using BGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                     boost::no_property, EdgeProp>;
using Vertex = BGraph::vertex_descriptor;
using Edge = BGraph::edge_descriptor;

struct VInfo {
  std::string id;
  std::string name;
  VertexKind kind = VertexKind::kFacility;
  bool alive = false;
  bool nationwide = false;            // supplier serving every province
  uint16_t province = kNoProvince;    // index into Rep::provinces
  uint32_t link_degree = 0;           // link edges in + out (kept by PutLink/DeleteLink)
  std::vector<uint16_t> serves;       // supplier: served province indexes
  std::vector<StageAssignment> stages;
};

inline bool IsLinkType(EdgeType t) { return static_cast<int>(t) <= 4; }
// buys_from and subcontracts point against the flow of goods.
inline bool IsReversedLink(EdgeType t) {
  return t == EdgeType::kBuysFrom || t == EdgeType::kSubcontracts;
}

// Everything that Build replaces at once; guarded by Rep::mu.
struct State {
  BGraph g;
  std::vector<VInfo> info;  // by vertex; the first catalog.stage_count() are the stages
  std::unordered_map<std::string, uint32_t> by_id;  // entities only
  std::vector<uint32_t> free_vertices;
  // Actors per (stage, province): index stage * (P + 1) + province, where
  // province P collects nationwide suppliers.
  std::vector<std::vector<uint32_t>> buckets;
  // Links whose endpoint is unknown, filed under the missing id.
  std::unordered_map<std::string, std::vector<Link>> pending;
  size_t pending_count = 0;
  size_t link_edges = 0;
  size_t stage_edges = 0;
  double build_seconds = 0;
  uint64_t updates = 0;
};

// A record ready to enter the graph (stages already inferred).
struct Prepared {
  std::string id, name;
  VertexKind kind = VertexKind::kFacility;
  uint16_t province = kNoProvince;
  bool nationwide = false;
  std::vector<uint16_t> serves;
  std::vector<StageAssignment> stages;
};

}  // namespace ketnoi::engine::graph_internal

namespace ketnoi::engine {

struct ValueChainGraph::Rep {
  using State = graph_internal::State;
  using Prepared = graph_internal::Prepared;
  using VInfo = graph_internal::VInfo;

  GraphOptions options;
  const ChainCatalog* catalog = nullptr;
  // Constant after construction.
  std::vector<const Province*> provinces;
  std::unordered_map<std::string, uint16_t> province_index;

  mutable std::shared_mutex mu;
  std::unique_ptr<State> state;  // guarded by mu

  size_t P() const { return provinces.size(); }
  uint16_t ProvinceIndex(const std::string& province_id) const;
  // InvalidArgument listing the known provinces when `written` is unknown.
  StatusOr<uint16_t> ResolveProvince(std::string_view written) const;
  StatusOr<const Chain*> ResolveChain(std::string_view written) const;
  double DistanceKm(uint16_t a, uint16_t b) const;

  Prepared Prepare(const Facility& f) const;
  Prepared Prepare(const Supplier& s) const;
  Prepared Prepare(const Expert& e) const;

  // Builds a new state from prepared entities and links (engine/graph_build.cc)
  // and swaps it in under the exclusive lock; build_seconds counts from `start`.
  void Assemble(std::vector<Prepared> prepared, const std::vector<Link>& links,
                std::chrono::steady_clock::time_point start);

  // REQUIRES: mu held exclusively (or `st` not yet shared).
  void InitState(State* st) const;
  void PutEntity(State* st, Prepared p) const;
  void DeleteEntity(State* st, std::string_view id) const;
  // `check_duplicate`: false only in bulk builds over unique links.
  void PutLink(State* st, const Link& l, bool check_duplicate) const;
  void DeleteLink(State* st, const Link& l) const;
  void ClearStages(State* st, uint32_t v) const;
  std::vector<size_t> BucketsOf(const VInfo& vi, uint16_t stage) const;

  // Read helpers. REQUIRES: mu held (shared is enough).
  const graph_internal::VInfo* Find(const State& st, std::string_view id) const;
  size_t LinkDegree(const State& st, uint32_t v) const;
};

}  // namespace ketnoi::engine
