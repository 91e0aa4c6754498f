#include "api/backup.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <mutex>

#include "engine/engine.h"
#include "engine/store.h"

namespace ketnoi::api {
namespace {

namespace fs = std::filesystem;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

// One backup at a time per process: two checkpoints at once would only
// compete for the disk, and names are checked then claimed under it.
std::mutex g_backup_mu;

}  // namespace

Status CheckBackupName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 100 && IsNameChar(name[0]) && name[0] != '.' &&
            name[0] != '-' && name[0] != '_';
  for (char c : name) ok = ok && IsNameChar(c);
  if (!ok) {
    return InvalidArgument("backup name '" + std::string(name.substr(0, 120)) +
                           "' must be one directory name: 1-100 letters, digits, '.', '_' or "
                           "'-', starting with a letter or digit (no '/' and no '..')");
  }
  return Status::OK();
}

std::string DefaultBackupName() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "backup-%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

StatusOr<BackupResult> WriteBackup(engine::Store& store, engine::Engine* engine,
                                   const std::string& root, const std::string& name) {
  if (Status s = CheckBackupName(name); !s.ok()) return s;
  std::unique_lock lock(g_backup_mu, std::try_to_lock);
  if (!lock.owns_lock()) return FailedPrecondition("another backup is being written; try again");
  auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  fs::path base = fs::absolute(root, ec).lexically_normal();
  if (ec) return IOError("backup directory " + root + ": " + ec.message());
  fs::create_directories(base, ec);
  if (ec) return IOError("cannot create the backup directory " + base.string() + ": " + ec.message());
  fs::path target = base / name;
  if (fs::exists(target)) return AlreadyExists("backup '" + name + "' exists in " + base.string());
  fs::path staging = base / (".partial-" + name);
  fs::path staging_index = base / (".partial-" + name + ".index");
  fs::remove_all(staging, ec);  // left by a crash during an earlier try
  fs::remove_all(staging_index, ec);
  auto cleanup = [&] {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    fs::remove_all(staging_index, ignored);
  };

  BackupResult result;
  if (engine != nullptr) {
    // Indexes first: the checkpoint taken after them is at least as new,
    // and the restored engine catches the indexes up from the store.
    Status saved = engine->SaveIndexes(staging_index.string());
    result.indexes = saved.ok();
    if (!saved.ok()) result.index_note = saved.ToString();
  } else {
    result.index_note = "no engine: store only";
  }
  if (Status s = store.Checkpoint(staging.string()); !s.ok()) {
    cleanup();
    return s;
  }
  if (result.indexes) {
    fs::rename(staging_index, staging / "index", ec);
    if (ec) {
      cleanup();
      return IOError("moving the saved indexes into the backup: " + ec.message());
    }
  }
  fs::rename(staging, target, ec);
  if (ec) {
    cleanup();
    return IOError("naming the backup " + target.string() + ": " + ec.message());
  }
  result.path = target.string();
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace ketnoi::api
