// Stage inference: places a facility, supplier or expert on value-chain
// stages (engine/chains.h), with a confidence in [0, 1].
//
//  - A record's own "stage" (and optional "chain") fields, kept in
//    extra_json, win with confidence 1 ("stage" may be "tea.drying", or
//    "drying" together with "chain": "tea", or an array of those).
//  - Otherwise the record's text is matched against every stage: the stage's
//    keywords (vi/en), and the lexicon concepts of its typical equipment and
//    expertise, found either by a concept finder (indexer::Analyzer, when the
//    caller wires one in) or by the concept terms read from data/lexicon/*.tsv,
//    all compared on folded text (indexer::Fold: no diacritics, lower case).
//    A chain named by the record ("chain" field, sector VSIC code or sector
//    words) narrows the choice to that chain.
//
// Facilities get their best stage (and close runners-up); suppliers get the
// stages they equip and experts the stages they advise on.
// Immutable after construction/loading; safe for concurrent use.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/chains.h"
#include "engine/model.h"

namespace ketnoi::engine {

struct StageAssignment {
  uint16_t stage = 0;    // ChainStage::index in the catalog
  float confidence = 0;  // 1 when given by the record
  bool given = false;    // from the record's own fields
  bool operator==(const StageAssignment&) const = default;
};

struct StageInferOptions {
  // Finds lexicon concept ids in a text (e.g. from indexer::Analyzer's
  // Analysis::concepts). Optional: without it, concepts are found through
  // the terms loaded by LoadLexiconTerms.
  std::function<std::vector<std::string>(std::string_view text)> concept_finder;
  // Stages scoring below this confidence are not assigned. Higher: fewer,
  // surer assignments; lower: more coverage, more noise.
  float min_confidence = 0.3f;
  // A facility also gets stages scoring at least this share of its best.
  float runner_up_ratio = 0.8f;
  int max_stages_facility = 2;
  int max_stages_provider = 6;  // suppliers and experts
  // The original matching: every phrase searched in the record's text by
  // substring search. Same results, several times slower; kept as the
  // reference the tests compare the phrase index against.
  bool scan_every_phrase = false;
};

class StageInferer {
 public:
  // `catalog` is not owned and must outlive the inferer.
  StageInferer(const ChainCatalog* catalog, StageInferOptions options = {});
  ~StageInferer();
  StageInferer(StageInferer&&) noexcept;
  StageInferer& operator=(StageInferer&&) noexcept;

  // Reads data/lexicon/*.tsv (header `id category vi en variants broader`)
  // and keeps the terms of the concepts the chain templates name. Returns
  // the concept ids the templates name that the lexicon lacks in *missing.
  // A missing directory is NotFound; a malformed line InvalidArgument
  // naming file:line.
  Status LoadLexiconTerms(const std::string& lexicon_dir, std::vector<std::string>* missing);

  std::vector<StageAssignment> ForFacility(const Facility& f) const;
  std::vector<StageAssignment> ForSupplier(const Supplier& s) const;
  std::vector<StageAssignment> ForExpert(const Expert& e) const;

  // Same, ignoring any "stage"/"chain" fields of the record (for measuring
  // inference against the given fields).
  std::vector<StageAssignment> InferFacility(const Facility& f) const;

  // The stages given by a record's extra_json ("stage", "chain"); empty
  // when none. Unknown stage names are ignored.
  std::vector<StageAssignment> GivenStages(const std::string& extra_json) const;

  const ChainCatalog& catalog() const { return *catalog_; }

 private:
  struct Rep;
  enum class Role { kFacility, kSupplier, kExpert };
  std::vector<StageAssignment> Infer(std::string_view text, std::string_view weak_text,
                                     const std::vector<int>& chain_hint, Role role) const;
  std::vector<int> ChainHint(const std::string& extra_json, std::string_view sector_vsic,
                             std::string_view sector) const;

  const ChainCatalog* catalog_;
  StageInferOptions options_;
  std::unique_ptr<Rep> rep_;
};

}  // namespace ketnoi::engine
