// ValueChainGraph: the value-chain graph of facilities, suppliers, experts
// and chain stages, with the planners' queries (neighbours, chain maps, gaps,
// hubs, typed paths, what-if, clusters) and the chain-fit feature for the
// ranker. Boost.Graph stays behind the pimpl (engine/graph_internal.h is
// private to engine/graph*.cc).
//
// Vertices: every facility, supplier and expert (by record id) and every
// stage of the chain catalog. Edges point the way goods and services flow
// (provider -> receiver), whatever way the link record was written:
//   supplies     A supplies B        A -> B
//   buys_from    A buys from B       B -> A
//   subcontracts A subcontracts B    B -> A (B makes for A)
//   equips       supplier equips F   S -> F
//   advises      expert advises F    E -> F
// plus stage edges: in_stage (facility -> stage), equips_stage (supplier ->
// stage), advises_stage (expert -> stage), each weighted by the stage
// assignment's confidence, and next_stage (stage -> following stage).
// "Upstream" follows edges backwards (who feeds X), "downstream" forwards.
//
// Building and updating: Build() reads the store's records (no lock held
// while reading), infers stages, then swaps the new graph in. The On*
// methods apply one write each and leave the graph equal to a rebuild from
// the store after that write (tested). A link whose endpoint is not (yet)
// known is kept aside and attached when the entity arrives.
//
// Thread safety: all methods are safe to call concurrently. Queries take a
// shared lock, updates an exclusive one; stage inference and store reads
// happen outside the lock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/model.h"

namespace ketnoi::engine {

class ChainCatalog;
struct ChainStage;
class ReferenceData;
class StageInferer;
class Store;

enum class VertexKind : uint8_t { kFacility, kSupplier, kExpert, kStage };
enum class EdgeType : uint8_t {
  kSupplies, kBuysFrom, kEquips, kAdvises, kSubcontracts,  // from links
  kInStage, kEquipsStage, kAdvisesStage, kNextStage,       // from stages
};
std::string_view VertexKindName(VertexKind kind);  // "facility", ..., "stage"
std::string_view EdgeTypeName(EdgeType type);      // "supplies", ..., "next_stage"
bool ParseEdgeType(std::string_view s, EdgeType* out);
// The five link types (the default for traversals).
const std::vector<EdgeType>& LinkEdgeTypes();

struct GraphOptions {
  const ReferenceData* reference = nullptr;  // required; not owned
  const StageInferer* inferer = nullptr;     // required; not owned (holds the catalog)
  // Threads used for stage inference during Build (records are independent).
  int build_threads = 2;
  // Hubs: exact Brandes betweenness up to this many vertices in the
  // analysed subgraph; beyond, an estimate from `betweenness_samples`
  // sampled source vertices (scaled by n / samples). Exact is O(V*E).
  size_t betweenness_exact_limit = 4000;
  size_t betweenness_samples = 128;
  uint64_t random_seed = 42;
};

// One entity as the graph knows it.
struct GraphEntity {
  std::string id;
  VertexKind kind = VertexKind::kFacility;
  std::string name;
  std::string province_id;  // empty when unknown
  struct Stage {
    std::string stage_id;
    float confidence = 0;
    bool given = false;  // from the record's own fields
  };
  std::vector<Stage> stages;
  size_t in_degree = 0, out_degree = 0;  // link edges only
};

// One step of a path: the entity reached, and the link between it and the
// previous step as the record states it ("from <type> to").
struct PathHop {
  std::string id;
  VertexKind kind = VertexKind::kFacility;
  std::string name;
  // Link from the previous hop to this one (unset for the first hop).
  EdgeType via = EdgeType::kSupplies;
  std::string link_from, link_to;  // the link record's endpoints
};

struct NeighbourRequest {
  std::string id;
  int depth = 1;               // 1..10
  bool upstream = true;        // true: who feeds id; false: whom id feeds
  std::vector<EdgeType> types; // empty: the link types
  size_t limit = 1000;         // at most this many entities returned
};
struct Reached {
  std::string id;
  VertexKind kind = VertexKind::kFacility;
  int depth = 0;
  EdgeType via = EdgeType::kSupplies;  // edge that first reached it
  std::string via_id;                  // the entity it was reached from
};
struct NeighbourResult {
  std::vector<Reached> entities;  // by depth, then discovery order
  bool truncated = false;         // limit reached
};

struct ChainMapActor {
  std::string id, name;
  VertexKind kind = VertexKind::kFacility;
  std::string province_id;
  float confidence = 0;
  bool given = false;
  size_t degree = 0;  // link edges
};
enum class GapKind { kNone, kMissing, kSingle };
struct ChainMapStage {
  std::string stage_id;
  std::string name_vi, name_en;
  int position = 0;
  std::vector<ChainMapActor> facilities;  // located in the province
  std::vector<ChainMapActor> suppliers;   // equipping it, located in or serving the province
  std::vector<ChainMapActor> experts;     // advising it, located in the province
  GapKind gap = GapKind::kNone;           // by the count of local facilities
};
struct ChainFlow {
  std::string from_stage, to_stage;  // stage ids (flow direction)
  size_t links = 0;                  // link edges between local actors
};
struct ChainMap {
  std::string chain_id, chain_name_vi, chain_name_en;
  std::string province_id, province_name;
  std::vector<ChainMapStage> stages;  // chain order
  std::vector<ChainFlow> flows;
  size_t inflow_links = 0;   // links into local actors from outside the province
  size_t outflow_links = 0;  // links from local actors to outside the province
  size_t actor_count = 0;    // distinct actors listed
};

struct GapCandidate {
  std::string id, name;
  VertexKind kind = VertexKind::kFacility;
  std::string province_id;
  double distance_km = 0;  // province centroid to the gap's province
  float stage_confidence = 0;
  double score = 0;        // higher first
};
struct Gap {
  std::string stage_id, name_vi, name_en;
  GapKind kind = GapKind::kMissing;
  size_t local_facilities = 0;
  // Facilities at this stage in other provinces, best first.
  std::vector<GapCandidate> candidates;
  // Suppliers able to equip, experts able to advise this stage locally
  // (located in or serving the province first, then nearest).
  std::vector<GapCandidate> enablers;
};
// Re-ranks a gap's candidates in place (e.g. the matcher's scores). The
// default ranks by stage confidence / (1 + distance_km / 100).
using GapRanker = std::function<void(const Gap& gap, const ChainMap& map,
                                     std::vector<GapCandidate>* candidates)>;

struct HubRequest {
  std::string chain;        // empty: all chains
  std::string province;     // empty: all provinces
  size_t top = 10;
};
struct Hub {
  std::string id, name;
  VertexKind kind = VertexKind::kFacility;
  size_t degree = 0;       // link edges within the analysed subgraph
  double betweenness = 0;  // Brandes, undirected, unnormalised
};
struct HubResult {
  std::vector<Hub> by_degree, by_betweenness;
  size_t subgraph_vertices = 0, subgraph_edges = 0;
  bool betweenness_sampled = false;
};

struct WhatIfImpact {
  std::string facility_id, facility_name, province_id;
  std::vector<EdgeType> lost;          // link types through which it was fed
  size_t other_sources_same_stage = 0; // remaining providers at the removed actor's stages
  std::vector<GapCandidate> replacements;  // nearest first
};
struct WhatIfResult {
  std::string removed_id;
  std::vector<WhatIfImpact> impacts;
};

struct Cluster {
  size_t size = 0;
  std::vector<std::string> members;  // up to the request's member limit, sorted
};

struct ChainFitResult {
  double score = 0;              // in [0, 1]
  double stage_component = 0;    // closeness of stages on one chain
  double partner_component = 0;  // candidate already serves the facility or its partners
  std::vector<PathHop> path;     // the explanation ("F -in_stage-> tea.drying ...")
};

struct GraphStats {
  size_t facilities = 0, suppliers = 0, experts = 0, stages = 0;
  size_t link_edges = 0, stage_edges = 0, pending_links = 0;
  size_t approx_bytes = 0;   // estimated from container sizes
  double build_seconds = 0;  // last Build
  uint64_t updates = 0;      // On* calls applied since the last Build
};

class ValueChainGraph {
 public:
  explicit ValueChainGraph(GraphOptions options);
  ~ValueChainGraph();
  ValueChainGraph(const ValueChainGraph&) = delete;
  ValueChainGraph& operator=(const ValueChainGraph&) = delete;

  // Replaces the graph with one built from the store's records.
  Status Build(const Store& store);
  // The same from records in memory (import, tests, benchmarks).
  void BuildFromRecords(const std::vector<Facility>& facilities,
                        const std::vector<Supplier>& suppliers,
                        const std::vector<Expert>& experts, const std::vector<Link>& links);

  // Incremental updates, one per store write.
  void OnFacilityPut(const Facility& f);
  void OnSupplierPut(const Supplier& s);
  void OnExpertPut(const Expert& e);
  void OnLinkPut(const Link& l);
  void OnLinkDelete(const Link& l);
  // Removes the entity; its links wait aside as if their endpoint were unknown.
  void OnEntityDelete(std::string_view id);

  // Queries. NotFound for an unknown id; InvalidArgument for an unknown
  // chain or province (the message lists the known ones) or a bad parameter.
  StatusOr<GraphEntity> Entity(std::string_view id) const;
  StatusOr<NeighbourResult> Neighbours(const NeighbourRequest& req) const;
  // Shortest path over the given link types in either direction (the
  // reason two entities are connected); NotFound when none within max_hops.
  StatusOr<std::vector<PathHop>> ShortestPath(std::string_view from, std::string_view to,
                                              const std::vector<EdgeType>& types = {},
                                              int max_hops = 8) const;
  StatusOr<ChainMap> ChainMapOf(std::string_view chain, std::string_view province) const;
  // Stages with no or one local facility, each with candidates (other
  // provinces' facilities at that stage, nearest first, and suppliers and
  // experts able to equip or advise it), `per_gap` per gap.
  StatusOr<std::vector<Gap>> Gaps(std::string_view chain, std::string_view province,
                                  size_t per_gap = 5, const GapRanker& ranker = nullptr) const;
  StatusOr<HubResult> Hubs(const HubRequest& req) const;
  StatusOr<WhatIfResult> WhatIfRemove(std::string_view id, size_t replacements = 5) const;
  // Connected components over link edges (undirected), largest first;
  // restricted to a chain's actors and/or a province when given.
  StatusOr<std::vector<Cluster>> Clusters(std::string_view chain, std::string_view province,
                                          size_t max_clusters = 50,
                                          size_t max_members = 50) const;
  // Chain fit of a candidate (supplier, expert or facility) for a facility's
  // need: 0.6 x stage closeness (1 / (1 + stage distance) on a shared chain,
  // times both confidences) + 0.4 x partner evidence (1 when the candidate
  // is already linked to the facility or to a facility linked to it). The
  // need's stage, when known (e.g. inferred from the need's text), replaces
  // the facility's stages.
  // `with_path` false leaves ChainFitResult::path empty (the score alone,
  // as the ranker needs for every candidate).
  StatusOr<ChainFitResult> ChainFit(std::string_view facility_id, std::string_view candidate_id,
                                    std::string_view need_stage = {},
                                    bool with_path = true) const;
  // ChainFit(facility_id, candidate_ids[i], {}, false).score for every i,
  // under one read lock and with the facility's stages and partners looked
  // up once (the ranker scores a few hundred candidates per need): out[i] =
  // 0 where either id is unknown. `out` holds candidate_ids.size() values.
  // `vertex_hints` (null, or candidate_ids.size() values, in and out): the
  // vertex a candidate had at an earlier call, UINT32_MAX when not known. A
  // hint is used only when that vertex still holds the candidate (its id,
  // alive), so a stale one (the entity removed, its vertex reused, the graph
  // rebuilt) costs nothing but the lookup it would have saved; the vertex
  // found is written back. Without hints each id is a hash probe into a
  // table of every entity (3.8% of a live match's profile at 100,100
  // suppliers); hinted records are prefetched, then checked.
  void ChainFitScores(std::string_view facility_id,
                      const std::vector<std::string_view>& candidate_ids, double* out,
                      uint32_t* vertex_hints = nullptr) const;

  GraphStats Stats() const;
  // Every vertex, edge and pending link as sorted text lines, independent
  // of insertion order: two graphs with equal dumps are equal.
  std::string CanonicalDump() const;

  const ChainCatalog& catalog() const;

  // Opaque representation (engine/graph_internal.h, private to graph*.cc).
  struct Rep;

 private:
  std::unique_ptr<Rep> rep_;
};

}  // namespace ketnoi::engine
