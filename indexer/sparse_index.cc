#include "indexer/sparse_index.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "indexer/sparse_index_internal.h"

namespace ketnoi::indexer {
namespace {

using sparse_internal::CurrentParams;
using sparse_internal::DocTerm;
using sparse_internal::Posting;
using sparse_internal::Slot;

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

}  // namespace

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

void SparseIndex::SetParallelSplit(size_t postings_per_part, size_t rescored_per_part) {
  impl_->postings_per_part = std::max<size_t>(1, postings_per_part);
  impl_->rescored_per_part = std::max<size_t>(1, rescored_per_part);
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
  // Ties by term, so that the order of any subset of the terms is the same
  // whichever others are explained with it.
  std::sort(out.begin(), out.end(), [](const MatchedTerm& a, const MatchedTerm& b) {
    return a.contribution != b.contribution ? a.contribution > b.contribution : a.term < b.term;
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
