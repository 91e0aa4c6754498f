// Private to engine/matcher*.cc: the matcher's in-memory state.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/fifo_gate.h"
#include "engine/matcher.h"
#include "engine/ranker.h"
#include "engine/store.h"
#include "indexer/analyzer.h"
#include "indexer/retriever.h"

namespace ketnoi::engine {

// Stable int64 ids for the retrievers, one table per collection.
class IdTable {
 public:
  int64_t Intern(const std::string& id) {
    auto it = ids_.find(id);
    if (it != ids_.end()) return it->second;
    int64_t n = static_cast<int64_t>(names_.size());
    names_.push_back(id);
    ids_.emplace(id, n);
    return n;
  }
  // -1 when unknown.
  int64_t Find(const std::string& id) const {
    auto it = ids_.find(id);
    return it == ids_.end() ? -1 : it->second;
  }
  const std::string& Name(int64_t n) const { return names_[static_cast<size_t>(n)]; }
  size_t size() const { return names_.size(); }

 private:
  std::unordered_map<std::string, int64_t> ids_;
  std::vector<std::string> names_;
};

// What the ranker needs of one party, kept in memory so that ranking 200
// candidates reads no disk. The analysis keeps only what the ranker reads
// (accented syllables, concepts, quantities).
struct Party {
  MatchSide side;           // side.analysis points at `analysis`, side.keys at `keys`
  indexer::Analysis analysis;
  RankKeys keys;
  std::string text;         // the text that was indexed
  std::string region;
  // Needs only.
  std::string facility_id;
  std::string need_id;
  NeedKind need_kind = NeedKind::kEquipment;
  // The party's vertex in the value-chain graph when a chain fit last found
  // it (ChainFitScores' hint; checked there before use, so a stale one is
  // harmless). Written by concurrent rankings: relaxed atomic.
  mutable std::atomic<uint32_t> graph_vertex{UINT32_MAX};
};

// The parties of one collection by internal id (ids are dense: IdTable),
// with each party's filter attributes copied into a compact array, so a
// filter pushed down into the retriever (asked about thousands of ids per
// query) reads one small record per id instead of a heap object and its
// strings. Province, region, chain and language strings are coded per table
// (equal strings, equal codes). Mutation needs external synchronisation
// (Matcher::Impl::mu held exclusively); const methods may run concurrently.
class PartyTable {
 public:
  static constexpr uint16_t kNoCode = 0xffff;
  static constexpr int kMaskBits = 128;
  struct Attrs {
    uint64_t serves[2] = {0, 0};  // coded provinces < kMaskBits: own + served
    uint16_t region = kNoCode, chain = kNoCode, lang = kNoCode;
    bool alive = false;
    bool nationwide = false;
    // A province coded >= kMaskBits, or a string left uncoded: the filter
    // asks the party itself.
    bool slow = false;
    bool has_budget = false;
    int64_t budget_vnd = 0;
  };

  // Null when absent.
  const Party* Find(int64_t n) const {
    return n >= 0 && static_cast<size_t>(n) < parties_.size() ? parties_[n].get() : nullptr;
  }
  bool Has(int64_t n) const { return Find(n) != nullptr; }
  // Null when absent.
  const Attrs* AttrsOf(int64_t n) const {
    return n >= 0 && static_cast<size_t>(n) < attrs_.size() && attrs_[n].alive ? &attrs_[n]
                                                                              : nullptr;
  }
  void Put(int64_t n, std::shared_ptr<const Party> party);
  bool Erase(int64_t n);
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // How many parties the lexicon speaks for (RankKeys::recognized at least
  // kRecognizedForFullWeight): MarketFactor's numerator. A pass over the
  // table: asked when a collection is built or loaded.
  size_t CountRecognized() const;
  // fn(n, party) in increasing n.
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (size_t n = 0; n < parties_.size(); ++n) {
      if (parties_[n]) fn(static_cast<int64_t>(n), *parties_[n]);
    }
  }
  // The code of a province id; kNoCode when no party names it.
  uint16_t ProvinceCode(const std::string& id) const { return Lookup(provinces_, id); }
  // The code of a region, chain or language; kNoCode when no party has it.
  uint16_t WordCode(const std::string& word) const { return Lookup(words_, word); }

 private:
  static uint16_t Lookup(const std::unordered_map<std::string, uint16_t>& m,
                         const std::string& s) {
    auto it = m.find(s);
    return it == m.end() ? kNoCode : it->second;
  }
  static uint16_t Intern(std::unordered_map<std::string, uint16_t>* m, const std::string& s);

  std::vector<std::shared_ptr<const Party>> parties_;
  std::vector<Attrs> attrs_;
  size_t count_ = 0;
  std::unordered_map<std::string, uint16_t> provinces_, words_;
};

// Needs prepared as queries of one target collection (indexer::
// PreparedQuery) for the refresh merges. Bounded (an arbitrary entry makes
// room); an entry serves only the text it was prepared from and the
// retriever generation it belongs to. Thread-safe.
class PreparedNeeds {
 public:
  void set_capacity(size_t n) { capacity_ = n; }
  StatusOr<std::shared_ptr<const indexer::PreparedQuery>> Get(const indexer::Retriever& retriever,
                                                              const std::string& need_id,
                                                              const indexer::Query& query,
                                                              const std::string& text);

 private:
  struct Entry {
    size_t text_hash;
    std::shared_ptr<const indexer::PreparedQuery> query;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  size_t capacity_ = 0;
};

struct Collection {
  std::unique_ptr<indexer::Retriever> retriever;
  // The retriever learns its projection in Build; an empty collection is not
  // built until its first document, and a collection is rebuilt whenever it
  // has doubled since the last build (amortised, so the projection keeps up
  // with a growing corpus).
  bool built = false;
  size_t built_size = 0;
  // MarketFactor of the parties as of the last build or load, like the
  // projection learned then: a candidate collection's factor on the features
  // read from the lexicon (PairEvidence::market). Part of the stored lists'
  // ranking definition. 1 for the needs' collections (not read).
  double market = 1;
  IdTable ids;
  PartyTable parties;
};

struct Matcher::Impl {
  MatcherOptions options;
  const ReferenceData* reference = nullptr;
  std::unique_ptr<indexer::Analyzer> analyzer;
  // Admits the live rankings (MatcherOptions::live_rankings).
  std::unique_ptr<FifoGate> live_gate;

  mutable std::shared_mutex mu;  // guards the fields below and the weights
  std::unique_ptr<Ranker> ranker;
  Collection suppliers, experts;
  Collection needs[2];  // by NeedKind: equipment needs, expert needs
  // Needs prepared as queries of the suppliers [0] and the experts [1].
  mutable PreparedNeeds prepared[2];
  // Serialises the On*() updates with each other.
  std::mutex update_mu;
  double build_seconds = 0;
  IndexLoadReport index_report;  // set by Open (matcher_persist.cc)

  // Lists found stale at Open and not yet recomputed (MatcherOptions::
  // stale_lists). A need leaves `pending` when any path recomputes its list
  // (MaterializeNeeds); the background thread walks `order` in blocks.
  struct ListFill {
    std::mutex mu;  // guards pending, error; taken after update_mu
    std::unordered_set<std::string> pending;
    std::atomic<size_t> pending_count{0};
    Status error;
    std::condition_variable done_cv;
    std::vector<std::pair<std::string, TargetKind>> order;
    std::atomic<bool> stop{false};
    std::thread thread;
  } fill;

  Collection& Targets(TargetKind k) { return k == TargetKind::kSupplier ? suppliers : experts; }
  const Collection& Targets(TargetKind k) const {
    return k == TargetKind::kSupplier ? suppliers : experts;
  }
};

// Trims an analysis to what the ranker reads.
indexer::Analysis TrimForRanking(indexer::Analysis a);

// Records -> ranking parties and index documents (defined in matcher.cc).
namespace matcher_detail {
std::shared_ptr<Party> SupplierParty(const Matcher::Impl& impl, const Supplier& s);
std::shared_ptr<Party> ExpertParty(const Matcher::Impl& impl, const Expert& e);
std::shared_ptr<Party> NeedParty(const Matcher::Impl& impl, const Facility& f, const Need& n);
// Makes parties on every core, in chunks: Add queues a job that makes one
// party (owning copies of what it reads); when a chunk is full, and at
// Flush, the queued jobs run in parallel and each party is stored in `*out`
// under its id. The analysis of every record at Open is what this spreads.
class ParallelParties {
 public:
  ParallelParties(PartyTable* out, size_t max_threads);
  ~ParallelParties() { Flush(); }
  void Add(int64_t n, std::function<std::shared_ptr<Party>()> make);
  void Flush();

 private:
  PartyTable* out_;
  size_t threads_;
  std::vector<std::pair<int64_t, std::function<std::shared_ptr<Party>()>>> jobs_;
};

// Runs fn(which) for the four collections (0 suppliers, 1 experts, 2
// equipment needs, 3 expert needs) on two threads, largest first, so that
// one collection's single-threaded steps (projection learning, postings,
// Faiss training, saving) overlap another's. Returns the first error.
Status ForCollectionsInParallel(const std::function<Status(int)>& fn);

indexer::Document CandidateDocument(int64_t id, const std::string& name, const std::string& text,
                                    const std::vector<float>& vector);
indexer::Document NeedDocument(int64_t id, const Need& n, const Facility& f);

// One (query party, other party) pair scored as Matcher::Match ranks it:
// features and score, no reasons. `other` is the candidate, or the need when
// `lead_direction`. `feedback` holds the verdicts of the need's pairs by the
// other side's id. REQUIRES: impl.mu held (shared).
// The lexical feature's normaliser for a query (MatcherOptions::lexical_norm)
// from its search: its own reference, or the best candidate's BM25.
double LexicalNormaliser(const Matcher::Impl& impl, const std::vector<indexer::Candidate>& found,
                         const indexer::QueryStats& stats);
// Scores without the notes (FinishItem adds them to the kept pairs).
// `chain_fit`: the pair's value-chain fit when the caller has it (a batch
// for many candidates), else null and it is asked of the graph here.
// `kind`: the candidate's collection (its market factor).
Explanation ScorePair(const Matcher::Impl& impl, const Party& query_party, const Party& other,
                      bool lead_direction, TargetKind kind, double dense, double sparse,
                      double sparse_max, const std::unordered_map<std::string, double>& feedback,
                      const double* chain_fit = nullptr);
// The kinds of matched terms FinishItem words into reasons (syllables,
// accented syllables, bigrams, model codes): the evidence it needs is of
// these alone.
extern const std::vector<indexer::FeatureKind> kReadableKinds;
// A kept pair as a list item: reasons, readable matched terms (from the
// sparse index's evidence). REQUIRES: impl.mu held (shared).
MatchItem FinishItem(const Matcher::Impl& impl, const Party& query_party, const Party& other,
                     bool lead_direction, Direction dir, Explanation e,
                     const std::vector<indexer::MatchedTerm>& evidence);
// The verdicts on a need's pairs, by candidate id. REQUIRES: impl.mu held.
std::unordered_map<std::string, double> FeedbackFor(const Matcher::Impl& impl,
                                                    const std::string& need_id);
// Keys of the materialised lists (engine/matcher_lists.cc, docs/matching.md).
inline constexpr std::string_view kLeadSeqKey = "lead_seq";  // meta: last lead sequence
std::string ListKey(std::string_view need_id, TargetKind kind);
std::string LeadKey(std::string_view cand_id, std::string_view need_id);
uint64_t ReadCounter(const Store& store, std::string_view key);  // 0 when absent
// The sequence number of the stored lead (candidate, need); 0 when absent.
uint64_t StoredLeadSeq(const Store& store, std::string_view cand_id, std::string_view need_id);
// A lead as stored (family kLeads, key LeadKey): a format byte, varint seq,
// the score (8-byte double) and the two reasons (varint length + bytes).
// The need's facility, name, province and text are not repeated: Leads
// reads them from the need itself. Leads stored earlier as JSON objects
// ({"need",...,"seq"}) are still read.
std::string LeadRecord(double score, const std::string& reason_vi, const std::string& reason_en,
                       uint64_t seq);
struct StoredLead {
  uint64_t seq = 0;
  double score = 0;
  std::string reason_vi, reason_en;
};
// False when `raw` is neither form.
bool DecodeLead(std::string_view raw, StoredLead* out);
const Party* FindNeed(const Matcher::Impl& impl, const std::string& need_id);
void LeadReason(const Matcher::Impl& impl, const Party& need, const MatchItem& item,
                TargetKind kind, std::string* vi, std::string* en);

// Merges a new or changed candidate (`cand`, retriever id `n`, already in its
// collection) into the stored lists of `need_ids` by scoring that one pair,
// where that gives what a full re-rank would: it enters, moves within or
// leaves a list. Needs where it cannot (the candidate would become or was
// the best lexical match and so changes the normaliser, or it leaves a full
// list whose next member is unknown) are appended to `*full` for a full
// re-rank. Needs without a stored list are left to be computed when first
// read (Matcher::Materialized). Writes one batch. (engine/matcher_merge.cc)
// REQUIRES: update_mu held.
Status MergeCandidate(Matcher::Impl* impl, TargetKind kind, const Party& cand, int64_t n,
                      const std::vector<std::string>& need_ids, std::vector<std::string>* full);

// Weight of the query party's text in the retriever query of Rank.
inline constexpr float kQueryTextWeight = 1.0f;
}  // namespace matcher_detail

}  // namespace ketnoi::engine
