#include "common/cleanup_on_signal.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace ketnoi {
namespace {

struct Registry {
  std::mutex mu;
  std::vector<std::string> paths;
};

Registry& TheRegistry() {
  static auto* r = new Registry;  // never destroyed: the watcher may outlive main
  return *r;
}

int g_pipe[2] = {-1, -1};

void OnSignal(int sig) {
  // Only async-signal-safe work here: hand the signal to the watcher.
  const unsigned char b = static_cast<unsigned char>(sig);
  const int saved = errno;
  [[maybe_unused]] ssize_t n = ::write(g_pipe[1], &b, 1);
  errno = saved;
}

// The other threads run on while the watcher removes: a store being opened
// or flushed creates files in the directory as it goes, so one remove_all
// can find the directory not empty at its end. The directory is first renamed
// away (files then created by path fail instead of landing in it), and the
// removal is retried until the path and the renamed copy are gone (a writer
// that creates its directories anew brings the path back: removed again).
void RemoveWhileOthersWrite(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string away = path + ".removing";
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::error_code ec;
    if (fs::exists(path, ec)) {
      fs::rename(path, away, ec);
      if (ec) fs::remove_all(path, ec);
    }
    ec.clear();
    fs::remove_all(away, ec);
    std::error_code e1, e2;
    if (!fs::exists(path, e1) && !e1 && !fs::exists(away, e2) && !e2) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Watch() {
  unsigned char sig = 0;
  while (true) {
    const ssize_t n = ::read(g_pipe[0], &sig, 1);
    if (n == 1) break;
    if (n < 0 && errno == EINTR) continue;
    return;  // the pipe is gone: nothing to watch
  }
  {
    Registry& r = TheRegistry();
    std::lock_guard lock(r.mu);
    for (const std::string& p : r.paths) RemoveWhileOthersWrite(p);
  }
  ::_exit(128 + sig);
}

void InstallOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (::pipe2(g_pipe, O_CLOEXEC) != 0) return;
    std::thread(Watch).detach();
    struct sigaction sa = {};
    sa.sa_handler = OnSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) {
      // A signal the process was started ignoring stays ignored (a shell
      // starts background jobs with SIGINT ignored, so Ctrl-C spares them).
      struct sigaction old = {};
      if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

}  // namespace

void CleanupOnSignal::Add(const std::string& path) {
  InstallOnce();
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mu);
  r.paths.push_back(path);
}

ScopedCleanup::ScopedCleanup(std::string path) : path_(std::move(path)) {
  if (!path_.empty()) CleanupOnSignal::Add(path_);
}

ScopedCleanup::~ScopedCleanup() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
  CleanupOnSignal::Forget(path_);
}

void CleanupOnSignal::Forget(const std::string& path) {
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mu);
  r.paths.erase(std::remove(r.paths.begin(), r.paths.end(), path), r.paths.end());
}

}  // namespace ketnoi
