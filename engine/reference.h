// ReferenceData: provinces (current 34 and pre-2025 63, with the merger
// mapping, centroids and regions) and sectors (VSIC 2018), loaded from
// data/provinces/*.tsv and data/sectors.tsv, with a resolver for names as
// people write them. Immutable after Load; safe for concurrent use.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ketnoi::engine {

struct Province {
  std::string id;       // "thai-nguyen"
  std::string name;     // "Thái Nguyên"
  std::string name_en;  // "Thai Nguyen"
  std::string kind;     // "tỉnh" / "thành phố"
  std::string region;   // "northern_midlands_mountains", ...
  double lat = 0, lon = 0;
};

struct ResolvedPlace {
  const Province* province = nullptr;  // the current province
  // Centroid of the place as written (the old province when an old name was
  // used, for finer distances), and the legacy name when one matched.
  double lat = 0, lon = 0;
  std::string legacy_name;
};

struct Sector {
  std::string vsic;
  std::string name_vi;
  std::string name_en;
};

class ReferenceData {
 public:
  // Loads from a data directory (the repository's data/).
  static StatusOr<std::unique_ptr<ReferenceData>> Load(const std::string& data_dir);
  virtual ~ReferenceData() = default;

  // Resolves "tỉnh Thái Bình", "Thai Binh", "TP HCM", "Bắc Kạn" (old) to the
  // current province. InvalidArgument naming the input when unknown or
  // ambiguous.
  virtual StatusOr<ResolvedPlace> ResolveProvince(std::string_view written) const = 0;
  // True for "toàn quốc", "toan quoc", "cả nước", "nationwide", "all provinces".
  virtual bool IsNationwide(std::string_view written) const = 0;
  virtual const Province* ProvinceById(std::string_view id) const = 0;
  virtual const std::vector<Province>& Provinces() const = 0;
  // Resolves "1076", "Chế biến chè", "tea processing" to a VSIC code;
  // NotFound when no sector matches (callers keep the text as written).
  virtual StatusOr<const Sector*> ResolveSector(std::string_view written) const = 0;
  virtual const std::vector<Sector>& Sectors() const = 0;
  // Great-circle distance in km between two points.
  static double DistanceKm(double lat1, double lon1, double lat2, double lon2);
};

// The data directory to load reference tables from: $KETNOI_DATA when set and
// non-empty, else the compile-time KETNOI_DATA_DIR (the repository's data/).
std::string DefaultDataDir();

// The key names are compared by: indexer::Fold (NFC, lower case, diacritics
// removed, đ -> d), a leading "tỉnh"/"thành phố"/"tp."/"tp"/"province"/"city"
// and a trailing " province"/" city" stripped, spaces, hyphens and dots
// removed. "Tỉnh Thái Bình" and "thai-binh" give the same key.
std::string ProvinceKey(std::string_view written);

// True when a profile's free text says it works anywhere in the country
// ("làm việc toàn quốc", "nhận hỗ trợ trên cả nước", "works nationwide"):
// experts have no service-area field and write it this way. "cả nước"
// counts with its accents or after "trên"/"khắp" ("tren ca nuoc"), not
// alone unaccented ("ca nuoc" is also "cá nước", freshwater fish); the
// Vietnamese phrases only in a sentence that names the work ("làm việc",
// "nhận", "hỗ trợ", ...) and no prize, contest, conference or fair, so
// "nhận giải nhất hội thi toàn quốc" is not one.
bool TextSaysNationwide(std::string_view text);

// The ids of the provinces a profile's free text lists as where it works:
// the names after "hỗ trợ tại", "làm việc tại", "công tác tại", "phục vụ",
// "works in", "covering", up to the end of the sentence, separated by
// commas and "và"/"and" ("Nhận hỗ trợ tại Gia Lai, Kon Tum và Đắk Lắk").
// The list ends at the first part that names no province, and a sentence
// whose first part names none lists nothing ("hỗ trợ tại các cơ sở ...").
// Distinct, in order.
std::vector<std::string> ProvincesListedAsServed(const ReferenceData& ref, std::string_view text);

}  // namespace ketnoi::engine
