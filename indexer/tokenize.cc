#include "indexer/tokenize.h"

#include <algorithm>
#include <iterator>

#include "indexer/normalize.h"

namespace ketnoi::indexer {
namespace {

bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }

bool IsJoiner(char32_t c) { return c == '-' || c == '_' || c == '.' || c == ',' || c == '/'; }

// A maximal run of word code points, [begin, end) in bytes.
struct Run {
  size_t begin, end;
  bool has_letter = false, has_digit = false;
  size_t digit_prefix_end = 0;  // end of the leading digits (== begin if none)
};

Run ReadRun(std::string_view s, size_t pos) {
  Run r{pos, pos};
  bool leading = true;
  r.digit_prefix_end = pos;
  while (pos < s.size()) {
    size_t next = pos;
    char32_t cp = DecodeUtf8(s, &next);
    if (!IsWordCodePoint(cp)) break;
    if (IsAsciiDigit(cp)) {
      r.has_digit = true;
      if (leading) r.digit_prefix_end = next;
    } else {
      r.has_letter = true;
      leading = false;
    }
    pos = next;
  }
  r.end = pos;
  return r;
}

void AppendFolded(std::string_view accented, std::string* out) {
  bool ascii = std::all_of(accented.begin(), accented.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) {
    out->append(accented);
  } else {
    AppendFoldedNormalized(accented, out);
  }
}

Token MakeToken(std::string_view text, size_t begin, size_t end, bool phrase_start) {
  Token t;
  t.accented = text.substr(begin, end - begin);
  AppendFolded(t.accented, &t.folded);
  t.diacritics = t.folded != t.accented;
  t.phrase_start = phrase_start;
  for (char c : t.folded) {
    if (c >= '0' && c <= '9') t.has_digit = true;
    else if (c != '.' && c != ',') t.has_letter = true;
  }
  if (!t.has_letter) t.kind = TokenKind::kNumber;
  if (!t.diacritics && !t.has_digit && !t.folded.empty() && t.folded.back() == 's') {
    t.singular = EnglishSingular(t.folded);
  }
  return t;
}

// Emits one run, split into a number and a word when it starts with digits
// followed by letters ("500kg" -> "500", "kg").
void EmitRun(std::string_view text, const Run& r, bool phrase_start, Tokens* out) {
  if (r.has_letter && r.digit_prefix_end > r.begin) {
    out->tokens.push_back(MakeToken(text, r.begin, r.digit_prefix_end, phrase_start));
    out->tokens.push_back(MakeToken(text, r.digit_prefix_end, r.end, false));
    return;
  }
  out->tokens.push_back(MakeToken(text, r.begin, r.end, phrase_start));
}

}  // namespace

Tokens Tokenize(std::string_view text) {
  Tokens out;
  out.tokens.reserve(text.size() / 4 + 4);
  std::vector<Run> runs;
  std::vector<char32_t> joiners;  // joiners[i] between runs[i] and runs[i+1]
  bool phrase_start = true;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t next = pos;
    char32_t cp = DecodeUtf8(text, &next);
    if (!IsWordCodePoint(cp)) {
      if (cp != ' ' && cp != '\t') phrase_start = true;
      pos = next;
      continue;
    }
    // A compound: runs joined by single joiner characters, no spaces.
    runs.clear();
    joiners.clear();
    runs.push_back(ReadRun(text, pos));
    pos = runs.back().end;
    while (pos + 1 < text.size() && IsJoiner(static_cast<unsigned char>(text[pos]))) {
      size_t after = pos + 1;
      size_t peek = after;
      if (!IsWordCodePoint(DecodeUtf8(text, &peek))) break;
      joiners.push_back(static_cast<unsigned char>(text[pos]));
      runs.push_back(ReadRun(text, after));
      pos = runs.back().end;
    }
    bool number = std::all_of(runs.begin(), runs.end(), [](const Run& r) { return !r.has_letter; }) &&
                  std::all_of(joiners.begin(), joiners.end(),
                              [](char32_t j) { return j == '.' || j == ','; });
    if (number) {  // "1.200.000", "2,5": one token
      out.tokens.push_back(MakeToken(text, runs.front().begin, runs.back().end, phrase_start));
    } else {
      for (size_t i = 0; i < runs.size(); ++i) {
        bool starts = i == 0 ? phrase_start : (joiners[i - 1] == '.' || joiners[i - 1] == ',');
        EmitRun(text, runs[i], starts, &out);
      }
      // Joined forms of the parts linked by '-' or '_'.
      for (size_t i = 0; i < joiners.size();) {
        if (joiners[i] != '-' && joiners[i] != '_') { ++i; continue; }
        size_t j = i;
        while (j < joiners.size() && (joiners[j] == '-' || joiners[j] == '_')) ++j;
        std::string joined;
        for (size_t k = i; k <= j; ++k) {
          AppendFolded(text.substr(runs[k].begin, runs[k].end - runs[k].begin), &joined);
        }
        out.joined.push_back(std::move(joined));
        i = j;
      }
    }
    phrase_start = false;
  }
  return out;
}

std::string EnglishSingular(std::string_view w) {
  const size_t n = w.size();
  if (n < 5 || w[n - 1] != 's') return {};
  for (char c : w) {
    if (c < 'a' || c > 'z') return {};
  }
  const char before = w[n - 2];
  if (before == 's' || before == 'u' || before == 'i') return {};
  if (before == 'e') {
    const char third = w[n - 3];
    if (third == 'i') {  // "ies" -> "y", except "aies", "eies"
      if (n < 5 || w[n - 4] == 'a' || w[n - 4] == 'e') return {};
      return std::string(w.substr(0, n - 3)) + "y";
    }
    if (third == 'a' || third == 'e' || third == 'o') return {};
  }
  return std::string(w.substr(0, n - 1));
}

bool IsStopword(std::string_view w) {
  // Accented Vietnamese function words, English function words, and the
  // folded forms of Vietnamese ones whose folded form is not also a content
  // word ("co" is also "cơ", mechanical; "cua" is also "cua", crab).
  static constexpr std::string_view kWords[] = {
      "và", "của", "cho", "các", "có", "là", "được", "với", "những", "một", "như", "để",
      "trong", "tại", "này", "đã", "sẽ", "thì", "mà", "ở", "từ", "theo", "về", "khi",
      "cũng", "rất", "hoặc", "nhiều", "va", "duoc", "voi", "nhung", "trong", "cac", "tai",
      "nay", "the", "and", "for", "of", "a", "an", "to", "in", "on", "with", "or", "by",
      "is", "are", "at", "as", "from", "we", "our", "be", "it", "this"};
  return std::find(std::begin(kWords), std::end(kWords), w) != std::end(kWords);
}

}  // namespace ketnoi::indexer
