#include "engine/dataset.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/engine/test_util.h"

namespace ketnoi::engine {
namespace {

namespace fs = std::filesystem;
using testing_util::Ref;
using testing_util::TempPath;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class DatasetTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempPath("ds");
    fs::create_directories(dir_);
    StoreOptions o;
    o.path = TempPath("db");
    o.reference = &Ref();
    auto s = Store::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(fs::path(dir_) / name, std::ios::binary) << text;
  }
  Status Import(bool skip_bad = false) {
    ImportOptions o;
    o.skip_bad = skip_bad;
    return ImportDataset(store_.get(), dir_, o, &report_);
  }
  size_t CountFacilities() {
    size_t n = 0;
    EXPECT_OK(store_->ForEachFacility([&](const Facility&) { return ++n, true; }));
    return n;
  }
  void WriteGood() {
    Write(
        "facilities.jsonl",
        R"({"id":"F1","name":"HTX chè","province":"Thái Nguyên","needs":[{"id":"N1","kind":"equipment","text":"máy sấy"}],"chain":"tea"})"
        "\n"
        R"({"id":"F2","name":"Xưởng may","province":"Nam Dinh","needs":[]})"
        "\n");
    Write(
        "suppliers.jsonl",
        R"({"id":"S1","name":"Cơ khí","province":"HN","serves":["toàn quốc"],"lang":"vi","text":"máy sấy","vector":[0.5,0.25]})"
        "\n");
    Write("experts.jsonl", R"({"id":"E1","name":"TS. Lan","province":"Phú Thọ","text":"chè"})"
                           "\n");
    Write("links.jsonl", R"({"from":"S1","to":"F1","type":"equips"})"
                         "\n");
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
  ImportReport report_;
};

TEST_F(DatasetTest, ImportsAGoodDataset) {
  WriteGood();
  ASSERT_OK(Import());
  EXPECT_TRUE(report_.written);
  EXPECT_EQ(report_.facilities, 2u);
  EXPECT_EQ(report_.needs, 1u);
  EXPECT_EQ(report_.suppliers, 1u);
  EXPECT_EQ(report_.experts, 1u);
  EXPECT_EQ(report_.links, 1u);
  EXPECT_EQ(store_->GetFacility("F2")->province_id, "ninh-binh");
  EXPECT_EQ(
      report_.Summary().rfind(
          "imported 2 facilities (1 needs), 1 suppliers, 1 experts, 1 links; skipped 0 bad lines;",
          0),
      0u)
      << report_.Summary();
}

TEST_F(DatasetTest, ABadLineStoresNothingAndNamesFileAndLine) {
  WriteGood();
  Write("facilities.jsonl", R"({"id":"F1","name":"a","province":"Thái Nguyên"})"
                            "\n"
                            R"({"id":"F2","name":"b","province":"Xyz"})"
                            "\n");
  Status s = Import();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(report_.errors.size(), 1u);
  EXPECT_EQ(report_.errors[0], "facilities.jsonl:2: field 'province': unknown province 'Xyz'");
  EXPECT_FALSE(report_.written);
  EXPECT_EQ(CountFacilities(), 0u);
  EXPECT_EQ(store_->GetSupplier("S1").status().code(), StatusCode::kNotFound);
}

TEST_F(DatasetTest, SkipBadStoresTheGoodLines) {
  WriteGood();
  Write("facilities.jsonl", R"({"id":"F1","name":"a","province":"Thái Nguyên"})"
                            "\n"
                            "\n"
                            R"({"id":"F2","name":"b","province":"Xyz"})"
                            "\n");
  ASSERT_OK(Import(/*skip_bad=*/true));
  EXPECT_EQ(report_.bad_lines, 1u);
  EXPECT_EQ(report_.errors[0].rfind("facilities.jsonl:3: ", 0), 0u) << report_.errors[0];
  EXPECT_EQ(CountFacilities(), 1u);
  EXPECT_TRUE(store_->GetSupplier("S1").ok());
}

TEST_F(DatasetTest, InvalidUtf8LongLinesAndDeepJsonAreErrors) {
  std::string deep = R"({"id":"F3","name":"c","province":"HN","x":)" + std::string(50, '[') +
                     std::string(50, ']') + "}";
  Write("facilities.jsonl", R"({"id":"F1","name":"a","province":"Thái Nguyên"})"
                            "\n"
                            "{\"id\":\"F2\",\"name\":\"b\xC3\x28\",\"province\":\"HN\"}\n" +
                                deep + "\n" + "{\"id\":\"F4\",\"name\":\"" +
                                std::string(2 << 20, 'x') + "\"}\n");
  EXPECT_EQ(Import().code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(report_.errors.size(), 3u);
  EXPECT_EQ(report_.errors[0], "facilities.jsonl:2: invalid UTF-8");
  EXPECT_EQ(report_.errors[1], "facilities.jsonl:3: JSON nested deeper than 32 levels");
  EXPECT_EQ(report_.errors[2].rfind("facilities.jsonl:4: line of ", 0), 0u) << report_.errors[2];
  EXPECT_EQ(CountFacilities(), 0u);
}

TEST_F(DatasetTest, UnknownEnumValuesNameFileLineAndField) {
  Write(
      "facilities.jsonl",
      R"({"id":"F1","name":"a","province":"HN","needs":[{"id":"N1","kind":"machine","text":"x"}]})"
      "\n");
  Write("suppliers.jsonl", R"({"id":"S1","name":"a","province":"HN","lang":"fr","text":"x"})"
                           "\n");
  Write("links.jsonl", R"({"from":"S1","to":"F1","type":"sells_to"})"
                       "\n");
  EXPECT_FALSE(Import().ok());
  ASSERT_EQ(report_.errors.size(), 3u);
  EXPECT_EQ(report_.errors[0].rfind(
                "facilities.jsonl:1: field 'needs[0].kind': unknown need kind 'machine'", 0),
            0u);
  EXPECT_EQ(report_.errors[1].rfind("suppliers.jsonl:1: field 'lang': unknown language 'fr'", 0),
            0u);
  EXPECT_EQ(report_.errors[2].rfind("links.jsonl:1: field 'type': unknown link type 'sells_to'", 0),
            0u);
}

TEST_F(DatasetTest, LinksToUnknownIdsAndDuplicatesAreErrors) {
  WriteGood();
  Write("links.jsonl", R"({"from":"S1","to":"F1","type":"equips"})"
                       "\n"
                       R"({"from":"S1","to":"F9","type":"equips"})"
                       "\n");
  Write("experts.jsonl", R"({"id":"E1","name":"a","province":"HN","text":"x"})"
                         "\n"
                         R"({"id":"E1","name":"b","province":"HN","text":"y"})"
                         "\n"
                         R"({"id":"F1","name":"b","province":"HN","text":"y"})"
                         "\n");
  EXPECT_FALSE(Import().ok());
  ASSERT_EQ(report_.errors.size(), 3u);
  EXPECT_EQ(report_.errors[0],
            "experts.jsonl:2: field 'id': duplicate id 'E1' (first at experts.jsonl:1)");
  EXPECT_EQ(report_.errors[1].rfind("experts.jsonl:3: field 'id': duplicate id 'F1'", 0), 0u);
  EXPECT_EQ(report_.errors[2],
            "links.jsonl:2: field 'to': unknown id 'F9' (not in this import nor in the store)");
}

TEST_F(DatasetTest, LinkEndpointsMayBeInTheStore) {
  WriteGood();
  ASSERT_OK(Import());
  fs::remove(fs::path(dir_) / "facilities.jsonl");
  fs::remove(fs::path(dir_) / "experts.jsonl");
  fs::remove(fs::path(dir_) / "suppliers.jsonl");
  Write("links.jsonl", R"({"from":"F2","to":"F1","type":"supplies"})"
                       "\n");
  ASSERT_OK(Import());
  EXPECT_EQ(store_->ListLinks("", 10)->items.size(), 2u);
}

TEST_F(DatasetTest, NeedOwnedByAnotherFacilityIsAnError) {
  WriteGood();
  ASSERT_OK(Import());
  Write("facilities.jsonl",
        R"({"id":"F7","name":"x","province":"HN","needs":[{"id":"N1","kind":"expert","text":"y"}]})"
        "\n");
  EXPECT_FALSE(Import().ok());
  ASSERT_EQ(report_.errors.size(), 1u);
  EXPECT_EQ(report_.errors[0],
            "facilities.jsonl:1: field 'needs[0].id': need 'N1' of facility 'F7' already belongs "
            "to facility 'F1'");
}

TEST_F(DatasetTest, ReimportIsIdempotent) {
  WriteGood();
  ASSERT_OK(Import());
  std::string out1 = TempPath("out1"), out2 = TempPath("out2");
  ExportReport er;
  ASSERT_OK(ExportDataset(*store_, out1, &er));
  ASSERT_OK(Import());
  ASSERT_OK(ExportDataset(*store_, out2, &er));
  for (const char* f : {"facilities.jsonl", "suppliers.jsonl", "experts.jsonl", "links.jsonl"}) {
    EXPECT_EQ(ReadAll(fs::path(out1) / f), ReadAll(fs::path(out2) / f)) << f;
  }
  EXPECT_EQ(er.facilities, 2u);
}

TEST_F(DatasetTest, ExportThenImportRoundTripsEveryField) {
  WriteGood();
  ASSERT_OK(Import());
  std::string out = TempPath("out");
  ExportReport er;
  ASSERT_OK(ExportDataset(*store_, out, &er));
  EXPECT_NE(ReadAll(fs::path(out) / "facilities.jsonl").find(R"("chain":"tea")"),
            std::string::npos);
  StoreOptions o;
  o.path = TempPath("db2");
  o.reference = &Ref();
  auto other = Store::Open(o);
  ASSERT_TRUE(other.ok());
  ImportReport r;
  ASSERT_OK(ImportDataset(other->get(), out, ImportOptions(), &r));
  std::string again = TempPath("again");
  ASSERT_OK(ExportDataset(**other, again, &er));
  for (const char* f : {"facilities.jsonl", "suppliers.jsonl", "experts.jsonl", "links.jsonl"}) {
    EXPECT_EQ(ReadAll(fs::path(out) / f), ReadAll(fs::path(again) / f)) << f;
  }
  auto s = (*other)->GetSupplier("S1");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->vector, (std::vector<float>{0.5f, 0.25f}));
}

TEST_F(DatasetTest, CsvWithBomQuotesAndEmbeddedNewlines) {
  Write("suppliers.csv",
        "\xEF\xBB\xBFid,name,province,serves,lang,text,note\r\n"
        "S1,\"Cơ khí \"\"Bách Khoa\"\"\",Hà Nội,Thái Bình|Nam Định,vi,\"máy sấy,\nlò hơi\",x\r\n"
        "S2,Dryers Co,TP HCM,\"[\"\"toàn quốc\"\"]\",en,dryers,\n"
        "S3,Bad,Atlantis,,vi,x,\n");
  Write("facilities.csv",
        "id,name,province,employees,needs\n"
        "F1,HTX,Thai "
        "Nguyen,25,\"[{\"\"id\"\":\"\"N1\"\",\"\"kind\"\":\"\"expert\"\",\"\"text\"\":\"\"đào "
        "tạo\"\"}]\"\n");
  EXPECT_FALSE(Import().ok());
  ASSERT_EQ(report_.errors.size(), 1u);
  EXPECT_EQ(report_.errors[0], "suppliers.csv:5: field 'province': unknown province 'Atlantis'");
  ASSERT_OK(Import(/*skip_bad=*/true));
  auto s1 = store_->GetSupplier("S1");
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(s1->name, "Cơ khí \"Bách Khoa\"");
  EXPECT_EQ(s1->text, "máy sấy,\nlò hơi");
  EXPECT_EQ(s1->serves, (std::vector<std::string>{"Thái Bình", "Nam Định"}));
  EXPECT_EQ(s1->extra_json, R"({"note":"x"})");
  EXPECT_TRUE(store_->GetSupplier("S2")->nationwide);
  auto f1 = store_->GetFacility("F1");
  ASSERT_TRUE(f1.ok());
  EXPECT_EQ(f1->employees, 25);
  ASSERT_EQ(f1->needs.size(), 1u);
  EXPECT_EQ(f1->needs[0].kind, NeedKind::kExpert);
}

TEST(Csv, ParsesRfc4180) {
  std::vector<std::vector<std::string>> recs;
  std::vector<int> lines;
  ASSERT_OK(ParseCsv("a,b\r\n\"x\"\"y\",\"1\n2\"\n,\nlast", 1000, &recs, &lines));
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[1], (std::vector<std::string>{"x\"y", "1\n2"}));
  EXPECT_EQ(recs[2], (std::vector<std::string>{"", ""}));
  EXPECT_EQ(recs[3], (std::vector<std::string>{"last"}));
  EXPECT_EQ(lines, (std::vector<int>{1, 2, 4, 5}));
  recs.clear();
  lines.clear();
  Status s = ParseCsv("a\n\"open", 1000, &recs, &lines);
  EXPECT_EQ(s.message(), "line 2: unterminated quoted field");
}

// Found by tests/fuzz/import_fuzz: a CSV column name with invalid UTF-8
// became a JSON key and nlohmann's dump() threw (the import aborted the
// process). It is now a bad line naming the header, with nothing stored.
TEST_F(DatasetTest, FuzzRegressionCsvHeaderWithInvalidUtf8) {
  Write("links.csv", "from,to,\xE0\xE0\xE0type\nF100,S100,buys_from\n");
  Status s = Import(/*skip_bad=*/true);
  EXPECT_OK(s);
  ASSERT_EQ(report_.errors.size(), 1u);
  EXPECT_EQ(report_.errors[0], "links.csv:1: header: invalid UTF-8 in a column name");
  EXPECT_EQ(report_.links, 0u);
  EXPECT_EQ(Import().code(), StatusCode::kInvalidArgument);
}

TEST_F(DatasetTest, MissingOrEmptyDirectoryIsBadInput) {
  EXPECT_EQ(ImportDataset(store_.get(), dir_ + "/nope", ImportOptions(), &report_).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Import().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ketnoi::engine
