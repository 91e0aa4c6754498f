// The web page routes: files of the web directory by plain name with their
// content types, no key needed, nothing outside the directory reachable;
// GET /v1/whoami tells the page who the key belongs to.
#include "api/web_routes.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api_fixture.h"

namespace ketnoi::api {
namespace {

using nlohmann::json;
using testing_util::ApiTest;
using testing_util::TempPath;

void WriteFile(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

TEST(WebNames, OnlyPlainNamesOfKnownKinds) {
  for (const char* ok : {"index.html", "app.js", "style.css", "i18n.js", "logo-2.svg", "a_b.png"}) {
    EXPECT_TRUE(IsServableWebName(ok)) << ok;
  }
  for (const char* bad : {"", ".", "..", "../app.js", "..%2Fapp.js", "a/b.js", "a\\b.js", ".env.js",
                          "..app.js", "app..js", "app.exe", "app", "CMakeLists.txt.bak", "app.js\n",
                          "app .js", "%2e%2e", "-rf.js"}) {
    EXPECT_FALSE(IsServableWebName(bad)) << bad;
  }
  EXPECT_FALSE(IsServableWebName(std::string(120, 'a') + ".html.js.css"));
}

TEST(WebNames, ContentTypes) {
  EXPECT_EQ(WebContentType("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(WebContentType("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(WebContentType("style.css"), "text/css; charset=utf-8");
  EXPECT_EQ(WebContentType("map.svg"), "image/svg+xml");
  EXPECT_EQ(WebContentType("x.png"), "image/png");
  EXPECT_EQ(WebContentType("x.sh"), "");
  EXPECT_EQ(WebContentType(".js"), "");
}

class WebFileTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = TempPath("root");
    dir_ = (std::filesystem::path(root_) / "web").string();
    WriteFile(std::filesystem::path(dir_) / "app.js", "console.log('hé');\n");
    WriteFile(std::filesystem::path(dir_) / "sub" / "x.css", "a{}");
    WriteFile(std::filesystem::path(dir_) / ".hidden.js", "SECRET-CONTENT");
    WriteFile(std::filesystem::path(root_) / "outside.js", "OUTSIDE-CONTENT");
    std::filesystem::create_directories(std::filesystem::path(dir_) / "folder.js");
  }
  std::string root_, dir_;
};

TEST_F(WebFileTest, ServesAFileWithItsType) {
  Reply r = ServeWebFile(dir_, "app.js");
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(r.body, "console.log('hé');\n");
}

TEST_F(WebFileTest, RefusesEverythingElse) {
  for (const char* name : {"../outside.js", "sub/x.css", ".hidden.js", "missing.js", "folder.js",
                           "..", "app.js/"}) {
    Reply r = ServeWebFile(dir_, name);
    EXPECT_EQ(r.http_status, 404) << name;
    EXPECT_NE(r.body.find("\"not_found\""), std::string::npos) << name;
    EXPECT_EQ(r.body.find("OUTSIDE-CONTENT"), std::string::npos) << name;
    EXPECT_EQ(r.body.find("SECRET-CONTENT"), std::string::npos) << name;
  }
}

class WebRoutesTest : public ApiTest {};

TEST_F(WebRoutesTest, PageAndAssetsNeedNoKey) {
  auto c = Client("");
  auto page = c->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("/static/app.js"), std::string::npos);
  for (const auto& [name, type] : std::vector<std::pair<std::string, std::string>>{
           {"app.js", "text/javascript; charset=utf-8"},
           {"i18n.js", "text/javascript; charset=utf-8"},
           {"style.css", "text/css; charset=utf-8"}}) {
    auto res = c->Get(("/static/" + name).c_str());
    ASSERT_TRUE(res) << name;
    EXPECT_EQ(res->status, 200) << name;
    EXPECT_EQ(res->get_header_value("Content-Type"), type) << name;
    EXPECT_FALSE(res->body.empty()) << name;
  }
}

TEST_F(WebRoutesTest, NoPathOutsideTheWebDirectory) {
  auto c = Client(admin_);
  for (const char* path :
       {"/static/..%2FCMakeLists.txt", "/static/..%2F..%2FCMakeLists.txt", "/static/%2e%2e%2fREADME.md",
        "/static/../CMakeLists.txt", "/static/..", "/static/%2e%2e", "/static/app.js%00.css",
        "/static/.gitignore", "/static/web", "/static/nothing.js", "/static//etc/passwd",
        "/static/..%5Capi%5Croutes.cc"}) {
    auto res = c->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_TRUE(res->status == 404 || res->status == 400) << path << " -> " << res->status;
    EXPECT_EQ(res->body.find("project("), std::string::npos) << path;
    EXPECT_EQ(res->body.find("ketnoi_api"), std::string::npos) << path;
  }
}

TEST_F(WebRoutesTest, WhoAmITellsRoleAndEntity) {
  auto supplier = Client(supplier_)->Get("/v1/whoami");
  ASSERT_TRUE(supplier);
  ASSERT_EQ(supplier->status, 200) << supplier->body;
  json j = json::parse(supplier->body);
  EXPECT_EQ(j["role"], "supplier");
  EXPECT_EQ(j["entity"], "S1");
  EXPECT_EQ(j["key_id"].get<std::string>().size(), 16u);
  EXPECT_EQ(supplier_.find(j["key_id"].get<std::string>()), 3u) << "kn_<id>_<secret>";
  EXPECT_EQ(supplier->body.find(supplier_.substr(20)), std::string::npos) << "leaked the secret";

  auto staff = Client(staff_)->Get("/v1/whoami");
  ASSERT_EQ(staff->status, 200);
  EXPECT_EQ(json::parse(staff->body)["role"], "staff");
  EXPECT_EQ(json::parse(staff->body)["entity"], "");

  auto none = Client("")->Get("/v1/whoami");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
}

}  // namespace
}  // namespace ketnoi::api
