#include "api/eval_sets.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

namespace ketnoi::api {

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

namespace {

using indexer::EvalSet;

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

// Candidates of one kind (suppliers or experts) as a set's corpus.
Status LoadCandidates(const std::string& path, EvalSet* set,
                      std::unordered_set<std::string>* english) {
  return ReadJsonl(path, [&](const nlohmann::json& j, size_t n) -> Status {
    std::string id = Str(j, "id");
    if (id.empty()) {
      return InvalidArgument(path + ":" + std::to_string(n) + ": field 'id' is required");
    }
    indexer::Document d;
    d.id = static_cast<int64_t>(set->docs.size());
    d.fields.push_back({Str(j, "name"), 1.0f});
    d.fields.push_back({Str(j, "text"), 1.0f});
    if (Str(j, "lang") == "en") english->insert(id);
    set->doc_ids.push_back(id);
    set->docs.push_back(std::move(d));
    return Status::OK();
  });
}

StatusOr<std::vector<EvalSet>> LoadDatasetDir(const std::string& dir) {
  std::vector<EvalSet> sets(2);
  EvalSet& equipment = sets[0];
  EvalSet& expert = sets[1];
  equipment.name = "equipment";
  expert.name = "expert";
  std::unordered_set<std::string> english;
  if (Status s = LoadCandidates(dir + "/suppliers.jsonl", &equipment, &english); !s.ok()) return s;
  if (Status s = LoadCandidates(dir + "/experts.jsonl", &expert, &english); !s.ok()) return s;
  auto qrels = indexer::LoadQrels(dir + "/qrels.tsv");
  if (!qrels.ok()) return qrels.status();
  for (EvalSet& set : sets) {
    set.subsets = {{"no diacritics", {}}, {"English catalogue", {}}};
  }
  const std::string fpath = dir + "/facilities.jsonl";
  Status s = ReadJsonl(fpath, [&](const nlohmann::json& j, size_t n) -> Status {
    auto needs = j.find("needs");
    if (needs == j.end() || !needs->is_array()) return Status::OK();
    std::string products = Str(j, "products");
    for (const auto& need : *needs) {
      std::string id = Str(need, "id"), kind = Str(need, "kind"), text = Str(need, "text");
      if (!qrels->count(id)) continue;
      EvalSet* set = kind == "expert" ? &expert : kind == "equipment" ? &equipment : nullptr;
      if (set == nullptr) {
        return InvalidArgument(fpath + ":" + std::to_string(n) + ": need " + id + " has kind '" +
                               kind + "' (expected equipment or expert)");
      }
      // The need text is the query; the facility's products add context.
      set->queries.push_back({id, {{text, 1.0f}, {products, 0.25f}}});
      set->qrels[id] = qrels->at(id);
      if (IsAscii(text)) set->subsets[0].second.insert(id);
      for (const auto& [cid, grade] : qrels->at(id)) {
        if (english.count(cid)) {
          set->subsets[1].second.insert(id);
          break;
        }
      }
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  return sets;
}

}  // namespace

StatusOr<std::vector<EvalSet>> LoadEvalSets(const std::string& dir) {
  if (std::filesystem::exists(dir + "/corpus.jsonl")) {
    auto set = indexer::LoadBeirSet(dir);
    if (!set.ok()) return set.status();
    std::vector<EvalSet> sets;
    sets.push_back(std::move(set).value());
    return sets;
  }
  return LoadDatasetDir(dir);
}

}  // namespace ketnoi::api
