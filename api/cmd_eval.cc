// `ketnoi eval DATASET_DIR [--k 10] [--json]`: retrieval quality of the
// indexer on a labelled set.
// - BEIR-style directory (corpus.jsonl, queries.jsonl, qrels.tsv with a
//   header): every query against the corpus documents.
// - ketnoi dataset directory (facilities.jsonl with needs, suppliers.jsonl,
//   experts.jsonl, qrels.tsv without header): each need named in qrels.tsv
//   against suppliers (kind "equipment") or experts (kind "expert").
// Prints recall@1, recall@k, MRR@k, nDCG@k; the last plain line is
// "nDCG@10=0.xxx recall@10=0.xxx MRR@10=0.xxx".
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "api/commands.h"
#include "engine/reference.h"
#include "indexer/analyzer.h"
#include "indexer/eval.h"
#include "indexer/lexicon.h"
#include "indexer/retriever.h"

namespace ketnoi::api {
namespace {

using indexer::EvalQuery;
using indexer::EvalReport;
using indexer::EvalSet;
using indexer::MetricsAccumulator;
using indexer::QueryMetrics;

bool IsAscii(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// Reads a JSONL file, calling fn(object, line). Errors name file:line.
template <typename Fn>
Status ReadJsonl(const std::string& path, Fn fn) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot open " + path);
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return InvalidArgument(path + ":" + std::to_string(n) + ": not a JSON object");
    }
    if (Status s = fn(j, n); !s.ok()) return s;
  }
  return Status::OK();
}

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

struct DemoSets {
  EvalSet equipment, expert;
  std::unordered_map<std::string, std::string> need_text;
  std::unordered_set<std::string> english_candidates;
};

// Candidates of one kind (suppliers or experts) as an EvalSet's corpus.
Status LoadCandidates(const std::string& path, EvalSet* set, DemoSets* sets) {
  return ReadJsonl(path, [&](const nlohmann::json& j, size_t n) -> Status {
    std::string id = Str(j, "id");
    if (id.empty()) return InvalidArgument(path + ":" + std::to_string(n) + ": field 'id' is required");
    indexer::Document d;
    d.id = static_cast<int64_t>(set->docs.size());
    d.fields.push_back({Str(j, "name"), 1.0f});
    d.fields.push_back({Str(j, "text"), 1.0f});
    if (Str(j, "lang") == "en") sets->english_candidates.insert(id);
    set->doc_ids.push_back(id);
    set->docs.push_back(std::move(d));
    return Status::OK();
  });
}

StatusOr<DemoSets> LoadDatasetDir(const std::string& dir) {
  DemoSets sets;
  sets.equipment.name = "equipment";
  sets.expert.name = "expert";
  if (Status s = LoadCandidates(dir + "/suppliers.jsonl", &sets.equipment, &sets); !s.ok()) return s;
  if (Status s = LoadCandidates(dir + "/experts.jsonl", &sets.expert, &sets); !s.ok()) return s;
  auto qrels = indexer::LoadQrels(dir + "/qrels.tsv");
  if (!qrels.ok()) return qrels.status();
  const std::string fpath = dir + "/facilities.jsonl";
  Status s = ReadJsonl(fpath, [&](const nlohmann::json& j, size_t n) -> Status {
    auto needs = j.find("needs");
    if (needs == j.end() || !needs->is_array()) return Status::OK();
    std::string products = Str(j, "products");
    for (const auto& need : *needs) {
      std::string id = Str(need, "id"), kind = Str(need, "kind"), text = Str(need, "text");
      if (!qrels->count(id)) continue;
      EvalSet* set = kind == "expert" ? &sets.expert : kind == "equipment" ? &sets.equipment : nullptr;
      if (set == nullptr) {
        return InvalidArgument(fpath + ":" + std::to_string(n) + ": need " + id +
                               " has kind '" + kind + "' (expected equipment or expert)");
      }
      // The need text is the query; the facility's products add context.
      set->queries.push_back({id, {{text, 1.0f}, {products, 0.25f}}});
      set->qrels[id] = qrels->at(id);
      sets.need_text[id] = text;
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  return sets;
}

void PrintMetrics(const char* label, const QueryMetrics& m, int n, int k) {
  std::printf("%-28s queries=%-5d recall@1=%.3f recall@%d=%.3f MRR@%d=%.3f nDCG@%d=%.3f\n", label,
              n, m.recall_at_1, k, m.recall_at_k, k, m.mrr_at_k, k, m.ndcg_at_k);
}

nlohmann::json MetricsJson(const QueryMetrics& m, int n, int k) {
  return {{"queries", n},
          {"recall@1", m.recall_at_1},
          {"recall@" + std::to_string(k), m.recall_at_k},
          {"MRR@" + std::to_string(k), m.mrr_at_k},
          {"nDCG@" + std::to_string(k), m.ndcg_at_k}};
}

}  // namespace

int RunEval(const EvalArgs& args) {
  namespace fs = std::filesystem;
  const std::string& dir = args.dataset_dir;
  const int k = args.k;
  const bool beir = fs::exists(dir + "/corpus.jsonl");
  std::vector<EvalSet> sets;
  DemoSets demo;
  if (beir) {
    auto set = indexer::LoadBeirSet(dir);
    if (!set.ok()) {
      std::fprintf(stderr, "ketnoi eval: %s\n", set.status().ToString().c_str());
      return 2;
    }
    sets.push_back(std::move(set).value());
  } else {
    auto loaded = LoadDatasetDir(dir);
    if (!loaded.ok()) {
      std::fprintf(stderr, "ketnoi eval: %s\n", loaded.status().ToString().c_str());
      return 2;
    }
    demo = std::move(loaded).value();
    sets.push_back(std::move(demo.equipment));
    sets.push_back(std::move(demo.expert));
  }
  auto lexicon = indexer::Lexicon::Load(engine::DefaultDataDir() + "/lexicon");
  if (!lexicon.ok()) {
    std::fprintf(stderr, "ketnoi eval: lexicon not loaded (%s); continuing without concepts\n",
                 lexicon.status().ToString().c_str());
  }
  indexer::Analyzer analyzer(lexicon.ok() ? lexicon->get() : nullptr);

  nlohmann::json out = {{"dataset", dir}, {"format", beir ? "beir" : "ketnoi"}, {"k", k}};
  MetricsAccumulator all, no_diacritics, english;
  for (const EvalSet& set : sets) {
    if (set.queries.empty()) continue;
    indexer::Retriever retriever(&analyzer, indexer::RetrieverOptions{});
    auto report = indexer::EvaluateRetriever(&retriever, set, k);
    if (!report.ok()) {
      std::fprintf(stderr, "ketnoi eval: %s\n", report.status().ToString().c_str());
      return 1;
    }
    for (const auto& [qid, m] : report->per_query) {
      all.Add(m);
      if (beir) continue;
      if (IsAscii(demo.need_text[qid])) no_diacritics.Add(m);
      for (const auto& [cid, grade] : set.qrels.at(qid)) {
        if (demo.english_candidates.count(cid)) {
          english.Add(m);
          break;
        }
      }
    }
    std::string label = beir ? set.name : "kind " + set.name;
    if (!args.json) {
      PrintMetrics(label.c_str(), report->metrics, report->queries, k);
      std::printf("  %zu documents; %s; %s; build %.2f s; query p50 %.2f ms p99 %.2f ms\n",
                  set.docs.size(), report->stats.embedder.c_str(),
                  report->stats.vector_index.c_str(), report->build_seconds,
                  report->latency_p50_ms, report->latency_p99_ms);
    }
    out["sets"][label] = MetricsJson(report->metrics, report->queries, k);
    out["sets"][label]["latency_p99_ms"] = report->latency_p99_ms;
  }
  const QueryMetrics m = all.Mean();
  if (!beir) {
    if (!args.json) {
      PrintMetrics("needs without diacritics", no_diacritics.Mean(), no_diacritics.count(), k);
      PrintMetrics("needs with English catalogues", english.Mean(), english.count(), k);
    }
    out["subsets"]["no_diacritics"] = MetricsJson(no_diacritics.Mean(), no_diacritics.count(), k);
    out["subsets"]["english"] = MetricsJson(english.Mean(), english.count(), k);
  }
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
