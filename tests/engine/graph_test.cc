// ValueChainGraph: every query on a small hand-built tea chain with known
// answers, and incremental updates equal to a rebuild.
#include "engine/graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "engine/chains.h"
#include "engine/stage_infer.h"
#include "tests/engine/test_util.h"

namespace ketnoi::engine {
namespace {

using testing_util::Ref;

const ChainCatalog& Catalog() {
  static const ChainCatalog* cat = [] {
    auto c = ChainCatalog::LoadDir(DefaultChainsDir());
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return new ChainCatalog(std::move(c).value());
  }();
  return *cat;
}

Facility Fac(const std::string& id, const std::string& province_id, const std::string& stage) {
  Facility f;
  f.id = id;
  f.name = "Facility " + id;
  f.province_id = province_id;
  f.extra_json = "{\"stage\":\"" + stage + "\"}";
  return f;
}

Link L(const std::string& from, LinkType type, const std::string& to) {
  Link l;
  l.from = from;
  l.to = to;
  l.type = type;
  return l;
}

// Thái Nguyên tea: F1 growing, F2 and F3 drying, F4 packaging; F5 rolling in
// Phú Thọ, F6 rolling in Tuyên Quang, F7 trade in Hà Nội. S1 (Phú Thọ,
// serves Thái Nguyên) equips drying; S2 (Hà Nội, nationwide) equips
// rolling; E1 (Thái Nguyên) advises drying.
struct World {
  std::vector<Facility> facilities = {
      Fac("F1", "thai-nguyen", "tea.growing"), Fac("F2", "thai-nguyen", "tea.drying"),
      Fac("F3", "thai-nguyen", "tea.drying"),  Fac("F4", "thai-nguyen", "tea.packaging"),
      Fac("F5", "phu-tho", "tea.rolling"),     Fac("F6", "tuyen-quang", "tea.rolling"),
      Fac("F7", "ha-noi", "tea.trade")};
  std::vector<Supplier> suppliers;
  std::vector<Expert> experts;
  std::vector<Link> links = {
      L("F1", LinkType::kSupplies, "F2"),     L("F1", LinkType::kSupplies, "F3"),
      L("F2", LinkType::kSupplies, "F4"),     L("F4", LinkType::kBuysFrom, "F3"),
      L("F7", LinkType::kBuysFrom, "F4"),     L("S1", LinkType::kEquips, "F2"),
      L("E1", LinkType::kAdvises, "F3"),      L("F3", LinkType::kSubcontracts, "F5")};
  World() {
    Supplier s1;
    s1.id = "S1";
    s1.name = "Drying machines";
    s1.province_id = "phu-tho";
    s1.serves_ids = {"phu-tho", "thai-nguyen"};
    s1.extra_json = R"({"stage":"tea.drying"})";
    Supplier s2;
    s2.id = "S2";
    s2.name = "Rollers";
    s2.province_id = "ha-noi";
    s2.nationwide = true;
    s2.extra_json = R"({"stage":["tea.rolling"]})";
    suppliers = {s1, s2};
    Expert e1;
    e1.id = "E1";
    e1.name = "Drying expert";
    e1.province_id = "thai-nguyen";
    e1.extra_json = R"({"chain":"tea","stage":"drying"})";
    experts = {e1};
  }
};

class GraphTest : public ::testing::Test {
 protected:
  GraphTest() : inferer_(&Catalog()) {}
  std::unique_ptr<ValueChainGraph> Make(GraphOptions o = {}) {
    o.reference = &Ref();
    o.inferer = &inferer_;
    return std::make_unique<ValueChainGraph>(o);
  }
  std::unique_ptr<ValueChainGraph> Built(GraphOptions o = {}) {
    auto g = Make(o);
    g->BuildFromRecords(w_.facilities, w_.suppliers, w_.experts, w_.links);
    return g;
  }
  static std::set<std::string> Ids(const NeighbourResult& r) {
    std::set<std::string> out;
    for (const auto& e : r.entities) out.insert(e.id);
    return out;
  }
  StageInferer inferer_;
  World w_;
};

TEST_F(GraphTest, UpstreamAndDownstreamToDepth) {
  auto g = Built();
  auto up1 = g->Neighbours({"F4", 1, true});
  ASSERT_TRUE(up1.ok()) << up1.status().ToString();
  EXPECT_EQ(Ids(*up1), (std::set<std::string>{"F2", "F3"}));
  auto up2 = g->Neighbours({"F4", 2, true});
  ASSERT_TRUE(up2.ok());
  EXPECT_EQ(Ids(*up2), (std::set<std::string>{"F1", "F2", "F3", "F5", "S1", "E1"}));
  for (const auto& e : up2->entities) {
    EXPECT_EQ(e.depth, (e.id == "F2" || e.id == "F3") ? 1 : 2) << e.id;
  }
  auto down = g->Neighbours({"F1", 2, false});
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(Ids(*down), (std::set<std::string>{"F2", "F3", "F4"}));
  // F7 buys from F4: F7 is downstream of F4.
  auto down4 = g->Neighbours({"F4", 1, false});
  ASSERT_TRUE(down4.ok());
  EXPECT_EQ(Ids(*down4), (std::set<std::string>{"F7"}));
  EXPECT_EQ(down4->entities[0].via, EdgeType::kBuysFrom);
  // Only "supplies" edges.
  auto typed = g->Neighbours({"F4", 2, true, {EdgeType::kSupplies}});
  ASSERT_TRUE(typed.ok());
  EXPECT_EQ(Ids(*typed), (std::set<std::string>{"F2", "F1"}));
  EXPECT_EQ(g->Neighbours({"nobody", 1, true}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(g->Neighbours({"F4", 0, true}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(GraphTest, ShortestTypedPathExplainsTheConnection) {
  auto g = Built();
  auto path = g->ShortestPath("F7", "S1");
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  ASSERT_EQ(path->size(), 4u);
  EXPECT_EQ((*path)[0].id, "F7");
  EXPECT_EQ((*path)[1].id, "F4");
  EXPECT_EQ((*path)[1].via, EdgeType::kBuysFrom);
  EXPECT_EQ((*path)[1].link_from, "F7");  // as the record says: F7 buys_from F4
  EXPECT_EQ((*path)[1].link_to, "F4");
  EXPECT_EQ((*path)[2].id, "F2");
  EXPECT_EQ((*path)[2].via, EdgeType::kSupplies);
  EXPECT_EQ((*path)[2].link_from, "F2");
  EXPECT_EQ((*path)[3].id, "S1");
  EXPECT_EQ((*path)[3].via, EdgeType::kEquips);
  EXPECT_EQ((*path)[3].link_from, "S1");
  // Restricted to supplies, F7 is cut off; F6 has no links at all.
  EXPECT_EQ(g->ShortestPath("F7", "S1", {EdgeType::kSupplies}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(g->ShortestPath("F1", "F6").status().code(), StatusCode::kNotFound);
  auto self = g->ShortestPath("F1", "F1");
  ASSERT_TRUE(self.ok());
  EXPECT_EQ(self->size(), 1u);
  // Too few hops allowed.
  EXPECT_EQ(g->ShortestPath("F7", "S1", {}, 2).status().code(), StatusCode::kNotFound);
}

TEST_F(GraphTest, ChainMapOfAProvince) {
  auto g = Built();
  auto map = g->ChainMapOf("tea", "Thái Nguyên");
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(map->province_id, "thai-nguyen");
  ASSERT_EQ(map->stages.size(), 8u);
  auto stage = [&](const std::string& id) -> const ChainMapStage& {
    for (const auto& s : map->stages) {
      if (s.stage_id == id) return s;
    }
    ADD_FAILURE() << id;
    return map->stages[0];
  };
  EXPECT_EQ(stage("tea.growing").facilities.size(), 1u);
  EXPECT_EQ(stage("tea.growing").gap, GapKind::kSingle);
  EXPECT_EQ(stage("tea.drying").facilities.size(), 2u);
  EXPECT_EQ(stage("tea.drying").gap, GapKind::kNone);
  ASSERT_EQ(stage("tea.drying").suppliers.size(), 1u);
  EXPECT_EQ(stage("tea.drying").suppliers[0].id, "S1");  // serves Thái Nguyên
  ASSERT_EQ(stage("tea.drying").experts.size(), 1u);
  EXPECT_EQ(stage("tea.rolling").facilities.size(), 0u);  // F5, F6 are elsewhere
  EXPECT_EQ(stage("tea.rolling").gap, GapKind::kMissing);
  ASSERT_EQ(stage("tea.rolling").suppliers.size(), 1u);    // S2 is nationwide
  EXPECT_EQ(stage("tea.trade").gap, GapKind::kMissing);
  // Flows: growing -> drying twice, drying -> packaging twice.
  ASSERT_EQ(map->flows.size(), 2u);
  for (const auto& f : map->flows) {
    EXPECT_EQ(f.links, 2u);
    EXPECT_TRUE((f.from_stage == "tea.growing" && f.to_stage == "tea.drying") ||
                (f.from_stage == "tea.drying" && f.to_stage == "tea.packaging"));
  }
  EXPECT_EQ(map->outflow_links, 1u);  // F4 -> F7 in Hà Nội
  EXPECT_EQ(map->inflow_links, 2u);   // F5 (Phú Thọ) -> F3, S1 (Phú Thọ) -> F2
  // Old province names resolve too (Bắc Kạn is now Thái Nguyên).
  auto old = g->ChainMapOf("chè", "Bac Kan");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->province_id, "thai-nguyen");
}

TEST_F(GraphTest, UnknownSectorOrProvinceListsTheKnownOnes) {
  auto g = Built();
  auto bad_sector = g->ChainMapOf("coffee-beans", "Thái Nguyên");
  ASSERT_EQ(bad_sector.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_sector.status().message().find("coffee-beans"), std::string::npos);
  for (const char* known : {"tea", "cassava", "fruit", "textile", "mechanical", "wood", "crafts",
                            "seafood"}) {
    EXPECT_NE(bad_sector.status().message().find(known), std::string::npos) << known;
  }
  auto bad_province = g->Gaps("tea", "Atlantis");
  ASSERT_EQ(bad_province.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_province.status().message().find("Atlantis"), std::string::npos);
  EXPECT_NE(bad_province.status().message().find("Thái Nguyên"), std::string::npos);
  EXPECT_NE(bad_province.status().message().find("Hà Nội"), std::string::npos);
}

TEST_F(GraphTest, GapsWithNearestCandidatesAndAHookToRerank) {
  auto g = Built();
  auto gaps = g->Gaps("tea", "Thái Nguyên", 5);
  ASSERT_TRUE(gaps.ok()) << gaps.status().ToString();
  std::set<std::string> ids;
  const Gap* rolling = nullptr;
  for (const Gap& gap : *gaps) {
    ids.insert(gap.stage_id);
    if (gap.stage_id == "tea.rolling") rolling = &gap;
  }
  EXPECT_EQ(ids, (std::set<std::string>{"tea.growing", "tea.plucking", "tea.withering",
                                         "tea.rolling", "tea.sorting", "tea.packaging",
                                         "tea.trade"}));
  ASSERT_NE(rolling, nullptr);
  EXPECT_EQ(rolling->kind, GapKind::kMissing);
  ASSERT_EQ(rolling->candidates.size(), 2u);
  const Province* tn = Ref().ProvinceById("thai-nguyen");
  const Province* pt = Ref().ProvinceById("phu-tho");
  const Province* tq = Ref().ProvinceById("tuyen-quang");
  const double d_pt = ReferenceData::DistanceKm(tn->lat, tn->lon, pt->lat, pt->lon);
  const double d_tq = ReferenceData::DistanceKm(tn->lat, tn->lon, tq->lat, tq->lon);
  EXPECT_EQ(rolling->candidates[0].id, d_pt < d_tq ? "F5" : "F6");
  EXPECT_NEAR(rolling->candidates[0].distance_km, std::min(d_pt, d_tq), 1e-6);
  ASSERT_FALSE(rolling->enablers.empty());
  EXPECT_EQ(rolling->enablers[0].id, "S2");
  // A ranker (the matcher) may reorder: here, farthest first.
  GapRanker far_first = [](const Gap&, const ChainMap&, std::vector<GapCandidate>* c) {
    std::sort(c->begin(), c->end(), [](const GapCandidate& a, const GapCandidate& b) {
      return a.distance_km > b.distance_km;
    });
  };
  auto reranked = g->Gaps("tea", "Thái Nguyên", 5, far_first);
  ASSERT_TRUE(reranked.ok());
  for (const Gap& gap : *reranked) {
    if (gap.stage_id == "tea.rolling") {
      EXPECT_EQ(gap.candidates[0].id, d_pt < d_tq ? "F6" : "F5");
    }
  }
}

TEST_F(GraphTest, HubsByDegreeAndBetweenness) {
  for (bool sampled : {false, true}) {
    GraphOptions o;
    if (sampled) {
      o.betweenness_exact_limit = 0;   // force the sampled estimator...
      o.betweenness_samples = 1000;    // ...with every vertex a source: exact
    }
    auto g = Built(o);
    auto hubs = g->Hubs({"tea", "Thái Nguyên", 10});
    ASSERT_TRUE(hubs.ok()) << hubs.status().ToString();
    EXPECT_EQ(hubs->betweenness_sampled, sampled);
    // F1..F4, S1, S2 (nationwide), E1; six links among them.
    EXPECT_EQ(hubs->subgraph_vertices, 7u);
    EXPECT_EQ(hubs->subgraph_edges, 6u);
    ASSERT_GE(hubs->by_degree.size(), 2u);
    EXPECT_EQ(hubs->by_degree[0].id, "F2");
    EXPECT_EQ(hubs->by_degree[0].degree, 3u);
    EXPECT_EQ(hubs->by_degree[1].id, "F3");
    std::map<std::string, double> bc;
    for (const Hub& h : hubs->by_betweenness) bc[h.id] = h.betweenness;
    EXPECT_NEAR(bc["F2"], 4.5, 1e-9);
    EXPECT_NEAR(bc["F3"], 4.5, 1e-9);
    EXPECT_NEAR(bc["F1"], 2.0, 1e-9);
    EXPECT_NEAR(bc["F4"], 2.0, 1e-9);
    EXPECT_NEAR(bc["S2"], 0.0, 1e-9);
  }
}

TEST_F(GraphTest, WhatIfRemovingAnActor) {
  auto g = Built();
  auto r = g->WhatIfRemove("F3");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->impacts.size(), 1u);
  const WhatIfImpact& imp = r->impacts[0];
  EXPECT_EQ(imp.facility_id, "F4");
  EXPECT_EQ(imp.lost, std::vector<EdgeType>{EdgeType::kBuysFrom});
  EXPECT_EQ(imp.other_sources_same_stage, 1u);  // F2 still dries for F4
  ASSERT_EQ(imp.replacements.size(), 1u);
  EXPECT_EQ(imp.replacements[0].id, "F2");
  // S1 equips F2: F2 loses equipment; replacements are other drying suppliers.
  auto s = g->WhatIfRemove("S1");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->impacts.size(), 1u);
  EXPECT_EQ(s->impacts[0].facility_id, "F2");
  EXPECT_TRUE(s->impacts[0].replacements.empty());
  // A facility with no downstream partner affects nobody.
  auto none = g->WhatIfRemove("F7");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->impacts.empty());
}

TEST_F(GraphTest, ConnectedClusters) {
  auto g = Built();
  auto c = g->Clusters("", "");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->size(), 3u);
  EXPECT_EQ((*c)[0].size, 8u);
  EXPECT_EQ((*c)[0].members,
            (std::vector<std::string>{"E1", "F1", "F2", "F3", "F4", "F5", "F7", "S1"}));
  EXPECT_EQ((*c)[1].size, 1u);
  auto local = g->Clusters("tea", "thai-nguyen");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ((*local)[0].size, 6u);  // F1-F4, S1, E1; S2 alone
}

TEST_F(GraphTest, ChainFitForTheRanker) {
  auto g = Built();
  auto direct = g->ChainFit("F2", "S1");
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  EXPECT_NEAR(direct->stage_component, 1.0, 1e-9);
  EXPECT_NEAR(direct->partner_component, 1.0, 1e-9);
  EXPECT_NEAR(direct->score, 1.0, 1e-9);
  ASSERT_EQ(direct->path.size(), 2u);
  EXPECT_EQ(direct->path[1].via, EdgeType::kEquips);

  auto stage_only = g->ChainFit("F3", "S1");
  ASSERT_TRUE(stage_only.ok());
  EXPECT_NEAR(stage_only->score, 0.6, 1e-9);
  ASSERT_EQ(stage_only->path.size(), 3u);  // F3 -> tea.drying <- S1
  EXPECT_EQ(stage_only->path[1].id, "tea.drying");

  auto partner = g->ChainFit("F4", "S1");
  ASSERT_TRUE(partner.ok());
  EXPECT_NEAR(partner->stage_component, 1.0 / 3.0, 1e-6);  // packaging vs drying
  EXPECT_NEAR(partner->partner_component, 1.0, 1e-9);
  ASSERT_EQ(partner->path.size(), 3u);
  EXPECT_EQ(partner->path[1].id, "F2");

  auto need = g->ChainFit("F4", "S1", "tea.drying");
  ASSERT_TRUE(need.ok());
  EXPECT_NEAR(need->score, 1.0, 1e-9);
  auto other_chain = g->ChainFit("F7", "S2");
  ASSERT_TRUE(other_chain.ok());
  EXPECT_LT(other_chain->score, 0.2);
  EXPECT_EQ(g->ChainFit("F4", "S1", "tea.nothing").status().code(),
            StatusCode::kInvalidArgument);
}

// The ranker's batch form scores every candidate as ChainFit does, for
// every facility (direct links, partners' links, stages only, unknown ids).
TEST_F(GraphTest, ChainFitScoresEqualChainFit) {
  auto g = Built();
  std::vector<std::string> ids = {"X404"};
  for (const auto& f : w_.facilities) ids.push_back(f.id);
  for (const auto& s : w_.suppliers) ids.push_back(s.id);
  for (const auto& e : w_.experts) ids.push_back(e.id);
  const std::vector<std::string_view> cands(ids.begin(), ids.end());
  int partners = 0;
  for (const auto& f : w_.facilities) {
    std::vector<double> got(cands.size(), -1.0);
    g->ChainFitScores(f.id, cands, got.data());
    for (size_t i = 0; i < cands.size(); ++i) {
      auto one = g->ChainFit(f.id, ids[i], {}, false);
      EXPECT_EQ(got[i], one.ok() ? one->score : 0.0) << f.id << " " << ids[i];
      if (one.ok() && one->partner_component > 0) ++partners;
    }
  }
  EXPECT_GT(partners, 3);  // the partner rule is exercised, not only stages
  std::vector<double> unknown(cands.size(), -1.0);
  g->ChainFitScores("X404", cands, unknown.data());
  EXPECT_EQ(unknown, std::vector<double>(cands.size(), 0.0));
}

// Vertex hints (the ranker keeps each candidate's vertex from its last
// chain fit) change no score, whatever they hold: right, empty, out of
// range, another entity's, a stage's, or stale after the entity was deleted
// and its vertex reused; each comes back as the candidate's vertex.
TEST_F(GraphTest, ChainFitScoresVertexHintsChangeNoScore) {
  auto g = Built();
  std::vector<std::string> ids = {"X404"};
  for (const auto& s : w_.suppliers) ids.push_back(s.id);
  for (const auto& e : w_.experts) ids.push_back(e.id);
  const std::vector<std::string_view> cands(ids.begin(), ids.end());
  const std::string facility = w_.facilities.front().id;
  std::vector<double> plain(cands.size(), -1.0);
  g->ChainFitScores(facility, cands, plain.data());

  std::vector<uint32_t> found(cands.size(), UINT32_MAX);
  std::vector<double> got(cands.size(), -1.0);
  g->ChainFitScores(facility, cands, got.data(), found.data());
  EXPECT_EQ(got, plain);
  EXPECT_EQ(found[0], UINT32_MAX);  // X404 is unknown
  for (size_t i = 1; i < found.size(); ++i) EXPECT_NE(found[i], UINT32_MAX) << ids[i];

  // The right hints, then wrong ones of every kind.
  const std::vector<std::vector<uint32_t>> hint_sets = {
      found, std::vector<uint32_t>(cands.size(), 0),        // a stage's vertex
      std::vector<uint32_t>(cands.size(), 1u << 30),        // out of range
      std::vector<uint32_t>(found.rbegin(), found.rend()),  // other entities'
  };
  for (size_t h = 0; h < hint_sets.size(); ++h) {
    std::vector<uint32_t> hints = hint_sets[h];
    std::fill(got.begin(), got.end(), -1.0);
    g->ChainFitScores(facility, cands, got.data(), hints.data());
    EXPECT_EQ(got, plain) << "hint set " << h;
    EXPECT_EQ(hints, found) << "hint set " << h;
  }

  // A supplier deleted: its hint is stale and it scores 0; another entity
  // added then takes its vertex, and the old hint must not score it.
  const Supplier gone = w_.suppliers.front();
  g->OnEntityDelete(gone.id);
  std::vector<uint32_t> hints = found;
  g->ChainFitScores(facility, cands, got.data(), hints.data());
  EXPECT_EQ(got[1], 0.0);
  EXPECT_EQ(hints[1], UINT32_MAX);
  Supplier other = gone;
  other.id = "S-NEW";
  g->OnSupplierPut(other);
  hints = found;
  g->ChainFitScores(facility, cands, got.data(), hints.data());
  EXPECT_EQ(got[1], 0.0) << "the deleted supplier's vertex now holds S-NEW";
  EXPECT_EQ(hints[1], UINT32_MAX);
  const std::vector<std::string_view> fresh = {"S-NEW", gone.id};
  std::vector<uint32_t> fresh_hints = {UINT32_MAX, found[1]};
  std::vector<double> fresh_got(2, -1.0);
  g->ChainFitScores(facility, fresh, fresh_got.data(), fresh_hints.data());
  EXPECT_EQ(fresh_hints[0], found[1]) << "S-NEW reused the freed vertex";
  EXPECT_EQ(fresh_hints[1], UINT32_MAX);
  std::vector<double> fresh_plain(2, -1.0);
  g->ChainFitScores(facility, fresh, fresh_plain.data());
  EXPECT_EQ(fresh_got, fresh_plain);
}

TEST_F(GraphTest, IncrementalUpdatesEqualARebuild) {
  // Links first (they wait for their endpoints), entities in reverse order,
  // one facility changing stage, one entity deleted and re-added, one extra
  // link put and deleted.
  auto inc = Make();
  for (const Link& l : w_.links) inc->OnLinkPut(l);
  for (auto it = w_.facilities.rbegin(); it != w_.facilities.rend(); ++it) {
    Facility f = *it;
    if (f.id == "F2") f.extra_json = R"({"stage":"tea.rolling"})";
    inc->OnFacilityPut(f);
  }
  for (const Expert& e : w_.experts) inc->OnExpertPut(e);
  for (const Supplier& s : w_.suppliers) inc->OnSupplierPut(s);
  inc->OnFacilityPut(w_.facilities[1]);  // F2 back to drying
  inc->OnEntityDelete("F3");
  inc->OnLinkPut(L("F6", LinkType::kSupplies, "F7"));
  inc->OnLinkDelete(L("F6", LinkType::kSupplies, "F7"));
  inc->OnLinkPut(L("F2", LinkType::kSupplies, "F4"));  // duplicate: no change

  // F3 is gone but its links remain in the "store".
  World without_f3;
  without_f3.facilities.erase(without_f3.facilities.begin() + 2);
  auto rebuilt = Make();
  rebuilt->BuildFromRecords(without_f3.facilities, w_.suppliers, w_.experts, w_.links);
  EXPECT_EQ(inc->CanonicalDump(), rebuilt->CanonicalDump());
  EXPECT_EQ(inc->Stats().pending_links, 4u);  // F1->F3, F4->F3, E1->F3, F3->F5

  inc->OnFacilityPut(w_.facilities[2]);  // F3 returns: its links re-attach
  auto full = Built();
  EXPECT_EQ(inc->CanonicalDump(), full->CanonicalDump());
  GraphStats s = inc->Stats();
  EXPECT_EQ(s.facilities, 7u);
  EXPECT_EQ(s.suppliers, 2u);
  EXPECT_EQ(s.experts, 1u);
  EXPECT_EQ(s.link_edges, 8u);
  EXPECT_EQ(s.pending_links, 0u);
  EXPECT_GT(s.approx_bytes, 0u);
}

TEST_F(GraphTest, EntityReportsStagesAndDegrees) {
  auto g = Built();
  auto e = g->Entity("F2");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->province_id, "thai-nguyen");
  ASSERT_EQ(e->stages.size(), 1u);
  EXPECT_EQ(e->stages[0].stage_id, "tea.drying");
  EXPECT_TRUE(e->stages[0].given);
  EXPECT_EQ(e->in_degree, 2u);   // F1 supplies, S1 equips
  EXPECT_EQ(e->out_degree, 1u);  // supplies F4
  auto expert = g->Entity("E1");  // "chain" + short stage name
  ASSERT_TRUE(expert.ok());
  ASSERT_EQ(expert->stages.size(), 1u);
  EXPECT_EQ(expert->stages[0].stage_id, "tea.drying");
}

}  // namespace
}  // namespace ketnoi::engine
