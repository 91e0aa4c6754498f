// SparseIndex::Search (see the comment below and sparse_index.h).
#include "indexer/sparse_index.h"

#include <algorithm>
#include <functional>

#include "common/helper_pool.h"
#include "indexer/sparse_index_internal.h"

namespace ketnoi::indexer {
namespace {

using sparse_internal::Better;
using sparse_internal::Bm25Params;
using sparse_internal::CurrentParams;
using sparse_internal::DocTerm;
using sparse_internal::Posting;
using sparse_internal::SearchScratch;
using sparse_internal::Slot;
using sparse_internal::Worse;

// Relative float rounding allowance when comparing walked with exact scores
// (sums of a few hundred terms are good to ~1e-5).
constexpr float kRoundingSlack = 1e-3f;

// Starts loading the head of the term list of the document likely scored
// next, while the current one is scored.
void PrefetchTerms(const Slot& s) {
  const char* p = reinterpret_cast<const char*>(s.terms.data());
  const size_t lines = std::min<size_t>((s.terms.size() * sizeof(DocTerm) + 63) / 64, 64);
  for (size_t line = 0; line < lines; ++line) __builtin_prefetch(p + 64 * line);
}

}  // namespace

std::vector<std::pair<uint32_t, float>> SparseIndex::Impl::BudgetedTerms(
    std::vector<std::pair<uint32_t, float>> terms, size_t max_postings) const {
  // Largest bound first (query weight times the term's largest impact: the
  // most a term can add to one score); equal bounds, the rarer first.
  const auto bound = [&](const std::pair<uint32_t, float>& t) {
    return t.second * max_impact[t.first];
  };
  std::stable_sort(terms.begin(), terms.end(), [&](const auto& x, const auto& y) {
    const float bx = bound(x), by = bound(y);
    if (bx != by) return bx > by;
    return postings[x.first].size() < postings[y.first].size();
  });
  size_t spent = 0, kept = 0;
  for (const auto& t : terms) {
    const size_t n = postings[t.first].size();
    // The first term is walked whatever its size, so that a query always
    // chooses its candidates by something; a term that does not fit what is
    // left is skipped and smaller ones are still tried.
    if (spent > 0 && spent + n > max_postings) continue;
    spent += n;
    terms[kept++] = t;
  }
  terms.resize(kept);
  return terms;
}

std::vector<uint32_t> SparseIndex::WalkedTerms(const SparseVector& query,
                                               size_t max_postings) const {
  const Impl& m = *impl_;
  std::vector<std::pair<uint32_t, float>> terms;
  size_t total = 0;
  for (const WeightedTerm& q : query) {
    if (q.id >= m.postings.size() || m.postings[q.id].empty()) continue;
    terms.emplace_back(q.id, q.weight);
    total += m.postings[q.id].size();
  }
  std::vector<uint32_t> out;
  if (max_postings > 0 && total > max_postings) {
    terms = m.BudgetedTerms(std::move(terms), max_postings);
  }
  for (const auto& [id, weight] : terms) out.push_back(id);
  return out;
}

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
  SearchScratch& sc = sparse_internal::ThreadScratch();
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
  // SelectExact's bounds, with the same slack.
  const float lo_margin = lo * (1 - kRoundingSlack), hi_margin = hi * (1 + kRoundingSlack);
  size_t total_postings = 0;
  for (const Term& t : terms) total_postings += m.postings[t.id].size();
  if (max_postings > 0 && total_postings > max_postings) {
    // Over the budget: the terms that add the most walked first
    // (BudgetedTerms), then the best partial scores scored exactly.
    std::vector<std::pair<uint32_t, float>> walk;
    for (const Term& t : terms) walk.emplace_back(t.id, t.weight);
    walk = m.BudgetedTerms(std::move(walk), max_postings);
    std::vector<uint32_t> walked;
    for (const auto& [id, weight] : walk) walked.push_back(id);
    const size_t rescore = std::max(2 * k, k + 64);
    return m.Rescore(query, cur, walked, k, rescore, margin,
                     m.WalkAndCollect(sc, walk, rescore, margin, filter));
  }
  const bool prune = m.prune && filter == nullptr && bounded;
  if (!prune && bounded) {
    std::vector<std::pair<uint32_t, float>> walk;
    for (const Term& t : terms) walk.emplace_back(t.id, t.weight);
    return m.SelectExact(sc, query, cur, k, lo_margin,
                         m.WalkAndCollect(sc, walk, k, lo_margin / hi_margin, filter));
  }
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
  return m.SelectExact(sc, query, cur, k, lo_margin,
                       m.CollectBest(sc, k, lo_margin / hi_margin, filter));
}

std::vector<float> SparseIndex::Score(const SparseVector& query,
                                      const std::vector<int64_t>& ids) const {
  const Impl& m = *impl_;
  std::vector<float> out(ids.size(), 0.0f);
  std::vector<const Slot*> docs(ids.size(), nullptr);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = m.slot_of.find(ids[i]);
    if (it != m.slot_of.end()) {
      docs[i] = &m.slots[it->second];
      __builtin_prefetch(docs[i]);  // its term list's address, needed below
    }
  }
  SearchScratch& sc = sparse_internal::ThreadScratch();
  const Bm25Params cur = CurrentParams(*m.vocab);
  m.SetQuery(sc, query);
  for (size_t i = 0; i < docs.size(); ++i) {
    if (i + 1 < docs.size() && docs[i + 1] != nullptr) PrefetchTerms(*docs[i + 1]);
    if (docs[i] != nullptr) out[i] = m.TableScore(sc, *docs[i], cur);
  }
  m.ClearQuery(sc, query);
  return out;
}

std::vector<SparseHit> SparseIndex::Impl::CollectBest(SearchScratch& sc, size_t r, float ratio,
                                                      const IdFilter* filter) const {
  // `keep` holds the documents at or above the threshold t, the filter not
  // yet asked about most of them; when it fills up, t is raised to ratio
  // times the r-th best allowed score in it (a lower bound of the final
  // r-th best allowed) and the rest dropped. The filter is asked from the
  // best down, only until r allowed documents are known. With documents in
  // no particular score order, t soon settles and few pass it.
  enum : uint8_t { kUnasked, kAllowed, kRefused };
  struct Cand {
    float w;
    uint32_t slot;
    uint8_t state;
  };
  std::vector<Cand> keep;
  size_t cap = std::max<size_t>(8 * r, 1024);
  keep.reserve(cap);
  float t = 0;
  const auto higher = [](const Cand& a, const Cand& b) { return a.w > b.w; };
  // Raises t from the r-th best allowed score in `keep` (when at least r
  // are allowed) and drops refused documents and those below t.
  const auto tighten = [&] {
    size_t m = 0, allowed = 0;  // keep[0, m): the m best, each asked
    while (allowed < r && m < keep.size()) {
      const size_t next = std::min(keep.size(), m + 2 * (r - allowed));
      if (next < keep.size()) {
        std::nth_element(keep.begin() + static_cast<std::ptrdiff_t>(m),
                         keep.begin() + static_cast<std::ptrdiff_t>(next - 1), keep.end(), higher);
      }
      for (size_t i = m; i < next; ++i) {
        Cand& c = keep[i];
        if (c.state == kUnasked) {
          c.state = filter == nullptr || filter->Allows(slots[c.slot].id) ? kAllowed : kRefused;
        }
        allowed += c.state == kAllowed;
      }
      m = next;
    }
    if (allowed >= r) {
      // The allowed among the m best are the best allowed of all in keep.
      std::vector<float> best;
      best.reserve(allowed);
      for (size_t i = 0; i < m; ++i) {
        if (keep[i].state == kAllowed) best.push_back(keep[i].w);
      }
      std::nth_element(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(r - 1), best.end(),
                       std::greater<float>());
      t = std::max(t, ratio * best[r - 1]);
    }
    keep.erase(std::remove_if(keep.begin(), keep.end(),
                              [t](const Cand& c) { return c.state == kRefused || c.w < t; }),
               keep.end());
  };
  float* acc = sc.acc.data();
  for (uint32_t slot : sc.touched) {
    const float w = acc[slot];
    acc[slot] = 0;  // a repeat of this slot reads 0 and is skipped
    if (!(w > 0) || w < t) continue;
    keep.push_back({w, slot, kUnasked});
    if (keep.size() < cap || r == 0) continue;
    tighten();
    // Many documents within the ratio of each other (or refused): a larger
    // buffer keeps the selections rare.
    if (keep.size() > cap / 2) cap *= 2;
  }
  sc.touched.clear();
  if (r > 0) tighten();
  std::vector<SparseHit> out;
  out.reserve(keep.size());
  for (const Cand& c : keep) {
    if (c.state == kUnasked && filter != nullptr && !filter->Allows(slots[c.slot].id)) continue;
    out.push_back({static_cast<int64_t>(c.slot), c.w});
  }
  return out;
}

std::vector<SparseHit> SparseIndex::Impl::WalkAndCollect(
    SearchScratch& sc, const std::vector<std::pair<uint32_t, float>>& terms, size_t r,
    float ratio, const IdFilter* filter) const {
  size_t total = 0;
  for (const auto& [id, weight] : terms) total += postings[id].size();
  HelperPool& pool = HelperPool::Shared();
  size_t useful = std::min(total / postings_per_part, slots.size() / 1024);
  // Each part asks the filter until it knows r allowed documents of its
  // own: with a filter, one part per thread.
  if (filter != nullptr) useful = std::min(useful, pool.Width());
  const size_t parts = pool.Parts(useful);
  if (parts == 1) {
    for (const auto& [id, weight] : terms) sc.Walk(postings[id], weight);
    return CollectBest(sc, r, ratio, filter);
  }
  std::vector<std::vector<SparseHit>> found(parts);
  pool.Run(parts, [&](size_t part) {
    SearchScratch& mine = sparse_internal::ThreadScratch();
    if (&mine != &sc) mine.Prepare(slots.size());
    const uint32_t first = static_cast<uint32_t>(slots.size() * part / parts);
    const uint32_t last = static_cast<uint32_t>(slots.size() * (part + 1) / parts);
    const auto below = [](const Posting& p, uint32_t x) { return p.slot < x; };
    for (const auto& [id, weight] : terms) {
      const Posting* b = postings[id].data();
      const Posting* e = b + postings[id].size();
      if (part > 0) b = std::lower_bound(b, e, first, below);
      if (part + 1 < parts) e = std::lower_bound(b, e, last, below);
      mine.Walk(b, e, weight);
    }
    found[part] = CollectBest(mine, r, ratio, filter);
  });
  std::vector<SparseHit> out = std::move(found[0]);
  for (size_t p = 1; p < parts; ++p) out.insert(out.end(), found[p].begin(), found[p].end());
  return out;
}

std::vector<SparseHit> SparseIndex::Impl::SelectExact(SearchScratch& sc, const SparseVector& query,
                                                      const Bm25Params& cur, size_t k, float lo,
                                                      std::vector<SparseHit> walked) const {
  // Of the allowed documents, the k best by walked score (W) have exact
  // scores S >= W / hi, so the k-th best exact score is at least W_k / hi
  // and the loop below stops before any document with W < lo / hi * W_k:
  // only those at or above were collected (the filter applied there). Ids
  // in `walked` are slots.
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
    if (end - 1 != walked.begin()) PrefetchTerms(slots[static_cast<uint32_t>(walked.front().id)]);
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

std::vector<SparseHit> SparseIndex::Impl::Rescore(const SparseVector& query,
                                                  const Bm25Params& cur,
                                                  const std::vector<uint32_t>& walked, size_t k,
                                                  size_t rescore, float margin,
                                                  std::vector<SparseHit> by_walk) const {
  // Only documents within `margin` of the rescore-th best allowed walked
  // score are ever taken below: collected with the filter applied (ids in
  // `by_walk` are slots). Which documents are scored depends on walked
  // scores alone: by decreasing walked score (ties: lower slot first), the
  // first `rescore` and those after them still within `margin` of the
  // rescore-th. Those are scored exactly, in parts on the helper pool's
  // threads when there are many.
  std::sort(by_walk.begin(), by_walk.end(), Better);
  size_t n = std::min(rescore, by_walk.size());
  if (n > 0) {
    const float last = by_walk[n - 1].score;  // walked score of the rescore-th
    while (n < by_walk.size() && !(by_walk[n].score < margin * last)) ++n;
  }
  // Per candidate in walked order: exact score and (with its index as id)
  // exact partial score over the walked terms.
  std::vector<float> full(n);
  std::vector<SparseHit> partial(n);
  HelperPool& pool = HelperPool::Shared();
  const size_t parts = pool.Parts(n / rescored_per_part);
  pool.Run(parts, [&](size_t part) {
    SearchScratch& mine = sparse_internal::ThreadScratch();
    SetQuery(mine, query);
    for (uint32_t term : walked) MarkWalked(mine, term);
    const size_t first = n * part / parts, last = n * (part + 1) / parts;
    // The slot records first (each a cache miss of its own that the term
    // list's address depends on), then each term list one candidate ahead.
    for (size_t i = first; i < last; ++i) {
      __builtin_prefetch(&slots[static_cast<uint32_t>(by_walk[i].id)]);
    }
    for (size_t i = first; i < last; ++i) {
      if (i + 1 < last) PrefetchTerms(slots[static_cast<uint32_t>(by_walk[i + 1].id)]);
      float part_score = 0;
      full[i] = TableScore(mine, slots[static_cast<uint32_t>(by_walk[i].id)], cur, &part_score);
      partial[i] = {static_cast<int64_t>(i), part_score};
    }
    ClearQuery(mine, query);
  });
  // The best `rescore` by exact partial score (ties: the earlier in walked
  // order), then the top k of those by exact score.
  if (partial.size() > rescore) {
    std::nth_element(partial.begin(), partial.begin() + (rescore - 1), partial.end(), Better);
    partial.resize(rescore);
  }
  std::vector<SparseHit> out;
  out.reserve(partial.size());
  for (const SparseHit& p : partial) {
    if (!(full[p.id] > 0)) continue;
    out.push_back({slots[static_cast<uint32_t>(by_walk[p.id].id)].id, full[p.id]});
  }
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

}  // namespace ketnoi::indexer
