// The domain records of ketnoi: Facility (with its Needs), Supplier, Expert,
// Link. Plain value types; validation and JSON codecs live in
// engine/validate.h and engine/codec.h.
//
// Every record keeps the fields as the user wrote them (province, sector,
// serves) next to what they resolve to, and the unknown fields of the input
// in `extra_json` (a JSON object text, "{}" when empty) so that export
// round-trips every field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ketnoi::engine {

enum class NeedKind { kEquipment, kExpert };
enum class LinkType { kSupplies, kBuysFrom, kEquips, kAdvises, kSubcontracts };
enum class EntityKind { kFacility, kSupplier, kExpert };

// "equipment" / "expert"; "supplies" / "buys_from" / ...
std::string_view NeedKindName(NeedKind kind);
std::string_view LinkTypeName(LinkType type);
std::string_view EntityKindName(EntityKind kind);  // "facility" / "supplier" / "expert"
bool ParseNeedKind(std::string_view s, NeedKind* out);
bool ParseLinkType(std::string_view s, LinkType* out);

struct Need {
  std::string id;
  NeedKind kind = NeedKind::kEquipment;
  std::string text;
  std::optional<int64_t> budget_vnd;
  std::string extra_json = "{}";
};

struct Facility {
  std::string id;
  std::string name;
  std::string province;     // as written
  std::string province_id;  // resolved current province id (data/provinces/current.tsv)
  std::string sector;       // as written
  std::string sector_vsic;  // resolved VSIC code, empty when unresolved
  std::string products;
  std::optional<int64_t> employees;
  std::vector<Need> needs;
  std::string extra_json = "{}";  // unknown fields, incl. optional "chain"/"stage"
};

struct Supplier {
  std::string id;
  std::string name;
  std::string province;
  std::string province_id;
  std::vector<std::string> serves;     // as written
  std::vector<std::string> serves_ids; // resolved current province ids
  bool nationwide = false;             // serves contains "toàn quốc"
  std::string lang = "vi";             // "vi" or "en"
  std::string text;
  std::vector<float> vector;           // optional externally supplied embedding
  std::string extra_json = "{}";
};

struct Expert {
  std::string id;
  std::string name;
  std::string province;
  std::string province_id;
  std::string text;
  std::vector<float> vector;
  std::string extra_json = "{}";
};

struct Link {
  std::string from;
  std::string to;
  LinkType type = LinkType::kSupplies;
  std::string extra_json = "{}";
};

}  // namespace ketnoi::engine
