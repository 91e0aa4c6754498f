// Stored form of a materialised match list (family kMatches, engine/matcher).
//
// Binary, little-endian: byte kMatchListFormat, varint list version, varint
// item count, then per item: id, name, province_id (varint length + bytes),
// score (8-byte IEEE double, bit-exact), varint feature count n, n
// contributions, n values (doubles, in RankFeature order), reason_vi,
// reason_en, matched_concepts and matched_terms (varint count + strings),
// serves_province (1 byte), capacity_note, price_note, chain_path, a presence
// byte and distance_km. kMatchListFormat must change whenever this layout or
// the meaning/order of RankFeature changes.
//
// Decoding also reads the earlier JSON form ({"version","kind","items":[...]})
// so stores written before the binary form stay readable; they are rewritten
// in the binary form the next time the list is recomputed.
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/matcher.h"

namespace ketnoi::engine {

inline constexpr char kMatchListFormat = '\x01';

std::string EncodeMatchList(uint64_t version, const std::vector<MatchItem>& items);

// Decodes a stored list (binary or JSON form) into *version and *items, at
// most the first max_items items (the rest are still checked, not copied).
// Corruption when the value is truncated or not a list.
Status DecodeMatchList(std::string_view raw, uint64_t* version, std::vector<MatchItem>* items,
                       size_t max_items = SIZE_MAX);

// The candidate ids of a stored list, in list order (either form).
Status DecodeMatchListIds(std::string_view raw, std::vector<std::string>* ids);

// What deciding a change to a list reads, without the reasons and terms:
// per item, in list order, its id, score and the value of one feature.
struct MatchListSummary {
  uint64_t version = 0;
  std::vector<std::string> ids;
  std::vector<double> scores;
  std::vector<double> values;  // of the requested feature
};
Status DecodeMatchListSummary(std::string_view raw, RankFeature feature, MatchListSummary* out);

// The head of a stored list (Family::kListHeads, same key as the list, written
// in the same batch): the summary with the lexical values, ~1 KB for 30
// members where the list is ~26 KB, so that deciding whether a changed
// candidate enters a list reads the head, and the list only when it changes.
// Binary: byte kMatchListHeadFormat, varint version, varint count, per item
// id (varint length + bytes), score and lexical value (8-byte doubles).
inline constexpr char kMatchListHeadFormat = '\x02';
std::string EncodeMatchListHead(uint64_t version, const std::vector<MatchItem>& items);
std::string EncodeMatchListHead(const MatchListSummary& summary);  // with its lexical values
// Into out->values: the lexical values. Corruption when truncated.
Status DecodeMatchListHead(std::string_view raw, MatchListSummary* out);

}  // namespace ketnoi::engine
