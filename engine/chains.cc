#include "engine/chains.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/reference.h"
#include "indexer/normalize.h"

namespace ketnoi::engine {
namespace {

using nlohmann::json;

// Concept ids look like "tea.dryer", "gen.boiler": lower-case ASCII words
// joined by one dot.
bool IsConceptId(const std::string& s) {
  static const std::regex kRe("^[a-z][a-z0-9_]*\\.[a-z0-9_]+$");
  return std::regex_match(s, kRe);
}

std::string Key(std::string_view s) {
  std::string folded = indexer::Fold(s);
  std::string out;
  for (char c : folded) {
    if (c == ' ' || c == '-' || c == '_' || c == '.') continue;
    out.push_back(c);
  }
  return out;
}

// Reads a required non-empty string field.
Status GetString(const json& obj, const char* field, const std::string& where, std::string* out) {
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_string() || it->get<std::string>().empty()) {
    return InvalidArgument(where + ": field '" + field + "' must be a non-empty string");
  }
  *out = it->get<std::string>();
  return Status::OK();
}

// Reads an optional array of non-empty strings.
Status GetStrings(const json& obj, const char* field, const std::string& where,
                  std::vector<std::string>* out) {
  auto it = obj.find(field);
  if (it == obj.end()) return Status::OK();
  if (!it->is_array()) return InvalidArgument(where + ": field '" + field + "' must be an array");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (!v.is_string() || v.get<std::string>().empty()) {
      return InvalidArgument(where + ": " + field + "[" + std::to_string(i) +
                             "] must be a non-empty string");
    }
    out->push_back(v.get<std::string>());
  }
  return Status::OK();
}

Status GetBilingual(const json& obj, const char* field, const std::string& where, Bilingual* out) {
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_object()) {
    return InvalidArgument(where + ": field '" + field + "' must be an object {\"vi\",\"en\"}");
  }
  Status s = GetString(*it, "vi", where + "." + field, &out->vi);
  if (!s.ok()) return s;
  return GetString(*it, "en", where + "." + field, &out->en);
}

Status GetBilingualLists(const json& obj, const char* field, const std::string& where,
                         std::vector<std::string>* vi, std::vector<std::string>* en) {
  auto it = obj.find(field);
  if (it == obj.end()) return Status::OK();
  if (!it->is_object()) {
    return InvalidArgument(where + ": field '" + field + "' must be an object {\"vi\":[],\"en\":[]}");
  }
  Status s = GetStrings(*it, "vi", where + "." + field, vi);
  if (!s.ok()) return s;
  return GetStrings(*it, "en", where + "." + field, en);
}

Status ParseStage(const json& j, const std::string& chain_id, const std::string& where,
                  ChainStage* st) {
  if (!j.is_object()) return InvalidArgument(where + ": a stage must be an object");
  Status s = GetString(j, "id", where, &st->id);
  if (!s.ok()) return s;
  if (st->id.rfind(chain_id + ".", 0) != 0 || st->id.size() <= chain_id.size() + 1) {
    return InvalidArgument(where + ": stage id '" + st->id + "' must start with '" + chain_id +
                           ".'");
  }
  st->chain_id = chain_id;
  if (!(s = GetBilingual(j, "name", where, &st->name)).ok()) return s;
  if (!(s = GetBilingualLists(j, "inputs", where, &st->inputs_vi, &st->inputs_en)).ok()) return s;
  if (!(s = GetBilingualLists(j, "outputs", where, &st->outputs_vi, &st->outputs_en)).ok()) return s;
  if (!(s = GetStrings(j, "equipment", where, &st->equipment)).ok()) return s;
  if (!(s = GetStrings(j, "expertise", where, &st->expertise)).ok()) return s;
  if (!(s = GetStrings(j, "concepts", where, &st->concepts)).ok()) return s;
  if (!(s = GetBilingualLists(j, "keywords", where, &st->keywords_vi, &st->keywords_en)).ok()) {
    return s;
  }
  for (const auto* list : {&st->equipment, &st->expertise, &st->concepts}) {
    for (const std::string& c : *list) {
      if (!IsConceptId(c)) {
        return InvalidArgument(where + ": '" + c + "' is not a lexicon concept id (like tea.dryer)");
      }
    }
  }
  if (st->keywords_vi.empty() && st->keywords_en.empty()) {
    return InvalidArgument(where + ": field 'keywords' needs at least one word");
  }
  return Status::OK();
}

Status ParseChain(const std::string& file, const std::string& text, Chain* chain) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    return InvalidArgument(file + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) return InvalidArgument(file + ": the template must be a JSON object");
  Status s = GetString(j, "id", file, &chain->id);
  if (!s.ok()) return s;
  if (chain->id.find('.') != std::string::npos) {
    return InvalidArgument(file + ": chain id '" + chain->id + "' must not contain '.'");
  }
  if (!(s = GetBilingual(j, "name", file, &chain->name)).ok()) return s;
  if (!(s = GetStrings(j, "vsic", file, &chain->vsic)).ok()) return s;
  if (!(s = GetStrings(j, "sector_words", file, &chain->sector_words)).ok()) return s;
  if (!(s = GetStrings(j, "typical_provinces", file, &chain->typical_provinces)).ok()) return s;
  for (const std::string& v : chain->vsic) {
    if (v.size() < 2 || v.size() > 5 || !std::all_of(v.begin(), v.end(), ::isdigit)) {
      return InvalidArgument(file + ": vsic '" + v + "' is not a VSIC code");
    }
  }
  auto it = j.find("stages");
  if (it == j.end() || !it->is_array() || it->size() < 2) {
    return InvalidArgument(file + ": field 'stages' must list at least two stages");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < it->size(); ++i) {
    ChainStage st;
    std::string where = file + ": stages[" + std::to_string(i) + "]";
    if (!(s = ParseStage((*it)[i], chain->id, where, &st)).ok()) return s;
    if (!seen.insert(st.id).second) {
      return InvalidArgument(where + ": duplicate stage id '" + st.id + "'");
    }
    st.position = static_cast<int>(i);
    chain->stages.push_back(std::move(st));
  }
  return Status::OK();
}

}  // namespace

StatusOr<ChainCatalog> ChainCatalog::FromJson(
    const std::vector<std::pair<std::string, std::string>>& files) {
  ChainCatalog cat;
  for (const auto& [name, text] : files) {
    Chain chain;
    Status s = ParseChain(name, text, &chain);
    if (!s.ok()) return s;
    if (cat.FindChain(chain.id) != nullptr) {
      return InvalidArgument(name + ": duplicate chain id '" + chain.id + "'");
    }
    cat.chains_.push_back(std::move(chain));
    cat.chain_by_id_[cat.chains_.back().id] = cat.chains_.size() - 1;
  }
  if (cat.chains_.empty()) return NotFound("no chain templates given");
  Status s = cat.Index();
  if (!s.ok()) return s;
  return cat;
}

StatusOr<ChainCatalog> ChainCatalog::LoadDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path().string());
  }
  if (ec) return IOError("chain templates: cannot read directory " + dir + ": " + ec.message());
  if (paths.empty()) return NotFound("chain templates: no *.json file in " + dir);
  std::sort(paths.begin(), paths.end());
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& p : paths) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return IOError("chain templates: cannot open " + p);
    std::stringstream ss;
    ss << in.rdbuf();
    files.emplace_back(p, ss.str());
  }
  return FromJson(files);
}

Status ChainCatalog::Index() {
  stages_.clear();
  places_.clear();
  stage_by_id_.clear();
  chain_by_word_.clear();
  for (size_t ci = 0; ci < chains_.size(); ++ci) {
    Chain& c = chains_[ci];
    for (ChainStage& st : c.stages) {
      if (stages_.size() >= 0xFFFF) return ResourceExhausted("too many chain stages");
      st.index = static_cast<uint16_t>(stages_.size());
      stages_.push_back(&st);
      places_.push_back({static_cast<uint16_t>(ci), static_cast<uint16_t>(st.position)});
      if (!stage_by_id_.emplace(st.id, &st).second) {
        return InvalidArgument("chain templates: stage id '" + st.id + "' defined twice");
      }
    }
    // Ids and names win over sector words when two chains share a word.
    chain_by_word_[Key(c.id)] = ci;
    chain_by_word_.try_emplace(Key(c.name.vi), ci);
    chain_by_word_.try_emplace(Key(c.name.en), ci);
  }
  for (size_t ci = 0; ci < chains_.size(); ++ci) {
    for (const std::string& w : chains_[ci].sector_words) chain_by_word_.try_emplace(Key(w), ci);
    for (const std::string& v : chains_[ci].vsic) chain_by_word_.try_emplace(v, ci);
  }
  return Status::OK();
}

const Chain* ChainCatalog::FindChain(std::string_view id) const {
  auto it = chain_by_id_.find(std::string(id));
  return it == chain_by_id_.end() ? nullptr : &chains_[it->second];
}

const ChainStage* ChainCatalog::FindStage(std::string_view stage_id) const {
  auto it = stage_by_id_.find(std::string(stage_id));
  return it == stage_by_id_.end() ? nullptr : it->second;
}

StatusOr<const Chain*> ChainCatalog::ResolveChain(std::string_view written) const {
  if (const Chain* c = FindChain(written)) return c;
  auto it = chain_by_word_.find(Key(written));
  if (it != chain_by_word_.end()) return &chains_[it->second];
  return InvalidArgument("unknown sector/chain '" + std::string(written) +
                         "'; known chains: " + KnownChainIds());
}

std::vector<const Chain*> ChainCatalog::ChainsForVsic(std::string_view vsic) const {
  std::vector<const Chain*> out;
  if (vsic.empty()) return out;
  std::string_view division = vsic.substr(0, std::min<size_t>(2, vsic.size()));
  for (const Chain& c : chains_) {
    for (const std::string& v : c.vsic) {
      if (v == vsic || (v.size() == 2 && v == division)) {
        out.push_back(&c);
        break;
      }
    }
  }
  return out;
}

std::string ChainCatalog::KnownChainIds() const {
  std::string out;
  for (const Chain& c : chains_) {
    if (!out.empty()) out += ", ";
    out += c.id;
  }
  return out;
}

std::vector<std::string> ChainCatalog::ConceptIds() const {
  std::set<std::string> ids;
  for (const ChainStage* st : stages_) {
    ids.insert(st->equipment.begin(), st->equipment.end());
    ids.insert(st->expertise.begin(), st->expertise.end());
    ids.insert(st->concepts.begin(), st->concepts.end());
  }
  return {ids.begin(), ids.end()};
}

std::string DefaultChainsDir() { return DefaultDataDir() + "/chains"; }

}  // namespace ketnoi::engine
