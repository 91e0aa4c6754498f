// Tokeniser over normalised text (indexer/normalize.h): syllables and words
// of letters and digits, numbers with their separators, and model codes.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ketnoi::indexer {

enum class TokenKind : uint8_t {
  kWord,    // letters, possibly mixed with digits ("máy", "ts600w", "m3")
  kNumber,  // digits, with '.'/',' separators kept ("1.200.000", "2,5")
};

struct Token {
  std::string_view accented;  // a view into the text given to Tokenize
  std::string folded;         // Fold(accented)
  TokenKind kind = TokenKind::kWord;
  bool diacritics = false;     // accented != folded
  bool phrase_start = false;   // punctuation (not a joiner) or text start before it
  bool has_letter = false;
  bool has_digit = false;
  // EnglishSingular(folded) when it differs from `folded` (an English
  // plural: "dryers" -> "dryer"), else empty. Use Base().
  std::string singular;
  // The form features and lexicon matching use: the singular of an English
  // plural, else the folded form.
  std::string_view Base() const { return singular.empty() ? std::string_view(folded) : singular; }
};

struct Tokens {
  // In text order. Codes written with joiners are split into their parts
  // here ("kx-ts600w" -> "kx", "ts600w").
  std::vector<Token> tokens;
  // The joined form of every code whose parts are joined by '-' or '_'
  // ("kx-ts600w" -> "kxts600w", "6cr-55" -> "6cr55"), so a code written
  // with or without its hyphens meets.
  std::vector<std::string> joined;
};

// REQUIRES: `accented` is NormalizeAccented output (lower case, NFC); it
// must outlive the result (tokens view into it).
Tokens Tokenize(std::string_view accented);

// English plural folding, a minimal S-stemmer (after Harman 1991, as in
// Lucene's EnglishMinimalStemFilter): a lower-case ASCII word of at least 5
// letters ending in "s" loses the plural ending: "...ies" -> "...y"
// ("batteries" -> "battery"), "...es" -> "...e" ("machines" -> "machine"),
// "...s" -> "..." ("dryers" -> "dryer"); words ending in "ss", "us", "is",
// "aes", "ees", "oes", "aies", "eies", words with digits and words of up to
// 4 letters are kept ("glass", "analysis", "gas", "6crs"; "gots", the
// certification GOTS, would otherwise fold onto Vietnamese "gọt").
// Vietnamese syllables never end in "s", so Vietnamese text (with or
// without diacritics) is never changed.
// Returns an empty string when the word is kept.
std::string EnglishSingular(std::string_view word);

// Very common function words ("và", "của", "cho", "các", "có", "là",
// "được", "với", "the", "and", "for", "of", ...). `word` is a token's
// accented form (for text typed without diacritics only the unambiguous
// folded forms count: "va", "duoc", "voi", but not "co" = "cơ"). Callers
// decide what to do with them; the analyzer keeps them (weighting lowers
// them).
bool IsStopword(std::string_view word);

}  // namespace ketnoi::indexer
