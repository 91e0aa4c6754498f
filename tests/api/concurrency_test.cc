// The engine under concurrent HTTP writes, matching and graph reads, and a
// rebuild swapped in while readers hold the old matcher. Every answer is
// whole, and afterwards the indexes, lists and graph agree with the store.
// Named "Concurrent*": ctest labels it "concurrency" and scripts/test --tsan
// runs it under ThreadSanitizer.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/auth.h"
#include "api/server.h"
#include "api_fixture.h"
#include "engine/engine.h"
#include "engine/store.h"

namespace ketnoi::api {
namespace {

using nlohmann::json;

class ConcurrentEngineTest : public testing::Test {
 protected:
  void SetUp() override {
    engine::EngineOptions o;
    db_ = (std::filesystem::path(testing::TempDir()) /
           ("ketnoi_api_concurrency_db_" + std::to_string(::getpid())))
              .string();
    std::filesystem::remove_all(db_);
    o.db = db_;
    auto e = engine::Engine::Open(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
    engine::ImportReport report;
    ASSERT_OK(engine_->Import(std::string(KETNOI_DATA_DIR) + "/demo", {}, &report));
    keys_ = std::make_unique<KeyStore>(&engine_->store());
    admin_ = keys_->Create(Role::kAdmin, "").value().first;
    ServerOptions options;
    options.port = 0;
    options.threads = 16;
    options.access_log = false;
    ApiContext ctx;
    ctx.store = &engine_->store();
    ctx.engine = engine_.get();
    ctx.graph = engine_->graph();
    ctx.keys = keys_.get();
    auto server = HttpServer::Start(options, ctx);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    keys_.reset();
    engine_.reset();
    std::filesystem::remove_all(db_);
  }

  std::unique_ptr<httplib::Client> Client() {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    c->set_read_timeout(600, 0);  // ThreadSanitizer on a busy machine: seconds per write
    c->set_bearer_token_auth(admin_.c_str());
    return c;
  }

  // Ids of a search for `text` (k = 10, no score floor).
  static std::vector<std::string> SearchIds(httplib::Client* c, const std::string& text) {
    auto r = c->Post("/v1/search", json{{"text", text}, {"k", 10}, {"min_score", 0}}.dump(),
                     "application/json");
    std::vector<std::string> ids;
    if (!r || r->status != 200) return {"<HTTP error>"};
    json body = json::parse(r->body, nullptr, false);
    if (body.is_discarded()) return {"<bad JSON>"};
    for (const auto& m : body["matches"]) ids.push_back(m["id"].get<std::string>());
    return ids;
  }

  std::string db_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<KeyStore> keys_;
  std::unique_ptr<HttpServer> server_;
  std::string admin_;
};

// A word no record of the demo data holds: w = writer, i = iteration.
std::string Token(int w, int i) {
  static const char* kSyllables[] = {"ka", "zo", "vu", "xi", "qe", "ru", "pa", "lo", "mi", "te"};
  std::string t = "zq";
  for (int x : {w, i / 100, (i / 10) % 10, i % 10}) t += kSyllables[x];
  return t;
}

TEST_F(ConcurrentEngineTest, ConcurrentWritesSearchesAndGraphReads) {
  constexpr int kWriters = 2, kReaders = 3, kRounds = 4;  // round 3 deletes round 2
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto c = Client();
      for (int i = 0; i < kRounds; ++i) {
        std::string sid = "CS" + std::to_string(w) + "_" + std::to_string(i);
        std::string fid = "CF" + std::to_string(w) + "_" + std::to_string(i);
        json s = {{"id", sid}, {"name", "Cơ khí " + sid}, {"province", "Hà Nội"},
                  {"serves", {"toàn quốc"}}, {"lang", "vi"},
                  {"text", "Chế tạo máy sấy chè băng tải, mã " + Token(w, i) + "."}};
        json f = {{"id", fid}, {"name", "HTX " + fid}, {"province", "Thái Nguyên"},
                  {"sector", "1076"}, {"products", "Chè"},
                  {"needs", {{{"id", "CN" + std::to_string(w) + "_" + std::to_string(i)},
                              {"kind", "equipment"},
                              {"text", "Cần máy sấy chè " + Token(w, i)}}}}};
        json l = {{"from", fid}, {"to", sid}, {"type", "buys_from"}};
        for (const auto& [path, body] : {std::pair{"/v1/suppliers", s}, {"/v1/facilities", f},
                                          {"/v1/links", l}}) {
          auto r = c->Post(path, body.dump(), "application/json");
          if (!r || r->status != 201) {
            ++failures;
            ADD_FAILURE() << "POST " << path << ": "
                          << (r ? std::to_string(r->status) + " " + r->body : httplib::to_string(r.error()));
          }
        }
        if (i % 4 == 3) {  // delete the supplier of the round before
          std::string gone = "CS" + std::to_string(w) + "_" + std::to_string(i - 1);
          auto r = c->Delete(("/v1/suppliers/" + gone).c_str());
          if (!r || r->status != 204) ++failures;
        }
      }
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      auto c = Client();
      for (int i = 0; !done; ++i) {
        auto get = [&]() -> httplib::Result {
          switch ((r + i) % 5) {
            case 0:
              return c->Post("/v1/search", R"({"text":"máy sấy chè băng tải","k":20})",
                             "application/json");
            case 1: return c->Get("/v1/needs/N001/matches?k=5");
            case 2: return c->Get("/v1/needs/N001/matches?k=5&live=true");
            case 3: return c->Get("/v1/graph/entities/F001/neighbours?direction=upstream&depth=2");
            default: return c->Get("/v1/graph/stats");
          }
        };
        httplib::Result res = get();
        if (!res || res->status != 200 || json::parse(res->body, nullptr, false).is_discarded()) {
          ++failures;
          ADD_FAILURE() << "read " << (r + i) % 5 << ": "
                        << (res ? std::to_string(res->status) + " " + res->body
                                : httplib::to_string(res.error()));
        }
      }
    });
  }
  // A rebuild swaps the matcher and the graph under the readers' feet.
  threads.emplace_back([&] {
    if (!engine_->Rebuild().ok()) ++failures;
  });
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  threads.back().join();
  done = true;
  for (int r = 0; r < kReaders; ++r) threads[kWriters + r].join();
  ASSERT_EQ(failures.load(), 0);

  // Afterwards: what the store holds, the indexes, lists and graph hold.
  auto c = Client();
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < kRounds; ++i) {
      std::string sid = "CS" + std::to_string(w) + "_" + std::to_string(i);
      std::string fid = "CF" + std::to_string(w) + "_" + std::to_string(i);
      bool deleted = i % 4 == 2;
      EXPECT_EQ(engine_->store().GetSupplier(sid).ok(), !deleted) << sid;
      auto ids = SearchIds(c.get(), Token(w, i));
      if (deleted) {
        EXPECT_EQ(std::count(ids.begin(), ids.end(), sid), 0) << sid << " deleted yet found";
      } else {
        ASSERT_FALSE(ids.empty()) << sid;
        EXPECT_EQ(ids[0], sid) << "search for " << Token(w, i);
      }
      auto m = c->Get(("/v1/needs/CN" + std::to_string(w) + "_" + std::to_string(i) +
                       "/matches?k=30").c_str());
      ASSERT_TRUE(m);
      ASSERT_EQ(m->status, 200) << m->body;
      bool listed = m->body.find("\"" + sid + "\"") != std::string::npos;
      EXPECT_EQ(listed, !deleted) << "materialised list of " << fid << " and " << sid;
      auto n = c->Get(("/v1/graph/entities/" + fid + "/neighbours?direction=upstream").c_str());
      ASSERT_TRUE(n);
      ASSERT_EQ(n->status, 200) << n->body;
      bool linked = n->body.find("\"" + sid + "\"") != std::string::npos;
      EXPECT_EQ(linked, !deleted) << "graph upstream of " << fid;
    }
  }
  auto stats = c->Get("/v1/graph/stats");
  ASSERT_TRUE(stats);
  json st = json::parse(stats->body);
  EXPECT_EQ(st["suppliers"].get<size_t>(),
            engine_->store().ListSuppliers("", 100000).value().items.size());
  EXPECT_EQ(st["facilities"].get<size_t>(),
            engine_->store().ListFacilities("", 100000).value().items.size());
}

}  // namespace
}  // namespace ketnoi::api
