#include "engine/reference.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ketnoi::engine {
namespace {

const ReferenceData& Real() {
  static const ReferenceData* ref = [] {
    auto r = ReferenceData::Load(KETNOI_DATA_DIR);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value().release() : nullptr;
  }();
  return *ref;
}

std::string ProvinceOf(std::string_view written) {
  auto p = Real().ResolveProvince(written);
  return p.ok() ? p->province->id : p.status().ToString();
}

TEST(Reference, LoadsTheCurrentProvinces) {
  EXPECT_EQ(Real().Provinces().size(), 34u);
  ASSERT_NE(Real().ProvinceById("thai-nguyen"), nullptr);
  EXPECT_EQ(Real().ProvinceById("thai-nguyen")->name, "Thái Nguyên");
  EXPECT_EQ(Real().ProvinceById("nowhere"), nullptr);
}

TEST(Reference, ResolvesNamesWithAndWithoutDiacriticsAndPrefixes) {
  EXPECT_EQ(ProvinceOf("Thái Nguyên"), "thai-nguyen");
  EXPECT_EQ(ProvinceOf("thai nguyen"), "thai-nguyen");
  EXPECT_EQ(ProvinceOf("Tỉnh Thái Nguyên"), "thai-nguyen");
  EXPECT_EQ(ProvinceOf("  THÁI NGUYÊN "), "thai-nguyen");
  EXPECT_EQ(ProvinceOf("thai-nguyen"), "thai-nguyen");
  EXPECT_EQ(ProvinceOf("TP HCM"), "ho-chi-minh");
  EXPECT_EQ(ProvinceOf("TP.HCM"), "ho-chi-minh");
  EXPECT_EQ(ProvinceOf("Thành phố Hồ Chí Minh"), "ho-chi-minh");
  EXPECT_EQ(ProvinceOf("Ho Chi Minh City"), "ho-chi-minh");
  EXPECT_EQ(ProvinceOf("Hai Phong"), "hai-phong");
  EXPECT_EQ(ProvinceOf("Hanoi"), "ha-noi");
}

TEST(Reference, OldNamesResolveToTheCurrentProvinceWithTheirCentroid) {
  auto p = Real().ResolveProvince("tỉnh Thái Bình");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->province->id, "hung-yen");
  EXPECT_EQ(p->legacy_name, "Thái Bình");
  EXPECT_NE(p->lat, p->province->lat);  // the old province's own centroid
  EXPECT_EQ(ProvinceOf("Nam Dinh"), "ninh-binh");
  EXPECT_EQ(ProvinceOf("Bắc Kạn"), "thai-nguyen");
  EXPECT_EQ(ProvinceOf("Bac Can"), "thai-nguyen");  // alias of an old name
  EXPECT_EQ(ProvinceOf("Hà Tây"), "ha-noi");
  // A name that is both old and current means the current province.
  auto h = Real().ResolveProvince("Hưng Yên");
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->legacy_name.empty());
  EXPECT_EQ(h->lat, h->province->lat);
}

TEST(Reference, UnknownNamesAreErrorsNamingTheInput) {
  auto p = Real().ResolveProvince("Xyz");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(), "unknown province 'Xyz'");
  EXPECT_FALSE(Real().ResolveProvince("").ok());
  EXPECT_FALSE(Real().ResolveProvince("tỉnh").ok());
  EXPECT_FALSE(Real().ResolveProvince("\xff\xfe").ok());
}

TEST(Reference, Nationwide) {
  EXPECT_TRUE(Real().IsNationwide("toàn quốc"));
  EXPECT_TRUE(Real().IsNationwide("Toan Quoc"));
  EXPECT_TRUE(Real().IsNationwide("cả nước"));
  EXPECT_TRUE(Real().IsNationwide("nationwide"));
  EXPECT_FALSE(Real().IsNationwide("Hà Nội"));
}

// An expert's profile says in its own words that it works anywhere.
TEST(Reference, TextSaysNationwide) {
  for (const char* t : {"Tư vấn HACCP. Làm việc toàn quốc.", "Nhận hỗ trợ trên cả nước.",
                        "nhan ho tro tren ca nuoc", "NHẬN DỰ ÁN TOÀN QUỐC",
                        "Giải thưởng toàn quốc 2019; làm việc toàn quốc",
                        "Lean consulting, works nationwide.", "Available across Vietnam"}) {
    EXPECT_TRUE(TextSaysNationwide(t)) << t;
  }
  for (const char* t : {"Chuyên gia nuôi cá nước ngọt ở Hải Dương", "nuoi ca nuoc ngot",
                        "Nhận hỗ trợ tại Gia Lai và Đắk Lắk.",
                        "works across the northern provinces", "toanquoc", "", "\xff\xfe toàn quốc",
                        "Giải nhất hội thi thợ giỏi toàn quốc 2019. Nhận hỗ trợ tại Hà Nam.",
                        "Nhận giải nhất toàn quốc năm 2020", "Tham gia hội chợ toàn quốc"}) {
    EXPECT_FALSE(TextSaysNationwide(t)) << t;
  }
}

// The provinces an expert's profile lists as where it works, with and
// without diacritics, old names resolved to the current province once.
TEST(Reference, ProvincesListedAsServed) {
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ProvincesListedAsServed(Real(),
                                    "Tư vấn VietGAP. Nhận hỗ trợ tại Gia Lai, Đắk Lắk và "
                                    "Lâm Đồng."),
            (Ids{ProvinceOf("Gia Lai"), ProvinceOf("Đắk Lắk"), ProvinceOf("Lâm Đồng")}));
  EXPECT_EQ(ProvincesListedAsServed(Real(), "nhan ho tro tai son la, lao cai va thai nguyen"),
            (Ids{ProvinceOf("Sơn La"), ProvinceOf("Lào Cai"), ProvinceOf("Thái Nguyên")}));
  EXPECT_EQ(ProvincesListedAsServed(Real(), "Lean consulting. Works in Lao Cai and Ha Giang."),
            (Ids{ProvinceOf("Lào Cai"), ProvinceOf("Hà Giang")}));
  // An old name and the province it is now part of: listed once.
  const Ids merged = ProvincesListedAsServed(Real(), "Hỗ trợ tại Hà Giang và Tuyên Quang.");
  EXPECT_EQ(merged, (Ids{ProvinceOf("Tuyên Quang")}));
  // The list ends at the first part that is no province.
  EXPECT_EQ(ProvincesListedAsServed(Real(), "Làm việc tại Hà Nội, các tỉnh lân cận và Bắc Ninh."),
            (Ids{ProvinceOf("Hà Nội")}));
  for (const char* none : {"Hỗ trợ tại các cơ sở ở Thái Nguyên.", "Chuyên gia ở Hà Nội.",
                           "Nhận hỗ trợ trên cả nước.", "", "\xff Hỗ trợ tại Hà Nội"}) {
    EXPECT_TRUE(ProvincesListedAsServed(Real(), none).empty()) << none;
  }
}

TEST(Reference, ResolvesSectorsByCodeNameAndAlias) {
  for (const char* s : {"1076", "1076 - Sản xuất chè", "Sản xuất chè", "chế biến chè",
                        "che bien che", "Tea processing"}) {
    auto r = Real().ResolveSector(s);
    ASSERT_TRUE(r.ok()) << s << ": " << r.status().ToString();
    EXPECT_EQ((*r)->vsic, "1076") << s;
  }
  auto unknown = Real().ResolveSector("du hành vũ trụ");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
}

TEST(Reference, DistanceBetweenHanoiAndHoChiMinhCity) {
  const Province* hn = Real().ProvinceById("ha-noi");
  const Province* hcm = Real().ProvinceById("ho-chi-minh");
  ASSERT_TRUE(hn && hcm);
  double km = ReferenceData::DistanceKm(hn->lat, hn->lon, hcm->lat, hcm->lon);
  EXPECT_GT(km, 1050);
  EXPECT_LT(km, 1250);
  EXPECT_DOUBLE_EQ(ReferenceData::DistanceKm(1, 2, 1, 2), 0);
}

// A small data directory written by the test.
class SmallData : public testing::Test {
 protected:
  void Write(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories((dir_ / rel).parent_path());
    std::ofstream(dir_ / rel) << text;
  }
  void SetUp() override {
    dir_ = std::filesystem::path(testing::TempDir()) /
           ("ref_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    Write("provinces/current.tsv",
          "id\tname\tkind\tregion\tlat\tlon\tname_en\n"
          "a\tAn Bình\ttỉnh\tr\t10\t100\tAn Binh\n"
          "b\tBắc Hà\ttỉnh\tr\t11\t101\tBac Ha\n");
    Write("provinces/legacy.tsv",
          "name\tkind\tlat\tlon\tcurrent_id\tname_en\n"
          "Ân Bình\ttỉnh\t12\t102\tb\tAn Binh Old\n");
    Write("provinces/aliases.tsv", "alias\ttarget\nAB\ta\n");
    Write("sectors.tsv", "vsic\tname_vi\tname_en\taliases\n10\tThực phẩm\tFood\tchế biến\n");
  }
  std::filesystem::path dir_;
};

TEST_F(SmallData, NamesThatFoldTogetherForTwoProvincesAreAmbiguous) {
  auto ref = ReferenceData::Load(dir_.string());
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  auto p = (*ref)->ResolveProvince("An Binh");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("ambiguous province 'An Binh'"), std::string::npos)
      << p.status().message();
  // With diacritics both still fold to the same key: still ambiguous.
  EXPECT_FALSE((*ref)->ResolveProvince("Ân Bình").ok());
  EXPECT_EQ((*ref)->ResolveProvince("AB")->province->id, "a");
  EXPECT_EQ((*ref)->ResolveProvince("Bac Ha")->province->id, "b");
}

TEST_F(SmallData, BadRowsNameTheFileAndLine) {
  Write("provinces/legacy.tsv",
        "name\tkind\tlat\tlon\tcurrent_id\tname_en\nÂn Bình\ttỉnh\t12\t102\tzzz\tX\n");
  auto ref = ReferenceData::Load(dir_.string());
  ASSERT_FALSE(ref.ok());
  EXPECT_NE(ref.status().message().find("legacy.tsv:2: unknown current_id 'zzz'"),
            std::string::npos)
      << ref.status().message();
  EXPECT_FALSE(ReferenceData::Load((dir_ / "missing").string()).ok());
}

TEST(Reference, ProvinceKeyStripsPrefixesSuffixesAndPunctuation) {
  EXPECT_EQ(ProvinceKey("Tỉnh Bà Rịa - Vũng Tàu"), "bariavungtau");
  EXPECT_EQ(ProvinceKey("Hue City"), "hue");
  EXPECT_EQ(ProvinceKey("Thành phố Đà Nẵng"), "danang");
}

}  // namespace
}  // namespace ketnoi::engine
