// ChainCatalog: the shipped templates load, resolve and name only known
// lexicon concepts; bad templates are rejected naming the file and field.
#include "engine/chains.h"

#include <gtest/gtest.h>

#include "engine/reference.h"
#include "indexer/lexicon.h"

namespace ketnoi::engine {
namespace {

TEST(ChainsTest, ShippedTemplatesLoad) {
  auto cat = ChainCatalog::LoadDir(DefaultChainsDir());
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  std::vector<std::string> ids;
  for (const Chain& c : cat->chains()) ids.push_back(c.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"cassava", "crafts", "fruit", "mechanical", "seafood",
                                           "tea", "textile", "wood"}));
  const Chain* tea = cat->FindChain("tea");
  ASSERT_NE(tea, nullptr);
  std::vector<std::string> stages;
  for (const ChainStage& s : tea->stages) stages.push_back(s.id);
  EXPECT_EQ(stages, (std::vector<std::string>{"tea.growing", "tea.plucking", "tea.withering",
                                              "tea.rolling", "tea.drying", "tea.sorting",
                                              "tea.packaging", "tea.trade"}));
  const ChainStage* drying = cat->FindStage("tea.drying");
  ASSERT_NE(drying, nullptr);
  EXPECT_EQ(drying->position, 4);
  EXPECT_EQ(&cat->stage(drying->index), drying);
  EXPECT_EQ(drying->name.vi, "Sấy chè");
}

TEST(ChainsTest, ResolvesIdsNamesSectorWordsAndVsic) {
  auto cat = ChainCatalog::LoadDir(DefaultChainsDir());
  ASSERT_TRUE(cat.ok());
  auto id_of = [&](std::string_view w) {
    auto c = cat->ResolveChain(w);
    return c.ok() ? (*c)->id : c.status().ToString();
  };
  EXPECT_EQ(id_of("tea"), "tea");
  EXPECT_EQ(id_of("Chè"), "tea");
  EXPECT_EQ(id_of("che"), "tea");
  EXPECT_EQ(id_of("1076"), "tea");
  EXPECT_EQ(id_of("dệt may"), "textile");
  EXPECT_EQ(id_of("Garment"), "textile");
  EXPECT_EQ(id_of("mây tre đan"), "crafts");
  EXPECT_EQ(id_of("Thủy sản"), "seafood");
  auto bad = cat->ResolveChain("spaceships");
  ASSERT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("tea, textile, wood"), std::string::npos)
      << bad.status().message();
  auto for_vsic = cat->ChainsForVsic("1410");
  ASSERT_EQ(for_vsic.size(), 1u);
  EXPECT_EQ(for_vsic[0]->id, "textile");
  EXPECT_EQ(cat->ChainsForVsic("2592")[0]->id, "mechanical");  // via division 25
  EXPECT_TRUE(cat->ChainsForVsic("62").empty());
}

TEST(ChainsTest, EveryConceptIdIsInTheLexicon) {
  auto cat = ChainCatalog::LoadDir(DefaultChainsDir());
  ASSERT_TRUE(cat.ok());
  auto lex = indexer::Lexicon::Load(DefaultDataDir() + "/lexicon");
  ASSERT_TRUE(lex.ok()) << lex.status().ToString();
  std::vector<std::string> missing;
  for (const std::string& id : cat->ConceptIds()) {
    if ((*lex)->Find(id) == nullptr) missing.push_back(id);
  }
  std::string list;
  for (const auto& m : missing) list += m + " ";
  EXPECT_TRUE(missing.empty()) << "concepts missing from data/lexicon: " << list;
  EXPECT_GT(cat->ConceptIds().size(), 100u);
}

const char* kGood = R"({"id":"x","name":{"vi":"X","en":"X"},"stages":[
  {"id":"x.a","name":{"vi":"A","en":"A"},"keywords":{"vi":["a a"]}},
  {"id":"x.b","name":{"vi":"B","en":"B"},"equipment":["gen.boiler"],"keywords":{"en":["b b"]}}]})";

TEST(ChainsTest, RejectsBadTemplatesNamingFileAndField) {
  ASSERT_TRUE(ChainCatalog::FromJson({{"x.json", kGood}}).ok());
  auto err = [](const std::string& text) {
    auto c = ChainCatalog::FromJson({{"bad.json", text}});
    return c.ok() ? std::string("ok") : c.status().message();
  };
  EXPECT_NE(err("{not json").find("bad.json: not valid JSON"), std::string::npos);
  EXPECT_NE(err(R"({"name":{"vi":"X","en":"X"}})").find("field 'id'"), std::string::npos);
  std::string wrong_prefix = kGood;
  wrong_prefix.replace(wrong_prefix.find("x.b"), 3, "y.b");
  EXPECT_NE(err(wrong_prefix).find("stages[1]: stage id 'y.b' must start with 'x.'"),
            std::string::npos)
      << err(wrong_prefix);
  std::string dup = kGood;
  dup.replace(dup.find("x.b"), 3, "x.a");
  EXPECT_NE(err(dup).find("duplicate stage id 'x.a'"), std::string::npos);
  std::string bad_concept = kGood;
  bad_concept.replace(bad_concept.find("gen.boiler"), 10, "Boiler!");
  EXPECT_NE(err(bad_concept).find("'Boiler!' is not a lexicon concept id"), std::string::npos);
  std::string no_kw = kGood;
  no_kw.replace(no_kw.find(R"("keywords":{"vi":["a a"]})"), 25, R"("keywords":{"vi":[]})");
  EXPECT_NE(err(no_kw).find("stages[0]: field 'keywords'"), std::string::npos) << err(no_kw);
  auto twice = ChainCatalog::FromJson({{"a.json", kGood}, {"b.json", kGood}});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("b.json: duplicate chain id 'x'"), std::string::npos);
}

}  // namespace
}  // namespace ketnoi::engine
