// Paths a command removes when it is interrupted (Ctrl-C, SIGTERM, SIGHUP,
// or SIGPIPE when the reader of its output goes away), so that a killed
// `ketnoi eval` leaves no temporary store or converted dataset behind.
//
// The first Add() installs handlers for those four signals that only write
// the signal's number to a pipe; a watcher thread reads it, removes every
// registered path (recursively) and ends the process with 128 + signal, as
// the shell reports a process killed by that signal. Paths are removed in
// the order they were added. A signal the process was started ignoring
// (SIGINT in a shell's background job) stays ignored. Meant for command-line runs, not the server
// (which drains on SIGTERM instead).
#pragma once

#include <string>

namespace ketnoi {

class CleanupOnSignal {
 public:
  // Registers `path` (a file or a directory tree) for removal on a signal.
  static void Add(const std::string& path);
  // Unregisters it (the caller removed it, or keeps it).
  static void Forget(const std::string& path);
};

// A temporary path for the length of one scope: registered with
// CleanupOnSignal at construction, removed (recursively) and forgotten when
// the scope ends, however it ends. An empty path does nothing.
class ScopedCleanup {
 public:
  explicit ScopedCleanup(std::string path);
  ~ScopedCleanup();
  ScopedCleanup(const ScopedCleanup&) = delete;
  ScopedCleanup& operator=(const ScopedCleanup&) = delete;

 private:
  std::string path_;
};

}  // namespace ketnoi
