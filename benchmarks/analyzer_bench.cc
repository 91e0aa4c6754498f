// Throughput of the text analysis (indexer/analyzer.h) on the demo
// dataset's texts: normalisation alone, tokenisation, lexicon matching,
// quantity parsing, and the whole Analyze() that indexing runs per document.
// items_per_second is documents per second on one core (one thread).
#include <benchmark/benchmark.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "indexer/analyzer.h"
#include "indexer/lexicon.h"
#include "indexer/normalize.h"
#include "indexer/quantity.h"
#include "indexer/tokenize.h"

namespace ketnoi::indexer {
namespace {

#ifndef KETNOI_DATA_DIR
#define KETNOI_DATA_DIR "data"
#endif

// Supplier, expert and need texts of the demo set, each cut or repeated to
// about 300 characters (bytes are ~1.2x characters for Vietnamese).
const std::vector<std::string>& Docs() {
  static const auto* docs = [] {
    auto* out = new std::vector<std::string>;
    std::vector<std::string> texts;
    for (const char* file : {"suppliers.jsonl", "experts.jsonl", "facilities.jsonl"}) {
      std::ifstream in(std::string(KETNOI_DATA_DIR) + "/demo/" + file);
      std::string line;
      while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded()) continue;
        if (j.contains("text") && j["text"].is_string()) texts.push_back(j["text"]);
        if (j.contains("needs") && j["needs"].is_array()) {
          for (const auto& n : j["needs"]) {
            if (n.contains("text") && n["text"].is_string()) texts.push_back(n["text"]);
          }
        }
      }
    }
    if (texts.empty()) {
      texts = {"Chế tạo và lắp đặt máy chế biến chè xanh: máy vò chè 6CR-55, máy sấy chè băng tải "
               "300-500 kg chè tươi/giờ, giá từ 180 triệu đồng.",
               "can may say che 500kg/ngay, lo hoi dot cui 2 tan/h, dien 3 pha 380V",
               "We supply industrial sewing machines (Juki, Brother), cutting tables and steam "
               "irons for garment factories; 15 kW compressors."};
    }
    for (const std::string& t : texts) {
      std::string d = t;
      while (d.size() < 340) d += " " + t;
      size_t cut = 340;
      while (cut < d.size() && (static_cast<unsigned char>(d[cut]) & 0xC0) == 0x80) ++cut;
      out->push_back(d.substr(0, cut));
    }
    return out;
  }();
  return *docs;
}

const Lexicon* Lex() {
  static const Lexicon* lex = [] {
    auto l = Lexicon::Load(std::string(KETNOI_DATA_DIR) + "/lexicon");
    return l.ok() ? std::move(l).value().release() : nullptr;
  }();
  return lex;
}

void SetCounters(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations());
  int64_t bytes = 0;
  for (const auto& d : Docs()) bytes += static_cast<int64_t>(d.size());
  state.SetBytesProcessed(state.iterations() * bytes / static_cast<int64_t>(Docs().size()));
}

void BM_Normalize(benchmark::State& state) {
  const auto& docs = Docs();
  std::string a, f;
  size_t i = 0;
  for (auto _ : state) {
    Normalize(docs[i++ % docs.size()], &a, &f);
    benchmark::DoNotOptimize(a.data());
  }
  SetCounters(state);
}
BENCHMARK(BM_Normalize);

void BM_Tokenize(benchmark::State& state) {
  std::vector<std::string> norm;
  for (const auto& d : Docs()) norm.push_back(NormalizeAccented(d));
  size_t i = 0;
  for (auto _ : state) {
    Tokens t = Tokenize(norm[i++ % norm.size()]);
    benchmark::DoNotOptimize(t.tokens.data());
  }
  SetCounters(state);
}
BENCHMARK(BM_Tokenize);

void BM_LexiconMatch(benchmark::State& state) {
  if (Lex() == nullptr) {
    state.SkipWithError("data/lexicon did not load");
    return;
  }
  const auto& docs = Docs();
  size_t i = 0;
  for (auto _ : state) {
    auto hits = Lex()->Match(docs[i++ % docs.size()]);
    benchmark::DoNotOptimize(hits.data());
  }
  SetCounters(state);
}
BENCHMARK(BM_LexiconMatch);

void BM_ParseQuantities(benchmark::State& state) {
  const auto& docs = Docs();
  size_t i = 0;
  for (auto _ : state) {
    auto q = ParseQuantities(docs[i++ % docs.size()]);
    benchmark::DoNotOptimize(q.data());
  }
  SetCounters(state);
}
BENCHMARK(BM_ParseQuantities);

// The whole per-document analysis: the figure the 20,000 documents per
// second per core target applies to.
void BM_Analyze(benchmark::State& state) {
  Analyzer analyzer(state.range(0) ? Lex() : nullptr);
  const auto& docs = Docs();
  size_t i = 0, features = 0;
  for (auto _ : state) {
    Analysis a = analyzer.Analyze(docs[i++ % docs.size()]);
    features += a.features.size();
    benchmark::DoNotOptimize(a.features.data());
  }
  SetCounters(state);
  state.counters["features_per_doc"] =
      static_cast<double>(features) / static_cast<double>(state.iterations());
  state.counters["docs"] = static_cast<double>(docs.size());
}
BENCHMARK(BM_Analyze)->Arg(0)->Arg(1)->ArgName("lexicon");

}  // namespace
}  // namespace ketnoi::indexer

BENCHMARK_MAIN();
