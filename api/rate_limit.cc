#include "api/rate_limit.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace ketnoi::api {

const RateLimit& RateLimits::For(Role role) const {
  switch (role) {
    case Role::kAdmin: return admin;
    case Role::kStaff: return staff;
    case Role::kPlanner: return planner;
    case Role::kSupplier: return supplier;
  }
  return staff;
}

namespace {

double Burst(const RateLimit& limit) {
  return limit.burst > 0 ? limit.burst : std::max(1.0, limit.per_s);
}

}  // namespace

void RateLimiter::Evict(Shard& shard, const RateLimit& limit, Clock::time_point now) {
  // A bucket that has refilled to the burst is the same as no bucket. The
  // shard mixes roles, so the current limit is only an estimate of the
  // refill; a bucket dropped early merely starts full again.
  double burst = Burst(limit);
  std::erase_if(shard.buckets, [&](const auto& entry) {
    double idle = std::chrono::duration<double>(now - entry.second.last).count();
    return entry.second.tokens + idle * limit.per_s >= burst;
  });
}

int RateLimiter::Take(std::string_view caller, const RateLimit& limit, Clock::time_point now) {
  if (limit.per_s <= 0) return 0;
  const double burst = Burst(limit);
  // The shard from the high bits; the map inside uses the low ones.
  Shard& shard = shards_[(Hash{}(caller) >> 40) % kShards];
  std::lock_guard lock(shard.mu);
  auto it = shard.buckets.find(caller);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= kMaxPerShard) Evict(shard, limit, now);
    it = shard.buckets.emplace(std::string(caller), Bucket{burst, now}).first;
  }
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  if (elapsed > 0) {
    b.tokens = std::min(burst, b.tokens + elapsed * limit.per_s);
    b.last = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / limit.per_s)));
}

}  // namespace ketnoi::api
