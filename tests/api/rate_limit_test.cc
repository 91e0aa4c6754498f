// Rate limits: the token bucket itself, the config file's "rate_limits",
// and 429 + Retry-After over loopback (per key; per client address without
// a valid key).
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/commands.h"
#include "api/rate_limit.h"
#include "api_fixture.h"

namespace ketnoi::api {
namespace {

using nlohmann::json;
using Clock = RateLimiter::Clock;

TEST(RateLimiter, BurstThenRefillPerCaller) {
  RateLimiter limiter(RateLimits{});
  RateLimit limit{2, 3};  // 2 per second, 3 at once
  Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", limit, t0), 0) << i;
  EXPECT_EQ(limiter.Take("a", limit, t0), 1);  // empty: a token in 0.5 s, said as 1 s
  EXPECT_EQ(limiter.Take("b", limit, t0), 0);  // another caller has its own bucket
  EXPECT_EQ(limiter.Take("a", limit, t0 + std::chrono::milliseconds(400)), 1);
  EXPECT_EQ(limiter.Take("a", limit, t0 + std::chrono::milliseconds(600)), 0);
  EXPECT_NE(limiter.Take("a", limit, t0 + std::chrono::milliseconds(600)), 0);
  // Idle for long: back to the burst, not beyond.
  Clock::time_point later = t0 + std::chrono::seconds(100);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("a", limit, later), 0);
  EXPECT_NE(limiter.Take("a", limit, later), 0);
  // per_s 0: no limit.
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limiter.Take("c", RateLimit{0, 0}, t0), 0);
}

TEST(RateLimiter, ManyCallersStayBounded) {
  RateLimiter limiter(RateLimits{});
  RateLimit limit{1000, 10};
  Clock::time_point t = Clock::now();
  // Each caller takes one token and leaves; the buckets refill in 1 ms, so
  // the shards can drop them.
  for (int i = 0; i < 300000; ++i) {
    t += std::chrono::microseconds(10);
    ASSERT_EQ(limiter.Take("ip:" + std::to_string(i), limit, t), 0);
  }
}

std::string WriteConfig(const std::string& text) {
  std::string path = testing_util::TempPath("config.json");
  std::ofstream(path) << text;
  return path;
}

TEST(RateLimitConfig, ReadFromTheServeConfigFile) {
  ServerOptions o;
  ASSERT_OK(LoadServeConfig(
      WriteConfig(R"({"rate_limits":{"staff":{"per_s":5,"burst":7},"anonymous":{"per_s":0}}})"),
      &o));
  EXPECT_EQ(o.rate_limits.staff.per_s, 5);
  EXPECT_EQ(o.rate_limits.staff.burst, 7);
  EXPECT_EQ(o.rate_limits.anonymous.per_s, 0);
  EXPECT_EQ(o.rate_limits.admin.per_s, 0);  // default: admin keys unlimited
  EXPECT_GT(o.rate_limits.planner.per_s, 100);
  for (const char* bad : {R"({"rate_limits":{"robot":{"per_s":1}}})",
                          R"({"rate_limits":{"staff":{"per_s":-1}}})",
                          R"({"rate_limits":{"staff":{"rate":1}}})",
                          R"({"rate_limits":{"staff":{"per_s":"fast"}}})",
                          R"({"rate_limits":[]})"}) {
    ServerOptions x;
    Status st = LoadServeConfig(WriteConfig(bad), &x);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("rate_limits"), std::string::npos) << st.message();
  }
}

TEST(ServeConfig, LiveRankingsIsACountOfZeroOrMore) {
  ServerOptions o;
  EXPECT_EQ(o.live_rankings, 0u);
  ASSERT_OK(LoadServeConfig(WriteConfig(R"({"live_rankings": 3})"), &o));
  EXPECT_EQ(o.live_rankings, 3u);
  for (const char* bad :
       {R"({"live_rankings": -1})", R"({"live_rankings": 1.5})", R"({"live_rankings": "4"})"}) {
    ServerOptions x;
    Status st = LoadServeConfig(WriteConfig(bad), &x);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(st.message().find("live_rankings"), std::string::npos) << st.message();
  }
}

class RateLimitTest : public testing_util::ApiTest {
 protected:
  void Configure(ServerOptions* options, ApiContext*) override {
    Status st = LoadServeConfig(
        WriteConfig(R"({"rate_limits":{"staff":{"per_s":1,"burst":3},)"
                    R"("anonymous":{"per_s":1,"burst":2}}})"),
        options);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
};

TEST_F(RateLimitTest, KeyOverItsLimitGets429ThenPassesAfterTheWait) {
  auto c = Client(staff_);
  for (int i = 0; i < 3; ++i) {
    auto r = c->Get("/v1/facilities/F1");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << i;
  }
  auto limited = c->Get("/v1/facilities/F1");
  ASSERT_TRUE(limited);
  ASSERT_EQ(limited->status, 429);
  json body = json::parse(limited->body);
  EXPECT_EQ(body["error"]["code"], "rate_limited");
  EXPECT_FALSE(body["error"]["message"].get<std::string>().empty());
  ASSERT_TRUE(limited->has_header("Retry-After"));
  int wait = std::stoi(limited->get_header_value("Retry-After"));
  EXPECT_GE(wait, 1);
  // Another staff key, and other roles, are unaffected.
  std::string other = NewKey(Role::kStaff, "");
  EXPECT_EQ(Client(other)->Get("/v1/facilities/F1")->status, 200);
  EXPECT_EQ(Client(planner_)->Get("/v1/facilities/F1")->status, 200);
  EXPECT_EQ(Client(admin_)->Get("/v1/facilities/F1")->status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(wait * 1000 + 50));
  EXPECT_EQ(c->Get("/v1/facilities/F1")->status, 200);
}

TEST_F(RateLimitTest, FailedKeysAreLimitedByClientAddress) {
  auto bad = Client("kn_0000000000000000_" + std::string(64, '0'));
  EXPECT_EQ(bad->Get("/v1/facilities/F1")->status, 401);
  EXPECT_EQ(bad->Get("/v1/facilities/F1")->status, 401);
  auto r = bad->Get("/v1/facilities/F1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_TRUE(r->has_header("Retry-After"));
  // Valid keys from the same address have their own buckets; health is
  // never limited.
  EXPECT_EQ(Client(staff_)->Get("/v1/facilities/F1")->status, 200);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Client("")->Get("/healthz")->status, 200);
}

}  // namespace
}  // namespace ketnoi::api
