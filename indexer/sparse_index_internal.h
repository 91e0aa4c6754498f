// Internals of SparseIndex shared by its two source files (sparse_index.cc:
// building, updating, scoring one document; sparse_index_search.cc: Search).
// Not part of the indexer's interface.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "indexer/sparse_index.h"
#include "indexer/vocabulary.h"

namespace ketnoi::indexer {
namespace sparse_internal {

// One posting: the document's slot and its BM25 impact for the term, i.e.
// the saturation tf (k1 + 1) / (tf + k1 (1 - b + b len / avg)) computed at
// the index's reference parameters (Impl::ref), without the query weight.
// A removed document's impacts are set to 0 until compaction drops them.
// Lists are sorted by slot (slots are appended in order; compaction keeps
// it). The term frequency itself lives in the slot's term list.
struct Posting {
  uint32_t slot;
  float impact;
};

using DocTerm = WeightedTerm;  // weight = term frequency

struct Slot {
  int64_t id = 0;
  bool alive = false;
  KindLengths lengths{};
  std::vector<DocTerm> terms;  // sorted by term id; also undoes the statistics
};

// The BM25 parameters a saturation is computed at: k1, b and the average
// document length of each kind.
struct Bm25Params {
  float k1 = 0;
  float b = 0;
  std::array<float, kNumFeatureKinds> avg{};

  // The same operations in the same order as Vocabulary::Bm25Tf, so that at
  // the vocabulary's current parameters both agree to the bit.
  float Saturation(float tf, float len, int kind) const {
    return tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avg[kind]));
  }
};

inline Bm25Params CurrentParams(const Vocabulary& v) {
  Bm25Params p;
  p.k1 = v.options().k1;
  p.b = v.options().b;
  for (int k = 0; k < kNumFeatureKinds; ++k) p.avg[k] = v.AvgLength(static_cast<FeatureKind>(k));
  return p;
}

// A list of slots whose storage is kept across searches, so that the walk
// can append to it without a branch (Walk).
class SlotList {
 public:
  size_t size() const { return n_; }
  uint32_t* begin() { return buf_.data(); }
  uint32_t* end() { return buf_.data() + n_; }
  uint32_t& operator[](size_t i) { return buf_[i]; }
  void clear() { n_ = 0; }
  // Keeps the first n entries (n <= size()).
  void resize(size_t n) { n_ = n; }
  // Storage for at least `more` entries past size(); set_size() then
  // declares how many were written.
  uint32_t* Room(size_t more) {
    if (buf_.size() < n_ + more) buf_.resize(std::max(2 * buf_.size(), n_ + more));
    return buf_.data();
  }
  void set_size(size_t n) { n_ = n; }

 private:
  std::vector<uint32_t> buf_;
  size_t n_ = 0;
};

// Per-thread scratch reused across searches: the accumulator is sized to the
// collection once and only the touched entries are reset afterwards.
struct SearchScratch {
  std::vector<float> acc;
  std::vector<uint8_t> mark;
  SlotList touched;
  std::vector<float> later_qw;  // by term id: weight of a term left to probe
  std::vector<float> query_w;   // by term id: the query's weight (exact scoring)
  std::vector<uint64_t> query_bits;  // by term id: in the query (exact scoring)
  std::vector<uint64_t> walked_bits;  // by term id: walked (budgeted search)
  std::vector<uint32_t> shared;      // positions of a document's query terms

  void Prepare(size_t slots) {
    if (acc.size() < slots) {
      acc.resize(slots, 0.0f);
      mark.resize(slots, 0);
    }
    touched.clear();
  }
  // Adds qw * impact of every posting to the accumulator. A slot enters
  // `touched` when its accumulator is 0 before the add: with positive
  // weights once per live document, while removed documents (impact 0) and
  // sums that come back to 0 may enter again; readers of `touched` reset
  // each slot after reading it, so a repeat reads 0 and is skipped.
  void Walk(const Posting* begin, const Posting* end, float qw) {
    float* a = acc.data();
    uint32_t* t = touched.Room(static_cast<size_t>(end - begin));
    size_t n = touched.size();
    for (const Posting* p = begin; p != end; ++p) {
      const float before = a[p->slot];
      t[n] = p->slot;
      n += before == 0;
      a[p->slot] = before + qw * p->impact;
    }
    touched.set_size(n);
  }
  void Walk(const std::vector<Posting>& list, float qw) {
    Walk(list.data(), list.data() + list.size(), qw);
  }
};

// The calling thread's scratch, shared by its searches and batch scorings.
inline SearchScratch& ThreadScratch() {
  thread_local SearchScratch scratch;
  return scratch;
}

inline bool Worse(const SparseHit& a, const SparseHit& b) {
  return a.score != b.score ? a.score < b.score : a.id > b.id;
}
inline bool Better(const SparseHit& a, const SparseHit& b) { return Worse(b, a); }

}  // namespace sparse_internal

struct SparseIndex::Impl {
  using Bm25Params = sparse_internal::Bm25Params;
  using Posting = sparse_internal::Posting;
  using SearchScratch = sparse_internal::SearchScratch;
  using Slot = sparse_internal::Slot;
  using DocTerm = sparse_internal::DocTerm;

  Vocabulary* vocab;
  std::vector<std::vector<Posting>> postings;  // by term id
  // By term: at least every impact posted since the last refresh (never
  // lowered on removal), the bound used by pruning.
  std::vector<float> max_impact;
  std::vector<uint8_t> term_kind;  // by term id: its FeatureKind (the vocabulary's)
  std::vector<Slot> slots;
  std::unordered_map<int64_t, uint32_t> slot_of;
  size_t dead = 0;
  bool prune = false;
  // The smallest parts of a split search (SetParallelSplit): a part costs a
  // hand-off to a helper thread and, in a walk, a binary search per term
  // list; scoring a candidate exactly costs ~1 µs.
  size_t postings_per_part = 50000;
  size_t rescored_per_part = 128;
  Bm25Params ref;      // the parameters every posting's impact was computed at
  size_t changes = 0;  // documents added or removed since the last refresh

  void Compact();
  // Recomputes every impact (and max_impact) at the current parameters.
  void RefreshImpacts();
  // Called after each change: refreshes when the averages drifted (see
  // kRefreshDrift) and enough documents changed since the last refresh.
  void MaybeRefresh();

  // BM25 of one document against `query` at `p` (both sorted by term id: a
  // merge, summed in query order).
  float FullScore(const Slot& s, const SparseVector& query, const Bm25Params& p) const {
    float total = 0;
    ForEachShared(s, query, p, [&](uint32_t, float contribution) { total += contribution; });
    return total;
  }
  // Calls fn(term, contribution) for each query term the document holds, in
  // query (term id) order: both lists are sorted by term id, merged.
  template <typename Fn>
  void ForEachShared(const Slot& s, const SparseVector& query, const Bm25Params& p, Fn fn) const {
    size_t i = 0, j = 0;
    while (i < query.size() && j < s.terms.size()) {
      if (query[i].id < s.terms[j].id) {
        ++i;
      } else if (s.terms[j].id < query[i].id) {
        ++j;
      } else {
        const int kind = term_kind[query[i].id];
        fn(query[i].id, query[i].weight * p.Saturation(s.terms[j].weight, s.lengths[kind], kind));
        ++i;
        ++j;
      }
    }
  }

  // The exact scoring of Search's candidates: the query's weights are put in
  // a table by term id, with a bit per term (a few KB, cache-resident)
  // saying which terms are set (SetQuery, undone by ClearQuery); a
  // document's own term list is looked up in it (TableScore). The
  // contributions are summed in term id order, as in FullScore, so the two
  // agree to the bit; the table saves the merge's unpredictable branches.
  void SetQuery(SearchScratch& sc, const SparseVector& query) const {
    if (sc.query_w.size() < postings.size()) {
      sc.query_w.resize(postings.size(), 0.0f);
      sc.query_bits.resize(postings.size() / 64 + 1, 0);
      sc.walked_bits.resize(postings.size() / 64 + 1, 0);
    }
    for (const WeightedTerm& q : query) {
      if (q.id >= postings.size()) continue;
      sc.query_w[q.id] = q.weight;
      sc.query_bits[q.id / 64] |= uint64_t{1} << (q.id % 64);
    }
  }
  void ClearQuery(SearchScratch& sc, const SparseVector& query) const {
    for (const WeightedTerm& q : query) {
      if (q.id >= postings.size()) continue;
      sc.query_w[q.id] = 0;
      sc.query_bits[q.id / 64] = 0;
      sc.walked_bits[q.id / 64] = 0;
    }
  }
  // With `partial`, also the sum over the terms marked walked (MarkWalked)
  // alone, in the same order.
  float TableScore(SearchScratch& sc, const Slot& s, const Bm25Params& p,
                   float* partial = nullptr) const {
    const uint64_t* bits = sc.query_bits.data();
    // First the positions of the shared terms, without a branch per term
    // (whether a term is shared is unpredictable), then their contributions.
    if (sc.shared.size() < s.terms.size()) sc.shared.resize(s.terms.size());
    uint32_t* shared = sc.shared.data();
    size_t n = 0;
    for (size_t j = 0; j < s.terms.size(); ++j) {
      const uint32_t id = s.terms[j].id;
      shared[n] = static_cast<uint32_t>(j);
      n += (bits[id / 64] >> (id % 64)) & 1;
    }
    float total = 0, part = 0;
    for (size_t i = 0; i < n; ++i) {
      const DocTerm& t = s.terms[shared[i]];
      const int kind = term_kind[t.id];
      const float c = sc.query_w[t.id] * p.Saturation(t.weight, s.lengths[kind], kind);
      total += c;
      if (partial != nullptr && ((sc.walked_bits[t.id / 64] >> (t.id % 64)) & 1)) part += c;
    }
    if (partial != nullptr) *partial = part;
    return total;
  }
  // The touched documents allowed by `filter` that can be among the best `r`
  // by walked score up to the factor `ratio` (<= 1): every allowed document
  // whose walked score is at least ratio times the r-th best allowed walked
  // score, possibly with some below, as (slot, walked score), unordered.
  // Every accumulator is reset to 0 and `touched` cleared. Costs one pass
  // over the touched documents and a few selections on a small buffer,
  // instead of ordering them all; the filter is asked only about documents
  // above the running threshold, from the best down.
  std::vector<SparseHit> CollectBest(SearchScratch& sc, size_t r, float ratio,
                                     const IdFilter* filter) const;
  // Walks `terms` (term id, query weight) into the accumulators and returns
  // CollectBest(r, ratio, filter) of the result. Large walks are split by
  // slot range into parts walked on the helper pool's threads, each into
  // its own thread's scratch and collected there (postings are in slot
  // order, so a part is a sub-range of each list). The parts' collections
  // together hold every document the whole walk's collection must hold: a
  // part's r-th best allowed walked score is at most the whole walk's. The
  // caller's scratch (`sc`) ends reset, as after CollectBest.
  std::vector<SparseHit> WalkAndCollect(SearchScratch& sc,
                                        const std::vector<std::pair<uint32_t, float>>& terms,
                                        size_t r, float ratio, const IdFilter* filter) const;
  // The terms (id, query weight; each with postings) a search over the
  // budget `max_postings` walks: by decreasing bound (weight * max_impact),
  // each whole while it fits, the first always. In walk order.
  std::vector<std::pair<uint32_t, float>> BudgetedTerms(
      std::vector<std::pair<uint32_t, float>> terms, size_t max_postings) const;
  void MarkWalked(SearchScratch& sc, uint32_t term) const {
    sc.walked_bits[term / 64] |= uint64_t{1} << (term % 64);
  }

  // Search's ways of turning walked scores into the result. SelectExact:
  // the top k by exact score, given lo * exact <= walked <= hi * exact for
  // every document. Rescore (the budgeted search, `walked` its walked
  // terms): the best `rescore` documents by exact partial score over the
  // walked terms, found among the best `rescore` by walked score and any
  // other within `margin` of the last of them; the top k of those by exact
  // score. Both take the walk's collected documents (`walked_best`:
  // CollectBest or WalkAndCollect with r = k and ratio lo / hi for
  // SelectExact, r = rescore and ratio margin for Rescore, the filter
  // applied). ExactAll: every touched document scored exactly.
  std::vector<SparseHit> SelectExact(SearchScratch& sc, const SparseVector& query,
                                     const Bm25Params& cur, size_t k, float lo,
                                     std::vector<SparseHit> walked_best) const;
  std::vector<SparseHit> Rescore(const SparseVector& query, const Bm25Params& cur,
                                 const std::vector<uint32_t>& walked, size_t k, size_t rescore,
                                 float margin, std::vector<SparseHit> walked_best) const;
  std::vector<SparseHit> ExactAll(SearchScratch& sc, const SparseVector& query,
                                  const Bm25Params& cur, size_t k, const IdFilter* filter) const;
};

}  // namespace ketnoi::indexer
