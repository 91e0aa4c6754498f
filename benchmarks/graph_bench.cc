// Value-chain graph at scale: build from N synthetic entities and 5N links,
// then upstream/downstream (depth 2), typed shortest path, chain map, gaps,
// hubs and incremental puts. Latency benchmarks report p50/p99 counters.
//
//   KETNOI_GRAPH_N=1000000 build/benchmarks/graph_bench
//
// Synthetic data: 70% facilities, 20% suppliers, 10% experts, spread over
// the 34 provinces; every record carries its stage (as imported data with
// "stage" fields does), so the build measures the graph, not text analysis.
// Links: 60% facility->facility (supplies / buys_from / subcontracts, 70%
// within one province, along the chain), 25% equips, 15% advises.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/chains.h"
#include "engine/graph.h"
#include "engine/reference.h"
#include "engine/stage_infer.h"

namespace ketnoi::engine {
namespace {

size_t N() {
  const char* s = std::getenv("KETNOI_GRAPH_N");
  return s != nullptr ? std::strtoull(s, nullptr, 10) : 100000;
}

double RssMiB() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

struct World {
  std::unique_ptr<ReferenceData> ref;
  std::unique_ptr<ChainCatalog> catalog;
  std::unique_ptr<StageInferer> inferer;
  std::unique_ptr<ValueChainGraph> graph;
  std::vector<std::string> ids;  // every entity id
  size_t facilities = 0;
  double build_s = 0, rss_graph_mib = 0;
  size_t approx_bytes = 0;
};

World& Get() {
  static World* w = [] {
    auto* w = new World;
    w->ref = std::move(ReferenceData::Load(DefaultDataDir())).value();
    w->catalog = std::make_unique<ChainCatalog>(std::move(ChainCatalog::LoadDir(DefaultChainsDir())).value());
    w->inferer = std::make_unique<StageInferer>(w->catalog.get());
    GraphOptions o;
    o.reference = w->ref.get();
    o.inferer = w->inferer.get();
    w->graph = std::make_unique<ValueChainGraph>(o);

    const size_t n = N();
    std::mt19937_64 rng(7);
    const auto& provs = w->ref->Provinces();
    const size_t stages = w->catalog->stage_count();
    std::vector<Facility> fs;
    std::vector<Supplier> ss;
    std::vector<Expert> es;
    std::vector<Link> links;
    std::vector<uint16_t> fstage, fprov;
    const size_t nf = n * 7 / 10, ns = n * 2 / 10, ne = n - nf - ns;
    fs.reserve(nf);
    for (size_t i = 0; i < nf; ++i) {
      Facility f;
      f.id = "f" + std::to_string(i);
      f.name = "Facility " + std::to_string(i);
      uint16_t p = rng() % provs.size(), s = rng() % stages;
      f.province_id = provs[p].id;
      f.extra_json = "{\"stage\":\"" + w->catalog->stage(s).id + "\"}";
      fstage.push_back(s);
      fprov.push_back(p);
      fs.push_back(std::move(f));
    }
    for (size_t i = 0; i < ns; ++i) {
      Supplier s;
      s.id = "s" + std::to_string(i);
      s.name = "Supplier " + std::to_string(i);
      s.province_id = provs[rng() % provs.size()].id;
      s.nationwide = rng() % 10 == 0;
      for (int k = rng() % 5; k >= 0; --k) s.serves_ids.push_back(provs[rng() % provs.size()].id);
      std::string st = "[";
      for (int k = rng() % 3; k >= 0; --k) {
        st += std::string(st.size() > 1 ? "," : "") + "\"" + w->catalog->stage(rng() % stages).id + "\"";
      }
      s.extra_json = "{\"stage\":" + st + "]}";
      ss.push_back(std::move(s));
    }
    for (size_t i = 0; i < ne; ++i) {
      Expert e;
      e.id = "e" + std::to_string(i);
      e.name = "Expert " + std::to_string(i);
      e.province_id = provs[rng() % provs.size()].id;
      e.extra_json = "{\"stage\":\"" + w->catalog->stage(rng() % stages).id + "\"}";
      es.push_back(std::move(e));
    }
    // Facilities per province, to keep 70% of facility links local.
    std::vector<std::vector<uint32_t>> by_prov(provs.size());
    for (uint32_t i = 0; i < nf; ++i) by_prov[fprov[i]].push_back(i);
    links.reserve(5 * n);
    for (size_t k = 0; k < 5 * n; ++k) {
      Link l;
      const unsigned r = rng() % 100;
      const uint32_t to = rng() % nf;
      if (r < 60) {
        const auto& local = by_prov[fprov[to]];
        uint32_t from = rng() % 10 < 7 ? local[rng() % local.size()] : rng() % nf;
        l.type = r < 40 ? LinkType::kSupplies : r < 52 ? LinkType::kBuysFrom : LinkType::kSubcontracts;
        l.from = "f" + std::to_string(from);
      } else if (r < 85) {
        l.type = LinkType::kEquips;
        l.from = "s" + std::to_string(rng() % ns);
      } else {
        l.type = LinkType::kAdvises;
        l.from = "e" + std::to_string(rng() % ne);
      }
      l.to = "f" + std::to_string(to);
      links.push_back(std::move(l));
    }
    for (const auto& f : fs) w->ids.push_back(f.id);
    for (const auto& s : ss) w->ids.push_back(s.id);
    for (const auto& e : es) w->ids.push_back(e.id);
    w->facilities = nf;
    const double rss0 = RssMiB();
    const auto t0 = std::chrono::steady_clock::now();
    w->graph->BuildFromRecords(fs, ss, es, links);
    w->build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fs = {};
    ss = {};
    es = {};
    links = {};
    w->rss_graph_mib = RssMiB() - rss0;
    w->approx_bytes = w->graph->Stats().approx_bytes;
    return w;
  }();
  return *w;
}

void Percentiles(benchmark::State& state, std::vector<double>& ms) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  state.counters["max_ms"] = ms.back();
}

template <typename F>
void Timed(benchmark::State& state, F&& query) {
  std::vector<double> ms;
  std::mt19937_64 rng(11);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    query(rng);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                     .count());
  }
  Percentiles(state, ms);
}

void BM_Build(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Get().graph.get());
  World& w = Get();
  GraphStats s = w.graph->Stats();
  state.counters["entities"] = static_cast<double>(w.ids.size());
  state.counters["link_edges"] = static_cast<double>(s.link_edges);
  state.counters["build_s"] = w.build_s;
  state.counters["graph_rss_MiB"] = w.rss_graph_mib;
  state.counters["approx_MiB"] = w.approx_bytes / 1048576.0;
}
BENCHMARK(BM_Build)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Neighbours(benchmark::State& state) {
  World& w = Get();
  const bool up = state.range(0) == 1;
  size_t reached = 0;
  Timed(state, [&](std::mt19937_64& rng) {
    NeighbourRequest r;
    r.id = w.ids[rng() % w.facilities];
    r.depth = 2;
    r.upstream = up;
    auto res = w.graph->Neighbours(r);
    reached += res->entities.size();
  });
  state.counters["reached_avg"] = static_cast<double>(reached) / state.iterations();
}
BENCHMARK(BM_Neighbours)->Arg(1)->Arg(0)->Iterations(2000)->Unit(benchmark::kMicrosecond);

void BM_ShortestPath(benchmark::State& state) {
  World& w = Get();
  size_t found = 0;
  Timed(state, [&](std::mt19937_64& rng) {
    auto p = w.graph->ShortestPath(w.ids[rng() % w.ids.size()], w.ids[rng() % w.ids.size()]);
    found += p.ok();
  });
  state.counters["found_share"] = static_cast<double>(found) / state.iterations();
}
BENCHMARK(BM_ShortestPath)->Iterations(2000)->Unit(benchmark::kMicrosecond);

void BM_ChainMap(benchmark::State& state) {
  World& w = Get();
  const auto& provs = w.ref->Provinces();
  Timed(state, [&](std::mt19937_64& rng) {
    auto m = w.graph->ChainMapOf("tea", provs[rng() % provs.size()].name);
    benchmark::DoNotOptimize(m);
  });
}
BENCHMARK(BM_ChainMap)->Iterations(200)->Unit(benchmark::kMillisecond);

void BM_Gaps(benchmark::State& state) {
  World& w = Get();
  const auto& provs = w.ref->Provinces();
  Timed(state, [&](std::mt19937_64& rng) {
    auto g = w.graph->Gaps("textile", provs[rng() % provs.size()].name);
    benchmark::DoNotOptimize(g);
  });
}
BENCHMARK(BM_Gaps)->Iterations(200)->Unit(benchmark::kMillisecond);

void BM_HubsProvince(benchmark::State& state) {
  World& w = Get();
  const auto& provs = w.ref->Provinces();
  Timed(state, [&](std::mt19937_64& rng) {
    auto h = w.graph->Hubs({"tea", provs[rng() % provs.size()].name, 10});
    benchmark::DoNotOptimize(h);
  });
}
BENCHMARK(BM_HubsProvince)->Iterations(10)->Unit(benchmark::kMillisecond);

void BM_ChainFit(benchmark::State& state) {
  World& w = Get();
  const size_t nf = w.facilities;
  Timed(state, [&](std::mt19937_64& rng) {
    auto r = w.graph->ChainFit(w.ids[rng() % nf], w.ids[nf + rng() % (w.ids.size() - nf)]);
    benchmark::DoNotOptimize(r);
  });
}
BENCHMARK(BM_ChainFit)->Iterations(5000)->Unit(benchmark::kMicrosecond);

void BM_IncrementalLinkPut(benchmark::State& state) {
  World& w = Get();
  Timed(state, [&](std::mt19937_64& rng) {
    Link l;
    l.from = w.ids[rng() % w.facilities];
    l.to = w.ids[rng() % w.facilities];
    l.type = LinkType::kSupplies;
    w.graph->OnLinkPut(l);
  });
}
BENCHMARK(BM_IncrementalLinkPut)->Iterations(5000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ketnoi::engine

BENCHMARK_MAIN();
