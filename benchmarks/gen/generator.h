// The scale-data generator: a deterministic, seeded synthetic market of
// facilities (with needs), suppliers, experts and links in the dataset
// directory format (../shared/DESIGN.md), with graded relevance judgements
// (qrels.tsv) for a sample of needs. docs/scale-data.md describes the model.
//
// Output is a function of (options, data directory) alone: the same seed
// gives byte-identical files. Each record is drawn from its own random
// stream (rng.h SeedFor), so no record depends on the order of generation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "benchmarks/gen/phrasing.h"
#include "benchmarks/gen/world.h"
#include "common/status.h"

namespace ketnoi::gen {

struct GenOptions {
  std::string out_dir;
  int64_t entities = 10000;        // facilities + suppliers + experts
  uint64_t seed = 1;
  int qrels_needs = -1;            // needs judged; -1: min(1000, entities / 40)
  double links_per_facility = 1.0;
  double facility_share = 0.63, supplier_share = 0.26;  // the rest are experts
  // Suppliers and experts (planted ones included) that make the chains'
  // machines or advise on the chains' topics; the rest of a bigger market
  // sells general goods and general business advice.
  int64_t specialised_suppliers = 4000, specialised_experts = 1500;
};

struct GenReport {
  int64_t facilities = 0, needs = 0, suppliers = 0, experts = 0, links = 0;
  int64_t judged_needs = 0, qrels_lines = 0, grade2 = 0, grade1 = 0;
  int64_t planted = 0, planted_grade_mismatch = 0;
  int64_t bytes = 0;
};

// --- The structured market (what the text is written from). ---------------

struct NeedRec {
  int32_t facility = 0;
  int16_t concept_id = 0;    // World concept index
  bool expert = false;       // kind "expert" (else "equipment")
  bool judged = false;       // in the qrels sample
  int8_t form = 0;           // the concept form the need's text uses
  float capacity = 0;        // kg/h asked for; 0 when unstated
  double budget = 0;         // VND; 0 when unstated
};

struct FacilityRec {
  uint8_t chain = 0, stage = 0;  // stage: position within the chain
  uint8_t province = 0;          // World province index
  Style style = Style::kVi;
  int32_t first_need = 0;
  uint8_t need_count = 0;
};

struct SupplierRec {
  uint8_t chain = 0, province = 0;
  Style style = Style::kVi;
  bool nationwide = false;
  int8_t avoid_form = -1;             // form of concepts[0] not to use
  std::vector<uint8_t> serves;        // province indices (home first)
  std::vector<int16_t> concepts;      // equipment sold
  float cap_lo = 0, cap_hi = 0;       // kg/h; 0 when not stated
  double price = 0;                   // "giá từ"; 0 when not stated
  uint64_t seed = 0;                  // its text stream
};

struct ExpertRec {
  uint8_t province = 0;
  Style style = Style::kVi;
  bool nationwide = false;
  bool organisation = false;
  int8_t avoid_form = -1;
  std::vector<uint8_t> chains;
  std::vector<int16_t> expertise;
  uint64_t seed = 0;
};

// Grade of a supplier or expert for a need under the market's rules:
// 2 = offers the need's concept and fits its province, capacity and budget
// (experts: the chain and region); 1 = offers the concept with exactly one of
// those off; 0 otherwise. See docs/scale-data.md "Judgements".
int GradeSupplier(const World& w, const FacilityRec& f, const NeedRec& n, const SupplierRec& s);
int GradeExpert(const World& w, const FacilityRec& f, const NeedRec& n, const ExpertRec& e);

// Generates the dataset into options.out_dir (created when missing; files
// of the dataset's names replaced). InvalidArgument for bad options.
Status Generate(const World& world, const GenOptions& options, GenReport* report);

// --- Rendering (records.cc): one JSON line per record, without "\n". -----
std::string RenderFacility(const World& w, const std::vector<FacilityRec>& facilities,
                           const std::vector<NeedRec>& needs, int index, uint64_t seed,
                           int id_width);
std::string RenderSupplier(const World& w, const SupplierRec& s, int index, int id_width);
std::string RenderExpert(const World& w, const ExpertRec& e, int index, int id_width);
std::string MakeId(char prefix, int64_t n, int width);
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace ketnoi::gen
