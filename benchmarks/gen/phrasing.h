// How the generated records are worded: numbers, money and capacities in the
// forms Vietnamese users write them ("1,2 tỷ", "300 triệu", "500 kg/ngày",
// "2 tấn/giờ") or English catalogues do ("1.2 billion VND", "0.5 t/h"),
// province spellings, names of cooperatives, companies and people, and the
// choice of a concept's surface form. Pure functions of their inputs and the
// Rng passed in.
#pragma once

#include <string>
#include <vector>

#include "benchmarks/gen/rng.h"
#include "benchmarks/gen/world.h"

namespace ketnoi::gen {

// Who is writing: accented Vietnamese, Vietnamese typed without diacritics
// (produced by folding the accented text), or English.
enum class Style : uint8_t { kVi = 0, kViPlain = 1, kEn = 2 };

// The language family of a style: English forms for kEn, else Vietnamese.
inline bool IsEnglish(Style s) { return s == Style::kEn; }

// Two significant digits: 1234 -> 1200, 87.3 -> 87.
double NiceRound(double v);
// NiceRound with the second digit a multiple of 5 (67 -> 65, 1340 -> 1300):
// the round capacities catalogues print.
double NiceCapacity(double v);
// "1.200" / "1,5" (vi) or "1,200" / "1.5" (en); at most one decimal.
std::string FormatNumber(double v, bool english);
// An amount of money: "250 triệu", "1,2 tỷ", "1 tỷ 200 triệu", "80tr",
// "250.000.000 đồng"; English "250 million VND", "1.2 billion VND".
std::string FormatMoney(double vnd, Style style, Rng& rng);
// A throughput (kg per hour) as a user writes it: per hour or per
// (eight-hour) day, in kg or tấn/t.
std::string FormatCapacity(double kg_per_hour, Style style, Rng& rng);
// A catalogue range "300-1.200 kg/giờ", "0,5-2 tấn/giờ", "300-1,200 kg/h".
std::string FormatCapacityRange(double lo, double hi, Style style, Rng& rng);

// A spelling of province `p`: current names mostly, pre-2025 names and
// aliases with probability `old_share` when there are any.
std::string ProvinceSpelling(const GenProvince& p, double old_share, Rng& rng);

// Index into the concept's vi_forms (Vietnamese styles) or en_forms
// (English) to write it with; avoids `avoid` when another form exists.
int PickForm(const GenConcept& c, Style style, int avoid, Rng& rng);
// The concept written in form `form` of the style's language (folded for
// kViPlain by the caller, which folds whole texts).
const std::string& ConceptForm(const GenConcept& c, Style style, int form);

// Names. `product` is a product or sector word ("chè", "đồ gỗ").
std::string FacilityName(const std::string& product, Rng& rng, std::string* legal_form);
std::string SupplierName(const std::string& product_vi, Style style, Rng& rng);
std::string PersonName(Rng& rng);
std::string TwoSyllableName(Rng& rng);
std::string PhoneNumber(Rng& rng);

// "a, b và c" / "a, b and c".
std::string JoinList(const std::vector<std::string>& items, bool english);
// Stage name as a phrase: lower-cased first word, parenthesised part dropped.
std::string StagePhrase(const std::string& name, bool english);

}  // namespace ketnoi::gen
