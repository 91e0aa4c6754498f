// Analyzer: turns one text (Vietnamese with or without diacritics, or
// English) into the features every other part of the indexer works on.
//
// Feature terms are strings with a one-letter kind prefix, so one vocabulary
// holds them all:
//   "s:may"        folded syllable (or English word, lower-cased)
//   "a:máy"        accented syllable, only when the text carried diacritics
//   "b:may_say"    folded syllable bigram
//   "g:#ma" ...    folded character n-gram (word-boundary marked with '#')
//   "k:tea.dryer"  lexicon concept id (see indexer/lexicon.h)
//   "q:kg/h"       a quantity's canonical unit (the value is in quantities)
//   "c:kxts600w"   a model or part code, joiners removed, and its stem
//                  without a trailing letter suffix ("c:lre30453" from
//                  "LRE30453BK"), see CodeTerms
// Analyzer is immutable after construction and safe for concurrent use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "indexer/quantity.h"

namespace ketnoi::indexer {

class Lexicon;

enum class FeatureKind : uint8_t {
  kSyllable = 0,  // "s:"
  kAccented,      // "a:"
  kBigram,        // "b:"
  kCharNgram,     // "g:"
  kConcept,       // "k:"
  kUnit,          // "q:"
  kCode,          // "c:"
};

struct Feature {
  std::string term;   // with its kind prefix
  FeatureKind kind;
  float count = 0;    // occurrences in the text (term frequency)
};

struct ConceptHit {
  std::string concept_id;
  std::string matched;  // the text span that matched, as written
  bool accented = false;  // matched through the accented form (a stronger match)
  bool broader = false;   // added as a broader concept of a hit (weaker evidence)
};

struct Analysis {
  std::string accented;  // NormalizeAccented(text)
  std::string folded;    // Fold(text)
  std::vector<Feature> features;   // merged: one entry per distinct term, first-seen order
  std::vector<ConceptHit> concepts;  // lexicon concepts found, with their broader ones
  std::vector<Quantity> quantities;  // parsed numbers with units
  size_t length = 0;  // number of syllables/words (for length normalisation)
};

struct AnalyzerOptions {
  bool syllables = true;
  bool accented = true;
  bool bigrams = true;
  bool char_ngrams = true;
  int ngram_min = 3;  // character n-gram lengths over the folded text
  int ngram_max = 5;
  bool concepts = true;
  bool expand_broader = true;  // add broader concepts of each hit
  bool codes = true;           // "c:" model and part codes (CodeTerms)
  // The opening of a long text says what it is about (a catalogue's first
  // line, an answer that restates the question before it explains): in a
  // text of more than 2 * lead_tokens tokens, the syllables, accented
  // syllables and bigrams of its first lead_tokens tokens count
  // 1 + lead_extra times, as a title field would. Shorter texts (most needs,
  // product names) are read evenly. 0 turns it off.
  int lead_tokens = 30;
  float lead_extra = 1.0f;
};

// The code terms of one folded word or joined compound: the word itself
// when it is a code (ASCII letters and digits only, at least 4 characters,
// a digit, and a letter or at least 6 digits: "ts600w", "dslra350",
// "0101061300", not "1080" or "covid"), plus its stem when a code ends in
// letters after its last digit and the part up to that digit is itself at
// least 4 characters with a letter ("lre30453bk" -> "lre30453",
// "srsa212bk" -> "srsa212"; not "1080p"). Catalogues add colour and
// variant letters to a model ("BK", "WH", "SS", "K"), and a buyer writes
// the model with or without them; the stem lets the two meet on a term of
// its own, which is far rarer, and so weighs more, than the n-grams they
// share with every sibling model. Appends to `out`.
void CodeTerms(std::string_view word, std::vector<std::string_view>* out);

class Analyzer {
 public:
  // `lexicon` may be null (no concept features). Not owned; must outlive
  // the analyzer.
  explicit Analyzer(const Lexicon* lexicon, AnalyzerOptions options = {});
  ~Analyzer();

  Analysis Analyze(std::string_view text) const;
  const AnalyzerOptions& options() const { return options_; }
  const Lexicon* lexicon() const { return lexicon_; }

 private:
  const Lexicon* lexicon_;
  AnalyzerOptions options_;
};

}  // namespace ketnoi::indexer
