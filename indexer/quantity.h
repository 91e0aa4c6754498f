// Numbers with units as Vietnamese and English texts write them:
// "500 kg/ngày", "2 tấn/giờ", "15 kW", "300 triệu", "1,2 tỷ",
// "1.200.000 đ", "20 m3", "3 pha 380V". Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ketnoi::indexer {

enum class Dimension {
  kMass,          // kg
  kMassRate,      // kg per hour; a day is 8 working hours ("500 kg/ngày" = 62.5 kg/h)
  kMoney,         // VND
  kPower,         // kW
  kVolume,        // m3
  kVolumeRate,    // m3 per hour / litres per hour
  kVoltage,       // V
  kCount,         // pieces, units per hour ("sản phẩm/giờ")
  kLength,        // m
  kArea,          // m2
  kOther,
};

struct Quantity {
  double value = 0;     // in the canonical unit of the dimension
  Dimension dimension = Dimension::kOther;
  std::string unit;     // canonical unit name: "kg", "kg/h", "vnd", "kW", "m3", ...
  std::string text;     // the span as written ("500kg/ngay"), normalised (lower case)
  // For rates, the period as written, canonical name: "h", "day", "shift",
  // "week", "month", "year", "min", "s"; empty when not a rate. Canonical
  // rates are per hour with day = shift = 8 h, week = 6 days, month = 26
  // days, year = 300 days (docs/text-analysis.md). Money per period (a
  // monthly budget) keeps the amount as written and only sets `period`.
  std::string period;
  double written_value = 0;  // the number as written times its multiplier, before
                             // unit and period conversion (500 for "500 kg/ngày")
};

// Every number followed by a known unit, in text order. `text` may be raw or
// normalised. Bare numbers (no unit) are not quantities.
std::vector<Quantity> ParseQuantities(std::string_view text);

// Same, for text that is already NormalizeAccented output (skips that step).
std::vector<Quantity> ParseNormalizedQuantities(std::string_view accented);

// Stable name of a dimension ("mass", "mass_rate", "money", ...).
const char* DimensionName(Dimension d);

// Parses one Vietnamese or English number: "1.200.000" -> 1200000,
// "1,2" -> 1.2, "1,200,000" -> 1200000, "2.5" -> 2.5. A separator that
// occurs more than once groups thousands (groups of exactly 3 digits); with
// both '.' and ',' the last one is the decimal point ("1.200,5", "1,200.5");
// a single separator followed by exactly 3 digits groups thousands
// ("1.200" -> 1200, "1,200" -> 1200) unless the integer part is 0
// ("0.500" -> 0.5); otherwise it is the decimal point. False when not a
// number (empty, a stray separator, a bad group such as "1.20.000").
bool ParseNumber(std::string_view s, double* out);

}  // namespace ketnoi::indexer
