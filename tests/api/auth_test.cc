// API keys: shown once, stored hashed, verified, revoked, bound to entities.
#include "api/auth.h"

#include "api_fixture.h"

namespace ketnoi::api {
namespace {

using testing_util::Ref;
using testing_util::TempPath;

class AuthTest : public testing::Test {
 protected:
  void SetUp() override {
    engine::StoreOptions so;
    so.path = TempPath("db");
    so.reference = &Ref();
    auto store = engine::Store::Open(so);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_OK(store_->PutSupplier(
        engine::DecodeSupplier(testing_util::SupplierJson("S1")).value()));
  }
  std::unique_ptr<engine::Store> store_;
};

TEST_F(AuthTest, CreateVerifyRevoke) {
  KeyStore keys(store_.get());
  auto k = keys.Create(Role::kPlanner, "");
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->first.rfind("kn_" + k->second.id + "_", 0), 0u);
  EXPECT_EQ(k->first.size(), 3u + 16 + 1 + 64);
  auto v = keys.Verify(k->first);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->role, Role::kPlanner);
  EXPECT_EQ(v->id, k->second.id);
  EXPECT_GT(v->created_unix, 0);

  std::string tampered = k->first;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(keys.Verify(tampered).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.Verify("").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.Verify(k->first + "0").status().code(), StatusCode::kUnauthenticated);

  ASSERT_OK(keys.Revoke(k->second.id));
  EXPECT_EQ(keys.Verify(k->first).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(keys.Revoke(k->second.id).code(), StatusCode::kNotFound);
}

TEST_F(AuthTest, SecretIsNeverStored) {
  KeyStore keys(store_.get());
  auto k = keys.Create(Role::kAdmin, "");
  ASSERT_TRUE(k.ok());
  std::string secret = k->first.substr(3 + 16 + 1);
  bool seen = false;
  ASSERT_OK(store_->ScanRaw(engine::Family::kKeys, "", "",
                            [&](std::string_view key, std::string_view value) {
                              seen = true;
                              EXPECT_EQ(value.find(secret), std::string_view::npos);
                              EXPECT_EQ(value.find(k->first), std::string_view::npos);
                              return true;
                            }));
  EXPECT_TRUE(seen);
}

TEST_F(AuthTest, SupplierKeysAreBoundToAnExistingEntity) {
  KeyStore keys(store_.get());
  EXPECT_EQ(keys.Create(Role::kSupplier, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys.Create(Role::kSupplier, "S404").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(keys.Create(Role::kStaff, "S1").status().code(), StatusCode::kInvalidArgument);
  auto k = keys.Create(Role::kSupplier, "S1");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(keys.Verify(k->first)->entity, "S1");
  auto list = keys.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].entity, "S1");
  EXPECT_EQ((*list)[0].role, Role::kSupplier);
}

TEST(Roles, NamesRoundTrip) {
  for (Role r : {Role::kAdmin, Role::kStaff, Role::kPlanner, Role::kSupplier}) {
    Role back;
    ASSERT_TRUE(ParseRole(RoleName(r), &back));
    EXPECT_EQ(back, r);
  }
  Role out;
  EXPECT_FALSE(ParseRole("root", &out));
}

}  // namespace
}  // namespace ketnoi::api
