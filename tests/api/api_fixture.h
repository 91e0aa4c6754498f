// Shared fixture of the API suites: a real RocksDB store in a temp dir, the
// server on a free loopback port, one key per role, and httplib::Client as
// the real HTTP client.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "api/auth.h"
#include "api/server.h"
#include "engine/codec.h"
#include "engine/reference.h"
#include "engine/store.h"

#define ASSERT_OK(expr)                                       \
  do {                                                        \
    const ::ketnoi::Status _st = (expr);                      \
    ASSERT_TRUE(_st.ok()) << #expr << ": " << _st.ToString(); \
  } while (0)

namespace ketnoi::api::testing_util {

inline const engine::ReferenceData& Ref() {
  static const engine::ReferenceData* ref = [] {
    auto r = engine::ReferenceData::Load(KETNOI_DATA_DIR);
    if (!r.ok()) ADD_FAILURE() << r.status().ToString();
    return r.ok() ? std::move(r).value().release() : nullptr;
  }();
  return *ref;
}

inline std::string TempPath(const std::string& tag) {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path p = std::filesystem::path(testing::TempDir()) /
                            ("ketnoi_api_" + std::string(info->test_suite_name()) + "_" +
                             info->name() + "_" + tag);
  std::filesystem::remove_all(p);
  return p.string();
}

// A facility in the dataset format with one need.
inline std::string FacilityJson(const std::string& id, const std::string& need_id,
                                const std::string& name = "HTX chè Tân Cương") {
  return R"({"id":")" + id + R"(","name":")" + name +
         R"(","province":"Thái Nguyên","sector":"1076","products":"chè xanh","employees":20,)"
         R"("needs":[{"id":")" + need_id +
         R"(","kind":"equipment","text":"máy sấy chè 500 kg/ngày","budget_vnd":250000000}]})";
}
inline std::string SupplierJson(const std::string& id) {
  return R"({"id":")" + id +
         R"(","name":"Cơ khí chè Phú Hà","province":"Phú Thọ","serves":["Thái Nguyên","toàn quốc"],)"
         R"("lang":"vi","text":"máy sấy chè băng tải"})";
}
inline std::string ExpertJson(const std::string& id) {
  return R"({"id":")" + id + R"(","name":"TS. Nguyễn Văn A","province":"Hà Nội","text":"chế biến chè"})";
}

class ApiTest : public testing::Test {
 protected:
  // Subclasses may change these before SetUp() runs StartServer().
  virtual void Configure(ServerOptions* options, ApiContext* ctx) {}

  void SetUp() override {
    engine::StoreOptions so;
    so.path = TempPath("db");
    so.reference = &Ref();
    auto store = engine::Store::Open(so);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    keys_ = std::make_unique<KeyStore>(store_.get());
    // Seed records the role tests refer to.
    ASSERT_OK(store_->PutFacility(engine::DecodeFacility(FacilityJson("F1", "N1")).value()));
    ASSERT_OK(store_->PutSupplier(engine::DecodeSupplier(SupplierJson("S1")).value()));
    ASSERT_OK(store_->PutSupplier(engine::DecodeSupplier(SupplierJson("S2")).value()));
    ASSERT_OK(store_->PutExpert(engine::DecodeExpert(ExpertJson("E1")).value()));
    admin_ = NewKey(Role::kAdmin, "");
    staff_ = NewKey(Role::kStaff, "");
    planner_ = NewKey(Role::kPlanner, "");
    supplier_ = NewKey(Role::kSupplier, "S1");
    StartServer();
  }

  void TearDown() override {
    if (server_) server_->Stop();
    server_.reset();
    keys_.reset();
    store_.reset();
  }

  void StartServer() {
    ServerOptions options;
    options.port = 0;
    options.threads = 16;
    options.access_log = false;
    ApiContext ctx;
    ctx.store = store_.get();
    ctx.keys = keys_.get();
    Configure(&options, &ctx);
    auto server = HttpServer::Start(options, ctx);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  std::string NewKey(Role role, const std::string& entity) {
    auto k = keys_->Create(role, entity);
    EXPECT_TRUE(k.ok()) << k.status().ToString();
    return k.ok() ? k->first : "";
  }

  // A client with the key (empty: no Authorization header).
  std::unique_ptr<httplib::Client> Client(const std::string& key) {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    c->set_read_timeout(10, 0);
    if (!key.empty()) c->set_bearer_token_auth(key.c_str());
    return c;
  }

  std::unique_ptr<engine::Store> store_;
  std::unique_ptr<KeyStore> keys_;
  std::unique_ptr<HttpServer> server_;
  std::string admin_, staff_, planner_, supplier_;
};

}  // namespace ketnoi::api::testing_util
