#include "indexer/analyzer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "indexer/lexicon.h"

namespace ketnoi::indexer {
namespace {

float Count(const Analysis& a, const std::string& term) {
  for (const Feature& f : a.features) {
    if (f.term == term) return f.count;
  }
  return 0;
}

int CountKind(const Analysis& a, FeatureKind kind) {
  return static_cast<int>(std::count_if(a.features.begin(), a.features.end(),
                                        [&](const Feature& f) { return f.kind == kind; }));
}

std::unique_ptr<Lexicon> SmallLexicon() {
  auto lex = Lexicon::FromFiles(
      {{"t.tsv",
        "id\tcategory\tvi\ten\tvariants\tbroader\n"
        "tea.dryer\tequipment\tmáy sấy chè\ttea dryer\tthiết bị sấy chè\tgen.dryer\n"
        "gen.dryer\tequipment\tmáy sấy\tdryer\tthiết bị sấy\t\n"}});
  EXPECT_TRUE(lex.ok()) << lex.status().ToString();
  return std::move(lex).value();
}

TEST(Analyzer, FeaturesWithPrefixesAndCounts) {
  auto lex = SmallLexicon();
  Analyzer an(lex.get());
  Analysis a = an.Analyze("Cần máy sấy chè 500 kg/ngày, máy sấy tốt");
  EXPECT_EQ(a.accented, "cần máy sấy chè 500 kg/ngày, máy sấy tốt");
  EXPECT_EQ(a.folded, "can may say che 500 kg/ngay, may say tot");
  EXPECT_EQ(a.length, 10u);
  EXPECT_EQ(Count(a, "s:may"), 2);
  EXPECT_EQ(Count(a, "s:500"), 1);
  EXPECT_EQ(Count(a, "a:máy"), 2);
  EXPECT_EQ(Count(a, "a:sấy"), 2);
  EXPECT_EQ(Count(a, "a:kg"), 0);  // no diacritics, no accented feature
  EXPECT_EQ(Count(a, "b:may_say"), 2);
  EXPECT_EQ(Count(a, "b:say_che"), 1);
  EXPECT_EQ(Count(a, "b:ngay_may"), 0);  // the comma breaks the phrase
  EXPECT_EQ(Count(a, "b:che_500"), 0);   // numbers make no bigrams
  EXPECT_EQ(Count(a, "g:#ma"), 2);
  EXPECT_EQ(Count(a, "g:#may#"), 2);
  EXPECT_EQ(Count(a, "g:say"), 2);
  EXPECT_EQ(Count(a, "k:tea.dryer"), 1);
  // "máy sấy chè" is the longest match, then "máy sấy" alone names
  // gen.dryer directly, so it is not added again as tea.dryer's broader.
  EXPECT_EQ(Count(a, "k:gen.dryer"), 1);
  EXPECT_EQ(Count(a, "q:kg/h"), 1);
  ASSERT_EQ(a.quantities.size(), 1u);
  EXPECT_DOUBLE_EQ(a.quantities[0].value, 62.5);
  for (const Feature& f : a.features) {
    static const char* kPrefix[] = {"s:", "a:", "b:", "g:", "k:", "q:"};
    EXPECT_EQ(f.term.substr(0, 2), kPrefix[static_cast<int>(f.kind)]) << f.term;
  }
  for (size_t i = 1; i < a.features.size(); ++i) {
    for (size_t j = 0; j < i; ++j) ASSERT_NE(a.features[i].term, a.features[j].term);
  }
}

TEST(Analyzer, FoldedAndAccentedTextsShareFoldedFeatures) {
  Analyzer an(nullptr);
  Analysis with = an.Analyze("Máy sấy chè");
  Analysis without = an.Analyze("may say che");
  EXPECT_EQ(CountKind(without, FeatureKind::kAccented), 0);
  EXPECT_EQ(CountKind(with, FeatureKind::kAccented), 3);
  EXPECT_EQ(CountKind(with, FeatureKind::kConcept), 0);  // no lexicon
  for (const Feature& f : without.features) EXPECT_EQ(Count(with, f.term), f.count) << f.term;
}

TEST(Analyzer, SpellingVariantsGiveIdenticalFeatures) {
  auto lex = SmallLexicon();
  Analyzer an(lex.get());
  auto same = [&](const std::string& x, const std::string& y) {
    Analysis a = an.Analyze(x), b = an.Analyze(y);
    ASSERT_EQ(a.features.size(), b.features.size()) << x << " vs " << y;
    for (const Feature& f : a.features) EXPECT_EQ(Count(b, f.term), f.count) << f.term;
  };
  same("Hoà Bình, thuỵ, khoẻ", "Hòa Bình, thụy, khỏe");
  same("M\xC3\xA1y s\xE1\xBA\xA5y ch\xC3\xA8", "ma\xCC\x81y sa\xCC\x82\xCC\x81y che\xCC\x80");  // NFC vs NFD
  same("MÁY SẤY CHÈ", "máy sấy chè");
}

TEST(Analyzer, RunTogetherWordsShareNgrams) {
  Analyzer an(nullptr);
  Analysis spaced = an.Analyze("máy sấy chè");
  Analysis glued = an.Analyze("maysaychè");
  int shared = 0;
  for (const Feature& f : glued.features) {
    if (f.kind == FeatureKind::kCharNgram && Count(spaced, f.term) > 0) ++shared;
  }
  EXPECT_GE(shared, 4);  // "may", "say", "che", "#ma", "he#", ...
}

TEST(Analyzer, ModelCodesMatchWithAndWithoutHyphen) {
  Analyzer an(nullptr);
  Analysis a = an.Analyze("Điện thoại KX-TS600W");
  Analysis b = an.Analyze("kxts600w");
  EXPECT_EQ(Count(a, "s:kxts600w"), 1);
  EXPECT_EQ(Count(b, "s:kxts600w"), 1);
  EXPECT_EQ(Count(a, "s:kx"), 1);
  EXPECT_EQ(Count(a, "s:ts600w"), 1);
}

TEST(Analyzer, OptionsTurnFeaturesOff) {
  AnalyzerOptions o;
  o.char_ngrams = false;
  o.bigrams = false;
  Analyzer an(nullptr, o);
  Analysis a = an.Analyze("máy sấy chè");
  EXPECT_EQ(CountKind(a, FeatureKind::kCharNgram), 0);
  EXPECT_EQ(CountKind(a, FeatureKind::kBigram), 0);
  EXPECT_EQ(CountKind(a, FeatureKind::kSyllable), 3);
}

TEST(Analyzer, TheOpeningOfALongTextCountsMore) {
  // 3 + 66 + 3 = 72 tokens: more than twice the 30-token opening.
  std::string long_text = "máy sấy chè";
  for (int i = 0; i < 33; ++i) long_text += " xưởng gỗ";
  long_text += " máy sấy chè";
  Analyzer an(nullptr);
  Analysis a = an.Analyze(long_text);
  ASSERT_EQ(a.length, 72u);
  // "máy sấy chè" once in the opening (x2), once after it (x1).
  EXPECT_FLOAT_EQ(Count(a, "s:che"), 3);
  EXPECT_FLOAT_EQ(Count(a, "a:chè"), 3);
  EXPECT_FLOAT_EQ(Count(a, "b:may_say"), 3);
  // 13 of the 33 "gỗ" fall within the opening (tokens 4, 6, ..., 28).
  EXPECT_FLOAT_EQ(Count(a, "s:go"), 33 + 13);
  // Character n-grams and the length are read evenly.
  EXPECT_FLOAT_EQ(Count(a, "g:#che"), 2);

  // A short text (most needs, product names) is read evenly.
  Analysis s = an.Analyze("máy sấy chè cho hợp tác xã chè");
  EXPECT_FLOAT_EQ(Count(s, "s:che"), 2);
  EXPECT_FLOAT_EQ(Count(s, "s:may"), 1);

  // lead_tokens = 0 turns it off.
  AnalyzerOptions off;
  off.lead_tokens = 0;
  EXPECT_FLOAT_EQ(Count(Analyzer(nullptr, off).Analyze(long_text), "s:che"), 2);
}

TEST(Analyzer, EmptyAndPunctuationOnly) {
  Analyzer an(nullptr);
  EXPECT_TRUE(an.Analyze("").features.empty());
  EXPECT_TRUE(an.Analyze(" ,.;- ").features.empty());
  EXPECT_EQ(an.Analyze("\xFF\xFE").length, 0u);
}

std::vector<std::string> Codes(std::string_view word) {
  std::vector<std::string_view> v;
  CodeTerms(word, &v);
  return {v.begin(), v.end()};
}

TEST(Analyzer, CodeTermsAreModelCodesAndTheirStems) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Codes("lre30453bk"), (V{"lre30453bk", "lre30453"}));
  EXPECT_EQ(Codes("srsa212"), (V{"srsa212"}));
  EXPECT_EQ(Codes("2350b001"), (V{"2350b001"}));    // ends in a digit: no stem
  EXPECT_EQ(Codes("0101061300"), (V{"0101061300"}));  // a part number of 10 digits
  EXPECT_EQ(Codes("1080p"), (V{"1080p"}));          // the stem "1080" is only a number
  EXPECT_EQ(Codes("ts600w"), (V{"ts600w", "ts600"}));
  EXPECT_EQ(Codes("a12bk"), (V{"a12bk"}));          // stem "a12" too short
  EXPECT_EQ(Codes("2024"), V{});                    // a year, a count
  EXPECT_EQ(Codes("12345"), V{});
  EXPECT_EQ(Codes("may"), V{});
  EXPECT_EQ(Codes("m3"), V{});                      // too short
  EXPECT_EQ(Codes("1.200.000"), V{});               // a number with separators
  EXPECT_EQ(Codes("mã1234"), V{});                  // not ASCII: not a code
}

TEST(Analyzer, CodesWithAndWithoutJoinersAndSuffixesMeet) {
  Analyzer an(nullptr);
  Analysis buyer = an.Analyze("Cần mua bếp điện LRE30453, máy đo KX-TS600 và bộ gá 010-10613-00");
  Analysis catalogue =
      an.Analyze("LG Black Electric Range - LRE30453BK; KXTS600; mount 0101061300");
  for (const char* term : {"c:lre30453", "c:kxts600", "c:0101061300"}) {
    EXPECT_EQ(Count(buyer, term), 1) << term;
    EXPECT_EQ(Count(catalogue, term), 1) << term;
  }
  EXPECT_EQ(Count(catalogue, "c:lre30453bk"), 1);
  EXPECT_EQ(Count(buyer, "c:lre30453bk"), 0);
  // Vietnamese words and plain numbers make no code terms.
  Analysis plain = an.Analyze("Máy sấy chè 500 kg/ngày, giá 1.200.000 đ, năm 2024");
  EXPECT_EQ(CountKind(plain, FeatureKind::kCode), 0);
  AnalyzerOptions off;
  off.codes = false;
  EXPECT_EQ(CountKind(Analyzer(nullptr, off).Analyze("LRE30453BK"), FeatureKind::kCode), 0);
}

}  // namespace
}  // namespace ketnoi::indexer
