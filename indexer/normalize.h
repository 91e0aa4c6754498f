// Vietnamese-aware text normalisation (ICU): NFC, lower case, one tone-mark
// convention, and diacritic folding with đ -> d. Pure functions, thread-safe.
//
// Implementation: a table of the Latin letters with Vietnamese marks, built
// once from ICU's decompositions, drives a single pass over the UTF-8 text;
// ICU (lower case + NFC) is called only for texts holding other characters
// that lower-casing or normalisation would change (other scripts'
// capitals, other combining marks), so the common case never leaves the
// table.
#pragma once

#include <string>
#include <string_view>

namespace ketnoi::indexer {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or
// truncated sequences).
bool IsValidUtf8(std::string_view text);

// NFC, lower case, and one tone-mark placement per syllable, so two
// spellings of one word compare equal: the tone goes on the vowel carrying
// a shape mark (ơ in "ươ", ê in "uyê"), else on the last vowel when a final
// consonant follows ("hoàng", "huỳnh"), else on the first of two vowels and
// the middle of three ("hoà" -> "hòa", "thuỵ" -> "thụy", "khoẻ" -> "khỏe",
// "ngoài"); "qu" and "gi" onsets are not vowels. This is the placement
// Vietnamese official names use (Hòa Bình, Thanh Hóa). Words with more than
// one vowel group (foreign words: "café") keep their marks where written.
// Invalid UTF-8 bytes are replaced by U+FFFD (each bad byte once).
std::string NormalizeAccented(std::string_view text);

// NormalizeAccented, then every diacritic removed and đ -> d: the form a
// user typing without accents would write ("máy sấy chè" -> "may say che").
std::string Fold(std::string_view text);

// Both forms in one pass (cheaper than calling the two functions).
// REQUIRES: accented and folded non-null; they are overwritten.
void Normalize(std::string_view text, std::string* accented, std::string* folded);

// Appends the folded form of text that is already NormalizeAccented output
// (a table lookup per character: much cheaper than Fold on raw text).
void AppendFoldedNormalized(std::string_view accented, std::string* out);

// `text` with every ASCII character other than a letter or digit read as a
// space, runs of spaces made one, and one space at each end, so that a
// phrase is found whole: " toan quoc " in SpacedWords(Fold(text)). Bytes of
// multi-byte characters are kept as they are.
std::string SpacedWords(std::string_view text);

// True when the code point is a letter or digit as the tokenizer sees it
// (ASCII letters and digits, Vietnamese letters, other scripts' letters).
bool IsWordCodePoint(char32_t cp);

// Decodes one code point at `*pos` and advances it; invalid bytes give
// U+FFFD and advance by one byte.
char32_t DecodeUtf8(std::string_view text, size_t* pos);

// Appends the UTF-8 encoding of `cp`.
void AppendUtf8(char32_t cp, std::string* out);

}  // namespace ketnoi::indexer
