// Subcommands not built yet. Each moves to its own cmd_*.cc when it is
// implemented; until then it says so and exits with status 1.
#include <cstdio>

#include "api/commands.h"

namespace ketnoi::api {
namespace {
int NotYet(const char* name) {
  std::fprintf(stderr, "ketnoi %s: not available in this build yet\n", name);
  return 1;
}
}  // namespace

int RunBackup(const BackupArgs&) { return NotYet("backup"); }

}  // namespace ketnoi::api
