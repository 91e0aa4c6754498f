// Checks and times SparseIndex::Search on a real corpus: indexes the
// suppliers of a dataset (name + text, analysed with the data/lexicon
// concepts) and queries the equipment needs' texts (at most QUERIES, default
// 2000, evenly spaced). In this order, all on one thread:
//   1. the exhaustive search (the reference lists);
//   2. with BUDGETS (comma-separated posting budgets), the budgeted search
//      (Search's max_postings) per budget: top-k and top-10 overlap with
//      the exhaustive lists;
//   3. with pruning (MaxScore, SetPruning(true)): overlap and lists that
//      differ from the exhaustive ones;
//   4. the exhaustive search again: lists that differ from step 1 (a search
//      must leave nothing behind that changes the next one).
// Prints the mean and p99 time per search of each (CPU time of the thread,
// so that other processes on a shared machine count less), and the index
// build time.
// With DUMP (a file path), every list of steps 1-3 is also written there, one
// line per search: "<mode> <query> id:score ..." (mode E exhaustive, P
// pruned, B<budget> budgeted; scores with 9 significant digits), so that two
// builds of the index can be compared list by list
// (benchmarks/compare_dumps.py OLD NEW).
//
//   sparse_prune_check DATASET_DIR [k=200] [BUDGETS|-] [DUMP|-] [QUERIES]
#include <time.h>

#include <algorithm>
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

namespace {

using Hits = std::vector<SparseHit>;

void Dump(std::FILE* f, const std::string& mode, size_t query, const Hits& hits) {
  if (f == nullptr) return;
  std::fprintf(f, "%s %zu", mode.c_str(), query);
  for (const SparseHit& h : hits) {
    std::fprintf(f, " %lld:%.9g", static_cast<long long>(h.id), h.score);
  }
  std::fputc('\n', f);
}

// Share of the first `depth` ids of `ref` found among the first `depth` of `got`.
double Overlap(const Hits& ref, const Hits& got, size_t depth) {
  std::unordered_set<int64_t> in;
  for (size_t i = 0; i < ref.size() && i < depth; ++i) in.insert(ref[i].id);
  size_t common = 0;
  for (size_t i = 0; i < got.size() && i < depth; ++i) common += in.count(got[i].id);
  return in.empty() ? (got.empty() ? 1.0 : 0.0) : static_cast<double>(common) / in.size();
}

bool SameIds(const Hits& a, const Hits& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].id != b[i].id) return false;
  }
  return true;
}

double ThreadCpuMs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// Runs `search` on every query, timing each (thread CPU time); returns the lists.
template <typename F>
std::vector<Hits> Run(const std::vector<SparseVector>& queries, F&& search, double* mean_ms,
                      double* p99_ms) {
  std::vector<Hits> out;
  std::vector<double> ms;
  for (const SparseVector& q : queries) {
    const double t0 = ThreadCpuMs();
    out.push_back(search(q));
    ms.push_back(ThreadCpuMs() - t0);
  }
  double sum = 0;
  for (double x : ms) sum += x;
  std::sort(ms.begin(), ms.end());
  *mean_ms = ms.empty() ? 0 : sum / ms.size();
  *p99_ms = ms.empty() ? 0 : ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: sparse_prune_check DATASET_DIR [k] [BUDGETS|-] [DUMP|-] [QUERIES]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const size_t k = argc > 2 ? std::stoul(argv[2]) : 200;
  const std::string budgets = argc > 3 && std::string(argv[3]) != "-" ? argv[3] : "";
  const size_t max_queries = argc > 5 ? std::stoul(argv[5]) : 2000;
  std::FILE* dump = nullptr;
  if (argc > 4 && std::string(argv[4]) != "-") {
    dump = std::fopen(argv[4], "w");
    if (dump == nullptr) {
      std::fprintf(stderr, "cannot write %s\n", argv[4]);
      return 1;
    }
  }
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
  std::vector<std::vector<Feature>> docs;
  while (std::getline(sup, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    docs.push_back(analyzer.Analyze(j.value("name", "") + ". " + j.value("text", "")).features);
  }
  const double b0 = ThreadCpuMs();
  for (size_t i = 0; i < docs.size(); ++i) index.Upsert(static_cast<int64_t>(i + 1), docs[i]);
  const double build_ms = ThreadCpuMs() - b0;
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
  // At most max_queries, evenly spaced, keep large sets quick to check.
  if (queries.size() > max_queries) {
    std::vector<SparseVector> sample;
    for (size_t i = 0; i < max_queries; ++i) {
      sample.push_back(queries[i * queries.size() / max_queries]);
    }
    queries = std::move(sample);
  }
  const size_t n = std::max<size_t>(queries.size(), 1);
  double postings = 0;
  for (const SparseVector& q : queries) {
    for (const auto& t : q) postings += vocab.df(t.id);
  }
  std::printf("%s: %zu suppliers indexed in %.0f ms (%.1f MB), %zu equipment-need queries, "
              "k=%zu, mean postings per query %.0f\n",
              dir.c_str(), docs.size(), build_ms, index.MemoryBytes() / 1e6, queries.size(), k,
              postings / n);

  double mean = 0, p99 = 0;
  index.SetPruning(false);
  const std::vector<Hits> exact =
      Run(queries, [&](const SparseVector& q) { return index.Search(q, k); }, &mean, &p99);
  for (size_t i = 0; i < exact.size(); ++i) Dump(dump, "E", i, exact[i]);
  std::printf("exhaustive: ms/search mean %.3f p99 %.3f\n", mean, p99);

  for (size_t pos = 0; pos < budgets.size();) {
    size_t end = budgets.find(',', pos);
    if (end == std::string::npos) end = budgets.size();
    const size_t budget = std::stoul(budgets.substr(pos, end - pos));
    pos = end + 1;
    const std::vector<Hits> got = Run(
        queries, [&](const SparseVector& q) { return index.Search(q, k, nullptr, budget); },
        &mean, &p99);
    double ov_k = 0, ov_10 = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      Dump(dump, "B" + std::to_string(budget), i, got[i]);
      ov_k += Overlap(exact[i], got[i], k);
      ov_10 += Overlap(exact[i], got[i], 10);
    }
    std::printf("budget %zu: top-%zu overlap %.4f, top-10 overlap %.4f; ms/search mean %.3f p99 %.3f\n",
                budget, k, ov_k / n, ov_10 / n, mean, p99);
  }

  index.SetPruning(true);
  const std::vector<Hits> pruned =
      Run(queries, [&](const SparseVector& q) { return index.Search(q, k); }, &mean, &p99);
  index.SetPruning(false);
  double overlap = 0;
  size_t differ = 0;
  for (size_t i = 0; i < pruned.size(); ++i) {
    Dump(dump, "P", i, pruned[i]);
    overlap += Overlap(exact[i], pruned[i], k);
    differ += !SameIds(exact[i], pruned[i]);
  }
  std::printf("pruned: top-%zu overlap %.4f, lists differing %zu; ms/search mean %.3f p99 %.3f\n",
              k, overlap / n, differ, mean, p99);

  const std::vector<Hits> again =
      Run(queries, [&](const SparseVector& q) { return index.Search(q, k); }, &mean, &p99);
  size_t changed = 0;
  for (size_t i = 0; i < again.size(); ++i) changed += !SameIds(exact[i], again[i]);
  std::printf("exhaustive again: lists differing from the first run %zu; ms/search mean %.3f "
              "p99 %.3f\n",
              changed, mean, p99);
  if (dump != nullptr) std::fclose(dump);
  return 0;
}
