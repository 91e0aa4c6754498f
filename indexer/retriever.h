// Retriever: hybrid candidate generation over one document collection (one
// kind: suppliers, experts, needs, or a benchmark corpus). A document is an
// id plus weighted text fields (and optionally a supplied vector); the
// retriever analyses it, keeps BM25 statistics and postings (SparseIndex),
// embeds it (LSA projection learned from the collection, or external
// vectors) into a VectorIndex, and answers a query with candidates that
// carry the dense score, the sparse score and the fused score.
//
// Fusion: each candidate list (dense top N, sparse top N) is scored for
// every candidate of the union, and the two scores are fused
// (RetrieverOptions::fusion, indexer/fusion.h); by default linearly: the
// sparse score is divided by the best sparse score of the query, and
// fused = dense_weight * dense + sparse_weight * sparse_normalised.
// Optional pseudo-relevance feedback adds
// the centroid of the top documents' vectors to the dense query.
//
// Knows nothing about facilities. Thread-safety: Search and Explain may run
// concurrently with each other and with Save; Build, Upsert, Remove and
// Load take an exclusive lock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "indexer/analyzer.h"
#include "indexer/embedder.h"
#include "indexer/fusion.h"
#include "indexer/id_filter.h"
#include "indexer/sparse_index.h"
#include "indexer/vector_index.h"
#include "indexer/vocabulary.h"

namespace ketnoi::indexer {

struct TextField {
  std::string text;
  float weight = 1.0f;  // multiplies the field's feature counts
};

struct Document {
  int64_t id = 0;
  std::vector<TextField> fields;
  std::vector<float> vector;  // used with RetrieverOptions::external_dim > 0
};

struct RetrieverOptions {
  VocabularyOptions vocabulary;
  LsaOptions lsa;
  VectorIndexOptions vectors;  // dim is set from the embedder
  // > 0: vectors come with the documents (ExternalEmbedder of this
  // dimension) instead of the learned projection; queries then need one too.
  int external_dim = 0;
  // Candidates taken from each side before fusion: the sparse side takes
  // max(sparse_candidates, k) so that a query's k results are filled, the
  // dense side dense_candidates whatever k (its own contribution to the
  // union; session 13: 50 in the matcher, docs/performance.md).
  size_t dense_candidates = 100;
  size_t sparse_candidates = 100;
  // Work bound of one sparse search, in postings (SparseIndex::Search): a
  // query over more than this chooses its candidates by the terms that can
  // add the most to a score (SparseIndex::WalkedTerms), then rescores them
  // exactly. Collections whose queries stay below it are searched
  // exhaustively. 0: no bound.
  size_t sparse_posting_budget = 0;
  // The bound grows with the collection: from sparse_posting_budget at up
  // to this many documents linearly to twice it at twice as many (a larger
  // collection spreads its best matches over more postings). 0: fixed.
  size_t sparse_budget_growth_docs = 0;
  // Measured on the bench sets, the LSA projection adds little over BM25
  // (docs/indexer.md): it contributes a small share and its own candidates.
  float dense_weight = 0.1f;
  float sparse_weight = 0.9f;
  // How the two scores are combined (indexer/fusion.h); rrf_k for kRrf.
  FusionMethod fusion = FusionMethod::kLinear;
  float rrf_k = 60.0f;
  // Pseudo-relevance feedback (RM3-like, sparse side): the `prf_terms`
  // heaviest word, bigram and concept terms of the top `prf_docs` fused
  // results are added to the query with total weight `prf_weight` relative
  // to the original query, and the sparse search runs again (0: off).
  int prf_docs = 0;
  int prf_terms = 20;
  float prf_weight = 0.0f;
};

struct Query {
  std::vector<TextField> fields;
  std::vector<float> vector;  // external vectors only
  size_t k = 10;
  const IdFilter* filter = nullptr;  // not owned
};

// What a search or rescoring learned about its query.
struct QueryStats {
  // The BM25 that a document holding every known query term once, at the
  // average length, would score: the sum of the query's term weights. A
  // scale of the query's own, independent of which documents exist, for
  // normalising BM25 scores (0 when no query term is known).
  float sparse_reference = 0;
};

// A query analysed, looked up and embedded once (Retriever::Prepare), to be
// scored against documents again and again (a need against each new
// supplier): ScoreDocuments then skips the analysis, the term lookups and
// the projection. It belongs to the retriever that prepared it, until that
// retriever is rebuilt or loaded (`generation`); terms its vocabulary did
// not know yet are kept as features and looked up again at use when the
// vocabulary has grown since.
struct PreparedQuery {
  uint64_t generation = 0;
  size_t vocabulary_size = 0;
  std::vector<WeightedTerm> terms;  // known terms: id, count (weights at use)
  std::vector<Feature> unknown;     // features not in the vocabulary then
  std::vector<float> vector;        // the query's embedding
};

struct Candidate {
  int64_t id;
  float dense = 0;   // cosine similarity
  float sparse = 0;  // BM25
  float fused = 0;
};

// What a saved retriever covers, as the caller sees it.
struct RetrieverSnapshot {
  // The caller's position in its source of documents when it saved (e.g.
  // the store's change number); Load returns it to catch up from.
  uint64_t sequence = 0;
  // Opaque bytes saved with the retriever and covered by its checksum (e.g.
  // the caller's id table).
  std::string user_data;
};

struct RetrieverStats {
  size_t documents = 0;
  size_t vocabulary_terms = 0;
  std::string embedder;     // "lsa dim=256 rank=256 terms=..." / "external dim=..."
  std::string vector_index;  // VectorIndex::Describe()
  size_t memory_bytes = 0;
};

class Retriever {
 public:
  // `analyzer` is not owned and must outlive the retriever.
  Retriever(const Analyzer* analyzer, RetrieverOptions options);
  ~Retriever();
  Retriever(const Retriever&) = delete;
  Retriever& operator=(const Retriever&) = delete;

  // Replaces the collection: analyses every document (in parallel), learns
  // the projection, builds both indexes. InvalidArgument names the first bad
  // document (e.g. a wrong vector dimension).
  Status Build(const std::vector<Document>& docs);
  // Adds or replaces one document with the current projection (the
  // projection is relearned only by Build).
  Status Upsert(const Document& doc);
  bool Remove(int64_t id);

  // `stats`, when given, receives the query's QueryStats.
  StatusOr<std::vector<Candidate>> Search(const Query& query, QueryStats* stats = nullptr) const;
  // The same search for a prepared query (query.fields and query.vector
  // unused; k and filter as above): the same candidates and scores as
  // Search of its text. FailedPrecondition when the retriever was rebuilt
  // or loaded since it was prepared (prepare it again).
  StatusOr<std::vector<Candidate>> Search(const PreparedQuery& prepared, const Query& query,
                                          QueryStats* stats = nullptr) const;
  // Both scores of given documents for `query`, as Search computes them
  // for its candidates (dense cosine, sparse BM25; fused left 0), in the
  // order of `ids`; an unknown id scores 0 on both sides. For rescoring a
  // few known documents without a search (query.k and filter unused).
  StatusOr<std::vector<Candidate>> ScoreDocuments(const Query& query,
                                                  const std::vector<int64_t>& ids,
                                                  QueryStats* stats = nullptr) const;
  // The query prepared for ScoreDocuments(const PreparedQuery&, ...).
  StatusOr<PreparedQuery> Prepare(const Query& query) const;
  // ScoreDocuments(query, ids, stats) for a prepared query: the same
  // scores. FailedPrecondition when the retriever was rebuilt or loaded
  // since it was prepared (prepare it again).
  StatusOr<std::vector<Candidate>> ScoreDocuments(const PreparedQuery& query,
                                                  const std::vector<int64_t>& ids,
                                                  QueryStats* stats = nullptr) const;
  // Changes whenever Build or Load replaces the vocabulary and projection.
  uint64_t generation() const;

  // The lexical evidence: query terms document `id` contains.
  std::vector<MatchedTerm> Explain(const Query& query, int64_t id) const;
  // The same for several documents, analysing the query once.
  std::vector<std::vector<MatchedTerm>> Explain(const Query& query,
                                                const std::vector<int64_t>& ids) const;
  // The same for a prepared query (no analysis): the same evidence.
  // FailedPrecondition as ScoreDocuments when prepared before a rebuild.
  // With `kinds`, only the query terms of those kinds are looked for.
  StatusOr<std::vector<std::vector<MatchedTerm>>> Explain(
      const PreparedQuery& query, const std::vector<int64_t>& ids,
      const std::vector<FeatureKind>& kinds = {}) const;

  const Embedder* embedder() const;
  RetrieverStats Stats() const;

  // Persistence (indexer/retriever_io.cc; format in docs/indexer.md).
  //
  // Save writes the whole retriever (vocabulary and statistics, the
  // documents' term lists, the learned projection, the Faiss index with its
  // id tables and tombstones) and `snapshot` into `dir`, atomically: into
  // DIR.tmp first, then renamed over DIR. A retriever that was never built
  // saves as "empty". Readers may search meanwhile; writers wait.
  Status Save(const std::string& dir, const RetrieverSnapshot& snapshot) const;
  // Replaces this retriever's collection with the one saved in `dir` and
  // returns the snapshot saved with it. Errors leave the retriever as it
  // was: NotFound (no saved retriever), FailedPrecondition (another format
  // version, another Fingerprint(), another dimension: stale, rebuild),
  // Corruption (truncated, checksum mismatch, inconsistent parts).
  StatusOr<RetrieverSnapshot> Load(const std::string& dir);
  // Hash of everything that shapes what Build produces: the analyzer (its
  // options, the lexicon's concepts, and the features of a fixed set of
  // probe texts, so a change of analysis code shows too) and the build
  // options (vocabulary, projection, external dimension, vector index).
  uint64_t Fingerprint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Features of weighted fields merged into one list (counts scaled by the
// field weight and summed per term).
std::vector<Feature> AnalyzeFields(const Analyzer& analyzer, const std::vector<TextField>& fields);

}  // namespace ketnoi::indexer
