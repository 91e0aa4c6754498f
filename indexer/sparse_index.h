// SparseIndex: an in-memory inverted index over analyzer features with BM25
// scoring (per feature kind: own length normalisation and weight, see
// vocabulary.h). It gives the exact lexical candidates and the lexical
// evidence score for hybrid retrieval.
//
// Statistics live in a Vocabulary the index updates as documents come and
// go, so scores always reflect the live corpus. Removal marks the slot dead
// (its postings get no impact); postings are compacted when dead slots pass
// a quarter of all slots.
//
// Each posting holds its document's BM25 impact for the term (the
// saturation, without the query weight) computed at the average lengths of
// the last refresh, so that a search walks postings with a multiply-add.
// The averages drift as documents come and go: impacts are recomputed (one
// pass over all postings, like a compaction) when an average has moved by
// more than 0.5% and at least half as many documents as are indexed were
// added or removed since the last refresh. Walked scores therefore only
// choose candidates; every score Search returns is exact (as Score()).
// Thread-compatible: const methods may run concurrently; mutation needs
// external synchronisation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "indexer/analyzer.h"
#include "indexer/id_filter.h"
#include "indexer/vocabulary.h"

namespace ketnoi::indexer {

struct SparseHit {
  int64_t id;
  float score;
};

struct MatchedTerm {
  std::string term;  // with its kind prefix ("k:tea.dryer")
  float contribution;
};

class SparseIndex {
 public:
  // `vocabulary` is not owned and must outlive the index; the index adds
  // and removes its documents' statistics there.
  explicit SparseIndex(Vocabulary* vocabulary);
  ~SparseIndex();
  SparseIndex(const SparseIndex&) = delete;
  SparseIndex& operator=(const SparseIndex&) = delete;

  // Adds document `id`, replacing any previous version of it.
  void Upsert(int64_t id, const std::vector<Feature>& features);
  // The same with the features' term ids looked up by the caller
  // (Vocabulary::Find on this index's vocabulary, kUnknown where unknown),
  // which lets a bulk build look them up on every core.
  void Upsert(int64_t id, const std::vector<Feature>& features, std::vector<uint32_t> term_ids);
  // False when `id` was not indexed.
  bool Remove(int64_t id);
  bool Contains(int64_t id) const;
  size_t size() const;

  // Top `k` documents by BM25 against `query` (weights from
  // Vocabulary::QueryWeights), best first (equal scores: smaller id first);
  // only documents with a positive score and allowed by `filter` (null:
  // all). Scores are exact and equal Score() to the bit.
  // `max_postings` (> 0) bounds the work: a query whose terms hold more
  // postings than that in all is answered from the terms that can add the
  // most to a score (WalkedTerms: by decreasing query weight times the
  // term's largest impact, each term's postings whole while they fit the
  // budget, the first term always), and its best max(2k, k + 64) documents
  // by that partial score (exact, over the walked terms) are then scored
  // exactly and the top k returned. The terms left out (low weight and
  // many postings, e.g. character n-grams) still count in every score but
  // do not choose the candidates. Below the budget, or with 0, every
  // posting of every term is walked and the top k is the exact one. Large
  // searches are split into parts run on idle helper threads
  // (HelperPool::Shared()): the walk by document range, the exact scoring
  // by candidate; the result is the same as a serial search's, to the bit.
  std::vector<SparseHit> Search(const SparseVector& query, size_t k,
                                const IdFilter* filter = nullptr,
                                size_t max_postings = 0) const;
  // The terms a Search with this budget walks, in walk order (every query
  // term with postings when they fit the budget or it is 0); for tests and
  // diagnostics.
  std::vector<uint32_t> WalkedTerms(const SparseVector& query, size_t max_postings) const;
  // On: the unbudgeted Search skips postings that cannot change its top k
  // (MaxScore over per-term impact bounds); same result as off. Off
  // (default): every posting of every query term is walked. On the
  // synthetic datasets the bounds prune little and pruning is slower.
  void SetPruning(bool on);
  // The smallest parts Search splits into: postings walked per part
  // (default 50,000) and candidates scored exactly per part (default 128).
  // Small values make small collections take the parallel path (tests).
  void SetParallelSplit(size_t postings_per_part, size_t rescored_per_part);
  // BM25 score of one document (0 when absent or nothing matches).
  float Score(const SparseVector& query, int64_t id) const;
  // Score() of each of `ids`, in order, equal to it to the bit (0 for
  // unknown ids), with the query's lookup table set up once for all.
  std::vector<float> Score(const SparseVector& query, const std::vector<int64_t>& ids) const;
  // The query terms that document `id` contains, largest contribution first.
  std::vector<MatchedTerm> Explain(const SparseVector& query, int64_t id) const;

  // The distinct terms of document `id` with their frequencies (weight =
  // count), sorted by term id; empty when absent.
  SparseVector Terms(int64_t id) const;

  // Approximate heap bytes (postings, document term lists, id maps).
  size_t MemoryBytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ketnoi::indexer
