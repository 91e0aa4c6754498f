// Private to indexer/retriever*.cc: the retriever's state, shared by the
// search code (retriever.cc) and persistence (retriever_io.cc).
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "indexer/retriever.h"

namespace ketnoi::indexer {

struct Retriever::Impl {
  const Analyzer* analyzer;
  RetrieverOptions options;
  // Guards the four parts below: shared for Search/Explain/Save, exclusive
  // for Build/Upsert/Remove/Load.
  mutable std::shared_mutex mu;
  std::unique_ptr<Vocabulary> vocab;
  std::unique_ptr<SparseIndex> sparse;
  std::unique_ptr<Embedder> embedder;  // null until Build or Load
  std::unique_ptr<VectorIndex> vectors;
  // +1 at every Build and Load (PreparedQuery::generation).
  uint64_t generation = 1;

  // The query's BM25 weights and its embedding (`features` analysed from
  // the query's fields). REQUIRES: mu held; embedder set.
  Status PrepareQuery(const std::vector<Feature>& features, const Query& query, SparseVector* qsv,
                      std::vector<float>* qv) const;
  // FailedPrecondition when `query` was prepared before the last Build or
  // Load (prepare it again). REQUIRES: mu held.
  Status CheckPrepared(const PreparedQuery& query) const {
    if (query.generation == generation) return Status::OK();
    return FailedPrecondition("retriever: the prepared query is from before a rebuild");
  }
  // A prepared query's BM25 weights at today's idf, sorted by term id, as
  // Vocabulary::QueryWeights gives them for its text. REQUIRES: mu held.
  SparseVector WeightsOf(const PreparedQuery& query) const;
  // Both scores of `ids` (unknown: 0), in their order. REQUIRES: mu held.
  std::vector<Candidate> ScoreIds(const SparseVector& qsv, const float* qv,
                                  const std::vector<int64_t>& ids) const;
  // The sparse top N for `qsv` (options.sparse_candidates, at least k).
  std::vector<SparseHit> SparseTop(const SparseVector& qsv, const Query& query) const;
  std::vector<Candidate> Fuse(const SparseVector& qsv, const float* qv,
                              const std::vector<SparseHit>& sparse_hits,
                              const std::vector<VectorHit>& dense_hits) const;
  // Search's work once the query's weights and embedding are known (from
  // its text or a PreparedQuery). REQUIRES: mu held; embedder set.
  StatusOr<std::vector<Candidate>> SearchWith(SparseVector qsv, const float* qv,
                                              const Query& query, QueryStats* stats) const;

  Status EmbedOne(const Document& doc, const std::vector<Feature>& features, float* out) const {
    EmbedInput in;
    in.features = &features;
    in.vector = &doc.vector;
    Status s = embedder->Embed(in, out);
    return s.ok() ? s : s.WithPrefix("document " + std::to_string(doc.id));
  }
};

}  // namespace ketnoi::indexer
