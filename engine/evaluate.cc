#include "engine/evaluate.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "common/cleanup_on_signal.h"
#include "engine/engine.h"
#include "engine/feedback.h"
#include "engine/store.h"
#include "indexer/eval.h"
#include "indexer/normalize.h"

namespace ketnoi::engine {
namespace {

bool HasDiacritics(const std::string& text) {
  std::string accented = indexer::NormalizeAccented(text);
  return indexer::Fold(accented) != accented;
}

struct NeedInfo {
  std::string id;
  TargetKind kind;
  bool no_diacritics;
  bool english_answers;  // every grade-2 answer writes its catalogue in English
};

// Matches `needs` with the engine's current weights and scores them.
SubsetMetrics Score(Engine& engine, const std::vector<const NeedInfo*>& needs,
                    const indexer::Qrels& qrels, int k, const std::string& name) {
  indexer::MetricsAccumulator acc;
  for (const NeedInfo* n : needs) {
    MatchRequest req;
    req.need_id = n->id;
    req.kind = n->kind;
    req.k = std::max(k, 10);
    req.filters.min_score = -1e9;  // rank everything retrieved: no cut-off
    auto list = engine.matcher()->Match(req);
    std::vector<std::string> ranked;
    if (list.ok()) {
      for (const auto& item : list->items) ranked.push_back(item.id);
    }
    acc.Add(indexer::ScoreRanking(ranked, qrels.at(n->id), k));
  }
  SubsetMetrics out;
  out.name = name;
  out.queries = acc.count();
  out.metrics = acc.Mean();
  return out;
}

}  // namespace

StatusOr<PipelineEvalReport> EvaluatePipeline(const std::string& dataset_dir,
                                              const EvalOptions& options) {
  auto start = std::chrono::steady_clock::now();
  auto qrels = indexer::LoadQrels(dataset_dir + "/qrels.tsv");
  if (!qrels.ok()) return qrels.status();
  std::string work = options.work_dir;
  if (work.empty()) {
    work = (std::filesystem::temp_directory_path() /
            ("ketnoi-eval-" + std::to_string(::getpid()) + "-" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count())))
               .string();
  }
  // A temporary store goes when the evaluation ends, and when the process
  // is interrupted (a store of a large set holds gigabytes).
  ScopedCleanup cleanup(options.work_dir.empty() ? work : std::string());

  EngineOptions eo;
  eo.db = work;
  auto engine = Engine::Open(eo);
  if (!engine.ok()) return engine.status();
  ImportReport report;
  Status s = (*engine)->Import(dataset_dir, {}, &report);
  if (!s.ok()) {
    std::string msg = s.message();
    for (size_t i = 0; i < report.errors.size() && i < 5; ++i) msg += "\n  " + report.errors[i];
    return Status(s.code(), msg);
  }

  // The needs in qrels, with their subsets.
  std::set<std::string> english;
  (*engine)->store().ForEachSupplier([&](const Supplier& r) {
    if (r.lang == "en") english.insert(r.id);
    return true;
  }).IgnoreError();
  std::vector<NeedInfo> needs;
  for (const auto& [need_id, rel] : *qrels) {
    auto need = (*engine)->store().GetNeed(need_id);
    if (!need.ok()) {
      return InvalidArgument("qrels.tsv: need '" + need_id + "' is not in the dataset");
    }
    NeedInfo info;
    info.id = need_id;
    info.kind = need->first.kind == NeedKind::kEquipment ? TargetKind::kSupplier
                                                         : TargetKind::kExpert;
    info.no_diacritics = !HasDiacritics(need->first.text);
    bool any2 = false, all_en = true;
    for (const auto& [cand, grade] : rel) {
      if (grade < 2) continue;
      any2 = true;
      all_en = all_en && english.count(cand);
    }
    info.english_answers = any2 && all_en;
    needs.push_back(info);
  }
  std::sort(needs.begin(), needs.end(),
            [](const NeedInfo& a, const NeedInfo& b) { return a.id < b.id; });

  PipelineEvalReport out;
  out.k = options.k;
  auto subset = [&](auto pred) {
    std::vector<const NeedInfo*> v;
    for (const auto& n : needs) {
      if (pred(n)) v.push_back(&n);
    }
    return v;
  };
  out.subsets.push_back(Score(**engine, subset([](const NeedInfo&) { return true; }), *qrels,
                              options.k, "all"));
  out.subsets.push_back(Score(**engine, subset([](const NeedInfo& n) {
                                return n.kind == TargetKind::kSupplier;
                              }),
                              *qrels, options.k, "kind=supplier"));
  out.subsets.push_back(Score(**engine, subset([](const NeedInfo& n) {
                                return n.kind == TargetKind::kExpert;
                              }),
                              *qrels, options.k, "kind=expert"));
  out.subsets.push_back(Score(**engine, subset([](const NeedInfo& n) { return n.no_diacritics; }),
                              *qrels, options.k, "no-diacritics needs"));
  out.subsets.push_back(Score(**engine, subset([](const NeedInfo& n) { return n.english_answers; }),
                              *qrels, options.k, "English-catalogue answers"));

  if (options.learn && needs.size() >= 4) {
    // Even positions train, odd positions are held out.
    std::vector<LabeledPair> pairs;
    std::vector<const NeedInfo*> heldout;
    for (size_t i = 0; i < needs.size(); ++i) {
      const NeedInfo& n = needs[i];
      if (i % 2 == 1) {
        heldout.push_back(&n);
        continue;
      }
      MatchRequest req;
      req.need_id = n.id;
      req.kind = n.kind;
      req.k = 10;
      req.filters.min_score = -1e9;
      auto list = (*engine)->matcher()->Match(req);
      if (!list.ok()) continue;
      const auto& rel = qrels->at(n.id);
      for (const auto& item : list->items) {
        LabeledPair p;
        p.group = n.id;
        p.values = item.explanation.values;
        auto it = rel.find(item.id);
        p.label = it == rel.end() ? 0 : it->second;
        pairs.push_back(p);
      }
    }
    RankerWeights prior = (*engine)->matcher()->weights();
    out.heldout_default = Score(**engine, heldout, *qrels, options.k, "held-out, default weights");
    auto learned = LearnWeights(pairs, prior);
    if (learned.ok()) {
      (*engine)->matcher()->SetWeights(*learned);
      out.heldout_learned = Score(**engine, heldout, *qrels, options.k, "held-out, learned weights");
      out.learned_weights = *learned;
      out.learned = true;
      (*engine)->matcher()->SetWeights(prior);
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace ketnoi::engine
