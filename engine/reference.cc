// ReferenceData loaded from TSV files. File formats (docs/reference-data.md):
//   provinces/current.tsv  id name kind region lat lon name_en
//   provinces/legacy.tsv   name kind lat lon current_id name_en
//   provinces/aliases.tsv  alias target       (target: a current id or a legacy name)
//   sectors.tsv            vsic name_vi name_en aliases ('|'-separated)
// Every file starts with a header line. Resolution goes through one map from
// ProvinceKey(name) to the places it may denote; a key that denotes two
// different current provinces is ambiguous.
#include "engine/reference.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <unordered_map>

#include "indexer/normalize.h"

namespace ketnoi::engine {
namespace {

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return out;
}

// Reads a TSV with a header; rows have at least `min_cols` columns.
Status ReadTsv(const std::string& path, size_t min_cols,
               std::vector<std::pair<int, std::vector<std::string>>>* rows) {
  std::ifstream in(path);
  if (!in) return IOError("cannot open " + path);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no == 1 || line.empty() || line[0] == '#') continue;
    if (!indexer::IsValidUtf8(line)) {
      return InvalidArgument(path + ":" + std::to_string(line_no) + ": invalid UTF-8");
    }
    auto cols = SplitTabs(line);
    if (cols.size() < min_cols) {
      return InvalidArgument(path + ":" + std::to_string(line_no) + ": expected " +
                             std::to_string(min_cols) + " columns, got " +
                             std::to_string(cols.size()));
    }
    rows->emplace_back(line_no, std::move(cols));
  }
  return Status::OK();
}

bool ParseDouble(const std::string& s, double* out) {
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Lower-case folded text with runs of white space collapsed to one space.
std::string SectorKey(std::string_view written) {
  std::string folded = indexer::Fold(Trim(written));
  std::string out;
  for (char c : folded) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

struct PlaceEntry {
  size_t province_index;
  double lat, lon;
  std::string legacy_name;  // empty for a current name
};

class ReferenceDataImpl : public ReferenceData {
 public:
  Status LoadAll(const std::string& dir);

  StatusOr<ResolvedPlace> ResolveProvince(std::string_view written) const override;
  bool IsNationwide(std::string_view written) const override;
  const Province* ProvinceById(std::string_view id) const override;
  const std::vector<Province>& Provinces() const override { return provinces_; }
  StatusOr<const Sector*> ResolveSector(std::string_view written) const override;
  const std::vector<Sector>& Sectors() const override { return sectors_; }

 private:
  Status LoadProvinces(const std::string& dir);
  Status LoadSectors(const std::string& dir);
  void AddPlace(const std::string& name, const PlaceEntry& entry);

  std::vector<Province> provinces_;
  std::unordered_map<std::string, size_t> province_by_id_;
  // ProvinceKey -> candidate places (several when names collide).
  std::unordered_map<std::string, std::vector<PlaceEntry>> places_;
  std::vector<Sector> sectors_;
  std::unordered_map<std::string, size_t> sector_by_code_;
  std::unordered_map<std::string, size_t> sector_by_key_;
};

void ReferenceDataImpl::AddPlace(const std::string& name, const PlaceEntry& entry) {
  std::string key = ProvinceKey(name);
  if (key.empty()) return;
  auto& list = places_[key];
  for (const auto& e : list) {
    // The same province under the same name: a current name wins over a
    // legacy one (the name means the current province today).
    if (e.province_index == entry.province_index && e.legacy_name == entry.legacy_name) return;
  }
  list.push_back(entry);
}

Status ReferenceDataImpl::LoadProvinces(const std::string& dir) {
  const std::string current_path = dir + "/provinces/current.tsv";
  std::vector<std::pair<int, std::vector<std::string>>> rows;
  if (Status s = ReadTsv(current_path, 6, &rows); !s.ok()) return s;
  for (auto& [line, c] : rows) {
    Province p;
    p.id = c[0];
    p.name = c[1];
    p.kind = c[2];
    p.region = c[3];
    p.name_en = c.size() > 6 ? c[6] : "";
    if (!ParseDouble(c[4], &p.lat) || !ParseDouble(c[5], &p.lon)) {
      return InvalidArgument(current_path + ":" + std::to_string(line) + ": bad lat/lon");
    }
    if (province_by_id_.count(p.id)) {
      return InvalidArgument(current_path + ":" + std::to_string(line) + ": duplicate id '" + p.id +
                             "'");
    }
    province_by_id_[p.id] = provinces_.size();
    provinces_.push_back(std::move(p));
  }
  for (size_t i = 0; i < provinces_.size(); ++i) {
    const Province& p = provinces_[i];
    PlaceEntry e{i, p.lat, p.lon, ""};
    AddPlace(p.name, e);
    AddPlace(p.id, e);
    if (!p.name_en.empty()) AddPlace(p.name_en, e);
  }

  const std::string legacy_path = dir + "/provinces/legacy.tsv";
  rows.clear();
  if (Status s = ReadTsv(legacy_path, 5, &rows); !s.ok()) return s;
  std::unordered_map<std::string, PlaceEntry> legacy_by_name;
  for (auto& [line, c] : rows) {
    auto it = province_by_id_.find(c[4]);
    double lat, lon;
    if (it == province_by_id_.end()) {
      return InvalidArgument(legacy_path + ":" + std::to_string(line) + ": unknown current_id '" +
                             c[4] + "'");
    }
    if (!ParseDouble(c[2], &lat) || !ParseDouble(c[3], &lon)) {
      return InvalidArgument(legacy_path + ":" + std::to_string(line) + ": bad lat/lon");
    }
    const Province& p = provinces_[it->second];
    // A legacy name equal to the current one (Hà Nội, Hưng Yên) means the
    // current province; it adds nothing.
    if (ProvinceKey(c[0]) == ProvinceKey(p.name)) {
      legacy_by_name[c[0]] = PlaceEntry{it->second, p.lat, p.lon, ""};
      continue;
    }
    PlaceEntry e{it->second, lat, lon, c[0]};
    legacy_by_name[c[0]] = e;
    AddPlace(c[0], e);
    if (c.size() > 5 && !c[5].empty()) AddPlace(c[5], e);
  }

  const std::string alias_path = dir + "/provinces/aliases.tsv";
  rows.clear();
  if (Status s = ReadTsv(alias_path, 2, &rows); !s.ok()) return s;
  for (auto& [line, c] : rows) {
    if (auto it = province_by_id_.find(c[1]); it != province_by_id_.end()) {
      const Province& p = provinces_[it->second];
      AddPlace(c[0], PlaceEntry{it->second, p.lat, p.lon, ""});
    } else if (auto lt = legacy_by_name.find(c[1]); lt != legacy_by_name.end()) {
      AddPlace(c[0], lt->second);
    } else {
      return InvalidArgument(alias_path + ":" + std::to_string(line) + ": unknown target '" + c[1] +
                             "'");
    }
  }
  return Status::OK();
}

Status ReferenceDataImpl::LoadSectors(const std::string& dir) {
  const std::string path = dir + "/sectors.tsv";
  std::vector<std::pair<int, std::vector<std::string>>> rows;
  if (Status s = ReadTsv(path, 3, &rows); !s.ok()) return s;
  sectors_.reserve(rows.size());
  for (auto& [line, c] : rows) {
    if (sector_by_code_.count(c[0])) {
      return InvalidArgument(path + ":" + std::to_string(line) + ": duplicate code " + c[0]);
    }
    sector_by_code_[c[0]] = sectors_.size();
    sectors_.push_back(Sector{c[0], c[1], c[2]});
  }
  // Names and aliases; on a collision the more specific (longer) code wins.
  auto add = [this](std::string_view name, size_t index) {
    std::string key = SectorKey(name);
    if (key.empty()) return;
    auto [it, inserted] = sector_by_key_.emplace(key, index);
    if (!inserted && sectors_[index].vsic.size() > sectors_[it->second].vsic.size()) {
      it->second = index;
    }
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& c = rows[i].second;
    add(c[1], i);
    add(c[2], i);
    if (c.size() > 3) {
      size_t start = 0;
      const std::string& aliases = c[3];
      while (start <= aliases.size()) {
        size_t bar = aliases.find('|', start);
        if (bar == std::string::npos) bar = aliases.size();
        add(std::string_view(aliases).substr(start, bar - start), i);
        start = bar + 1;
      }
    }
  }
  return Status::OK();
}

Status ReferenceDataImpl::LoadAll(const std::string& dir) {
  if (Status s = LoadProvinces(dir); !s.ok()) return s;
  return LoadSectors(dir);
}

StatusOr<ResolvedPlace> ReferenceDataImpl::ResolveProvince(std::string_view written) const {
  if (!indexer::IsValidUtf8(written)) return InvalidArgument("province name is not valid UTF-8");
  std::string key = ProvinceKey(written);
  auto it = places_.find(key);
  if (key.empty() || it == places_.end()) {
    return InvalidArgument("unknown province '" + std::string(written) + "'");
  }
  const auto& list = it->second;
  const PlaceEntry* chosen = &list[0];
  for (const auto& e : list) {
    if (e.province_index != list[0].province_index) {
      return InvalidArgument("ambiguous province '" + std::string(written) +
                             "': " + provinces_[list[0].province_index].name + " or " +
                             provinces_[e.province_index].name);
    }
    if (e.legacy_name.empty()) chosen = &e;  // current name preferred
  }
  ResolvedPlace out;
  out.province = &provinces_[chosen->province_index];
  out.lat = chosen->lat;
  out.lon = chosen->lon;
  out.legacy_name = chosen->legacy_name;
  return out;
}

bool ReferenceDataImpl::IsNationwide(std::string_view written) const {
  if (!indexer::IsValidUtf8(written)) return false;
  std::string key = SectorKey(written);
  return key == "toan quoc" || key == "ca nuoc" || key == "nationwide" || key == "all provinces" ||
         key == "toan quoc gia";
}

const Province* ReferenceDataImpl::ProvinceById(std::string_view id) const {
  auto it = province_by_id_.find(std::string(id));
  return it == province_by_id_.end() ? nullptr : &provinces_[it->second];
}

StatusOr<const Sector*> ReferenceDataImpl::ResolveSector(std::string_view written) const {
  std::string_view t = Trim(written);
  if (!indexer::IsValidUtf8(t)) return NotFound("sector is not valid UTF-8");
  // A leading VSIC code ("1076", "1076 - Sản xuất chè").
  size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  if (digits >= 2) {
    auto it = sector_by_code_.find(std::string(t.substr(0, digits)));
    if (it != sector_by_code_.end()) return &sectors_[it->second];
  }
  auto it = sector_by_key_.find(SectorKey(t));
  if (it != sector_by_key_.end()) return &sectors_[it->second];
  return NotFound("unknown sector '" + std::string(written) + "'");
}

}  // namespace

bool TextSaysNationwide(std::string_view text) {
  if (!indexer::IsValidUtf8(text)) return false;
  std::string accented, folded;
  indexer::Normalize(text, &accented, &folded);
  static constexpr std::string_view kEnglish[] = {" nationwide ", " all provinces ",
                                                  " across vietnam ", " throughout vietnam ",
                                                  " across the country "};
  const std::string words = indexer::SpacedWords(folded);
  for (std::string_view p : kEnglish) {
    if (words.find(p) != std::string::npos) return true;
  }
  // Vietnamese: "toàn quốc" or "cả nước" in a clause that says the work
  // reaches there ("làm việc", "nhận", "hỗ trợ", "phục vụ", "trên", ...),
  // and not a national prize, contest, conference or fair ("nhận giải nhất
  // hội thi thợ giỏi toàn quốc", "hội chợ toàn quốc").
  static constexpr std::string_view kWhere[] = {" toan quoc ", " tren ca nuoc ", " khap ca nuoc "};
  static constexpr std::string_view kWork[] = {
      " lam viec ", " nhan ", " ho tro ", " phuc vu ",   " tu van ",    " dao tao ",
      " cong tac ", " tren ", " khap ",   " giao hang ", " trien khai "};
  static constexpr std::string_view kEvent[] = {" giai ",     " hoi thi ", " cuoc thi ",
                                                " hoi nghi ", " hoi cho ", " trien lam "};
  size_t begin = 0;
  while (begin < accented.size()) {
    size_t end = accented.find_first_of(".;!?\n", begin);
    if (end == std::string::npos) end = accented.size();
    const std::string clause_accented =
        indexer::SpacedWords(std::string_view(accented).substr(begin, end - begin));
    std::string clause;
    indexer::AppendFoldedNormalized(clause_accented, &clause);
    bool where = clause_accented.find(" cả nước ") != std::string::npos;
    for (std::string_view p : kWhere) where = where || clause.find(p) != std::string::npos;
    for (std::string_view e : kEvent) where = where && clause.find(e) == std::string::npos;
    if (where) {
      for (std::string_view w : kWork) {
        if (clause.find(w) != std::string::npos) return true;
      }
    }
    begin = end + 1;
  }
  return false;
}

std::vector<std::string> ProvincesListedAsServed(const ReferenceData& ref, std::string_view text) {
  std::vector<std::string> out;
  if (!indexer::IsValidUtf8(text)) return out;
  const std::string folded = indexer::Fold(text);
  static constexpr std::string_view kCues[] = {" ho tro tai ", " lam viec tai ", " cong tac tai ",
                                               " phuc vu ",    " works in ",     " covering ",
                                               " working in "};
  size_t begin = 0;
  while (begin < folded.size()) {
    size_t end = folded.find_first_of(".;!?\n", begin);
    if (end == std::string::npos) end = folded.size();
    // Words between single spaces, the commas kept between them.
    std::string sentence;
    for (size_t from = begin; from <= end;) {
      size_t comma = folded.find(',', from);
      if (comma == std::string::npos || comma > end) comma = end;
      if (!sentence.empty()) sentence += ',';
      sentence += indexer::SpacedWords(std::string_view(folded).substr(from, comma - from));
      from = comma + 1;
    }
    begin = end + 1;
    size_t after = std::string::npos;
    for (std::string_view cue : kCues) {
      const size_t at = sentence.find(cue);
      if (at != std::string::npos) after = std::min(after, at + cue.size());
    }
    if (after == std::string::npos) continue;
    // The parts, between commas and the conjunctions.
    std::string rest = sentence.substr(after - 1);
    for (std::string_view conj : {" va ", " and "}) {
      for (size_t at = rest.find(conj); at != std::string::npos; at = rest.find(conj, at + 1)) {
        rest.replace(at, conj.size(), " , ");
      }
    }
    std::vector<std::string> parts;
    size_t from = 0;
    while (from <= rest.size()) {
      size_t comma = rest.find(',', from);
      if (comma == std::string::npos) comma = rest.size();
      std::string_view part = Trim(std::string_view(rest).substr(from, comma - from));
      if (!part.empty()) parts.emplace_back(part);
      from = comma + 1;
    }
    for (const std::string& part : parts) {
      auto place = ref.ResolveProvince(part);
      if (!place.ok() || place->province == nullptr) break;
      if (std::find(out.begin(), out.end(), place->province->id) == out.end()) {
        out.push_back(place->province->id);
      }
    }
  }
  return out;
}

std::string ProvinceKey(std::string_view written) {
  std::string s(Trim(indexer::Fold(Trim(written))));
  // Prefixes and suffixes are matched on the folded text with its spaces.
  static constexpr std::string_view kPrefixes[] = {"thanh pho ", "tinh ",     "tp. ", "tp.",
                                                   "tp ",        "province ", "city "};
  static constexpr std::string_view kSuffixes[] = {" province", " city"};
  for (std::string_view p : kPrefixes) {
    if (s.size() > p.size() && s.compare(0, p.size(), p) == 0) {
      s = std::string(Trim(std::string_view(s).substr(p.size())));
      break;
    }
  }
  for (std::string_view x : kSuffixes) {
    if (s.size() > x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0) {
      s.resize(s.size() - x.size());
      break;
    }
  }
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == ' ' || c == '-' || c == '.' || c == '\t' || c == '_') continue;
    out += c;
  }
  return out;
}

std::string DefaultDataDir() {
  const char* env = std::getenv("KETNOI_DATA");
  if (env != nullptr && env[0] != '\0') return env;
  return KETNOI_DATA_DIR;
}

StatusOr<std::unique_ptr<ReferenceData>> ReferenceData::Load(const std::string& data_dir) {
  auto impl = std::make_unique<ReferenceDataImpl>();
  if (Status s = impl->LoadAll(data_dir); !s.ok()) return s;
  return std::unique_ptr<ReferenceData>(std::move(impl));
}

double ReferenceData::DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusKm = 6371.0088;
  constexpr double kRad = M_PI / 180.0;
  double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(lat1 * kRad) *
                                                           std::cos(lat2 * kRad) *
                                                           std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(a)));
}

}  // namespace ketnoi::engine
