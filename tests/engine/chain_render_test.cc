// Chain map pictures: DOT with stage clusters and gaps, SVG produced by
// Graphviz and well-formed, readable with 10 and with 500 actors.
#include "engine/chain_render.h"

#include <gtest/gtest.h>

#include "engine/chains.h"
#include "engine/stage_infer.h"
#include "tests/engine/test_util.h"

namespace ketnoi::engine {
namespace {

class ChainRenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cat = ChainCatalog::LoadDir(DefaultChainsDir());
    ASSERT_TRUE(cat.ok());
    catalog_ = std::make_unique<ChainCatalog>(std::move(cat).value());
    inferer_ = std::make_unique<StageInferer>(catalog_.get());
    GraphOptions o;
    o.reference = &testing_util::Ref();
    o.inferer = inferer_.get();
    graph_ = std::make_unique<ValueChainGraph>(o);
  }
  // n facilities in Thái Nguyên spread over the drying and packaging stages,
  // each drying one supplying a packaging one.
  void Fill(size_t n) {
    std::vector<Facility> fs;
    std::vector<Link> links;
    for (size_t i = 0; i < n; ++i) {
      Facility f;
      f.id = "F" + std::to_string(i);
      f.name = "Cơ sở chè \"số\" " + std::to_string(i);
      f.province_id = "thai-nguyen";
      f.extra_json = i % 2 ? R"({"stage":"tea.packaging"})" : R"({"stage":"tea.drying"})";
      fs.push_back(f);
      if (i % 2) links.push_back({"F" + std::to_string(i - 1), "F" + std::to_string(i),
                                  LinkType::kSupplies, "{}"});
    }
    graph_->BuildFromRecords(fs, {}, {}, links);
  }
  std::string Svg() {
    auto map = graph_->ChainMapOf("tea", "Thái Nguyên");
    EXPECT_TRUE(map.ok());
    auto gaps = graph_->Gaps("tea", "Thái Nguyên");
    EXPECT_TRUE(gaps.ok());
    dot_ = ChainMapToDot(*map, *gaps);
    json_ = ChainMapToJson(*map, *gaps);
    auto svg = RenderSvg(dot_);
    EXPECT_TRUE(svg.ok()) << svg.status().ToString();
    return svg.ok() ? *svg : "";
  }
  static void ExpectWellFormed(const std::string& svg) {
    size_t start = svg.find_first_not_of(" \r\n\t");
    ASSERT_NE(start, std::string::npos);
    EXPECT_TRUE(svg.compare(start, 5, "<?xml") == 0 || svg.compare(start, 4, "<svg") == 0);
    size_t end = svg.find_last_not_of(" \r\n\t");
    ASSERT_GE(end, 5u);
    EXPECT_EQ(svg.substr(end - 5, 6), "</svg>");
  }
  std::unique_ptr<ChainCatalog> catalog_;
  std::unique_ptr<StageInferer> inferer_;
  std::unique_ptr<ValueChainGraph> graph_;
  std::string dot_, json_;
};

TEST_F(ChainRenderTest, TenActors) {
  Fill(10);
  std::string svg = Svg();
  ExpectWellFormed(svg);
  EXPECT_NE(dot_.find("rankdir=LR"), std::string::npos);
  EXPECT_NE(dot_.find("cluster_s0"), std::string::npos);
  EXPECT_NE(dot_.find("GAP: no local facility"), std::string::npos);
  EXPECT_NE(dot_.find("color=red"), std::string::npos);
  EXPECT_NE(dot_.find("5 links"), std::string::npos);  // drying -> packaging
  EXPECT_NE(dot_.find("\\\"số\\\""), std::string::npos);  // quotes escaped
  EXPECT_NE(svg.find("Sấy chè"), std::string::npos);
  EXPECT_NE(json_.find("\"gap\": \"missing\""), std::string::npos);
  EXPECT_NE(json_.find("\"id\": \"tea.drying\""), std::string::npos);
}

TEST_F(ChainRenderTest, FiveHundredActorsCollapse) {
  Fill(500);
  std::string svg = Svg();
  ExpectWellFormed(svg);
  EXPECT_NE(dot_.find("+242 more facilities"), std::string::npos);  // 250 - 8 shown
  EXPECT_LT(dot_.size(), 20000u);
  EXPECT_LT(svg.size(), 200000u);
}

TEST_F(ChainRenderTest, MissingDotCommandIsAnError) {
  auto svg = RenderSvg("digraph{}", "/nonexistent/dot");
  ASSERT_FALSE(svg.ok());
  EXPECT_EQ(svg.status().code(), StatusCode::kIOError);
  EXPECT_FALSE(RenderSvg("this is not dot").ok());
}

}  // namespace
}  // namespace ketnoi::engine
