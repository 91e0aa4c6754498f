#include "benchmarks/gen/phrasing.h"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "indexer/normalize.h"

namespace ketnoi::gen {
namespace {

const char* const kSyllableA[] = {"Tân", "Phú", "Hòa", "An", "Thịnh", "Hưng", "Minh",
                                  "Quang", "Đức", "Thành", "Việt", "Hồng", "Kim", "Trường",
                                  "Bình", "Ngọc", "Phúc", "Đại", "Nam", "Hải", "Lâm", "Đông"};
const char* const kSyllableB[] = {"Phát", "Long", "Tiến", "Hà", "Khang", "Thịnh", "Lộc",
                                  "Thành", "Sơn", "Minh", "Anh", "Lợi", "Phong", "Hưng",
                                  "Thuận", "Cường", "Nguyên", "Đạt", "Bảo", "Vinh", "Xuân"};
const char* const kFamily[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng",
                               "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Mai"};
const char* const kMiddle[] = {"Văn", "Thị", "Đức", "Minh", "Thanh", "Quốc", "Hữu", "Ngọc",
                               "Thu", "Xuân"};
const char* const kGiven[] = {"Hùng", "Lan", "Hà", "Tuấn", "Dũng", "Hương", "Nam", "Bình",
                              "Thủy", "Sơn", "Hải", "Linh", "Phong", "Quân", "Trang", "Yến",
                              "Khoa", "Thảo", "Long", "Nga"};

std::string TitleAscii(std::string s) {
  bool start = true;
  for (char& c : s) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    start = (c == ' ');
  }
  return s;
}

// Digits of a non-negative integer with a thousands separator.
std::string Grouped(long long n, char sep) {
  std::string digits = std::to_string(n);
  std::string out;
  int count = 0;
  for (size_t i = digits.size(); i > 0; --i) {
    out.insert(out.begin(), digits[i - 1]);
    if (++count % 3 == 0 && i > 1) out.insert(out.begin(), sep);
  }
  return out;
}

}  // namespace

double NiceRound(double v) {
  if (v <= 0) return 0;
  double p = 1;
  while (v >= 100 * p) p *= 10;
  while (v < 10 * p && p > 0.01) p /= 10;
  return std::round(v / p) * p;
}

double NiceCapacity(double v) {
  if (v <= 0) return 0;
  double p = 1;
  while (v >= 100 * p) p *= 10;
  while (v < 10 * p && p > 0.01) p /= 10;
  return std::round(v / p / 5) * 5 * p;
}

std::string FormatNumber(double v, bool english) {
  double r = std::round(v * 10) / 10;
  long long whole = static_cast<long long>(r);
  int tenth = static_cast<int>(std::llround((r - static_cast<double>(whole)) * 10));
  if (tenth == 10) { ++whole; tenth = 0; }
  std::string out = Grouped(whole, english ? ',' : '.');
  if (tenth != 0) {
    out += english ? '.' : ',';
    out += static_cast<char>('0' + tenth);
  }
  return out;
}

std::string FormatMoney(double vnd, Style style, Rng& rng) {
  const bool en = IsEnglish(style);
  const double millions = std::round(vnd / 1e6);
  if (en) {
    if (millions >= 1000) return FormatNumber(millions / 1000, true) + " billion VND";
    return rng.Chance(0.2) ? "VND " + FormatNumber(millions, true) + " million"
                           : FormatNumber(millions, true) + " million VND";
  }
  if (rng.Chance(0.08)) return Grouped(static_cast<long long>(millions) * 1000000, '.') + " đồng";
  if (millions >= 1000) {
    long long billions = static_cast<long long>(millions) / 1000;
    long long rest = static_cast<long long>(millions) % 1000;
    if (rest != 0 && rng.Chance(0.4)) {
      return std::to_string(billions) + " tỷ " + std::to_string(rest) + " triệu";
    }
    return FormatNumber(millions / 1000, false) + " tỷ";
  }
  if (rng.Chance(0.15)) return FormatNumber(millions, false) + "tr";
  return FormatNumber(millions, false) + (rng.Chance(0.3) ? " triệu đồng" : " triệu");
}

std::string FormatCapacity(double kg_per_hour, Style style, Rng& rng) {
  const bool en = IsEnglish(style);
  const bool per_day = rng.Chance(0.3);
  double v = per_day ? NiceRound(kg_per_hour * 8) : kg_per_hour;
  const char* period = en ? (per_day ? "/day" : "/h") : (per_day ? "/ngày" : (rng.Chance(0.2) ? "/h" : "/giờ"));
  if (v >= 1000) return FormatNumber(v / 1000, en) + (en ? " t" : " tấn") + period;
  return FormatNumber(v, en) + " kg" + period;
}

std::string FormatCapacityRange(double lo, double hi, Style style, Rng& rng) {
  const bool en = IsEnglish(style);
  if (lo >= 500 && hi >= 2000) {
    return FormatNumber(lo / 1000, en) + "-" + FormatNumber(hi / 1000, en) +
           (en ? " t/h" : " tấn/giờ");
  }
  if (!en && rng.Chance(0.25)) {
    return "từ " + FormatNumber(lo, false) + " đến " + FormatNumber(hi, false) + " kg/giờ";
  }
  return FormatNumber(lo, en) + "-" + FormatNumber(hi, en) + (en ? " kg/h" : " kg/giờ");
}

std::string ProvinceSpelling(const GenProvince& p, double old_share, Rng& rng) {
  if (!p.old_forms.empty() && rng.Chance(old_share)) return rng.Pick(p.old_forms);
  // The plain current name most of the time.
  if (rng.Chance(0.55)) return p.modern_forms[0];
  return rng.Pick(p.modern_forms);
}

int PickForm(const GenConcept& c, Style style, int avoid, Rng& rng) {
  const auto& forms = IsEnglish(style) ? c.en_forms : c.vi_forms;
  const int n = static_cast<int>(forms.size());
  if (n == 1) return 0;
  int f = rng.Chance(0.5) ? 0 : static_cast<int>(rng.Below(n));
  if (f == avoid) f = (f + 1 + static_cast<int>(rng.Below(n - 1))) % n;
  return f;
}

const std::string& ConceptForm(const GenConcept& c, Style style, int form) {
  const auto& forms = IsEnglish(style) ? c.en_forms : c.vi_forms;
  return forms[static_cast<size_t>(form) < forms.size() ? form : 0];
}

std::string TwoSyllableName(Rng& rng) {
  return std::string(rng.Pick(kSyllableA)) + " " + rng.Pick(kSyllableB);
}

std::string PersonName(Rng& rng) {
  return std::string(rng.Pick(kFamily)) + " " + rng.Pick(kMiddle) + " " + rng.Pick(kGiven);
}

std::string PhoneNumber(Rng& rng) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0%d %04d %03d", static_cast<int>(rng.Between(203, 299)),
                static_cast<int>(rng.Below(10000)), static_cast<int>(rng.Below(1000)));
  return buf;
}

std::string FacilityName(const std::string& product, Rng& rng, std::string* legal_form) {
  static const char* const kForms[] = {"HTX", "HTX", "Công ty TNHH", "Công ty CP", "Cơ sở",
                                       "Cơ sở", "Hộ kinh doanh", "Xưởng", "Tổ hợp tác",
                                       "Doanh nghiệp tư nhân"};
  *legal_form = rng.Pick(kForms);
  std::string name = *legal_form + " " + product + " " + TwoSyllableName(rng);
  if (rng.Chance(0.15)) {
    // Appended in two steps: `" " + std::to_string(...)` trips GCC 12's
    // -Wrestrict false alarm.
    name += ' ';
    name += std::to_string(rng.Between(1, 9));
  }
  return name;
}

std::string SupplierName(const std::string& product_vi, Style style, Rng& rng) {
  if (IsEnglish(style)) {
    static const char* const kKinds[] = {"Machinery", "Engineering", "Equipment", "Industrial",
                                         "Tech", "Machine"};
    static const char* const kSuffix[] = {"Co., Ltd", "JSC", "Vietnam", "Co.", "Group"};
    return TitleAscii(indexer::Fold(TwoSyllableName(rng))) + " " + rng.Pick(kKinds) + " " +
           rng.Pick(kSuffix);
  }
  switch (rng.Below(5)) {
    case 0: return "Công ty TNHH Cơ khí " + product_vi + " " + TwoSyllableName(rng);
    case 1: return "Công ty TNHH Thiết bị " + TwoSyllableName(rng);
    case 2: return "Cửa hàng máy " + product_vi + " " + TwoSyllableName(rng);
    case 3: return "Công ty CP Máy và Thiết bị " + TwoSyllableName(rng);
    default: return "Cơ khí " + TwoSyllableName(rng);
  }
}

std::string JoinList(const std::vector<std::string>& items, bool english) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? (english ? " and " : " và ") : ", ";
    out += items[i];
  }
  return out;
}

std::string StagePhrase(const std::string& name, bool english) {
  std::string s = name.substr(0, name.find(" ("));
  if (english) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  return indexer::NormalizeAccented(s);
}

}  // namespace ketnoi::gen
