// Compares SparseIndex::Search with pruning (MaxScore, SetPruning(true)) against
// the exhaustive search: indexes the suppliers of a dataset (name + text,
// analysed with the data/lexicon concepts) and queries every need text.
// Prints the mean top-k overlap, the number of queries whose top k differs
// and the mean time per search of each (over at most 2000 of the needs,
// evenly spaced). With BUDGETS (comma-separated
// posting budgets), also the posting-budgeted search (Search's max_postings)
// against the exhaustive one: top-k and top-10 overlap and time per budget.
//
//   sparse_prune_check DATASET_DIR [k=200] [BUDGETS]
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
  // At most 2000 queries, evenly spaced, keep large sets quick to check.
  if (queries.size() > 2000) {
    std::vector<SparseVector> sample;
    for (size_t i = 0; i < 2000; ++i) sample.push_back(queries[i * queries.size() / 2000]);
    queries = std::move(sample);
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
  if (argc > 3) {
    double postings = 0;
    for (const SparseVector& q : queries) {
      for (const auto& t : q) postings += vocab.df(t.id);
    }
    std::printf("mean postings per query %.0f\n", postings / n);
    index.SetPruning(false);
    std::string list = argv[3];
    for (size_t pos = 0; pos < list.size();) {
      size_t end = list.find(',', pos);
      if (end == std::string::npos) end = list.size();
      const size_t budget = std::stoul(list.substr(pos, end - pos));
      pos = end + 1;
      double ov_k = 0, ov_10 = 0, t_ex = 0, t_b = 0;
      for (const SparseVector& q : queries) {
        auto t0 = std::chrono::steady_clock::now();
        auto exact = index.Search(q, k);
        auto t1 = std::chrono::steady_clock::now();
        auto budgeted = index.Search(q, k, nullptr, budget);
        auto t2 = std::chrono::steady_clock::now();
        t_ex += std::chrono::duration<double, std::milli>(t1 - t0).count();
        t_b += std::chrono::duration<double, std::milli>(t2 - t1).count();
        for (size_t depth : {k, size_t{10}}) {
          std::unordered_set<int64_t> in;
          for (size_t i = 0; i < exact.size() && i < depth; ++i) in.insert(exact[i].id);
          size_t common = 0;
          for (size_t i = 0; i < budgeted.size() && i < depth; ++i) common += in.count(budgeted[i].id);
          double v = in.empty() ? 1.0 : static_cast<double>(common) / in.size();
          (depth == k ? ov_k : ov_10) += v;
        }
      }
      std::printf("budget %zu: top-%zu overlap %.4f, top-10 overlap %.4f; ms/search exhaustive %.3f budgeted %.3f\n",
                  budget, k, ov_k / n, ov_10 / n, t_ex / n, t_b / n);
    }
  }
  std::printf("%s: %lld suppliers, %zu equipment-need queries, k=%zu\n", dir.c_str(),
              static_cast<long long>(id), queries.size(), k);
  std::printf("top-%zu overlap %.4f, queries differing %zu; ms/search exhaustive %.3f pruned %.3f\n",
              k, overlap / n, differ, t_exact / n, t_pruned / n);
  return 0;
}
