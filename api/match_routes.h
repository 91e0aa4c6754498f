// Matching routes (engine/matcher.h through engine/engine.h). Handlers take
// the engine explicitly; every handler answers 503 when it is null.
//
//   GET  /v1/needs/{id}/matches?kind=&k=&province=&region=&sector=&lang=
//        &min_score=&serves_my_province=&exclude=&live=
//        The materialised list when no filter is given and k fits it;
//        otherwise a live match.
//   GET  /v1/suppliers/{id}/leads?since=&k=   (also /v1/experts/{id}/leads)
//   POST /v1/search        {"text","kind"?,"province"?,"sector"?,"budget_vnd"?,"k"?}
//   POST /v1/feedback      {"need","candidate","verdict","reason"?}
//   GET  /v1/feedback?need=
#pragma once

#include "api/routes.h"

namespace ketnoi::engine {
class Engine;
}

namespace ketnoi::api {

class ReplyCache;

// With `cache`, materialised lists are answered from encoded bodies cached
// until the next store write (api/reply_cache.h).
Reply HandleNeedMatches(engine::Engine* engine, const ApiRequest& req,
                        ReplyCache* cache = nullptr);
Reply HandleLeads(engine::Engine* engine, const ApiRequest& req);
Reply HandleSearch(engine::Engine* engine, const ApiRequest& req);
Reply HandlePostFeedback(engine::Engine* engine, const ApiRequest& req);
Reply HandleListFeedback(engine::Engine* engine, const ApiRequest& req);

}  // namespace ketnoi::api
