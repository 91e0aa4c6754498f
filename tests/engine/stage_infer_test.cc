// StageInferer: given stage fields win; text inference places records on
// the right stages; accuracy on the demo facilities that carry a "stage"
// field (inferred with the field hidden) is measured and bounded.
#include "engine/stage_infer.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "engine/dataset.h"
#include "engine/graph.h"
#include "engine/store.h"
#include "indexer/lexicon.h"
#include "tests/engine/test_util.h"

namespace ketnoi::engine {
namespace {

using testing_util::Ref;

class StageInferTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cat = ChainCatalog::LoadDir(DefaultChainsDir());
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    catalog_ = new ChainCatalog(std::move(cat).value());
    auto lex = indexer::Lexicon::Load(DefaultDataDir() + "/lexicon");
    ASSERT_TRUE(lex.ok()) << lex.status().ToString();
    lexicon_ = lex.value().release();
  }
  // With the text engineer's lexicon matcher as concept finder.
  StageInferer WithLexicon() const {
    StageInferOptions o;
    const indexer::Lexicon* lex = lexicon_;
    o.concept_finder = [lex](std::string_view text) {
      std::vector<std::string> ids;
      for (const auto& hit : lex->Match(text, /*expand_broader=*/false)) {
        ids.push_back(hit.concept_id);
      }
      return ids;
    };
    return StageInferer(catalog_, o);
  }
  std::string Top(const std::vector<StageAssignment>& a) const {
    return a.empty() ? "(none)" : catalog_->stage(a[0].stage).id;
  }
  static const ChainCatalog* catalog_;
  static const indexer::Lexicon* lexicon_;
};
const ChainCatalog* StageInferTest::catalog_ = nullptr;
const indexer::Lexicon* StageInferTest::lexicon_ = nullptr;

TEST_F(StageInferTest, GivenFieldsWinWithFullConfidence) {
  StageInferer inf(catalog_);
  Facility f;
  f.id = "F";
  f.name = "Xưởng may";  // text says textile; the record says tea drying
  f.extra_json = R"({"stage":"tea.drying"})";
  auto a = inf.ForFacility(f);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(Top(a), "tea.drying");
  EXPECT_EQ(a[0].confidence, 1.0f);
  EXPECT_TRUE(a[0].given);
  EXPECT_EQ(Top(inf.GivenStages(R"({"chain":"Chè","stage":"rolling"})")), "tea.rolling");
  EXPECT_EQ(inf.GivenStages(R"({"stage":["wood.sawing","wood.kiln_drying"]})").size(), 2u);
  EXPECT_TRUE(inf.GivenStages(R"({"stage":"tea.nowhere"})").empty());
  EXPECT_TRUE(inf.GivenStages("not json").empty());
}

TEST_F(StageInferTest, InfersFromTextWithAndWithoutDiacritics) {
  StageInferer inf = WithLexicon();
  Facility f;
  f.name = "Cơ sở sấy chè Tân Cương";
  f.products = "chè búp khô";
  auto a = inf.ForFacility(f);
  EXPECT_EQ(Top(a), "tea.drying");
  EXPECT_FALSE(a.empty() || a[0].given);
  EXPECT_GT(a[0].confidence, 0.3f);
  EXPECT_LT(a[0].confidence, 1.0f);
  f.name = "co so say che";
  f.products = "che kho";
  EXPECT_EQ(Top(inf.ForFacility(f)), "tea.drying");
  Facility g;
  g.name = "Xưởng may Hải Hậu";
  g.products = "quần áo bảo hộ, cắt may gia công";
  g.sector_vsic = "1410";
  EXPECT_EQ(Top(inf.ForFacility(g)), "textile.sewing");
  Supplier s;
  s.name = "Tea Machinery";
  s.text = "Máy vò chè 6CR-55 và máy sấy chè băng tải";
  std::set<std::string> stages;
  for (const auto& x : inf.ForSupplier(s)) stages.insert(catalog_->stage(x.stage).id);
  EXPECT_TRUE(stages.count("tea.rolling")) << Top(inf.ForSupplier(s));
  EXPECT_TRUE(stages.count("tea.drying"));
  Expert e;
  e.name = "TS. Nguyễn Văn A";
  e.text = "Chuyên gia công nghệ sấy gỗ, lò sấy gỗ tiết kiệm năng lượng";
  EXPECT_EQ(Top(inf.ForExpert(e)), "wood.kiln_drying");
  Facility nothing;
  nothing.name = "Công ty ABC";
  EXPECT_TRUE(inf.ForFacility(nothing).empty());
}

TEST_F(StageInferTest, FallbackLexiconTermsFindMissingConcepts) {
  StageInferer inf(catalog_);
  std::vector<std::string> missing;
  ASSERT_OK(inf.LoadLexiconTerms(DefaultDataDir() + "/lexicon", &missing));
  EXPECT_TRUE(missing.empty()) << missing.size() << " missing, first " << missing[0];
  Supplier s;
  s.text = "hydrocyclone and starch sieves for cassava starch plants";
  EXPECT_EQ(Top(inf.ForSupplier(s)), "cassava.starch");
  EXPECT_EQ(inf.LoadLexiconTerms("/nonexistent", nullptr).code(), StatusCode::kNotFound);
}

// Imports data/demo into a store, builds the graph from it, and measures
// top-1 stage accuracy on the facilities that carry a "stage" field.
TEST_F(StageInferTest, DemoAccuracyAndGraphFromStore) {
  StoreOptions so;
  so.path = testing_util::TempPath("db");
  so.reference = &Ref();
  auto store = Store::Open(so);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ImportReport report;
  ASSERT_OK(ImportDataset(store->get(), DefaultDataDir() + "/demo", {}, &report));
  StageInferer inf = WithLexicon();
  size_t with_stage = 0, right_with_chain = 0, right_text_only = 0;
  std::string misses;
  ASSERT_OK((*store)->ForEachFacility([&](const Facility& f) {
    auto given = inf.GivenStages(f.extra_json);
    if (given.empty()) return true;
    ++with_stage;
    const std::string truth = catalog_->stage(given[0].stage).id;
    const std::string guess = Top(inf.InferFacility(f));  // "chain" kept as a hint
    right_with_chain += guess == truth;
    Facility bare = f;
    bare.extra_json = "{}";  // chain hidden too
    right_text_only += Top(inf.InferFacility(bare)) == truth;
    if (guess != truth) misses += f.id + ":" + truth + "->" + guess + " ";
    return true;
  }));
  ASSERT_GT(with_stage, 40u);
  const double acc_chain = static_cast<double>(right_with_chain) / with_stage;
  const double acc_text = static_cast<double>(right_text_only) / with_stage;
  std::printf("stage inference on data/demo: %zu facilities, top-1 accuracy %.3f with the chain "
              "field, %.3f from text alone\nmisses: %s\n",
              with_stage, acc_chain, acc_text, misses.c_str());
  RecordProperty("accuracy_with_chain", std::to_string(acc_chain));
  RecordProperty("accuracy_text_only", std::to_string(acc_text));
  EXPECT_GE(acc_chain, 0.6);
  EXPECT_GE(acc_text, 0.5);

  GraphOptions go;
  go.reference = &Ref();
  go.inferer = &inf;
  ValueChainGraph graph(go);
  ASSERT_OK(graph.Build(**store));
  GraphStats st = graph.Stats();
  EXPECT_EQ(st.facilities, report.facilities);
  EXPECT_EQ(st.suppliers, report.suppliers);
  EXPECT_EQ(st.experts, report.experts);
  EXPECT_EQ(st.link_edges + st.pending_links, report.links);
  auto map = graph.ChainMapOf("tea", "Thái Nguyên");
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_GT(map->actor_count, 0u);
}

}  // namespace
}  // namespace ketnoi::engine
