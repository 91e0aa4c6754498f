#include "indexer/metrics.h"

#include <algorithm>
#include <cmath>

namespace ketnoi::indexer {

QueryMetrics ScoreRanking(const std::vector<std::string>& ranked,
                          const std::unordered_map<std::string, int>& relevant,
                          int k) {
  QueryMetrics m;
  if (relevant.empty()) return m;
  int total_relevant = 0;
  std::vector<int> grades;
  for (const auto& [id, grade] : relevant) {
    if (grade > 0) {
      ++total_relevant;
      grades.push_back(grade);
    }
  }
  if (total_relevant == 0) return m;
  double dcg = 0;
  int hits_k = 0;
  const int n = std::min<int>(k, static_cast<int>(ranked.size()));
  for (int i = 0; i < n; ++i) {
    auto it = relevant.find(ranked[i]);
    if (it == relevant.end() || it->second <= 0) continue;
    ++hits_k;
    if (i == 0) m.recall_at_1 = 1.0 / total_relevant;
    if (m.mrr_at_k == 0) m.mrr_at_k = 1.0 / (i + 1);
    dcg += it->second / std::log2(i + 2.0);
  }
  std::sort(grades.rbegin(), grades.rend());
  double ideal = 0;
  for (int i = 0; i < std::min<int>(k, static_cast<int>(grades.size())); ++i) {
    ideal += grades[i] / std::log2(i + 2.0);
  }
  m.recall_at_k = static_cast<double>(hits_k) / total_relevant;
  m.ndcg_at_k = ideal > 0 ? dcg / ideal : 0;
  return m;
}

void MetricsAccumulator::Add(const QueryMetrics& m) {
  sum_.recall_at_1 += m.recall_at_1;
  sum_.recall_at_k += m.recall_at_k;
  sum_.mrr_at_k += m.mrr_at_k;
  sum_.ndcg_at_k += m.ndcg_at_k;
  ++count_;
}

QueryMetrics MetricsAccumulator::Mean() const {
  QueryMetrics m;
  if (count_ == 0) return m;
  m.recall_at_1 = sum_.recall_at_1 / count_;
  m.recall_at_k = sum_.recall_at_k / count_;
  m.mrr_at_k = sum_.mrr_at_k / count_;
  m.ndcg_at_k = sum_.ndcg_at_k / count_;
  return m;
}

}  // namespace ketnoi::indexer
