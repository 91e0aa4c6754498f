// `ketnoi eval` on a ketnoi dataset directory: the full matching pipeline
// (store, retrievers, ranker, graph) scored per kind and per subset, and the
// feedback-learning comparison on held-out needs (engine/evaluate.h).
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "api/commands.h"
#include "engine/evaluate.h"

namespace ketnoi::api {

bool IsPipelineDataset(const std::string& dir) {
  namespace fs = std::filesystem;
  return fs::exists(fs::path(dir) / "qrels.tsv") &&
         (fs::exists(fs::path(dir) / "facilities.jsonl") ||
          fs::exists(fs::path(dir) / "facilities.csv"));
}

int RunPipelineEval(const EvalArgs& args) {
  engine::EvalOptions options;
  options.k = args.k;
  auto report = engine::EvaluatePipeline(args.dataset_dir, options);
  if (!report.ok()) {
    std::fprintf(stderr, "ketnoi eval: %s\n", report.status().ToString().c_str());
    return report.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  const int k = report->k;
  auto json_of = [k](const engine::SubsetMetrics& s) {
    return nlohmann::json{{"queries", s.queries},
                          {"recall@1", s.metrics.recall_at_1},
                          {"recall@" + std::to_string(k), s.metrics.recall_at_k},
                          {"MRR@" + std::to_string(k), s.metrics.mrr_at_k},
                          {"nDCG@" + std::to_string(k), s.metrics.ndcg_at_k}};
  };
  auto print = [k](const engine::SubsetMetrics& s) {
    std::printf("%-34s queries=%-4d recall@1=%.3f recall@%d=%.3f MRR@%d=%.3f nDCG@%d=%.3f\n",
                s.name.c_str(), s.queries, s.metrics.recall_at_1, k, s.metrics.recall_at_k, k,
                s.metrics.mrr_at_k, k, s.metrics.ndcg_at_k);
  };
  if (args.json) {
    nlohmann::json out = {{"dataset", args.dataset_dir}, {"k", k}, {"pipeline", "full"}};
    for (const auto& s : report->subsets) out["subsets"][s.name] = json_of(s);
    out["all"] = json_of(report->subsets.front());
    if (report->learned) {
      out["feedback_learning"] = {{"heldout_default", json_of(report->heldout_default)},
                                  {"heldout_learned", json_of(report->heldout_learned)},
                                  {"weights", nlohmann::json::parse(report->learned_weights.ToJson())}};
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("full pipeline on %s (%.1f s)\n", args.dataset_dir.c_str(), report->seconds);
  for (size_t i = 1; i < report->subsets.size(); ++i) print(report->subsets[i]);
  if (report->learned) {
    std::printf("feedback learning (qrels of half the needs as verdicts, other half held out):\n");
    print(report->heldout_default);
    print(report->heldout_learned);
  }
  const auto& all = report->subsets.front();
  print(all);
  std::printf("nDCG@%d=%.3f recall@%d=%.3f MRR@%d=%.3f\n", k, all.metrics.ndcg_at_k, k,
              all.metrics.recall_at_k, k, all.metrics.mrr_at_k);
  return 0;
}

}  // namespace ketnoi::api
