// Embedders: documents -> L2-normalised dense float vectors of a fixed
// dimension, which the vector indexes search by inner product (= cosine).
//
// - LsaEmbedder (the built-in one): weighted sparse features (log-TF-IDF
//   times the kind weights of vocabulary.h) projected onto the top singular
//   directions of the corpus' TF-IDF matrix (latent semantic analysis,
//   learned with a randomized SVD on OpenBLAS), so documents that share
//   co-occurring vocabulary land near each other even with no word in
//   common. The learned model is versioned and serialisable.
// - ExternalEmbedder: takes the vectors supplied with the records (a centre
//   that has its own model), checks their dimension, normalises them.
// Embedders are immutable after construction and safe for concurrent use.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "indexer/analyzer.h"
#include "indexer/vocabulary.h"

namespace ketnoi::indexer {

// What one document offers an embedder: its analysed features, a vector
// supplied with the record, or both. Pointers are not owned.
struct EmbedInput {
  const std::vector<Feature>* features = nullptr;
  const std::vector<float>* vector = nullptr;
};

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual int dim() const = 0;
  // "lsa" / "external".
  virtual std::string name() const = 0;
  // Changes whenever the vectors this embedder produces would change
  // (learned model, dimension): a saved index built with another version is
  // stale.
  virtual uint64_t version() const = 0;
  // Writes dim() floats to `out`, L2-normalised (all zeros when the input
  // carries nothing the embedder knows). InvalidArgument on unusable input.
  virtual Status Embed(const EmbedInput& input, float* out) const = 0;
  // `out` holds inputs.size() * dim() floats. Stops at the first error,
  // whose message names the input's position.
  virtual Status EmbedBatch(const std::vector<EmbedInput>& inputs, float* out) const;
};

struct LsaOptions {
  int dim = 256;                // output dimension
  size_t max_terms = 1 << 17;   // projection vocabulary: most frequent terms
  uint32_t min_df = 2;          // terms in fewer training documents are ignored
  size_t max_train_docs = 100000;  // larger corpora are sampled (evenly)
  int power_iterations = 3;     // randomized SVD accuracy vs training time
  int oversample = 24;
  uint64_t seed = 1234;
  // Feature kinds that take part in the projection (character n-grams are
  // many and mostly redundant with syllables for meaning).
  std::array<bool, kNumFeatureKinds> kinds = {true, true, true, false, true, false, false};
  // Each output axis is scaled by singular_value^exponent (0: plain
  // projection onto the singular directions).
  float singular_exponent = 0.0f;
  // Weight of lexicon concepts in the projection, in place of the kind
  // weight Train is given (the vocabulary's, set for BM25 matching, where
  // one concept hit must balance the lexical features of the term it
  // names; here concepts co-occur with those terms anyway, and a heavy
  // weight lets a few generic concepts shape the axes). <= 0: the given one.
  float concept_weight = 1.0f;
};

class LsaEmbedder : public Embedder {
 public:
  // Learns the projection from `docs` (analysed features of the corpus);
  // term weights use `weights` (kind weights, idf from these documents).
  // InvalidArgument when there are no documents or options are out of
  // range; the result may have a lower rank than dim (tiny corpora), the
  // missing axes are zero.
  static StatusOr<std::unique_ptr<LsaEmbedder>> Train(
      const std::vector<const std::vector<Feature>*>& docs,
      const KindWeights& weights, const LsaOptions& options);
  static StatusOr<std::unique_ptr<LsaEmbedder>> Deserialize(std::string_view bytes);

  ~LsaEmbedder() override;
  int dim() const override;
  std::string name() const override { return "lsa"; }
  uint64_t version() const override;
  Status Embed(const EmbedInput& input, float* out) const override;

  std::string Serialize() const;
  size_t num_terms() const;
  int rank() const;  // learned axes (<= dim)
  const std::vector<float>& singular_values() const;

 private:
  struct Model;
  explicit LsaEmbedder(std::unique_ptr<Model> model);
  std::unique_ptr<Model> model_;
};

class ExternalEmbedder : public Embedder {
 public:
  explicit ExternalEmbedder(int dim) : dim_(dim) {}
  int dim() const override { return dim_; }
  std::string name() const override { return "external"; }
  uint64_t version() const override { return 0x45787400ULL + static_cast<uint64_t>(dim_); }
  // InvalidArgument when the input has no vector, a vector of another
  // dimension, a non-finite value or a zero vector.
  Status Embed(const EmbedInput& input, float* out) const override;

 private:
  int dim_;
};

// Scales `v` (n floats) to unit L2 norm; leaves a zero vector as is.
void L2Normalize(float* v, size_t n);

}  // namespace ketnoi::indexer
