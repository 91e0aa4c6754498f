// Matcher: merging one new or changed supplier/expert into the stored lists
// of the needs it may enter, by scoring that single pair instead of
// re-ranking every candidate of each need (docs/matching.md, "Incremental
// refresh").
//
// Why a single pair is enough: the other members' scores do not depend on
// the changed candidate. With the query's own lexical normaliser (the
// default, LexicalNorm::kQuery) that holds outright. With the best
// candidate's BM25 as normaliser it holds except through that normaliser,
// which is recovered from a member whose lexical value is known
// (normaliser = its BM25 / its lexical value); when the changed candidate
// would exceed it, the need is re-ranked in full. A missing list, and a
// full list that the candidate leaves (its next member is not stored), are
// re-ranked in full too.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/parallel.h"
#include "engine/match_list_codec.h"
#include "engine/matcher_internal.h"
#include "engine/store.h"

namespace ketnoi::engine::matcher_detail {
namespace {

// Rank's order: score descending, then id ascending.
bool Before(double score_a, const std::string& id_a, double score_b, const std::string& id_b) {
  return score_a != score_b ? score_a > score_b : id_a < id_b;
}

constexpr int kLexical = static_cast<int>(RankFeature::kLexical);

struct Merge {
  std::string need_id;
  uint64_t version = 0;
  std::vector<std::string> old_ids;
  std::vector<MatchItem> items;  // the new list
  int changed = -1;              // index of the candidate's item in `items` (-1: not in it)
};

// A stored list as a decision first sees it: its head, and the list itself
// when it was read already (a list stored without a head).
struct StoredList {
  MatchListSummary head;
  std::optional<std::string> raw;
};

// Decides one need. Returns nullopt when it needs a full re-rank; a Merge
// with no change (empty old_ids, changed -1) when the list stays as it is.
// The decision reads the list's head (ids, scores and lexical values); the
// whole list is read and decoded when it changes.
// REQUIRES: impl.mu held (shared).
StatusOr<std::optional<Merge>> MergeOne(const Matcher::Impl& impl, TargetKind kind,
                                        const Party& cand, int64_t n, const Party& need,
                                        StoredList stored) {
  MatchListSummary& list = stored.head;
  Status s;
  const Collection& targets = impl.Targets(kind);
  const bool own_norm = impl.options.lexical_norm == LexicalNorm::kQuery;

  // With the best candidate as normaliser, a member with a known lexical
  // value recovers it (its BM25 now / its stored value).
  int64_t ref_n = -1;
  double ref_value = 0;
  if (!own_norm) {
    for (size_t i = 0; i < list.ids.size(); ++i) {
      const double v = list.values[i];
      if (list.ids[i] == cand.side.id || v <= ref_value) continue;
      const int64_t id = targets.ids.Find(list.ids[i]);
      if (!targets.parties.Has(id)) continue;
      ref_n = id;
      ref_value = v;
    }
    if (ref_n < 0) return std::optional<Merge>();
  }

  indexer::Query q;
  q.fields = {{need.text, kQueryTextWeight}};
  indexer::QueryStats stats;
  StatusOr<std::vector<indexer::Candidate>> scores = std::vector<indexer::Candidate>{};
  std::shared_ptr<const indexer::PreparedQuery> prepared;
  if (own_norm) {
    auto got = impl.prepared[kind == TargetKind::kSupplier ? 0 : 1].Get(
        *targets.retriever, need.need_id, q, need.text);
    if (!got.ok()) return got.status();
    prepared = std::move(got).value();
    scores = targets.retriever->ScoreDocuments(*prepared, {n}, &stats);
  } else {
    scores = targets.retriever->ScoreDocuments(q, {n, ref_n});
  }
  if (!scores.ok()) return scores.status();
  const double sparse = (*scores)[0].sparse;
  const double sparse_max =
      own_norm ? stats.sparse_reference : (*scores)[1].sparse / ref_value;
  if (!own_norm && sparse > sparse_max * (1 + 1e-9)) return std::optional<Merge>();

  const auto feedback = FeedbackFor(impl, need.need_id);
  Explanation e =
      ScorePair(impl, need, cand, false, kind, (*scores)[0].dense, sparse, sparse_max, feedback);
  const size_t k = impl.options.materialized_k;
  const bool was_full = list.ids.size() >= k;
  const auto at = std::find(list.ids.begin(), list.ids.end(), cand.side.id);
  const bool listed = at != list.ids.end();
  const size_t at_index = static_cast<size_t>(at - list.ids.begin());
  // It held the best BM25: the normaliser may now be another candidate's.
  if (!own_norm && listed && list.values[at_index] >= 1 - 1e-9) return std::optional<Merge>();
  const bool keeps = e.score >= impl.options.default_min_score;
  // Where it would go among the others.
  size_t pos = 0;
  for (size_t i = 0; i < list.ids.size(); ++i) {
    if (listed && i == at_index) continue;
    if (!Before(list.scores[i], list.ids[i], e.score, cand.side.id)) break;
    ++pos;
  }
  const size_t others = list.ids.size() - (listed ? 1 : 0);
  const bool beats_last = pos < others;
  if (listed && was_full && !(keeps && beats_last)) {
    return std::optional<Merge>();  // leaves a full list: the next member is unknown
  }
  Merge m;
  m.need_id = need.need_id;
  if (!listed && (!keeps || (was_full && !beats_last))) {
    return std::optional<Merge>(std::move(m));  // does not enter: unchanged
  }
  if (!stored.raw) {
    auto raw = impl.options.store->GetRaw(Family::kMatches, ListKey(need.need_id, kind));
    if (!raw.ok() && raw.status().code() != StatusCode::kNotFound) return raw.status();
    if (!raw.ok()) return std::optional<Merge>();  // a head without its list: recompute
    stored.raw = std::move(raw).value();
  }
  s = DecodeMatchList(*stored.raw, &m.version, &m.items);
  // Unreadable, or not the list its head describes: recompute it.
  if (!s.ok() || m.version != list.version || m.items.size() != list.ids.size()) {
    return std::optional<Merge>();
  }
  m.old_ids = std::move(list.ids);
  if (listed) m.items.erase(m.items.begin() + static_cast<std::ptrdiff_t>(at_index));
  if (!keeps) return std::optional<Merge>(std::move(m));  // left a list that was not full
  std::vector<std::vector<indexer::MatchedTerm>> evidence;
  if (prepared != nullptr) {
    auto got = targets.retriever->Explain(*prepared, std::vector<int64_t>{n}, kReadableKinds);
    if (!got.ok()) return got.status();
    evidence = std::move(got).value();
  } else {
    evidence = targets.retriever->Explain(q, std::vector<int64_t>{n});
  }
  Direction dir = kind == TargetKind::kSupplier ? Direction::kNeedToSupplier
                                                : Direction::kNeedToExpert;
  m.items.insert(m.items.begin() + static_cast<std::ptrdiff_t>(pos),
                 FinishItem(impl, need, cand, false, dir, std::move(e), evidence[0]));
  if (m.items.size() > k) m.items.resize(k);
  m.changed = static_cast<int>(pos);
  return std::optional<Merge>(std::move(m));
}

}  // namespace
}  // namespace ketnoi::engine::matcher_detail

namespace ketnoi::engine {

StatusOr<std::shared_ptr<const indexer::PreparedQuery>> PreparedNeeds::Get(
    const indexer::Retriever& retriever, const std::string& need_id, const indexer::Query& query,
    const std::string& text) {
  const size_t text_hash = std::hash<std::string>()(text);
  const uint64_t generation = retriever.generation();
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(need_id);
    if (it != entries_.end() && it->second.text_hash == text_hash &&
        it->second.query->generation == generation) {
      return it->second.query;
    }
  }
  auto prepared = retriever.Prepare(query);
  if (!prepared.ok()) return prepared.status();
  auto shared = std::make_shared<const indexer::PreparedQuery>(std::move(prepared).value());
  if (capacity_ == 0) return shared;
  std::lock_guard lock(mu_);
  if (entries_.size() >= capacity_ && !entries_.count(need_id)) entries_.erase(entries_.begin());
  entries_[need_id] = {text_hash, shared};
  return shared;
}

}  // namespace ketnoi::engine

namespace ketnoi::engine::matcher_detail {
namespace {

// One need's outcome: skipped (no list or gone), a full re-rank, or a merge
// with its new list encoded and the changed lead's reason worded (done on
// every core with the decision; the writing is serial).
struct Decision {
  Status status;
  bool skip = false;
  bool full = false;
  Merge merge;
  std::string encoded;         // the new list, when it changed
  std::string head;            // its head; or the unchanged list's, when it had none
  std::string lead_vi, lead_en;  // the changed item's lead reason
  uint64_t lead_seq = 0;         // its stored lead's sequence (0: a new lead)
};

}  // namespace

Status MergeCandidate(Matcher::Impl* impl, TargetKind kind, const Party& cand, int64_t n,
                      const std::vector<std::string>& need_ids, std::vector<std::string>* full) {
  Store& store = *impl->options.store;
  const auto start = std::chrono::steady_clock::now();
  // Decide every need (reads only) on every core, then write in need order.
  std::vector<Decision> decided(need_ids.size());
  auto decide = [&](size_t i) {
    Decision& d = decided[i];
    const std::string key = ListKey(need_ids[i], kind);
    StoredList stored;
    bool has_head = false;
    StatusOr<std::string> raw = NotFound("");
    if (impl->options.read_list_heads) raw = store.GetRaw(Family::kListHeads, key);
    if (raw.ok() && DecodeMatchListHead(*raw, &stored.head).ok()) {
      has_head = true;
    } else {  // a list stored before heads were: read the list itself
      raw = store.GetRaw(Family::kMatches, key);
      if (raw.ok()) stored.raw = *raw;
    }
    if (!raw.ok() && raw.status().code() != StatusCode::kNotFound) {
      d.status = raw.status();
      return;
    }
    std::shared_lock lock(impl->mu);
    const Party* need = FindNeed(*impl, need_ids[i]);
    // Gone meanwhile, or no list yet (Materialized computes it, from the
    // current state, when it is first read).
    if (need == nullptr || !raw.ok()) {
      d.skip = true;
      return;
    }
    std::optional<MatchListSummary> backfill;  // the head to store, when it had none
    if (!has_head) {
      if (!DecodeMatchListSummary(*stored.raw, RankFeature::kLexical, &stored.head).ok()) {
        d.full = true;  // unreadable: recompute it
        return;
      }
      if (impl->options.read_list_heads) backfill = stored.head;
    }
    auto merged = MergeOne(*impl, kind, cand, n, *need, std::move(stored));
    if (!merged.ok()) {
      d.status = merged.status();
    } else if (!merged->has_value()) {
      d.full = true;
    } else {
      d.merge = std::move(**merged);
      const Merge& m = d.merge;
      if (m.old_ids.empty() && m.changed < 0) {  // unchanged
        if (backfill) d.head = EncodeMatchListHead(*backfill);
        return;
      }
      if (m.changed >= 0) {
        const MatchItem& item = m.items[static_cast<size_t>(m.changed)];
        LeadReason(*impl, *need, item, kind, &d.lead_vi, &d.lead_en);
        d.lead_seq = StoredLeadSeq(store, item.id, need_ids[i]);
      }
      const uint64_t version = store.LatestSequence();
      d.encoded = EncodeMatchList(version, m.items);
      d.head = EncodeMatchListHead(version, m.items);
    }
  };
  ParallelFor(need_ids.size(), std::min(impl->options.refresh_threads, need_ids.size() / 16),
              decide);
  const auto decided_at = std::chrono::steady_clock::now();

  WriteBatch batch;
  uint64_t seq = ReadCounter(store, kLeadSeqKey);
  const uint64_t start_seq = seq;
  size_t list_bytes = 0;
  std::shared_lock lock(impl->mu);
  for (size_t i = 0; i < need_ids.size(); ++i) {
    const std::string& need_id = need_ids[i];
    Decision& d = decided[i];
    if (!d.status.ok()) return d.status;
    if (d.skip) continue;
    if (d.full) {
      full->push_back(need_id);
      continue;
    }
    Merge& m = d.merge;
    if (m.old_ids.empty() && m.changed < 0) {  // unchanged; a list without a head gets it
      if (!d.head.empty()) batch.PutRaw(Family::kListHeads, ListKey(need_id, kind), d.head);
      continue;
    }
    const Party* need = FindNeed(*impl, need_id);
    if (need == nullptr) continue;
    // Leads: the candidate's own (new, moved or gone) and the evicted one.
    std::map<std::string, bool> now;
    for (const auto& item : m.items) now[item.id] = true;
    for (const auto& id : m.old_ids) {
      if (!now.count(id)) batch.DeleteRaw(Family::kLeads, LeadKey(id, need_id));
    }
    if (m.changed >= 0) {
      const MatchItem& item = m.items[static_cast<size_t>(m.changed)];
      const uint64_t lead_seq = d.lead_seq != 0 ? d.lead_seq : ++seq;
      batch.PutRaw(Family::kLeads, LeadKey(item.id, need_id),
                   LeadRecord(item.explanation.score, d.lead_vi, d.lead_en, lead_seq));
    }
    // The list and its head, together.
    batch.PutRaw(Family::kMatches, ListKey(need_id, kind), d.encoded);
    batch.PutRaw(Family::kListHeads, ListKey(need_id, kind), d.head);
    list_bytes += d.encoded.size();
  }
  lock.unlock();
  if (seq != start_seq) batch.PutRaw(Family::kMeta, kLeadSeqKey, std::to_string(seq));
  Status s = batch.Count() == 0 ? Status::OK() : store.Write(batch);
  using Ms = std::chrono::duration<double, std::milli>;
  spdlog::debug("merge {}: {} needs decided in {:.1f} ms, {} writes ({} bytes of lists) in {:.1f} ms",
                cand.side.id, need_ids.size(), Ms(decided_at - start).count(), batch.Count(),
                list_bytes, Ms(std::chrono::steady_clock::now() - decided_at).count());
  return s;
}

}  // namespace ketnoi::engine::matcher_detail
