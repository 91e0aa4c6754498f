// Vector index build and search: N unit vectors of dimension 256 in
// overlapping clusters (KETNOI_BENCH_N, default 200,000; set 1000000 for the
// 1M target), exact flat vs the automatic IVF choice vs HNSW. Search asks
// for the top 200; counters report recall@10 against exact search, and
// memory per vector. KETNOI_BENCH_NPROBE=N sets the IVF lists probed
// (default: VectorIndexOptions' choice).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <vector>

#include "indexer/embedder.h"
#include "indexer/vector_index.h"

namespace ketnoi::indexer {
namespace {

constexpr int kDim = 256;

size_t BenchN() {
  const char* v = std::getenv("KETNOI_BENCH_N");
  return v != nullptr ? std::strtoull(v, nullptr, 10) : 200000;
}

std::vector<float> Clustered(size_t n, size_t clusters, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> centres(clusters * kDim), x(n * kDim);
  for (float& c : centres) c = g(rng);
  for (size_t i = 0; i < n; ++i) {
    size_t c = rng() % clusters;
    for (int j = 0; j < kDim; ++j) x[i * kDim + j] = centres[c * kDim + j] + 0.8f * g(rng);
    L2Normalize(&x[i * kDim], kDim);
  }
  return x;
}

struct Data {
  size_t n = BenchN();
  std::vector<float> x = Clustered(n, n / 100 + 1, 1);
  std::vector<float> q = Clustered(200, n / 100 + 1, 2);
  std::vector<int64_t> ids;
  std::unique_ptr<VectorIndex> flat;
  Data() {
    ids.resize(n);
    for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int64_t>(i) * 3 + 11;
  }
};

Data& Get() {
  static Data* d = new Data();
  return *d;
}

std::unique_ptr<VectorIndex> BuildIndex(VectorIndexType type) {
  Data& d = Get();
  VectorIndexOptions o;
  o.dim = kDim;
  o.type = type;
  if (const char* p = std::getenv("KETNOI_BENCH_NPROBE")) o.ivf_nprobe = std::atoi(p);
  auto index = std::move(VectorIndex::Create(o)).value();
  if (!index->Upsert(d.n, d.ids.data(), d.x.data()).ok()) std::abort();
  return index;
}

void BM_Build(benchmark::State& state) {
  auto type = static_cast<VectorIndexType>(state.range(0));
  std::unique_ptr<VectorIndex> index;
  for (auto _ : state) index = BuildIndex(type);
  state.SetLabel(index->Describe());
  state.counters["bytes_per_vector"] = static_cast<double>(index->Stats().memory_bytes) / Get().n;
}

void BM_SearchTop200(benchmark::State& state) {
  Data& d = Get();
  auto type = static_cast<VectorIndexType>(state.range(0));
  if (d.flat == nullptr) d.flat = BuildIndex(VectorIndexType::kFlat);
  std::unique_ptr<VectorIndex> own;
  const VectorIndex* index = d.flat.get();
  if (type != VectorIndexType::kFlat) {
    own = BuildIndex(type);
    index = own.get();
  }
  double recall = 0;
  for (int i = 0; i < 200; ++i) {
    auto a = index->Search(&d.q[i * kDim], 10);
    auto e = d.flat->Search(&d.q[i * kDim], 10);
    std::set<int64_t> truth;
    for (auto& h : *e) truth.insert(h.id);
    for (auto& h : *a) recall += truth.count(h.id) / 10.0;
  }
  std::vector<double> ms;
  size_t i = 0;
  for (auto _ : state) {
    auto t = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(index->Search(&d.q[(i++ % 200) * kDim], 200));
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
  }
  std::sort(ms.begin(), ms.end());
  state.counters["recall@10"] = recall / 200;
  state.counters["p99_ms"] = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  state.SetLabel(index->Describe());
}

BENCHMARK(BM_Build)->Arg(static_cast<int>(VectorIndexType::kFlat))
    ->Arg(static_cast<int>(VectorIndexType::kAuto))->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_SearchTop200)->Arg(static_cast<int>(VectorIndexType::kFlat))
    ->Arg(static_cast<int>(VectorIndexType::kAuto))->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ketnoi::indexer

BENCHMARK_MAIN();
