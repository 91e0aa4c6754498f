#include "indexer/normalize.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <vector>

namespace ketnoi::indexer {
namespace {

// Vietnamese vowel shapes (plus đ) and tones, as combining marks decompose.
enum Shape : uint8_t { kNoShape = 0, kCircumflex, kBreve, kHorn, kStroke, kShapes };
enum Tone : uint8_t { kNoTone = 0, kGrave, kAcute, kTilde, kHook, kDot, kTones };

// What the table knows about one code point below kTableSize.
struct CharInfo {
  enum Kind : uint8_t { kUnknown = 0, kLetter, kMark, kInert };
  Kind kind = kUnknown;
  char base = 0;      // lower-case ASCII base letter (kLetter)
  uint8_t shape = 0;  // kLetter: its shape; kMark: the shape it adds
  uint8_t tone = 0;   // kLetter: its tone; kMark: the tone it adds
};

constexpr char32_t kTableSize = 0x2000;  // covers U+1EA0..U+1EF9

struct Tables {
  std::array<CharInfo, kTableSize> info{};
  // compose[base - 'a'][shape][tone]: lower-case precomposed code point, or 0.
  char32_t compose[26][kShapes][kTones] = {};
  const icu::Normalizer2* nfc = nullptr;
  const icu::Normalizer2* nfd = nullptr;
};

int MarkShape(char32_t m) {
  switch (m) {
    case 0x302: return kCircumflex;
    case 0x306: return kBreve;
    case 0x31B: return kHorn;
    default: return -1;
  }
}

int MarkTone(char32_t m) {
  switch (m) {
    case 0x300: case 0x340: return kGrave;
    case 0x301: case 0x341: return kAcute;
    case 0x303: return kTilde;
    case 0x309: return kHook;
    case 0x323: return kDot;
    default: return -1;
  }
}

// Fills the tables from ICU's canonical decompositions, so no letter is
// typed by hand: a code point is a table letter when it decomposes into an
// ASCII letter plus at most one shape mark and one tone mark.
Tables BuildTables() {
  Tables t;
  UErrorCode err = U_ZERO_ERROR;
  t.nfc = icu::Normalizer2::getNFCInstance(err);
  t.nfd = icu::Normalizer2::getNFDInstance(err);
  for (char32_t c = 0; c < 0x80; ++c) {
    CharInfo& ci = t.info[c];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      ci.kind = CharInfo::kLetter;
      ci.base = static_cast<char>(c | 0x20);
    } else {
      ci.kind = CharInfo::kInert;
    }
  }
  for (char32_t c = 0x80; c < kTableSize; ++c) {
    CharInfo& ci = t.info[c];
    if (MarkShape(c) >= 0 || MarkTone(c) >= 0) {
      ci.kind = CharInfo::kMark;
      ci.shape = MarkShape(c) >= 0 ? MarkShape(c) : 0;
      ci.tone = MarkTone(c) >= 0 ? MarkTone(c) : 0;
      continue;
    }
    icu::UnicodeString d;
    if (t.nfd->getDecomposition(static_cast<UChar32>(c), d) && d.length() >= 2) {
      UChar32 b = d.char32At(0);
      if (b >= 0x80 || !((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z'))) continue;
      int shape = 0, tone = 0;
      bool ok = true;
      for (int32_t i = 1; i < d.length() && ok; ++i) {
        char32_t m = d.charAt(i);
        if (MarkShape(m) >= 0 && shape == 0) shape = MarkShape(m);
        else if (MarkTone(m) >= 0 && tone == 0) tone = MarkTone(m);
        else ok = false;
      }
      if (!ok) continue;
      ci.kind = CharInfo::kLetter;
      ci.base = static_cast<char>(b | 0x20);
      ci.shape = static_cast<uint8_t>(shape);
      ci.tone = static_cast<uint8_t>(tone);
      if (u_islower(static_cast<UChar32>(c))) t.compose[ci.base - 'a'][shape][tone] = c;
    } else if (u_tolower(static_cast<UChar32>(c)) == static_cast<UChar32>(c) &&
               t.nfd->isInert(static_cast<UChar32>(c)) && c != 0x130) {
      ci.kind = CharInfo::kInert;
    }
  }
  for (char32_t c : {0x110, 0x111}) {  // Đ đ: no decomposition in Unicode
    t.info[c] = CharInfo{CharInfo::kLetter, 'd', kStroke, kNoTone};
  }
  t.compose['d' - 'a'][kStroke][kNoTone] = 0x111;
  for (int b = 0; b < 26; ++b) t.compose[b][0][0] = static_cast<char32_t>('a' + b);
  return t;
}

const Tables& T() {
  static const Tables* tables = new Tables(BuildTables());
  return *tables;
}

bool IsVowel(char b) {
  return b == 'a' || b == 'e' || b == 'i' || b == 'o' || b == 'u' || b == 'y';
}

struct Letter {
  char base;
  uint8_t shape;
  uint8_t tone;
};

// Moves the single tone of a one-vowel-group syllable to its canonical vowel
// (see NormalizeAccented in the header).
void PlaceTone(std::vector<Letter>& w) {
  int n = static_cast<int>(w.size()), tones = 0, tone = 0, start = -1, end = -1, groups = 0;
  for (int i = 0; i < n; ++i) {
    bool v = IsVowel(w[i].base) && w[i].shape != kStroke;
    if (w[i].tone) {
      if (!v) return;  // a tone on a consonant: not Vietnamese, leave it
      ++tones;
      tone = w[i].tone;
    }
    if (!v && w[i].shape != kNoShape) return;
    if (v && (i == 0 || !(IsVowel(w[i - 1].base) && w[i - 1].shape != kStroke))) {
      ++groups;
      start = i;
    }
    if (v) end = i + 1;
  }
  if (tones != 1 || groups != 1) return;
  if (end - start > 1 && start > 0) {
    char onset = w[start - 1].base;
    if ((onset == 'q' && w[start].base == 'u') ||
        (onset == 'g' && w[start].base == 'i' && w[start].shape == kNoShape)) {
      ++start;
    }
  }
  int target = -1;
  for (int i = start; i < end; ++i) {
    if (w[i].shape != kNoShape) target = i;
  }
  if (target < 0) {
    if (end < n) target = end - 1;
    else if (end - start == 3) target = start + 1;
    else target = start;
  }
  for (int i = 0; i < n; ++i) w[i].tone = 0;
  w[target].tone = static_cast<uint8_t>(tone);
}

// Appends the word in both forms and clears it. `place_tone` is false when a
// combining mark follows the word: the mark belongs to its last letter, so
// the word keeps its marks where written (moving the tone could leave that
// letter composable with the mark, and the output would not be NFC).
void FlushWord(std::vector<Letter>& w, std::string* accented, std::string* folded,
               bool place_tone = true) {
  if (w.empty()) return;
  bool marked = false;
  for (const Letter& l : w) marked |= (l.shape | l.tone) != 0;
  if (!marked) {  // plain ASCII word: the common case of folded or English text
    for (const Letter& l : w) {
      accented->push_back(l.base);
      folded->push_back(l.base);
    }
    w.clear();
    return;
  }
  if (place_tone) PlaceTone(w);
  const Tables& t = T();
  for (const Letter& l : w) {
    folded->push_back(l.base);
    if (l.shape == 0 && l.tone == 0) {
      accented->push_back(l.base);
      continue;
    }
    char32_t cp = t.compose[l.base - 'a'][l.shape][l.tone];
    if (cp != 0) {
      AppendUtf8(cp, accented);
    } else {  // no precomposed form (e.g. a tone on a foreign letter or on đ)
      if (l.shape == kStroke) {
        AppendUtf8(t.compose[l.base - 'a'][kStroke][kNoTone], accented);  // đ keeps its stroke
      } else {
        accented->push_back(l.base);
      }
      static constexpr char32_t kShapeMark[] = {0, 0x302, 0x306, 0x31B, 0};
      static constexpr char32_t kToneMark[] = {0, 0x300, 0x301, 0x303, 0x309, 0x323};
      if (kShapeMark[l.shape]) AppendUtf8(kShapeMark[l.shape], accented);
      if (kToneMark[l.tone]) AppendUtf8(kToneMark[l.tone], accented);
    }
  }
  w.clear();
}

// Folded form of one code point the table does not know (after ICU's NFC
// and lower case): its NFD minus combining marks.
void AppendFoldedUnknown(char32_t cp, std::string* folded) {
  icu::UnicodeString d;
  if (!T().nfd->getDecomposition(static_cast<UChar32>(cp), d)) {
    if (u_getCombiningClass(static_cast<UChar32>(cp)) == 0) AppendUtf8(cp, folded);
    return;
  }
  for (int32_t i = 0; i < d.length();) {
    UChar32 c = d.char32At(i);
    i += U16_LENGTH(c);
    if (u_getCombiningClass(c) == 0) AppendUtf8(static_cast<char32_t>(c), folded);
  }
}

// One pass over `text`. With `strict`, returns false as soon as it meets a
// code point that ICU lower-casing or NFC could change and the table does
// not know; without, such code points are copied (accented) or decomposed
// and stripped (folded).
bool Pass(std::string_view text, bool strict, std::string* accented, std::string* folded) {
  const Tables& t = T();
  std::vector<Letter> word;
  word.reserve(32);
  size_t pos = 0;
  while (pos < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80) {  // ASCII fast path
      ++pos;
      if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
        word.push_back({static_cast<char>(c | 0x20), 0, 0});
      } else {
        FlushWord(word, accented, folded);
        accented->push_back(static_cast<char>(c));
        folded->push_back(static_cast<char>(c));
      }
      continue;
    }
    char32_t cp = DecodeUtf8(text, &pos);
    CharInfo ci = cp < kTableSize ? t.info[cp] : CharInfo{};
    if (ci.kind == CharInfo::kLetter) {
      word.push_back({ci.base, ci.shape, ci.tone});
      continue;
    }
    if (ci.kind == CharInfo::kMark && !word.empty()) {
      Letter& l = word.back();
      if (ci.shape && l.shape == 0) { l.shape = ci.shape; continue; }
      if (ci.tone && l.tone == 0) { l.tone = ci.tone; continue; }
    }
    if (ci.kind == CharInfo::kUnknown && cp >= kTableSize && cp != 0xFFFD) {
      UChar32 u = static_cast<UChar32>(cp);
      if (u_tolower(u) == u && t.nfd->isInert(u)) ci.kind = CharInfo::kInert;
    }
    if (cp == 0xFFFD) ci.kind = CharInfo::kInert;
    if (ci.kind != CharInfo::kInert && strict) return false;
    FlushWord(word, accented, folded,
              ci.kind != CharInfo::kMark && u_getCombiningClass(static_cast<UChar32>(cp)) == 0);
    AppendUtf8(cp, accented);
    if (ci.kind == CharInfo::kInert) AppendUtf8(cp, folded);
    else AppendFoldedUnknown(cp, folded);
  }
  FlushWord(word, accented, folded);
  return true;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size(), i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) { ++i; continue; }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + len > n) return false;
    for (size_t j = 1; j < len; ++j) {
      if ((s[i + j] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + j] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) {
      return false;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

char32_t DecodeUtf8(std::string_view text, size_t* pos) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size(), i = *pos;
  unsigned char c = s[i];
  if (c < 0x80) { *pos = i + 1; return c; }
  size_t len;
  char32_t cp;
  if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
  else { *pos = i + 1; return 0xFFFD; }
  if (i + len > n) { *pos = i + 1; return 0xFFFD; }
  for (size_t j = 1; j < len; ++j) {
    if ((s[i + j] & 0xC0) != 0x80) { *pos = i + 1; return 0xFFFD; }
    cp = (cp << 6) | (s[i + j] & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *pos = i + 1;
    return 0xFFFD;
  }
  *pos = i + len;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void AppendFoldedNormalized(std::string_view text, std::string* out) {
  const Tables& t = T();
  size_t pos = 0;
  while (pos < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[pos]);
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++pos;
      continue;
    }
    char32_t cp = DecodeUtf8(text, &pos);
    if (cp < kTableSize && t.info[cp].kind == CharInfo::kLetter) {
      out->push_back(t.info[cp].base);
    } else if (cp < kTableSize && t.info[cp].kind == CharInfo::kMark) {
      continue;
    } else if (cp == 0xFFFD || (cp < kTableSize && t.info[cp].kind == CharInfo::kInert)) {
      AppendUtf8(cp, out);
    } else {
      AppendFoldedUnknown(cp, out);
    }
  }
}

bool IsWordCodePoint(char32_t cp) {
  if (cp < 0x80) {
    return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
  }
  if (cp < kTableSize && T().info[cp].kind == CharInfo::kLetter) return true;
  if (cp == 0xFFFD) return false;
  return u_isalnum(static_cast<UChar32>(cp)) || u_getCombiningClass(static_cast<UChar32>(cp)) != 0;
}

void Normalize(std::string_view text, std::string* accented, std::string* folded) {
  accented->clear();
  folded->clear();
  accented->reserve(text.size());
  folded->reserve(text.size());
  if (Pass(text, /*strict=*/true, accented, folded)) return;
  // Rare: characters outside the table. Let ICU lower-case and compose the
  // whole text (invalid bytes are first replaced so ICU sees valid UTF-8).
  std::string valid;
  valid.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) AppendUtf8(DecodeUtf8(text, &pos), &valid);
  UErrorCode err = U_ZERO_ERROR;
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(valid.data(), valid.size()));
  u.foldCase();  // lower case for every script, locale-independent
  icu::UnicodeString n = T().nfc->normalize(u, err);
  std::string pre;
  if (U_SUCCESS(err)) n.toUTF8String(pre);
  else pre = std::move(valid);
  accented->clear();
  folded->clear();
  Pass(pre, /*strict=*/false, accented, folded);
}

std::string NormalizeAccented(std::string_view text) {
  std::string accented, folded;
  Normalize(text, &accented, &folded);
  return accented;
}

std::string Fold(std::string_view text) {
  std::string accented, folded;
  Normalize(text, &accented, &folded);
  return folded;
}

std::string SpacedWords(std::string_view text) {
  std::string out = " ";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || std::isalnum(u)) {
      out.push_back(c);
    } else if (out.back() != ' ') {
      out.push_back(' ');
    }
  }
  if (out.back() != ' ') out.push_back(' ');
  return out;
}

}  // namespace ketnoi::indexer
