// JSON codecs for the domain records (engine/model.h).
//
// Two forms:
//  - kDataset: the dataset / HTTP form of ../shared/DESIGN.md, the fields as
//    people wrote them plus every unknown field (kept in `extra_json`), in a
//    stable key order. Export writes this form; Decode(Encode(r)) == r.
//  - kStored: the dataset form plus the resolved fields ("province_id",
//    "sector_vsic", "serves_ids", "nationwide"), as kept in the store.
//
// Decode* accept a JSON object text and fail with InvalidArgument naming the
// field ("field 'employees': expected an integer"), or the JSON error with its
// byte offset. Input nested deeper than `max_depth` is rejected before parsing.
// nlohmann/json stays inside codec.cc. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "engine/model.h"

namespace ketnoi::engine {

enum class JsonForm { kDataset, kStored };

inline constexpr int kDefaultMaxJsonDepth = 32;

// InvalidArgument when `json` has arrays/objects nested deeper than
// `max_depth` (a top-level object is depth 1). Does not check syntax.
Status CheckJsonDepth(std::string_view json, int max_depth);

std::string EncodeFacility(const Facility& f, JsonForm form = JsonForm::kDataset);
std::string EncodeSupplier(const Supplier& s, JsonForm form = JsonForm::kDataset);
std::string EncodeExpert(const Expert& e, JsonForm form = JsonForm::kDataset);
std::string EncodeLink(const Link& l);

StatusOr<Facility> DecodeFacility(std::string_view json, JsonForm form = JsonForm::kDataset,
                                  int max_depth = kDefaultMaxJsonDepth);
StatusOr<Supplier> DecodeSupplier(std::string_view json, JsonForm form = JsonForm::kDataset,
                                  int max_depth = kDefaultMaxJsonDepth);
StatusOr<Expert> DecodeExpert(std::string_view json, JsonForm form = JsonForm::kDataset,
                              int max_depth = kDefaultMaxJsonDepth);
StatusOr<Link> DecodeLink(std::string_view json, int max_depth = kDefaultMaxJsonDepth);

}  // namespace ketnoi::engine
