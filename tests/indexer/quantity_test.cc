#include "indexer/quantity.h"

#include <gtest/gtest.h>

namespace ketnoi::indexer {
namespace {

// The single quantity in `text`; fails the test when there is not exactly one.
Quantity One(const std::string& text) {
  std::vector<Quantity> qs = ParseQuantities(text);
  EXPECT_EQ(qs.size(), 1u) << text;
  return qs.empty() ? Quantity{} : qs[0];
}

TEST(ParseNumber, VietnameseAndEnglishSeparators) {
  double v = 0;
  ASSERT_TRUE(ParseNumber("1.200.000", &v));
  EXPECT_DOUBLE_EQ(v, 1200000);
  ASSERT_TRUE(ParseNumber("1,2", &v));
  EXPECT_DOUBLE_EQ(v, 1.2);
  ASSERT_TRUE(ParseNumber("1,200,000", &v));
  EXPECT_DOUBLE_EQ(v, 1200000);
  ASSERT_TRUE(ParseNumber("2.5", &v));
  EXPECT_DOUBLE_EQ(v, 2.5);
  ASSERT_TRUE(ParseNumber("1.200", &v));  // three digits after one dot: thousands
  EXPECT_DOUBLE_EQ(v, 1200);
  ASSERT_TRUE(ParseNumber("0.500", &v));  // but not after a zero
  EXPECT_DOUBLE_EQ(v, 0.5);
  ASSERT_TRUE(ParseNumber("1.200,5", &v));
  EXPECT_DOUBLE_EQ(v, 1200.5);
  ASSERT_TRUE(ParseNumber("1,200.5", &v));
  EXPECT_DOUBLE_EQ(v, 1200.5);
  ASSERT_TRUE(ParseNumber("380", &v));
  EXPECT_DOUBLE_EQ(v, 380);
  EXPECT_FALSE(ParseNumber("", &v));
  EXPECT_FALSE(ParseNumber("1.20.000", &v));
  EXPECT_FALSE(ParseNumber("1..2", &v));
  EXPECT_FALSE(ParseNumber(".5", &v));
  EXPECT_FALSE(ParseNumber("1,2,3.4,5", &v));
  EXPECT_FALSE(ParseNumber("12a", &v));
}

TEST(ParseQuantities, MassRates) {
  for (const char* text : {"500 kg/ngày", "500kg/ngay", "500 kg mỗi ngày", "0,5 tấn/ngày"}) {
    Quantity q = One(text);
    EXPECT_EQ(q.dimension, Dimension::kMassRate) << text;
    EXPECT_EQ(q.unit, "kg/h") << text;
    EXPECT_DOUBLE_EQ(q.value, 62.5) << text;  // a working day is 8 hours
    EXPECT_EQ(q.period, "day") << text;
  }
  Quantity q = One("2 tấn/giờ");
  EXPECT_DOUBLE_EQ(q.value, 2000);
  EXPECT_EQ(q.period, "h");
  EXPECT_DOUBLE_EQ(q.written_value, 2);
  EXPECT_DOUBLE_EQ(One("2 tan/h").value, 2000);
  EXPECT_DOUBLE_EQ(One("3 tons per day").value, 375);
  EXPECT_EQ(One("2 tấn/giờ").text, "2 tấn/giờ");
  EXPECT_EQ(One("Máy 500KG/NGAY tốt").text, "500kg/ngay");
}

TEST(ParseQuantities, PowerVolumeVoltagePhaseCount) {
  EXPECT_EQ(One("15 kW").unit, "kW");
  EXPECT_DOUBLE_EQ(One("15 kW").value, 15);
  EXPECT_DOUBLE_EQ(One("15kw").value, 15);
  EXPECT_DOUBLE_EQ(One("750 W").value, 0.75);
  EXPECT_NEAR(One("10 mã lực").value, 7.46, 1e-9);
  EXPECT_NEAR(One("10HP").value, 7.46, 1e-9);
  EXPECT_EQ(One("20 m3").unit, "m3");
  EXPECT_DOUBLE_EQ(One("20 m3").value, 20);
  EXPECT_DOUBLE_EQ(One("20 m³").value, 20);
  Quantity l = One("50 lít/giờ");
  EXPECT_EQ(l.dimension, Dimension::kVolumeRate);
  EXPECT_EQ(l.unit, "m3/h");
  EXPECT_DOUBLE_EQ(l.value, 0.05);
  Quantity v = One("380V");
  EXPECT_EQ(v.dimension, Dimension::kVoltage);
  EXPECT_DOUBLE_EQ(v.value, 380);
  Quantity p = One("3 pha");
  EXPECT_EQ(p.unit, "phase");
  EXPECT_DOUBLE_EQ(p.value, 3);
  std::vector<Quantity> both = ParseQuantities("điện 3 pha 380V");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].unit, "phase");
  EXPECT_EQ(both[1].unit, "V");
  Quantity c = One("1000 sản phẩm/ngày");
  EXPECT_EQ(c.dimension, Dimension::kCount);
  EXPECT_EQ(c.unit, "pcs/h");
  EXPECT_DOUBLE_EQ(c.value, 125);
  EXPECT_EQ(One("100 m2").dimension, Dimension::kArea);
  EXPECT_DOUBLE_EQ(One("2 ha").value, 20000);
}

TEST(ParseQuantities, Money) {
  struct Case {
    const char* text;
    double vnd;
  } cases[] = {
      {"300 triệu", 300e6},        {"300 trieu dong", 300e6}, {"300tr", 300e6},
      {"1,2 tỷ", 1.2e9},           {"1,2 ty dong", 1.2e9},    {"1.200.000 đ", 1.2e6},
      {"1.200.000đ", 1.2e6},       {"1.200.000 VND", 1.2e6},  {"1,200,000 VND", 1.2e6},
      {"1.200 nghìn đồng", 1.2e6}, {"500k", 5e5},             {"1.200 đồng", 1200},
  };
  for (const Case& c : cases) {
    Quantity q = One(c.text);
    EXPECT_EQ(q.dimension, Dimension::kMoney) << c.text;
    EXPECT_EQ(q.unit, "vnd") << c.text;
    EXPECT_DOUBLE_EQ(q.value, c.vnd) << c.text;
  }
  Quantity usd = One("$5,000");
  EXPECT_EQ(usd.unit, "usd");
  EXPECT_DOUBLE_EQ(usd.value, 5000);
  EXPECT_DOUBLE_EQ(One("5 million USD").value, 5e6);
  EXPECT_EQ(One("5 million USD").unit, "usd");
  Quantity monthly = One("30 triệu/tháng");
  EXPECT_DOUBLE_EQ(monthly.value, 30e6);  // money per period keeps its amount
  EXPECT_EQ(monthly.period, "month");
}

TEST(ParseQuantities, NotQuantities) {
  EXPECT_TRUE(ParseQuantities("ISO 9001, năm 2020, KX-TS600W, 6CR-55").empty());
  EXPECT_TRUE(ParseQuantities("").empty());
  EXPECT_TRUE(ParseQuantities("máy số 5 và 6").empty());
}

TEST(ParseQuantities, RangesAndWordsBeforeThePeriod) {
  std::vector<Quantity> qs = ParseQuantities("máy sấy chè băng tải 300-500 kg chè tươi/giờ");
  ASSERT_EQ(qs.size(), 2u);
  EXPECT_EQ(qs[0].unit, "kg/h");
  EXPECT_DOUBLE_EQ(qs[0].value, 300);
  EXPECT_DOUBLE_EQ(qs[1].value, 500);
  EXPECT_EQ(qs[1].text, "300-500 kg chè tươi/giờ");
  qs = ParseQuantities("từ 2 đến 3 tấn/ngày");
  ASSERT_EQ(qs.size(), 2u);
  EXPECT_DOUBLE_EQ(qs[0].value, 250);
  EXPECT_DOUBLE_EQ(qs[1].value, 375);
  qs = ParseQuantities("100 - 200 triệu");
  ASSERT_EQ(qs.size(), 2u);
  EXPECT_DOUBLE_EQ(qs[0].value, 100e6);
  EXPECT_DOUBLE_EQ(qs[1].value, 200e6);
}

TEST(ParseQuantities, SeveralInOrder) {
  std::vector<Quantity> qs =
      ParseQuantities("Lò hơi 2 tấn/giờ, công suất 15 kW, giá 1,2 tỷ đồng.");
  ASSERT_EQ(qs.size(), 3u);
  EXPECT_EQ(qs[0].unit, "kg/h");
  EXPECT_EQ(qs[1].unit, "kW");
  EXPECT_EQ(qs[2].unit, "vnd");
  EXPECT_DOUBLE_EQ(qs[2].value, 1.2e9);
  EXPECT_STREQ(DimensionName(qs[0].dimension), "mass_rate");
}

}  // namespace
}  // namespace ketnoi::indexer
