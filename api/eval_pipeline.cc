// `ketnoi eval` on a ketnoi dataset directory: the full matching pipeline
// (store, retrievers, ranker, graph) scored per kind and per subset, and the
// feedback-learning comparison on held-out needs (engine/evaluate.h).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

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

namespace {

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// A BEIR-style directory (corpus.jsonl, queries.jsonl, qrels.tsv with a
// header line) written as a ketnoi dataset in `out`, so that the matching
// pipeline scores it on text alone: every document is a supplier serving the
// whole country from one province (name = its title, text = title and text,
// lang "en" when it is ASCII), every judged query the one equipment need of
// a facility in that province. Geography is then the same for every pair;
// the other features come from the texts (terms, concepts, accents, sector
// and stage inferred from them, numbers and units). Ids are prefixed ("d.",
// "q.", "f.") so documents, needs and facilities never share one; texts are
// cut to the dataset format's 8,192 bytes. Errors name file and line.
Status WriteBeirAsDataset(const std::string& dir, const std::string& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) return IOError("cannot create " + out + ": " + ec.message());
  auto str = [](const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto each_line = [](const std::string& path, auto fn) -> Status {
    std::ifstream in(path);
    if (!in) return NotFound("cannot open " + path);
    std::string line;
    for (size_t n = 1; std::getline(in, line); ++n) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      if (Status s = fn(line, n); !s.ok()) return s;
    }
    return Status::OK();
  };
  // Each line of a JSONL file as an object with a non-empty "id".
  auto each_object = [&](const std::string& path, auto fn) -> Status {
    return each_line(path, [&](const std::string& line, size_t n) -> Status {
      auto j = nlohmann::json::parse(line, nullptr, false);
      const std::string where = path + ":" + std::to_string(n);
      if (j.is_discarded() || !j.is_object()) return InvalidArgument(where + ": not a JSON object");
      const std::string id = str(j, "id");
      if (id.empty()) return InvalidArgument(where + ": field 'id' is required");
      return fn(j, id);
    });
  };
  constexpr const char* kProvince = "Hà Nội";
  // Judgements first: only judged queries become needs.
  std::unordered_map<std::string, std::vector<std::pair<std::string, int>>> qrels;
  std::ofstream qout(out + "/qrels.tsv");
  Status s = each_line(dir + "/qrels.tsv", [&](const std::string& line, size_t n) -> Status {
    std::istringstream fields(line);
    std::string q, d, grade;
    if (!std::getline(fields, q, '\t') || !std::getline(fields, d, '\t') ||
        !std::getline(fields, grade, '\t')) {
      return InvalidArgument(dir + "/qrels.tsv:" + std::to_string(n) + ": expected 3 fields");
    }
    if (n == 1 && grade.find_first_not_of("0123456789\r") != std::string::npos) {
      return Status::OK();  // header
    }
    const int g = std::atoi(grade.c_str());
    if (g <= 0) return Status::OK();
    qout << "q." << q << '\t' << "d." << d << '\t' << std::min(g, 2) << '\n';
    qrels[q].emplace_back(d, g);
    return Status::OK();
  });
  if (!s.ok()) return s;
  std::ofstream sout(out + "/suppliers.jsonl");
  s = each_object(dir + "/corpus.jsonl", [&](const nlohmann::json& j, const std::string& id) {
    const std::string title = str(j, "title"), text = str(j, "text");
    // Cut at a character boundary to the dataset format's limits.
    auto cut = [](std::string v, size_t max) {
      if (v.size() <= max) return v;
      v.resize(max);
      while (!v.empty() && (static_cast<unsigned char>(v.back()) & 0xC0) == 0x80) v.pop_back();
      if (!v.empty() && static_cast<unsigned char>(v.back()) >= 0xC0) v.pop_back();
      return v;
    };
    const std::string all = cut(title.empty() ? text : title + " " + text, 8192);
    const std::string name = cut(title.empty() ? text : title, 80);
    nlohmann::json rec = {{"id", "d." + id},
                          {"name", name.empty() ? id : name},
                          {"province", kProvince},
                          {"serves", {"toàn quốc"}},
                          {"lang", IsAscii(all) ? "en" : "vi"},
                          {"text", all}};
    sout << rec.dump() << '\n';
    return Status::OK();
  });
  if (!s.ok()) return s;
  std::ofstream fout(out + "/facilities.jsonl");
  s = each_object(dir + "/queries.jsonl", [&](const nlohmann::json& j, const std::string& id) {
    if (!qrels.count(id)) return Status::OK();
    nlohmann::json need = {{"id", "q." + id}, {"kind", "equipment"}, {"text", str(j, "text")}};
    nlohmann::json rec = {{"id", "f." + id},
                          {"name", "query " + id},
                          {"province", kProvince},
                          {"needs", nlohmann::json::array({need})}};
    fout << rec.dump() << '\n';
    return Status::OK();
  });
  if (!s.ok()) return s;
  std::ofstream(out + "/experts.jsonl").flush();
  if (!sout || !fout || !qout) return IOError("cannot write the dataset in " + out);
  return Status::OK();
}

}  // namespace

int RunPipelineEval(const EvalArgs& args) {
  engine::EvalOptions options;
  options.k = args.k;
  std::string dataset = args.dataset_dir;
  std::string converted;
  if (!IsPipelineDataset(dataset)) {
    // --ranker on a BEIR-style directory.
    converted = (std::filesystem::temp_directory_path() /
                 ("ketnoi-eval-beir-" + std::to_string(::getpid())))
                    .string();
    if (Status s = WriteBeirAsDataset(dataset, converted); !s.ok()) {
      std::filesystem::remove_all(converted);
      std::fprintf(stderr, "ketnoi eval: %s\n", s.ToString().c_str());
      return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kNotFound ? 2 : 1;
    }
    dataset = converted;
  }
  auto report = engine::EvaluatePipeline(dataset, options);
  if (!converted.empty()) std::filesystem::remove_all(converted);
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
