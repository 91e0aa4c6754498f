#include "engine/model.h"

namespace ketnoi::engine {

std::string_view NeedKindName(NeedKind kind) {
  return kind == NeedKind::kEquipment ? "equipment" : "expert";
}

std::string_view LinkTypeName(LinkType type) {
  switch (type) {
    case LinkType::kSupplies: return "supplies";
    case LinkType::kBuysFrom: return "buys_from";
    case LinkType::kEquips: return "equips";
    case LinkType::kAdvises: return "advises";
    case LinkType::kSubcontracts: return "subcontracts";
  }
  return "supplies";
}

std::string_view EntityKindName(EntityKind kind) {
  switch (kind) {
    case EntityKind::kFacility: return "facility";
    case EntityKind::kSupplier: return "supplier";
    case EntityKind::kExpert: return "expert";
  }
  return "facility";
}

bool ParseNeedKind(std::string_view s, NeedKind* out) {
  if (s == "equipment") { *out = NeedKind::kEquipment; return true; }
  if (s == "expert") { *out = NeedKind::kExpert; return true; }
  return false;
}

bool ParseLinkType(std::string_view s, LinkType* out) {
  static constexpr LinkType kAll[] = {LinkType::kSupplies, LinkType::kBuysFrom, LinkType::kEquips,
                                      LinkType::kAdvises, LinkType::kSubcontracts};
  for (LinkType t : kAll) {
    if (LinkTypeName(t) == s) { *out = t; return true; }
  }
  return false;
}

}  // namespace ketnoi::engine
