// JSON forms of match lists and leads, shared by the CLI (--json) and the
// HTTP routes, so both speak the same contract:
//   {"need":ID,"kind":"supplier","matches":[{"id","name","score","reason":{"vi","en"},
//     "features":{NAME:contribution},"values":{NAME:value},"matched_concepts",
//     "matched_terms","distance_km"?,"province_id","chain_path"?}]}
#pragma once

#include <string>

#include "engine/matcher.h"

namespace ketnoi::api {

std::string MatchListJson(const engine::MatchList& list, int indent = -1);
std::string LeadListJson(const std::string& candidate_id, const engine::LeadList& list,
                         int indent = -1);

}  // namespace ketnoi::api
