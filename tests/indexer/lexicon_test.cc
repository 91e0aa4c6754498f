#include "indexer/lexicon.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "indexer/tokenize.h"

namespace ketnoi::indexer {
namespace {

const char* kHeader = "id\tcategory\tvi\ten\tvariants\tbroader\n";

std::unique_ptr<Lexicon> Make(const std::string& rows) {
  auto lex = Lexicon::FromFiles({{"test.tsv", std::string(kHeader) + rows}});
  EXPECT_TRUE(lex.ok()) << lex.status().ToString();
  return lex.ok() ? std::move(lex).value() : nullptr;
}

std::vector<std::string> Ids(const std::vector<ConceptHit>& hits, bool broader = false) {
  std::vector<std::string> ids;
  for (const ConceptHit& h : hits) {
    if (h.broader == broader) ids.push_back(h.concept_id);
  }
  return ids;
}

const char* kTea =
    "tea.dryer\tequipment\tmáy sấy chè\ttea dryer\tthiết bị sấy chè|máy sao chè\tgen.dryer\n"
    "gen.dryer\tequipment\tmáy sấy\tdryer\tthiết bị sấy|drying machine\tgen.machine\n"
    "gen.machine\tequipment\tmáy móc\tmachinery\t\t\n"
    "rice\tmaterial\tlúa\trice\tthóc\t\n"
    "silk\tmaterial\tlụa\tsilk\t\t\n"
    "cnc\tequipment\tmáy CNC\tCNC machine\tmáy phay CNC|CNC\t\n";

TEST(Lexicon, ThreePhrasingsMeet) {
  auto lex = Make(kTea);
  ASSERT_NE(lex, nullptr);
  EXPECT_EQ(lex->size(), 6u);
  for (const char* text : {"Cần máy sấy chè", "Tea dryer, 200 kg/h", "thiet bi say che",
                           "MAY SAY CHE 500kg", "Thiết Bị Sấy Chè"}) {
    auto ids = Ids(lex->Match(text));
    EXPECT_NE(std::find(ids.begin(), ids.end(), "tea.dryer"), ids.end()) << text;
  }
}

TEST(Lexicon, LongestMatchFirstAndBroader) {
  auto lex = Make(kTea);
  auto hits = lex->Match("máy sấy chè và máy sấy");
  EXPECT_EQ(Ids(hits), (std::vector<std::string>{"tea.dryer", "gen.dryer"}));
  // gen.dryer is a direct hit, so only gen.machine is added as broader.
  EXPECT_EQ(Ids(hits, true), (std::vector<std::string>{"gen.machine"}));
  EXPECT_EQ(hits[0].matched, "máy sấy chè");
  EXPECT_TRUE(hits[0].accented);
  auto no_broader = lex->Match("máy sấy chè", /*expand_broader=*/false);
  EXPECT_EQ(Ids(no_broader, true), std::vector<std::string>{});
  auto transitive = lex->Match("tea dryer");
  EXPECT_EQ(Ids(transitive, true), (std::vector<std::string>{"gen.dryer", "gen.machine"}));
}

TEST(Lexicon, DiacriticsDecideAmbiguousFoldedForms) {
  auto lex = Make(kTea);
  EXPECT_EQ(Ids(lex->Match("lúa")), std::vector<std::string>{"rice"});
  EXPECT_EQ(Ids(lex->Match("lụa")), std::vector<std::string>{"silk"});
  // Without diacritics both readings are kept, neither marked accented.
  auto both = lex->Match("lua");
  EXPECT_EQ(Ids(both), (std::vector<std::string>{"rice", "silk"}));
  EXPECT_FALSE(both[0].accented);
  // A syllable typed without its accent still matches ("say" for "sấy").
  auto partial = lex->Match("máy say chè");
  ASSERT_FALSE(partial.empty());
  EXPECT_EQ(partial[0].concept_id, "tea.dryer");
  EXPECT_FALSE(partial[0].accented);
  // A syllable with a different accent does not: "sáy" is not "sấy".
  EXPECT_EQ(Ids(lex->Match("máy sáy")), std::vector<std::string>{});
}

TEST(Lexicon, EnglishAndMixedTerms) {
  auto lex = Make(kTea);
  EXPECT_EQ(Ids(lex->Match("Used CNC machine for sale")), std::vector<std::string>{"cnc"});
  EXPECT_EQ(Ids(lex->Match("máy phay cnc")), std::vector<std::string>{"cnc"});
  EXPECT_EQ(Ids(lex->Match("drying machine")), std::vector<std::string>{"gen.dryer"});
}

TEST(Lexicon, FindById) {
  auto lex = Make(kTea);
  const Concept* c = lex->Find("tea.dryer");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->vi, "máy sấy chè");
  EXPECT_EQ(c->en, "tea dryer");
  EXPECT_EQ(c->category, "equipment");
  EXPECT_EQ(c->broader, std::vector<std::string>{"gen.dryer"});
  EXPECT_EQ(c->variants.size(), 2u);
  EXPECT_EQ(c->source, "test.tsv:2");
  EXPECT_EQ(lex->Find("nope"), nullptr);
}

TEST(Lexicon, MalformedRowsNameFileAndLine) {
  auto bad_columns = Lexicon::FromFiles({{"a.tsv", std::string(kHeader) + "x\ty\tz\n"}});
  ASSERT_FALSE(bad_columns.ok());
  EXPECT_NE(bad_columns.status().message().find("a.tsv:2"), std::string::npos)
      << bad_columns.status().message();
  auto dup = Lexicon::FromFiles({{"a.tsv", std::string(kHeader) + "x\tc\tmáy\tm\t\t\n"},
                                 {"b.tsv", std::string(kHeader) + "\nx\tc\tmáy\tm\t\t\n"}});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("b.tsv:3"), std::string::npos);
  EXPECT_NE(dup.status().message().find("a.tsv:2"), std::string::npos);
  auto unknown = Lexicon::FromFiles({{"a.tsv", std::string(kHeader) + "x\tc\tmáy\tm\t\tnope\n"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'nope'"), std::string::npos);
  auto header = Lexicon::FromFiles({{"h.tsv", "x\ty\n"}});
  ASSERT_FALSE(header.ok());
  EXPECT_NE(header.status().message().find("h.tsv:1"), std::string::npos);
  auto empty_id = Lexicon::FromFiles({{"a.tsv", std::string(kHeader) + "\tc\tmáy\tm\t\t\n"}});
  EXPECT_FALSE(empty_id.ok());
  auto utf8 = Lexicon::FromFiles({{"a.tsv", std::string(kHeader) + "x\tc\tm\xC3\tm\t\t\n"}});
  ASSERT_FALSE(utf8.ok());
  EXPECT_NE(utf8.status().message().find("UTF-8"), std::string::npos);
}

TEST(Lexicon, LoadsDirectory) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(testing::TempDir()) / "lexicon_test_dir";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "a.tsv") << kHeader << kTea;
  std::ofstream(dir / "ignored.txt") << "not a lexicon";
  auto lex = Lexicon::Load(dir.string());
  ASSERT_TRUE(lex.ok()) << lex.status().ToString();
  EXPECT_EQ((*lex)->size(), 6u);
  EXPECT_FALSE(Lexicon::Load((dir / "missing").string()).ok());
  fs::remove_all(dir);
}

// The project's own lexicon: it loads, and the three phrasings of a tea
// dryer meet on one concept.
TEST(Lexicon, EnglishPluralsMeetSingularTerms) {
  auto lex = Make(kTea);
  EXPECT_EQ(Ids(lex->Match("chain-belt tea dryers, wood-fired")),
            std::vector<std::string>{"tea.dryer"});
  EXPECT_EQ(Ids(lex->Match("two CNC machines")), std::vector<std::string>{"cnc"});
  // A plural term in the file is indexed by its singular too.
  auto plural = Make("gen.kiln\tequipment\tlò nung\tkilns\t\t\n");
  EXPECT_EQ(Ids(plural->Match("gas shuttle kiln")), std::vector<std::string>{"gen.kiln"});
  // Vietnamese (no syllable ends in "s") is untouched.
  EXPECT_EQ(Ids(lex->Match("may say che")), std::vector<std::string>{"tea.dryer"});
}

TEST(Lexicon, EnglishSingular) {
  EXPECT_EQ(EnglishSingular("dryers"), "dryer");
  EXPECT_EQ(EnglishSingular("machines"), "machine");
  EXPECT_EQ(EnglishSingular("batteries"), "battery");
  EXPECT_EQ(EnglishSingular("kilns"), "kiln");
  // Kept: too short, -ss, -us, -is, -oes/-ees/-aes, digits, non-ASCII, no s.
  for (const char* w : {"gas", "cas", "glass", "bus", "analysis", "shoes", "trees", "6crs", "gots",
                        "kws1", "dryer", "máys", ""}) {
    EXPECT_EQ(EnglishSingular(w), "") << w;
  }
}

TEST(Lexicon, RealLexiconBridgesVietnameseEnglishAndFolded) {
  auto lex = Lexicon::Load(std::string(KETNOI_DATA_DIR) + "/lexicon");
  ASSERT_TRUE(lex.ok()) << lex.status().ToString();
  EXPECT_GE((*lex)->size(), 100u);
  auto vi = Ids((*lex)->Match("máy sấy chè"));
  auto en = Ids((*lex)->Match("tea dryer"));
  auto folded = Ids((*lex)->Match("thiet bi say che"));
  std::vector<std::string> shared;
  for (const std::string& id : vi) {
    if (std::find(en.begin(), en.end(), id) != en.end() &&
        std::find(folded.begin(), folded.end(), id) != folded.end()) {
      shared.push_back(id);
    }
  }
  EXPECT_FALSE(shared.empty()) << "no concept shared by the three phrasings";
}

}  // namespace
}  // namespace ketnoi::indexer
