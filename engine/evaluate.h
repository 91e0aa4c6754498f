// Evaluation of the full matching pipeline on a labelled ketnoi dataset
// (facilities.jsonl, suppliers.jsonl, experts.jsonl, links.jsonl?, qrels.tsv
// without a header): the dataset is imported into a temporary store, every
// need named in qrels.tsv is matched (kind "equipment" -> suppliers, "expert"
// -> experts) with no score cut-off, and the rankings are scored overall, per
// kind and per subset (needs typed without diacritics, needs whose best
// answers are English-catalogue suppliers).
//
// Feedback learning is measured too: the needs are split in two halves; the
// qrels of the first half stand in for staff verdicts (grade 2 accepted,
// grade 1 contacted, shown-but-ungraded rejected), weights are learned from
// them (engine/feedback.h) and the second, held-out half is scored with the
// default and the learned weights.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/ranker.h"
#include "indexer/metrics.h"

namespace ketnoi::engine {

struct EvalOptions {
  int k = 10;
  std::string work_dir;  // temporary store location; "" = a fresh dir under /tmp
  bool learn = true;     // run the held-out feedback-learning comparison
};

struct SubsetMetrics {
  std::string name;
  int queries = 0;
  indexer::QueryMetrics metrics;
};

struct PipelineEvalReport {
  int k = 10;
  std::vector<SubsetMetrics> subsets;  // "all" first
  // Held-out half: default weights vs weights learned on the other half.
  bool learned = false;
  SubsetMetrics heldout_default, heldout_learned;
  RankerWeights learned_weights;
  double seconds = 0;
};

StatusOr<PipelineEvalReport> EvaluatePipeline(const std::string& dataset_dir,
                                              const EvalOptions& options);

}  // namespace ketnoi::engine
