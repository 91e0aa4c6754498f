#include "common/helper_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ketnoi {
namespace {

TEST(HelperPool, EveryPartRunsOnce) {
  HelperPool pool(3);
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{7}, size_t{1000}}) {
    std::vector<std::atomic<int>> runs(n);
    pool.Run(n, [&](size_t i) { runs[i].fetch_add(1); });
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(runs[i].load(), 1) << n << " " << i;
  }
}

TEST(HelperPool, IdleHelpersTakeParts) {
  // Two parts that each wait for the other to start can only finish when a
  // helper runs one of them while the caller runs the other.
  HelperPool pool(1);
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> started{0};
    std::set<std::thread::id> threads;
    std::mutex mu;
    pool.Run(2, [&](size_t) {
      started.fetch_add(1);
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (started.load() < 2 && std::chrono::steady_clock::now() < until) {
        std::this_thread::yield();
      }
      std::lock_guard<std::mutex> l(mu);
      threads.insert(std::this_thread::get_id());
    });
    EXPECT_EQ(started.load(), 2);
    EXPECT_EQ(threads.size(), 2u) << "round " << round;
  }
}

TEST(HelperPool, DisabledRunsInOrderOnTheCaller) {
  HelperPool pool(2);
  EXPECT_EQ(pool.Width(), 3u);
  pool.SetEnabled(false);
  EXPECT_EQ(pool.Width(), 1u);
  std::vector<size_t> order;
  pool.Run(50, [&](size_t i) {
    order.push_back(i);  // no lock: one thread
  });
  ASSERT_EQ(order.size(), 50u);
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
  const auto caller = std::this_thread::get_id();
  pool.Run(10, [&](size_t) { EXPECT_EQ(std::this_thread::get_id(), caller); });
}

TEST(HelperPool, AsManyRequestsAsThreadsMakeJobsSerial) {
  HelperPool pool(1);  // two threads: the caller and one helper
  EXPECT_EQ(pool.Parts(100), 8u);
  EXPECT_EQ(pool.Parts(3), 3u);
  EXPECT_EQ(pool.Parts(0), 1u);
  {
    HelperPool::Request mine(pool);
    HelperPool::Request nested(pool);  // the same thread counts once
    EXPECT_EQ(pool.Parts(100), 8u);
    std::mutex mu;
    std::condition_variable cv;
    bool entered = false, leave = false;
    std::thread other([&] {
      HelperPool::Request theirs(pool);
      std::unique_lock<std::mutex> l(mu);
      entered = true;
      cv.notify_all();
      cv.wait(l, [&] { return leave; });
    });
    {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return entered; });
    }
    // Two requests on two threads: no part goes to the helper.
    EXPECT_EQ(pool.Parts(100), 1u);
    const auto caller = std::this_thread::get_id();
    std::vector<size_t> order;
    pool.Run(6, [&](size_t i) {
      EXPECT_EQ(std::this_thread::get_id(), caller);
      order.push_back(i);
    });
    EXPECT_EQ(order, (std::vector<size_t>{0, 1, 2, 3, 4, 5}));
    {
      std::lock_guard<std::mutex> l(mu);
      leave = true;
    }
    cv.notify_all();
    other.join();
    EXPECT_EQ(pool.Parts(100), 8u);
  }
  EXPECT_EQ(pool.Parts(100), 8u);
}

TEST(HelperPool, NoHelpersIsASerialLoop) {
  HelperPool pool(0);
  EXPECT_EQ(pool.Width(), 1u);
  size_t sum = 0;
  pool.Run(100, [&](size_t i) { sum += i; });
  EXPECT_EQ(sum, 4950u);
}

TEST(HelperPool, NestedJobsAndManyCallersFinish) {
  // Callers on several threads, each part running a job of its own: every
  // inner part runs once and nothing waits forever.
  HelperPool pool(2);
  std::atomic<size_t> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        pool.Run(3, [&](size_t) { pool.Run(4, [&](size_t) { total.fetch_add(1); }); });
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(total.load(), 4u * 50 * 3 * 4);
}

TEST(HelperPool, AnExceptionReachesTheCallerAfterEveryPart) {
  HelperPool pool(1);
  std::atomic<int> runs{0};
  EXPECT_THROW(pool.Run(8,
                        [&](size_t i) {
                          runs.fetch_add(1);
                          if (i == 3) throw std::runtime_error("part 3");
                        }),
               std::runtime_error);
  EXPECT_EQ(runs.load(), 8);
  // The pool still works.
  std::atomic<int> after{0};
  pool.Run(5, [&](size_t) { after.fetch_add(1); });
  EXPECT_EQ(after.load(), 5);
}

}  // namespace
}  // namespace ketnoi
