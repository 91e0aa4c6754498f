// `ketnoi eval` on a ketnoi dataset directory: the full matching pipeline
// (store, retrievers, ranker, graph) scored per kind and per subset, and the
// feedback-learning comparison on held-out needs (engine/evaluate.h).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "api/commands.h"
#include "api/eval_sets.h"
#include "common/cleanup_on_signal.h"
#include "engine/evaluate.h"
#include "indexer/eval.h"

namespace ketnoi::api {

bool IsPipelineDataset(const std::string& dir) {
  namespace fs = std::filesystem;
  return fs::exists(fs::path(dir) / "qrels.tsv") &&
         (fs::exists(fs::path(dir) / "facilities.jsonl") ||
          fs::exists(fs::path(dir) / "facilities.csv"));
}

namespace {

// A BEIR-style directory (read by indexer::LoadBeirSet: corpus.jsonl,
// queries.jsonl, qrels.tsv with a header line) written as a ketnoi dataset
// in `out`, so that the matching pipeline scores it on text alone: every
// document is a supplier serving the whole country from one province (name =
// its title, text = title and text, lang "en" when it is ASCII), every judged
// query the one equipment need of a facility in that province. Geography is
// then the same for every pair; the other features come from the texts
// (terms, concepts, accents, sector and stage inferred from them, numbers and
// units). Ids are prefixed ("d.", "q.", "f.") so documents, needs and
// facilities never share one; texts are cut to the dataset format's 8,192
// bytes. Errors name file and line.
Status WriteBeirAsDataset(const std::string& dir, const std::string& out) {
  auto set = indexer::LoadBeirSet(dir);
  if (!set.ok()) return set.status();
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) return IOError("cannot create " + out + ": " + ec.message());
  // Cut at a character boundary.
  auto cut = [](std::string v, size_t max) {
    if (v.size() <= max) return v;
    v.resize(max);
    while (!v.empty() && (static_cast<unsigned char>(v.back()) & 0xC0) == 0x80) v.pop_back();
    if (!v.empty() && static_cast<unsigned char>(v.back()) >= 0xC0) v.pop_back();
    return v;
  };
  constexpr const char* kProvince = "Hà Nội";
  std::ofstream sout(out + "/suppliers.jsonl");
  for (size_t i = 0; i < set->docs.size(); ++i) {
    const std::string& id = set->doc_ids[i];
    const std::string all = cut(set->docs[i].fields[0].text, 8192);
    const std::string name = cut(set->doc_titles[i].empty() ? all : set->doc_titles[i], 80);
    nlohmann::json rec = {{"id", "d." + id},
                          {"name", name.empty() ? id : name},
                          {"province", kProvince},
                          {"serves", {"toàn quốc"}},
                          {"lang", IsAscii(all) ? "en" : "vi"},
                          {"text", all}};
    sout << rec.dump() << '\n';
  }
  std::ofstream fout(out + "/facilities.jsonl");
  for (const auto& q : set->queries) {
    nlohmann::json need = {{"id", "q." + q.id}, {"kind", "equipment"}, {"text", q.fields[0].text}};
    nlohmann::json rec = {{"id", "f." + q.id},
                          {"name", "query " + q.id},
                          {"province", kProvince},
                          {"needs", nlohmann::json::array({need})}};
    fout << rec.dump() << '\n';
  }
  std::ofstream qout(out + "/qrels.tsv");
  for (const auto& [q, rel] : set->qrels) {
    for (const auto& [d, g] : rel) qout << "q." << q << '\t' << "d." << d << '\t' << std::min(g, 2) << '\n';
  }
  std::ofstream(out + "/experts.jsonl").flush();
  if (!sout || !fout || !qout) return IOError("cannot write the dataset in " + out);
  return Status::OK();
}

}  // namespace

StatusOr<engine::PipelineEvalReport> EvaluatePipelineOn(const std::string& dir,
                                                        const engine::EvalOptions& options,
                                                        bool* conversion_failed) {
  if (conversion_failed != nullptr) *conversion_failed = false;
  if (IsPipelineDataset(dir)) return engine::EvaluatePipeline(dir, options);
  // A BEIR-style directory, converted into a temporary dataset.
  const std::string converted =
      (std::filesystem::temp_directory_path() / ("ketnoi-eval-beir-" + std::to_string(::getpid())))
          .string();
  ScopedCleanup cleanup(converted);
  if (Status s = WriteBeirAsDataset(dir, converted); !s.ok()) {
    if (conversion_failed != nullptr) *conversion_failed = true;
    return s;
  }
  return engine::EvaluatePipeline(converted, options);
}

int RunPipelineEval(const EvalArgs& args) {
  engine::EvalOptions options;
  options.k = args.k;
  bool conversion_failed = false;
  auto report = EvaluatePipelineOn(args.dataset_dir, options, &conversion_failed);
  if (!report.ok()) {
    const StatusCode code = report.status().code();
    std::fprintf(stderr, "ketnoi eval: %s\n", report.status().ToString().c_str());
    return code == StatusCode::kInvalidArgument ||
                   (conversion_failed && code == StatusCode::kNotFound)
               ? 2
               : 1;
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
  // Subsets without a query (no expert needs in a BEIR-style set) are left
  // out of the table; the JSON keeps them.
  for (size_t i = 1; i < report->subsets.size(); ++i) {
    if (report->subsets[i].queries > 0) print(report->subsets[i]);
  }
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
