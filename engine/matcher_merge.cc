// Matcher: merging one new or changed supplier/expert into the stored lists
// of the needs it may enter, by scoring that single pair instead of
// re-ranking every candidate of each need (docs/matching.md, "Incremental
// refresh").
//
// Why a single pair is enough: the other members' scores do not depend on
// the changed candidate, except through the lexical normaliser (the best
// BM25 among the need's candidates), which is recovered from a member whose
// lexical value is known (normaliser = its BM25 / its lexical value); when
// the changed candidate would exceed it, or when the list is missing, the
// need is re-ranked in full. A full list that the candidate leaves is also
// re-ranked in full: its next member is not stored.
#include <algorithm>
#include <map>
#include <optional>

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

// Decides one need. Returns nullopt when it needs a full re-rank; a Merge
// with no change when the list stays as it is.
// REQUIRES: impl.mu held (shared).
StatusOr<std::optional<Merge>> MergeOne(const Matcher::Impl& impl, TargetKind kind,
                                        const Party& cand, int64_t n, const Party& need,
                                        const std::string& raw_list) {
  Merge m;
  m.need_id = need.need_id;
  Status s = DecodeMatchList(raw_list, &m.version, &m.items);
  if (!s.ok()) return std::optional<Merge>();  // unreadable: recompute it
  for (const auto& item : m.items) m.old_ids.push_back(item.id);
  const Collection& targets = impl.Targets(kind);

  // A member with a known lexical value recovers the normaliser.
  int64_t ref_n = -1;
  double ref_value = 0;
  for (const auto& item : m.items) {
    const double v = item.explanation.values[kLexical];
    if (item.id == cand.side.id || v <= ref_value) continue;
    const int64_t id = targets.ids.Find(item.id);
    if (id < 0 || !targets.parties.count(id)) continue;
    ref_n = id;
    ref_value = v;
  }
  if (ref_n < 0) return std::optional<Merge>();

  indexer::Query q;
  q.fields = {{need.text, kQueryTextWeight}};
  auto scores = targets.retriever->ScoreDocuments(q, {n, ref_n});
  if (!scores.ok()) return scores.status();
  const double sparse = (*scores)[0].sparse;
  const double sparse_max = (*scores)[1].sparse / ref_value;
  if (sparse > sparse_max * (1 + 1e-9)) return std::optional<Merge>();

  const auto feedback = FeedbackFor(impl, need.need_id);
  Explanation e = ScorePair(impl, need, cand, false, (*scores)[0].dense, sparse, sparse_max,
                            feedback);
  const size_t k = impl.options.materialized_k;
  const bool was_full = m.items.size() >= k;
  auto at = std::find_if(m.items.begin(), m.items.end(),
                         [&](const MatchItem& item) { return item.id == cand.side.id; });
  const bool listed = at != m.items.end();
  // It held the best BM25: the normaliser may now be another candidate's.
  if (listed && at->explanation.values[kLexical] >= 1 - 1e-9) return std::optional<Merge>();
  if (listed) m.items.erase(at);
  const bool keeps = e.score >= impl.options.default_min_score;
  // Where it would go among the others.
  size_t pos = 0;
  while (pos < m.items.size() &&
         Before(m.items[pos].explanation.score, m.items[pos].id, e.score, cand.side.id)) {
    ++pos;
  }
  const bool beats_last = pos < m.items.size();
  if (listed && was_full && !(keeps && beats_last)) {
    return std::optional<Merge>();  // leaves a full list: the next member is unknown
  }
  if (!keeps || (!listed && was_full && !beats_last)) {
    if (!listed) m.old_ids.clear();  // unchanged
    return std::optional<Merge>(std::move(m));
  }
  auto evidence = targets.retriever->Explain(q, std::vector<int64_t>{n});
  Direction dir = kind == TargetKind::kSupplier ? Direction::kNeedToSupplier
                                                : Direction::kNeedToExpert;
  m.items.insert(m.items.begin() + static_cast<std::ptrdiff_t>(pos),
                 FinishItem(impl, need, cand, false, dir, std::move(e), evidence[0]));
  if (m.items.size() > k) m.items.resize(k);
  m.changed = static_cast<int>(pos);
  return std::optional<Merge>(std::move(m));
}

}  // namespace

Status MergeCandidate(Matcher::Impl* impl, TargetKind kind, const Party& cand, int64_t n,
                      const std::vector<std::string>& need_ids, std::vector<std::string>* full) {
  Store& store = *impl->options.store;
  WriteBatch batch;
  uint64_t seq = ReadCounter(store, kLeadSeqKey);
  const uint64_t start_seq = seq;
  for (const std::string& need_id : need_ids) {
    auto raw = store.GetRaw(Family::kMatches, ListKey(need_id, kind));
    if (!raw.ok() && raw.status().code() != StatusCode::kNotFound) return raw.status();
    std::shared_lock lock(impl->mu);
    const Party* need = FindNeed(*impl, need_id);
    if (need == nullptr) continue;  // gone meanwhile
    // No list yet: Materialized computes it, from the current state, when
    // it is first read.
    if (!raw.ok()) continue;
    auto merged = MergeOne(*impl, kind, cand, n, *need, *raw);
    if (!merged.ok()) return merged.status();
    if (!merged->has_value()) {
      full->push_back(need_id);
      continue;
    }
    Merge& m = **merged;
    if (m.old_ids.empty() && m.changed < 0) continue;  // unchanged
    // Leads: the candidate's own (new, moved or gone) and the evicted one.
    std::map<std::string, bool> now;
    for (const auto& item : m.items) now[item.id] = true;
    for (const auto& id : m.old_ids) {
      if (!now.count(id)) batch.DeleteRaw(Family::kLeads, LeadKey(id, need_id));
    }
    if (m.changed >= 0) {
      const MatchItem& item = m.items[static_cast<size_t>(m.changed)];
      uint64_t lead_seq = StoredLeadSeq(store, item.id, need_id);
      if (lead_seq == 0) lead_seq = ++seq;
      std::string vi, en;
      LeadReason(*impl, *need, item, kind, &vi, &en);
      batch.PutRaw(Family::kLeads, LeadKey(item.id, need_id),
                   LeadRecord(need_id, need->facility_id, need->side.name,
                              need->side.province_id, need->text, item.explanation.score, vi,
                              en, lead_seq));
    }
    batch.PutRaw(Family::kMatches, ListKey(need_id, kind),
                 EncodeMatchList(store.LatestSequence(), m.items));
  }
  if (seq != start_seq) batch.PutRaw(Family::kMeta, kLeadSeqKey, std::to_string(seq));
  if (batch.Count() == 0) return Status::OK();
  return store.Write(batch);
}

}  // namespace ketnoi::engine::matcher_detail
