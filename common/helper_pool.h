// HelperPool: a few long-lived threads that help one caller finish the parts
// of a job (e.g. the halves of a posting walk) when they are idle.
//
// Run(n, fn) calls fn(i) once for each i in [0, n). The caller works on the
// job itself, taking part indices from a shared counter; helpers that are
// idle, or become idle while parts are left, take indices from the same
// counter. So a job never waits for a helper to become free: when every
// helper is busy (a server answering many requests at once), the caller does
// all the parts and the job costs what the serial loop costs plus a queue
// push. Run returns when every fn(i) has returned.
//
// Jobs may nest (a part may Run a job of its own): a thread only ever waits
// for parts that another thread has already started, so nesting cannot
// deadlock.
//
// Thread safety: Run may be called from any number of threads at once.
#pragma once

#include <cstddef>
#include <functional>

namespace ketnoi {

class HelperPool {
 public:
  // A pool of `helpers` threads (0: Run is a serial loop).
  explicit HelperPool(size_t helpers);
  ~HelperPool();
  HelperPool(const HelperPool&) = delete;
  HelperPool& operator=(const HelperPool&) = delete;

  // The process's pool: one helper fewer than the machine's cores, started
  // on first use.
  static HelperPool& Shared();

  // Calls fn(i) for every i in [0, n). An exception thrown by fn is
  // rethrown here (the first one) after every part has finished.
  void Run(size_t n, const std::function<void(size_t)>& fn);

  // Parts worth splitting a job into now: 1 + the helpers allowed to help
  // (see SetEnabled), at least 1.
  size_t Width() const;

  // Off: Run calls the parts in order on the caller's thread (for A/B
  // measurements and for callers that want no helper). On by default.
  void SetEnabled(bool on);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace ketnoi
