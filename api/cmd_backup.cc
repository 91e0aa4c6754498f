// `ketnoi backup --db DIR OUT`, `ketnoi backup --server URL --key K [NAME]`
// and `ketnoi restore OUT --db DIR`.
//
// Backup is a RocksDB checkpoint (hard links where possible, a consistent
// point-in-time copy of every column family: records, lists, leads,
// feedback, keys) plus the saved indexes (index/). With --db the store must
// not be open elsewhere (RocksDB allows one process): the checkpoint is
// taken by this process and <db>/index, when present, is copied. With
// --server the running server writes the backup itself (POST
// /v1/admin/backup, api/backup.h) while it goes on serving and writing.
// The graph is derived from the store and rebuilt at the next start.
// Restore copies a backup into a new store directory and opens it once to
// check it.
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api/commands.h"
#include "engine/reference.h"
#include "engine/store.h"

namespace ketnoi::api {
namespace {

int Fail(const std::string& what, int code) {
  std::fprintf(stderr, "ketnoi: %s\n", what.c_str());
  return code;
}

StatusOr<std::unique_ptr<engine::Store>> OpenExisting(const std::string& dir,
                                                      const engine::ReferenceData* ref) {
  engine::StoreOptions o;
  o.path = dir;
  o.create_if_missing = false;
  o.reference = ref;
  return engine::Store::Open(o);
}

// The admin key: --key, else --key-file, else $KETNOI_KEY.
std::string AdminKey(const BackupArgs& args) {
  if (!args.key.empty()) return args.key;
  if (!args.key_file.empty()) {
    std::ifstream in(args.key_file);
    std::string key;
    in >> key;
    return key;
  }
  const char* env = std::getenv("KETNOI_KEY");
  return env != nullptr ? env : "";
}

int RunOnlineBackup(const BackupArgs& args) {
  std::string key = AdminKey(args);
  if (key.empty()) return Fail("--server needs an admin key: --key, --key-file or $KETNOI_KEY", 2);
  httplib::Client client(args.server);
  if (!client.is_valid()) return Fail("--server " + args.server + ": expected http://HOST:PORT", 2);
  client.set_read_timeout(3600, 0);  // a large store takes a while to checkpoint
  client.set_bearer_token_auth(key.c_str());
  nlohmann::json body = nlohmann::json::object();
  if (!args.out_dir.empty()) body["name"] = args.out_dir;
  auto res = client.Post("/v1/admin/backup", body.dump(), "application/json");
  if (!res) {
    return Fail("cannot reach " + args.server + ": " + httplib::to_string(res.error()), 1);
  }
  nlohmann::json answer = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 201) {
    std::string message = answer.is_object() && answer.contains("error")
                              ? answer["error"].value("message", res->body)
                              : res->body;
    return Fail("backup refused (HTTP " + std::to_string(res->status) + "): " + message,
                res->status < 500 ? 2 : 1);
  }
  std::printf("ketnoi: backup written by the server to %s%s\n",
              answer.value("path", std::string("?")).c_str(),
              answer.value("indexes", false) ? " (store and indexes)" : " (store only)");
  return 0;
}

}  // namespace

int RunBackup(const BackupArgs& args) {
  namespace fs = std::filesystem;
  if (!args.restore && !args.server.empty()) return RunOnlineBackup(args);
  if (!args.restore && args.db.empty()) return Fail("backup needs --db DIR or --server URL", 2);
  if (!args.restore && args.out_dir.empty()) return Fail("backup --db needs the backup directory", 2);
  auto ref = engine::ReferenceData::Load(engine::DefaultDataDir());
  if (!ref.ok()) return Fail(ref.status().ToString(), 1);
  if (!args.restore) {
    if (fs::exists(args.out_dir)) return Fail("backup directory " + args.out_dir + " exists", 2);
    auto store = OpenExisting(args.db, ref->get());
    if (!store.ok()) return Fail("cannot open the store " + args.db + ": " + store.status().ToString(), 1);
    if (Status s = (*store)->Flush(); !s.ok()) return Fail(s.ToString(), 1);
    if (Status s = (*store)->Checkpoint(args.out_dir); !s.ok()) return Fail(s.ToString(), 1);
    // The saved indexes (possibly older than the store: the next start
    // catches them up from the store's change log).
    fs::path index = fs::path(args.db) / "index";
    if (fs::is_directory(index)) {
      std::error_code ec;
      fs::copy(index, fs::path(args.out_dir) / "index", fs::copy_options::recursive, ec);
      if (ec) return Fail("copying the indexes " + index.string() + ": " + ec.message(), 1);
    }
    std::printf("ketnoi: backup of %s written to %s\n", args.db.c_str(), args.out_dir.c_str());
    return 0;
  }
  // Restore: args.out_dir is the backup, args.db the new store directory.
  if (!fs::exists(args.out_dir)) return Fail("no backup at " + args.out_dir, 2);
  if (fs::exists(args.db)) return Fail("store directory " + args.db + " exists; restore into a new one", 2);
  {
    auto check = OpenExisting(args.out_dir, ref->get());
    if (!check.ok()) return Fail(args.out_dir + " is not a usable backup: " + check.status().ToString(), 2);
  }
  std::error_code ec;
  fs::copy(args.out_dir, args.db, fs::copy_options::recursive, ec);
  if (ec) return Fail("copying " + args.out_dir + " to " + args.db + ": " + ec.message(), 1);
  auto restored = OpenExisting(args.db, ref->get());
  if (!restored.ok()) return Fail("restored store does not open: " + restored.status().ToString(), 1);
  std::printf("ketnoi: %s restored into %s\n", args.out_dir.c_str(), args.db.c_str());
  return 0;
}

}  // namespace ketnoi::api
