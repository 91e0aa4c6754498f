// Fuzz target: the Vietnamese text normaliser (indexer/normalize.h).
// Invariants checked on every input:
//  - NormalizeAccented and Fold return valid UTF-8 (invalid bytes become
//    U+FFFD), and IsValidUtf8 agrees with a byte-by-byte DecodeUtf8 walk;
//  - NormalizeAccented is idempotent and Fold is idempotent;
//  - Fold(x) == Fold(NormalizeAccented(x)), and Normalize() gives both forms
//    equal to the separate functions; AppendFoldedNormalized on accented
//    text equals Fold;
//  - the folded form has no Vietnamese letter with a mark (no code point
//    in the Latin ranges U+00C0-U+024F / U+1E00-U+1EFF that Vietnamese uses,
//    and no đ/Đ), and is ASCII when the input was ASCII plus Vietnamese.
#include <cstdint>
#include <string>

#include "indexer/normalize.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using ketnoi::indexer::DecodeUtf8;

// Vietnamese letters with marks, upper and lower case (precomposed).
bool IsVietnameseMarked(char32_t cp) {
  static const std::u32string kLetters =
      U"àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
      U"ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ";
  return kLetters.find(cp) != std::u32string::npos;
}

// Combining marks used by Vietnamese (grave, acute, tilde, hook, dot below,
// circumflex, breve, horn).
bool IsVietnameseCombining(char32_t cp) {
  return cp == 0x300 || cp == 0x301 || cp == 0x303 || cp == 0x309 || cp == 0x323 ||
         cp == 0x302 || cp == 0x306 || cp == 0x31B;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ketnoi::indexer;
  std::string_view text = ketnoi::fuzz::AsText(data, size);

  // IsValidUtf8 agrees with the decoder: valid text decodes without U+FFFD
  // unless U+FFFD itself was written.
  bool valid = IsValidUtf8(text);
  bool only_vi_or_ascii = true;
  bool decoded_clean = true;
  for (size_t pos = 0; pos < text.size();) {
    size_t before = pos;
    char32_t cp = DecodeUtf8(text, &pos);
    FUZZ_CHECK(pos > before && pos <= text.size(), "DecodeUtf8 must advance within the text");
    bool wrote_fffd = text.substr(before, pos - before) == "\xEF\xBF\xBD";
    if (cp == 0xFFFD && !wrote_fffd) decoded_clean = false;
    if (cp >= 0x80 && !IsVietnameseMarked(cp) && !IsVietnameseCombining(cp))
      only_vi_or_ascii = false;
  }
  FUZZ_CHECK(valid == decoded_clean, "IsValidUtf8 disagrees with DecodeUtf8");

  std::string accented = NormalizeAccented(text);
  std::string folded = Fold(text);
  FUZZ_CHECK(IsValidUtf8(accented), "NormalizeAccented output is not UTF-8");
  FUZZ_CHECK(IsValidUtf8(folded), "Fold output is not UTF-8");
  FUZZ_CHECK(NormalizeAccented(accented) == accented, "NormalizeAccented is not idempotent");
  FUZZ_CHECK(Fold(folded) == folded, "Fold is not idempotent");
  FUZZ_CHECK(Fold(accented) == folded, "Fold(NormalizeAccented(x)) != Fold(x)");

  std::string a2 = "stale", f2 = "stale";
  Normalize(text, &a2, &f2);
  FUZZ_CHECK(a2 == accented, "Normalize accented form differs from NormalizeAccented");
  FUZZ_CHECK(f2 == folded, "Normalize folded form differs from Fold");

  std::string appended = "prefix:";
  AppendFoldedNormalized(accented, &appended);
  FUZZ_CHECK(appended == "prefix:" + folded, "AppendFoldedNormalized differs from Fold");

  for (size_t pos = 0; pos < folded.size();) {
    char32_t cp = DecodeUtf8(folded, &pos);
    FUZZ_CHECK(!IsVietnameseMarked(cp), "Fold left a Vietnamese marked letter");
    FUZZ_CHECK(!IsVietnameseCombining(cp), "Fold left a Vietnamese combining mark");
  }
  if (valid && only_vi_or_ascii) {
    for (unsigned char c : folded) {
      FUZZ_CHECK(c < 0x80, "Fold of ASCII + Vietnamese text is not ASCII");
    }
    for (unsigned char c : accented) {
      FUZZ_CHECK(!(c >= 'A' && c <= 'Z'), "NormalizeAccented left an ASCII capital");
    }
  }
  return 0;
}
