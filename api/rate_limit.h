// RateLimiter: token buckets per caller, one bucket per API key id (or per
// client IP address for requests without a valid key), with a rate and a
// burst per role.
//
// A bucket holds up to `burst` tokens and refills at `per_s` tokens per
// second; each request takes one. An empty bucket refuses the request and
// says how long until a token is back (the Retry-After of the 429).
//
// Thread safety: Take() may be called from every worker at once. Buckets
// live in kShards shards, each with its own mutex, picked by a hash of the
// caller: two requests contend only when their callers share a shard, and
// the critical section is a hash lookup and a few arithmetic operations.
// Memory: a shard holding more than kMaxPerShard buckets drops the ones
// that are full again (idle callers) when a new caller arrives, so a flood
// of client addresses cannot grow it without bound.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/auth.h"

namespace ketnoi::api {

struct RateLimit {
  double per_s = 0;  // tokens added per second; 0: no limit
  double burst = 0;  // bucket size; 0: max(1, per_s)
};

// Limits by role; `anonymous` applies per client IP address to requests
// without a valid key (anonymous demo reads, public routes, failed keys).
// The defaults are far above what a person or an integration does and stop
// only runaway clients; admin keys are not limited.
struct RateLimits {
  RateLimit admin{0, 0};
  RateLimit staff{1000, 2000};
  RateLimit planner{1000, 2000};
  RateLimit supplier{100, 200};
  RateLimit anonymous{100, 200};

  const RateLimit& For(Role role) const;
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimiter(RateLimits limits) : limits_(limits) {}
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes a token from the bucket of `caller` (a key id, or "ip:" + address)
  // under `limit`. Returns 0 when allowed, else the whole seconds (>= 1) to
  // wait before a token is back.
  int Take(std::string_view caller, const RateLimit& limit, Clock::time_point now = Clock::now());

  const RateLimits& limits() const { return limits_; }

  static constexpr size_t kShards = 32;
  static constexpr size_t kMaxPerShard = 4096;

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last{};
  };
  // Transparent hash: lookups by string_view allocate nothing.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct alignas(64) Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket, Hash, std::equal_to<>> buckets;  // GUARDED_BY(mu)
  };
  static void Evict(Shard& shard, const RateLimit& limit, Clock::time_point now);

  const RateLimits limits_;
  std::array<Shard, kShards> shards_;
};

}  // namespace ketnoi::api
