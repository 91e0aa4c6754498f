#include "api/match_routes.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "api/match_json.h"
#include "api/reply_cache.h"
#include "engine/engine.h"
#include "engine/feedback.h"
#include "engine/store.h"

namespace ketnoi::api {
namespace {

using nlohmann::json;

Reply NoEngine() { return ErrorReply(503, "unavailable", "the matching engine is not loaded"); }

StatusOr<int> ParseInt(const std::string& name, const std::string& text, int lo, int hi) {
  if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgument("query parameter '" + name + "' must be an integer from " +
                           std::to_string(lo) + " to " + std::to_string(hi));
  }
  int v = std::stoi(text);
  if (v < lo || v > hi) {
    return InvalidArgument("query parameter '" + name + "' must be from " + std::to_string(lo) +
                           " to " + std::to_string(hi) + ", got " + text);
  }
  return v;
}

StatusOr<bool> ParseBool(const std::string& name, const std::string& text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0" || text.empty()) return false;
  return InvalidArgument("query parameter '" + name + "' must be true or false");
}

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Reads the filter query parameters; `any` tells whether one was given.
StatusOr<engine::MatchFilters> FiltersFromQuery(const ApiRequest& req, bool* any) {
  static const char* kKnown[] = {"kind", "k", "province", "region", "sector", "lang", "min_score",
                                 "serves_my_province", "exclude", "live", "budget_min",
                                 "budget_max", "since"};
  for (const auto& [name, value] : req.query) {
    bool known = false;
    for (const char* k : kKnown) known = known || name == k;
    if (!known) return InvalidArgument("unknown query parameter '" + name + "'");
  }
  engine::MatchFilters f;
  *any = false;
  if (auto p = req.Query("province"); !p.empty()) { f.provinces = SplitComma(p); *any = true; }
  if (auto r = req.Query("region"); !r.empty()) { f.region = r; *any = true; }
  if (auto s = req.Query("sector"); !s.empty()) { f.sector = s; *any = true; }
  if (auto l = req.Query("lang"); !l.empty()) { f.lang = l; *any = true; }
  if (auto e = req.Query("exclude"); !e.empty()) { f.exclude_ids = SplitComma(e); *any = true; }
  auto serves = ParseBool("serves_my_province", req.Query("serves_my_province"));
  if (!serves.ok()) return serves.status();
  if (*serves) { f.serves_my_province = true; *any = true; }
  if (auto m = req.Query("min_score"); !m.empty()) {
    char* end = nullptr;
    double v = std::strtod(m.c_str(), &end);
    if (end == m.c_str() || *end != '\0' || !std::isfinite(v)) {
      return InvalidArgument("query parameter 'min_score' must be a number");
    }
    f.min_score = v;
    *any = true;
  }
  for (const char* name : {"budget_min", "budget_max"}) {
    std::string v = req.Query(name);
    if (v.empty()) continue;
    if (v.size() > 15 || v.find_first_not_of("0123456789") != std::string::npos) {
      return InvalidArgument(std::string("query parameter '") + name + "' must be a whole number of VND");
    }
    (std::string(name) == "budget_min" ? f.budget_min : f.budget_max) = std::stoll(v);
    *any = true;
  }
  return f;
}

}  // namespace

Reply HandleNeedMatches(engine::Engine* engine, const ApiRequest& req, ReplyCache* cache) {
  if (engine == nullptr) return NoEngine();
  bool filtered = false;
  auto filters = FiltersFromQuery(req, &filtered);
  if (!filters.ok()) return ErrorReply(filters.status());
  engine::MatchRequest mr;
  mr.need_id = req.Param("id");
  mr.filters = *filters;
  if (auto k = req.Query("kind"); !k.empty()) {
    engine::TargetKind kind;
    if (!engine::ParseTargetKind(k, &kind)) {
      return ErrorReply(InvalidArgument("query parameter 'kind' must be supplier or expert"));
    }
    mr.kind = kind;
  }
  if (auto k = req.Query("k"); !k.empty()) {
    auto v = ParseInt("k", k, 1, 100);
    if (!v.ok()) return ErrorReply(v.status());
    mr.k = *v;
  }
  auto live = ParseBool("live", req.Query("live"));
  if (!live.ok()) return ErrorReply(live.status());
  auto matcher = engine->matcher();
  if (!filtered && !*live) {
    // The materialised list: no ranking work on the read path, and no
    // decoding or encoding either while nothing was written since the same
    // request was last answered. The sequence is read before the store.
    std::string cache_key;
    uint64_t seq = 0;
    if (cache != nullptr) {
      seq = engine->store().LatestSequence();
      cache_key.reserve(mr.need_id.size() + 16);
      cache_key.append(mr.need_id).append(1, '\0').append(req.Query("kind"));
      cache_key.append(1, '\0').append(std::to_string(mr.k));
      if (auto body = cache->Get(cache_key, seq)) return JsonReply(200, *body);
    }
    auto asks = matcher->TargetOfNeed(mr.need_id);  // from memory, not the store
    if (!asks) return ErrorReply(NotFound("unknown need '" + mr.need_id + "'"));
    engine::TargetKind kind = mr.kind.value_or(*asks);
    auto list = matcher->Materialized(mr.need_id, kind, static_cast<size_t>(mr.k));
    if (!list.ok()) return ErrorReply(list.status());
    std::string body = MatchListJson(*list);
    if (cache != nullptr) cache->Put(cache_key, seq, body);
    return JsonReply(200, std::move(body));
  }
  auto list = matcher->Match(mr);
  if (!list.ok()) return ErrorReply(list.status());
  return JsonReply(200, MatchListJson(*list));
}

Reply HandleLeads(engine::Engine* engine, const ApiRequest& req) {
  if (engine == nullptr) return NoEngine();
  for (const auto& [name, value] : req.query) {
    if (name != "since" && name != "k") {
      return ErrorReply(InvalidArgument("unknown query parameter '" + name + "'"));
    }
  }
  int k = 50;
  if (auto text = req.Query("k"); !text.empty()) {
    auto v = ParseInt("k", text, 1, 1000);
    if (!v.ok()) return ErrorReply(v.status());
    k = *v;
  }
  const std::string& id = req.Param("id");
  auto leads = engine->matcher()->Leads(id, req.Query("since"), static_cast<size_t>(k));
  if (!leads.ok()) return ErrorReply(leads.status());
  return JsonReply(200, LeadListJson(id, *leads));
}

Reply HandleSearch(engine::Engine* engine, const ApiRequest& req) {
  if (engine == nullptr) return NoEngine();
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return ErrorReply(InvalidArgument("body must be a JSON object"));
  }
  engine::SearchRequest sr;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (key == "text" || key == "province" || key == "sector" || key == "kind") {
      if (!v.is_string()) return ErrorReply(InvalidArgument("field '" + key + "' must be a string"));
    } else if (key == "k" || key == "budget_vnd") {
      if (!v.is_number_integer()) {
        return ErrorReply(InvalidArgument("field '" + key + "' must be an integer"));
      }
    } else if (key == "serves_my_province") {
      if (!v.is_boolean()) return ErrorReply(InvalidArgument("field '" + key + "' must be true or false"));
    } else if (key == "min_score") {
      if (!v.is_number()) return ErrorReply(InvalidArgument("field 'min_score' must be a number"));
    } else {
      return ErrorReply(InvalidArgument("unknown field '" + key + "'"));
    }
  }
  if (!body.contains("text")) return ErrorReply(InvalidArgument("field 'text' is required"));
  sr.text = body["text"].get<std::string>();
  sr.province = body.value("province", "");
  sr.sector = body.value("sector", "");
  if (body.contains("budget_vnd")) {
    int64_t b = body["budget_vnd"].get<int64_t>();
    if (b < 0) return ErrorReply(InvalidArgument("field 'budget_vnd' must not be negative"));
    sr.budget_vnd = b;
  }
  std::string kind = body.value("kind", "supplier");
  if (!engine::ParseTargetKind(kind, &sr.kind)) {
    return ErrorReply(InvalidArgument("field 'kind' must be supplier or expert"));
  }
  int64_t k = body.value("k", int64_t{10});
  if (k < 1 || k > 100) return ErrorReply(InvalidArgument("field 'k' must be from 1 to 100"));
  sr.k = static_cast<int>(k);
  sr.filters.serves_my_province = body.value("serves_my_province", false);
  if (body.contains("min_score")) sr.filters.min_score = body["min_score"].get<double>();
  auto list = engine->matcher()->Search(sr);
  if (!list.ok()) return ErrorReply(list.status());
  return JsonReply(200, MatchListJson(*list));
}

Reply HandlePostFeedback(engine::Engine* engine, const ApiRequest& req) {
  if (engine == nullptr) return NoEngine();
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return ErrorReply(InvalidArgument("body must be a JSON object"));
  }
  engine::Feedback fb;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& key = it.key();
    if (key != "need" && key != "candidate" && key != "verdict" && key != "reason") {
      return ErrorReply(InvalidArgument("unknown field '" + key + "'"));
    }
    if (!it.value().is_string()) {
      return ErrorReply(InvalidArgument("field '" + key + "' must be a string"));
    }
  }
  for (const char* required : {"need", "candidate", "verdict"}) {
    if (!body.contains(required)) {
      return ErrorReply(InvalidArgument(std::string("field '") + required + "' is required"));
    }
  }
  fb.need_id = body["need"].get<std::string>();
  fb.candidate_id = body["candidate"].get<std::string>();
  if (!engine::ParseVerdict(body["verdict"].get<std::string>(), &fb.verdict)) {
    return ErrorReply(InvalidArgument(
        "field 'verdict' must be shortlisted, contacted, accepted or rejected"));
  }
  fb.reason = body.value("reason", "");
  fb.by = req.principal.authenticated ? req.principal.key.id : "";
  Status s = engine->PutFeedback(fb);
  if (!s.ok()) return ErrorReply(s);
  auto stored = engine->feedback().Get(fb.need_id, fb.candidate_id);
  if (!stored.ok()) return ErrorReply(stored.status());
  return JsonReply(201, engine::FeedbackStore::Encode(*stored));
}

Reply HandleListFeedback(engine::Engine* engine, const ApiRequest& req) {
  if (engine == nullptr) return NoEngine();
  std::string need = req.Query("need");
  auto list = need.empty() ? engine->feedback().All() : engine->feedback().ForNeed(need);
  if (!list.ok()) return ErrorReply(list.status());
  json items = json::array();
  for (const auto& fb : *list) items.push_back(json::parse(engine::FeedbackStore::Encode(fb)));
  return JsonReply(200, json{{"feedback", items}}.dump());
}

}  // namespace ketnoi::api
