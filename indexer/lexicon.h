// Lexicon: the bilingual domain vocabulary (data/lexicon/*.tsv) that maps
// Vietnamese and English terms and their variants to concept ids, so
// "máy sấy chè", "tea dryer" and "thiet bi say che" meet on one concept.
//
// File format (UTF-8, tab-separated, one header line):
//   id <TAB> category <TAB> vi <TAB> en <TAB> variants <TAB> broader
// `variants` and `broader` are '|'-separated lists (may be empty); `broader`
// names other concept ids (possibly in another file). Lines that are empty or
// start with '#' are skipped.
//
// Matching works on syllables/words: every term is normalised like a text
// (indexer/normalize.h) and indexed by its folded syllable sequence; a text is
// matched greedily, longest term first, at every position. Where the text
// carries diacritics on a syllable the term's accented syllable must agree
// ("lụa" does not match the term "lúa"); a match whose every syllable agrees
// in its accented form, with diacritics present, is marked `accented`.
// A Lexicon is immutable after Load and safe for concurrent use.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "indexer/analyzer.h"  // ConceptHit

namespace ketnoi::indexer {

struct Concept {
  std::string id;
  std::string category;
  std::string vi;                    // Vietnamese name as written
  std::string en;                    // English name as written
  std::vector<std::string> variants;
  std::vector<std::string> broader;  // broader concept ids
  std::string source;                // "file.tsv:LINE" where it was defined
};

struct LexiconOptions {
  // Broader concepts are followed transitively up to this many levels.
  int max_broader_depth = 3;
};

class Lexicon {
 public:
  // Loads every *.tsv in `dir` (sorted by name). Errors name the file and
  // line: wrong column count, empty id or term, duplicate id, and a broader
  // id that no file defines.
  static StatusOr<std::unique_ptr<Lexicon>> Load(const std::string& dir,
                                                 LexiconOptions options = {});
  // Same, from in-memory file contents: (name, content) pairs.
  static StatusOr<std::unique_ptr<Lexicon>> FromFiles(
      const std::vector<std::pair<std::string, std::string>>& files,
      LexiconOptions options = {});

  ~Lexicon();
  Lexicon(const Lexicon&) = delete;
  Lexicon& operator=(const Lexicon&) = delete;

  // Concepts named in `text` (any form: raw, accented or folded), longest
  // match first, in text order, each concept once per matched span; then the
  // broader concepts of those hits (broader = true), each once.
  std::vector<ConceptHit> Match(std::string_view text, bool expand_broader = true) const;

  // Same over an already tokenised text: `folded[i]` and `accented[i]` are
  // the i-th syllable/word in both forms (as indexer/tokenize.h produces).
  // REQUIRES: folded.size() == accented.size().
  std::vector<ConceptHit> MatchTokens(const std::vector<std::string_view>& folded,
                                      const std::vector<std::string_view>& accented,
                                      bool expand_broader = true) const;

  // nullptr when unknown.
  const Concept* Find(std::string_view id) const;
  size_t size() const;
  // All concepts, in load order.
  const std::vector<Concept>& concepts() const;

 private:
  struct Impl;
  explicit Lexicon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ketnoi::indexer
