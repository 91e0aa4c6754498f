// The server's operation: concurrent readers and writers, graceful shutdown
// with a request in flight, a taken port, metrics and health.
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/metrics.h"
#include "api/routes.h"
#include "api_fixture.h"

namespace ketnoi::api {
namespace {

using nlohmann::json;
using testing_util::ApiTest;
using testing_util::FacilityJson;

class ServerTest : public ApiTest {};

TEST_F(ServerTest, HealthNeedsNoKey) {
  auto res = Client("")->Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["status"], "ok");
}

TEST_F(ServerTest, SecondServerOnTheSamePortFails) {
  ServerOptions options;
  options.port = server_->port();
  options.access_log = false;
  ApiContext ctx;
  ctx.store = store_.get();
  ctx.keys = keys_.get();
  auto second = HttpServer::Start(options, ctx);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ServerTest, MetricsCountRequestsByRouteAndStatus) {
  auto c = Client(admin_);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(c->Get("/v1/facilities/F1")->status, 200);
  ASSERT_EQ(c->Get("/v1/facilities/NOPE")->status, 404);
  ASSERT_EQ(c->Get("/nowhere")->status, 404);
  // A request is counted after its response is written (the server's
  // logger hook), so the last ones may not be counted yet when their
  // answers arrive: read until they are, for at most a few seconds.
  const std::vector<std::string> expected = {
      "ketnoi_http_requests_total{route=\"GET /v1/facilities/{id}\",status=\"200\"} 3",
      "ketnoi_http_requests_total{route=\"GET /v1/facilities/{id}\",status=\"404\"} 1",
      "ketnoi_http_requests_total{route=\"unmatched\",status=\"404\"} 1",
      "ketnoi_http_request_duration_seconds_bucket{route=\"GET /v1/facilities/{id}\",le=\"+Inf\"} 4",
  };
  auto all_counted = [&](const std::string& body) {
    for (const auto& line : expected) {
      if (body.find(line) == std::string::npos) return false;
    }
    return true;
  };
  auto res = c->Get("/metrics");
  for (int i = 0; i < 100 && res && res->status == 200 && !all_counted(res->body); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    res = c->Get("/metrics");
  }
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const std::string& m = res->body;
  for (const auto& line : expected) EXPECT_NE(m.find(line), std::string::npos) << line << "\n" << m;
  EXPECT_NE(m.find("# TYPE ketnoi_store_size_bytes gauge"), std::string::npos);
}

// Writers replace their own facilities with increasing versions while
// readers read them; every answer is whole (parses, has the right id) and
// the last acknowledged version of each facility is what is stored.
TEST_F(ServerTest, ConcurrentReadersAndWriters) {
  constexpr int kWriters = 4, kReaders = 4, kVersions = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto c = Client(staff_);
      std::string id = "FW" + std::to_string(w);
      if (c->Post("/v1/facilities", FacilityJson(id, "NW" + std::to_string(w)), "application/json")
              ->status != 201) {
        ++failures;
      }
      for (int v = 1; v <= kVersions; ++v) {
        json f = json::parse(FacilityJson(id, "NW" + std::to_string(w)));
        f["employees"] = v;
        auto r = c->Put(("/v1/facilities/" + id).c_str(), f.dump(), "application/json");
        if (!r || r->status != 200) ++failures;
      }
    });
  }
  std::atomic<bool> done{false};
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      auto c = Client(planner_);
      int i = 0;
      while (!done) {
        std::string id = "FW" + std::to_string((r + i++) % kWriters);
        auto res = c->Get(("/v1/facilities/" + id).c_str());
        if (!res || (res->status != 200 && res->status != 404)) {
          ++failures;
          continue;
        }
        if (res->status == 200) {
          json f = json::parse(res->body, nullptr, false);
          if (f.is_discarded() || f["id"] != id) ++failures;
        }
      }
    });
  }
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  done = true;
  for (size_t t = kWriters; t < threads.size(); ++t) threads[t].join();
  EXPECT_EQ(failures.load(), 0);
  for (int w = 0; w < kWriters; ++w) {
    auto f = store_->GetFacility("FW" + std::to_string(w));
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->employees.value_or(0), kVersions);
  }
}

TEST_F(ServerTest, ConcurrentCreatesOfOneIdOneWins) {
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      auto r = Client(staff_)->Post("/v1/facilities", FacilityJson("FC", "NC"), "application/json");
      if (r && r->status == 201) ++created;
      if (r && r->status == 409) ++conflicts;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), 5);
}

// A route that takes a while: Stop() must let it finish and answer.
class ShutdownTest : public ApiTest {
 protected:
  void Configure(ServerOptions* options, ApiContext* ctx) override {
    routes_ = Routes();
    routes_.push_back({Method::kGet, "/test/slow", kPublic, BodyKind::kNone,
                       [this](const ApiContext&, const ApiRequest&) {
                         entered_ = true;
                         std::this_thread::sleep_for(std::chrono::milliseconds(400));
                         return JsonReply(200, R"({"slow":true})");
                       },
                       "slow test route"});
    ctx->routes = &routes_;
  }
  std::vector<Route> routes_;
  std::atomic<bool> entered_{false};
};

TEST_F(ShutdownTest, InFlightRequestIsAnsweredThenNewOnesRefused) {
  int port = server_->port();
  int slow_status = -1;
  std::string slow_body;
  std::thread t([&] {
    httplib::Client c("127.0.0.1", port);
    if (auto res = c.Get("/test/slow")) {
      slow_status = res->status;
      slow_body = res->body;
    }
  });
  while (!entered_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  t.join();
  EXPECT_EQ(slow_status, 200) << "in-flight request dropped";
  EXPECT_EQ(slow_body, R"({"slow":true})");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  httplib::Client late("127.0.0.1", port);
  late.set_connection_timeout(1, 0);
  EXPECT_FALSE(late.Get("/healthz")) << "server still accepting after Stop()";
}

TEST(MetricsText, EscapesLabelValues) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  Metrics m({"GET /x"});
  m.Record(0, 200, 0.002);
  m.Record(0, 200, 7.0);
  m.Record(1, 404, 0.0001);
  std::string text = m.Render({{"ketnoi_test_gauge", "A gauge.", 1.5}});
  EXPECT_NE(text.find("ketnoi_http_request_duration_seconds_bucket{route=\"GET /x\",le=\"0.0025\"} 1"),
            std::string::npos) << text;
  EXPECT_NE(text.find("ketnoi_http_request_duration_seconds_bucket{route=\"GET /x\",le=\"5\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("ketnoi_http_request_duration_seconds_bucket{route=\"GET /x\",le=\"+Inf\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("ketnoi_http_requests_total{route=\"unmatched\",status=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("ketnoi_test_gauge 1.5\n"), std::string::npos);
  EXPECT_EQ(m.Count(0, 200), 2u);
}

}  // namespace
}  // namespace ketnoi::api

namespace ketnoi::api {
namespace {

// `serve --demo`: GET routes open to planners answer without a key; writes,
// /metrics and wrong keys still do not.
class AnonymousReadsTest : public testing_util::ApiTest {
 protected:
  void Configure(ServerOptions* options, ApiContext*) override { options->anonymous_reads = true; }
};

TEST_F(AnonymousReadsTest, ReadOnlyWithoutKey) {
  auto c = Client("");
  EXPECT_EQ(c->Get("/v1/facilities/F1")->status, 200);
  EXPECT_EQ(c->Get("/v1/suppliers")->status, 200);
  EXPECT_EQ(c->Get("/metrics")->status, 401);
  EXPECT_EQ(c->Post("/v1/facilities", testing_util::FacilityJson("F8", "N8"), "application/json")
                ->status,
            401);
  EXPECT_EQ(c->Delete("/v1/facilities/F1")->status, 401);
  EXPECT_EQ(Client("kn_bad")->Get("/v1/facilities/F1")->status, 401);
}

}  // namespace
}  // namespace ketnoi::api
