#include "indexer/quantity.h"

#include <cmath>
#include <string>
#include <unordered_map>

#include "indexer/normalize.h"

namespace ketnoi::indexer {
namespace {

// What a unit word (folded, lower case) means.
struct UnitDef {
  enum Kind { kUnit, kMultiplier, kCurrency };
  Kind kind;
  Dimension dimension;
  const char* unit;  // canonical unit
  double factor;     // to the canonical unit (kMultiplier: the multiplier)
};

// Keys are folded ("tấn" -> "tan"), so "500 tấn" and "500 tan" agree.
const std::unordered_map<std::string, UnitDef>& Units() {
  static const auto* units = new std::unordered_map<std::string, UnitDef>{
      // mass -> kg
      {"kg", {UnitDef::kUnit, Dimension::kMass, "kg", 1}},
      {"kgs", {UnitDef::kUnit, Dimension::kMass, "kg", 1}},
      {"kilogram", {UnitDef::kUnit, Dimension::kMass, "kg", 1}},
      {"g", {UnitDef::kUnit, Dimension::kMass, "kg", 1e-3}},
      {"gr", {UnitDef::kUnit, Dimension::kMass, "kg", 1e-3}},
      {"gram", {UnitDef::kUnit, Dimension::kMass, "kg", 1e-3}},
      {"gam", {UnitDef::kUnit, Dimension::kMass, "kg", 1e-3}},
      {"tan", {UnitDef::kUnit, Dimension::kMass, "kg", 1e3}},
      {"t", {UnitDef::kUnit, Dimension::kMass, "kg", 1e3}},
      {"ton", {UnitDef::kUnit, Dimension::kMass, "kg", 1e3}},
      {"tons", {UnitDef::kUnit, Dimension::kMass, "kg", 1e3}},
      {"tonne", {UnitDef::kUnit, Dimension::kMass, "kg", 1e3}},
      {"tonnes", {UnitDef::kUnit, Dimension::kMass, "kg", 1e3}},
      {"ta", {UnitDef::kUnit, Dimension::kMass, "kg", 100}},  // tạ
      {"yen", {UnitDef::kUnit, Dimension::kMass, "kg", 10}},  // yến
      // power -> kW
      {"w", {UnitDef::kUnit, Dimension::kPower, "kW", 1e-3}},
      {"kw", {UnitDef::kUnit, Dimension::kPower, "kW", 1}},
      {"mw", {UnitDef::kUnit, Dimension::kPower, "kW", 1e3}},
      {"kva", {UnitDef::kUnit, Dimension::kPower, "kW", 1}},  // apparent power, taken as kW
      {"hp", {UnitDef::kUnit, Dimension::kPower, "kW", 0.746}},
      {"cv", {UnitDef::kUnit, Dimension::kPower, "kW", 0.7355}},
      {"ma luc", {UnitDef::kUnit, Dimension::kPower, "kW", 0.746}},
      // volume -> m3
      {"m3", {UnitDef::kUnit, Dimension::kVolume, "m3", 1}},
      {"m³", {UnitDef::kUnit, Dimension::kVolume, "m3", 1}},
      {"khoi", {UnitDef::kUnit, Dimension::kVolume, "m3", 1}},
      {"l", {UnitDef::kUnit, Dimension::kVolume, "m3", 1e-3}},
      {"lit", {UnitDef::kUnit, Dimension::kVolume, "m3", 1e-3}},
      {"liter", {UnitDef::kUnit, Dimension::kVolume, "m3", 1e-3}},
      {"liters", {UnitDef::kUnit, Dimension::kVolume, "m3", 1e-3}},
      {"litre", {UnitDef::kUnit, Dimension::kVolume, "m3", 1e-3}},
      {"litres", {UnitDef::kUnit, Dimension::kVolume, "m3", 1e-3}},
      {"ml", {UnitDef::kUnit, Dimension::kVolume, "m3", 1e-6}},
      // voltage -> V
      {"v", {UnitDef::kUnit, Dimension::kVoltage, "V", 1}},
      {"kv", {UnitDef::kUnit, Dimension::kVoltage, "V", 1e3}},
      {"volt", {UnitDef::kUnit, Dimension::kVoltage, "V", 1}},
      // count -> pcs
      {"san pham", {UnitDef::kUnit, Dimension::kCount, "pcs", 1}},
      {"sp", {UnitDef::kUnit, Dimension::kCount, "pcs", 1}},
      {"chiec", {UnitDef::kUnit, Dimension::kCount, "pcs", 1}},
      {"cai", {UnitDef::kUnit, Dimension::kCount, "pcs", 1}},
      {"pcs", {UnitDef::kUnit, Dimension::kCount, "pcs", 1}},
      {"pieces", {UnitDef::kUnit, Dimension::kCount, "pcs", 1}},
      {"units", {UnitDef::kUnit, Dimension::kCount, "pcs", 1}},
      {"products", {UnitDef::kUnit, Dimension::kCount, "pcs", 1}},
      // length -> m, area -> m2
      {"m", {UnitDef::kUnit, Dimension::kLength, "m", 1}},
      {"mm", {UnitDef::kUnit, Dimension::kLength, "m", 1e-3}},
      {"cm", {UnitDef::kUnit, Dimension::kLength, "m", 1e-2}},
      {"km", {UnitDef::kUnit, Dimension::kLength, "m", 1e3}},
      {"m2", {UnitDef::kUnit, Dimension::kArea, "m2", 1}},
      {"m²", {UnitDef::kUnit, Dimension::kArea, "m2", 1}},
      {"ha", {UnitDef::kUnit, Dimension::kArea, "m2", 1e4}},
      {"hecta", {UnitDef::kUnit, Dimension::kArea, "m2", 1e4}},
      {"hectare", {UnitDef::kUnit, Dimension::kArea, "m2", 1e4}},
      // electrical phases
      {"pha", {UnitDef::kUnit, Dimension::kOther, "phase", 1}},
      {"phase", {UnitDef::kUnit, Dimension::kOther, "phase", 1}},
      // money -> VND (USD kept as its own unit, never converted)
      {"d", {UnitDef::kCurrency, Dimension::kMoney, "vnd", 1}},
      {"dong", {UnitDef::kCurrency, Dimension::kMoney, "vnd", 1}},
      {"vnd", {UnitDef::kCurrency, Dimension::kMoney, "vnd", 1}},
      {"usd", {UnitDef::kCurrency, Dimension::kMoney, "usd", 1}},
      {"k", {UnitDef::kMultiplier, Dimension::kMoney, "vnd", 1e3}},
      {"nghin", {UnitDef::kMultiplier, Dimension::kMoney, "vnd", 1e3}},
      {"ngan", {UnitDef::kMultiplier, Dimension::kMoney, "vnd", 1e3}},
      {"thousand", {UnitDef::kMultiplier, Dimension::kMoney, "vnd", 1e3}},
      {"tr", {UnitDef::kMultiplier, Dimension::kMoney, "vnd", 1e6}},
      {"trieu", {UnitDef::kMultiplier, Dimension::kMoney, "vnd", 1e6}},
      {"million", {UnitDef::kMultiplier, Dimension::kMoney, "vnd", 1e6}},
      {"ty", {UnitDef::kMultiplier, Dimension::kMoney, "vnd", 1e9}},
      {"ti", {UnitDef::kMultiplier, Dimension::kMoney, "vnd", 1e9}},
      {"billion", {UnitDef::kMultiplier, Dimension::kMoney, "vnd", 1e9}},
  };
  return *units;
}

struct PeriodDef {
  const char* name;
  double hours;  // working hours in one period
};

const std::unordered_map<std::string, PeriodDef>& Periods() {
  static const auto* periods = new std::unordered_map<std::string, PeriodDef>{
      {"h", {"h", 1}},          {"hr", {"h", 1}},         {"hour", {"h", 1}},
      {"gio", {"h", 1}},        {"tieng", {"h", 1}},      {"ngay", {"day", 8}},
      {"day", {"day", 8}},      {"d", {"day", 8}},        {"ca", {"shift", 8}},
      {"shift", {"shift", 8}},  {"tuan", {"week", 48}},   {"week", {"week", 48}},
      {"thang", {"month", 208}}, {"month", {"month", 208}}, {"nam", {"year", 2400}},
      {"year", {"year", 2400}}, {"min", {"min", 1.0 / 60}}, {"phut", {"min", 1.0 / 60}},
      {"s", {"s", 1.0 / 3600}}, {"giay", {"s", 1.0 / 3600}},
  };
  return *periods;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Fold of a normalised unit word.
std::string FoldWord(std::string_view s) {
  std::string out;
  AppendFoldedNormalized(s, &out);
  return out;
}

// A unit word at `pos`: word code points plus '²' '³'. Returns its end.
size_t WordEnd(std::string_view s, size_t pos) {
  while (pos < s.size()) {
    size_t next = pos;
    char32_t cp = DecodeUtf8(s, &next);
    if (!IsWordCodePoint(cp) && cp != 0xB2 && cp != 0xB3) break;
    pos = next;
  }
  return pos;
}

size_t SkipSpaces(std::string_view s, size_t pos, size_t max) {
  size_t n = 0;
  while (pos < s.size() && s[pos] == ' ' && n < max) ++pos, ++n;
  return pos;
}

// Longest unit (two words, then one) starting at `pos`. On success sets
// `*end` and `*def`.
bool ReadUnit(std::string_view s, size_t pos, size_t* end, const UnitDef** def) {
  size_t e1 = WordEnd(s, pos);
  if (e1 == pos) return false;
  const auto& units = Units();
  if (e1 + 1 < s.size() && s[e1] == ' ') {
    size_t e2 = WordEnd(s, e1 + 1);
    if (e2 > e1 + 1) {
      auto it = units.find(FoldWord(s.substr(pos, e2 - pos)));
      if (it != units.end()) {
        *end = e2;
        *def = &it->second;
        return true;
      }
    }
  }
  auto it = units.find(FoldWord(s.substr(pos, e1 - pos)));
  if (it == units.end()) return false;
  *end = e1;
  *def = &it->second;
  return true;
}

// "/ngày", " / giờ", " mỗi ngày", " per day", " một ca" after a unit.
bool ReadPeriod(std::string_view s, size_t pos, size_t* end, const PeriodDef** def) {
  size_t p = SkipSpaces(s, pos, 1);
  if (p < s.size() && s[p] == '/') {
    p = SkipSpaces(s, p + 1, 1);
  } else {
    size_t w = WordEnd(s, p);
    std::string word = FoldWord(s.substr(p, w - p));
    if (p == pos || !(word == "moi" || word == "mot" || word == "per" || word == "a")) return false;
    p = SkipSpaces(s, w, 1);
  }
  if (p < s.size() && s[p] == '1') ++p;  // "/1 ngày"
  p = SkipSpaces(s, p, 1);
  size_t w = WordEnd(s, p);
  if (w == p) return false;
  auto it = Periods().find(FoldWord(s.substr(p, w - p)));
  if (it == Periods().end()) return false;
  *end = w;
  *def = &it->second;
  return true;
}

// Parses the quantity whose number starts at `start` (after an optional
// '$' at `dollar`). Returns false when no unit follows.
bool ParseAt(std::string_view s, size_t start, bool dollar, size_t span_begin, Quantity* q,
             size_t* end_out) {
  size_t p = start;
  while (p < s.size() && (IsDigit(s[p]) || s[p] == '.' || s[p] == ',')) ++p;
  while (p > start && !IsDigit(s[p - 1])) --p;  // trailing separators end a sentence
  double value;
  if (!ParseNumber(s.substr(start, p - start), &value)) return false;
  const UnitDef* def = nullptr;
  size_t end = p;
  size_t u = SkipSpaces(s, p, 1);
  double multiplier = 1;
  bool money = dollar;
  const char* currency = dollar ? "usd" : "vnd";
  size_t uend;
  if (ReadUnit(s, u, &uend, &def) && def->kind == UnitDef::kMultiplier) {
    multiplier = def->factor;
    money = true;
    end = uend;
    u = SkipSpaces(s, uend, 1);
    def = nullptr;
    if (!ReadUnit(s, u, &uend, &def)) def = nullptr;
  }
  if (def != nullptr && def->kind == UnitDef::kMultiplier) def = nullptr;
  if (def != nullptr && def->kind == UnitDef::kCurrency && !dollar) {
    money = true;
    currency = def->unit;
    end = uend;
    def = nullptr;
  }
  if (def == nullptr && !money) return false;
  q->written_value = value * multiplier;
  if (money && (def == nullptr || def->kind == UnitDef::kCurrency)) {
    q->dimension = Dimension::kMoney;
    q->unit = currency;
    q->value = value * multiplier;
  } else {
    end = uend;
    q->dimension = def->dimension;
    q->unit = def->unit;
    q->value = value * multiplier * def->factor;
  }
  size_t pend;
  const PeriodDef* period = nullptr;
  bool has_period = ReadPeriod(s, end, &pend, &period);
  // "300 kg chè tươi/giờ": up to three words (no digits) between the unit
  // and a "/period".
  for (size_t k = 0, p2 = end; !has_period && k < 3 && q->dimension != Dimension::kMoney; ++k) {
    p2 = SkipSpaces(s, p2, 1);
    size_t w = WordEnd(s, p2);
    if (w == p2) break;
    bool digits = false;
    for (size_t x = p2; x < w; ++x) digits |= IsDigit(s[x]);
    if (digits) break;
    p2 = w;
    if (p2 < s.size() && s[p2] == '/') has_period = ReadPeriod(s, p2, &pend, &period);
  }
  if (has_period) {
    end = pend;
    q->period = period->name;
    switch (q->dimension) {
      case Dimension::kMass:
        q->dimension = Dimension::kMassRate;
        q->unit = "kg/h";
        q->value /= period->hours;
        break;
      case Dimension::kVolume:
        q->dimension = Dimension::kVolumeRate;
        q->unit = "m3/h";
        q->value /= period->hours;
        break;
      case Dimension::kCount:
        q->unit = "pcs/h";
        q->value /= period->hours;
        break;
      default:
        break;  // money per month etc.: amount kept, period recorded
    }
  }
  q->text = std::string(s.substr(span_begin, end - span_begin));
  *end_out = end;
  return true;
}

// "300-500 kg", "300 - 500 kg", "2 đến 3 tấn", "2 to 3 tons": both ends
// become quantities in the unit written after the second number.
bool ParseRange(std::string_view s, size_t start, bool dollar, size_t span_begin,
                std::vector<Quantity>* out, size_t* end_out) {
  size_t p = start;
  while (p < s.size() && (IsDigit(s[p]) || s[p] == '.' || s[p] == ',')) ++p;
  double low;
  if (!ParseNumber(s.substr(start, p - start), &low)) return false;
  size_t q = SkipSpaces(s, p, 1);
  if (s.substr(q, 1) == "-") {
    q += 1;
  } else if (s.substr(q, 3) == "\xE2\x80\x93") {  // en dash
    q += 3;
  } else {
    size_t w = WordEnd(s, q);
    std::string word = FoldWord(s.substr(q, w - q));
    if (q == p || !(word == "den" || word == "toi" || word == "to")) return false;
    q = w;
  }
  q = SkipSpaces(s, q, 1);
  if (q >= s.size() || !IsDigit(s[q])) return false;
  Quantity high;
  size_t end;
  if (!ParseAt(s, q, dollar, q, &high, &end)) return false;
  size_t hp = q;
  while (hp < s.size() && (IsDigit(s[hp]) || s[hp] == '.' || s[hp] == ',')) ++hp;
  double high_number;
  if (!ParseNumber(s.substr(q, hp - q), &high_number) || high_number == 0) return false;
  Quantity lowq = high;
  lowq.value = high.value * low / high_number;
  lowq.written_value = high.written_value * low / high_number;
  lowq.text = std::string(s.substr(span_begin, end - span_begin));
  high.text = lowq.text;
  out->push_back(std::move(lowq));
  out->push_back(std::move(high));
  *end_out = end;
  return true;
}

}  // namespace

const char* DimensionName(Dimension d) {
  switch (d) {
    case Dimension::kMass: return "mass";
    case Dimension::kMassRate: return "mass_rate";
    case Dimension::kMoney: return "money";
    case Dimension::kPower: return "power";
    case Dimension::kVolume: return "volume";
    case Dimension::kVolumeRate: return "volume_rate";
    case Dimension::kVoltage: return "voltage";
    case Dimension::kCount: return "count";
    case Dimension::kLength: return "length";
    case Dimension::kArea: return "area";
    case Dimension::kOther: return "other";
  }
  return "other";
}

bool ParseNumber(std::string_view s, double* out) {
  if (s.empty() || !IsDigit(s.front()) || !IsDigit(s.back())) return false;
  size_t dots = 0, commas = 0;
  for (char c : s) {
    if (c == '.') ++dots;
    else if (c == ',') ++commas;
    else if (!IsDigit(c)) return false;
  }
  char decimal = 0, group = 0;
  if (dots && commas) {
    decimal = s.find_last_of(".,") == s.rfind('.') ? '.' : ',';
    group = decimal == '.' ? ',' : '.';
    if ((decimal == '.' ? dots : commas) != 1) return false;
  } else if (dots + commas > 1) {
    group = dots ? '.' : ',';
  } else if (dots + commas == 1) {
    char sep = dots ? '.' : ',';
    size_t at = s.find(sep);
    bool three = s.size() - at - 1 == 3;
    bool zero = at == 1 && s[0] == '0';
    if (three && !zero) group = sep;
    else decimal = sep;
  }
  // Validate groups: first 1-3 digits, then exactly 3 between separators.
  std::string digits;
  size_t group_len = 0, groups = 0;
  bool in_fraction = false;
  for (char c : s) {
    if (c == group) {
      if (in_fraction) return false;
      if ((groups == 0 && group_len > 3) || (groups > 0 && group_len != 3)) return false;
      ++groups;
      group_len = 0;
    } else if (c == decimal) {
      if (group && groups > 0 && group_len != 3) return false;
      if (group && groups == 0 && group_len > 3) return false;
      in_fraction = true;
      digits.push_back('.');
    } else {
      ++group_len;
      digits.push_back(c);
    }
  }
  if (group && !in_fraction && groups > 0 && group_len != 3) return false;
  *out = std::strtod(digits.c_str(), nullptr);
  return std::isfinite(*out);
}

std::vector<Quantity> ParseQuantities(std::string_view raw) {
  return ParseNormalizedQuantities(NormalizeAccented(raw));
}

std::vector<Quantity> ParseNormalizedQuantities(std::string_view s) {
  std::vector<Quantity> out;
  size_t pos = 0;
  while (pos < s.size()) {
    bool dollar = s[pos] == '$' && pos + 1 < s.size() && IsDigit(s[pos + 1]);
    size_t start = dollar ? pos + 1 : pos;
    if (!IsDigit(s[start])) { ++pos; continue; }
    // A number glued to a preceding letter or digit is part of a code
    // ("ts600w"), not a quantity.
    bool glued = false;
    if (!dollar && pos > 0) {
      size_t b = pos - 1;
      while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) --b;
      size_t tmp = b;
      char32_t prev = DecodeUtf8(s, &tmp);
      glued = IsWordCodePoint(prev) || prev == '.' || prev == ',' || prev == '-';
    }
    Quantity q;
    size_t end;
    if (!glued && ParseAt(s, start, dollar, pos, &q, &end)) {
      out.push_back(std::move(q));
      pos = end;
      continue;
    }
    if (!glued && ParseRange(s, start, dollar, pos, &out, &end)) {
      pos = end;
      continue;
    }
    // Skip the rest of this number.
    pos = start;
    while (pos < s.size() && (IsDigit(s[pos]) || s[pos] == '.' || s[pos] == ',')) ++pos;
  }
  return out;
}

}  // namespace ketnoi::indexer
