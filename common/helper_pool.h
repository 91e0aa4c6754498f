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

  // Threads that may work on a job: 1 + the helpers (1 when disabled, see
  // SetEnabled).
  size_t Width() const;
  // How many parts to split a job into that could use up to `useful` parts:
  // 1 when Width() is 1 or every thread serves a request (Request), else up
  // to 4 per thread, so that a part held by a thread the system paused is a
  // small share of the job and the others finish the rest.
  size_t Parts(size_t useful) const;

  // Marks the calling thread as serving a request (a live match, a search)
  // for its lifetime; nested scopes on one thread count once. While as many
  // requests are served as there are threads (Width()), every core already
  // has a request's work: Run is a serial loop and Parts() is 1, since
  // splitting would only add hand-offs (a server under load).
  class Request {
   public:
    explicit Request(HelperPool& pool);
    ~Request();
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;

   private:
    HelperPool& pool_;
  };

  // Off: Run calls the parts in order on the caller's thread (for A/B
  // measurements and for callers that want no helper). On by default.
  void SetEnabled(bool on);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace ketnoi
