#include "engine/validate.h"

#include <cmath>

#include "tests/engine/test_util.h"

namespace ketnoi::engine {
namespace {

using testing_util::Ref;

Facility GoodFacility() {
  Facility f;
  f.id = "F001";
  f.name = "HTX chè Tân Cương";
  f.province = "tỉnh Thái Bình";
  f.sector = "Chế biến chè";
  f.needs.push_back(Need{"N001", NeedKind::kEquipment, "máy sấy chè 500 kg/ngày", 300000000, "{}"});
  return f;
}

Supplier GoodSupplier() {
  Supplier s;
  s.id = "S001";
  s.name = "Cơ khí Bách Khoa";
  s.province = "Ha Noi";
  s.serves = {"Thái Bình", "Nam Định", "Bắc Giang"};
  s.text = "máy sấy";
  return s;
}

TEST(Validate, ResolvesProvinceAndSector) {
  Facility f = GoodFacility();
  ASSERT_OK(ValidateFacility(Ref(), &f));
  EXPECT_EQ(f.province_id, "hung-yen");
  EXPECT_EQ(f.province, "tỉnh Thái Bình");  // kept as written
  EXPECT_EQ(f.sector_vsic, "1076");
}

TEST(Validate, UnresolvedSectorIsKeptAsWritten) {
  Facility f = GoodFacility();
  f.sector = "nghề gì đó rất lạ";
  ASSERT_OK(ValidateFacility(Ref(), &f));
  EXPECT_EQ(f.sector_vsic, "");
  EXPECT_EQ(f.sector, "nghề gì đó rất lạ");
}

TEST(Validate, UnknownProvinceNamesTheField) {
  Facility f = GoodFacility();
  f.province = "Xyz";
  Status s = ValidateFacility(Ref(), &f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "field 'province': unknown province 'Xyz'");
}

TEST(Validate, RequiredFields) {
  Facility f = GoodFacility();
  f.name = "  ";
  EXPECT_EQ(ValidateFacility(Ref(), &f).message(), "field 'name' is required");
  f = GoodFacility();
  f.needs[0].text = "";
  EXPECT_EQ(ValidateFacility(Ref(), &f).message(), "field 'needs[0].text' is required");
  f = GoodFacility();
  f.needs[0].id = "";
  EXPECT_EQ(ValidateFacility(Ref(), &f).message(), "field 'needs[0].id' is required");
  Supplier s = GoodSupplier();
  s.text.clear();
  EXPECT_EQ(ValidateSupplier(Ref(), &s).message(), "field 'text' is required");
  Expert e{"E1", "TS. Lan", "Thái Nguyên", "", "", {}, "{}"};
  EXPECT_EQ(ValidateExpert(Ref(), &e).message(), "field 'text' is required");
  e.text = "chuyên gia chè";
  EXPECT_OK(ValidateExpert(Ref(), &e));
  EXPECT_EQ(e.province_id, "thai-nguyen");
}

TEST(Validate, IdSyntax) {
  EXPECT_OK(ValidateId("F-001_a.b", "id"));
  EXPECT_FALSE(ValidateId("", "id").ok());
  EXPECT_FALSE(ValidateId("có dấu", "id").ok());
  EXPECT_FALSE(ValidateId("a/b", "id").ok());
  EXPECT_FALSE(ValidateId(std::string(65, 'a'), "id").ok());
  EXPECT_OK(ValidateId(std::string(64, 'a'), "id"));
  EXPECT_NE(ValidateId("a b", "from").message().find("field 'from'"), std::string::npos);
}

TEST(Validate, SizesAreBounded) {
  Facility f = GoodFacility();
  f.name = std::string(257, 'x');
  EXPECT_NE(ValidateFacility(Ref(), &f).message().find("field 'name' is 257 bytes"),
            std::string::npos);
  f = GoodFacility();
  f.needs[0].text = std::string(8 * 1024 + 1, 'x');
  EXPECT_FALSE(ValidateFacility(Ref(), &f).ok());
  f = GoodFacility();
  for (int i = 0; i < 101; ++i)
    f.needs.push_back(Need{"X" + std::to_string(i), NeedKind::kExpert, "t", {}, "{}"});
  EXPECT_NE(ValidateFacility(Ref(), &f).message().find("field 'needs' has 102 entries"),
            std::string::npos);
  Supplier s = GoodSupplier();
  s.serves.assign(65, "Hà Nội");
  EXPECT_FALSE(ValidateSupplier(Ref(), &s).ok());
}

TEST(Validate, NeedsAndNumbers) {
  Facility f = GoodFacility();
  f.needs.push_back(f.needs[0]);
  EXPECT_EQ(ValidateFacility(Ref(), &f).message(), "field 'needs[1].id': duplicate need id 'N001'");
  f = GoodFacility();
  f.needs[0].budget_vnd = -1;
  EXPECT_EQ(ValidateFacility(Ref(), &f).message(), "field 'needs[0].budget_vnd' must be >= 0");
  f = GoodFacility();
  f.employees = -3;
  EXPECT_EQ(ValidateFacility(Ref(), &f).message(), "field 'employees' must be >= 0");
}

TEST(Validate, ServesResolvesAndNationwide) {
  Supplier s = GoodSupplier();
  s.serves.push_back("toàn quốc");
  s.serves.push_back("Hưng Yên");  // same current province as Thái Bình
  ASSERT_OK(ValidateSupplier(Ref(), &s));
  EXPECT_TRUE(s.nationwide);
  EXPECT_EQ(s.serves_ids, (std::vector<std::string>{"hung-yen", "ninh-binh", "bac-ninh"}));
  s = GoodSupplier();
  s.serves.push_back("Atlantis");
  EXPECT_EQ(ValidateSupplier(Ref(), &s).message(),
            "field 'serves[3]': unknown province 'Atlantis'");
}

TEST(Validate, LangAndVector) {
  Supplier s = GoodSupplier();
  s.lang = "fr";
  EXPECT_NE(ValidateSupplier(Ref(), &s).message().find("field 'lang': unknown language 'fr'"),
            std::string::npos);
  s = GoodSupplier();
  s.vector = {0.5f, NAN};
  EXPECT_EQ(ValidateSupplier(Ref(), &s).message(), "field 'vector[1]' is not a finite number");
}

TEST(Validate, Links) {
  EXPECT_OK(ValidateLink(Link{"F1", "F2", LinkType::kSupplies, "{}"}));
  EXPECT_FALSE(ValidateLink(Link{"F1", "F1", LinkType::kSupplies, "{}"}).ok());
  EXPECT_FALSE(ValidateLink(Link{"", "F1", LinkType::kSupplies, "{}"}).ok());
}

}  // namespace
}  // namespace ketnoi::engine
