// `ketnoi match` and `ketnoi leads`: the matcher from the command line.
#include <cstdio>
#include <string>

#include "api/commands.h"
#include "api/match_json.h"
#include "engine/engine.h"
#include "engine/store.h"

namespace ketnoi::api {
namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "ketnoi: %s\n", s.ToString().c_str());
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kNotFound ? 2 : 1;
}

// `match` ranks live and needs no stored list: stale ones are left to the
// next reader. `leads` reads every list, so it recomputes stale ones first.
StatusOr<std::unique_ptr<engine::Engine>> OpenEngine(const std::string& db,
                                                     engine::StaleLists stale) {
  engine::EngineOptions o;
  o.db = db;
  o.create_if_missing = false;
  o.stale_lists = stale;
  return engine::Engine::Open(o);
}

// Cuts a UTF-8 string to at most `max` code points, adding "…" when cut.
std::string Clip(const std::string& s, size_t max) {
  size_t cps = 0, i = 0;
  while (i < s.size()) {
    if (cps == max) return s.substr(0, i) + "…";
    unsigned char c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    ++cps;
  }
  return s;
}

}  // namespace

int RunMatch(const MatchArgs& args) {
  auto engine = OpenEngine(args.db, engine::StaleLists::kOnRead);
  if (!engine.ok()) return Fail(engine.status());
  engine::MatchRequest req;
  req.need_id = args.need;
  req.k = args.k;
  if (!args.kind.empty()) {
    engine::TargetKind kind;
    if (!engine::ParseTargetKind(args.kind, &kind)) {
      return Fail(InvalidArgument("--kind must be supplier or expert"));
    }
    req.kind = kind;
  }
  auto list = (*engine)->matcher()->Match(req);
  if (!list.ok()) return Fail(list.status());
  if (args.json) {
    std::printf("%s\n", MatchListJson(*list, 2).c_str());
    return 0;
  }
  std::printf("need %s -> %s (%zu matches)\n", list->need_id.c_str(),
              std::string(engine::TargetKindName(list->kind)).c_str(), list->items.size());
  std::printf("%-3s %-8s %-6s %-36s %s\n", "#", "id", "score", "name", "reason");
  int rank = 0;
  for (const auto& m : list->items) {
    std::printf("%-3d %-8s %6.3f %-36s %s\n", ++rank, m.id.c_str(), m.explanation.score,
                Clip(m.name, 34).c_str(), m.explanation.reason_vi.c_str());
  }
  return 0;
}

int RunLeads(const LeadsArgs& args) {
  auto engine = OpenEngine(args.db, engine::StaleLists::kNow);
  if (!engine.ok()) return Fail(engine.status());
  auto leads = (*engine)->matcher()->Leads(args.supplier, args.since, static_cast<size_t>(args.k));
  if (!leads.ok()) return Fail(leads.status());
  if (args.json) {
    std::printf("%s\n", LeadListJson(args.supplier, *leads, 2).c_str());
    return 0;
  }
  std::printf("leads for %s (%zu; next --since %s)\n", args.supplier.c_str(), leads->items.size(),
              leads->cursor.c_str());
  std::printf("%-5s %-6s %-6s %-30s %s\n", "seq", "need", "score", "facility", "reason");
  for (const auto& l : leads->items) {
    std::printf("%-5llu %-6s %6.3f %-30s %s\n", static_cast<unsigned long long>(l.seq),
                l.need_id.c_str(), l.score, Clip(l.facility_name, 28).c_str(),
                l.reason_vi.c_str());
  }
  return 0;
}

}  // namespace ketnoi::api
