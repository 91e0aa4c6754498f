#include "common/fifo_gate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ketnoi {
namespace {

// Waits (at most 10 s) until `done` holds.
template <typename F>
bool WaitFor(F done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(FifoGate, WidthZeroIsTwiceTheCores) {
  FifoGate gate(0);
  EXPECT_EQ(gate.width(), 2 * std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(FifoGate(3).width(), 3u);
}

TEST(FifoGate, NeverMoreHoldersThanItsWidth) {
  for (size_t width : {size_t{1}, size_t{2}, size_t{3}}) {
    FifoGate gate(width);
    std::atomic<int> inside{0}, most{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int round = 0; round < 200; ++round) {
          FifoGate::Pass pass(gate);
          const int now = inside.fetch_add(1) + 1;
          int seen = most.load();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {
          }
          std::this_thread::yield();
          inside.fetch_sub(1);
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_LE(most.load(), static_cast<int>(width)) << "width " << width;
    EXPECT_GE(most.load(), 1);
    EXPECT_EQ(gate.waiting(), 0u);
  }
}

TEST(FifoGate, WaitersPassInTheOrderTheyCame) {
  FifoGate gate(1);
  auto first = std::make_unique<FifoGate::Pass>(gate);
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    // Each waiter is queued before the next one starts.
    threads.emplace_back([&, t] {
      FifoGate::Pass pass(gate);
      std::lock_guard<std::mutex> l(mu);
      order.push_back(t);
    });
    ASSERT_TRUE(WaitFor([&] { return gate.waiting() == static_cast<size_t>(t + 1); }));
  }
  {
    std::lock_guard<std::mutex> l(mu);
    EXPECT_TRUE(order.empty()) << "a waiter passed while the gate was full";
  }
  first.reset();
  for (auto& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(gate.waiting(), 0u);
}

TEST(FifoGate, AFreedPassGoesToTheFirstWaiterNotANewcomer) {
  // Width 1, one holder, one waiter: when the holder leaves and at once
  // asks again, the waiter passes first.
  FifoGate gate(1);
  std::vector<int> order;
  std::mutex mu;
  auto holder = std::make_unique<FifoGate::Pass>(gate);
  std::thread waiter([&] {
    FifoGate::Pass pass(gate);
    std::lock_guard<std::mutex> l(mu);
    order.push_back(1);
  });
  ASSERT_TRUE(WaitFor([&] { return gate.waiting() == 1; }));
  holder.reset();
  {
    FifoGate::Pass again(gate);
    std::lock_guard<std::mutex> l(mu);
    order.push_back(2);
  }
  waiter.join();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(FifoGate, NestedPassesOnOneThreadCountOnce) {
  FifoGate gate(1);
  FifoGate other(1);
  std::thread waiter;
  {
    FifoGate::Pass outer(gate);
    {
      FifoGate::Pass inner(gate);     // would wait forever if it counted again
      FifoGate::Pass another(other);  // another gate is passed on its own
      waiter = std::thread([&] { FifoGate::Pass pass(gate); });
      ASSERT_TRUE(WaitFor([&] { return gate.waiting() == 1; }));
    }
    // The inner scope gave nothing back: the waiter still waits.
    EXPECT_EQ(gate.waiting(), 1u);
  }
  waiter.join();  // the outer scope's end let it pass
  EXPECT_EQ(gate.waiting(), 0u);
  FifoGate::Pass after(gate);
}

}  // namespace
}  // namespace ketnoi
