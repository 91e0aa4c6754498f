// Value-chain templates: each chain (tea, cassava, ...) is an ordered list of
// stages with their inputs, outputs, typical equipment and expertise (lexicon
// concept ids) and the keywords that let stage inference place a record on a
// stage. Loaded from data/chains/*.json (format in docs/chains.md) and
// validated; immutable after loading and safe for concurrent use.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace ketnoi::engine {

struct Bilingual {
  std::string vi;
  std::string en;
};

struct ChainStage {
  std::string id;        // "tea.drying": always "<chain id>.<stage>"
  std::string chain_id;  // "tea"
  int position = 0;      // 0-based order within its chain (raw material first)
  uint16_t index = 0;    // dense index over all stages of the catalog
  Bilingual name;
  std::vector<std::string> inputs_vi, inputs_en;
  std::vector<std::string> outputs_vi, outputs_en;
  std::vector<std::string> equipment;  // lexicon concept ids ("tea.dryer")
  std::vector<std::string> expertise;  // lexicon concept ids ("cert.haccp")
  std::vector<std::string> concepts;   // other concept ids (processes, products)
  std::vector<std::string> keywords_vi, keywords_en;
};

struct Chain {
  std::string id;  // "tea"
  Bilingual name;
  std::vector<std::string> vsic;          // VSIC codes that select the chain
  std::vector<std::string> sector_words;  // sector words (vi and en) that select it
  std::vector<std::string> typical_provinces;
  std::vector<ChainStage> stages;         // in chain order
};

// The set of chains. Move-only (stage pointers point into chains_).
class ChainCatalog {
 public:
  ChainCatalog() = default;
  ChainCatalog(ChainCatalog&&) = default;
  ChainCatalog& operator=(ChainCatalog&&) = default;
  ChainCatalog(const ChainCatalog&) = delete;
  ChainCatalog& operator=(const ChainCatalog&) = delete;

  // Loads every *.json file of `dir` (sorted by name). InvalidArgument naming
  // the file and the field for a bad template; NotFound when `dir` has none.
  static StatusOr<ChainCatalog> LoadDir(const std::string& dir);
  // Parses templates given as (file name, JSON text) pairs; same checks.
  static StatusOr<ChainCatalog> FromJson(
      const std::vector<std::pair<std::string, std::string>>& files);

  const std::vector<Chain>& chains() const { return chains_; }
  size_t stage_count() const { return stages_.size(); }
  // REQUIRES: i < stage_count().
  const ChainStage& stage(size_t i) const { return *stages_[i]; }
  // A stage's chain (its index in chains()) and position, in one compact
  // array by stage index: what comparing two actors' stages reads, for
  // every candidate of a match.
  struct StagePlace {
    uint16_t chain;
    uint16_t position;
  };
  // REQUIRES: i < stage_count().
  StagePlace place(size_t i) const { return places_[i]; }

  const Chain* FindChain(std::string_view id) const;
  const ChainStage* FindStage(std::string_view stage_id) const;
  // The chain a planner or a record names: its id ("tea"), its name in
  // either language, a sector word or a VSIC code, compared after folding.
  // InvalidArgument listing the known chain ids when nothing matches.
  StatusOr<const Chain*> ResolveChain(std::string_view written) const;
  // Chains whose VSIC list holds `vsic` or its 2-digit division.
  std::vector<const Chain*> ChainsForVsic(std::string_view vsic) const;
  // "tea, cassava, ..." for error messages.
  std::string KnownChainIds() const;

  // Every lexicon concept id the templates refer to, sorted, unique.
  std::vector<std::string> ConceptIds() const;

 private:
  Status Index();

  std::vector<Chain> chains_;
  std::vector<const ChainStage*> stages_;  // by ChainStage::index
  std::vector<StagePlace> places_;         // by ChainStage::index
  std::unordered_map<std::string, size_t> chain_by_id_;
  std::unordered_map<std::string, const ChainStage*> stage_by_id_;
  std::unordered_map<std::string, size_t> chain_by_word_;  // folded names/words/vsic
};

// The default template directory: DefaultDataDir() + "/chains".
std::string DefaultChainsDir();

}  // namespace ketnoi::engine
