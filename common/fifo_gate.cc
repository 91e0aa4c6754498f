#include "common/fifo_gate.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace ketnoi {
namespace {

// The gates the calling thread holds a pass of (a handful at most).
thread_local std::vector<const FifoGate*> t_held;

}  // namespace

FifoGate::FifoGate(size_t width)
    : width_(width > 0 ? width : 2 * std::max(1u, std::thread::hardware_concurrency())) {}

size_t FifoGate::waiting() const {
  std::lock_guard<std::mutex> l(mu_);
  return queue_.size();
}

void FifoGate::Enter() {
  std::unique_lock<std::mutex> l(mu_);
  if (holders_ < width_ && queue_.empty()) {
    ++holders_;
    return;
  }
  Waiter w;
  queue_.push_back(&w);
  w.cv.wait(l, [&] { return w.admitted; });
  // Leave handed its pass over: holders_ already counts this thread.
}

void FifoGate::Leave() {
  std::lock_guard<std::mutex> l(mu_);
  if (queue_.empty()) {
    --holders_;
    return;
  }
  Waiter* next = queue_.front();
  queue_.pop_front();
  next->admitted = true;
  // Notified under the lock: the waiter's condition variable lives on its
  // stack and must not be destroyed before this call returns.
  next->cv.notify_one();
}

FifoGate::Pass::Pass(FifoGate& gate) {
  if (std::find(t_held.begin(), t_held.end(), &gate) != t_held.end()) return;
  gate.Enter();
  gate_ = &gate;
  t_held.push_back(&gate);
}

FifoGate::Pass::~Pass() {
  if (gate_ == nullptr) return;
  t_held.erase(std::find(t_held.begin(), t_held.end(), gate_));
  gate_->Leave();
}

}  // namespace ketnoi
