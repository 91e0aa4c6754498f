#include "indexer/normalize.h"

#include <gtest/gtest.h>

#include "indexer/tokenize.h"

namespace ketnoi::indexer {
namespace {

TEST(Normalize, FoldsDiacriticsAndDStroke) {
  EXPECT_EQ(Fold("Máy sấy chè Đà Nẵng"), "may say che da nang");
  EXPECT_EQ(Fold("ĐƯỜNG đường"), "duong duong");
  EXPECT_EQ(Fold("Thiết bị sấy"), "thiet bi say");
}

TEST(Normalize, LowerCasesAndKeepsAccents) {
  EXPECT_EQ(NormalizeAccented("MÁY SẤY CHÈ"), "máy sấy chè");
  EXPECT_EQ(NormalizeAccented("Đà Nẵng"), "đà nẵng");
  EXPECT_EQ(NormalizeAccented("KX-TS600W, 500kg/ngày!"), "kx-ts600w, 500kg/ngày!");
}

TEST(Normalize, OneToneMarkConvention) {
  EXPECT_EQ(NormalizeAccented("hoà"), "hòa");
  EXPECT_EQ(NormalizeAccented("hòa"), "hòa");
  EXPECT_EQ(NormalizeAccented("thuỵ"), "thụy");
  EXPECT_EQ(NormalizeAccented("khoẻ"), "khỏe");
  EXPECT_EQ(NormalizeAccented("Thanh Hoá"), "thanh hóa");
  EXPECT_EQ(NormalizeAccented("Khánh Hoà"), NormalizeAccented("Khánh Hòa"));
  EXPECT_EQ(NormalizeAccented("uỷ ban"), "ủy ban");
  EXPECT_EQ(NormalizeAccented("thủy"), "thủy");
  // A final consonant puts the tone on the last vowel, both spellings.
  EXPECT_EQ(NormalizeAccented("hoàng"), "hoàng");
  EXPECT_EQ(NormalizeAccented("hòang"), "hoàng");
  EXPECT_EQ(NormalizeAccented("huỳnh"), "huỳnh");
  EXPECT_EQ(NormalizeAccented("hùynh"), "huỳnh");
  // Shape-marked vowels carry the tone.
  EXPECT_EQ(NormalizeAccented("người"), "người");
  EXPECT_EQ(NormalizeAccented("ngừơi"), "người");
  EXPECT_EQ(NormalizeAccented("quốc"), "quốc");
  EXPECT_EQ(NormalizeAccented("khuyến"), "khuyến");
  // qu- and gi- onsets are not vowels; three vowels take the middle one.
  EXPECT_EQ(NormalizeAccented("quá"), "quá");
  EXPECT_EQ(NormalizeAccented("giá"), "giá");
  EXPECT_EQ(NormalizeAccented("gì"), "gì");
  EXPECT_EQ(NormalizeAccented("ngoài"), "ngoài");
  EXPECT_EQ(NormalizeAccented("ngoaì"), "ngoài");
  EXPECT_EQ(NormalizeAccented("mía"), "mía");
  // Foreign words with more than one vowel group are left alone.
  EXPECT_EQ(NormalizeAccented("Café résumé"), "café résumé");
}

TEST(Normalize, NfdInputEqualsNfc) {
  // "hòa thụy nguyễn" written decomposed: base letters + combining marks.
  const char* nfd = "ho\xCC\x80" "a thu\xCC\xA3y nguye\xCC\x82\xCC\x83n Đa\xCC\x80";
  EXPECT_EQ(NormalizeAccented(nfd), "hòa thụy nguyễn đà");
  EXPECT_EQ(Fold(nfd), "hoa thuy nguyen da");
  // Decomposed with the tone mark on the "old" vowel still normalises.
  EXPECT_EQ(NormalizeAccented("hoa\xCC\x80"), "hòa");
  // Marks in the other canonical order (circumflex before dot below).
  EXPECT_EQ(NormalizeAccented("e\xCC\x82\xCC\xA3"), "ệ");
}

TEST(Normalize, OtherScriptsGoThroughIcu) {
  EXPECT_EQ(NormalizeAccented("ÜBER Straße"), "über strasse");
  EXPECT_EQ(Fold("ÜBER"), "uber");
  EXPECT_EQ(NormalizeAccented("ДОМ"), "дом");
  EXPECT_EQ(Fold("Crème brûlée"), "creme brulee");
}

TEST(Normalize, InvalidUtf8IsReplaced) {
  EXPECT_TRUE(IsValidUtf8("chè"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // surrogate
  EXPECT_EQ(NormalizeAccented("ch\xC3"), "ch\xEF\xBF\xBD");
  EXPECT_EQ(NormalizeAccented("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_TRUE(IsValidUtf8(NormalizeAccented("\xC0\xAF \xED\xA0\x80 Máy")));
  EXPECT_TRUE(IsValidUtf8(Fold("\xF0\x9F")));
}

TEST(Normalize, BothFormsInOnePass) {
  std::string a, f;
  Normalize("Lò hơi đốt trấu", &a, &f);
  EXPECT_EQ(a, "lò hơi đốt trấu");
  EXPECT_EQ(f, "lo hoi dot trau");
}

// Inputs found by tests/fuzz/normalize_fuzz: NormalizeAccented must be
// idempotent (its output is NFC, so normalising it again changes nothing).
TEST(Normalize, FuzzRegressionIdempotent) {
  // Two tones on one letter: the stacked mark stays on that letter and the
  // word keeps its marks where written (the tone moved to 'u' used to leave
  // "y" + acute, which NFC composes to "ý" on the second pass).
  const std::string stacked = "uy\xCC\x80\xCC\x81";  // u y grave acute
  EXPECT_EQ(NormalizeAccented(stacked), "u\xE1\xBB\xB3\xCC\x81");  // u ỳ acute
  // đ with a tone has no precomposed form: it used to lose its stroke
  // ("d" + dot below, which NFC composes to "ḍ").
  const std::string d_dot = "\xC4\x91\xCC\xA3";  // đ dot-below
  EXPECT_EQ(NormalizeAccented(d_dot), d_dot);
  EXPECT_EQ(Fold(d_dot), "d");
  for (const std::string& x : {stacked, d_dot, std::string("hoa\xCC\x80\xCC\xB0 thuy\xCC\xA3")}) {
    std::string once = NormalizeAccented(x);
    EXPECT_EQ(NormalizeAccented(once), once) << x;
    EXPECT_EQ(Fold(once), Fold(x)) << x;
  }
}

TEST(Tokenize, SyllablesNumbersAndCodes) {
  std::string text = NormalizeAccented("Máy sấy (KX-TS600W), 1.200.000 đ; 500kg/ngày 6CR-55");
  Tokens t = Tokenize(text);
  std::vector<std::string> folded;
  for (const Token& tok : t.tokens) folded.push_back(tok.folded);
  EXPECT_EQ(folded, (std::vector<std::string>{"may", "say", "kx", "ts600w", "1.200.000", "d", "500",
                                              "kg", "ngay", "6", "cr", "55"}));
  EXPECT_EQ(t.joined, (std::vector<std::string>{"kxts600w", "6cr55"}));
  EXPECT_TRUE(t.tokens[0].phrase_start);
  EXPECT_FALSE(t.tokens[1].phrase_start);
  EXPECT_TRUE(t.tokens[2].phrase_start);   // after "("
  EXPECT_FALSE(t.tokens[3].phrase_start);  // inside the code
  EXPECT_TRUE(t.tokens[0].diacritics);
  EXPECT_EQ(t.tokens[0].accented, "máy");
  EXPECT_EQ(t.tokens[4].kind, TokenKind::kNumber);
}

TEST(Tokenize, Stopwords) {
  EXPECT_TRUE(IsStopword("và"));
  EXPECT_TRUE(IsStopword("của"));
  EXPECT_TRUE(IsStopword("the"));
  EXPECT_FALSE(IsStopword("cơ"));
  EXPECT_FALSE(IsStopword("co"));  // "cơ" (mechanical) without diacritics
  EXPECT_FALSE(IsStopword("máy"));
}

}  // namespace
}  // namespace ketnoi::indexer
