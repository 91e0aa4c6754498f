// Vocabulary: the term dictionary of the indexer (term -> dense id), the
// corpus statistics (document frequency per term, document length per
// feature kind) and the weighting functions built on them: BM25 for the
// sparse index and log-TF-IDF for the dense projection, each scaled by a
// tunable weight per feature kind (syllables, accented syllables, bigrams,
// character n-grams, lexicon concepts, units).
//
// A Vocabulary grows as documents are added (new terms get the next id; ids
// are never reused) and can be serialised; Fingerprint() versions its
// content so anything learned from it (the projection, saved indexes) can
// tell when it changed.
// Thread-compatible: concurrent const calls are safe, mutation needs
// external synchronisation.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "indexer/analyzer.h"

namespace ketnoi::indexer {

inline constexpr int kNumFeatureKinds = 7;

// Multiplier of each feature kind in every score. Default values were tuned
// on general mechanisms (see docs/indexer.md), not on one dataset.
struct KindWeights {
  std::array<float, kNumFeatureKinds> w = {
      1.0f,   // kSyllable
      0.5f,   // kAccented: an accent the user typed counts on top of the fold
      1.5f,   // kBigram: Vietnamese words are mostly two syllables
      0.2f,   // kCharNgram: many per word; typo, code and run-together evidence
              // (0.35 until model codes had terms of their own: docs/indexer.md)
      8.0f,   // kConcept: one hit stands for a whole term ("máy sấy chè", "tea
              // dryer"), whose lexical features (2-3 syllables, their
              // accented forms, bigrams and n-grams) weigh about 8-13 in
              // all; so a hit across languages or spellings, where none of
              // those features match, counts about as much as a same-
              // language match (docs/text-analysis.md, "Retrieval quality")
      0.3f,   // kUnit
      4.0f,   // kCode: on top of the code's own syllable term; an exact model
              // or part number names one product, where the n-grams it
              // shares with its siblings' codes say little (docs/indexer.md)
  };
  float Of(FeatureKind k) const { return w[static_cast<int>(k)]; }
};

struct VocabularyOptions {
  KindWeights weights;
  // BM25 term-frequency saturation and length normalisation. Higher k1 lets
  // repeated terms count longer; b = 0 ignores document length.
  float k1 = 1.2f;
  float b = 0.9f;
  // Query-side saturation (BM25's k3): a term a query repeats c > 1 times
  // counts (k3 + 1) c / (k3 + c), so at most k3 + 1 times, and a long,
  // wordy query ("... tiêm vaccine Covid-19 không? ... vaccine Covid-19 ạ?")
  // is not steered by what it happens to repeat. Counts up to 1 (one
  // occurrence, a field weight below 1, a broader concept) are kept as they
  // are. 0 counts linearly.
  float query_k3 = 1.0f;
};

struct WeightedTerm {
  uint32_t id;
  float weight;
};
using SparseVector = std::vector<WeightedTerm>;  // sorted by id, no duplicates

// Per-kind lengths of one document (sum of feature counts of that kind).
using KindLengths = std::array<float, kNumFeatureKinds>;
KindLengths LengthsOf(const std::vector<Feature>& features);

class Vocabulary {
 public:
  static constexpr uint32_t kUnknown = 0xFFFFFFFFu;

  explicit Vocabulary(VocabularyOptions options = {});
  Vocabulary(const Vocabulary&);
  Vocabulary& operator=(const Vocabulary&);
  Vocabulary(Vocabulary&&) noexcept;
  Vocabulary& operator=(Vocabulary&&) noexcept;
  ~Vocabulary();

  // Counts one document: df of each distinct term +1 (new terms interned),
  // lengths per kind added. RemoveDocument undoes exactly that (REQUIRES:
  // the same features were added before).
  void AddDocument(const std::vector<Feature>& features);
  // The same with the features' term ids looked up beforehand (Find, e.g. on
  // other threads while nothing is added; kUnknown for a term to intern):
  // unknown ones are interned and `*ids` completed in place.
  void AddDocument(const std::vector<Feature>& features, std::vector<uint32_t>* ids);
  void RemoveDocument(const std::vector<Feature>& features);
  // The same by term ids: `term_counts` holds (id, count) of each distinct
  // term of the document as it was added.
  void RemoveDocument(const SparseVector& term_counts);

  uint32_t Find(std::string_view term) const;  // kUnknown when absent
  uint32_t Intern(std::string_view term, FeatureKind kind);

  size_t size() const;
  uint64_t num_docs() const { return num_docs_; }
  uint32_t df(uint32_t id) const;
  FeatureKind kind(uint32_t id) const;
  const std::string& term(uint32_t id) const;
  const VocabularyOptions& options() const { return options_; }
  void set_options(const VocabularyOptions& o) { options_ = o; }

  // Lucene's BM25 idf: ln(1 + (N - df + 0.5) / (df + 0.5)), always > 0.
  float Idf(uint32_t id) const;
  float AvgLength(FeatureKind kind) const;
  // BM25 term-frequency part for a document of length `len` in that kind.
  float Bm25Tf(float tf, float len, FeatureKind kind) const;

  // A query term's count after the query-side saturation (query_k3).
  float QueryCount(float count) const {
    const float k3 = options_.query_k3;
    return k3 > 0 && count > 1 ? (k3 + 1) * count / (k3 + count) : count;
  }
  // Query-side weights: kind weight * idf * QueryCount(count), known terms only.
  SparseVector QueryWeights(const std::vector<Feature>& features) const;
  // (1 + ln tf) * idf * kind weight over known terms, L2-normalised.
  SparseVector TfIdf(const std::vector<Feature>& features) const;

  // Binary image of the whole vocabulary (terms, statistics, options).
  std::string Serialize() const;
  static StatusOr<Vocabulary> Deserialize(std::string_view bytes);
  // 64-bit hash of Serialize(): equal content, equal fingerprint.
  uint64_t Fingerprint() const;

 private:
  struct Dict;
  VocabularyOptions options_;
  std::unique_ptr<Dict> dict_;
  uint64_t num_docs_ = 0;
  std::array<double, kNumFeatureKinds> total_length_{};
};

}  // namespace ketnoi::indexer
