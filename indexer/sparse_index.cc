#include "indexer/sparse_index.h"

#include <algorithm>
#include <array>
#include <limits>
#include <unordered_map>

namespace ketnoi::indexer {
namespace {

struct Posting {
  uint32_t slot;
  float tf;
};

using DocTerm = WeightedTerm;  // weight = term frequency

struct Slot {
  int64_t id = 0;
  bool alive = false;
  KindLengths lengths{};
  std::vector<DocTerm> terms;  // sorted by term id; also undoes the statistics
};

}  // namespace

struct SparseIndex::Impl {
  Vocabulary* vocab;
  std::vector<std::vector<Posting>> postings;  // by term id
  std::vector<Slot> slots;
  std::unordered_map<int64_t, uint32_t> slot_of;
  size_t dead = 0;
  // Per term, for the impact upper bound used by pruning: the largest term
  // frequency and the smallest document length (of the term's kind) ever
  // posted. Never lowered/raised on removal, so they stay valid bounds.
  std::vector<float> max_tf;
  std::vector<float> min_len;
  bool prune = false;
  // By slot, mirrored from `slots` for the posting walk (a byte and a float
  // read per posting instead of a whole Slot): alive flag, length per kind.
  std::vector<uint8_t> alive;
  std::array<std::vector<float>, kNumFeatureKinds> kind_len;

  void PushSlotMirror(const Slot& s) {
    alive.push_back(s.alive ? 1 : 0);
    for (int k = 0; k < kNumFeatureKinds; ++k) kind_len[k].push_back(s.lengths[k]);
  }
  void RebuildSlotMirror() {
    alive.clear();
    for (auto& v : kind_len) v.clear();
    for (const Slot& s : slots) PushSlotMirror(s);
  }

  void Compact();
  // BM25 of one document against `query` (both sorted by term id: a merge,
  // in query order, the same sum as the exhaustive walk).
  float FullScore(const Slot& s, const SparseVector& query) const {
    float total = 0;
    ForEachShared(s, query, [&](uint32_t, float contribution) { total += contribution; });
    return total;
  }
  // Calls fn(term, contribution) for each query term the document holds, in
  // query (term id) order: both lists are sorted by term id, merged.
  template <typename Fn>
  void ForEachShared(const Slot& s, const SparseVector& query, Fn fn) const {
    size_t i = 0, j = 0;
    while (i < query.size() && j < s.terms.size()) {
      if (query[i].id < s.terms[j].id) {
        ++i;
      } else if (s.terms[j].id < query[i].id) {
        ++j;
      } else {
        fn(query[i].id, TermScore(s, query[i].id, s.terms[j].weight, query[i].weight));
        ++i;
        ++j;
      }
    }
  }
  float TermScore(const Slot& s, uint32_t term, float tf, float qw) const {
    FeatureKind kind = vocab->kind(term);
    return qw * vocab->Bm25Tf(tf, s.lengths[static_cast<int>(kind)], kind);
  }
};

SparseIndex::SparseIndex(Vocabulary* vocabulary) : impl_(std::make_unique<Impl>()) {
  impl_->vocab = vocabulary;
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
      m.max_tf.resize(t + 1, 0.0f);
      m.min_len.resize(t + 1, std::numeric_limits<float>::max());
    }
    m.postings[t].push_back({slot_index, f.count});
    m.max_tf[t] = std::max(m.max_tf[t], f.count);
    m.min_len[t] = std::min(m.min_len[t], s.lengths[static_cast<int>(m.vocab->kind(t))]);
  }
  std::sort(s.terms.begin(), s.terms.end(),
            [](const DocTerm& a, const DocTerm& b) { return a.id < b.id; });
  m.slot_of[id] = slot_index;
  m.PushSlotMirror(s);
}

bool SparseIndex::Remove(int64_t id) {
  Impl& m = *impl_;
  auto it = m.slot_of.find(id);
  if (it == m.slot_of.end()) return false;
  Slot& s = m.slots[it->second];
  m.vocab->RemoveDocument(s.terms);
  s.alive = false;
  m.alive[it->second] = 0;
  s.terms.clear();
  s.terms.shrink_to_fit();
  m.slot_of.erase(it);
  ++m.dead;
  if (m.dead > 64 && m.dead * 4 > m.slots.size()) m.Compact();
  return true;
}

// Drops dead slots and renumbers the live ones in postings.
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
      if (remap[p.slot] != UINT32_MAX) list[w++] = {remap[p.slot], p.tf};
    }
    list.resize(w);
  }
  slots = std::move(live);
  for (uint32_t i = 0; i < slots.size(); ++i) slot_of[slots[i].id] = i;
  dead = 0;
  RebuildSlotMirror();
}

bool SparseIndex::Contains(int64_t id) const { return impl_->slot_of.count(id) != 0; }
size_t SparseIndex::size() const { return impl_->slot_of.size(); }

void SparseIndex::SetPruning(bool on) { impl_->prune = on; }


namespace {

// Per-thread scratch reused across searches: the accumulator is sized to the
// collection once and only the touched entries are reset afterwards.
struct SearchScratch {
  std::vector<float> acc;
  std::vector<uint8_t> seen;
  std::vector<uint32_t> touched;
  std::vector<float> later_qw;  // by term id: weight of a term left to probe
};

}  // namespace

std::vector<SparseHit> SparseIndex::Search(const SparseVector& query, size_t k,
                                           const IdFilter* filter, size_t max_postings) const {
  const Impl& m = *impl_;
  thread_local SearchScratch scratch;
  std::vector<float>& acc = scratch.acc;
  std::vector<uint8_t>& seen = scratch.seen;
  std::vector<uint32_t>& touched = scratch.touched;
  if (acc.size() < m.slots.size()) {
    acc.resize(m.slots.size(), 0.0f);
    seen.resize(m.slots.size(), 0);
  }
  touched.clear();
  const float k1 = m.vocab->options().k1, b = m.vocab->options().b;

  // Terms by decreasing impact bound (MaxScore): once the k-th best partial
  // score exceeds the summed bounds of the terms left, no untouched document
  // can reach the top k, so those terms are only probed for the documents
  // that still can. The top k is the exhaustive one, but the scores are
  // summed in bound order, so they may differ from Score()/the exhaustive
  // sum in the last float bits (and near-ties may swap): off by default
  // (SetPruning). Not used with a filter, whose allowed top k may lie deeper
  // than the unfiltered one. Off, terms are summed in query order.
  struct Term {
    uint32_t id;
    float weight;
    float bound;
  };
  std::vector<Term> terms;
  terms.reserve(query.size());
  bool all_positive = true;  // the bounds assume non-negative contributions
  for (const WeightedTerm& q : query) {
    if (q.id >= m.postings.size() || m.postings[q.id].empty()) continue;
    all_positive = all_positive && q.weight > 0;
    const int ki = static_cast<int>(m.vocab->kind(q.id));
    const float kind_avg = m.vocab->AvgLength(static_cast<FeatureKind>(ki));
    const float tf = m.max_tf[q.id];
    const float norm = k1 * (1 - b + b * m.min_len[q.id] / kind_avg);
    // 1% slack covers float rounding of the bound against the sums below.
    terms.push_back({q.id, q.weight, 1.01f * q.weight * tf * (k1 + 1) / (tf + norm)});
  }
  // Adds every live posting of `q` to the accumulator.
  auto walk = [&](const Term& q) {
    const int ki = static_cast<int>(m.vocab->kind(q.id));
    const float inv_avg = 1.0f / m.vocab->AvgLength(static_cast<FeatureKind>(ki));
    const float* len = m.kind_len[ki].data();
    const uint8_t* alive = m.alive.data();
    for (const Posting& p : m.postings[q.id]) {
      if (!alive[p.slot]) continue;
      float norm = k1 * (1 - b + b * len[p.slot] * inv_avg);
      if (!seen[p.slot]) {
        seen[p.slot] = 1;
        touched.push_back(p.slot);
      }
      acc[p.slot] += q.weight * p.tf * (k1 + 1) / (p.tf + norm);
    }
  };
  size_t total_postings = 0;
  for (const Term& t : terms) total_postings += m.postings[t.id].size();
  if (max_postings > 0 && total_postings > max_postings && k > 0) {
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
      walk(by_rarity[i]);
    }
    std::vector<SparseHit> partial_hits;
    partial_hits.reserve(touched.size());
    for (uint32_t slot : touched) {
      if (acc[slot] > 0) partial_hits.push_back({static_cast<int64_t>(slot), acc[slot]});
      acc[slot] = 0;
      seen[slot] = 0;
    }
    touched.clear();
    auto worse = [](const SparseHit& a, const SparseHit& b) {
      return a.score != b.score ? a.score < b.score : a.id > b.id;
    };
    const size_t rescore = std::max(2 * k, k + 64);
    std::vector<SparseHit> out;
    out.reserve(std::min(rescore, partial_hits.size()));
    std::make_heap(partial_hits.begin(), partial_hits.end(), worse);
    for (auto end = partial_hits.end(); end != partial_hits.begin() && out.size() < rescore;
         --end) {
      std::pop_heap(partial_hits.begin(), end, worse);
      const Slot& s = m.slots[static_cast<uint32_t>((end - 1)->id)];
      if (filter == nullptr || filter->Allows(s.id)) out.push_back({s.id, m.FullScore(s, query)});
    }
    std::sort(out.begin(), out.end(), [&](const SparseHit& a, const SparseHit& b) {
      return worse(b, a);
    });
    if (out.size() > k) out.resize(k);
    return out;
  }
  const bool prune = m.prune && filter == nullptr && k > 0 && all_positive;
  if (prune) {
    std::sort(terms.begin(), terms.end(),
              [](const Term& x, const Term& y) { return x.bound > y.bound; });
  }
  std::vector<float> rest(terms.size() + 1, 0.0f);
  for (size_t i = terms.size(); i-- > 0;) rest[i] = rest[i + 1] + terms[i].bound;

  size_t full = terms.size();  // terms [0, full) walked over all postings
  std::vector<float> partial;
  size_t walked = 0;  // postings walked since the last bound check
  for (size_t i = 0; i < terms.size(); ++i) {
    // A check costs O(touched): made only after walking four times as many
    // postings, which keeps it well under the cost of the walk.
    if (prune && i > 0 && touched.size() >= k && walked >= 4 * touched.size()) {
      walked = 0;
      partial.clear();
      for (uint32_t slot : touched) partial.push_back(acc[slot]);
      std::nth_element(partial.begin(), partial.begin() + (k - 1), partial.end(),
                       std::greater<float>());
      if (partial[k - 1] > rest[i]) {
        full = i;
        break;
      }
    }
    walked += m.postings[terms[i].id].size();
    walk(terms[i]);
  }
  if (full < terms.size()) {
    // Keep the documents that can still reach the k-th partial score, and
    // add the remaining terms to them through their own term lists.
    const float theta = partial[k - 1];
    size_t w = 0, probe_cost = 0, walk_cost = 0;
    for (uint32_t slot : touched) {
      if (acc[slot] + rest[full] < theta) {
        acc[slot] = 0;
        seen[slot] = 2;  // dropped: not a candidate any more
        continue;
      }
      touched[w++] = slot;
      probe_cost += m.slots[slot].terms.size();
    }
    for (size_t i = full; i < terms.size(); ++i) walk_cost += m.postings[terms[i].id].size();
    // The dropped documents stay marked 2 (skipped below) until the end.
    std::vector<uint32_t> dropped(touched.begin() + w, touched.end());
    touched.resize(w);
    if (probe_cost < walk_cost) {
      // Few candidates left: add the remaining terms through their term lists.
      std::vector<float>& later_qw = scratch.later_qw;
      if (later_qw.size() < m.postings.size()) later_qw.resize(m.postings.size(), 0.0f);
      for (size_t i = full; i < terms.size(); ++i) later_qw[terms[i].id] = terms[i].weight;
      for (uint32_t slot : touched) {
        const Slot& s = m.slots[slot];
        for (const DocTerm& t : s.terms) {
          if (later_qw[t.id] == 0) continue;
          const int ki = static_cast<int>(m.vocab->kind(t.id));
          float norm = k1 * (1 - b + b * s.lengths[ki] /
                                         m.vocab->AvgLength(static_cast<FeatureKind>(ki)));
          acc[slot] += later_qw[t.id] * t.weight * (k1 + 1) / (t.weight + norm);
        }
      }
      for (size_t i = full; i < terms.size(); ++i) later_qw[terms[i].id] = 0;
    } else {
      // Walk the remaining postings, adding only to the candidates left.
      for (size_t i = full; i < terms.size(); ++i) {
        const Term& q = terms[i];
        const int ki = static_cast<int>(m.vocab->kind(q.id));
        const float inv_avg = 1.0f / m.vocab->AvgLength(static_cast<FeatureKind>(ki));
        for (const Posting& p : m.postings[q.id]) {
          if (seen[p.slot] != 1) continue;
          const Slot& s = m.slots[p.slot];
          float norm = k1 * (1 - b + b * s.lengths[ki] * inv_avg);
          acc[p.slot] += q.weight * p.tf * (k1 + 1) / (p.tf + norm);
        }
      }
    }
    for (uint32_t slot : dropped) seen[slot] = 0;
  }
  // Select the top k best first; the filter is asked only about documents
  // that would enter the result (a max-heap popped until k are allowed), so
  // a selective filter costs nothing for the long tail of weak matches.
  std::vector<SparseHit> hits;
  hits.reserve(touched.size());
  for (uint32_t slot : touched) {
    if (acc[slot] > 0) hits.push_back({m.slots[slot].id, acc[slot]});
    acc[slot] = 0;
    seen[slot] = 0;
  }
  touched.clear();
  auto worse = [](const SparseHit& a, const SparseHit& b) {
    return a.score != b.score ? a.score < b.score : a.id > b.id;
  };
  std::vector<SparseHit> out;
  out.reserve(std::min(k, hits.size()));
  std::make_heap(hits.begin(), hits.end(), worse);
  for (auto end = hits.end(); end != hits.begin() && out.size() < k; --end) {
    std::pop_heap(hits.begin(), end, worse);
    const SparseHit& h = *(end - 1);
    if (filter == nullptr || filter->Allows(h.id)) out.push_back(h);
  }
  return out;
}

float SparseIndex::Score(const SparseVector& query, int64_t id) const {
  const Impl& m = *impl_;
  auto it = m.slot_of.find(id);
  if (it == m.slot_of.end()) return 0;
  return m.FullScore(m.slots[it->second], query);
}

std::vector<MatchedTerm> SparseIndex::Explain(const SparseVector& query, int64_t id) const {
  const Impl& m = *impl_;
  std::vector<MatchedTerm> out;
  auto it = m.slot_of.find(id);
  if (it == m.slot_of.end()) return out;
  m.ForEachShared(m.slots[it->second], query, [&](uint32_t term, float contribution) {
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
  size_t bytes = m.postings.capacity() * sizeof(std::vector<Posting>);
  for (const auto& p : m.postings) bytes += p.capacity() * sizeof(Posting);
  for (const Slot& s : m.slots) {
    bytes += sizeof(Slot) + s.terms.capacity() * sizeof(DocTerm);
  }
  bytes += m.slot_of.size() * 32;
  return bytes;
}

}  // namespace ketnoi::indexer
