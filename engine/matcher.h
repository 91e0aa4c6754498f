// Matcher: for a facility's need, ranked suppliers or experts with reasons;
// for a supplier or expert, the facilities' needs it can serve (leads).
//
// Pipeline: candidates from the hybrid retriever of the target kind (a few
// hundred, filters pushed down as id filters), each scored by the Ranker
// (engine/ranker.h) with geography, capacity, budget, sector, chain and
// feedback evidence; weak matches are cut at min_score rather than padded.
//
// Materialised lists: every need's ranked list (per target kind) and every
// supplier's/expert's leads are kept in the store (families kMatches and
// kLeads) and refreshed incrementally: a changed supplier re-scores only the
// needs it was listed for plus the needs its text retrieves; a changed need
// re-ranks itself. Leads carry a sequence number when they first appear, so
// a supplier can ask for what is new since its last visit.
//
// Thread safety: all const methods may run concurrently; the On*() update
// methods serialise among themselves and exclude readers only for the short
// in-memory swap.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/model.h"
#include "engine/ranker.h"

namespace ketnoi::indexer {
class Lexicon;
}

namespace ketnoi::engine {

class Store;
class ReferenceData;

enum class TargetKind { kSupplier, kExpert };
std::string_view TargetKindName(TargetKind k);  // "supplier" / "expert"
bool ParseTargetKind(std::string_view s, TargetKind* out);

// The value-chain fit of a candidate for a facility, from the graph.
struct ChainFit {
  double score = 0;   // [0,1]
  std::string path;   // readable path, empty when none
};
// `with_path` false: the score alone (ranking every candidate); true: the
// readable path too (the kept ones' reasons).
using ChainFitFn = std::function<ChainFit(const std::string& facility_id,
                                          const std::string& candidate_id, bool with_path)>;
// ChainFitFn(facility_id, candidate_ids[i], false).score for every i into
// out[i] (candidate_ids.size() values), in one call. `vertex_hints` (in and
// out, one per candidate, UINT32_MAX when unknown; may be null): where each
// candidate was found last time (ValueChainGraph::ChainFitScores).
using ChainFitScoresFn = std::function<void(const std::string& facility_id,
                                            const std::vector<std::string_view>& candidate_ids,
                                            double* out, uint32_t* vertex_hints)>;

// What Open does when the stored lists are older than the store (records
// written while no matcher ran, e.g. by `ketnoi import`, or a fill that a
// crash cut short).
enum class StaleLists {
  kNow,         // recompute every list before Open returns (RefreshAll)
  kBackground,  // Open returns at once; a thread recomputes them in blocks
  kOnRead,      // each list is recomputed when first read; nothing else
};

// What the lexical feature divides a candidate's BM25 by.
enum class LexicalNorm {
  // The query's own BM25 reference (indexer::QueryStats::sparse_reference):
  // a pair's lexical value does not depend on the other candidates, so a
  // new supplier changes no other member's score and a refresh merges it
  // into each list alone.
  kQuery,
  // The best BM25 among the query's candidates (the first definition): the
  // best lexical match scores 1, and a new best match changes every other
  // member's value, which re-ranks that need in full on refresh.
  kBestCandidate,
};

struct MatcherOptions {
  Store* store = nullptr;                       // REQUIRED, not owned
  const indexer::Lexicon* lexicon = nullptr;    // may be null, not owned
  RankerWeights weights;
  // Candidates taken from the retriever before ranking: the best 100 of
  // the union of its best 100 by BM25 and by similarity (fused). Measured
  // in docs/performance.md ("Session 10"): 200 ranked no better than 100 on
  // the demo, gen-10k, gen-100k and both bench sets, at 1.6x the cost of a
  // live match.
  size_t candidates = 100;
  // Of those, how many the similarity side brings into the union (its best
  // by cosine; the lexical side brings `candidates`). 50 ranked as well as
  // 100 (gen-100k 0.736 vs 0.735, gen-10k, demo, typo sets and both bench
  // sets level) for ~7% less per live match: fewer vectors to reconstruct
  // and fewer BM25 scorings of similarity-only candidates
  // (docs/performance.md, "Session 13").
  size_t dense_candidates = 50;
  // Work bound of one lexical candidate search, in postings
  // (indexer::SparseIndex::Search): a query over more chooses its
  // candidates by the terms that can add the most to a score (walked whole
  // while they fit) and rescores them exactly. It grows linearly from this
  // at up to `sparse_budget_growth_docs` documents to twice it at twice as
  // many (indexer::RetrieverOptions). Measured (docs/performance.md,
  // "Session 13" and "Session 14"), overlap with the exhaustive top 100 /
  // top 10 at 100,000: var/gen-100k (26,000 suppliers, ~1M postings per
  // need) 0.996 / 1.000; 100,100 suppliers (~3.9M) 0.948 / 0.999, the full
  // pipeline's nDCG@10 the same as at 200,000 (0.729); var/gen-1m (260,000,
  // ~10M) 0.856 / 0.990, and 0.914 / 0.998 at the 200,000 it grows to there.
  // 0: exhaustive.
  size_t sparse_posting_budget = 100000;
  size_t sparse_budget_growth_docs = 100000;
  // Normaliser of the lexical feature; stored lists computed with another
  // one are recomputed at Open (like stale lists).
  LexicalNorm lexical_norm = LexicalNorm::kQuery;
  // Length of the materialised lists.
  size_t materialized_k = 30;
  // Refresh decisions read each list's head (false: the list itself, as
  // for a list stored without a head; for measuring the difference).
  bool read_list_heads = true;
  // Matches scoring below this are cut (a request may ask for another).
  double default_min_score = 0.35;
  // Needs retrieved by a changed supplier's text to be re-scored.
  size_t refresh_fanout = 200;
  // Threads that rank needs when many lists are recomputed at once (at most
  // the machine's cores).
  size_t refresh_threads = 8;
  // Live rankings (Match, Search) that run at once; the others wait in
  // arrival order (FifoGate): a server with more requests in flight than
  // cores then runs each on about a core of its own instead of all on
  // shares of them (docs/performance.md, "Session 16"). 0: twice the
  // machine's cores.
  size_t live_rankings = 0;
  // Needs kept prepared as queries (analysed, looked up, embedded) per
  // target kind, ~2 KB each, for the refresh merges (a new supplier is
  // scored against ~200 needs, and preparing a need's text was ~70% of a
  // merge) and the live matches of stored needs. 0: none kept.
  size_t prepared_needs = 32768;
  // Stale lists at Open (see StaleLists). Until every stale list has been
  // recomputed, Materialized recomputes a stale one before returning it (so a
  // read never returns a list older than the store) and Leads reports
  // itself incomplete (LeadList::complete).
  StaleLists stale_lists = StaleLists::kNow;
  // LSA dimension of the built-in embedder.
  int dim = 128;
  // Optional chain-fit hook (the graph); not called when empty.
  ChainFitFn chain_fit;
  // Optional batch form of chain_fit's scores (the ranker's candidates for
  // one need); when empty, chain_fit is asked once per candidate.
  ChainFitScoresFn chain_fit_scores;
  // Saved indexes (SaveIndexes) to start from: Open loads them and catches
  // up with the store's change log; when missing, stale or damaged it logs
  // why and builds from the store. "": always build.
  std::string index_dir;
};

struct MatchFilters {
  std::vector<std::string> provinces;  // as written; candidate in or serving one of them
  std::string region;                  // candidate's province in this region
  std::string sector;                  // as written; candidate names this sector's chain
  std::optional<int64_t> budget_min;   // leads: the need's budget range
  std::optional<int64_t> budget_max;
  std::string lang;                    // "vi" / "en" (suppliers)
  bool serves_my_province = false;     // candidate serves the facility's province
  std::vector<std::string> exclude_ids;
  std::optional<double> min_score;     // default: MatcherOptions::default_min_score
};

struct MatchRequest {
  std::string need_id;
  std::optional<TargetKind> kind;  // default: from the need's kind
  int k = 10;                      // 1..100
  MatchFilters filters;
};

// A need typed on the spot (POST /v1/search).
struct SearchRequest {
  std::string text;
  std::string province;  // as written, optional
  std::string sector;    // as written, optional
  std::optional<int64_t> budget_vnd;
  TargetKind kind = TargetKind::kSupplier;
  int k = 10;
  MatchFilters filters;
};

struct MatchItem {
  std::string id;
  std::string name;
  std::string province_id;
  Explanation explanation;
};

struct MatchList {
  std::string need_id;      // empty for an ad-hoc search
  TargetKind kind = TargetKind::kSupplier;
  std::vector<MatchItem> items;
  uint64_t version = 0;     // store sequence the list was computed at (materialised)
};

struct Lead {
  std::string need_id;
  std::string facility_id;
  std::string facility_name;
  std::string province_id;
  std::string need_text;
  double score = 0;
  std::string reason_vi, reason_en;
  uint64_t seq = 0;  // when the lead appeared (cursor)
};

struct LeadList {
  std::vector<Lead> items;  // newest first
  std::string cursor;       // pass as `since` next time to get only newer leads
  // False while stale lists are still being recomputed (StaleLists): leads
  // from needs not yet recomputed are missing or old.
  bool complete = true;
  size_t needs_pending = 0;  // needs whose lists are not yet recomputed
};

// How Open got its indexes when MatcherOptions::index_dir was set.
struct IndexLoadReport {
  bool loaded = false;             // false: built from the store
  std::string rebuild_reason;      // why the saved indexes were not used
  uint64_t saved_change = 0;       // store change number the saved indexes covered
  size_t changes_replayed = 0;     // change records after it
  size_t documents_caught_up = 0;  // documents re-indexed or removed to match the store
  size_t documents_unlogged = 0;   // of those, ones no change record named (repaired)
  size_t collections_rebuilt = 0;  // collections relearned while catching up (grew a lot)
  double seconds = 0;              // load and catch-up (or build) time
};

struct MatcherStats {
  size_t suppliers = 0, experts = 0, needs = 0;
  std::string supplier_index, expert_index, need_index;
  double build_seconds = 0;
  IndexLoadReport index;
  size_t lists_pending = 0;  // stale lists not yet recomputed (StaleLists)
  size_t live_rankings = 0;  // live rankings that may run at once
  size_t live_rankings_waiting = 0;  // live rankings waiting their turn now
  // MarketFactor of the suppliers and the experts as last built or loaded:
  // 1 where the lexicon speaks for the market; below, the concept, sector
  // and capacity features count that much (docs/matching.md).
  double supplier_market = 1, expert_market = 1;
};

class Matcher {
 public:
  // Builds the retrievers from the store's records.
  static StatusOr<std::unique_ptr<Matcher>> Open(MatcherOptions options);
  ~Matcher();

  // Live match. NotFound for an unknown need; InvalidArgument for k outside
  // 1..100, an unknown province/sector in the filters.
  StatusOr<MatchList> Match(const MatchRequest& request) const;
  StatusOr<MatchList> Search(const SearchRequest& request) const;
  // The kind a need asks for (equipment: suppliers, expertise: experts),
  // from memory; nullopt for an unknown need.
  std::optional<TargetKind> TargetOfNeed(const std::string& need_id) const;
  // The materialised list (its first max_items members); NotFound when the
  // need is unknown. Computed (and stored) on first read when missing.
  StatusOr<MatchList> Materialized(const std::string& need_id, TargetKind kind,
                                   size_t max_items = SIZE_MAX);
  // Leads of a supplier or expert newer than `since` ("" = all), newest first.
  StatusOr<LeadList> Leads(const std::string& candidate_id, const std::string& since,
                           size_t k) const;

  // Call after the store was written. Each updates the retrievers and the
  // materialised lists it affects.
  Status OnFacilityChanged(const std::string& facility_id);
  Status OnFacilityDeleted(const std::string& facility_id, const std::vector<std::string>& need_ids);
  Status OnCandidateChanged(const std::string& id, TargetKind kind);
  Status OnCandidateDeleted(const std::string& id, TargetKind kind);
  // Staff feedback on one of the need's candidates was stored: re-ranks that
  // need's list only (its text and indexes are unchanged). NotFound for an
  // unknown need.
  Status OnFeedbackChanged(const std::string& need_id);
  // Recomputes every materialised list and lead list from scratch.
  Status RefreshAll();
  // Applies `mode` to the stale lists that Open left pending (opened with
  // StaleLists::kOnRead): kNow recomputes them all before returning,
  // kBackground starts the background fill, kOnRead leaves them.
  Status ResolveStaleLists(StaleLists mode);
  // Blocks until the stale lists left by Open have been recomputed (at once
  // when there are none); returns the first error of the background fill.
  Status WaitForLists();

  // The feature values of a (need, candidate) pair, for learning weights.
  StatusOr<Explanation> Explain(const std::string& need_id, const std::string& candidate_id) const;
  // Replaces the ranker weights (e.g. learned from feedback).
  void SetWeights(const RankerWeights& weights);
  RankerWeights weights() const;

  MatcherStats Stats() const;

  // Saves the retrievers and their id tables to `dir` (replaced atomically)
  // with the store change number they reflect, which it returns. REQUIRES:
  // every store write so far went through the On*() hooks successfully (the
  // engine holds its write lock). Searches may run meanwhile.
  StatusOr<uint64_t> SaveIndexes(const std::string& dir) const;

  // Opaque state, defined in engine/matcher_internal.h for the matcher's
  // own translation units.
  struct Impl;

 private:
  explicit Matcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ketnoi::engine
