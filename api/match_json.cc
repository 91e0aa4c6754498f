#include "api/match_json.h"

#include <nlohmann/json.hpp>

namespace ketnoi::api {

std::string MatchListJson(const engine::MatchList& list, int indent) {
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
