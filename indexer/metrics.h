// Retrieval quality metrics shared by `ketnoi eval` and benchmarks/compare.
// Definitions (as in ../shared/bench/README.md), macro-averaged over the
// queries that have at least one relevant document:
//   recall@k = |relevant in top k| / |relevant|
//   MRR@k    = 1 / rank of the first relevant result within the top k, else 0
//   nDCG@k   = sum(grade / log2(rank + 1)) over the top k, divided by the
//              value of the ideal ordering (grades are the gains)
// Pure functions over plain containers; thread-safe.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace ketnoi::indexer {

// Relevance judgements: query id -> (document id -> grade > 0).
using Qrels = std::unordered_map<std::string, std::unordered_map<std::string, int>>;

struct QueryMetrics {
  double recall_at_1 = 0;
  double recall_at_k = 0;
  double mrr_at_k = 0;
  double ndcg_at_k = 0;
};

// Metrics of one ranked list (`ranked`: best first) against `relevant`.
// `k` is the cut-off of recall@k, MRR@k and nDCG@k.
QueryMetrics ScoreRanking(const std::vector<std::string>& ranked,
                          const std::unordered_map<std::string, int>& relevant,
                          int k);

// Accumulates per-query metrics into macro-averages.
class MetricsAccumulator {
 public:
  void Add(const QueryMetrics& m);
  int count() const { return count_; }
  QueryMetrics Mean() const;

 private:
  QueryMetrics sum_;
  int count_ = 0;
};

}  // namespace ketnoi::indexer
