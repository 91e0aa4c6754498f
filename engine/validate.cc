#include "engine/validate.h"

#include <cmath>
#include <string>
#include <unordered_set>

#include "indexer/normalize.h"

namespace ketnoi::engine {
namespace {

std::string Field(std::string_view name) { return "field '" + std::string(name) + "'"; }

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

// A text field: valid UTF-8, at most `max` bytes, non-blank when required.
Status CheckText(std::string_view value, std::string_view field, size_t max, bool required) {
  if (required && IsBlank(value)) return InvalidArgument(Field(field) + " is required");
  if (value.size() > max) {
    return InvalidArgument(Field(field) + " is " + std::to_string(value.size()) +
                           " bytes, more than the limit of " + std::to_string(max));
  }
  if (!indexer::IsValidUtf8(value)) return InvalidArgument(Field(field) + " is not valid UTF-8");
  return Status::OK();
}

Status CheckExtra(const std::string& extra) {
  if (extra.size() > kMaxExtraJsonBytes) {
    return InvalidArgument("unknown fields take " + std::to_string(extra.size()) +
                           " bytes, more than the limit of " + std::to_string(kMaxExtraJsonBytes));
  }
  return Status::OK();
}

Status ResolveProvinceField(const ReferenceData& ref, std::string_view written,
                            std::string_view field, std::string* id_out) {
  if (Status s = CheckText(written, field, kMaxShortFieldBytes, true); !s.ok()) return s;
  auto place = ref.ResolveProvince(written);
  if (!place.ok()) return InvalidArgument(Field(field) + ": " + place.status().message());
  *id_out = place->province->id;
  return Status::OK();
}

Status CheckVector(const std::vector<float>& v) {
  if (v.size() > kMaxVectorDim) {
    return InvalidArgument(Field("vector") + " has " + std::to_string(v.size()) +
                           " dimensions, more than " + std::to_string(kMaxVectorDim));
  }
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      return InvalidArgument(Field("vector[" + std::to_string(i) + "]") +
                             " is not a finite number");
    }
  }
  return Status::OK();
}

Status ValidateNeeds(std::vector<Need>& needs) {
  if (needs.size() > kMaxNeedsPerFacility) {
    return InvalidArgument(Field("needs") + " has " + std::to_string(needs.size()) +
                           " entries, more than the limit of " +
                           std::to_string(kMaxNeedsPerFacility));
  }
  std::unordered_set<std::string_view> seen;
  for (size_t i = 0; i < needs.size(); ++i) {
    const Need& n = needs[i];
    const std::string prefix = "needs[" + std::to_string(i) + "].";
    if (Status s = ValidateId(n.id, prefix + "id"); !s.ok()) return s;
    if (!seen.insert(n.id).second) {
      return InvalidArgument(Field(prefix + "id") + ": duplicate need id '" + n.id + "'");
    }
    if (Status s = CheckText(n.text, prefix + "text", kMaxTextBytes, true); !s.ok()) return s;
    if (n.budget_vnd && *n.budget_vnd < 0) {
      return InvalidArgument(Field(prefix + "budget_vnd") + " must be >= 0");
    }
    if (Status s = CheckExtra(n.extra_json); !s.ok()) return s.WithPrefix(Field(prefix));
  }
  return Status::OK();
}

}  // namespace

Status ValidateId(std::string_view id, std::string_view field) {
  if (id.empty()) return InvalidArgument(Field(field) + " is required");
  if (id.size() > kMaxIdBytes) {
    return InvalidArgument(Field(field) + ": id longer than " + std::to_string(kMaxIdBytes) +
                           " characters");
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) {
      return InvalidArgument(Field(field) + ": id '" +
                             std::string(indexer::IsValidUtf8(id) ? id : "<invalid UTF-8>") +
                             "' may contain only ASCII letters, digits, '-', '_' and '.'");
    }
  }
  return Status::OK();
}

Status ValidateFacility(const ReferenceData& ref, Facility* f) {
  if (Status s = ValidateId(f->id, "id"); !s.ok()) return s;
  if (Status s = CheckText(f->name, "name", kMaxNameBytes, true); !s.ok()) return s;
  if (Status s = ResolveProvinceField(ref, f->province, "province", &f->province_id); !s.ok()) {
    return s;
  }
  if (Status s = CheckText(f->sector, "sector", kMaxShortFieldBytes, false); !s.ok()) return s;
  f->sector_vsic.clear();
  if (!IsBlank(f->sector)) {
    auto sector = ref.ResolveSector(f->sector);
    if (sector.ok()) f->sector_vsic = (*sector)->vsic;  // unresolved: kept as written
  }
  if (Status s = CheckText(f->products, "products", kMaxTextBytes, false); !s.ok()) return s;
  if (f->employees && *f->employees < 0)
    return InvalidArgument(Field("employees") + " must be >= 0");
  if (Status s = ValidateNeeds(f->needs); !s.ok()) return s;
  return CheckExtra(f->extra_json);
}

Status ValidateSupplier(const ReferenceData& ref, Supplier* s) {
  if (Status st = ValidateId(s->id, "id"); !st.ok()) return st;
  if (Status st = CheckText(s->name, "name", kMaxNameBytes, true); !st.ok()) return st;
  if (Status st = ResolveProvinceField(ref, s->province, "province", &s->province_id); !st.ok()) {
    return st;
  }
  if (s->serves.size() > kMaxServes) {
    return InvalidArgument(Field("serves") + " has " + std::to_string(s->serves.size()) +
                           " entries, more than the limit of " + std::to_string(kMaxServes));
  }
  s->serves_ids.clear();
  s->nationwide = false;
  for (size_t i = 0; i < s->serves.size(); ++i) {
    const std::string field = "serves[" + std::to_string(i) + "]";
    if (Status st = CheckText(s->serves[i], field, kMaxShortFieldBytes, true); !st.ok()) return st;
    if (ref.IsNationwide(s->serves[i])) {
      s->nationwide = true;
      continue;
    }
    std::string id;
    if (Status st = ResolveProvinceField(ref, s->serves[i], field, &id); !st.ok()) return st;
    bool dup = false;
    for (const auto& existing : s->serves_ids) dup = dup || existing == id;
    if (!dup) s->serves_ids.push_back(std::move(id));
  }
  if (s->lang != "vi" && s->lang != "en") {
    return InvalidArgument(Field("lang") + ": unknown language '" + s->lang +
                           "' (expected \"vi\" or \"en\")");
  }
  if (Status st = CheckText(s->text, "text", kMaxTextBytes, true); !st.ok()) return st;
  if (Status st = CheckVector(s->vector); !st.ok()) return st;
  return CheckExtra(s->extra_json);
}

Status ValidateExpert(const ReferenceData& ref, Expert* e) {
  if (Status s = ValidateId(e->id, "id"); !s.ok()) return s;
  if (Status s = CheckText(e->name, "name", kMaxNameBytes, true); !s.ok()) return s;
  if (Status s = ResolveProvinceField(ref, e->province, "province", &e->province_id); !s.ok()) {
    return s;
  }
  if (Status s = CheckText(e->text, "text", kMaxTextBytes, true); !s.ok()) return s;
  if (Status s = CheckVector(e->vector); !s.ok()) return s;
  return CheckExtra(e->extra_json);
}

Status ValidateLink(const Link& l) {
  if (Status s = ValidateId(l.from, "from"); !s.ok()) return s;
  if (Status s = ValidateId(l.to, "to"); !s.ok()) return s;
  if (l.from == l.to)
    return InvalidArgument(Field("to") + ": a link from '" + l.from + "' to itself");
  return CheckExtra(l.extra_json);
}

}  // namespace ketnoi::engine
