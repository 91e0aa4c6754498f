// Fuzz target: the number-and-unit parser (indexer/quantity.h).
// Invariants checked on every input:
//  - ParseNumber never reports a NaN or a negative number, and accepts only
//    digits with '.' / ',' separators (so it never reads past the span);
//  - a parsed number of plain digits equals its decimal value;
//  - ParseQuantities(x) == ParseNormalizedQuantities(NormalizeAccented(x));
//  - every quantity has a known dimension name, a non-empty unit and span
//    text that is valid UTF-8 and occurs in the normalised text, and a value
//    that is not NaN.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "indexer/normalize.h"
#include "indexer/quantity.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ketnoi::indexer;
  std::string_view text = ketnoi::fuzz::AsText(data, size);

  // The number parser on a short prefix (numbers are short; a long prefix
  // only repeats work).
  std::string_view number = text.substr(0, 64);
  double value = -1;
  if (ParseNumber(number, &value)) {
    FUZZ_CHECK(!std::isnan(value), "ParseNumber gave NaN");
    FUZZ_CHECK(value >= 0, "ParseNumber gave a negative number");
    bool digits_only = !number.empty();
    for (char c : number) {
      FUZZ_CHECK((c >= '0' && c <= '9') || c == '.' || c == ',',
                 "ParseNumber accepted a character that is not a digit or separator");
      if (c < '0' || c > '9') digits_only = false;
    }
    if (digits_only && number.size() <= 15) {
      FUZZ_CHECK(value == std::strtod(std::string(number).c_str(), nullptr),
                 "ParseNumber of plain digits differs from strtod");
    }
  }

  std::vector<Quantity> raw = ParseQuantities(text);
  std::string accented = NormalizeAccented(text);
  std::vector<Quantity> normalized = ParseNormalizedQuantities(accented);
  FUZZ_CHECK(raw.size() == normalized.size(),
             "ParseQuantities and ParseNormalizedQuantities disagree on the count");
  for (size_t i = 0; i < raw.size(); ++i) {
    const Quantity& q = raw[i];
    FUZZ_CHECK(q.text == normalized[i].text && q.unit == normalized[i].unit,
               "ParseQuantities and ParseNormalizedQuantities disagree");
    FUZZ_CHECK(!std::isnan(q.value) && !std::isnan(q.written_value), "quantity value is NaN");
    FUZZ_CHECK(!q.unit.empty(), "quantity without a unit");
    FUZZ_CHECK(std::strlen(DimensionName(q.dimension)) > 0, "dimension without a name");
    FUZZ_CHECK(IsValidUtf8(q.text), "quantity span is not UTF-8");
    FUZZ_CHECK(!q.text.empty(), "quantity with an empty span");
    FUZZ_CHECK(accented.find(q.text) != std::string::npos,
               "quantity span is not part of the normalised text");
  }
  return 0;
}
