#include "engine/stage_infer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "indexer/normalize.h"

namespace ketnoi::engine {
namespace {

// Folded, punctuation-free, single-spaced, padded with one space on each
// side, so that " sấy chè " matches whole syllables only.
std::string Padded(std::string_view text) {
  std::string folded = indexer::Fold(text);
  std::string out = " ";
  for (char c : folded) {
    unsigned char u = static_cast<unsigned char>(c);
    bool word = std::isalnum(u) || u >= 0x80;
    if (word) {
      out.push_back(c);
    } else if (out.back() != ' ') {
      out.push_back(' ');
    }
  }
  if (out.back() != ' ') out.push_back(' ');
  return out;
}

int Syllables(const std::string& padded) {
  return static_cast<int>(std::count(padded.begin(), padded.end(), ' ')) - 1;
}

enum class PhraseKind : uint8_t { kKeyword, kEquipment, kExpertise };

struct Phrase {
  std::string padded;
  PhraseKind kind;
  float length_weight;  // longer phrases are more specific
};

// Per role, how much each kind of evidence counts.
float KindWeight(PhraseKind kind, int role) {
  static constexpr float kWeights[3][3] = {
      // keyword, equipment, expertise
      {1.0f, 0.6f, 0.3f},  // facility
      {0.7f, 1.0f, 0.3f},  // supplier
      {0.7f, 0.3f, 1.0f},  // expert
  };
  return kWeights[role][static_cast<int>(kind)];
}

std::vector<std::string> SplitBar(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('|', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

struct StageInferer::Rep {
  // phrases[stage index]
  std::vector<std::vector<Phrase>> phrases;
  // concept id -> (stage index, kind)
  std::unordered_map<std::string, std::vector<std::pair<uint16_t, PhraseKind>>> concept_stages;
  // chain index -> padded sector words
  std::vector<std::vector<std::string>> chain_words;

  void AddPhrase(uint16_t stage, std::string_view text, PhraseKind kind) {
    std::string p = Padded(text);
    if (Syllables(p) <= 0) return;
    for (const Phrase& e : phrases[stage]) {
      if (e.padded == p) return;
    }
    float lw = std::min(3, Syllables(p)) / 2.0f;
    phrases[stage].push_back({std::move(p), kind, lw});
  }
};

StageInferer::StageInferer(const ChainCatalog* catalog, StageInferOptions options)
    : catalog_(catalog), options_(std::move(options)), rep_(std::make_unique<Rep>()) {
  rep_->phrases.resize(catalog_->stage_count());
  for (size_t i = 0; i < catalog_->stage_count(); ++i) {
    const ChainStage& st = catalog_->stage(i);
    auto idx = static_cast<uint16_t>(i);
    for (const auto& k : st.keywords_vi) rep_->AddPhrase(idx, k, PhraseKind::kKeyword);
    for (const auto& k : st.keywords_en) rep_->AddPhrase(idx, k, PhraseKind::kKeyword);
    auto add_concepts = [&](const std::vector<std::string>& ids, PhraseKind kind) {
      for (const std::string& c : ids) {
        rep_->concept_stages[c].emplace_back(idx, kind);
        // "tea.dryer" also reads as the English words "tea dryer".
        std::string words = c.substr(c.find('.') + 1);
        std::replace(words.begin(), words.end(), '_', ' ');
        if (words.find(' ') != std::string::npos) rep_->AddPhrase(idx, words, kind);
      }
    };
    add_concepts(st.equipment, PhraseKind::kEquipment);
    add_concepts(st.expertise, PhraseKind::kExpertise);
    add_concepts(st.concepts, PhraseKind::kKeyword);
  }
  for (const Chain& c : catalog_->chains()) {
    std::vector<std::string> words;
    for (const std::string& w : c.sector_words) words.push_back(Padded(w));
    rep_->chain_words.push_back(std::move(words));
  }
}

StageInferer::~StageInferer() = default;
StageInferer::StageInferer(StageInferer&&) noexcept = default;
StageInferer& StageInferer::operator=(StageInferer&&) noexcept = default;

Status StageInferer::LoadLexiconTerms(const std::string& lexicon_dir,
                                      std::vector<std::string>* missing) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(lexicon_dir, ec)) {
    if (entry.path().extension() == ".tsv") paths.push_back(entry.path().string());
  }
  if (ec) return NotFound("lexicon: cannot read directory " + lexicon_dir + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  std::set<std::string> known;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    if (!in) return IOError("lexicon: cannot open " + path);
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line_no == 1 || line.empty() || line[0] == '#') continue;
      std::vector<std::string> cols;
      size_t start = 0;
      while (true) {
        size_t tab = line.find('\t', start);
        cols.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
      }
      if (cols.size() < 4 || cols[0].empty()) {
        return InvalidArgument(path + ":" + std::to_string(line_no) +
                               ": expected columns id, category, vi, en, variants, broader");
      }
      known.insert(cols[0]);
      auto it = rep_->concept_stages.find(cols[0]);
      if (it == rep_->concept_stages.end()) continue;
      std::vector<std::string> terms = {cols[2], cols[3]};
      if (cols.size() > 4) {
        for (std::string& v : SplitBar(cols[4])) terms.push_back(std::move(v));
      }
      for (const auto& [stage, kind] : it->second) {
        for (const std::string& t : terms) {
          if (!t.empty()) rep_->AddPhrase(stage, t, kind);
        }
      }
    }
  }
  if (missing != nullptr) {
    missing->clear();
    for (const std::string& c : catalog_->ConceptIds()) {
      if (!known.count(c)) missing->push_back(c);
    }
  }
  return Status::OK();
}

std::vector<StageAssignment> StageInferer::GivenStages(const std::string& extra_json) const {
  std::vector<StageAssignment> out;
  if (extra_json.find("stage") == std::string::npos) return out;
  nlohmann::json j = nlohmann::json::parse(extra_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return out;
  std::string chain;
  if (auto it = j.find("chain"); it != j.end() && it->is_string()) {
    auto c = catalog_->ResolveChain(it->get<std::string>());
    if (c.ok()) chain = (*c)->id;
  }
  std::vector<std::string> names;
  for (const char* field : {"stage", "stages"}) {
    auto it = j.find(field);
    if (it == j.end()) continue;
    if (it->is_string()) names.push_back(it->get<std::string>());
    if (it->is_array()) {
      for (const auto& v : *it) {
        if (v.is_string()) names.push_back(v.get<std::string>());
      }
    }
  }
  for (const std::string& name : names) {
    const ChainStage* st = catalog_->FindStage(name);
    if (st == nullptr && !chain.empty()) st = catalog_->FindStage(chain + "." + name);
    if (st == nullptr) continue;
    bool dup = std::any_of(out.begin(), out.end(),
                           [&](const StageAssignment& a) { return a.stage == st->index; });
    if (!dup) out.push_back({st->index, 1.0f, true});
  }
  return out;
}

std::vector<int> StageInferer::ChainHint(const std::string& extra_json,
                                         std::string_view sector_vsic,
                                         std::string_view sector) const {
  std::vector<int> hint;
  auto add = [&](const Chain* c) {
    int ci = static_cast<int>(c - catalog_->chains().data());
    if (std::find(hint.begin(), hint.end(), ci) == hint.end()) hint.push_back(ci);
  };
  if (extra_json.find("chain") != std::string::npos) {
    nlohmann::json j = nlohmann::json::parse(extra_json, nullptr, false);
    if (j.is_object()) {
      if (auto it = j.find("chain"); it != j.end() && it->is_string()) {
        auto c = catalog_->ResolveChain(it->get<std::string>());
        if (c.ok()) return {static_cast<int>(*c - catalog_->chains().data())};
      }
    }
  }
  for (const Chain* c : catalog_->ChainsForVsic(sector_vsic)) add(c);
  if (hint.empty() && !sector.empty()) {
    auto c = catalog_->ResolveChain(sector);
    if (c.ok()) add(*c);
  }
  return hint;
}

std::vector<StageAssignment> StageInferer::Infer(std::string_view text,
                                                 std::string_view weak_text,
                                                 const std::vector<int>& chain_hint,
                                                 Role role) const {
  const int r = static_cast<int>(role);
  const size_t n = catalog_->stage_count();
  std::vector<float> score(n, 0.0f);
  std::string strong = Padded(text);
  std::string weak = Padded(weak_text);
  for (size_t s = 0; s < n; ++s) {
    for (const Phrase& p : rep_->phrases[s]) {
      float w = KindWeight(p.kind, r) * p.length_weight;
      if (strong.find(p.padded) != std::string::npos) {
        score[s] += w;
      } else if (weak.size() > 2 && weak.find(p.padded) != std::string::npos) {
        score[s] += 0.5f * w;
      }
    }
  }
  if (options_.concept_finder) {
    std::string all(text);
    all.append(" ").append(weak_text);
    for (const std::string& c : options_.concept_finder(all)) {
      auto it = rep_->concept_stages.find(c);
      if (it == rep_->concept_stages.end()) continue;
      for (const auto& [stage, kind] : it->second) score[stage] += 1.5f * KindWeight(kind, r);
    }
  }
  // Chains the record names, or whose sector words its text uses.
  std::vector<int> hint = chain_hint;
  if (hint.empty()) {
    for (size_t c = 0; c < rep_->chain_words.size(); ++c) {
      for (const std::string& w : rep_->chain_words[c]) {
        if (strong.find(w) != std::string::npos) {
          hint.push_back(static_cast<int>(c));
          break;
        }
      }
    }
  }
  if (!hint.empty()) {
    const auto& chains = catalog_->chains();
    for (size_t s = 0; s < n; ++s) {
      if (score[s] <= 0) continue;
      const std::string& cid = catalog_->stage(s).chain_id;
      bool in = std::any_of(hint.begin(), hint.end(),
                            [&](int ci) { return chains[ci].id == cid; });
      score[s] = in ? score[s] + 0.3f : score[s] * 0.35f;
    }
  }
  std::vector<StageAssignment> out;
  for (size_t s = 0; s < n; ++s) {
    float conf = 1.0f - std::exp(-score[s] / 1.5f);
    if (score[s] > 0 && conf >= options_.min_confidence) {
      out.push_back({static_cast<uint16_t>(s), conf, false});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const StageAssignment& a, const StageAssignment& b) {
    return a.confidence > b.confidence;
  });
  if (role == Role::kFacility) {
    float best = out.empty() ? 0 : out[0].confidence;
    out.erase(std::remove_if(out.begin(), out.end(),
                             [&](const StageAssignment& a) {
                               return a.confidence < options_.runner_up_ratio * best;
                             }),
              out.end());
    if (out.size() > static_cast<size_t>(options_.max_stages_facility)) {
      out.resize(options_.max_stages_facility);
    }
  } else if (out.size() > static_cast<size_t>(options_.max_stages_provider)) {
    out.resize(options_.max_stages_provider);
  }
  return out;
}

std::vector<StageAssignment> StageInferer::InferFacility(const Facility& f) const {
  std::string text = f.name + " . " + f.products + " . " + f.sector;
  std::string weak;
  for (const Need& n : f.needs) weak.append(n.text).append(" . ");
  // The "chain" field still hints; only the stage is hidden.
  return Infer(text, weak, ChainHint(f.extra_json, f.sector_vsic, f.sector), Role::kFacility);
}

std::vector<StageAssignment> StageInferer::ForFacility(const Facility& f) const {
  std::vector<StageAssignment> given = GivenStages(f.extra_json);
  if (!given.empty()) return given;
  return InferFacility(f);
}

std::vector<StageAssignment> StageInferer::ForSupplier(const Supplier& s) const {
  std::vector<StageAssignment> given = GivenStages(s.extra_json);
  if (!given.empty()) return given;
  return Infer(s.name + " . " + s.text, "", ChainHint(s.extra_json, "", ""), Role::kSupplier);
}

std::vector<StageAssignment> StageInferer::ForExpert(const Expert& e) const {
  std::vector<StageAssignment> given = GivenStages(e.extra_json);
  if (!given.empty()) return given;
  return Infer(e.name + " . " + e.text, "", ChainHint(e.extra_json, "", ""), Role::kExpert);
}

}  // namespace ketnoi::engine
