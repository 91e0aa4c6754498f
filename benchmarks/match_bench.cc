// Matching at scale, in-process through engine::Engine / engine::Matcher:
//   BM_LiveMatch/F/H   Matcher::Match (candidates + rank + explanation) of an
//                      equipment need over every supplier (target p99 < 5 ms
//                      at 1,000,000 suppliers on 2 cores); F 1: serves my
//                      province; H 0: no helper threads (HelperPool off);
//   BM_LiveMatchAB/F   the same with helpers on and off in alternate matches
//                      of one run (on_* / off_* counters, ms);
//   BM_Materialized    Matcher::Materialized, a stored list read (< 0.2 ms);
//   BM_RefreshNew      Engine::PutSupplier of a new supplier, i.e. the store
//                      write plus Matcher::OnCandidateChanged re-ranking the
//                      needs it enters (< 50 ms with 100,000 needs stored).
// Latency benchmarks report p50/p99/max counters in milliseconds and the
// load average (/proc/loadavg, 1 min) before and after.
//
// Data (environment):
//   KETNOI_BENCH_DB        a store directory prepared by an earlier run
//                          (KETNOI_BENCH_KEEP=1): opened as is, nothing
//                          imported or synthesised; the matcher is rebuilt
//                          from it.
//   KETNOI_BENCH_DATASET   dataset directory imported with Engine::Import
//                          (default data/demo).
//   KETNOI_BENCH_SUPPLIERS / KETNOI_BENCH_NEEDS  totals to reach (default
//                          100000 / 100000): when the dataset has fewer, its
//                          suppliers and facilities are multiplied
//                          synthetically (seeded): new ids, random
//                          provinces and served provinces, sentences
//                          dropped and reordered, numbers scaled. The
//                          vocabulary stays that of the dataset, so posting
//                          lists are far longer than in real text (a hard
//                          case for the lexical index). 0 = no synthesis.
//   KETNOI_BENCH_KEEP=1    keep the temporary store and print its path.
//   KETNOI_BENCH_BUDGET=N  EngineOptions::sparse_posting_budget (default:
//                          the engine's; 0 = exhaustive lexical search).
//   KETNOI_BENCH_STALE=onread  with KETNOI_BENCH_DB: leave lists that the
//                          store lacks (import --lists later) uncomputed
//                          (default: computed at open).
//   KETNOI_BENCH_HELPERS=off  no helper threads (HelperPool) for the
//                          benchmarks that do not set them (not LiveMatch*).
//   KETNOI_BENCH_LIST_HEADS=off  refresh decisions read the lists, not
//                          their heads (EngineOptions::read_list_heads).
//   KETNOI_BENCH_CPUS=N    after the setup (which uses every core), pin the
//                          benchmark thread to CPUs 0..N-1, e.g. 2 to
//                          measure a 2-core budget on a larger machine.
//
//   KETNOI_BENCH_SUPPLIERS=1000000 build-me/benchmarks/match_bench
#include <benchmark/benchmark.h>
#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/helper_pool.h"
#include "engine/engine.h"
#include "engine/reference.h"
#include "engine/store.h"
#include "engine/store_keys.h"

namespace ketnoi::engine {
namespace {

std::string Env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

size_t EnvSize(const char* name, size_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

double RssMiB() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

double LoadAvg() {
  std::ifstream f("/proc/loadavg");
  double l = 0;
  f >> l;
  return l;
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ------------------------------------------------------------ synthesis

std::vector<std::string> Sentences(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '.' && (i + 1 == text.size() || text[i + 1] == ' ')) {
      out.push_back(text.substr(start, i + 1 - start));
      start = i + 2;
    }
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

// Scales every run of digits by a factor in [0.5, 2] (capacities, prices,
// model numbers alike).
std::string ScaleNumbers(const std::string& text, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> f(0.5, 2.0);
  const double factor = f(rng);
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] >= '0' && text[i] <= '9') {
      size_t j = i;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
      long long v = std::atoll(text.substr(i, std::min<size_t>(j - i, 12)).c_str());
      out += std::to_string(std::max<long long>(1, static_cast<long long>(v * factor)));
      i = j;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

std::string Vary(const std::string& text, std::mt19937_64& rng) {
  std::vector<std::string> s = Sentences(text);
  if (s.size() > 1) {
    std::shuffle(s.begin() + 1, s.end(), rng);          // keep the opening sentence
    if (s.size() > 2 && rng() % 2 == 0) s.pop_back();   // drop one
  }
  std::string out;
  for (const auto& x : s) out += (out.empty() ? "" : " ") + x;
  return ScaleNumbers(out, rng);
}

const Province& Pick(const std::vector<Province>& provs, std::mt19937_64& rng) {
  return provs[rng() % provs.size()];
}

Supplier SynthSupplier(const Supplier& base, size_t i, const std::vector<Province>& provs,
                       std::mt19937_64& rng) {
  Supplier s = base;
  s.id = "SX" + std::to_string(i);
  s.name = base.name + " " + std::to_string(i % 9973);
  const Province& home = Pick(provs, rng);
  s.province = home.name;
  s.province_id = home.id;
  s.serves.clear();
  s.serves_ids.clear();
  s.nationwide = rng() % 10 == 0;
  if (s.nationwide) {
    s.serves.push_back("toàn quốc");
  } else {
    s.serves.push_back(home.name);
    s.serves_ids.push_back(home.id);
    for (int k = rng() % 4; k > 0; --k) {
      const Province& p = Pick(provs, rng);
      s.serves.push_back(p.name);
      s.serves_ids.push_back(p.id);
    }
  }
  s.text = Vary(base.text, rng);
  s.vector.clear();
  s.extra_json = "{}";
  return s;
}

Facility SynthFacility(const Facility& base, size_t i, const std::vector<Province>& provs,
                       std::mt19937_64& rng) {
  Facility f = base;
  f.id = "FX" + std::to_string(i);
  const Province& home = Pick(provs, rng);
  f.province = home.name;
  f.province_id = home.id;
  for (size_t k = 0; k < f.needs.size(); ++k) {
    Need& n = f.needs[k];
    n.id = "NX" + std::to_string(i) + "_" + std::to_string(k);
    n.text = Vary(n.text, rng);
    if (n.budget_vnd) n.budget_vnd = static_cast<int64_t>(*n.budget_vnd * (0.5 + (rng() % 150) / 100.0));
  }
  return f;
}

// ------------------------------------------------------------ the world

struct World {
  std::string db;
  bool temporary = false;
  std::unique_ptr<Engine> engine;
  std::vector<std::string> equipment_needs;
  std::vector<Supplier> supplier_bases;  // for new suppliers in BM_RefreshNew
  size_t suppliers = 0, needs = 0;
  double import_s = 0, synth_s = 0, build_s = 0, rss_before_mib = 0, rss_mib = 0;
  size_t next_new = 0;
};

// Writes the synthetic records in batches of `kChunk` (one change-log record
// each, like an import), then records that the materialised lists are
// caught up with them: the lists of the synthetic needs are computed on
// first read (Matcher::Materialized) instead of by a full recompute of
// every list at open.
Status Synthesize(World* w, size_t want_suppliers, size_t want_needs) {
  constexpr size_t kChunk = 5000;
  Store& store = w->engine->store();
  const auto& provs = w->engine->reference().Provinces();
  std::vector<Supplier> sups;
  std::vector<Facility> facs;
  Status s = store.ForEachSupplier([&](const Supplier& r) { sups.push_back(r); return true; });
  if (!s.ok()) return s;
  s = store.ForEachFacility([&](const Facility& f) { facs.push_back(f); return true; });
  if (!s.ok()) return s;
  w->supplier_bases = sups;
  size_t have_needs = 0;
  for (const auto& f : facs) have_needs += f.needs.size();
  std::mt19937_64 rng(42);
  WriteBatch batch;
  auto flush = [&](bool force) -> Status {
    if (batch.Count() == 0 || (!force && batch.Count() < kChunk)) return Status::OK();
    Status r = store.Write(batch);
    batch = WriteBatch();
    return r;
  };
  for (size_t i = sups.size(); !sups.empty() && i < want_suppliers; ++i) {
    batch.PutSupplier(SynthSupplier(sups[rng() % sups.size()], i, provs, rng));
    if (Status r = flush(false); !r.ok()) return r;
  }
  for (size_t i = 0; !facs.empty() && have_needs < want_needs; ++i) {
    Facility f = SynthFacility(facs[rng() % facs.size()], i, provs, rng);
    have_needs += f.needs.size();
    batch.PutFacility(f);
    if (Status r = flush(false); !r.ok()) return r;
  }
  if (Status r = flush(true); !r.ok()) return r;
  uint64_t last = 0;
  s = store.ScanRaw(Family::kChanges, "", "", [&](std::string_view key, std::string_view) {
    last = keys::DecodeBigEndian64(key);
    return true;
  });
  if (!s.ok()) return s;
  return store.PutRaw(Family::kMeta, "matches_change", std::to_string(last));
}

World& Get() {
  static World* world = [] {
    auto* w = new World;
    EngineOptions eo;
    std::string prepared = Env("KETNOI_BENCH_DB", "");
    if (!prepared.empty() && std::filesystem::exists(prepared)) {
      eo.db = prepared;
      eo.create_if_missing = false;
    } else {
      w->temporary = true;
      eo.db = (std::filesystem::temp_directory_path() /
               ("ketnoi_match_bench_" + std::to_string(::getpid())))
                  .string();
      std::filesystem::remove_all(eo.db);
    }
    w->db = eo.db;
    if (const char* b = std::getenv("KETNOI_BENCH_BUDGET"); b != nullptr && *b != '\0') {
      eo.sparse_posting_budget = std::strtoull(b, nullptr, 10);
    }
    // Lists a prepared store has not materialised (`ketnoi import --lists
    // later`): "now" (default) computes them at open, "onread" leaves them,
    // which suits the live-match benchmark but not the refresh one (a merge
    // skips a need without a list).
    if (Env("KETNOI_BENCH_STALE", "now") == "onread") eo.stale_lists = StaleLists::kOnRead;
    eo.read_list_heads = Env("KETNOI_BENCH_LIST_HEADS", "on") != "off";
    if (Env("KETNOI_BENCH_HELPERS", "on") == "off") ketnoi::HelperPool::Shared().SetEnabled(false);
    w->rss_before_mib = RssMiB();
    auto t0 = std::chrono::steady_clock::now();
    auto engine = Engine::Open(eo);
    if (!engine.ok()) {
      std::fprintf(stderr, "open %s: %s\n", eo.db.c_str(), engine.status().ToString().c_str());
      std::exit(1);
    }
    w->engine = std::move(*engine);
    if (w->temporary) {
      std::string dataset = Env("KETNOI_BENCH_DATASET", DefaultDataDir() + "/demo");
      if (!std::filesystem::exists(dataset)) dataset = "data/demo";
      ImportReport report;
      Status s = w->engine->Import(dataset, ImportOptions{}, &report);
      if (!s.ok()) {
        std::fprintf(stderr, "import %s: %s\n", dataset.c_str(), s.ToString().c_str());
        std::exit(1);
      }
      w->import_s = Seconds(t0);
      t0 = std::chrono::steady_clock::now();
      s = Synthesize(w, EnvSize("KETNOI_BENCH_SUPPLIERS", 100000),
                     EnvSize("KETNOI_BENCH_NEEDS", 100000));
      if (!s.ok()) {
        std::fprintf(stderr, "synthesise: %s\n", s.ToString().c_str());
        std::exit(1);
      }
      w->synth_s = Seconds(t0);
      t0 = std::chrono::steady_clock::now();
      s = w->engine->Rebuild();
      if (!s.ok()) {
        std::fprintf(stderr, "rebuild: %s\n", s.ToString().c_str());
        std::exit(1);
      }
    } else {
      Status s = w->engine->store().ForEachSupplier([&](const Supplier& r) {
        if (w->supplier_bases.size() < 1000) w->supplier_bases.push_back(r);
        return true;
      });
      if (!s.ok()) std::exit(1);
    }
    w->build_s = Seconds(t0);
    w->rss_mib = RssMiB();
    MatcherStats st = w->engine->matcher()->Stats();
    w->suppliers = st.suppliers;
    w->needs = st.needs;
    w->engine->store()
        .ForEachFacility([&](const Facility& f) {
          for (const Need& n : f.needs) {
            if (n.kind == NeedKind::kEquipment) w->equipment_needs.push_back(n.id);
          }
          return true;
        })
        .IgnoreError();
    std::fprintf(stderr, "match_bench: %zu suppliers, %zu needs, index %s, db %s\n",
                 w->suppliers, w->needs, st.supplier_index.c_str(), w->db.c_str());
    if (size_t cpus = EnvSize("KETNOI_BENCH_CPUS", 0); cpus > 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      for (size_t c = 0; c < cpus; ++c) CPU_SET(static_cast<int>(c), &set);
      if (sched_setaffinity(0, sizeof(set), &set) != 0) std::perror("sched_setaffinity");
      std::fprintf(stderr, "match_bench: benchmark thread pinned to %zu CPUs\n", cpus);
    }
    if (w->temporary && Env("KETNOI_BENCH_KEEP", "") == "1") {
      w->temporary = false;
      std::fprintf(stderr, "match_bench: keeping the store at %s\n", w->db.c_str());
    }
    return w;
  }();
  return *world;
}

void Percentiles(benchmark::State& state, std::vector<double>& ms, double load0) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  state.counters["p50_ms"] = ms[ms.size() / 2];
  state.counters["p90_ms"] = ms[ms.size() * 9 / 10];
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  state.counters["max_ms"] = ms.back();
  state.counters["load_before"] = load0;
  state.counters["load_after"] = LoadAvg();
}

template <typename F>
void Timed(benchmark::State& state, F&& op) {
  std::vector<double> ms;
  std::mt19937_64 rng(11);
  const double load0 = LoadAvg();
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    op(rng);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  Percentiles(state, ms, load0);
}

void BM_Setup(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Get().engine.get());
  World& w = Get();
  state.counters["suppliers"] = static_cast<double>(w.suppliers);
  state.counters["needs"] = static_cast<double>(w.needs);
  state.counters["import_s"] = w.import_s;
  state.counters["synth_s"] = w.synth_s;
  state.counters["build_s"] = w.build_s;
  state.counters["matcher_build_s"] = w.engine->matcher()->Stats().build_seconds;
  state.counters["rss_MiB"] = w.rss_mib;
  state.counters["KiB_per_supplier"] =
      w.suppliers ? (w.rss_mib - w.rss_before_mib) * 1024.0 / w.suppliers : 0;
}
BENCHMARK(BM_Setup)->Iterations(1)->Unit(benchmark::kMillisecond);

// The live match of a random equipment need, top 10 suppliers.
MatchRequest EquipmentMatch(const World& w, std::mt19937_64& rng, bool serves_my_province) {
  MatchRequest r;
  r.need_id = w.equipment_needs[rng() % w.equipment_needs.size()];
  r.kind = TargetKind::kSupplier;
  r.k = 10;
  r.filters.serves_my_province = serves_my_province;
  return r;
}

void BM_LiveMatch(benchmark::State& state) {
  World& w = Get();
  auto matcher = w.engine->matcher();
  size_t items = 0, errors = 0;
  // Second argument 0: helper threads off (HelperPool), for an interleaved
  // A/B in one process.
  ketnoi::HelperPool::Shared().SetEnabled(state.range(1) != 0);
  Timed(state, [&](std::mt19937_64& rng) {
    const MatchRequest r = EquipmentMatch(w, rng, state.range(0) == 1);
    auto list = matcher->Match(r);
    if (list.ok()) {
      items += list->items.size();
    } else {
      ++errors;
    }
  });
  ketnoi::HelperPool::Shared().SetEnabled(true);
  state.counters["items_avg"] = static_cast<double>(items) / state.iterations();
  state.counters["errors"] = static_cast<double>(errors);
}
// (serves my province, helpers): each filter with and without helpers, in
// turns.
BENCHMARK(BM_LiveMatch)
    ->Args({0, 1})
    ->Args({0, 0})
    ->Args({1, 1})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({0, 0})
    ->Iterations(300)
    ->Unit(benchmark::kMillisecond);

// Helpers on and off in alternate matches of one run (random needs), so a
// host whose speed drifts affects both alike: on_* and off_* counters.
void BM_LiveMatchAB(benchmark::State& state) {
  World& w = Get();
  auto matcher = w.engine->matcher();
  std::vector<double> ms[2];
  std::mt19937_64 rng(12);
  size_t errors = 0, i = 0;
  const double load0 = LoadAvg();
  for (auto _ : state) {
    const bool on = i++ % 2 == 0;
    ketnoi::HelperPool::Shared().SetEnabled(on);
    const MatchRequest r = EquipmentMatch(w, rng, state.range(0) == 1);
    const auto t0 = std::chrono::steady_clock::now();
    auto list = matcher->Match(r);
    ms[on].push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!list.ok()) ++errors;
  }
  ketnoi::HelperPool::Shared().SetEnabled(true);
  for (int on = 0; on < 2; ++on) {
    auto& v = ms[on];
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    const std::string p = on ? "on_" : "off_";
    state.counters[p + "mean"] = sum / v.size();
    state.counters[p + "p50"] = v[v.size() / 2];
    state.counters[p + "p90"] = v[v.size() * 9 / 10];
    state.counters[p + "p99"] = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  }
  state.counters["load_before"] = load0;
  state.counters["load_after"] = LoadAvg();
  state.counters["errors"] = static_cast<double>(errors);
}
BENCHMARK(BM_LiveMatchAB)->Arg(0)->Arg(1)->Iterations(1000)->Unit(benchmark::kMillisecond);

void BM_Materialized(benchmark::State& state) {
  World& w = Get();
  auto matcher = w.engine->matcher();
  // Lists are computed on first read: read a fixed set once before timing.
  std::vector<std::string> ids;
  std::mt19937_64 pick(5);
  for (int i = 0; i < 200; ++i) ids.push_back(w.equipment_needs[pick() % w.equipment_needs.size()]);
  for (const auto& id : ids) (void)matcher->Materialized(id, TargetKind::kSupplier);
  size_t items = 0;
  Timed(state, [&](std::mt19937_64& rng) {
    auto list = matcher->Materialized(ids[rng() % ids.size()], TargetKind::kSupplier);
    if (list.ok()) items += list->items.size();
  });
  state.counters["items_avg"] = static_cast<double>(items) / state.iterations();
}
BENCHMARK(BM_Materialized)->Iterations(2000)->Unit(benchmark::kMicrosecond);

void BM_RefreshNew(benchmark::State& state) {
  World& w = Get();
  const auto& provs = w.engine->reference().Provinces();
  std::mt19937_64 seed(99);
  size_t errors = 0;
  // A store kept from an earlier run already holds SNEW0, SNEW1, ...: start
  // after them (outside the timing), so every write is a new supplier (an
  // existing one would be an update that re-ranks every list it is in).
  while (w.engine->store().GetSupplier("SNEW" + std::to_string(w.next_new)).ok()) ++w.next_new;
  Timed(state, [&](std::mt19937_64& rng) {
    const Supplier& base = w.supplier_bases[rng() % w.supplier_bases.size()];
    Supplier s = SynthSupplier(base, 0, provs, seed);
    do {  // (ids taken by another benchmark of this run are skipped too)
      s.id = "SNEW" + std::to_string(w.next_new++);
    } while (w.engine->store().GetSupplier(s.id).ok());
    Status put = w.engine->PutSupplier(s);
    if (!put.ok() && errors++ == 0) std::fprintf(stderr, "PutSupplier: %s\n", put.ToString().c_str());
  });
  state.counters["errors"] = static_cast<double>(errors);
}
BENCHMARK(BM_RefreshNew)->Iterations(200)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ketnoi::engine

int main(int argc, char** argv) {
  spdlog::cfg::load_env_levels();  // SPDLOG_LEVEL=debug: each refresh's breakdown
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  auto& w = ketnoi::engine::Get();
  std::string db = w.db;
  bool temporary = w.temporary;
  w.engine.reset();
  if (temporary) std::filesystem::remove_all(db);
  return 0;
}
