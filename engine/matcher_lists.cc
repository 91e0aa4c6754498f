// Matcher: building the collections from the store, the materialised match
// and lead lists, and their incremental refresh.
//
// Key layout (docs/matching.md):
//   matches  need id \0 "supplier"|"expert"  -> binary list (engine/match_list_codec.h;
//                                                 the earlier JSON form is still read)
//   leads    candidate id \0 need id          -> {"need","facility",...,"seq"}
//   meta     "lead_seq"                        -> last lead sequence (decimal)
//            "matches_change"                  -> last change-log number the
//                                                 lists reflect (decimal)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/hash.h"
#include "common/parallel.h"
#include "engine/matcher.h"
#include "engine/match_list_codec.h"
#include "engine/matcher_internal.h"
#include "engine/reference.h"
#include "engine/store.h"
#include "engine/store_keys.h"

namespace ketnoi::engine {

using namespace matcher_detail;

namespace matcher_detail {

std::string ListKey(std::string_view need_id, TargetKind kind) {
  std::string k(need_id);
  k.push_back('\0');
  k.append(TargetKindName(kind));
  return k;
}

std::string LeadKey(std::string_view cand_id, std::string_view need_id) {
  std::string k(cand_id);
  k.push_back('\0');
  k.append(need_id);
  return k;
}

uint64_t ReadCounter(const Store& store, std::string_view key) {
  auto raw = store.GetRaw(Family::kMeta, key);
  if (!raw.ok()) return 0;
  try {
    return std::stoull(*raw);
  } catch (...) {
    return 0;
  }
}

namespace {
constexpr char kLeadFormat = '\x02';
}  // namespace

std::string LeadRecord(double score, const std::string& reason_vi, const std::string& reason_en,
                       uint64_t seq) {
  std::string out;
  out.reserve(16 + reason_vi.size() + reason_en.size());
  out.push_back(kLeadFormat);
  auto varint = [&out](uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  };
  varint(seq);
  char bytes[8];
  std::memcpy(bytes, &score, 8);
  out.append(bytes, 8);
  varint(reason_vi.size());
  out.append(reason_vi);
  varint(reason_en.size());
  out.append(reason_en);
  return out;
}

bool DecodeLead(std::string_view raw, StoredLead* out) {
  if (!raw.empty() && raw[0] == kLeadFormat) {
    size_t pos = 1;
    auto varint = [&](uint64_t* v) {
      *v = 0;
      for (int shift = 0; shift < 64 && pos < raw.size(); shift += 7) {
        const auto b = static_cast<unsigned char>(raw[pos++]);
        *v |= static_cast<uint64_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0) return true;
      }
      return false;
    };
    auto string = [&](std::string* s) {
      uint64_t n;
      if (!varint(&n) || n > raw.size() - pos) return false;
      s->assign(raw.substr(pos, n));
      pos += n;
      return true;
    };
    if (!varint(&out->seq) || raw.size() - pos < 8) return false;
    std::memcpy(&out->score, raw.data() + pos, 8);
    pos += 8;
    return string(&out->reason_vi) && string(&out->reason_en) && pos == raw.size();
  }
  nlohmann::json j = nlohmann::json::parse(raw, nullptr, false);
  if (!j.is_object()) return false;
  out->seq = j.value("seq", uint64_t{0});
  out->score = j.value("score", 0.0);
  out->reason_vi = j.value("reason_vi", "");
  out->reason_en = j.value("reason_en", "");
  return true;
}

uint64_t StoredLeadSeq(const Store& store, std::string_view cand_id, std::string_view need_id) {
  auto raw = store.GetRaw(Family::kLeads, LeadKey(cand_id, need_id));
  StoredLead lead;
  return raw.ok() && DecodeLead(*raw, &lead) ? lead.seq : 0;
}

}  // namespace matcher_detail

namespace {

constexpr std::string_view kMatchesChangeKey = "matches_change";
// How the stored lists were ranked, where that changed the scores' meaning
// (MatcherOptions::lexical_norm); absent: the first definition.
constexpr std::string_view kListsRankingKey = "lists_ranking";
// Present once every stored list has its head (Family::kListHeads); lists
// written since heads exist always get one in the same batch.
constexpr std::string_view kListHeadsKey = "list_heads";

// The lexical definition, a digest of the weights and the analysis
// fingerprint (text analysis, lexicon, kind weights, index options:
// Retriever::Fingerprint): lists ranked by another definition, other weights
// (a changed ranker.json) or another analysis (an edited lexicon, a new
// feature kind) are stale at the next Open and recomputed.
std::string RankingOf(const Matcher::Impl& impl) {
  auto hex = [](uint64_t v) {
    char digest[17];
    std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(v));
    return std::string(digest);
  };
  // "concepts=", "accent=", "domain=": the definitions of the concept
  // feature (session 11: a concept named with the need's own words counts
  // half), of the accent feature (session 12: contradictions only) and the
  // share of recognised words from which concepts and semantic similarity
  // count in full (session 12), so lists ranked with earlier ones are
  // recomputed too. "candidates=", "walk=": how many candidates are ranked
  // and how many of them the similarity side brings, and how the lexical
  // search chooses them over its posting budget (session 13: the terms that
  // add the most first, not the rarest; session 14: from how many documents
  // its budget grows). "sector=": how a text's chain is
  // read from its concepts (session 14: a metal named beside a machine
  // gives none, ChainEvidence) and when another chain costs (session 17:
  // not for cross-chain equipment the need names, RankKeys::cross_chain).
  // "experts=": how an expert's service area is read (session 17: from
  // its text, TextSaysNationwide and ProvincesListedAsServed).
  char domain[32];
  std::snprintf(domain, sizeof(domain), "%g", kRecognizedForFullWeight);
  // "market=": the candidates' markets' factors (session 17; MarketFactor,
  // in tenths, so one listing more or less leaves the lists current).
  char market[64];
  std::snprintf(market, sizeof(market), "%g/%g", impl.suppliers.market, impl.experts.market);
  std::string out =
      std::string(impl.options.lexical_norm == LexicalNorm::kQuery ? "lexical=query-saturating"
                                                                   : "lexical=best") +
      ";concepts=same-words-half;accent=conflicts;sector=metal-beside-machine-mute+cross-chain-"
      "equipment;experts=area-from-text;domain=" +
      domain + ";market=" + market + ";candidates=" + std::to_string(impl.options.candidates) +
      "/" + std::to_string(impl.options.dense_candidates) + ";walk=value-first/" +
      std::to_string(impl.options.sparse_posting_budget) + "/grow-from-" +
      std::to_string(impl.options.sparse_budget_growth_docs) +
      ";weights=" + hex(Fnv1a64(impl.ranker->weights().ToJson()));
  if (impl.suppliers.retriever != nullptr) {
    out += ";analysis=" + hex(impl.suppliers.retriever->Fingerprint());
  }
  return out;
}

std::string StoredRanking(const Store& store) {
  auto raw = store.GetRaw(Family::kMeta, kListsRankingKey);
  return raw.ok() ? *raw : "lexical=best";
}

// The number of the last change-log record (0 when the log is empty).
uint64_t LastChange(const Store& store, uint64_t from) {
  uint64_t last = from;
  store.ScanRaw(Family::kChanges, "", keys::EncodeBigEndian64(from + 1),
                [&](std::string_view key, std::string_view) {
                  last = keys::DecodeBigEndian64(key);
                  return true;
                })
      .IgnoreError();
  return last;
}

}  // namespace

// ---------------------------------------------------------------- build

namespace {

enum Which { kSuppliers = 0, kExperts = 1, kEquipmentNeeds = 2, kExpertNeeds = 3 };

Collection& CollectionOf(Matcher::Impl* impl, int which) {
  switch (which) {
    case kSuppliers: return impl->suppliers;
    case kExperts: return impl->experts;
    case kEquipmentNeeds: return impl->needs[0];
    default: return impl->needs[1];
  }
}

}  // namespace

// Re-reads one collection from the store and rebuilds its retriever.
// REQUIRES: update_mu held (or the matcher not yet shared).
Status RebuildCollection(Matcher::Impl* impl, int which) {
  const auto start = std::chrono::steady_clock::now();
  Store& store = *impl->options.store;
  Collection& c = CollectionOf(impl, which);
  std::vector<indexer::Document> docs;
  PartyTable parties;
  Status s;
  {
    // Interning ids mutates the table readers use.
    std::unique_lock lock(impl->mu);
    ParallelParties make(&parties, impl->options.refresh_threads);
    const Matcher::Impl& im = *impl;
    if (which == kSuppliers) {
      s = store.ForEachSupplier([&](const Supplier& r) {
        int64_t n = c.ids.Intern(r.id);
        make.Add(n, [&im, r] { return SupplierParty(im, r); });
        docs.push_back(CandidateDocument(n, r.name, r.text, r.vector));
        return true;
      });
    } else if (which == kExperts) {
      s = store.ForEachExpert([&](const Expert& r) {
        int64_t n = c.ids.Intern(r.id);
        make.Add(n, [&im, r] { return ExpertParty(im, r); });
        docs.push_back(CandidateDocument(n, r.name, r.text, r.vector));
        return true;
      });
    } else {
      NeedKind kind = which == kEquipmentNeeds ? NeedKind::kEquipment : NeedKind::kExpert;
      s = store.ForEachFacility([&](const Facility& f) {
        std::shared_ptr<const Facility> shared;
        for (size_t i = 0; i < f.needs.size(); ++i) {
          const Need& need = f.needs[i];
          if (need.kind != kind) continue;
          int64_t n = c.ids.Intern(need.id);
          if (!shared) shared = std::make_shared<const Facility>(f);
          make.Add(n, [&im, shared, i] { return NeedParty(im, *shared, shared->needs[i]); });
          docs.push_back(NeedDocument(n, need, f));
        }
        return true;
      });
    }
    make.Flush();
  }
  if (!s.ok()) return s;
  const auto scanned = std::chrono::steady_clock::now();
  if (!docs.empty()) {
    s = c.retriever->Build(docs);
    if (!s.ok()) return s;
  }
  spdlog::info("built the index of {} {}: records read and analysed for ranking in {:.2f} s, "
               "retriever built in {:.2f} s",
               docs.size(), which == kSuppliers ? "suppliers" : which == kExperts ? "experts"
                            : which == kEquipmentNeeds ? "equipment needs" : "expert needs",
               std::chrono::duration<double>(scanned - start).count(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - scanned).count());
  double market = 1;  // the needs' collections have no market factor
  if (which == kSuppliers || which == kExperts) {
    const size_t recognized = parties.CountRecognized();
    market = MarketFactor(recognized, parties.size());
    if (!parties.empty()) {
      spdlog::info("the lexicon speaks for {} of {} {}: market factor {:.1f}", recognized,
                   parties.size(), which == kSuppliers ? "suppliers" : "experts", market);
    }
  }
  std::unique_lock lock(impl->mu);
  c.market = market;
  c.parties = std::move(parties);
  c.built = !docs.empty();
  c.built_size = docs.size();
  return Status::OK();
}

Status BuildCollections(Matcher::Impl* impl) {
  return ForCollectionsInParallel([impl](int which) { return RebuildCollection(impl, which); });
}

namespace {

// Adds or replaces one document: an upsert into the built retriever, or a
// rebuild when the collection is new or has doubled. REQUIRES: update_mu.
Status AddDocument(Matcher::Impl* impl, int which, const indexer::Document& doc,
                   std::shared_ptr<const Party> party) {
  Collection& c = CollectionOf(impl, which);
  bool rebuild;
  {
    std::shared_lock lock(impl->mu);
    size_t size = c.parties.size() + (c.parties.Has(doc.id) ? 0 : 1);
    rebuild = !c.built || size >= 2 * c.built_size;
  }
  if (rebuild) return RebuildCollection(impl, which);
  Status s = c.retriever->Upsert(doc);
  if (!s.ok()) return s;
  std::unique_lock lock(impl->mu);
  c.parties.Put(doc.id, std::move(party));
  return Status::OK();
}

}  // namespace

// ---------------------------------------------------------------- lists

namespace {

// Computes and stores the list of one need, and updates the leads of the
// candidates that enter, stay in or leave it. REQUIRES: update_mu held.
// One need's list as computed, not yet written.
struct PendingList {
  std::string need_id;
  TargetKind kind;
  MatchList list;
  std::vector<std::pair<std::string, std::string>> lead_reasons;  // vi, en per item
};

// Ranks one need and words its members' lead reasons (reads only).
StatusOr<PendingList> ComputeList(const Matcher& m, const Matcher::Impl& impl,
                                  const std::string& need_id, TargetKind kind) {
  MatchRequest req;
  req.need_id = need_id;
  req.kind = kind;
  req.k = static_cast<int>(impl.options.materialized_k);
  auto list = m.Match(req);
  if (!list.ok()) return list.status();
  PendingList out;
  out.need_id = need_id;
  out.kind = kind;
  out.list = std::move(*list);
  std::shared_lock lock(impl.mu);
  const Party* need = FindNeed(impl, need_id);
  if (need == nullptr) return NotFound("unknown need '" + need_id + "'");
  out.lead_reasons.resize(out.list.items.size());
  for (size_t i = 0; i < out.list.items.size(); ++i) {
    LeadReason(impl, *need, out.list.items[i], kind, &out.lead_reasons[i].first,
               &out.lead_reasons[i].second);
  }
  return out;
}

// The member ids of a stored list, from its head (or from the list itself,
// for a list stored without one); empty when there is no readable list.
std::vector<std::string> StoredListIds(const Store& store, const std::string& need_id,
                                       TargetKind kind) {
  const std::string key = ListKey(need_id, kind);
  MatchListSummary head;
  auto raw = store.GetRaw(Family::kListHeads, key);
  if (raw.ok() && DecodeMatchListHead(*raw, &head).ok()) return std::move(head.ids);
  std::vector<std::string> ids;
  raw = store.GetRaw(Family::kMatches, key);
  if (!raw.ok() || !DecodeMatchListIds(*raw, &ids).ok()) ids.clear();
  return ids;
}

// Adds the writes of one computed list to `batch`: the list and its head,
// the leads of its members (a lead keeps the sequence number it first got;
// new ones take ++*seq), and the removal of the leads of members that left.
Status AddListWrites(const Store& store, const PendingList& p, uint64_t* seq, WriteBatch* batch) {
  std::map<std::string, uint64_t> previous;
  for (const std::string& id : StoredListIds(store, p.need_id, p.kind)) {
    previous[id] = StoredLeadSeq(store, id, p.need_id);
  }
  std::set<std::string> present;
  for (size_t i = 0; i < p.list.items.size(); ++i) {
    const MatchItem& item = p.list.items[i];
    present.insert(item.id);
    auto prev = previous.find(item.id);
    uint64_t lead_seq = prev != previous.end() && prev->second != 0 ? prev->second : ++*seq;
    batch->PutRaw(Family::kLeads, LeadKey(item.id, p.need_id),
                  LeadRecord(item.explanation.score, p.lead_reasons[i].first,
                             p.lead_reasons[i].second, lead_seq));
  }
  for (const auto& [id, unused] : previous) {
    if (!present.count(id)) batch->DeleteRaw(Family::kLeads, LeadKey(id, p.need_id));
  }
  const std::string key = ListKey(p.need_id, p.kind);
  batch->PutRaw(Family::kMatches, key, EncodeMatchList(p.list.version, p.list.items));
  batch->PutRaw(Family::kListHeads, key, EncodeMatchListHead(p.list.version, p.list.items));
  return Status::OK();
}

// Recomputes and stores the lists of `needs`: ranked on every core in blocks,
// each block written in one batch (lists, leads and the lead counter
// together). Unknown needs are skipped when `skip_unknown`, else an error.
// REQUIRES: update_mu held (the lead counter has one writer).
Status MaterializeNeeds(const Matcher& m, Matcher::Impl* impl,
                        const std::vector<std::pair<std::string, TargetKind>>& needs,
                        bool skip_unknown) {
  Store& store = *impl->options.store;
  constexpr size_t kBlock = 256;
  std::vector<StatusOr<PendingList>> block;
  for (size_t from = 0; from < needs.size(); from += kBlock) {
    const size_t n = std::min(kBlock, needs.size() - from);
    block.assign(n, StatusOr<PendingList>(Internal("not computed")));
    ParallelFor(n, impl->options.refresh_threads, [&](size_t i) {
      block[i] = ComputeList(m, *impl, needs[from + i].first, needs[from + i].second);
    });

    WriteBatch batch;
    uint64_t seq = ReadCounter(store, kLeadSeqKey);
    const uint64_t start_seq = seq;
    for (auto& r : block) {
      if (!r.ok()) {
        if (skip_unknown && r.status().code() == StatusCode::kNotFound) continue;
        return r.status();
      }
      Status s = AddListWrites(store, *r, &seq, &batch);
      if (!s.ok()) return s;
    }
    if (seq != start_seq) batch.PutRaw(Family::kMeta, kLeadSeqKey, std::to_string(seq));
    if (batch.Count() != 0) {
      Status s = store.Write(batch);
      if (!s.ok()) return s;
    }
    if (impl->fill.pending_count.load() != 0) {
      std::lock_guard lock(impl->fill.mu);
      for (size_t i = 0; i < n; ++i) impl->fill.pending.erase(needs[from + i].first);
      impl->fill.pending_count = impl->fill.pending.size();
      if (impl->fill.pending.empty()) impl->fill.done_cv.notify_all();
    }
  }
  return Status::OK();
}

Status MaterializeNeed(const Matcher& m, Matcher::Impl* impl, const std::string& need_id,
                       TargetKind kind) {
  return MaterializeNeeds(m, impl, {{need_id, kind}}, false);
}

TargetKind KindOfNeed(const Party& p) {
  return p.need_kind == NeedKind::kEquipment ? TargetKind::kSupplier : TargetKind::kExpert;
}

Status RemoveNeedLists(Matcher::Impl* impl, const std::string& need_id) {
  Store& store = *impl->options.store;
  WriteBatch batch;
  for (TargetKind kind : {TargetKind::kSupplier, TargetKind::kExpert}) {
    for (const std::string& id : StoredListIds(store, need_id, kind)) {
      batch.DeleteRaw(Family::kLeads, LeadKey(id, need_id));
    }
    batch.DeleteRaw(Family::kMatches, ListKey(need_id, kind));
    batch.DeleteRaw(Family::kListHeads, ListKey(need_id, kind));
  }
  return store.Write(batch);
}

Status MarkCaughtUp(Matcher::Impl* impl) {
  Store& store = *impl->options.store;
  uint64_t last = LastChange(store, ReadCounter(store, kMatchesChangeKey));
  return store.PutRaw(Family::kMeta, kMatchesChangeKey, std::to_string(last));
}

// After every list was recomputed: they reflect the store and this ranking.
Status MarkAllCurrent(Matcher::Impl* impl) {
  Status s = MarkCaughtUp(impl);
  if (!s.ok()) return s;
  return impl->options.store->PutRaw(Family::kMeta, kListsRankingKey, RankingOf(*impl));
}

}  // namespace

Status Matcher::RefreshAll() {
  std::lock_guard update(impl_->update_mu);
  std::vector<std::pair<std::string, TargetKind>> all;
  {
    std::shared_lock lock(impl_->mu);
    for (const Collection& c : impl_->needs) {
      c.parties.ForEach(
          [&](int64_t, const Party& p) { all.emplace_back(p.need_id, KindOfNeed(p)); });
    }
  }
  std::sort(all.begin(), all.end());
  const auto start = std::chrono::steady_clock::now();
  Status s = MaterializeNeeds(*this, impl_.get(), all, false);
  if (!s.ok()) return s;
  spdlog::info("materialised the lists of {} needs in {:.2f} s", all.size(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return MarkAllCurrent(impl_.get());
}

// ---------------------------------------------------------------- stale lists

namespace {

bool IsPending(Matcher::Impl* impl, const std::string& need_id) {
  if (impl->fill.pending_count.load() == 0) return false;
  std::lock_guard lock(impl->fill.mu);
  return impl->fill.pending.count(need_id) != 0;
}

// The background fill: the stale lists in blocks, update_mu taken per block
// so that writes and reads computing a list interleave with it.
void FillLists(Matcher* m, Matcher::Impl* impl) {
  constexpr size_t kBlock = 256;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::pair<std::string, TargetKind>>& order = impl->fill.order;
  size_t computed = 0;
  for (size_t from = 0; from < order.size() && !impl->fill.stop.load(); from += kBlock) {
    std::lock_guard update(impl->update_mu);
    std::vector<std::pair<std::string, TargetKind>> block;
    {
      std::lock_guard lock(impl->fill.mu);
      for (size_t i = from; i < std::min(order.size(), from + kBlock); ++i) {
        if (impl->fill.pending.count(order[i].first)) block.push_back(order[i]);
      }
    }
    Status s = MaterializeNeeds(*m, impl, block, true);
    if (!s.ok()) {
      spdlog::error("background list fill stopped: {}", s.ToString());
      std::lock_guard lock(impl->fill.mu);
      impl->fill.error = s;
      impl->fill.done_cv.notify_all();
      return;
    }
    {
      // Needs deleted meanwhile were skipped: they are no longer pending.
      std::lock_guard lock(impl->fill.mu);
      for (const auto& [id, kind] : block) impl->fill.pending.erase(id);
      impl->fill.pending_count = impl->fill.pending.size();
      if (impl->fill.pending.empty()) impl->fill.done_cv.notify_all();
    }
    computed += block.size();
  }
  if (impl->fill.stop.load()) return;
  std::lock_guard update(impl->update_mu);
  if (impl->fill.pending_count.load() != 0) return;  // cannot happen: every block was walked
  Status s = MarkAllCurrent(impl);
  if (!s.ok()) spdlog::error("background list fill: {}", s.ToString());
  spdlog::info("background fill recomputed the lists of {} needs in {:.2f} s", computed,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

}  // namespace

Status Matcher::ResolveStaleLists(StaleLists mode) {
  if (impl_->fill.pending_count.load() == 0 || mode == StaleLists::kOnRead) return Status::OK();
  if (mode == StaleLists::kNow) return RefreshAll();
  std::lock_guard update(impl_->update_mu);
  if (!impl_->fill.thread.joinable()) {
    impl_->fill.thread = std::thread(FillLists, this, impl_.get());
    spdlog::info("recomputing the lists of {} needs in the background",
                 impl_->fill.pending_count.load());
  }
  return Status::OK();
}

void StartListFill(Matcher* m, Matcher::Impl* impl, bool background) {
  auto& fill = impl->fill;
  {
    std::shared_lock lock(impl->mu);
    for (const Collection& c : impl->needs) {
      c.parties.ForEach(
          [&](int64_t, const Party& p) { fill.order.emplace_back(p.need_id, KindOfNeed(p)); });
    }
  }
  std::sort(fill.order.begin(), fill.order.end());
  {
    std::lock_guard lock(fill.mu);
    for (const auto& [id, kind] : fill.order) fill.pending.insert(id);
    fill.pending_count = fill.pending.size();
  }
  spdlog::info("the lists of {} needs are older than the store: recomputed {}",
               fill.order.size(), background ? "in the background" : "when read");
  if (background && !fill.order.empty()) fill.thread = std::thread(FillLists, m, impl);
}

void StopListFill(Matcher::Impl* impl) {
  impl->fill.stop = true;
  if (impl->fill.thread.joinable()) impl->fill.thread.join();
}

Status Matcher::WaitForLists() {
  auto& fill = impl_->fill;
  std::unique_lock lock(fill.mu);
  if (!fill.thread.joinable()) {
    return fill.pending.empty() ? Status::OK()
                                : FailedPrecondition("stale lists are recomputed only when read");
  }
  fill.done_cv.wait(lock, [&] { return fill.pending.empty() || !fill.error.ok(); });
  return fill.error;
}

// Gives every stored list its head, once per store (lists stored before
// heads existed). Lists written from now on get theirs with them.
Status BackfillListHeads(Matcher::Impl* impl) {
  Store& store = *impl->options.store;
  if (store.GetRaw(Family::kMeta, kListHeadsKey).ok()) return Status::OK();
  const auto start = std::chrono::steady_clock::now();
  WriteBatch batch;
  size_t lists = 0;
  Status failed;
  Status s = store.ScanRaw(Family::kMatches, "", "", [&](std::string_view key,
                                                         std::string_view value) {
    MatchListSummary head;
    if (!DecodeMatchListSummary(value, RankFeature::kLexical, &head).ok()) return true;
    batch.PutRaw(Family::kListHeads, key, EncodeMatchListHead(head));
    ++lists;
    if (batch.Count() >= 4096) {
      failed = store.Write(batch);
      batch = WriteBatch();
    }
    return failed.ok();
  });
  if (!s.ok()) return s;
  if (!failed.ok()) return failed;
  batch.PutRaw(Family::kMeta, kListHeadsKey, "1");
  s = store.Write(batch);
  if (!s.ok()) return s;
  if (lists > 0) {
    spdlog::info("list heads written for {} stored lists in {:.1f} s", lists,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return Status::OK();
}

// The lists reflect the store when the change log has nothing newer than
// what they were computed from; otherwise (records written while no matcher
// was running, e.g. by `ketnoi import`) everything is recomputed. Lists
// ranked another way (kListsRankingKey) are recomputed too.
bool ListsAreStale(Matcher::Impl* impl) {
  Store& store = *impl->options.store;
  uint64_t done = ReadCounter(store, kMatchesChangeKey);
  uint64_t last = LastChange(store, done);
  bool have_lists = false;
  store.ScanRaw(Family::kMatches, "", "", [&](std::string_view, std::string_view) {
         have_lists = true;
         return false;
       })
      .IgnoreError();
  bool have_needs = !impl->needs[0].parties.empty() || !impl->needs[1].parties.empty();
  if (!have_lists) {
    // Every list written from now on is ranked this way.
    store.PutRaw(Family::kMeta, kListsRankingKey, RankingOf(*impl)).IgnoreError();
  }
  return last != done || (have_needs && !have_lists) ||
         (have_lists && StoredRanking(store) != RankingOf(*impl));
}

std::optional<TargetKind> Matcher::TargetOfNeed(const std::string& need_id) const {
  std::shared_lock lock(impl_->mu);
  const Party* need = FindNeed(*impl_, need_id);
  if (need == nullptr) return std::nullopt;
  return KindOfNeed(*need);
}

StatusOr<MatchList> Matcher::Materialized(const std::string& need_id, TargetKind kind,
                                          size_t max_items) {
  Store& store = *impl_->options.store;
  auto raw = store.GetRaw(Family::kMatches, ListKey(need_id, kind));
  if (raw.ok() && IsPending(impl_.get(), need_id)) {
    raw = NotFound("stale");  // older than the store: recomputed below
  }
  if (!raw.ok()) {
    if (raw.status().code() != StatusCode::kNotFound) return raw.status();
    {
      std::shared_lock lock(impl_->mu);
      if (FindNeed(*impl_, need_id) == nullptr) return NotFound("unknown need '" + need_id + "'");
    }
    std::lock_guard update(impl_->update_mu);
    Status s = MaterializeNeed(*this, impl_.get(), need_id, kind);
    if (!s.ok()) return s;
    raw = store.GetRaw(Family::kMatches, ListKey(need_id, kind));
    if (!raw.ok()) return raw.status();
  }
  MatchList out;
  out.need_id = need_id;
  out.kind = kind;
  Status s = DecodeMatchList(*raw, &out.version, &out.items, max_items);
  if (!s.ok()) return Corruption("materialised list of '" + need_id + "': " + s.message());
  return out;
}

StatusOr<LeadList> Matcher::Leads(const std::string& candidate_id, const std::string& since,
                                  size_t k) const {
  if (k < 1 || k > 1000) return InvalidArgument("k must be between 1 and 1000");
  uint64_t since_seq = 0;
  if (!since.empty()) {
    if (since.find_first_not_of("0123456789") != std::string::npos || since.size() > 19) {
      return InvalidArgument("cursor 'since' must be a number returned by an earlier call");
    }
    since_seq = std::stoull(since);
  }
  {
    std::shared_lock lock(impl_->mu);
    if (impl_->suppliers.ids.Find(candidate_id) < 0 && impl_->experts.ids.Find(candidate_id) < 0) {
      return NotFound("unknown supplier or expert '" + candidate_id + "'");
    }
  }
  std::vector<Lead> all;
  uint64_t max_seq = since_seq;
  std::string prefix = candidate_id;
  prefix.push_back('\0');
  Status s = impl_->options.store->ScanRaw(
      Family::kLeads, prefix, "", [&](std::string_view key, std::string_view value) {
        StoredLead stored;
        if (!DecodeLead(value, &stored)) return true;
        max_seq = std::max(max_seq, stored.seq);
        if (stored.seq <= since_seq) return true;
        Lead l;
        l.seq = stored.seq;
        l.need_id = std::string(key.substr(prefix.size()));
        l.score = stored.score;
        l.reason_vi = std::move(stored.reason_vi);
        l.reason_en = std::move(stored.reason_en);
        all.push_back(std::move(l));
        return true;
      });
  if (!s.ok()) return s;
  std::sort(all.begin(), all.end(), [](const Lead& a, const Lead& b) {
    if (a.seq != b.seq) return a.seq > b.seq;
    return a.need_id < b.need_id;
  });
  if (all.size() > k) all.resize(k);
  {
    // The need's facility and text, as they are now.
    std::shared_lock lock(impl_->mu);
    for (Lead& l : all) {
      const Party* need = FindNeed(*impl_, l.need_id);
      if (need == nullptr) continue;
      l.facility_id = need->facility_id;
      l.facility_name = need->side.name;
      l.province_id = need->side.province_id;
      l.need_text = need->text;
    }
  }
  LeadList out;
  out.items = std::move(all);
  out.cursor = std::to_string(max_seq);
  out.needs_pending = impl_->fill.pending_count.load();
  out.complete = out.needs_pending == 0;
  return out;
}

// ---------------------------------------------------------------- updates

namespace {

// Adds the ids of the needs whose materialised lists hold candidate `id`
// (its lead keys, "id \0 need id").
Status NeedsListing(const Store& store, const std::string& id, std::set<std::string>* out) {
  std::string prefix = id;
  prefix.push_back('\0');
  return store.ScanRaw(Family::kLeads, prefix, "", [&](std::string_view key, std::string_view) {
    out->insert(std::string(key.substr(prefix.size())));
    return true;
  });
}

}  // namespace

Status Matcher::OnCandidateChanged(const std::string& id, TargetKind kind) {
  const auto start = std::chrono::steady_clock::now();
  std::lock_guard update(impl_->update_mu);
  Store& store = *impl_->options.store;
  Collection& c = impl_->Targets(kind);
  std::shared_ptr<Party> party;
  indexer::Document doc;
  int64_t n;
  {
    std::unique_lock lock(impl_->mu);
    n = c.ids.Intern(id);
  }
  if (kind == TargetKind::kSupplier) {
    auto r = store.GetSupplier(id);
    if (!r.ok()) return r.status();
    party = SupplierParty(*impl_, *r);
    doc = CandidateDocument(n, r->name, r->text, r->vector);
  } else {
    auto r = store.GetExpert(id);
    if (!r.ok()) return r.status();
    party = ExpertParty(*impl_, *r);
    doc = CandidateDocument(n, r->name, r->text, r->vector);
  }
  Status s = AddDocument(impl_.get(), kind == TargetKind::kSupplier ? kSuppliers : kExperts,
                         doc, party);
  if (!s.ok()) return s;
  // Needs to re-rank: those that list it now, and those its text retrieves.
  std::set<std::string> affected;
  s = NeedsListing(store, id, &affected);
  if (!s.ok()) return s;
  Collection& needs = impl_->needs[kind == TargetKind::kSupplier ? 0 : 1];
  indexer::Query q;
  q.fields = {{party->text, 1.0f}};
  q.k = impl_->options.refresh_fanout;
  auto found = needs.built ? needs.retriever->Search(q)
                           : StatusOr<std::vector<indexer::Candidate>>(
                                 std::vector<indexer::Candidate>{});
  if (!found.ok()) return found.status();
  {
    std::shared_lock lock(impl_->mu);
    for (const auto& cand : *found) {
      if (const Party* p = needs.parties.Find(cand.id)) affected.insert(p->need_id);
    }
  }
  // Each need by scoring this one pair where that suffices, the rest re-ranked.
  std::vector<std::string> full;
  s = MergeCandidate(impl_.get(), kind, *party, n,
                     std::vector<std::string>(affected.begin(), affected.end()), &full);
  if (!s.ok()) return s;
  const auto merged = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, TargetKind>> todo;
  for (const auto& need_id : full) todo.emplace_back(need_id, kind);
  s = MaterializeNeeds(*this, impl_.get(), todo, true);
  if (!s.ok()) return s;
  const auto end = std::chrono::steady_clock::now();
  spdlog::debug("refresh after {}: {} needs, {} re-ranked in full; {:.1f} ms ({:.1f} ms merging, "
                "{:.1f} ms re-ranking)",
                id, affected.size(), full.size(),
                std::chrono::duration<double, std::milli>(end - start).count(),
                std::chrono::duration<double, std::milli>(merged - start).count(),
                std::chrono::duration<double, std::milli>(end - merged).count());
  return MarkCaughtUp(impl_.get());
}

Status Matcher::OnCandidateDeleted(const std::string& id, TargetKind kind) {
  std::lock_guard update(impl_->update_mu);
  Store& store = *impl_->options.store;
  Collection& c = impl_->Targets(kind);
  int64_t n;
  {
    std::unique_lock lock(impl_->mu);
    n = c.ids.Find(id);
    if (n >= 0) c.parties.Erase(n);
  }
  if (n >= 0) c.retriever->Remove(n);
  std::set<std::string> affected;
  Status s = NeedsListing(store, id, &affected);
  if (!s.ok()) return s;
  std::vector<std::pair<std::string, TargetKind>> todo;
  for (const auto& need_id : affected) todo.emplace_back(need_id, kind);
  s = MaterializeNeeds(*this, impl_.get(), todo, true);
  if (!s.ok()) return s;
  return MarkCaughtUp(impl_.get());
}

namespace {

// Removes one need from the matcher's memory and its lists from the store.
// REQUIRES: update_mu held.
Status DropNeed(Matcher::Impl* impl, const std::string& need_id) {
  for (Collection& c : impl->needs) {
    int64_t n;
    {
      std::unique_lock lock(impl->mu);
      n = c.ids.Find(need_id);
      if (!c.parties.Erase(n)) continue;
    }
    c.retriever->Remove(n);
  }
  return RemoveNeedLists(impl, need_id);
}

}  // namespace

Status Matcher::OnFacilityChanged(const std::string& facility_id) {
  std::lock_guard update(impl_->update_mu);
  auto f = impl_->options.store->GetFacility(facility_id);
  if (!f.ok()) return f.status();
  // Needs the facility no longer lists are dropped.
  std::set<std::string> current;
  for (const Need& n : f->needs) current.insert(n.id);
  std::vector<std::string> stale;
  {
    std::shared_lock lock(impl_->mu);
    for (const Collection& c : impl_->needs) {
      c.parties.ForEach([&](int64_t, const Party& p) {
        if (p.facility_id == facility_id && !current.count(p.need_id)) stale.push_back(p.need_id);
      });
    }
  }
  for (const auto& id : stale) {
    Status s = DropNeed(impl_.get(), id);
    if (!s.ok()) return s;
  }
  for (const Need& need : f->needs) {
    // A need whose kind changed moves between collections.
    for (Collection& c : impl_->needs) {
      if (&c == &impl_->needs[static_cast<int>(need.kind)]) continue;
      int64_t old;
      {
        std::unique_lock lock(impl_->mu);
        old = c.ids.Find(need.id);
        if (old >= 0) c.parties.Erase(old);
      }
      if (old >= 0) c.retriever->Remove(old);
    }
    Collection& c = impl_->needs[static_cast<int>(need.kind)];
    int64_t n;
    {
      std::unique_lock lock(impl_->mu);
      n = c.ids.Intern(need.id);
    }
    Status s = AddDocument(impl_.get(),
                           need.kind == NeedKind::kEquipment ? kEquipmentNeeds : kExpertNeeds,
                           NeedDocument(n, need, *f), NeedParty(*impl_, *f, need));
    if (!s.ok()) return s;
    TargetKind kind = need.kind == NeedKind::kEquipment ? TargetKind::kSupplier : TargetKind::kExpert;
    Status r = RemoveNeedLists(impl_.get(), need.id);  // kind may have changed
    if (!r.ok()) return r;
    s = MaterializeNeed(*this, impl_.get(), need.id, kind);
    if (!s.ok()) return s;
  }
  return MarkCaughtUp(impl_.get());
}

Status Matcher::OnFeedbackChanged(const std::string& need_id) {
  std::lock_guard update(impl_->update_mu);
  TargetKind kind;
  {
    std::shared_lock lock(impl_->mu);
    const Party* need = FindNeed(*impl_, need_id);
    if (need == nullptr) return NotFound("unknown need '" + need_id + "'");
    kind = KindOfNeed(*need);
  }
  Status s = MaterializeNeed(*this, impl_.get(), need_id, kind);
  if (!s.ok()) return s;
  return MarkCaughtUp(impl_.get());
}

Status Matcher::OnFacilityDeleted(const std::string& facility_id,
                                  const std::vector<std::string>& need_ids) {
  std::lock_guard update(impl_->update_mu);
  for (const auto& id : need_ids) {
    Status s = DropNeed(impl_.get(), id);
    if (!s.ok()) return s;
  }
  return MarkCaughtUp(impl_.get());
}

}  // namespace ketnoi::engine
