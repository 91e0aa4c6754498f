#include "indexer/analyzer.h"

#include <algorithm>

#include "indexer/lexicon.h"
#include "indexer/normalize.h"
#include "indexer/tokenize.h"

namespace ketnoi::indexer {
namespace {

// Feature weights per occurrence. A broader concept (added because a
// narrower one was named) counts half: it is evidence, but weaker.
constexpr float kBroaderConceptCount = 0.5f;

struct RawFeature {
  std::string term;
  FeatureKind kind;
  float count;
};

class Collector {
 public:
  explicit Collector(size_t expected) { raw_.reserve(expected); }

  void Add(FeatureKind kind, std::string_view prefix, std::string_view body, float count = 1) {
    RawFeature& f = raw_.emplace_back();
    f.term.reserve(prefix.size() + body.size());
    f.term.append(prefix);
    f.term.append(body);
    f.kind = kind;
    f.count = count;
  }

  // Character n-grams of one folded word, '#' marking its boundaries.
  void AddNgrams(std::string_view word, int nmin, int nmax) {
    padded_.clear();
    padded_.push_back('#');
    padded_.append(word);
    padded_.push_back('#');
    // Code point starts (a folded word is ASCII unless another script).
    starts_.clear();
    for (size_t i = 0; i < padded_.size(); ++i) {
      if ((static_cast<unsigned char>(padded_[i]) & 0xC0) != 0x80) starts_.push_back(i);
    }
    size_t cps = starts_.size();
    starts_.push_back(padded_.size());
    for (size_t n = static_cast<size_t>(nmin); n <= static_cast<size_t>(nmax); ++n) {
      if (n > cps) break;
      for (size_t s = 0; s + n <= cps; ++s) {
        Add(FeatureKind::kCharNgram, "g:",
            std::string_view(padded_).substr(starts_[s], starts_[s + n] - starts_[s]));
      }
    }
  }

  // Merges equal terms, summing counts; sorted by term.
  std::vector<Feature> Finish() {
    std::sort(raw_.begin(), raw_.end(),
              [](const RawFeature& a, const RawFeature& b) { return a.term < b.term; });
    std::vector<Feature> out;
    out.reserve(raw_.size());
    for (RawFeature& r : raw_) {
      if (!out.empty() && out.back().term == r.term) {
        out.back().count += r.count;
      } else {
        out.push_back(Feature{std::move(r.term), r.kind, r.count});
      }
    }
    return out;
  }

 private:
  std::vector<RawFeature> raw_;
  std::string padded_;
  std::vector<size_t> starts_;
};

}  // namespace

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
  for (const Token& t : toks.tokens) {
    if (options_.syllables) c.Add(FeatureKind::kSyllable, "s:", t.folded);
    if (options_.accented && t.diacritics) c.Add(FeatureKind::kAccented, "a:", t.accented);
    bool word = t.kind == TokenKind::kWord;
    if (options_.bigrams && word && prev != nullptr && !t.phrase_start) {
      std::string body;
      body.reserve(prev->folded.size() + 1 + t.folded.size());
      body.append(prev->folded).append("_").append(t.folded);
      c.Add(FeatureKind::kBigram, "b:", body);
    }
    if (options_.char_ngrams && word) c.AddNgrams(t.folded, options_.ngram_min, options_.ngram_max);
    prev = word ? &t : nullptr;
  }
  for (const std::string& j : toks.joined) {
    if (options_.syllables) c.Add(FeatureKind::kSyllable, "s:", j);
    if (options_.char_ngrams) c.AddNgrams(j, options_.ngram_min, options_.ngram_max);
  }
  if (options_.concepts && lexicon_ != nullptr) {
    std::vector<std::string_view> f, acc;
    f.reserve(toks.tokens.size());
    acc.reserve(toks.tokens.size());
    for (const Token& t : toks.tokens) {
      f.emplace_back(t.folded);
      acc.push_back(t.accented);
    }
    a.concepts = lexicon_->MatchTokens(f, acc, options_.expand_broader);
    for (const ConceptHit& h : a.concepts) {
      c.Add(FeatureKind::kConcept, "k:", h.concept_id, h.broader ? kBroaderConceptCount : 1.0f);
    }
  }
  a.quantities = ParseQuantities(a.accented);
  for (const Quantity& q : a.quantities) c.Add(FeatureKind::kUnit, "q:", q.unit);
  a.features = c.Finish();
  return a;
}

}  // namespace ketnoi::indexer
