// Vector index build and search, exact flat vs the automatic IVF choice:
// search asks for the top 200; counters report recall@10 against exact
// search, p99 latency and memory per vector.
//   Synthetic: N unit vectors of dimension 256 in overlapping clusters
//   (KETNOI_BENCH_N, default 200,000; 1000000 for the 1M target).
//   Real: KETNOI_BENCH_VECTORS=FILE, a saved vector index (a retriever's
//   `vectors` file, e.g. var/.../index/needs-equipment/vectors of an
//   imported var/gen-1m): every stored vector, 200 of them (evenly spaced)
//   held out as the queries and the rest indexed.
//   Texts: KETNOI_BENCH_TEXTS=FILE, one document a line (e.g. every need,
//   supplier and expert text of var/gen-1m, ~1.47 M lines): analysed with
//   the lexicon (KETNOI_BENCH_LEXICON, default data/lexicon), a projection
//   of dimension KETNOI_BENCH_DIM (default 128, the engine's) learned on an
//   even sample of 100,000, every text embedded; then as Real. So the 1M
//   target is measured on vectors of one projection, not on several
//   collections' vectors put together.
// KETNOI_BENCH_NPROBE=N sets the IVF lists probed (default:
// VectorIndexOptions' choice).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/parallel.h"
#include "indexer/analyzer.h"
#include "indexer/embedder.h"
#include "indexer/lexicon.h"
#include "indexer/vector_index.h"

namespace ketnoi::indexer {
namespace {

constexpr int kSyntheticDim = 256;
constexpr size_t kQueries = 200;

size_t BenchN() {
  const char* v = std::getenv("KETNOI_BENCH_N");
  return v != nullptr ? std::strtoull(v, nullptr, 10) : 200000;
}

std::vector<float> Clustered(size_t n, size_t clusters, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> centres(clusters * kSyntheticDim), x(n * kSyntheticDim);
  for (float& c : centres) c = g(rng);
  for (size_t i = 0; i < n; ++i) {
    size_t c = rng() % clusters;
    for (int j = 0; j < kSyntheticDim; ++j) {
      x[i * kSyntheticDim + j] = centres[c * kSyntheticDim + j] + 0.8f * g(rng);
    }
    L2Normalize(&x[i * kSyntheticDim], kSyntheticDim);
  }
  return x;
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "index_bench: %s\n", what.c_str());
  std::exit(1);
}

struct Data {
  int dim = kSyntheticDim;
  size_t n = 0;
  std::vector<float> x, q;
  std::vector<int64_t> ids;
  std::unique_ptr<VectorIndex> flat;
  Data() {
    if (const char* path = std::getenv("KETNOI_BENCH_VECTORS")) {
      LoadReal(path);
    } else if (const char* texts = std::getenv("KETNOI_BENCH_TEXTS")) {
      EmbedTexts(texts);
    } else {
      n = BenchN();
      x = Clustered(n, n / 100 + 1, 1);
      q = Clustered(kQueries, n / 100 + 1, 2);
      ids.resize(n);
      for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int64_t>(i) * 3 + 11;
    }
  }
  void EmbedTexts(const std::string& path) {
    std::vector<std::string> lines;
    {
      std::ifstream in(path);
      if (!in) Fail("cannot read " + path);
      for (std::string line; std::getline(in, line);) {
        if (!line.empty()) lines.push_back(std::move(line));
      }
    }
    if (lines.size() < 2 * kQueries) Fail(path + ": too few texts");
    const char* lex_dir = std::getenv("KETNOI_BENCH_LEXICON");
    auto lexicon = Lexicon::Load(lex_dir != nullptr ? lex_dir : "data/lexicon");
    if (!lexicon.ok()) Fail(lexicon.status().ToString());
    Analyzer analyzer(lexicon->get());
    LsaOptions lo;
    if (const char* d = std::getenv("KETNOI_BENCH_DIM")) lo.dim = std::atoi(d);
    else lo.dim = 128;
    auto t0 = std::chrono::steady_clock::now();
    const size_t step = std::max<size_t>(1, lines.size() / lo.max_train_docs);
    std::vector<std::vector<Feature>> sample((lines.size() + step - 1) / step);
    const size_t threads = std::max(1u, std::thread::hardware_concurrency());
    ParallelFor(sample.size(), threads, [&](size_t i) {
      sample[i] = analyzer.Analyze(lines[i * step]).features;
    });
    std::vector<const std::vector<Feature>*> docs;
    for (const auto& f : sample) docs.push_back(&f);
    auto lsa = LsaEmbedder::Train(docs, KindWeights{}, lo);
    if (!lsa.ok()) Fail(lsa.status().ToString());
    sample.clear();
    auto t1 = std::chrono::steady_clock::now();
    dim = (*lsa)->dim();
    std::vector<float> all(lines.size() * static_cast<size_t>(dim));
    ParallelFor(lines.size(), threads, [&](size_t i) {
      const std::vector<Feature> f = analyzer.Analyze(lines[i]).features;
      EmbedInput input;
      input.features = &f;
      if (Status s = (*lsa)->Embed(input, &all[i * dim]); !s.ok()) {
        Fail(path + ":" + std::to_string(i + 1) + ": " + s.ToString());
      }
    });
    auto t2 = std::chrono::steady_clock::now();
    const size_t stride = lines.size() / kQueries;
    for (size_t i = 0; i < lines.size(); ++i) {
      Take(i, stride, &all[i * dim], static_cast<int64_t>(i));
    }
    n = ids.size();
    std::fprintf(stderr,
                 "index_bench: %zu texts from %s embedded in %d dimensions (projection learned "
                 "on %zu in %.1f s, all embedded in %.1f s), %zu held out\n",
                 lines.size(), path.c_str(), dim, docs.size(),
                 std::chrono::duration<double>(t1 - t0).count(),
                 std::chrono::duration<double>(t2 - t1).count(), q.size() / dim);
  }

  // The i-th of the loaded vectors (dim floats at v): every stride-th one,
  // up to kQueries, is held out as a query, the others are indexed as id.
  void Take(size_t i, size_t stride, const float* v, int64_t id) {
    const bool held_out = i % stride == 0 && q.size() < kQueries * static_cast<size_t>(dim);
    std::vector<float>& to = held_out ? q : x;
    to.insert(to.end(), v, v + dim);
    if (!held_out) ids.push_back(id);
  }

  // The file's header names the embedder version and dimension Load expects.
  void LoadReal(const std::string& path) {
    auto info = VectorIndex::ReadHeader(path);
    if (!info.ok()) Fail(info.status().ToString());
    VectorIndexOptions o;
    o.dim = info->dim;
    auto index = VectorIndex::Load(path, o, info->header.embedder_version, nullptr);
    if (!index.ok()) Fail(index.status().ToString());
    dim = info->dim;
    const std::vector<int64_t> all = (*index)->Ids();
    if (all.size() < 2 * kQueries) Fail(path + ": too few vectors");
    std::vector<float> v(static_cast<size_t>(dim));
    const size_t stride = all.size() / kQueries;
    for (size_t i = 0; i < all.size(); ++i) {
      if (!(*index)->Vector(all[i], v.data())) Fail("no vector for id " + std::to_string(all[i]));
      Take(i, stride, v.data(), all[i]);
    }
    n = ids.size();
    std::fprintf(stderr, "index_bench: %zu vectors of dimension %d from %s (%s), %zu held out\n",
                 n, dim, path.c_str(), (*index)->Describe().c_str(), q.size() / dim);
  }
};

Data& Get() {
  static Data* d = new Data();
  return *d;
}

std::unique_ptr<VectorIndex> BuildIndex(VectorIndexType type) {
  Data& d = Get();
  VectorIndexOptions o;
  o.dim = d.dim;
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
  const size_t queries = d.q.size() / d.dim;
  double recall = 0;
  for (size_t i = 0; i < queries; ++i) {
    auto a = index->Search(&d.q[i * d.dim], 10);
    auto e = d.flat->Search(&d.q[i * d.dim], 10);
    std::set<int64_t> truth;
    for (auto& h : *e) truth.insert(h.id);
    for (auto& h : *a) recall += truth.count(h.id) / 10.0;
  }
  std::vector<double> ms;
  size_t i = 0;
  for (auto _ : state) {
    auto t = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(index->Search(&d.q[(i++ % queries) * d.dim], 200));
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
  }
  std::sort(ms.begin(), ms.end());
  state.counters["recall@10"] = recall / static_cast<double>(queries);
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
