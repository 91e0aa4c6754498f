#include "engine/codec.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace ketnoi::engine {
namespace {

// ordered_json keeps keys in insertion order: exports list the known fields
// first, in the order of the dataset format, then the unknown ones as read.
using Json = nlohmann::ordered_json;

std::string Field(std::string_view prefix, std::string_view name) {
  return "field '" + std::string(prefix) + std::string(name) + "'";
}

std::string JsonError(const std::exception& e) {
  std::string what = e.what();
  // "[json.exception.parse_error.101] parse error at ..." -> "parse error at ..."
  if (!what.empty() && what[0] == '[') {
    size_t close = what.find("] ");
    if (close != std::string::npos) what = what.substr(close + 2);
  }
  return "invalid JSON: " + what;
}

StatusOr<Json> Parse(std::string_view text, int max_depth) {
  if (Status s = CheckJsonDepth(text, max_depth); !s.ok()) return s;
  try {
    Json j = Json::parse(text.begin(), text.end());
    if (!j.is_object()) return InvalidArgument("expected a JSON object");
    return j;
  } catch (const std::exception& e) {
    return InvalidArgument(JsonError(e));
  }
}

// Reads the fields of one JSON object: known fields through the typed
// getters, everything else collected into `extra`.
class ObjectReader {
 public:
  ObjectReader(const Json& obj, std::string prefix) : obj_(obj), prefix_(std::move(prefix)) {}

  Status String(const char* name, std::string* out) {
    known_.push_back(name);
    auto it = obj_.find(name);
    if (it == obj_.end() || it->is_null()) return Status::OK();
    if (!it->is_string()) return InvalidArgument(Field(prefix_, name) + ": expected a string");
    *out = it->get<std::string>();
    return Status::OK();
  }

  Status Int(const char* name, std::optional<int64_t>* out) {
    known_.push_back(name);
    auto it = obj_.find(name);
    if (it == obj_.end() || it->is_null()) return Status::OK();
    if (it->is_number_integer() && !it->is_number_unsigned()) {
      *out = it->get<int64_t>();
    } else if (it->is_number_unsigned()) {
      uint64_t v = it->get<uint64_t>();
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return InvalidArgument(Field(prefix_, name) + ": number too large");
      }
      *out = static_cast<int64_t>(v);
    } else if (it->is_number_float()) {
      double d = it->get<double>();
      if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e18) {
        return InvalidArgument(Field(prefix_, name) + ": expected an integer");
      }
      *out = static_cast<int64_t>(d);
    } else {
      return InvalidArgument(Field(prefix_, name) + ": expected an integer");
    }
    return Status::OK();
  }

  Status Bool(const char* name, bool* out) {
    known_.push_back(name);
    auto it = obj_.find(name);
    if (it == obj_.end() || it->is_null()) return Status::OK();
    if (!it->is_boolean())
      return InvalidArgument(Field(prefix_, name) + ": expected true or false");
    *out = it->get<bool>();
    return Status::OK();
  }

  // An array of strings; a single string counts as a one-element array.
  Status Strings(const char* name, std::vector<std::string>* out) {
    known_.push_back(name);
    auto it = obj_.find(name);
    if (it == obj_.end() || it->is_null()) return Status::OK();
    if (it->is_string()) {
      out->push_back(it->get<std::string>());
      return Status::OK();
    }
    if (!it->is_array())
      return InvalidArgument(Field(prefix_, name) + ": expected an array of strings");
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& v = (*it)[i];
      if (!v.is_string()) {
        return InvalidArgument(Field(prefix_, std::string(name) + "[" + std::to_string(i) + "]") +
                               ": expected a string");
      }
      out->push_back(v.get<std::string>());
    }
    return Status::OK();
  }

  Status Floats(const char* name, std::vector<float>* out) {
    known_.push_back(name);
    auto it = obj_.find(name);
    if (it == obj_.end() || it->is_null()) return Status::OK();
    if (!it->is_array())
      return InvalidArgument(Field(prefix_, name) + ": expected an array of numbers");
    out->reserve(it->size());
    for (size_t i = 0; i < it->size(); ++i) {
      const Json& v = (*it)[i];
      if (!v.is_number()) {
        return InvalidArgument(Field(prefix_, std::string(name) + "[" + std::to_string(i) + "]") +
                               ": expected a number");
      }
      // A number past a 32-bit float's range would become an infinity that
      // no encoding can write back: refused here, not at validation.
      const double d = v.get<double>();
      if (!std::isfinite(d) || std::abs(d) > std::numeric_limits<float>::max()) {
        return InvalidArgument(Field(prefix_, std::string(name) + "[" + std::to_string(i) + "]") +
                               ": outside the range of a 32-bit float");
      }
      out->push_back(static_cast<float>(d));
    }
    return Status::OK();
  }

  // The value of a known field handled by the caller (e.g. "needs").
  const Json* Raw(const char* name) {
    known_.push_back(name);
    auto it = obj_.find(name);
    return it == obj_.end() || it->is_null() ? nullptr : &*it;
  }

  // Every field not asked for, as a JSON object text.
  std::string Extra() const {
    Json extra = Json::object();
    for (auto it = obj_.begin(); it != obj_.end(); ++it) {
      bool known = false;
      for (const char* k : known_) known = known || it.key() == k;
      if (!known) extra[it.key()] = it.value();
    }
    return extra.dump();
  }

 private:
  const Json& obj_;
  std::string prefix_;
  std::vector<const char*> known_;
};

// Appends the unknown fields kept in `extra_json` to `obj` (known fields win).
void MergeExtra(const std::string& extra_json, Json* obj) {
  if (extra_json.empty() || extra_json == "{}") return;
  Json extra = Json::parse(extra_json, nullptr, /*allow_exceptions=*/false);
  if (!extra.is_object()) return;
  for (auto it = extra.begin(); it != extra.end(); ++it) {
    if (!obj->contains(it.key())) (*obj)[it.key()] = it.value();
  }
}

Json EncodeNeed(const Need& n) {
  Json j = Json::object();
  j["id"] = n.id;
  j["kind"] = std::string(NeedKindName(n.kind));
  j["text"] = n.text;
  if (n.budget_vnd) j["budget_vnd"] = *n.budget_vnd;
  MergeExtra(n.extra_json, &j);
  return j;
}

Status DecodeNeed(const Json& j, size_t index, Need* n) {
  const std::string prefix = "needs[" + std::to_string(index) + "].";
  if (!j.is_object()) {
    return InvalidArgument("field 'needs[" + std::to_string(index) + "]': expected an object");
  }
  ObjectReader r(j, prefix);
  std::string kind;
  if (Status s = r.String("id", &n->id); !s.ok()) return s;
  if (Status s = r.String("kind", &kind); !s.ok()) return s;
  if (Status s = r.String("text", &n->text); !s.ok()) return s;
  if (Status s = r.Int("budget_vnd", &n->budget_vnd); !s.ok()) return s;
  if (kind.empty()) return InvalidArgument(Field(prefix, "kind") + " is required");
  if (!ParseNeedKind(kind, &n->kind)) {
    return InvalidArgument(Field(prefix, "kind") + ": unknown need kind '" + kind +
                           "' (expected \"equipment\" or \"expert\")");
  }
  n->extra_json = r.Extra();
  return Status::OK();
}

Json FloatArray(const std::vector<float>& v) {
  Json a = Json::array();
  for (float x : v) a.push_back(x);
  return a;
}

}  // namespace

Status CheckJsonDepth(std::string_view json, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return InvalidArgument("JSON nested deeper than " + std::to_string(max_depth) + " levels");
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return Status::OK();
}

std::string EncodeFacility(const Facility& f, JsonForm form) {
  Json j = Json::object();
  j["id"] = f.id;
  j["name"] = f.name;
  j["province"] = f.province;
  if (!f.sector.empty()) j["sector"] = f.sector;
  if (!f.products.empty()) j["products"] = f.products;
  if (f.employees) j["employees"] = *f.employees;
  Json needs = Json::array();
  for (const Need& n : f.needs) needs.push_back(EncodeNeed(n));
  j["needs"] = std::move(needs);
  if (form == JsonForm::kStored) {
    j["province_id"] = f.province_id;
    j["sector_vsic"] = f.sector_vsic;
  }
  MergeExtra(f.extra_json, &j);
  return j.dump();
}

std::string EncodeSupplier(const Supplier& s, JsonForm form) {
  Json j = Json::object();
  j["id"] = s.id;
  j["name"] = s.name;
  j["province"] = s.province;
  j["serves"] = s.serves;
  j["lang"] = s.lang;
  j["text"] = s.text;
  if (!s.vector.empty()) j["vector"] = FloatArray(s.vector);
  if (form == JsonForm::kStored) {
    j["province_id"] = s.province_id;
    j["serves_ids"] = s.serves_ids;
    j["nationwide"] = s.nationwide;
  }
  MergeExtra(s.extra_json, &j);
  return j.dump();
}

std::string EncodeExpert(const Expert& e, JsonForm form) {
  Json j = Json::object();
  j["id"] = e.id;
  j["name"] = e.name;
  j["province"] = e.province;
  j["text"] = e.text;
  if (!e.vector.empty()) j["vector"] = FloatArray(e.vector);
  if (form == JsonForm::kStored) j["province_id"] = e.province_id;
  MergeExtra(e.extra_json, &j);
  return j.dump();
}

std::string EncodeLink(const Link& l) {
  Json j = Json::object();
  j["from"] = l.from;
  j["to"] = l.to;
  j["type"] = std::string(LinkTypeName(l.type));
  MergeExtra(l.extra_json, &j);
  return j.dump();
}

StatusOr<Facility> DecodeFacility(std::string_view json, JsonForm form, int max_depth) {
  auto parsed = Parse(json, max_depth);
  if (!parsed.ok()) return parsed.status();
  const Json& j = *parsed;
  ObjectReader r(j, "");
  Facility f;
  for (auto [name, out] : {std::pair{"id", &f.id},
                           {"name", &f.name},
                           {"province", &f.province},
                           {"sector", &f.sector},
                           {"products", &f.products}}) {
    if (Status s = r.String(name, out); !s.ok()) return s;
  }
  if (Status s = r.Int("employees", &f.employees); !s.ok()) return s;
  if (const Json* needs = r.Raw("needs")) {
    if (!needs->is_array()) return InvalidArgument("field 'needs': expected an array");
    f.needs.resize(needs->size());
    for (size_t i = 0; i < needs->size(); ++i) {
      if (Status s = DecodeNeed((*needs)[i], i, &f.needs[i]); !s.ok()) return s;
    }
  }
  if (form == JsonForm::kStored) {
    if (Status s = r.String("province_id", &f.province_id); !s.ok()) return s;
    if (Status s = r.String("sector_vsic", &f.sector_vsic); !s.ok()) return s;
  }
  f.extra_json = r.Extra();
  return f;
}

StatusOr<Supplier> DecodeSupplier(std::string_view json, JsonForm form, int max_depth) {
  auto parsed = Parse(json, max_depth);
  if (!parsed.ok()) return parsed.status();
  ObjectReader r(*parsed, "");
  Supplier s;
  s.lang.clear();
  for (auto [name, out] : {std::pair{"id", &s.id},
                           {"name", &s.name},
                           {"province", &s.province},
                           {"lang", &s.lang},
                           {"text", &s.text}}) {
    if (Status st = r.String(name, out); !st.ok()) return st;
  }
  if (s.lang.empty()) s.lang = "vi";
  if (Status st = r.Strings("serves", &s.serves); !st.ok()) return st;
  if (Status st = r.Floats("vector", &s.vector); !st.ok()) return st;
  if (form == JsonForm::kStored) {
    if (Status st = r.String("province_id", &s.province_id); !st.ok()) return st;
    if (Status st = r.Strings("serves_ids", &s.serves_ids); !st.ok()) return st;
    if (Status st = r.Bool("nationwide", &s.nationwide); !st.ok()) return st;
  }
  s.extra_json = r.Extra();
  return s;
}

StatusOr<Expert> DecodeExpert(std::string_view json, JsonForm form, int max_depth) {
  auto parsed = Parse(json, max_depth);
  if (!parsed.ok()) return parsed.status();
  ObjectReader r(*parsed, "");
  Expert e;
  for (auto [name, out] :
       {std::pair{"id", &e.id}, {"name", &e.name}, {"province", &e.province}, {"text", &e.text}}) {
    if (Status s = r.String(name, out); !s.ok()) return s;
  }
  if (Status s = r.Floats("vector", &e.vector); !s.ok()) return s;
  if (form == JsonForm::kStored) {
    if (Status s = r.String("province_id", &e.province_id); !s.ok()) return s;
  }
  e.extra_json = r.Extra();
  return e;
}

StatusOr<Link> DecodeLink(std::string_view json, int max_depth) {
  auto parsed = Parse(json, max_depth);
  if (!parsed.ok()) return parsed.status();
  ObjectReader r(*parsed, "");
  Link l;
  std::string type;
  if (Status s = r.String("from", &l.from); !s.ok()) return s;
  if (Status s = r.String("to", &l.to); !s.ok()) return s;
  if (Status s = r.String("type", &type); !s.ok()) return s;
  if (type.empty()) return InvalidArgument("field 'type' is required");
  if (!ParseLinkType(type, &l.type)) {
    return InvalidArgument("field 'type': unknown link type '" + type +
                           "' (expected supplies, buys_from, equips, advises or subcontracts)");
  }
  l.extra_json = r.Extra();
  return l;
}

}  // namespace ketnoi::engine
