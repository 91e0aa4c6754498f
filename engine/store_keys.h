// Key layout of the ketnoi RocksDB store (private to engine/store.cc and the
// engine's other writers; docs/store.md describes it for operators).
//
// One column family per engine::Family; ids are ASCII (engine/validate.h), so
// '\0' never occurs in an id and separates key parts.
//
//   meta        "format"          -> "ketnoi-store"          (marks a ketnoi store)
//               "schema_version"  -> decimal text, e.g. "1"   (Store::kSchemaVersion)
//   facilities  id                -> facility JSON, stored form (engine/codec.h)
//   needs       need id           -> owning facility id
//   suppliers   id                -> supplier JSON, stored form
//   experts     id                -> expert JSON, stored form
//   links       from \0 type \0 to -> link JSON (dataset form)
//   changes     8-byte big-endian change number -> {"kind","id","op"}
//               kind: facility|supplier|expert|link; op: put|delete; for a
//               link the id is "from/type/to". One record per record written,
//               in the same atomic write as the record itself.
//   matches, leads, feedback, keys: owned by their writers (see their headers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/model.h"
#include "engine/store.h"

namespace ketnoi::engine::keys {

inline constexpr std::string_view kFormatKey = "format";
inline constexpr std::string_view kFormatValue = "ketnoi-store";
inline constexpr std::string_view kSchemaVersionKey = "schema_version";

// Column family names, indexed by static_cast<int>(Family).
inline constexpr std::string_view kFamilyNames[] = {
    "meta",    "facilities", "needs",    "suppliers", "experts", "links",
    "matches", "leads",      "feedback", "keys",      "changes", "list_heads"};
inline constexpr int kFamilyCount = sizeof(kFamilyNames) / sizeof(kFamilyNames[0]);
static_assert(kFamilyCount == static_cast<int>(Family::kListHeads) + 1,
              "one column family name per Family value");

inline std::string LinkKey(std::string_view from, LinkType type, std::string_view to) {
  std::string key;
  key.reserve(from.size() + to.size() + 16);
  key.append(from);
  key.push_back('\0');
  key.append(LinkTypeName(type));
  key.push_back('\0');
  key.append(to);
  return key;
}

// All links from one id start with this prefix.
inline std::string LinkFromPrefix(std::string_view from) {
  std::string key(from);
  key.push_back('\0');
  return key;
}

// Big-endian so that keys sort in numeric order.
inline std::string EncodeBigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

inline uint64_t DecodeBigEndian64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

}  // namespace ketnoi::engine::keys
