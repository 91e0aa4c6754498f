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
  kMassRate,      // kg per hour ("500 kg/ngày" = 20.8 kg/h over 24 h... see quantity.cc)
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
  std::string text;     // the span as written ("500kg/ngay")
};

std::vector<Quantity> ParseQuantities(std::string_view text);

// Parses one Vietnamese or English number: "1.200.000" -> 1200000,
// "1,2" -> 1.2, "1,200,000" -> 1200000, "2.5" -> 2.5. False when not a number.
bool ParseNumber(std::string_view s, double* out);

}  // namespace ketnoi::indexer
