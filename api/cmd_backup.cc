// `ketnoi backup --db DIR OUT` and `ketnoi restore OUT --db DIR`.
//
// Backup is a RocksDB checkpoint (hard links where possible, a consistent
// point-in-time copy of every column family: records, lists, leads,
// feedback, keys) taken while the store is open by this process. The
// matcher's indexes and the graph are derived from the store and rebuilt at
// the next start, so the checkpoint is the whole backup. Restore copies a
// backup into a new store directory and opens it once to check it.
#include <cstdio>
#include <filesystem>

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

}  // namespace

int RunBackup(const BackupArgs& args) {
  namespace fs = std::filesystem;
  auto ref = engine::ReferenceData::Load(engine::DefaultDataDir());
  if (!ref.ok()) return Fail(ref.status().ToString(), 1);
  if (!args.restore) {
    if (fs::exists(args.out_dir)) return Fail("backup directory " + args.out_dir + " exists", 2);
    auto store = OpenExisting(args.db, ref->get());
    if (!store.ok()) return Fail("cannot open the store " + args.db + ": " + store.status().ToString(), 1);
    if (Status s = (*store)->Flush(); !s.ok()) return Fail(s.ToString(), 1);
    if (Status s = (*store)->Checkpoint(args.out_dir); !s.ok()) return Fail(s.ToString(), 1);
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
