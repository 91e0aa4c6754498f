#include "engine/match_list_codec.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <nlohmann/json.hpp>

namespace ketnoi::engine {
namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

void PutDouble(std::string* out, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

void PutStrings(std::string* out, const std::vector<std::string>& v) {
  PutVarint(out, v.size());
  for (const auto& s : v) PutString(out, s);
}

// Bounds-checked reader; every Get returns false once the input is short.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return false;
      uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      *v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool String(std::string* s) {
    uint64_t n;
    if (!Varint(&n) || n > in_.size() - pos_) return false;
    s->assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool Skip(uint64_t n) {
    if (n > in_.size() - pos_) return false;
    pos_ += n;
    return true;
  }
  bool SkipString() {
    uint64_t n;
    return Varint(&n) && Skip(n);
  }
  bool Double(double* d) {
    if (in_.size() - pos_ < 8) return false;
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) {
      bits |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    }
    pos_ += 8;
    std::memcpy(d, &bits, sizeof bits);
    return true;
  }
  bool Byte(uint8_t* b) {
    if (pos_ >= in_.size()) return false;
    *b = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool Strings(std::vector<std::string>* v) {
    uint64_t n;
    if (!Varint(&n) || n > in_.size() - pos_) return false;
    v->resize(n);
    for (auto& s : *v) {
      if (!String(&s)) return false;
    }
    return true;
  }
  bool SkipStrings() {
    uint64_t n;
    if (!Varint(&n)) return false;
    for (uint64_t i = 0; i < n; ++i) {
      if (!SkipString()) return false;
    }
    return true;
  }
  bool AtEnd() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

// Reads one item; when `full` is false only the id is kept.
bool ReadItem(Reader& r, MatchItem* m, bool full) {
  Explanation& e = m->explanation;
  uint64_t n;
  uint8_t b;
  if (!r.String(&m->id)) return false;
  if (!full) {
    if (!r.SkipString() || !r.SkipString() || !r.Skip(8) || !r.Varint(&n)) return false;
    if (n > (uint64_t{1} << 20) || !r.Skip(16 * n)) return false;
    if (!r.SkipString() || !r.SkipString() || !r.SkipStrings() || !r.SkipStrings()) return false;
    if (!r.Skip(1) || !r.SkipString() || !r.SkipString() || !r.SkipString() || !r.Byte(&b)) {
      return false;
    }
    return b == 0 || r.Skip(8);
  }
  if (!r.String(&m->name) || !r.String(&m->province_id) || !r.Double(&e.score)) return false;
  if (!r.Varint(&n) || n > (uint64_t{1} << 20)) return false;
  for (int pass = 0; pass < 2; ++pass) {
    auto& dst = pass == 0 ? e.contributions : e.values;
    for (uint64_t i = 0; i < n; ++i) {
      double d;
      if (!r.Double(&d)) return false;
      if (i < dst.size()) dst[i] = d;
    }
  }
  if (!r.String(&e.reason_vi) || !r.String(&e.reason_en)) return false;
  if (!r.Strings(&e.matched_concepts) || !r.Strings(&e.matched_terms)) return false;
  if (!r.Byte(&b)) return false;
  e.serves_province = b != 0;
  if (!r.String(&e.capacity_note) || !r.String(&e.price_note) || !r.String(&e.chain_path)) {
    return false;
  }
  if (!r.Byte(&b)) return false;
  if (b != 0) {
    double d;
    if (!r.Double(&d)) return false;
    e.distance_km = d;
  }
  return true;
}

MatchItem ItemFromJson(const nlohmann::json& j) {
  MatchItem m;
  m.id = j.value("id", "");
  m.name = j.value("name", "");
  m.province_id = j.value("province_id", "");
  Explanation& e = m.explanation;
  e.score = j.value("score", 0.0);
  for (int i = 0; i < kNumRankFeatures; ++i) {
    std::string name(RankFeatureName(static_cast<RankFeature>(i)));
    if (j.contains("features")) e.contributions[i] = j["features"].value(name, 0.0);
    if (j.contains("values")) e.values[i] = j["values"].value(name, 0.0);
  }
  e.reason_vi = j.value("reason_vi", "");
  e.reason_en = j.value("reason_en", "");
  e.matched_concepts = j.value("matched_concepts", std::vector<std::string>{});
  e.matched_terms = j.value("matched_terms", std::vector<std::string>{});
  e.serves_province = j.value("serves_province", false);
  e.capacity_note = j.value("capacity_note", "");
  e.price_note = j.value("price_note", "");
  e.chain_path = j.value("chain_path", "");
  if (j.contains("distance_km")) e.distance_km = j["distance_km"].get<double>();
  return m;
}

Status DecodeJson(std::string_view raw, uint64_t* version, std::vector<MatchItem>* items,
                  std::vector<std::string>* ids) {
  nlohmann::json j = nlohmann::json::parse(raw, nullptr, false);
  if (!j.is_object()) return Corruption("stored match list is neither binary nor JSON");
  try {
    if (version != nullptr) *version = j.value("version", uint64_t{0});
    if (!j.contains("items")) return Status::OK();
    for (const auto& it : j["items"]) {
      if (items != nullptr) items->push_back(ItemFromJson(it));
      if (ids != nullptr) ids->push_back(it.value("id", ""));
    }
  } catch (const std::exception& e) {
    return Corruption(std::string("stored match list: ") + e.what());
  }
  return Status::OK();
}

Status Decode(std::string_view raw, uint64_t* version, std::vector<MatchItem>* items,
              std::vector<std::string>* ids, size_t max_items = SIZE_MAX) {
  if (raw.empty() || raw[0] != kMatchListFormat) {
    Status s = DecodeJson(raw, version, items, ids);
    if (s.ok() && items != nullptr && items->size() > max_items) items->resize(max_items);
    return s;
  }
  Reader r(raw.substr(1));
  uint64_t v, n;
  if (!r.Varint(&v) || !r.Varint(&n) || n > raw.size()) {
    return Corruption("stored match list: truncated header");
  }
  if (version != nullptr) *version = v;
  if (items != nullptr) items->reserve(items->size() + std::min<uint64_t>(n, max_items));
  if (ids != nullptr) ids->reserve(ids->size() + n);
  MatchItem m;
  for (uint64_t i = 0; i < n; ++i) {
    if (items != nullptr && i < max_items) {
      MatchItem full;
      if (!ReadItem(r, &full, true)) return Corruption("stored match list: truncated item");
      if (ids != nullptr) ids->push_back(full.id);
      items->push_back(std::move(full));
    } else {
      if (!ReadItem(r, &m, false)) return Corruption("stored match list: truncated item");
      if (ids != nullptr) ids->push_back(m.id);
    }
  }
  if (!r.AtEnd()) return Corruption("stored match list: trailing bytes");
  return Status::OK();
}

}  // namespace

std::string EncodeMatchList(uint64_t version, const std::vector<MatchItem>& items) {
  std::string out;
  out.reserve(64 + items.size() * 512);
  out.push_back(kMatchListFormat);
  PutVarint(&out, version);
  PutVarint(&out, items.size());
  for (const MatchItem& m : items) {
    const Explanation& e = m.explanation;
    PutString(&out, m.id);
    PutString(&out, m.name);
    PutString(&out, m.province_id);
    PutDouble(&out, e.score);
    PutVarint(&out, e.contributions.size());
    for (double d : e.contributions) PutDouble(&out, d);
    for (double d : e.values) PutDouble(&out, d);
    PutString(&out, e.reason_vi);
    PutString(&out, e.reason_en);
    PutStrings(&out, e.matched_concepts);
    PutStrings(&out, e.matched_terms);
    out.push_back(e.serves_province ? 1 : 0);
    PutString(&out, e.capacity_note);
    PutString(&out, e.price_note);
    PutString(&out, e.chain_path);
    out.push_back(e.distance_km ? 1 : 0);
    if (e.distance_km) PutDouble(&out, *e.distance_km);
  }
  return out;
}

Status DecodeMatchList(std::string_view raw, uint64_t* version, std::vector<MatchItem>* items,
                       size_t max_items) {
  return Decode(raw, version, items, nullptr, max_items);
}

Status DecodeMatchListIds(std::string_view raw, std::vector<std::string>* ids) {
  return Decode(raw, nullptr, nullptr, ids);
}

Status DecodeMatchListSummary(std::string_view raw, RankFeature feature, MatchListSummary* out) {
  *out = MatchListSummary();
  const auto f = static_cast<uint64_t>(feature);
  if (raw.empty() || raw[0] != kMatchListFormat) {  // the earlier JSON form: decode it all
    std::vector<MatchItem> items;
    Status s = DecodeJson(raw, &out->version, &items, nullptr);
    if (!s.ok()) return s;
    for (const MatchItem& m : items) {
      out->ids.push_back(m.id);
      out->scores.push_back(m.explanation.score);
      out->values.push_back(m.explanation.values[f]);
    }
    return Status::OK();
  }
  Reader r(raw.substr(1));
  uint64_t n;
  if (!r.Varint(&out->version) || !r.Varint(&n) || n > raw.size()) {
    return Corruption("stored match list: truncated header");
  }
  out->ids.resize(n);
  out->scores.resize(n);
  out->values.resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t features;
    uint8_t b;
    double value = 0;
    bool ok = r.String(&out->ids[i]) && r.SkipString() && r.SkipString() &&
              r.Double(&out->scores[i]) && r.Varint(&features) && features <= (uint64_t{1} << 20) &&
              r.Skip(8 * features);  // contributions
    for (uint64_t k = 0; ok && k < features; ++k) {
      double d;
      ok = r.Double(&d);
      if (k == f) value = d;
    }
    ok = ok && r.SkipString() && r.SkipString() && r.SkipStrings() && r.SkipStrings() &&
         r.Skip(1) && r.SkipString() && r.SkipString() && r.SkipString() && r.Byte(&b) &&
         (b == 0 || r.Skip(8));
    if (!ok) return Corruption("stored match list: truncated item");
    out->values[i] = value;
  }
  if (!r.AtEnd()) return Corruption("stored match list: trailing bytes");
  return Status::OK();
}

std::string EncodeMatchListHead(uint64_t version, const std::vector<MatchItem>& items) {
  MatchListSummary summary;
  summary.version = version;
  for (const MatchItem& m : items) {
    summary.ids.push_back(m.id);
    summary.scores.push_back(m.explanation.score);
    summary.values.push_back(m.explanation.values[static_cast<int>(RankFeature::kLexical)]);
  }
  return EncodeMatchListHead(summary);
}

std::string EncodeMatchListHead(const MatchListSummary& summary) {
  std::string out;
  out.reserve(16 + summary.ids.size() * 28);
  out.push_back(kMatchListHeadFormat);
  PutVarint(&out, summary.version);
  PutVarint(&out, summary.ids.size());
  for (size_t i = 0; i < summary.ids.size(); ++i) {
    PutString(&out, summary.ids[i]);
    PutDouble(&out, summary.scores[i]);
    PutDouble(&out, summary.values[i]);
  }
  return out;
}

Status DecodeMatchListHead(std::string_view raw, MatchListSummary* out) {
  *out = MatchListSummary();
  if (raw.empty() || raw[0] != kMatchListHeadFormat) {
    return Corruption("stored list head: unknown format");
  }
  Reader r(raw.substr(1));
  uint64_t n;
  if (!r.Varint(&out->version) || !r.Varint(&n) || n > raw.size()) {
    return Corruption("stored list head: truncated header");
  }
  out->ids.resize(n);
  out->scores.resize(n);
  out->values.resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (!r.String(&out->ids[i]) || !r.Double(&out->scores[i]) || !r.Double(&out->values[i])) {
      return Corruption("stored list head: truncated item");
    }
  }
  if (!r.AtEnd()) return Corruption("stored list head: trailing bytes");
  return Status::OK();
}

}  // namespace ketnoi::engine
