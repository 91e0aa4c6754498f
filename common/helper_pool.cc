#include "common/helper_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ketnoi {
namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// One Run call. Shared with the helpers that saw it queued: a helper may
// still read `next` after the caller returned, so the job outlives the call.
struct Job {
  Job(size_t n, const std::function<void(size_t)>* fn) : n(n), fn(fn) {}
  const size_t n;
  const std::function<void(size_t)>* fn;  // valid while done < n
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex mu;  // guards error and the wake-up of the caller
  std::condition_variable finished;
  std::exception_ptr error;

  // Takes parts until none is left.
  void Work() {
    for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) {
      try {
        (*fn)(i);
      } catch (...) {
        std::lock_guard<std::mutex> l(mu);
        if (!error) error = std::current_exception();
      }
      if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == n) {
        std::lock_guard<std::mutex> l(mu);
        finished.notify_all();
      }
    }
  }
};

}  // namespace

struct HelperPool::Impl {
  std::atomic<size_t> requests{0};  // threads inside a Request scope
  std::mutex mu;
  std::condition_variable wake;
  std::deque<std::shared_ptr<Job>> queue;  // jobs that may have parts left
  size_t idle = 0;
  bool stop = false;
  std::atomic<bool> enabled{true};
  std::vector<std::thread> threads;

  // How long an idle helper watches the queue before sleeping.
  static constexpr std::chrono::microseconds kSpin{200};
  std::atomic<size_t> queued{0};  // queue.size(), read without the lock

  void Push(std::shared_ptr<Job> job) {
    queue.push_back(std::move(job));
    queued.store(queue.size(), std::memory_order_relaxed);
  }
  void Remove(const std::shared_ptr<Job>& job) {
    auto it = std::find(queue.begin(), queue.end(), job);
    if (it != queue.end()) queue.erase(it);
    queued.store(queue.size(), std::memory_order_relaxed);
  }

  void Loop() {
    std::unique_lock<std::mutex> l(mu);
    for (;;) {
      if (queue.empty() && !stop) {
        // The parts of one request come in quick succession (a search's
        // two sides, a walk's halves, a ranking's halves): a helper that
        // just finished watches the queue for a short while before
        // sleeping, so the next job does not wait for a wake-up.
        // It yields the core while watching: a thread the system has to
        // run (another request's worker) runs at once.
        l.unlock();
        const auto until = std::chrono::steady_clock::now() + kSpin;
        for (unsigned i = 1; queued.load(std::memory_order_relaxed) == 0; ++i) {
          CpuRelax();
          if (i % 16 == 0) {
            if (std::chrono::steady_clock::now() > until) break;
            std::this_thread::yield();
          }
        }
        l.lock();
      }
      ++idle;
      wake.wait(l, [&] { return stop || !queue.empty(); });
      --idle;
      if (stop) return;
      std::shared_ptr<Job> job = queue.front();
      l.unlock();
      job->Work();
      l.lock();
      Remove(job);  // no part left: later helpers need not look at it
    }
  }
};

HelperPool::HelperPool(size_t helpers) : impl_(new Impl) {
  for (size_t i = 0; i < helpers; ++i) impl_->threads.emplace_back([this] { impl_->Loop(); });
}

HelperPool::~HelperPool() {
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->stop = true;
  }
  impl_->wake.notify_all();
  for (auto& t : impl_->threads) t.join();
  delete impl_;
}

HelperPool& HelperPool::Shared() {
  static HelperPool pool(std::max(1u, std::thread::hardware_concurrency()) - 1);
  return pool;
}

size_t HelperPool::Width() const {
  return impl_->enabled.load(std::memory_order_relaxed) ? 1 + impl_->threads.size() : 1;
}

namespace {
thread_local size_t t_request_depth = 0;
}  // namespace

HelperPool::Request::Request(HelperPool& pool) : pool_(pool) {
  if (t_request_depth++ == 0) pool_.impl_->requests.fetch_add(1, std::memory_order_relaxed);
}

HelperPool::Request::~Request() {
  if (--t_request_depth == 0) pool_.impl_->requests.fetch_sub(1, std::memory_order_relaxed);
}

size_t HelperPool::Parts(size_t useful) const {
  const size_t width = Width();
  if (width == 1 || impl_->requests.load(std::memory_order_relaxed) >= width) return 1;
  return std::max<size_t>(1, std::min(useful, 4 * width));
}

void HelperPool::SetEnabled(bool on) { impl_->enabled.store(on); }

void HelperPool::Run(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  if (n == 1 || Parts(n) == 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  auto job = std::make_shared<Job>(n, &fn);
  size_t notify;
  {
    // Queued even when no helper is idle now: one that finishes its own
    // part of another job looks here before sleeping.
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->Push(job);
    notify = std::min(impl_->idle, n - 1);
  }
  if (notify == 1) impl_->wake.notify_one();
  if (notify > 1) impl_->wake.notify_all();
  job->Work();
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    impl_->Remove(job);
  }
  std::unique_lock<std::mutex> l(job->mu);
  job->finished.wait(l, [&] { return job->done.load(std::memory_order_acquire) == n; });
  if (job->error) std::rethrow_exception(job->error);
}

}  // namespace ketnoi
