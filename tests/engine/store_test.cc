#include "engine/store.h"

#include <filesystem>
#include <fstream>

#include "engine/validate.h"
#include "tests/engine/test_util.h"

namespace ketnoi::engine {
namespace {

using testing_util::Ref;
using testing_util::TempPath;

std::unique_ptr<Store> OpenAt(const std::string& path) {
  StoreOptions o;
  o.path = path;
  o.reference = &Ref();
  auto s = Store::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

Facility MakeFacility(const std::string& id, std::vector<std::string> need_ids) {
  Facility f;
  f.id = id;
  f.name = "Cơ sở " + id;
  f.province = "Thái Nguyên";
  for (auto& n : need_ids)
    f.needs.push_back(Need{n, NeedKind::kEquipment, "máy sấy chè", {}, "{}"});
  return f;
}

Supplier MakeSupplier(const std::string& id) {
  Supplier s;
  s.id = id;
  s.name = "NCC " + id;
  s.province = "Hà Nội";
  s.serves = {"toàn quốc"};
  s.text = "thiết bị sấy";
  return s;
}

class StoreTest : public testing::Test {
 protected:
  void SetUp() override {
    path_ = TempPath("db");
    store_ = OpenAt(path_);
    ASSERT_NE(store_, nullptr);
  }
  std::vector<std::string> Changes() {
    std::vector<std::string> out;
    EXPECT_OK(store_->ScanRaw(Family::kChanges, "", "", [&](std::string_view, std::string_view v) {
      out.emplace_back(v);
      return true;
    }));
    return out;
  }
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, PutGetRoundTripWithResolvedFields) {
  Facility f = MakeFacility("F1", {"N1", "N2"});
  f.extra_json = R"({"chain":"tea"})";
  ASSERT_OK(store_->PutFacility(f));
  auto got = store_->GetFacility("F1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->province_id, "thai-nguyen");
  EXPECT_EQ(got->needs.size(), 2u);
  EXPECT_EQ(got->extra_json, R"({"chain":"tea"})");
  auto need = store_->GetNeed("N2");
  ASSERT_TRUE(need.ok());
  EXPECT_EQ(need->second, "F1");
  EXPECT_EQ(need->first.text, "máy sấy chè");
  EXPECT_EQ(store_->GetFacility("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetNeed("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(StoreTest, PutValidates) {
  Facility f = MakeFacility("F1", {});
  f.province = "Xyz";
  EXPECT_EQ(store_->PutFacility(f).message(), "field 'province': unknown province 'Xyz'");
  EXPECT_EQ(store_->GetFacility("F1").status().code(), StatusCode::kNotFound);
}

TEST_F(StoreTest, ReplacingAFacilityReplacesItsNeedsIndex) {
  ASSERT_OK(store_->PutFacility(MakeFacility("F1", {"N1", "N2"})));
  ASSERT_OK(store_->PutFacility(MakeFacility("F1", {"N2", "N3"})));
  EXPECT_EQ(store_->GetNeed("N1").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetNeed("N3").ok());
}

TEST_F(StoreTest, ANeedCannotBelongToTwoFacilities) {
  ASSERT_OK(store_->PutFacility(MakeFacility("F1", {"N1"})));
  Status s = store_->PutFacility(MakeFacility("F2", {"N1"}));
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find("'F2'"), std::string::npos);
  EXPECT_NE(s.message().find("'F1'"), std::string::npos);
  EXPECT_EQ(store_->GetFacility("F2").status().code(), StatusCode::kNotFound);
}

TEST_F(StoreTest, AnIdBelongsToOneKind) {
  ASSERT_OK(store_->PutFacility(MakeFacility("X1", {})));
  EXPECT_EQ(store_->PutSupplier(MakeSupplier("X1")).code(), StatusCode::kAlreadyExists);
}

TEST_F(StoreTest, LinksNeedBothEndpoints) {
  ASSERT_OK(store_->PutFacility(MakeFacility("F1", {})));
  Status s = store_->PutLink(Link{"S1", "F1", LinkType::kEquips, "{}"});
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("'S1'"), std::string::npos);
  ASSERT_OK(store_->PutSupplier(MakeSupplier("S1")));
  ASSERT_OK(store_->PutLink(Link{"S1", "F1", LinkType::kEquips, "{}"}));
  auto page = store_->ListLinks("", 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].from, "S1");
}

TEST_F(StoreTest, DeletingAFacilityDeletesItsNeedsAndLinks) {
  ASSERT_OK(store_->PutFacility(MakeFacility("F1", {"N1"})));
  ASSERT_OK(store_->PutSupplier(MakeSupplier("S1")));
  ASSERT_OK(store_->PutLink(Link{"S1", "F1", LinkType::kEquips, "{}"}));
  ASSERT_OK(store_->DeleteFacility("F1"));
  EXPECT_EQ(store_->GetNeed("N1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListLinks("", 10)->items.size(), 0u);
  EXPECT_EQ(store_->DeleteFacility("F1").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->DeleteSupplier("F1").code(), StatusCode::kNotFound);
  // The need id is free again.
  ASSERT_OK(store_->PutFacility(MakeFacility("F2", {"N1"})));
}

TEST_F(StoreTest, ABatchIsAllOrNothing) {
  WriteBatch b;
  Facility f = MakeFacility("F1", {"N1"});
  ASSERT_OK(ValidateFacility(Ref(), &f));
  b.PutFacility(f);
  Supplier s = MakeSupplier("S1");
  ASSERT_OK(ValidateSupplier(Ref(), &s));
  b.PutSupplier(s);
  b.PutLink(Link{"S1", "F1", LinkType::kEquips, "{}"});  // endpoints from the same batch count
  b.PutLink(Link{"S1", "GHOST", LinkType::kEquips, "{}"});
  EXPECT_EQ(b.Count(), 4u);
  uint64_t before = store_->LatestSequence();
  EXPECT_EQ(store_->Write(b).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->LatestSequence(), before);
  EXPECT_EQ(store_->GetFacility("F1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetSupplier("S1").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Changes().empty());
}

TEST_F(StoreTest, ChangeLogRecordsEveryWriteInOrder) {
  ASSERT_OK(store_->PutFacility(MakeFacility("F1", {})));
  ASSERT_OK(store_->PutSupplier(MakeSupplier("S1")));
  ASSERT_OK(store_->PutLink(Link{"S1", "F1", LinkType::kEquips, "{}"}));
  ASSERT_OK(store_->DeleteSupplier("S1"));
  EXPECT_EQ(Changes(),
            (std::vector<std::string>{R"({"kind":"facility","id":"F1","op":"put"})",
                                      R"({"kind":"supplier","id":"S1","op":"put"})",
                                      R"({"kind":"link","id":"S1/equips/F1","op":"put"})",
                                      R"({"kind":"link","id":"S1/equips/F1","op":"delete"})",
                                      R"({"kind":"supplier","id":"S1","op":"delete"})"}));
  EXPECT_GT(store_->LatestSequence(), 0u);
  // Numbering continues after a reopen.
  store_.reset();
  store_ = OpenAt(path_);
  ASSERT_OK(store_->PutSupplier(MakeSupplier("S2")));
  std::string last_key;
  ASSERT_OK(store_->ScanRaw(Family::kChanges, "", "", [&](std::string_view k, std::string_view) {
    last_key = k;
    return true;
  }));
  ASSERT_EQ(last_key.size(), 8u);
  EXPECT_EQ(static_cast<unsigned char>(last_key[7]), 6);
}

TEST_F(StoreTest, ListingPagesWithACursor) {
  for (int i = 0; i < 5; ++i) ASSERT_OK(store_->PutSupplier(MakeSupplier("S" + std::to_string(i))));
  auto p1 = store_->ListSuppliers("", 2);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->items.size(), 2u);
  EXPECT_EQ(p1->next_cursor, "S1");
  auto p2 = store_->ListSuppliers(p1->next_cursor, 10);
  ASSERT_EQ(p2->items.size(), 3u);
  EXPECT_EQ(p2->items[0].id, "S2");
  EXPECT_EQ(p2->next_cursor, "");
  int n = 0;
  ASSERT_OK(store_->ForEachSupplier([&](const Supplier&) { return ++n < 3; }));
  EXPECT_EQ(n, 3);
}

TEST_F(StoreTest, RawFamiliesAndPrefixScan) {
  ASSERT_OK(store_->PutRaw(Family::kMatches, "N1-a", "1"));
  ASSERT_OK(store_->PutRaw(Family::kMatches, "N1/b", "2"));
  ASSERT_OK(store_->PutRaw(Family::kMatches, "N1/c", "3"));
  ASSERT_OK(store_->PutRaw(Family::kMatches, "N2/a", "4"));
  std::string seen;
  ASSERT_OK(
      store_->ScanRaw(Family::kMatches, "N1/", "N1/b", [&](std::string_view, std::string_view v) {
        seen += v;
        return true;
      }));
  EXPECT_EQ(seen, "23");
  ASSERT_OK(store_->DeleteRaw(Family::kMatches, "N2/a"));
  EXPECT_EQ(store_->GetRaw(Family::kMatches, "N2/a").status().code(), StatusCode::kNotFound);
}

TEST_F(StoreTest, CheckpointIsAnOpenableCopy) {
  ASSERT_OK(store_->PutFacility(MakeFacility("F1", {"N1"})));
  std::string copy = TempPath("copy");
  ASSERT_OK(store_->Checkpoint(copy));
  auto other = OpenAt(copy);
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(other->GetFacility("F1").ok());
  ASSERT_OK(store_->Flush());
  EXPECT_GT(store_->ApproximateSizeBytes(), 0u);
}

TEST_F(StoreTest, ANewerSchemaIsRefused) {
  ASSERT_OK(store_->PutRaw(Family::kMeta, "schema_version", "99"));
  store_.reset();
  StoreOptions o;
  o.path = path_;
  o.reference = &Ref();
  auto s = Store::Open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("schema version 99"), std::string::npos)
      << s.status().message();
}

TEST(StoreOpen, ADirectoryThatIsNotAStoreIsCorruption) {
  std::string dir = TempPath("notastore");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/notes.txt") << "hello";
  StoreOptions o;
  o.path = dir;
  o.reference = &Ref();
  auto s = Store::Open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kCorruption);
  EXPECT_NE(s.status().message().find("not a ketnoi store"), std::string::npos);
}

TEST(StoreOpen, AGarbledCurrentFileIsCorruption) {
  std::string dir = TempPath("garbled");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/CURRENT") << "MANIFEST-999999\n";
  StoreOptions o;
  o.path = dir;
  o.reference = &Ref();
  auto s = Store::Open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kCorruption) << s.status().ToString();
}

TEST(StoreOpen, MissingStoreWithoutCreateIsNotFound) {
  StoreOptions o;
  o.path = TempPath("missing");
  o.reference = &Ref();
  o.create_if_missing = false;
  EXPECT_EQ(Store::Open(o).status().code(), StatusCode::kNotFound);
  o.reference = nullptr;
  EXPECT_EQ(Store::Open(o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ketnoi::engine
