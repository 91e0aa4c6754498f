// Compares SparseIndex::Search with pruning (MaxScore, SetPruning(true)) against
// the exhaustive search: indexes the suppliers of a dataset (name + text,
// analysed with the data/lexicon concepts) and queries every need text.
// Prints the mean top-k overlap, the number of queries whose top k differs
// and the mean time per search of each.
//
//   sparse_prune_check DATASET_DIR [k=200]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "indexer/analyzer.h"
#include "indexer/lexicon.h"
#include "indexer/sparse_index.h"
#include "indexer/vocabulary.h"

using namespace ketnoi::indexer;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: sparse_prune_check DATASET_DIR [k]\n");
    return 2;
  }
  std::string dir = argv[1];
  size_t k = argc > 2 ? std::stoul(argv[2]) : 200;
  auto lexicon = Lexicon::Load(std::string(KETNOI_DATA_DIR) + "/lexicon");
  if (!lexicon.ok()) {
    std::fprintf(stderr, "lexicon: %s\n", lexicon.status().message().c_str());
    return 1;
  }
  Analyzer analyzer(lexicon->get());
  Vocabulary vocab;
  SparseIndex index(&vocab);
  std::ifstream sup(dir + "/suppliers.jsonl");
  std::string line;
  int64_t id = 0;
  while (std::getline(sup, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    std::string text = j.value("name", "") + ". " + j.value("text", "");
    index.Upsert(++id, analyzer.Analyze(text).features);
  }
  std::vector<SparseVector> queries;
  std::ifstream fac(dir + "/facilities.jsonl");
  while (std::getline(fac, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("needs")) continue;
    for (const auto& n : j["needs"]) {
      if (n.value("kind", "") != "equipment") continue;
      queries.push_back(vocab.QueryWeights(analyzer.Analyze(n.value("text", "")).features));
    }
  }
  double overlap = 0, t_exact = 0, t_pruned = 0;
  size_t differ = 0;
  for (const SparseVector& q : queries) {
    index.SetPruning(false);
    auto t0 = std::chrono::steady_clock::now();
    auto exact = index.Search(q, k);
    index.SetPruning(true);
    auto t1 = std::chrono::steady_clock::now();
    auto pruned = index.Search(q, k);
    auto t2 = std::chrono::steady_clock::now();
    t_exact += std::chrono::duration<double, std::milli>(t1 - t0).count();
    t_pruned += std::chrono::duration<double, std::milli>(t2 - t1).count();
    std::unordered_set<int64_t> in;
    for (const auto& h : exact) in.insert(h.id);
    size_t common = 0;
    for (const auto& h : pruned) common += in.count(h.id);
    size_t denom = std::max(exact.size(), pruned.size());
    overlap += denom == 0 ? 1.0 : static_cast<double>(common) / denom;
    if (common != denom || exact.size() != pruned.size()) ++differ;
  }
  size_t n = std::max<size_t>(queries.size(), 1);
  std::printf("%s: %lld suppliers, %zu equipment-need queries, k=%zu\n", dir.c_str(),
              static_cast<long long>(id), queries.size(), k);
  std::printf("top-%zu overlap %.4f, queries differing %zu; ms/search exhaustive %.3f pruned %.3f\n",
              k, overlap / n, differ, t_exact / n, t_pruned / n);
  return 0;
}
