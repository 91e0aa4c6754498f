// `ketnoi serve`: opens the store, optionally seeds the demo, serves the HTTP
// API until SIGINT/SIGTERM, then drains in-flight requests and flushes.
//
// Signals are blocked in every thread (the mask is set before any thread
// starts) and taken synchronously by sigwait() in the main thread, so no
// handler runs in the middle of a request.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api/auth.h"
#include "api/commands.h"
#include "api/server.h"
#include "common/helper_pool.h"
#include "engine/dataset.h"
#include "engine/engine.h"
#include "engine/reference.h"
#include "engine/store.h"

namespace ketnoi::api {
namespace {

int Fail(const std::string& what, int code) {
  std::fprintf(stderr, "ketnoi serve: %s\n", what.c_str());
  return code;
}

// "rate_limits": {"staff": {"per_s": 50, "burst": 100}, ...}: roles admin,
// staff, planner, supplier, anonymous; per_s 0 turns a role's limit off.
Status LoadRateLimits(const std::string& path, const nlohmann::json& j, RateLimits* out) {
  if (!j.is_object()) return InvalidArgument(path + ": 'rate_limits' must be an object");
  for (const auto& [role, limit] : j.items()) {
    RateLimit* target = role == "admin"       ? &out->admin
                        : role == "staff"     ? &out->staff
                        : role == "planner"   ? &out->planner
                        : role == "supplier"  ? &out->supplier
                        : role == "anonymous" ? &out->anonymous
                                              : nullptr;
    if (target == nullptr || !limit.is_object()) {
      return InvalidArgument(path + ": rate_limits: '" + role +
                             "' must be admin, staff, planner, supplier or anonymous, "
                             "with an object {\"per_s\", \"burst\"}");
    }
    for (const auto& [field, value] : limit.items()) {
      if ((field != "per_s" && field != "burst") || !value.is_number() || value.get<double>() < 0) {
        return InvalidArgument(path + ": rate_limits." + role + "." + field +
                               ": expected per_s or burst, a number >= 0");
      }
      (field == "per_s" ? target->per_s : target->burst) = value.get<double>();
    }
  }
  return Status::OK();
}

}  // namespace

// Reads the JSON config file; keys are ServerOptions fields. Unknown keys and
// wrong types are errors naming the key.
Status LoadServeConfig(const std::string& path, ServerOptions* o) {
  std::ifstream in(path);
  if (!in) return InvalidArgument("--config: cannot read " + path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgument(path + ": not a JSON object");
  }
  try {
    for (const auto& [key, value] : j.items()) {
      if (key == "bind") o->bind = value.get<std::string>();
      else if (key == "port") o->port = value.get<int>();
      else if (key == "threads") o->threads = value.get<int>();
      else if (key == "keep_alive_max_count") o->keep_alive_max_count = value.get<size_t>();
      else if (key == "keep_alive_timeout_s") o->keep_alive_timeout_s = value.get<int>();
      else if (key == "read_timeout_s") o->read_timeout_s = value.get<int>();
      else if (key == "write_timeout_s") o->write_timeout_s = value.get<int>();
      else if (key == "listen_backlog") o->listen_backlog = value.get<int>();
      else if (key == "access_log") o->access_log = value.get<bool>();
      else if (key == "search_helpers") o->search_helpers = value.get<bool>();
      else if (key == "anonymous_reads") o->anonymous_reads = value.get<bool>();
      else if (key == "max_json_body_bytes") o->limits.max_json_body_bytes = value.get<size_t>();
      else if (key == "max_jsonl_body_bytes") o->limits.max_jsonl_body_bytes = value.get<size_t>();
      else if (key == "max_json_depth") o->limits.max_json_depth = value.get<int>();
      else if (key == "max_page_size") o->limits.max_page_size = value.get<size_t>();
      else if (key == "backup_dir") o->backup_dir = value.get<std::string>();
      else if (key == "live_rankings") {
        if (!value.is_number_unsigned()) {
          return InvalidArgument(path +
                                 ": live_rankings: expected an integer >= 0 (0: twice the cores)");
        }
        o->live_rankings = value.get<size_t>();
      } else if (key == "rate_limits") {
        if (Status st = LoadRateLimits(path, value, &o->rate_limits); !st.ok()) return st;
      } else return InvalidArgument(path + ": unknown key '" + key + "'");
    }
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgument(path + ": wrong type: " + e.what());
  }
  return Status::OK();
}

namespace {

// With --demo: data/demo imported into an empty store, and an admin key
// created at first start, written to <db>/../demo-admin.key and printed.
// Sets *hint to a curl command to print once the port is known.
Status SeedDemo(engine::Engine* eng, const std::string& db, std::string* hint) {
  engine::Store* store = &eng->store();
  auto first = store->ListFacilities("", 1);
  if (!first.ok()) return first.status();
  if (first->items.empty()) {
    engine::ImportReport report;
    std::string dir = engine::DefaultDataDir() + "/demo";
    Status st = eng->Import(dir, engine::ImportOptions{}, &report);
    for (const auto& e : report.errors) std::fprintf(stderr, "ketnoi serve: %s\n", e.c_str());
    if (!st.ok()) return st.WithPrefix("importing " + dir);
    std::fprintf(stderr, "ketnoi serve: demo data %s\n", report.Summary().c_str());
    first = store->ListFacilities("", 1);
    if (!first.ok()) return first.status();
  }
  std::filesystem::path key_file =
      std::filesystem::absolute(db).lexically_normal().parent_path() / "demo-admin.key";
  KeyStore keys(store);
  auto existing = keys.List();
  if (!existing.ok()) return existing.status();
  std::string example = first->items.empty() ? "F001" : first->items[0].id;
  if (existing->empty()) {
    auto created = keys.Create(Role::kAdmin, "");
    if (!created.ok()) return created.status();
    {
      std::ofstream out(key_file, std::ios::trunc);
      out << created->first << "\n";
    }
    std::filesystem::permissions(key_file, std::filesystem::perms::owner_read |
                                               std::filesystem::perms::owner_write);
    std::printf("ketnoi: demo admin key (saved in %s): %s\n", key_file.c_str(),
                created->first.c_str());
  } else {
    std::printf("ketnoi: demo admin key in %s\n", key_file.c_str());
  }
  *hint = "curl -H \"Authorization: Bearer $(cat " + key_file.string() + ")\" ";
  *hint += "http://127.0.0.1:{port}/v1/facilities/" + example;
  return Status::OK();
}

}  // namespace

int RunServe(const ServeArgs& args) {
  std::string db = args.db.empty() && args.demo ? "var/demo-db" : args.db;
  if (db.empty()) return Fail("--db is required (or --demo)", 2);

  ServerOptions options;
  if (!args.config.empty()) {
    if (Status st = LoadServeConfig(args.config, &options); !st.ok()) return Fail(st.ToString(), 2);
  }
  // Flags given with non-default values override the config file.
  if (args.port != ServeArgs{}.port || args.config.empty()) options.port = args.port;
  if (args.threads != 0) options.threads = args.threads;
  if (args.bind != ServeArgs{}.bind || args.config.empty()) options.bind = args.bind;
  if (args.demo) options.anonymous_reads = true;
  HelperPool::Shared().SetEnabled(options.search_helpers);
  if (options.backup_dir.empty()) {
    options.backup_dir = std::filesystem::absolute(db).lexically_normal().string();
    while (options.backup_dir.size() > 1 && options.backup_dir.back() == '/') {
      options.backup_dir.pop_back();
    }
    options.backup_dir += "-backups";
  }

  if (args.demo) {
    std::error_code ec;  // a failure shows up as the store's open error
    std::filesystem::create_directories(std::filesystem::absolute(db).parent_path(), ec);
  }
  // The engine opens the store, builds the retrievers, the materialised
  // lists (when stale) and the value-chain graph.
  engine::EngineOptions engine_options;
  engine_options.db = db;
  // Lists left stale by an import are recomputed while the server already
  // answers (a stale list that is read is recomputed first; leads say
  // whether they are complete).
  engine_options.stale_lists = engine::StaleLists::kBackground;
  engine_options.live_rankings = options.live_rankings;
  auto eng = engine::Engine::Open(engine_options);
  if (!eng.ok()) return Fail("cannot open the store " + db + ": " + eng.status().ToString(), 1);
  std::string hint;
  if (args.demo) {
    if (Status st = SeedDemo(eng->get(), db, &hint); !st.ok()) return Fail(st.ToString(), 1);
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  KeyStore keys(&(*eng)->store());
  ApiContext ctx;
  ctx.store = &(*eng)->store();
  ctx.engine = eng->get();
  ctx.graph = (*eng)->graph();
  ctx.keys = &keys;
  auto server = HttpServer::Start(options, ctx);
  if (!server.ok()) return Fail(server.status().ToString(), 1);
  std::printf("ketnoi: serving on http://%s:%d\n", options.bind.c_str(), (*server)->port());
  if (options.anonymous_reads) {
    std::printf("ketnoi: demo mode: GET routes are open without a key (read-only)\n");
  }
  if (!hint.empty()) {
    hint.replace(hint.find("{port}"), 6, std::to_string((*server)->port()));
    std::printf("ketnoi: try  %s\n", hint.c_str());
  }
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  std::fprintf(stderr, "ketnoi serve: signal %d: draining in-flight requests\n", sig);
  (*server)->Stop();
  // Saved now, the indexes load at the next start instead of being rebuilt.
  if (Status st = (*eng)->SaveIndexes(); !st.ok()) {
    std::fprintf(stderr, "ketnoi serve: indexes not saved (the next start catches up): %s\n",
                 st.ToString().c_str());
  } else {
    std::fprintf(stderr, "ketnoi serve: indexes saved in %s\n", (*eng)->IndexDir().c_str());
  }
  if (Status st = (*eng)->store().Flush(); !st.ok()) return Fail("flush: " + st.ToString(), 1);
  std::fprintf(stderr, "ketnoi serve: stopped; store flushed\n");
  return 0;
}

}  // namespace ketnoi::api
