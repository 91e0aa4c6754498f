#include "indexer/eval.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_set>

namespace ketnoi::indexer {
namespace {

std::string Where(const std::string& path, size_t line) {
  return path + ":" + std::to_string(line);
}

// Calls fn(json object, line number) for each non-empty line.
template <typename Fn>
Status ForEachJsonLine(const std::string& path, Fn fn) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot open " + path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return InvalidArgument(Where(path, n) + ": not a JSON object");
    }
    Status s = fn(j, n);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

std::string StringField(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

}  // namespace

StatusOr<Qrels> LoadQrels(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot open " + path);
  Qrels qrels;
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    size_t a = line.find('\t'), b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) return InvalidArgument(Where(path, n) + ": expected 3 columns");
    std::string grade = line.substr(b + 1);
    char* end = nullptr;
    long g = std::strtol(grade.c_str(), &end, 10);
    if (grade.empty() || *end != '\0') {
      if (n == 1) continue;  // header
      return InvalidArgument(Where(path, n) + ": grade '" + grade + "' is not an integer");
    }
    if (g > 0) qrels[line.substr(0, a)][line.substr(a + 1, b - a - 1)] = static_cast<int>(g);
  }
  return qrels;
}

StatusOr<EvalSet> LoadBeirSet(const std::string& dir) {
  EvalSet set;
  set.name = dir.substr(dir.find_last_of('/', dir.size() - 2) + 1);
  if (!set.name.empty() && set.name.back() == '/') set.name.pop_back();
  std::unordered_map<std::string, size_t> seen;
  const std::string corpus = dir + "/corpus.jsonl";
  Status s = ForEachJsonLine(corpus, [&](const nlohmann::json& j, size_t n) -> Status {
    std::string id = StringField(j, "id");
    if (id.empty()) return InvalidArgument(Where(corpus, n) + ": field 'id' is required");
    if (!seen.emplace(id, set.docs.size()).second) {
      return InvalidArgument(Where(corpus, n) + ": duplicate id '" + id + "'");
    }
    std::string title = StringField(j, "title"), text = StringField(j, "text");
    Document d;
    d.id = static_cast<int64_t>(set.docs.size());
    d.fields.push_back({title.empty() ? text : title + " " + text, 1.0f});
    set.doc_ids.push_back(std::move(id));
    set.doc_titles.push_back(std::move(title));
    set.docs.push_back(std::move(d));
    return Status::OK();
  });
  if (!s.ok()) return s;
  auto qrels = LoadQrels(dir + "/qrels.tsv");
  if (!qrels.ok()) return qrels.status();
  set.qrels = std::move(qrels).value();
  for (const auto& [qid, rel] : set.qrels) {
    for (const auto& [did, g] : rel) {
      if (!seen.count(did)) {
        return InvalidArgument(dir + "/qrels.tsv: query " + qid + " names unknown document " + did);
      }
    }
  }
  const std::string queries = dir + "/queries.jsonl";
  s = ForEachJsonLine(queries, [&](const nlohmann::json& j, size_t n) -> Status {
    std::string id = StringField(j, "id");
    if (id.empty()) return InvalidArgument(Where(queries, n) + ": field 'id' is required");
    if (!set.qrels.count(id)) return Status::OK();
    set.queries.push_back({id, {{StringField(j, "text"), 1.0f}}});
    return Status::OK();
  });
  if (!s.ok()) return s;
  return set;
}

double Percentile(std::vector<double>* ms, double p) {
  if (ms->empty()) return 0;
  std::sort(ms->begin(), ms->end());
  size_t i = static_cast<size_t>(std::ceil(p / 100.0 * ms->size()));
  return (*ms)[std::min(ms->size() - 1, i == 0 ? 0 : i - 1)];
}

StatusOr<EvalReport> EvaluateRetriever(Retriever* retriever, const EvalSet& set, int k) {
  using Clock = std::chrono::steady_clock;
  EvalReport report;
  report.k = k;
  auto t0 = Clock::now();
  Status s = retriever->Build(set.docs);
  if (!s.ok()) return s;
  report.build_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  MetricsAccumulator acc;
  std::vector<double> latencies;
  latencies.reserve(set.queries.size());
  for (const EvalQuery& q : set.queries) {
    Query query;
    query.fields = q.fields;
    query.k = static_cast<size_t>(std::max(k, 10));
    auto t = Clock::now();
    auto result = retriever->Search(query);
    latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    if (!result.ok()) return result.status().WithPrefix("query " + q.id);
    std::vector<std::string> ranked;
    for (const Candidate& c : *result) ranked.push_back(set.doc_ids[static_cast<size_t>(c.id)]);
    QueryMetrics qm = ScoreRanking(ranked, set.qrels.at(q.id), k);
    acc.Add(qm);
    report.per_query.emplace_back(q.id, qm);
  }
  report.metrics = acc.Mean();
  report.queries = acc.count();
  report.latency_p50_ms = Percentile(&latencies, 50);
  report.latency_p99_ms = Percentile(&latencies, 99);
  report.stats = retriever->Stats();
  return report;
}

}  // namespace ketnoi::indexer
