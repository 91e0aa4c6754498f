// Embedding throughput of the built-in LSA embedder: documents of ~300
// characters of Vietnamese-like text, analysed then projected to 256
// dimensions (the default). Reports documents per second on one thread.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "indexer/analyzer.h"
#include "indexer/embedder.h"

namespace ketnoi::indexer {
namespace {

const char* kWords[] = {"máy", "sấy", "chè", "băng", "tải", "công", "suất", "tấn", "giờ", "điện",
                        "lò", "hơi", "đốt", "củi", "chế", "biến", "nông", "sản", "sắn", "tinh",
                        "bột", "xay", "xát", "gạo", "lúa", "đóng", "gói", "hút", "chân", "không",
                        "cơ", "khí", "hàn", "tiện", "phay", "gỗ", "mộc", "dệt", "may", "nhuộm",
                        "tôm", "cá", "đông", "lạnh", "kho", "bảo", "quản", "tư", "vấn", "quy",
                        "trình", "VietGAP", "HACCP", "ISO", "lắp", "đặt", "bảo", "hành", "inox", "304"};

// ~300-character texts drawn from kWords with a Zipf-like skew.
std::vector<std::string> Texts(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const size_t nw = sizeof(kWords) / sizeof(kWords[0]);
  std::vector<std::string> out(n);
  for (auto& t : out) {
    while (t.size() < 300) {
      size_t w = static_cast<size_t>(nw * std::pow(std::uniform_real_distribution<>(0, 1)(rng), 2));
      t += kWords[std::min(w, nw - 1)];
      t += ' ';
    }
  }
  return out;
}

struct Fixture {
  Analyzer analyzer{nullptr};
  std::vector<std::string> texts = Texts(4000, 1);
  std::vector<std::vector<Feature>> features;
  std::unique_ptr<LsaEmbedder> lsa;
  Fixture() {
    for (const auto& t : texts) features.push_back(analyzer.Analyze(t).features);
    std::vector<const std::vector<Feature>*> ptrs;
    for (auto& f : features) ptrs.push_back(&f);
    lsa = std::move(LsaEmbedder::Train(ptrs, KindWeights{}, LsaOptions{})).value();
  }
};

Fixture& Get() {
  static Fixture* f = new Fixture();
  return *f;
}

// Projection alone (features already analysed).
void BM_ProjectLsa256(benchmark::State& state) {
  Fixture& f = Get();
  std::vector<float> out(f.lsa->dim());
  size_t i = 0;
  for (auto _ : state) {
    EmbedInput in;
    in.features = &f.features[i++ % f.features.size()];
    benchmark::DoNotOptimize(f.lsa->Embed(in, out.data()));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProjectLsa256);

// Analysis plus projection: the cost of embedding one new document.
void BM_AnalyzeAndEmbed(benchmark::State& state) {
  Fixture& f = Get();
  std::vector<float> out(f.lsa->dim());
  size_t i = 0;
  for (auto _ : state) {
    Analysis a = f.analyzer.Analyze(f.texts[i++ % f.texts.size()]);
    EmbedInput in;
    in.features = &a.features;
    benchmark::DoNotOptimize(f.lsa->Embed(in, out.data()));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AnalyzeAndEmbed);

// Learning the projection from 4,000 documents.
void BM_TrainLsa(benchmark::State& state) {
  Fixture& f = Get();
  std::vector<const std::vector<Feature>*> ptrs;
  for (auto& x : f.features) ptrs.push_back(&x);
  for (auto _ : state) {
    benchmark::DoNotOptimize(LsaEmbedder::Train(ptrs, KindWeights{}, LsaOptions{}));
  }
}
BENCHMARK(BM_TrainLsa)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
}  // namespace ketnoi::indexer

BENCHMARK_MAIN();
