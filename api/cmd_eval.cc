// `ketnoi eval DATASET_DIR [--k 10] [--json]`: retrieval quality of the
// indexer on a labelled set (see api/eval_sets.h for the two directory
// kinds). Prints recall@1, recall@k, MRR@k, nDCG@k per set and subset; the
// last plain line is "nDCG@10=0.xxx recall@10=0.xxx MRR@10=0.xxx" over all
// queries.
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "api/commands.h"
#include "api/eval_sets.h"
#include "engine/reference.h"
#include "indexer/analyzer.h"
#include "indexer/eval.h"
#include "indexer/lexicon.h"
#include "indexer/retriever.h"

namespace ketnoi::api {
namespace {

using indexer::MetricsAccumulator;
using indexer::QueryMetrics;

void PrintMetrics(const std::string& label, const QueryMetrics& m, int n, int k) {
  std::printf("%-32s queries=%-5d recall@1=%.3f recall@%d=%.3f MRR@%d=%.3f nDCG@%d=%.3f\n",
              label.c_str(), n, m.recall_at_1, k, m.recall_at_k, k, m.mrr_at_k, k, m.ndcg_at_k);
}

nlohmann::json MetricsJson(const QueryMetrics& m, int n, int k) {
  return {{"queries", n},
          {"recall@1", m.recall_at_1},
          {"recall@" + std::to_string(k), m.recall_at_k},
          {"MRR@" + std::to_string(k), m.mrr_at_k},
          {"nDCG@" + std::to_string(k), m.ndcg_at_k}};
}

}  // namespace

int RunPipelineEval(const EvalArgs& args);       // api/eval_pipeline.cc

int RunEval(const EvalArgs& args) {
  // A ketnoi dataset is scored through the whole pipeline unless asked for
  // the indexer alone.
  if (!args.retrieval_only && (args.ranker || IsPipelineDataset(args.dataset_dir))) {
    return RunPipelineEval(args);
  }
  const int k = args.k;
  auto sets = LoadEvalSets(args.dataset_dir);
  if (!sets.ok()) {
    std::fprintf(stderr, "ketnoi eval: %s\n", sets.status().ToString().c_str());
    return 2;
  }
  auto lexicon = indexer::Lexicon::Load(engine::DefaultDataDir() + "/lexicon");
  if (!lexicon.ok()) {
    std::fprintf(stderr, "ketnoi eval: lexicon not loaded (%s); continuing without concepts\n",
                 lexicon.status().ToString().c_str());
  }
  indexer::Analyzer analyzer(lexicon.ok() ? lexicon->get() : nullptr);

  nlohmann::json out = {{"dataset", args.dataset_dir}, {"k", k}};
  MetricsAccumulator all;
  std::map<std::string, MetricsAccumulator> subsets;
  for (const indexer::EvalSet& set : *sets) {
    if (set.queries.empty()) continue;
    indexer::Retriever retriever(&analyzer, indexer::RetrieverOptions{});
    auto report = indexer::EvaluateRetriever(&retriever, set, k);
    if (!report.ok()) {
      std::fprintf(stderr, "ketnoi eval: %s\n", report.status().ToString().c_str());
      return 1;
    }
    for (const auto& [qid, m] : report->per_query) {
      all.Add(m);
      for (const auto& [name, ids] : set.subsets) {
        if (ids.count(qid)) subsets[name].Add(m);
      }
    }
    if (!args.json) {
      PrintMetrics(set.name, report->metrics, report->queries, k);
      std::printf("  %zu documents; %s; %s; build %.2f s; query p50 %.2f ms p99 %.2f ms\n",
                  set.docs.size(), report->stats.embedder.c_str(),
                  report->stats.vector_index.c_str(), report->build_seconds,
                  report->latency_p50_ms, report->latency_p99_ms);
    }
    out["sets"][set.name] = MetricsJson(report->metrics, report->queries, k);
    out["sets"][set.name]["latency_p99_ms"] = report->latency_p99_ms;
  }
  for (const auto& [name, acc] : subsets) {
    if (!args.json) PrintMetrics("subset: " + name, acc.Mean(), acc.count(), k);
    out["subsets"][name] = MetricsJson(acc.Mean(), acc.count(), k);
  }
  const QueryMetrics m = all.Mean();
  out["all"] = MetricsJson(m, all.count(), k);
  if (args.json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  PrintMetrics("all", m, all.count(), k);
  std::printf("nDCG@%d=%.3f recall@%d=%.3f MRR@%d=%.3f\n", k, m.ndcg_at_k, k, m.recall_at_k, k,
              m.mrr_at_k);
  return 0;
}

}  // namespace ketnoi::api
