// Runs independent jobs on a few threads: the calling thread works too, and
// each job index is taken once from a shared counter (uneven jobs balance).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace ketnoi {

// Calls fn(i) for every i in [0, n), on at most `max_threads` threads (and
// no more than the machine's cores, nor than n). fn must be thread-safe.
template <typename Fn>
void ParallelFor(size_t n, size_t max_threads, const Fn& fn) {
  const size_t threads = std::max<size_t>(
      1, std::min({static_cast<size_t>(std::thread::hardware_concurrency()), max_threads, n}));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace ketnoi
