// Online backups of a running store: a RocksDB checkpoint (a consistent
// point-in-time copy of every column family, hard links where the
// filesystem allows, taken while writes go on) plus the matcher's saved
// indexes, under a backup root directory.
//
// Layout of a backup ROOT/NAME: the checkpoint's files, and index/ with the
// saved indexes when an engine is given (`ketnoi restore` copies both; the
// restored engine loads the indexes and catches up from the store's change
// log, or rebuilds when they are missing). The indexes are saved before the
// checkpoint, so they are never newer than the store they come with.
//
// A backup is written under ROOT/.partial-NAME and renamed to ROOT/NAME at
// the end: ROOT/NAME is complete or absent.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace ketnoi::engine {
class Engine;
class Store;
}  // namespace ketnoi::engine

namespace ketnoi::api {

// OK when `name` is one directory name: 1-100 characters of letters,
// digits, '.', '_' and '-', starting with a letter or digit (so no "..", no
// '/', no hidden names). InvalidArgument otherwise.
Status CheckBackupName(std::string_view name);

// "backup-20261127T071700Z" from the current UTC time.
std::string DefaultBackupName();

struct BackupResult {
  std::string path;      // absolute path of the backup directory
  bool indexes = false;  // whether index/ was saved with it
  std::string index_note;  // why not, when !indexes and an engine was given
  double seconds = 0;
};

// Writes ROOT/NAME (ROOT is created when missing). `engine` may be null
// (store only). InvalidArgument for a bad name, AlreadyExists when ROOT/NAME
// exists, FailedPrecondition when another backup is being written by this
// process (one at a time). Thread safety: callable from any thread while
// the store serves reads and writes.
StatusOr<BackupResult> WriteBackup(engine::Store& store, engine::Engine* engine,
                                   const std::string& root, const std::string& name);

}  // namespace ketnoi::api
