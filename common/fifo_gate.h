// FifoGate: lets at most `width` threads at a time through a section of
// CPU-bound work (a live ranking), the others waiting in arrival order.
//
// A server that takes more requests at once than it has cores would
// otherwise run them all together, each on a share of a core: every
// request then takes about as long as its own work times the number of
// requests in flight, so one heavy request is as slow as all of them.
// Through a gate about as wide as the cores, each runs on (about) a core of
// its own once its turn comes, and its time is its wait (the work of those
// ahead, an average over many requests) plus its own work: a smaller
// spread of latencies, and fewer requests sharing the caches.
//
// A thread already holding a pass of a gate passes it again without waiting
// (nesting counts once), so work that calls itself cannot deadlock.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace ketnoi {

class FifoGate {
 public:
  // At most `width` holders at once; 0: twice the machine's cores (a
  // holder is off its core at times: a page fault, a lock, the scheduler
  // giving the core to the network or the client).
  explicit FifoGate(size_t width);
  FifoGate(const FifoGate&) = delete;
  FifoGate& operator=(const FifoGate&) = delete;

  size_t width() const { return width_; }
  // Threads waiting for a pass now (for metrics).
  size_t waiting() const;

  // Holds a pass for its lifetime: waits until fewer than width() passes
  // are held and every thread that came earlier has one.
  class Pass {
   public:
    explicit Pass(FifoGate& gate);
    ~Pass();
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

   private:
    FifoGate* gate_ = nullptr;  // null: nested, nothing to give back
  };

 private:
  struct Waiter {
    std::condition_variable cv;
    bool admitted = false;
  };
  void Enter();
  void Leave();

  const size_t width_;
  mutable std::mutex mu_;
  size_t holders_ = 0;
  std::deque<Waiter*> queue_;
};

}  // namespace ketnoi
