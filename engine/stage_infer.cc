#include "engine/stage_infer.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "indexer/normalize.h"

namespace ketnoi::engine {
namespace {

// Folded, punctuation-free, single-spaced, padded with one space on each
// side, so that " sấy chè " matches whole syllables only.
std::string Padded(std::string_view text) { return indexer::SpacedWords(indexer::Fold(text)); }

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

// Syllable ids of the padded phrase texts; a text's syllables not in the
// vocabulary get kUnknown (they cannot be part of any phrase).
class TokenVocabulary {
 public:
  static constexpr uint32_t kUnknown = 0xFFFFFFFFu;

  // Ids of the syllables of a padded text, adding the new ones.
  std::vector<uint32_t> Intern(std::string_view padded) {
    std::vector<uint32_t> out;
    ForEachSyllable(padded, [&](std::string_view syl) {
      auto it = ids_.find(syl);
      if (it == ids_.end())
        it = ids_.emplace(std::string(syl), static_cast<uint32_t>(ids_.size())).first;
      out.push_back(it->second);
    });
    return out;
  }
  // Ids of the syllables of a padded text, kUnknown for unknown ones.
  void Lookup(std::string_view padded, std::vector<uint32_t>* out) const {
    out->clear();
    ForEachSyllable(padded, [&](std::string_view syl) {
      auto it = ids_.find(syl);
      out->push_back(it == ids_.end() ? kUnknown : it->second);
    });
  }
  size_t size() const { return ids_.size(); }

 private:
  template <typename F>
  static void ForEachSyllable(std::string_view padded, F&& f) {
    size_t start = 0;
    while (start < padded.size()) {
      size_t end = padded.find(' ', start);
      if (end == std::string_view::npos) end = padded.size();
      if (end > start) f(padded.substr(start, end - start));
      start = end + 1;
    }
  }
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids_;
};

// Phrases as syllable-id sequences, indexed by their first syllable. A
// phrase occurs in a text when its syllables occur there consecutively,
// which is what a substring search of the padded phrase in the padded text
// finds.
class PhraseSet {
 public:
  // REQUIRES: !tokens.empty(). Ids are given in call order from 0.
  void Add(std::vector<uint32_t> tokens) {
    starts_.push_back(static_cast<uint32_t>(pool_.size()));
    pool_.insert(pool_.end(), tokens.begin(), tokens.end());
  }
  // Builds the first-syllable index; call after the last Add.
  void Finish(size_t vocab_size) {
    const size_t n = starts_.size();
    starts_.push_back(static_cast<uint32_t>(pool_.size()));
    by_first_begin_.assign(vocab_size + 1, 0);
    for (size_t i = 0; i < n; ++i) ++by_first_begin_[pool_[starts_[i]] + 1];
    for (size_t t = 0; t < vocab_size; ++t) by_first_begin_[t + 1] += by_first_begin_[t];
    by_first_.assign(n, 0);
    std::vector<uint32_t> fill(by_first_begin_.begin(), by_first_begin_.end() - 1);
    for (size_t i = 0; i < n; ++i) by_first_[fill[pool_[starts_[i]]]++] = static_cast<uint32_t>(i);
  }
  size_t size() const { return starts_.empty() ? 0 : starts_.size() - 1; }

  // Ids of the phrases occurring in `text` (syllable ids), ascending, each once.
  void Match(const std::vector<uint32_t>& text, std::vector<uint32_t>* out) const {
    out->clear();
    const size_t n = text.size();
    for (size_t i = 0; i < n; ++i) {
      const uint32_t t = text[i];
      if (t == TokenVocabulary::kUnknown || t + 1 >= by_first_begin_.size()) continue;
      for (uint32_t k = by_first_begin_[t]; k < by_first_begin_[t + 1]; ++k) {
        const uint32_t id = by_first_[k];
        const uint32_t b = starts_[id], e = starts_[id + 1];
        if (i + (e - b) > n) continue;
        bool all = true;
        for (uint32_t j = b + 1; j < e; ++j) {
          if (pool_[j] != text[i + (j - b)]) {
            all = false;
            break;
          }
        }
        if (all) out->push_back(id);
      }
    }
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
  }

 private:
  std::vector<uint32_t> pool_;            // syllable ids of every phrase, concatenated
  std::vector<uint32_t> starts_;          // phrase id -> offset in pool_ (plus an end sentinel)
  std::vector<uint32_t> by_first_begin_;  // syllable id -> range in by_first_
  std::vector<uint32_t> by_first_;        // phrase ids grouped by first syllable
};

}  // namespace

struct StageInferer::Rep {
  // phrases[stage index]
  std::vector<std::vector<Phrase>> phrases;
  // concept id -> (stage index, kind)
  std::unordered_map<std::string, std::vector<std::pair<uint16_t, PhraseKind>>> concept_stages;
  // chain index -> padded sector words
  std::vector<std::vector<std::string>> chain_words;
  // stage index -> index of its chain in the catalog
  std::vector<int> stage_chain;

  // Compiled from `phrases` and `chain_words` by Compile(): every phrase as
  // a syllable-id sequence, numbered in (stage, phrase) order, so that the
  // matched ids in ascending order add up each stage's score in the same
  // order as a scan of phrases[stage] would.
  TokenVocabulary vocab;
  PhraseSet stage_phrases;
  struct Scored {
    uint16_t stage;
    float weight[3];  // KindWeight(kind, role) * length_weight, per role
  };
  std::vector<Scored> scored;         // by stage_phrases id
  PhraseSet chain_phrases;            // sector words
  std::vector<int> chain_of_word;     // by chain_phrases id
  std::vector<uint8_t> chain_always;  // chain has a word with no syllable (matches any text)

  void Compile() {
    vocab = TokenVocabulary();
    stage_phrases = PhraseSet();
    chain_phrases = PhraseSet();
    scored.clear();
    chain_of_word.clear();
    for (size_t s = 0; s < phrases.size(); ++s) {
      for (const Phrase& p : phrases[s]) {
        stage_phrases.Add(vocab.Intern(p.padded));
        Scored sc{static_cast<uint16_t>(s), {}};
        for (int r = 0; r < 3; ++r) sc.weight[r] = KindWeight(p.kind, r) * p.length_weight;
        scored.push_back(sc);
      }
    }
    stage_phrases.Finish(vocab.size());
    chain_always.assign(chain_words.size(), 0);
    for (size_t c = 0; c < chain_words.size(); ++c) {
      for (const std::string& w : chain_words[c]) {
        std::vector<uint32_t> tokens = vocab.Intern(w);
        if (tokens.empty()) {
          chain_always[c] = 1;  // " " is found in every padded text
          continue;
        }
        chain_phrases.Add(std::move(tokens));
        chain_of_word.push_back(static_cast<int>(c));
      }
    }
    chain_phrases.Finish(vocab.size());
  }

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
  // Chain ids are unique in a catalog.
  const auto& chains = catalog_->chains();
  rep_->stage_chain.assign(catalog_->stage_count(), -1);
  for (size_t i = 0; i < catalog_->stage_count(); ++i) {
    for (size_t c = 0; c < chains.size(); ++c) {
      if (chains[c].id == catalog_->stage(i).chain_id) {
        rep_->stage_chain[i] = static_cast<int>(c);
        break;
      }
    }
  }
  rep_->Compile();
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
  // Phrases may be added below, on every return path.
  struct Recompile {
    Rep* rep;
    ~Recompile() { rep->Compile(); }
  } recompile{rep_.get()};
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
        cols.push_back(
            line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
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

std::vector<StageAssignment> StageInferer::Infer(std::string_view text, std::string_view weak_text,
                                                 const std::vector<int>& chain_hint,
                                                 Role role) const {
  const int r = static_cast<int>(role);
  const size_t n = catalog_->stage_count();
  std::vector<float> score(n, 0.0f);
  std::string strong = Padded(text);
  std::string weak = Padded(weak_text);
  // Syllable ids of the strong text (also used for the chain words below).
  std::vector<uint32_t> strong_tokens;
  if (options_.scan_every_phrase) {
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
  } else {
    // The phrases found in either text, added in (stage, phrase) order:
    // the same sums as the scan above.
    std::vector<uint32_t> tokens, in_strong, in_weak;
    rep_->vocab.Lookup(strong, &strong_tokens);
    rep_->stage_phrases.Match(strong_tokens, &in_strong);
    if (weak.size() > 2) {
      rep_->vocab.Lookup(weak, &tokens);
      rep_->stage_phrases.Match(tokens, &in_weak);
    }
    size_t a = 0, b = 0;
    while (a < in_strong.size() || b < in_weak.size()) {
      const uint32_t sid = a < in_strong.size() ? in_strong[a] : UINT32_MAX;
      const uint32_t wid = b < in_weak.size() ? in_weak[b] : UINT32_MAX;
      const Rep::Scored& sc = rep_->scored[std::min(sid, wid)];
      if (sid <= wid) {
        score[sc.stage] += sc.weight[r];
        ++a;
        if (wid == sid) ++b;
      } else {
        score[sc.stage] += 0.5f * sc.weight[r];
        ++b;
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
  if (hint.empty() && options_.scan_every_phrase) {
    for (size_t c = 0; c < rep_->chain_words.size(); ++c) {
      for (const std::string& w : rep_->chain_words[c]) {
        if (strong.find(w) != std::string::npos) {
          hint.push_back(static_cast<int>(c));
          break;
        }
      }
    }
  } else if (hint.empty()) {
    std::vector<uint32_t> words;
    rep_->chain_phrases.Match(strong_tokens, &words);
    std::vector<uint8_t> named = rep_->chain_always;
    for (uint32_t w : words) named[rep_->chain_of_word[w]] = 1;
    for (size_t c = 0; c < named.size(); ++c) {
      if (named[c]) hint.push_back(static_cast<int>(c));
    }
  }
  if (!hint.empty()) {
    for (size_t s = 0; s < n; ++s) {
      if (score[s] <= 0) continue;
      const int chain = rep_->stage_chain[s];
      bool in = std::find(hint.begin(), hint.end(), chain) != hint.end();
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
