#include "indexer/sparse_index.h"

#include <algorithm>
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

  void Compact();
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
  Remove(id);
  Impl& m = *impl_;
  m.vocab->AddDocument(features);
  uint32_t slot_index = static_cast<uint32_t>(m.slots.size());
  Slot& s = m.slots.emplace_back();
  s.id = id;
  s.alive = true;
  s.lengths = LengthsOf(features);
  s.terms.reserve(features.size());
  for (const Feature& f : features) {
    uint32_t t = m.vocab->Find(f.term);
    s.terms.push_back({t, f.count});
    if (m.postings.size() <= t) m.postings.resize(t + 1);
    m.postings[t].push_back({slot_index, f.count});
  }
  std::sort(s.terms.begin(), s.terms.end(),
            [](const DocTerm& a, const DocTerm& b) { return a.id < b.id; });
  m.slot_of[id] = slot_index;
}

bool SparseIndex::Remove(int64_t id) {
  Impl& m = *impl_;
  auto it = m.slot_of.find(id);
  if (it == m.slot_of.end()) return false;
  Slot& s = m.slots[it->second];
  m.vocab->RemoveDocument(s.terms);
  s.alive = false;
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
}

bool SparseIndex::Contains(int64_t id) const { return impl_->slot_of.count(id) != 0; }
size_t SparseIndex::size() const { return impl_->slot_of.size(); }

std::vector<SparseHit> SparseIndex::Search(const SparseVector& query, size_t k,
                                           const IdFilter* filter) const {
  const Impl& m = *impl_;
  std::vector<float> acc(m.slots.size(), 0.0f);
  std::vector<uint32_t> touched;
  const float k1 = m.vocab->options().k1, b = m.vocab->options().b;
  for (const WeightedTerm& q : query) {
    if (q.id >= m.postings.size()) continue;
    FeatureKind kind = m.vocab->kind(q.id);
    const int ki = static_cast<int>(kind);
    const float inv_avg = 1.0f / m.vocab->AvgLength(kind);
    for (const Posting& p : m.postings[q.id]) {
      const Slot& s = m.slots[p.slot];
      if (!s.alive) continue;
      float norm = k1 * (1 - b + b * s.lengths[ki] * inv_avg);
      if (acc[p.slot] == 0) touched.push_back(p.slot);
      acc[p.slot] += q.weight * p.tf * (k1 + 1) / (p.tf + norm);
    }
  }
  // Select the top k best first; the filter is asked only about documents
  // that would enter the result (a max-heap popped until k are allowed), so
  // a selective filter costs nothing for the long tail of weak matches.
  std::vector<SparseHit> hits;
  hits.reserve(touched.size());
  for (uint32_t slot : touched) {
    if (acc[slot] > 0) hits.push_back({m.slots[slot].id, acc[slot]});
  }
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
  const Slot& s = m.slots[it->second];
  // The same merge as Explain, summing without naming the terms.
  float total = 0;
  size_t i = 0, j = 0;
  while (i < query.size() && j < s.terms.size()) {
    if (query[i].id < s.terms[j].id) {
      ++i;
    } else if (s.terms[j].id < query[i].id) {
      ++j;
    } else {
      total += m.TermScore(s, query[i].id, s.terms[j].weight, query[i].weight);
      ++i;
      ++j;
    }
  }
  return total;
}

std::vector<MatchedTerm> SparseIndex::Explain(const SparseVector& query, int64_t id) const {
  const Impl& m = *impl_;
  std::vector<MatchedTerm> out;
  auto it = m.slot_of.find(id);
  if (it == m.slot_of.end()) return out;
  const Slot& s = m.slots[it->second];
  // Both lists are sorted by term id: merge.
  size_t i = 0, j = 0;
  while (i < query.size() && j < s.terms.size()) {
    if (query[i].id < s.terms[j].id) {
      ++i;
    } else if (s.terms[j].id < query[i].id) {
      ++j;
    } else {
      out.push_back({m.vocab->term(query[i].id),
                     m.TermScore(s, query[i].id, s.terms[j].weight, query[i].weight)});
      ++i;
      ++j;
    }
  }
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
