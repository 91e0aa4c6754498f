#include "indexer/analyzer.h"

#include <algorithm>
#include <cstring>

#include "indexer/lexicon.h"
#include "indexer/normalize.h"
#include "indexer/tokenize.h"

namespace ketnoi::indexer {
namespace {

// Feature weights per occurrence. A broader concept (added because a
// narrower one was named) counts half: it is evidence, but weaker.
constexpr float kBroaderConceptCount = 0.5f;

// Collects feature terms into one byte arena and merges equal terms on the
// fly in an open-addressing hash table (64-bit hash, then the bytes): no
// per-term allocation until the distinct features are returned.
class Collector {
 public:
  explicit Collector(size_t expected) {
    entries_.reserve(expected);
    arena_.reserve(expected * 8);
    size_t cap = 64;
    while (cap < expected * 2) cap <<= 1;
    slots_.assign(cap, kEmpty);
  }

  // Adds `count` occurrences of the term prefix + body. The bytes are
  // copied into the arena only the first time a term is seen.
  void Add(FeatureKind kind, std::string_view prefix, std::string_view body, float count = 1) {
    uint64_t h = Hash(prefix, body);
    size_t mask = slots_.size() - 1;
    size_t len = prefix.size() + body.size();
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      uint32_t slot = slots_[i];
      if (slot == kEmpty) {
        slots_[i] = static_cast<uint32_t>(entries_.size());
        entries_.push_back(Entry{h, static_cast<uint32_t>(arena_.size()),
                                 static_cast<uint32_t>(len), kind, count});
        arena_.append(prefix);
        arena_.append(body);
        if (entries_.size() * 2 > slots_.size()) Grow();
        return;
      }
      Entry& e = entries_[slot];
      if (e.hash == h && e.length == len) {
        std::string_view t = Term(e);
        if (t.substr(0, prefix.size()) == prefix && t.substr(prefix.size()) == body) {
          e.count += count;
          return;
        }
      }
    }
  }

  // Character n-grams of one folded word, '#' marking its boundaries.
  void AddNgrams(std::string_view word, int nmin, int nmax) {
    padded_.clear();
    padded_.push_back('#');
    padded_.append(word);
    padded_.push_back('#');
    std::string_view p(padded_);
    bool ascii = std::all_of(word.begin(), word.end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii) {
      for (size_t n = static_cast<size_t>(nmin); n <= static_cast<size_t>(nmax); ++n) {
        if (n > p.size()) break;
        for (size_t s = 0; s + n <= p.size(); ++s) Add(FeatureKind::kCharNgram, "g:", p.substr(s, n));
      }
      return;
    }
    // Another script: n-grams of code points.
    starts_.clear();
    for (size_t i = 0; i < p.size(); ++i) {
      if ((static_cast<unsigned char>(p[i]) & 0xC0) != 0x80) starts_.push_back(i);
    }
    size_t cps = starts_.size();
    starts_.push_back(p.size());
    for (size_t n = static_cast<size_t>(nmin); n <= static_cast<size_t>(nmax); ++n) {
      if (n > cps) break;
      for (size_t s = 0; s + n <= cps; ++s) {
        Add(FeatureKind::kCharNgram, "g:", p.substr(starts_[s], starts_[s + n] - starts_[s]));
      }
    }
  }

  // One feature per distinct term, counts summed, in first-occurrence order.
  std::vector<Feature> Finish() const {
    std::vector<Feature> out;
    out.reserve(entries_.size());
    for (const Entry& e : entries_) out.push_back(Feature{std::string(Term(e)), e.kind, e.count});
    return out;
  }

 private:
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;

  struct Entry {
    uint64_t hash;
    uint32_t offset, length;
    FeatureKind kind;
    float count;
  };

  void Grow() {
    slots_.assign(slots_.size() * 2, kEmpty);
    size_t mask = slots_.size() - 1;
    for (uint32_t k = 0; k < entries_.size(); ++k) {
      size_t i = entries_[k].hash & mask;
      while (slots_[i] != kEmpty) i = (i + 1) & mask;
      slots_[i] = k;
    }
  }

  // 8 bytes at a time (terms are short: one or two words at most).
  static uint64_t Hash(std::string_view prefix, std::string_view body) {
    constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
    uint64_t h = (body.size() + 0x100 * prefix.size()) * kMul;
    for (unsigned char c : prefix) h = (h ^ c) * 0x100000001B3ull;
    const char* p = body.data();
    size_t n = body.size();
    while (n >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      h = (h ^ w) * kMul;
      h ^= h >> 29;
      p += 8;
      n -= 8;
    }
    if (n > 0) {  // a byte loop: a variable-size memcpy would be a library call
      uint64_t w = 0;
      for (size_t k = 0; k < n; ++k) w |= uint64_t{static_cast<unsigned char>(p[k])} << (8 * k);
      h = (h ^ w) * kMul;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
  }

  std::string_view Term(const Entry& e) const {
    return std::string_view(arena_).substr(e.offset, e.length);
  }

  std::vector<Entry> entries_;
  std::vector<uint32_t> slots_;  // indexes into entries_, kEmpty when free
  std::string arena_;
  std::string padded_;
  std::vector<size_t> starts_;
};

}  // namespace

void CodeTerms(std::string_view w, std::vector<std::string_view>* out) {
  if (w.size() < 4) return;
  size_t digits = 0, letters = 0, last_digit = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    const char ch = w[i];
    if (ch >= '0' && ch <= '9') {
      ++digits;
      last_digit = i;
    } else if (ch >= 'a' && ch <= 'z') {
      ++letters;
    } else {
      return;  // separators, non-ASCII letters: not a code
    }
  }
  if (digits == 0 || (letters == 0 && digits < 6)) return;
  out->push_back(w);
  if (letters == 0 || last_digit + 1 == w.size() || last_digit + 1 < 4) return;
  std::string_view stem = w.substr(0, last_digit + 1);
  if (stem.find_first_not_of("0123456789") != std::string_view::npos) out->push_back(stem);
}

Analyzer::Analyzer(const Lexicon* lexicon, AnalyzerOptions options)
    : lexicon_(lexicon), options_(options) {}

Analyzer::~Analyzer() = default;

Analysis Analyzer::Analyze(std::string_view text) const {
  Analysis a;
  Normalize(text, &a.accented, &a.folded);
  Tokens toks = Tokenize(a.accented);
  a.length = toks.tokens.size();
  Collector c(toks.tokens.size() * 12 + 8);
  const Token* prev = nullptr;
  // The opening of a long text counts more (AnalyzerOptions::lead_tokens).
  const size_t lead =
      options_.lead_tokens > 0 && toks.tokens.size() > 2 * static_cast<size_t>(options_.lead_tokens)
          ? static_cast<size_t>(options_.lead_tokens)
          : 0;
  size_t index = 0;
  for (const Token& t : toks.tokens) {
    const float cw = index++ < lead ? 1 + options_.lead_extra : 1;
    if (options_.syllables) c.Add(FeatureKind::kSyllable, "s:", t.folded, cw);
    if (options_.accented && t.diacritics) c.Add(FeatureKind::kAccented, "a:", t.accented, cw);
    bool word = t.kind == TokenKind::kWord;
    if (options_.bigrams && word && prev != nullptr && !t.phrase_start) {
      std::string body;
      body.reserve(prev->folded.size() + 1 + t.folded.size());
      body.append(prev->folded).append("_").append(t.folded);
      c.Add(FeatureKind::kBigram, "b:", body, cw);
    }
    if (options_.char_ngrams && word) c.AddNgrams(t.folded, options_.ngram_min, options_.ngram_max);
    prev = word ? &t : nullptr;
  }
  for (const std::string& j : toks.joined) {
    if (options_.syllables) c.Add(FeatureKind::kSyllable, "s:", j);
    if (options_.char_ngrams) c.AddNgrams(j, options_.ngram_min, options_.ngram_max);
  }
  if (options_.codes) {
    std::vector<std::string_view> codes;
    for (const Token& t : toks.tokens) {
      if (t.has_digit) CodeTerms(t.folded, &codes);
    }
    for (const std::string& j : toks.joined) CodeTerms(j, &codes);
    for (std::string_view code : codes) c.Add(FeatureKind::kCode, "c:", code);
  }
  if (options_.concepts && lexicon_ != nullptr) {
    std::vector<std::string_view> f, acc;
    f.reserve(toks.tokens.size());
    acc.reserve(toks.tokens.size());
    for (const Token& t : toks.tokens) {
      // English plurals meet the lexicon's singular terms ("tea dryers"
      // hits "tea dryer"); the lexicon indexes its terms the same way.
      const bool singular = !t.singular.empty();
      f.emplace_back(t.Base());
      acc.push_back(singular ? t.Base() : t.accented);
    }
    a.concepts = lexicon_->MatchTokens(f, acc, options_.expand_broader);
    for (const ConceptHit& h : a.concepts) {
      c.Add(FeatureKind::kConcept, "k:", h.concept_id, h.broader ? kBroaderConceptCount : 1.0f);
    }
  }
  a.quantities = ParseNormalizedQuantities(a.accented);
  for (const Quantity& q : a.quantities) c.Add(FeatureKind::kUnit, "q:", q.unit);
  a.features = c.Finish();
  return a;
}

}  // namespace ketnoi::indexer
