// The reference material the scale-data generator draws from, loaded from
// the repository's data/ directory: lexicon concepts (Vietnamese and English
// names and variants), value-chain templates (stages with their equipment and
// expertise), provinces (current names, pre-2025 names, aliases, regions) and
// sectors. Every province spelling offered here has been checked to resolve
// (engine::ReferenceData) to the province it stands for, so a generated
// dataset always imports. Immutable after Load.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/chains.h"
#include "engine/reference.h"
#include "indexer/lexicon.h"

namespace ketnoi::gen {

struct GenConcept {
  std::string id;
  std::string category;
  std::vector<std::string> vi_forms;  // vi name first, then Vietnamese variants
  std::vector<std::string> en_forms;  // en name first, then ASCII variants
  std::vector<std::string> broader;   // direct broader ids
  bool throughput = false;            // sized in kg/h (dryers, mills, ...)
  double base_price = 0;              // typical price of one unit, VND
};

struct GenProvince {
  std::string id;       // current province id
  std::string name;     // "Thái Nguyên"
  std::string name_en;  // "Thai Nguyen"
  std::string region;
  // Spellings that resolve to this province: current name, with "tỉnh"/"TP",
  // without diacritics, English, and pre-2025 names and aliases of provinces
  // merged into it.
  std::vector<std::string> modern_forms;
  std::vector<std::string> old_forms;
};

struct GenChain {
  const engine::Chain* chain = nullptr;
  std::vector<int> equipment;        // concept indices a supplier of this chain sells;
  size_t stage_equipment = 0;        // the first this many are named by the stages
  std::vector<int> expertise;        // concept indices an expert of this chain offers
  std::vector<int> typical_provinces;
  std::vector<std::string> sectors;  // sector as written: VSIC codes, names vi/en
  std::vector<std::string> product_words_vi, product_words_en;
  double weight = 1;                 // share of facilities in this chain
};

class World {
 public:
  static StatusOr<std::unique_ptr<World>> Load(const std::string& data_dir);

  const std::vector<GenConcept>& concepts() const { return concepts_; }
  const GenConcept& concept_at(int i) const { return concepts_[i]; }
  // Index of a concept id; -1 when unknown.
  int ConceptIndex(std::string_view id) const;
  const std::vector<GenProvince>& provinces() const { return provinces_; }
  // Province indices of a region.
  const std::vector<int>& Region(const std::string& region) const;
  const std::vector<GenChain>& chains() const { return chains_; }
  const engine::ChainCatalog& catalog() const { return catalog_; }
  // True when concept a is b or one is a broader concept of the other
  // (transitively).
  bool Related(int a, int b) const;
  // A concept of `pool` other than `c`, unrelated to it, whose Vietnamese
  // name shares a content word with c's (a look-alike for distractors);
  // -1 when the pool has none.
  int LookAlike(int c, const std::vector<int>& pool, uint64_t salt) const;

 private:
  World() = default;
  Status LoadConcepts(const std::string& data_dir);
  Status LoadProvinces(const std::string& data_dir);
  Status LoadChains(const std::string& data_dir);

  std::unique_ptr<engine::ReferenceData> ref_;
  engine::ChainCatalog catalog_;
  std::vector<GenConcept> concepts_;
  std::vector<std::pair<std::string, int>> concept_index_;  // sorted by id
  std::vector<GenProvince> provinces_;
  std::vector<std::pair<std::string, std::vector<int>>> regions_;  // sorted
  std::vector<GenChain> chains_;
};

}  // namespace ketnoi::gen
