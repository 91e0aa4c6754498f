#include "indexer/sparse_index.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <unordered_map>

namespace ketnoi::indexer {
namespace {

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

Bm25Params CurrentParams(const Vocabulary& v) {
  Bm25Params p;
  p.k1 = v.options().k1;
  p.b = v.options().b;
  for (int k = 0; k < kNumFeatureKinds; ++k) p.avg[k] = v.AvgLength(static_cast<FeatureKind>(k));
  return p;
}

// Impacts are recomputed at the current parameters once an average length
// has moved by more than kRefreshDrift (relative) since they were computed,
// but only after at least 1/kRefreshEvery of the documents (and 16) were
// added or removed since: a refresh costs one pass over all postings, so
// this bounds it to about kRefreshEvery passes per posting added, and in
// practice (averages settle after a few thousand documents) to a handful in
// a whole build. Between refreshes the walked scores are off by at most the
// drift, which only widens the set of documents scored exactly (Search).
constexpr double kRefreshDrift = 0.005;
constexpr size_t kRefreshEvery = 2;
// Relative float rounding allowance when comparing walked with exact scores
// (sums of a few hundred terms are good to ~1e-5).
constexpr float kRoundingSlack = 1e-3f;

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
  void Walk(const std::vector<Posting>& list, float qw) {
    float* a = acc.data();
    uint32_t* t = touched.Room(list.size());
    size_t n = touched.size();
    for (const Posting& p : list) {
      const float before = a[p.slot];
      t[n] = p.slot;
      n += before == 0;
      a[p.slot] = before + qw * p.impact;
    }
    touched.set_size(n);
  }
  // The touched slots with a positive walked score as (slot, score), every
  // accumulator reset to 0.
  std::vector<SparseHit> Collect() {
    std::vector<SparseHit> out;
    out.reserve(touched.size());
    for (uint32_t slot : touched) {
      if (acc[slot] > 0) out.push_back({static_cast<int64_t>(slot), acc[slot]});
      acc[slot] = 0;
    }
    touched.clear();
    return out;
  }
};

bool Worse(const SparseHit& a, const SparseHit& b) {
  return a.score != b.score ? a.score < b.score : a.id > b.id;
}
bool Better(const SparseHit& a, const SparseHit& b) { return Worse(b, a); }

}  // namespace

struct SparseIndex::Impl {
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
  // a table by term id (SetQuery, cleared by ClearQuery), and a document's
  // own term list is looked up in it. The contributions are summed in term
  // id order, as in FullScore, so the two agree to the bit; the table saves
  // the merge's unpredictable branches.
  // A bit per term (a few KB, cache-resident) tells which terms to look up.
  void SetQuery(SearchScratch& sc, const SparseVector& query) const {
    if (sc.query_w.size() < postings.size()) {
      sc.query_w.resize(postings.size(), 0.0f);
      sc.query_bits.resize(postings.size() / 64 + 1, 0);
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
    }
  }
  float TableScore(SearchScratch& sc, const Slot& s, const Bm25Params& p) const {
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
    float total = 0;
    for (size_t i = 0; i < n; ++i) {
      const DocTerm& t = s.terms[shared[i]];
      const int kind = term_kind[t.id];
      total += sc.query_w[t.id] * p.Saturation(t.weight, s.lengths[kind], kind);
    }
    return total;
  }

  // Search's ways of turning walked scores into the result, each resetting
  // the scratch. SelectExact: the top k by exact score, given walked >= lo *
  // exact for every document. Rescore: the best `rescore` by walked score,
  // and any other within `margin` of the last of them, scored exactly, the
  // top k of those. ExactAll: every touched document scored exactly.
  std::vector<SparseHit> SelectExact(SearchScratch& sc, const SparseVector& query,
                                     const Bm25Params& cur, size_t k, float lo,
                                     const IdFilter* filter) const;
  std::vector<SparseHit> Rescore(SearchScratch& sc, const SparseVector& query,
                                 const Bm25Params& cur, size_t k, size_t rescore, float margin,
                                 const IdFilter* filter) const;
  std::vector<SparseHit> ExactAll(SearchScratch& sc, const SparseVector& query,
                                  const Bm25Params& cur, size_t k, const IdFilter* filter) const;
};

SparseIndex::SparseIndex(Vocabulary* vocabulary) : impl_(std::make_unique<Impl>()) {
  impl_->vocab = vocabulary;
  impl_->ref = CurrentParams(*vocabulary);
}
SparseIndex::~SparseIndex() = default;

void SparseIndex::Upsert(int64_t id, const std::vector<Feature>& features) {
  std::vector<uint32_t> term_ids(features.size());
  for (size_t i = 0; i < features.size(); ++i) term_ids[i] = impl_->vocab->Find(features[i].term);
  Upsert(id, features, std::move(term_ids));
}

void SparseIndex::Upsert(int64_t id, const std::vector<Feature>& features,
                         std::vector<uint32_t> term_ids) {
  Remove(id);
  Impl& m = *impl_;
  m.vocab->AddDocument(features, &term_ids);
  uint32_t slot_index = static_cast<uint32_t>(m.slots.size());
  Slot& s = m.slots.emplace_back();
  s.id = id;
  s.alive = true;
  s.lengths = LengthsOf(features);
  s.terms.reserve(features.size());
  for (size_t i = 0; i < features.size(); ++i) {
    const Feature& f = features[i];
    const uint32_t t = term_ids[i];
    s.terms.push_back({t, f.count});
    if (m.postings.size() <= t) {
      m.postings.resize(t + 1);
      m.max_impact.resize(t + 1, 0.0f);
      m.term_kind.resize(t + 1, 0);
    }
    const int kind = static_cast<int>(m.vocab->kind(t));
    m.term_kind[t] = static_cast<uint8_t>(kind);
    const float impact = m.ref.Saturation(f.count, s.lengths[kind], kind);
    m.postings[t].push_back({slot_index, impact});
    m.max_impact[t] = std::max(m.max_impact[t], impact);
  }
  std::sort(s.terms.begin(), s.terms.end(),
            [](const DocTerm& a, const DocTerm& b) { return a.id < b.id; });
  m.slot_of[id] = slot_index;
  ++m.changes;
  m.MaybeRefresh();
}

bool SparseIndex::Remove(int64_t id) {
  Impl& m = *impl_;
  auto it = m.slot_of.find(id);
  if (it == m.slot_of.end()) return false;
  const uint32_t slot = it->second;
  Slot& s = m.slots[slot];
  m.vocab->RemoveDocument(s.terms);
  // Its postings stay until compaction, with no impact: the walk then adds
  // nothing for it and never selects it (no alive check per posting).
  for (const DocTerm& t : s.terms) {
    std::vector<Posting>& list = m.postings[t.id];
    auto at = std::lower_bound(list.begin(), list.end(), slot,
                               [](const Posting& p, uint32_t x) { return p.slot < x; });
    for (; at != list.end() && at->slot == slot; ++at) at->impact = 0;
  }
  s.alive = false;
  s.terms.clear();
  s.terms.shrink_to_fit();
  m.slot_of.erase(it);
  ++m.dead;
  ++m.changes;
  if (m.dead > 64 && m.dead * 4 > m.slots.size()) {
    m.Compact();
  } else {
    m.MaybeRefresh();
  }
  return true;
}

// Drops dead slots and renumbers the live ones in postings, then refreshes
// the impacts (one more pass over what was just rewritten).
void SparseIndex::Impl::Compact() {
  std::vector<uint32_t> remap(slots.size(), UINT32_MAX);
  std::vector<Slot> live;
  live.reserve(slots.size() - dead);
  for (uint32_t i = 0; i < slots.size(); ++i) {
    if (!slots[i].alive) continue;
    remap[i] = static_cast<uint32_t>(live.size());
    live.push_back(std::move(slots[i]));
  }
  for (auto& list : postings) {
    size_t w = 0;
    for (const Posting& p : list) {
      if (remap[p.slot] != UINT32_MAX) list[w++] = {remap[p.slot], p.impact};
    }
    list.resize(w);
  }
  slots = std::move(live);
  for (uint32_t i = 0; i < slots.size(); ++i) slot_of[slots[i].id] = i;
  dead = 0;
  RefreshImpacts();
}

void SparseIndex::Impl::RefreshImpacts() {
  ref = CurrentParams(*vocab);
  changes = 0;
  std::fill(max_impact.begin(), max_impact.end(), 0.0f);
  // Slots in order, each term's list advanced by a cursor: a live slot's
  // postings are found in list order; a removed slot's keep impact 0.
  std::vector<uint32_t> cursor(postings.size(), 0);
  for (uint32_t i = 0; i < slots.size(); ++i) {
    const Slot& s = slots[i];
    if (!s.alive) continue;
    for (const DocTerm& t : s.terms) {
      std::vector<Posting>& list = postings[t.id];
      uint32_t& c = cursor[t.id];
      while (list[c].slot < i) ++c;
      const int kind = term_kind[t.id];
      const float impact = ref.Saturation(t.weight, s.lengths[kind], kind);
      list[c++].impact = impact;
      max_impact[t.id] = std::max(max_impact[t.id], impact);
    }
  }
}

void SparseIndex::Impl::MaybeRefresh() {
  if (changes < 16 || changes * kRefreshEvery < slot_of.size()) return;
  const Bm25Params cur = CurrentParams(*vocab);
  bool drifted = cur.k1 != ref.k1 || cur.b != ref.b;
  for (int k = 0; k < kNumFeatureKinds && !drifted; ++k) {
    drifted = std::abs(static_cast<double>(ref.avg[k]) / cur.avg[k] - 1) > kRefreshDrift;
  }
  if (drifted) RefreshImpacts();
}

bool SparseIndex::Contains(int64_t id) const { return impl_->slot_of.count(id) != 0; }
size_t SparseIndex::size() const { return impl_->slot_of.size(); }

void SparseIndex::SetPruning(bool on) { impl_->prune = on; }

// How Search works. The walk adds, per posting, the query weight times the
// stored impact: no length load, no division, no alive check. Stored
// impacts are computed at the reference averages (Impl::ref), which lag the
// live ones by at most the refresh drift; for a term of a kind whose average
// moved by the factor s = ref avg / current avg, the stored impact is
// between min(1, s) and max(1, s) times the exact one (the length term of
// the denominator scales by s, the rest does not). So with positive query
// weights every walked score W of a document lies within [lo, hi] times its
// exact score S, lo and hi over the query's kinds. The result is then
// chosen by exact score: documents are taken by decreasing W and scored
// exactly (as Score()) until W < lo * (k-th best exact score), beyond which
// none can enter. Returned scores are always exact, equal to Score() to the
// bit; with fresh impacts (lo = hi = 1) about k documents are scored, a
// drift of d% adds those within d% of the k-th score.
std::vector<SparseHit> SparseIndex::Search(const SparseVector& query, size_t k,
                                           const IdFilter* filter, size_t max_postings) const {
  const Impl& m = *impl_;
  if (k == 0) return {};
  thread_local SearchScratch scratch;
  SearchScratch& sc = scratch;
  sc.Prepare(m.slots.size());
  const Bm25Params cur = CurrentParams(*m.vocab);
  // The bound above needs the same k1 and b, 0 <= b <= 1 and k1 >= 0.
  const bool same_shape = cur.k1 == m.ref.k1 && cur.b == m.ref.b && cur.k1 >= 0 &&
                          cur.b >= 0 && cur.b <= 1;

  // Terms by decreasing impact bound (MaxScore): once the k-th best partial
  // score exceeds the summed bounds of the terms left (with the lo/hi
  // margin), no untouched document can reach the top k, so those terms are
  // only probed for the documents that still can. Not used with a filter,
  // whose allowed top k may lie deeper than the unfiltered one. Off, terms
  // are walked in query order.
  struct Term {
    uint32_t id;
    float weight;
    float bound;
  };
  std::vector<Term> terms;
  terms.reserve(query.size());
  bool all_positive = true;
  float lo = 1, hi = 1;
  for (const WeightedTerm& q : query) {
    if (q.id >= m.postings.size() || m.postings[q.id].empty()) continue;
    // (A weight too small for its contributions to stay normal floats
    // counts as not positive: the walk marks documents by a non-zero sum.)
    all_positive = all_positive && q.weight > 1e-20f;
    const int kind = m.term_kind[q.id];
    const float s = m.ref.avg[kind] / cur.avg[kind];
    lo = std::min(lo, s);
    hi = std::max(hi, s);
    // 1% slack covers float rounding of the bound against the sums below.
    terms.push_back({q.id, q.weight, 1.01f * q.weight * m.max_impact[q.id]});
  }
  const bool bounded = same_shape && all_positive;
  // A walked score is within [lo, hi] times the exact one, so a document
  // whose exact score (or exact partial score) beats another's has a walked
  // one of at least `margin` times the other's.
  const float margin = bounded ? lo / hi * (1 - kRoundingSlack) : 1.0f;
  size_t total_postings = 0;
  for (const Term& t : terms) total_postings += m.postings[t.id].size();
  if (max_postings > 0 && total_postings > max_postings) {
    // Over the budget: the rarest terms (the most selective, highest idf)
    // are walked until the budget is spent, the common ones are left out of
    // the selection; the best partial scores are then scored exactly.
    std::vector<Term> by_rarity = terms;
    std::stable_sort(by_rarity.begin(), by_rarity.end(), [&](const Term& x, const Term& y) {
      return m.postings[x.id].size() < m.postings[y.id].size();
    });
    size_t spent = 0;
    for (size_t i = 0; i < by_rarity.size(); ++i) {
      const size_t n = m.postings[by_rarity[i].id].size();
      if (i > 0 && spent + n > max_postings) break;
      spent += n;
      sc.Walk(m.postings[by_rarity[i].id], by_rarity[i].weight);
    }
    return m.Rescore(sc, query, cur, k, std::max(2 * k, k + 64), margin, filter);
  }
  const bool prune = m.prune && filter == nullptr && bounded;
  if (prune) {
    std::sort(terms.begin(), terms.end(),
              [](const Term& x, const Term& y) { return x.bound > y.bound; });
  }
  std::vector<float> rest(terms.size() + 1, 0.0f);
  for (size_t i = terms.size(); i-- > 0;) rest[i] = rest[i + 1] + terms[i].bound;
  size_t full = terms.size();  // terms [0, full) walked over all postings
  float theta = 0;
  size_t walked = 0;  // postings walked since the last bound check
  std::vector<float> partial;
  for (size_t i = 0; i < terms.size(); ++i) {
    // A check costs O(touched): made only after walking four times as many
    // postings, which keeps it well under the cost of the walk.
    if (prune && i > 0 && sc.touched.size() >= k && walked >= 4 * sc.touched.size()) {
      walked = 0;
      partial.clear();
      for (uint32_t slot : sc.touched) partial.push_back(sc.acc[slot]);
      std::nth_element(partial.begin(), partial.begin() + (k - 1), partial.end(),
                       std::greater<float>());
      if (partial[k - 1] * margin > rest[i]) {
        full = i;
        theta = partial[k - 1] * margin;
        break;
      }
    }
    walked += m.postings[terms[i].id].size();
    sc.Walk(m.postings[terms[i].id], terms[i].weight);
  }
  if (full < terms.size()) {
    // Keep the documents that can still reach theta (each once: `mark`),
    // and add the remaining terms to them.
    size_t w = 0, probe_cost = 0, walk_cost = 0;
    for (size_t i = 0; i < sc.touched.size(); ++i) {
      const uint32_t slot = sc.touched[i];
      if (sc.mark[slot] || sc.acc[slot] + rest[full] < theta) {
        if (!sc.mark[slot]) sc.acc[slot] = 0;
        continue;
      }
      sc.mark[slot] = 1;
      sc.touched[w++] = slot;
      probe_cost += m.slots[slot].terms.size();
    }
    sc.touched.resize(w);
    for (size_t i = full; i < terms.size(); ++i) walk_cost += m.postings[terms[i].id].size();
    if (probe_cost < walk_cost) {
      // Few candidates left: add the remaining terms through their term
      // lists, at the impacts the postings hold.
      std::vector<float>& later_qw = sc.later_qw;
      if (later_qw.size() < m.postings.size()) later_qw.resize(m.postings.size(), 0.0f);
      for (size_t i = full; i < terms.size(); ++i) later_qw[terms[i].id] = terms[i].weight;
      for (uint32_t slot : sc.touched) {
        const Slot& s = m.slots[slot];
        for (const DocTerm& t : s.terms) {
          if (t.id >= later_qw.size() || later_qw[t.id] == 0) continue;
          const int kind = m.term_kind[t.id];
          sc.acc[slot] += later_qw[t.id] * m.ref.Saturation(t.weight, s.lengths[kind], kind);
        }
      }
      for (size_t i = full; i < terms.size(); ++i) later_qw[terms[i].id] = 0;
    } else {
      // Walk the remaining postings, adding only to the candidates left.
      for (size_t i = full; i < terms.size(); ++i) {
        const float qw = terms[i].weight;
        for (const Posting& p : m.postings[terms[i].id]) {
          if (sc.mark[p.slot]) sc.acc[p.slot] += qw * p.impact;
        }
      }
    }
    for (uint32_t slot : sc.touched) sc.mark[slot] = 0;
  }
  if (!bounded) return m.ExactAll(sc, query, cur, k, filter);
  return m.SelectExact(sc, query, cur, k, lo * (1 - kRoundingSlack), filter);
}

std::vector<SparseHit> SparseIndex::Impl::SelectExact(SearchScratch& sc, const SparseVector& query,
                                                      const Bm25Params& cur, size_t k, float lo,
                                                      const IdFilter* filter) const {
  std::vector<SparseHit> walked = sc.Collect();  // ids are slots here
  std::make_heap(walked.begin(), walked.end(), Worse);
  SetQuery(sc, query);
  // The best k so far by exact score, a heap with the worst of them on top.
  // The filter is asked only about documents scored here, so a selective
  // filter costs nothing for the long tail of weak matches.
  std::vector<SparseHit> best;
  best.reserve(k);
  for (auto end = walked.end(); end != walked.begin(); --end) {
    if (best.size() == k && walked.front().score < lo * best.front().score) break;
    std::pop_heap(walked.begin(), end, Worse);
    const Slot& s = slots[static_cast<uint32_t>((end - 1)->id)];
    if (filter != nullptr && !filter->Allows(s.id)) continue;
    const SparseHit h{s.id, TableScore(sc, s, cur)};
    if (!(h.score > 0)) continue;
    if (best.size() < k) {
      best.push_back(h);
      std::push_heap(best.begin(), best.end(), Better);
    } else if (Better(h, best.front())) {
      std::pop_heap(best.begin(), best.end(), Better);
      best.back() = h;
      std::push_heap(best.begin(), best.end(), Better);
    }
  }
  ClearQuery(sc, query);
  std::sort(best.begin(), best.end(), Better);
  return best;
}

std::vector<SparseHit> SparseIndex::Impl::Rescore(SearchScratch& sc, const SparseVector& query,
                                                  const Bm25Params& cur, size_t k, size_t rescore,
                                                  float margin, const IdFilter* filter) const {
  std::vector<SparseHit> walked = sc.Collect();  // ids are slots here
  std::vector<SparseHit> out;
  out.reserve(std::min(rescore, walked.size()));
  std::make_heap(walked.begin(), walked.end(), Worse);
  SetQuery(sc, query);
  float last = 0;  // walked score of the rescore-th allowed document
  for (auto end = walked.end(); end != walked.begin(); --end) {
    if (out.size() >= rescore && walked.front().score < margin * last) break;
    std::pop_heap(walked.begin(), end, Worse);
    const Slot& s = slots[static_cast<uint32_t>((end - 1)->id)];
    if (filter != nullptr && !filter->Allows(s.id)) continue;
    const float score = TableScore(sc, s, cur);
    if (!(score > 0)) continue;
    out.push_back({s.id, score});
    if (out.size() <= rescore) last = (end - 1)->score;
  }
  ClearQuery(sc, query);
  std::sort(out.begin(), out.end(), Better);
  if (out.size() > k) out.resize(k);
  return out;
}

std::vector<SparseHit> SparseIndex::Impl::ExactAll(SearchScratch& sc, const SparseVector& query,
                                                   const Bm25Params& cur, size_t k,
                                                   const IdFilter* filter) const {
  std::vector<SparseHit> hits;
  SetQuery(sc, query);
  for (uint32_t slot : sc.touched) {
    sc.acc[slot] = 0;
    if (sc.mark[slot]) continue;  // a repeat
    sc.mark[slot] = 1;
    const Slot& s = slots[slot];
    if (!s.alive || (filter != nullptr && !filter->Allows(s.id))) continue;
    const float score = TableScore(sc, s, cur);
    if (score > 0) hits.push_back({s.id, score});
  }
  ClearQuery(sc, query);
  for (uint32_t slot : sc.touched) sc.mark[slot] = 0;
  sc.touched.clear();
  const size_t n = std::min(k, hits.size());
  std::partial_sort(hits.begin(), hits.begin() + n, hits.end(), Better);
  hits.resize(n);
  return hits;
}

float SparseIndex::Score(const SparseVector& query, int64_t id) const {
  const Impl& m = *impl_;
  auto it = m.slot_of.find(id);
  if (it == m.slot_of.end()) return 0;
  return m.FullScore(m.slots[it->second], query, CurrentParams(*m.vocab));
}

std::vector<MatchedTerm> SparseIndex::Explain(const SparseVector& query, int64_t id) const {
  const Impl& m = *impl_;
  std::vector<MatchedTerm> out;
  auto it = m.slot_of.find(id);
  if (it == m.slot_of.end()) return out;
  m.ForEachShared(m.slots[it->second], query, CurrentParams(*m.vocab),
                  [&](uint32_t term, float contribution) {
                    out.push_back({m.vocab->term(term), contribution});
                  });
  std::sort(out.begin(), out.end(), [](const MatchedTerm& a, const MatchedTerm& b) {
    return a.contribution > b.contribution;
  });
  return out;
}

SparseVector SparseIndex::Terms(int64_t id) const {
  auto it = impl_->slot_of.find(id);
  if (it == impl_->slot_of.end()) return {};
  return impl_->slots[it->second].terms;
}

size_t SparseIndex::MemoryBytes() const {
  const Impl& m = *impl_;
  size_t bytes = m.postings.capacity() * sizeof(std::vector<Posting>) +
                 m.max_impact.capacity() * sizeof(float) + m.term_kind.capacity();
  for (const auto& p : m.postings) bytes += p.capacity() * sizeof(Posting);
  for (const Slot& s : m.slots) {
    bytes += sizeof(Slot) + s.terms.capacity() * sizeof(DocTerm);
  }
  bytes += m.slot_of.size() * 32;
  return bytes;
}

}  // namespace ketnoi::indexer
