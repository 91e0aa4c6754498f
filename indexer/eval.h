// Retrieval evaluation over labelled query sets, shared by `ketnoi eval`
// and benchmarks/compare. Knows nothing about facilities: a set is a corpus
// of documents (id + weighted fields), queries (id + weighted fields) and
// graded relevance judgements.
#pragma once

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/status.h"
#include "indexer/metrics.h"
#include "indexer/retriever.h"

namespace ketnoi::indexer {

struct EvalQuery {
  std::string id;
  std::vector<TextField> fields;
};

struct EvalSet {
  std::string name;
  std::vector<std::string> doc_ids;  // doc_ids[i] is Document::id == i
  // BEIR sets: each document's title as written ("" when none); the
  // document's field already holds title + " " + text.
  std::vector<std::string> doc_titles;
  std::vector<Document> docs;
  std::vector<EvalQuery> queries;    // only queries with judgements
  Qrels qrels;
  // Named subsets of the queries reported separately (e.g. "no diacritics").
  std::vector<std::pair<std::string, std::unordered_set<std::string>>> subsets;
};

// Reads a BEIR-style directory: corpus.jsonl ({"id","text","title"?}; the
// document is title + " " + text), queries.jsonl ({"id","text"}), qrels.tsv
// (header line, then query-id, corpus-id, grade). Errors name file:line.
StatusOr<EvalSet> LoadBeirSet(const std::string& dir);

// Reads a TSV of judgements: id <TAB> id <TAB> grade; a first line whose
// grade is not a number is a header and skipped.
StatusOr<Qrels> LoadQrels(const std::string& path);

struct EvalReport {
  QueryMetrics metrics;  // macro-averaged
  int queries = 0;
  int k = 10;
  double build_seconds = 0;
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  RetrieverStats stats;
  std::vector<std::pair<std::string, QueryMetrics>> per_query;  // query id, metrics
};

// Builds `retriever` over the set's documents, runs every judged query
// (top max(k, 10)) and scores the rankings.
StatusOr<EvalReport> EvaluateRetriever(Retriever* retriever, const EvalSet& set, int k);

// Latency percentile (p in [0, 100]) of `ms` (sorted in place).
double Percentile(std::vector<double>* ms, double p);

}  // namespace ketnoi::indexer
