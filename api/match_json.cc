#include "api/match_json.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace ketnoi::api {

namespace {

// A compact JSON writer for the hot read path (a materialised list per
// request): appends directly instead of building a JSON value first. Writes
// the same document as the nlohmann path below (which the pretty-printed
// CLI form keeps); tests/api/match_json_test.cc compares the two.
// True when one of the 8 bytes of `w` is a control character, '"' or '\\'
// (the bytes a JSON string escapes): bytewise "has a zero" tests on w < 0x20,
// w ^ '"' and w ^ '\\'.
inline bool NeedsEscape8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const uint64_t quote = w ^ (kOnes * '"'), slash = w ^ (kOnes * '\\');
  const uint64_t control = (w - kOnes * 0x20) & ~w;
  return ((control | ((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash)) & kHigh) != 0;
}

void PutString(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet written that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    // Most text needs no escape: skip it 8 bytes at a time.
    while (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (NeedsEscape8(w)) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default: {
        static const char kHex[] = "0123456789abcdef";
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void PutNumber(std::string* out, double d) {
  if (!std::isfinite(d)) {
    out->append("null");
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  out->append(buf, r.ptr);
  // A whole number is still written as a float ("1.0"), as the JSON value form does.
  if (std::string_view(buf, static_cast<size_t>(r.ptr - buf)).find_first_of(".e") ==
      std::string_view::npos) {
    out->append(".0");
  }
}

void PutKey(std::string* out, std::string_view key) {
  PutString(out, key);
  out->push_back(':');
}

std::string CompactMatchListJson(const engine::MatchList& list) {
  // Room for the whole reply, so the buffer is never moved while written:
  // the strings' bytes (a few escapes aside), ~40 bytes per feature entry
  // (name and number) and the keys around them.
  size_t size = 256;
  for (const auto& m : list.items) {
    const auto& e = m.explanation;
    size += 512 + 2 * engine::kNumRankFeatures * 48 + m.id.size() + m.name.size() +
            m.province_id.size() + e.reason_vi.size() + e.reason_en.size() +
            e.capacity_note.size() + e.price_note.size() + e.chain_path.size();
    for (const auto& c : e.matched_concepts) size += c.size() + 3;
    for (const auto& t : e.matched_terms) size += t.size() + 3;
  }
  std::string out;
  out.reserve(size + size / 8);
  out.push_back('{');
  if (!list.need_id.empty()) {
    PutKey(&out, "need");
    PutString(&out, list.need_id);
    out.push_back(',');
  }
  PutKey(&out, "kind");
  PutString(&out, engine::TargetKindName(list.kind));
  out.push_back(',');
  PutKey(&out, "matches");
  out.push_back('[');
  for (size_t n = 0; n < list.items.size(); ++n) {
    const auto& m = list.items[n];
    const auto& e = m.explanation;
    if (n > 0) out.push_back(',');
    out.push_back('{');
    PutKey(&out, "id");
    PutString(&out, m.id);
    out.push_back(',');
    PutKey(&out, "name");
    PutString(&out, m.name);
    out.push_back(',');
    PutKey(&out, "score");
    PutNumber(&out, e.score);
    out.append(",\"reason\":{\"vi\":");
    PutString(&out, e.reason_vi);
    out.append(",\"en\":");
    PutString(&out, e.reason_en);
    out.append("},");
    for (int pass = 0; pass < 2; ++pass) {
      PutKey(&out, pass == 0 ? "features" : "values");
      out.push_back('{');
      for (int i = 0; i < engine::kNumRankFeatures; ++i) {
        if (i > 0) out.push_back(',');
        PutKey(&out, engine::RankFeatureName(static_cast<engine::RankFeature>(i)));
        PutNumber(&out, pass == 0 ? e.contributions[i] : e.values[i]);
      }
      out.append("},");
    }
    for (int pass = 0; pass < 2; ++pass) {
      PutKey(&out, pass == 0 ? "matched_concepts" : "matched_terms");
      out.push_back('[');
      const auto& v = pass == 0 ? e.matched_concepts : e.matched_terms;
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out.push_back(',');
        PutString(&out, v[i]);
      }
      out.append("],");
    }
    PutKey(&out, "province_id");
    PutString(&out, m.province_id);
    out.push_back(',');
    PutKey(&out, "serves_province");
    out.append(e.serves_province ? "true" : "false");
    if (e.distance_km) {
      out.push_back(',');
      PutKey(&out, "distance_km");
      PutNumber(&out, *e.distance_km);
    }
    auto optional = [&](std::string_view key, const std::string& v) {
      if (v.empty()) return;
      out.push_back(',');
      PutKey(&out, key);
      PutString(&out, v);
    };
    optional("capacity", e.capacity_note);
    optional("price", e.price_note);
    optional("chain_path", e.chain_path);
    out.push_back('}');
  }
  out.push_back(']');
  if (list.version) {
    out.push_back(',');
    PutKey(&out, "version");
    out.append(std::to_string(list.version));
  }
  out.push_back('}');
  return out;
}

}  // namespace

std::string MatchListJson(const engine::MatchList& list, int indent) {
  if (indent < 0) return CompactMatchListJson(list);
  nlohmann::ordered_json matches = nlohmann::ordered_json::array();
  for (const auto& m : list.items) {
    const auto& e = m.explanation;
    nlohmann::ordered_json features = nlohmann::ordered_json::object();
    nlohmann::ordered_json values = nlohmann::ordered_json::object();
    for (int i = 0; i < engine::kNumRankFeatures; ++i) {
      std::string name(engine::RankFeatureName(static_cast<engine::RankFeature>(i)));
      features[name] = e.contributions[i];
      values[name] = e.values[i];
    }
    nlohmann::ordered_json j;
    j["id"] = m.id;
    j["name"] = m.name;
    j["score"] = e.score;
    j["reason"] = {{"vi", e.reason_vi}, {"en", e.reason_en}};
    j["features"] = features;
    j["values"] = values;
    j["matched_concepts"] = e.matched_concepts;
    j["matched_terms"] = e.matched_terms;
    j["province_id"] = m.province_id;
    j["serves_province"] = e.serves_province;
    if (e.distance_km) j["distance_km"] = *e.distance_km;
    if (!e.capacity_note.empty()) j["capacity"] = e.capacity_note;
    if (!e.price_note.empty()) j["price"] = e.price_note;
    if (!e.chain_path.empty()) j["chain_path"] = e.chain_path;
    matches.push_back(std::move(j));
  }
  nlohmann::ordered_json out;
  if (!list.need_id.empty()) out["need"] = list.need_id;
  out["kind"] = engine::TargetKindName(list.kind);
  out["matches"] = std::move(matches);
  if (list.version) out["version"] = list.version;
  return out.dump(indent);
}

std::string LeadListJson(const std::string& candidate_id, const engine::LeadList& list,
                         int indent) {
  nlohmann::ordered_json leads = nlohmann::ordered_json::array();
  for (const auto& l : list.items) {
    nlohmann::ordered_json j;
    j["need"] = l.need_id;
    j["facility"] = l.facility_id;
    j["facility_name"] = l.facility_name;
    j["province_id"] = l.province_id;
    j["text"] = l.need_text;
    j["score"] = l.score;
    j["reason"] = {{"vi", l.reason_vi}, {"en", l.reason_en}};
    j["seq"] = l.seq;
    leads.push_back(std::move(j));
  }
  nlohmann::ordered_json out;
  out["candidate"] = candidate_id;
  out["leads"] = std::move(leads);
  out["cursor"] = list.cursor;
  out["complete"] = list.complete;
  if (!list.complete) out["needs_pending"] = list.needs_pending;
  return out.dump(indent);
}

}  // namespace ketnoi::api
