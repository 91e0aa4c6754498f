// POST /v1/admin/backup over loopback: a backup taken while a writer posts
// records restores to a consistent point-in-time store; names are checked;
// only admin keys may call it.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/commands.h"
#include "api_fixture.h"

namespace ketnoi::api {
namespace {

using nlohmann::json;
using testing_util::ApiTest;

std::string WriterId(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "W%05d", i);
  return buf;
}

std::string WriterSupplier(int i) {
  return R"({"id":")" + WriterId(i) + R"(","name":"Cơ khí số )" + std::to_string(i) +
         R"(","province":"Phú Thọ","serves":["toàn quốc"],"lang":"vi","text":"máy sấy chè )" +
         std::to_string(i) + R"( kg/ngày"})";
}

// Waits up to 30 s for `pred`.
template <typename Pred>
bool WaitFor(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class BackupRouteTest : public ApiTest {
 protected:
  void Configure(ServerOptions* options, ApiContext*) override {
    backups_ = testing_util::TempPath("backups");
    options->backup_dir = backups_;
  }
  httplib::Result Backup(const std::string& key, const std::string& body) {
    return Client(key)->Post("/v1/admin/backup", body, "application/json");
  }
  std::string backups_;
};

TEST_F(BackupRouteTest, BackupWhileWritingRestoresAPointInTime) {
  std::atomic<bool> stop{false}, failed{false};
  std::atomic<int> acked{0};
  std::thread writer([&] {
    auto c = Client(admin_);
    for (int i = 0; !stop.load(); ++i) {
      auto r = c->Post("/v1/suppliers", WriterSupplier(i), "application/json");
      if (!r || r->status != 201) {
        failed = true;
        return;
      }
      acked = i + 1;
    }
  });
  bool started = WaitFor([&] { return acked.load() >= 40 || failed.load(); });
  const int acked_before = acked.load();
  auto res = Backup(admin_, R"({"name":"b1"})");
  const int acked_at_answer = acked.load();
  // Writes go on after (and during) the backup.
  bool more = WaitFor([&] { return acked.load() >= acked_at_answer + 20 || failed.load(); });
  stop = true;
  writer.join();
  ASSERT_TRUE(started);
  ASSERT_FALSE(failed.load());
  ASSERT_TRUE(more);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json answer = json::parse(res->body);
  EXPECT_EQ(answer["name"], "b1");
  std::string path = answer["path"];
  EXPECT_EQ(std::filesystem::path(path),
            std::filesystem::absolute(std::filesystem::path(backups_) / "b1").lexically_normal());
  EXPECT_FALSE(answer["indexes"].get<bool>());  // no engine in this fixture: store only

  // Restore with the CLI's code, then open the restored store.
  BackupArgs restore;
  restore.restore = true;
  restore.out_dir = path;
  restore.db = testing_util::TempPath("restored");
  ASSERT_EQ(RunBackup(restore), 0);
  engine::StoreOptions so;
  so.path = restore.db;
  so.create_if_missing = false;
  so.reference = &testing_util::Ref();
  auto restored = engine::Store::Open(so);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();

  // The writer's records in the copy are exactly W00000..W(n-1): a prefix
  // of what was written (one point in time, no hole, no torn record), with
  // every record acknowledged before the backup was asked for.
  std::vector<engine::Supplier> copied;
  std::string cursor;
  do {
    auto page = (*restored)->ListSuppliers(cursor, 1000);
    ASSERT_TRUE(page.ok());
    for (auto& s : page->items) {
      if (s.id[0] == 'W') copied.push_back(std::move(s));
    }
    cursor = page->next_cursor;
  } while (!cursor.empty());
  ASSERT_GE(static_cast<int>(copied.size()), acked_before);
  ASSERT_LE(static_cast<int>(copied.size()), acked.load() + 1);
  for (size_t i = 0; i < copied.size(); ++i) {
    ASSERT_EQ(copied[i].id, WriterId(static_cast<int>(i)));
    auto live = store_->GetSupplier(copied[i].id);
    ASSERT_TRUE(live.ok());
    EXPECT_EQ(engine::EncodeSupplier(copied[i]), engine::EncodeSupplier(*live));
  }
  // What was there before, keys included, came along.
  EXPECT_TRUE((*restored)->GetSupplier("S1").ok());
  EXPECT_TRUE((*restored)->GetFacility("F1").ok());
  KeyStore restored_keys(restored->get());
  EXPECT_TRUE(restored_keys.Verify(admin_).ok());
  restored->reset();
  std::filesystem::remove_all(restore.db);
}

TEST_F(BackupRouteTest, BadNamesAre4xxAndWriteNothing) {
  for (const char* body : {R"({"name":"../escape"})", R"({"name":"/tmp/abs"})",
                           R"({"name":".hidden"})", R"({"name":"a/b"})", R"({"name":""})",
                           R"({"name":5})", R"({"path":"x"})", R"([1])", "{"}) {
    auto r = Backup(admin_, body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body << " " << r->body;
    EXPECT_EQ(json::parse(r->body)["error"]["code"], "invalid_argument") << body;
  }
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(backups_).parent_path() / "escape"));
  auto first = Backup(admin_, R"({"name":"same"})");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201) << first->body;
  auto again = Backup(admin_, R"({"name":"same"})");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409) << again->body;
  EXPECT_EQ(json::parse(again->body)["error"]["code"], "already_exists");
  // No name: a dated one.
  auto dated = Backup(admin_, "{}");
  ASSERT_TRUE(dated);
  ASSERT_EQ(dated->status, 201) << dated->body;
  EXPECT_EQ(json::parse(dated->body)["name"].get<std::string>().rfind("backup-", 0), 0u);
}

TEST_F(BackupRouteTest, AdminOnly) {
  for (const std::string& key : {staff_, planner_, supplier_}) {
    auto r = Backup(key, R"({"name":"x"})");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << r->body;
  }
  auto none = Backup("", R"({"name":"x"})");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(backups_) / "x"));
}

class BackupOffTest : public ApiTest {};

TEST_F(BackupOffTest, WithoutABackupDirectoryIs409) {
  auto r = Client(admin_)->Post("/v1/admin/backup", R"({"name":"x"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "failed_precondition");
}

}  // namespace
}  // namespace ketnoi::api
