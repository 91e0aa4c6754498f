// The ranker's set features (concepts, accent, sector), computed per call
// from analyses and from precomputed RankKeys, and their effect on a score.
#include "engine/ranker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "indexer/analyzer.h"
#include "indexer/lexicon.h"

namespace ketnoi::engine {
namespace {

class RankerFeatures : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto lex = indexer::Lexicon::Load(std::string(KETNOI_DATA_DIR) + "/lexicon");
    ASSERT_TRUE(lex.ok()) << lex.status().ToString();
    lexicon_ = std::move(lex).value().release();
    analyzer_ = new indexer::Analyzer(lexicon_);
  }
  static indexer::Analysis A(const std::string& text) { return analyzer_->Analyze(text); }

  static const indexer::Lexicon* lexicon_;
  static const indexer::Analyzer* analyzer_;
};
const indexer::Lexicon* RankerFeatures::lexicon_ = nullptr;
const indexer::Analyzer* RankerFeatures::analyzer_ = nullptr;

// The lexical value over the query's reference: proportional up to it (a
// document with the query's words keeps BM25's lead over one sharing a few
// n-grams), then rising to 1 without a kink and never reaching past it.
TEST(SaturatedLexical, LinearToTheReferenceThenSaturating) {
  EXPECT_EQ(SaturatedLexical(0), 0);
  EXPECT_EQ(SaturatedLexical(-1), 0);
  EXPECT_DOUBLE_EQ(SaturatedLexical(0.5) / SaturatedLexical(0.25), 2.0);
  EXPECT_DOUBLE_EQ(SaturatedLexical(1.0), 0.8);
  const double h = 1e-6;  // same slope on both sides of the reference
  EXPECT_NEAR((SaturatedLexical(1 + h) - SaturatedLexical(1)) / h,
              (SaturatedLexical(1) - SaturatedLexical(1 - h)) / h, 1e-4);
  double last = 0;
  for (double x = 0.01; x < 8; x *= 1.3) {  // past ~9 it rounds to 1
    const double v = SaturatedLexical(x);
    EXPECT_GT(v, last) << x;
    EXPECT_LE(v, 1.0) << x;
    last = v;
  }
  EXPECT_GT(SaturatedLexical(3), SaturatedLexical(2));  // resolution above the reference
}

TEST_F(RankerFeatures, AccentCountsSyllablesWrittenWithOtherAccents) {
  indexer::Analysis need = A("máy sấy lúa");
  EXPECT_DOUBLE_EQ(AccentValue(need, A("máy sấy lúa công nghiệp")), 0.0);
  EXPECT_FALSE(std::signbit(AccentValue(need, A("máy sấy lúa công nghiệp"))));  // not -0.0
  // lụa (silk) is not lúa (rice): one of three syllables is contradicted.
  EXPECT_NEAR(AccentValue(need, A("máy sấy lụa")), -1.0 / 3.0, 1e-9);
  EXPECT_NEAR(AccentValue(need, A("máy sây lụa")), -2.0 / 3.0, 1e-9);
  // Writing lụa besides lúa contradicts nothing; leaving a word out neither.
  EXPECT_DOUBLE_EQ(AccentValue(need, A("sấy lúa, sấy lụa")), 0.0);
  // Written without accents: nothing to count.
  EXPECT_DOUBLE_EQ(AccentValue(need, A("may say lua")), 0.0);
  EXPECT_DOUBLE_EQ(AccentValue(RankKeys::Of(need), RankKeys::Of(A("máy sấy lụa"))),
                   AccentValue(need, A("máy sấy lụa")));
}

TEST_F(RankerFeatures, ConceptsBridgeLanguagesAndNameTheMatch) {
  indexer::Analysis need = A("cần máy sấy chè");
  std::vector<std::string> matched;
  double v = ConceptValue(need, A("tea dryer, 300 kg/h"), &matched);
  EXPECT_GT(v, 0.5);
  ASSERT_FALSE(matched.empty());
  std::vector<std::string> none;
  EXPECT_DOUBLE_EQ(ConceptValue(need, A("máy may công nghiệp"), &none), 0.0);
  EXPECT_TRUE(none.empty());
  // The keyed form names the same concepts in the same order.
  std::vector<std::string> keyed;
  indexer::Analysis cand = A("tea dryer, 300 kg/h");
  EXPECT_DOUBLE_EQ(ConceptValue(need, RankKeys::Of(need), RankKeys::Of(cand), &keyed), v);
  EXPECT_EQ(keyed, matched);
}

// A concept both texts name with the same words is already in the lexical
// value and counts half; the concept feature counts in full what the words
// do not show: the same machine named in another language or other words.
TEST_F(RankerFeatures, ConceptsCountWhatTheWordsDoNotShow) {
  indexer::Analysis need = A("cần máy sấy chè");
  std::vector<std::string> same_words, other_words, plain;
  const double same = ConceptValue(need, A("máy sấy chè băng tải"), &same_words);
  const double other = ConceptValue(need, A("chain-belt tea dryer"), &other_words);
  const double folded = ConceptValue(need, A("may say che bang tai"), &plain);
  EXPECT_GT(other, same);
  EXPECT_LT(same, 1.0);
  EXPECT_DOUBLE_EQ(folded, same);  // without diacritics: the same words
  // Either way the match is named, for the reasons.
  for (const auto* m : {&same_words, &other_words, &plain}) {
    EXPECT_NE(std::find(m->begin(), m->end(), "tea.dryer"), m->end());
  }
}

TEST_F(RankerFeatures, SectorRewardsTheSameChainAndCostsAnotherOne) {
  EXPECT_DOUBLE_EQ(SectorValue("tea", A("máy vò chè, máy sấy chè")), 1.0);
  EXPECT_DOUBLE_EQ(SectorValue("tea", A("máy may công nghiệp, máy vắt sổ")), -0.5);
  EXPECT_DOUBLE_EQ(SectorValue("", A("máy vò chè")), 0.0);
}

// A maker of cross-chain equipment (a boiler, a cold room) names the chains
// it served before; when the need asks for that very equipment, those
// chains say nothing against it. Another chain's machine of the same broader
// kind (a tea dryer for a longan dryer need) still costs.
TEST_F(RankerFeatures, CrossChainEquipmentTheNeedNamesCostsNoSector) {
  const auto keys = [&](const std::string& text) { return RankKeys::Of(A(text), lexicon_); };
  const RankKeys boiler_need = keys("Thay lò than bằng nồi hơi cho dây chuyền sấy chè");
  const RankKeys boiler_maker = keys("Lò hơi đốt củi, viên nén sinh khối cho xưởng sấy gỗ");
  EXPECT_DOUBLE_EQ(SectorValue("tea", boiler_maker), -0.5);  // it names the wood chain only
  EXPECT_DOUBLE_EQ(SectorValue("tea", boiler_need, boiler_maker), 0.0);
  // A need that does not ask for a boiler: the wood chain costs as before.
  EXPECT_DOUBLE_EQ(SectorValue("tea", keys("Cần máy vò chè cho HTX"), boiler_maker), -0.5);
  // The broader dryer both name is not the need's own word: the tea dryer
  // maker is another chain's.
  EXPECT_DOUBLE_EQ(
      SectorValue("fruit", keys("Cần máy sấy nhãn 1 tấn/mẻ"), keys("Máy sấy chè băng tải")), -0.5);
  // An organisation both name ("HTX") is no equipment bought.
  EXPECT_DOUBLE_EQ(SectorValue("tea", keys("Cần máy vò chè cho HTX"),
                               keys("Máy sấy bơm nhiệt cho long nhãn, HTX")),
                   -0.5);
  // The same chain is still worth the most.
  EXPECT_DOUBLE_EQ(SectorValue("tea", boiler_need, keys("Máy sấy chè băng tải, nồi hơi")), 1.0);
}

// A metal named beside a machine is what the machine is built of, not the
// text's chain; named alone it is the purchase (ChainEvidence).
TEST_F(RankerFeatures, MetalBesideAMachineGivesNoChain) {
  const auto chains = [&](const std::string& text, const indexer::Lexicon* lexicon) {
    return RankKeys::Of(A(text), lexicon).chains;
  };
  using Chains = std::vector<std::string>;
  EXPECT_EQ(chains("Chế tạo máy sấy chè bằng inox 304", lexicon_), Chains{"tea"});
  EXPECT_EQ(chains("Cần mua inox 304 tấm và thép hộp", lexicon_), Chains{"mechanical"});
  // Without the lexicon's categories every concept gives its chain.
  const Chains all = chains("Chế tạo máy sấy chè bằng inox 304", nullptr);
  EXPECT_NE(std::find(all.begin(), all.end(), "mechanical"), all.end());
  // A dryer maker that writes its steel grade is still in the tea chain only.
  const RankKeys maker = RankKeys::Of(A("Máy sấy chè băng tải, khung inox 304"), lexicon_);
  EXPECT_DOUBLE_EQ(SectorValue("tea", maker), 1.0);
  EXPECT_DOUBLE_EQ(SectorValue("mechanical", maker), -0.5);
}

TEST_F(RankerFeatures, ScoreWithKeysEqualsScoreWithout) {
  indexer::Analysis na = A("Cần máy sấy chè 500 kg/ngày, ngân sách 300 triệu");
  indexer::Analysis ca = A("Máy sấy chè băng tải 300-500 kg chè tươi/giờ, giá từ 180 triệu");
  MatchSide need, cand;
  need.analysis = &na;
  need.chain = "tea";
  need.budget_vnd = 300'000'000;
  cand.analysis = &ca;
  PairEvidence ev;
  ev.dense = 0.4;
  ev.sparse = 3;
  ev.sparse_max = 4;
  Ranker ranker(RankerWeights{}, lexicon_);
  Explanation plain = ranker.ScoreFeatures(need, cand, ev);
  RankKeys nk = RankKeys::Of(na), ck = RankKeys::Of(ca);
  need.keys = &nk;
  cand.keys = &ck;
  Explanation keyed = ranker.ScoreFeatures(need, cand, ev);
  EXPECT_EQ(keyed.values, plain.values);
  EXPECT_DOUBLE_EQ(keyed.score, plain.score);
  EXPECT_EQ(keyed.matched_concepts, plain.matched_concepts);
  EXPECT_GT(plain.values[static_cast<int>(RankFeature::kConcepts)], 0.0);
  EXPECT_DOUBLE_EQ(plain.values[static_cast<int>(RankFeature::kSector)], 1.0);
}

// A need the lexicon hardly recognises (a product title naming "oven" among
// a dozen other words, a citizen's question) gets its concepts and its
// semantic similarity in proportion; a centre's need, in full.
TEST_F(RankerFeatures, NeedsTheLexiconDoesNotSpeakForCountConceptsAndSemanticLess) {
  Ranker ranker(RankerWeights{}, lexicon_);
  PairEvidence ev;
  ev.dense = 0.4;
  ev.sparse = 3;
  ev.sparse_max = 4;
  auto score = [&](const indexer::Analysis& na, const indexer::Analysis& ca) {
    MatchSide need, cand;
    need.analysis = &na;
    cand.analysis = &ca;
    return ranker.ScoreFeatures(need, cand, ev);
  };
  const auto concepts = static_cast<int>(RankFeature::kConcepts);
  const auto semantic = static_cast<int>(RankFeature::kSemantic);

  indexer::Analysis centre = A("Cần máy sấy chè 500 kg/ngày cho hợp tác xã");
  indexer::Analysis dryer = A("Máy sấy chè băng tải 300-500 kg/giờ");
  EXPECT_GE(RankKeys::Of(centre).recognized, kRecognizedForFullWeight);
  Explanation full = score(centre, dryer);
  EXPECT_DOUBLE_EQ(full.values[semantic], 0.4);
  EXPECT_DOUBLE_EQ(full.values[concepts], ConceptValue(centre, dryer, nullptr));
  EXPECT_GT(full.values[concepts], 0.0);

  indexer::Analysis title = A(
      "Panasonic NNH965BF Genius Countertop Microwave Oven with Turbo Defrost, Child Safety "
      "Lock and Black Finish");
  indexer::Analysis other = A("Panasonic NNSD767S Stainless Steel Countertop Microwave Oven");
  const double share = RankKeys::Of(title).recognized;
  ASSERT_GT(share, 0.0);
  ASSERT_LT(share, kRecognizedForFullWeight);
  const double own = ConceptValue(title, other, nullptr);
  ASSERT_GT(own, 0.0);  // both name an oven
  Explanation scaled = score(title, other);
  EXPECT_NEAR(scaled.values[concepts], own * share / kRecognizedForFullWeight, 1e-12);
  EXPECT_NEAR(scaled.values[semantic], 0.4 * share / kRecognizedForFullWeight, 1e-12);
  // The explanation still names the shared concept.
  EXPECT_FALSE(scaled.matched_concepts.empty());

  indexer::Analysis question = A("Tôi bị ho và sốt nhẹ, có cần đi xét nghiệm không?");
  EXPECT_DOUBLE_EQ(RankKeys::Of(question).recognized, 0.0);
  EXPECT_DOUBLE_EQ(score(question, A("Người bị ho, sốt nên đi xét nghiệm")).values[semantic], 0.0);
}

// A market's factor: the share of its listings the lexicon speaks for, full
// from half of them up, in tenths (a listing more or less leaves it as it
// was, and so the stored lists' ranking).
TEST(MarketFactor, ShareOfListingsTheLexiconSpeaksForInTenths) {
  EXPECT_DOUBLE_EQ(MarketFactor(0, 0), 1.0);  // nothing known yet: the domain
  EXPECT_DOUBLE_EQ(MarketFactor(94, 96), 1.0);
  EXPECT_DOUBLE_EQ(MarketFactor(50, 100), 1.0);
  EXPECT_DOUBLE_EQ(MarketFactor(49, 100), 0.9);
  EXPECT_DOUBLE_EQ(MarketFactor(30, 100), 0.6);
  EXPECT_DOUBLE_EQ(MarketFactor(31, 100), 0.6);
  EXPECT_DOUBLE_EQ(MarketFactor(5, 1081), 0.0);
  EXPECT_DOUBLE_EQ(MarketFactor(0, 10), 0.0);
}

// In a market the lexicon does not speak for, the features read through it
// (concepts, the chain read from them, capacities parsed with the centre's
// units) count in proportion to the market's factor; the words, accents and
// place count as before.
TEST_F(RankerFeatures, AMarketTheLexiconDoesNotSpeakForCountsItsReadingsLess) {
  Ranker ranker(RankerWeights{}, lexicon_);
  indexer::Analysis na = A("Cần máy sấy chè 400 kg/giờ cho hợp tác xã, lúa");
  indexer::Analysis ca = A("Máy sấy chè băng tải 300-500 kg/giờ, lụa");
  MatchSide need, cand;
  need.analysis = &na;
  need.chain = "tea";
  need.province_id = cand.province_id = "01";
  cand.analysis = &ca;
  cand.declares_service_area = true;
  PairEvidence ev;
  ev.dense = 0.4;
  ev.sparse = 3;
  ev.sparse_max = 4;
  auto at = [&](double market) {
    ev.market = market;
    return ranker.ScoreFeatures(need, cand, ev);
  };
  const Explanation full = at(1), half = at(0.5), none = at(0);
  for (RankFeature f : {RankFeature::kConcepts, RankFeature::kSector, RankFeature::kCapacity}) {
    const int i = static_cast<int>(f);
    ASSERT_GT(full.values[i], 0.0) << i;
    EXPECT_DOUBLE_EQ(half.values[i], full.values[i] * 0.5) << i;
    EXPECT_DOUBLE_EQ(none.values[i], 0.0) << i;
  }
  for (RankFeature f : {RankFeature::kSemantic, RankFeature::kLexical, RankFeature::kAccent,
                        RankFeature::kGeography}) {
    const int i = static_cast<int>(f);
    EXPECT_NE(full.values[i], 0.0) << i;
    EXPECT_DOUBLE_EQ(none.values[i], full.values[i]) << i;
  }
  EXPECT_LT(none.score, full.score);
  // The explanation still names what both sides name.
  EXPECT_EQ(none.matched_concepts, full.matched_concepts);
  EXPECT_EQ(none.capacity_note, full.capacity_note);
}

}  // namespace
}  // namespace ketnoi::engine
