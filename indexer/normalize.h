// Vietnamese-aware text normalisation (ICU): NFC, lower case, one tone-mark
// convention, and diacritic folding with đ -> d. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace ketnoi::indexer {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or
// truncated sequences).
bool IsValidUtf8(std::string_view text);

// NFC, lower case, and the "new" tone-mark placement (hoà -> hòa,
// thuỵ -> thụy), so two spellings of one word compare equal.
// REQUIRES: IsValidUtf8(text); invalid bytes are replaced by U+FFFD.
std::string NormalizeAccented(std::string_view text);

// NormalizeAccented, then every diacritic removed and đ -> d: the form a
// user typing without accents would write ("máy sấy chè" -> "may say che").
std::string Fold(std::string_view text);

}  // namespace ketnoi::indexer
