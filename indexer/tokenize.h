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

// Very common function words ("và", "của", "cho", "các", "có", "là",
// "được", "với", "the", "and", "for", "of", ...). `word` is a token's
// accented form (for text typed without diacritics only the unambiguous
// folded forms count: "va", "duoc", "voi", but not "co" = "cơ"). Callers
// decide what to do with them; the analyzer keeps them (weighting lowers
// them).
bool IsStopword(std::string_view word);

}  // namespace ketnoi::indexer
