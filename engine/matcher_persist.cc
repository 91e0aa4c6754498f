// Matcher index persistence: Matcher::SaveIndexes, and the load-and-catch-up
// path of Matcher::Open (docs/indexer.md, "Index persistence").
//
// An index directory holds one saved indexer::Retriever per collection:
//   DIR/suppliers  DIR/experts  DIR/needs-equipment  DIR/needs-expert
// Each retriever's snapshot sequence is the store change number (family
// kChanges) the indexes reflect; its user data is the collection's table:
//   "ketnoi-collection 1\n" "built B SIZE\n", then one line per retriever id
//   0, 1, ...: record id TAB content hash (16 hex digits, "-" when the id is
//   not in the collection) TAB owning facility id (needs; else empty).
// The content hash covers exactly what the retriever indexed of the record
// (the document's fields, weights and vector), so Open can check every
// saved document against the store, not only those the change log names.
// DIR is replaced as a whole (DIR.tmp, then renamed): the four retrievers
// always come from one save.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <sstream>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "engine/matcher.h"
#include "engine/matcher_internal.h"
#include "engine/store.h"
#include "engine/store_keys.h"

namespace ketnoi::engine {

Status BuildCollections(Matcher::Impl* impl);  // matcher_lists.cc

using namespace matcher_detail;

namespace {

namespace fs = std::filesystem;

constexpr int kCollections = 4;  // suppliers, experts, equipment needs, expert needs
constexpr const char* kDirNames[kCollections] = {"suppliers", "experts", "needs-equipment",
                                                 "needs-expert"};
constexpr std::string_view kTableHeader = "ketnoi-collection 1";

Collection& CollectionAt(Matcher::Impl* impl, int which) {
  switch (which) {
    case 0: return impl->suppliers;
    case 1: return impl->experts;
    case 2: return impl->needs[0];
    default: return impl->needs[1];
  }
}

uint64_t Fnv(const void* data, size_t n, uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

// Hash of what a retriever indexes of one document.
uint64_t DocumentHash(const indexer::Document& d) {
  uint64_t h = 1469598103934665603ULL;
  for (const auto& f : d.fields) {
    uint64_t n = f.text.size();
    h = Fnv(&n, sizeof n, h);
    h = Fnv(f.text.data(), f.text.size(), h);
    h = Fnv(&f.weight, sizeof f.weight, h);
  }
  uint64_t n = d.vector.size();
  h = Fnv(&n, sizeof n, h);
  return Fnv(d.vector.data(), d.vector.size() * sizeof(float), h);
}

// One record of a collection as the store holds it now.
struct Current {
  indexer::Document doc;
  std::string owner;  // facility id (needs)
};

// Reads one collection's records from the store: their documents (ids
// interned in c.ids) and, when `parties` is given, their parties.
// REQUIRES: update_mu held or the matcher not yet shared.
Status ScanCollection(Matcher::Impl* impl, int which, std::vector<Current>* out,
                      PartyTable* parties) {
  Store& store = *impl->options.store;
  Collection& c = CollectionAt(impl, which);
  std::unique_lock lock(impl->mu);  // interning mutates the table readers use
  std::optional<ParallelParties> make;
  if (parties) make.emplace(parties, impl->options.refresh_threads);
  const Matcher::Impl& im = *impl;
  if (which == 0) {
    return store.ForEachSupplier([&](const Supplier& r) {
      int64_t n = c.ids.Intern(r.id);
      if (make) make->Add(n, [&im, r] { return SupplierParty(im, r); });
      out->push_back({CandidateDocument(n, r.name, r.text, r.vector), ""});
      return true;
    });
  }
  if (which == 1) {
    return store.ForEachExpert([&](const Expert& r) {
      int64_t n = c.ids.Intern(r.id);
      if (make) make->Add(n, [&im, r] { return ExpertParty(im, r); });
      out->push_back({CandidateDocument(n, r.name, r.text, r.vector), ""});
      return true;
    });
  }
  NeedKind kind = which == 2 ? NeedKind::kEquipment : NeedKind::kExpert;
  return store.ForEachFacility([&](const Facility& f) {
    std::shared_ptr<const Facility> shared;
    for (size_t i = 0; i < f.needs.size(); ++i) {
      const Need& need = f.needs[i];
      if (need.kind != kind) continue;
      int64_t n = c.ids.Intern(need.id);
      if (make) {
        if (!shared) shared = std::make_shared<const Facility>(f);
        make->Add(n, [&im, shared, i] { return NeedParty(im, *shared, shared->needs[i]); });
      }
      out->push_back({NeedDocument(n, need, f), f.id});
    }
    return true;
  });
}

struct SavedTable {
  bool built = false;
  size_t built_size = 0;
  std::vector<std::string> names;
  std::vector<std::optional<uint64_t>> hashes;
  std::vector<std::string> owners;
};

std::string EncodeTable(const Collection& c, const std::vector<Current>& docs) {
  std::vector<std::optional<uint64_t>> hashes(c.ids.size());
  std::vector<const std::string*> owners(c.ids.size(), nullptr);
  for (const Current& cur : docs) {
    hashes[cur.doc.id] = DocumentHash(cur.doc);
    owners[cur.doc.id] = &cur.owner;
  }
  std::string out(kTableHeader);
  out += "\nbuilt " + std::to_string(c.built ? 1 : 0) + " " + std::to_string(c.built_size) + "\n";
  char hex[17];
  for (size_t n = 0; n < c.ids.size(); ++n) {
    out += c.ids.Name(static_cast<int64_t>(n));
    out += '\t';
    if (hashes[n]) {
      std::snprintf(hex, sizeof hex, "%016" PRIx64, *hashes[n]);
      out += hex;
    } else {
      out += '-';
    }
    out += '\t';
    if (owners[n]) out += *owners[n];
    out += '\n';
  }
  return out;
}

StatusOr<SavedTable> DecodeTable(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  SavedTable t;
  if (!std::getline(in, line) || line != kTableHeader) {
    return Corruption("collection table: bad header");
  }
  int built = 0;
  if (!std::getline(in, line) ||
      std::sscanf(line.c_str(), "built %d %zu", &built, &t.built_size) != 2) {
    return Corruption("collection table: bad 'built' line");
  }
  t.built = built != 0;
  while (std::getline(in, line)) {
    size_t a = line.find('\t');
    size_t b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos || a == 0) return Corruption("collection table: bad line");
    t.names.push_back(line.substr(0, a));
    std::string hash = line.substr(a + 1, b - a - 1);
    if (hash == "-") {
      t.hashes.emplace_back();
    } else {
      char* end = nullptr;
      uint64_t h = std::strtoull(hash.c_str(), &end, 16);
      if (hash.size() != 16 || *end != '\0') return Corruption("collection table: bad hash");
      t.hashes.emplace_back(h);
    }
    t.owners.push_back(line.substr(b + 1));
  }
  return t;
}

// The change log after `after`: the ids of the records it names, and its
// last number. FailedPrecondition when the log does not hold change `after`
// (the store is older than the indexes, e.g. restored from a copy).
struct ChangeScan {
  uint64_t last = 0;
  size_t records = 0;
  std::unordered_set<std::string> ids;  // supplier, expert and facility ids
};

StatusOr<ChangeScan> ScanChanges(const Store& store, uint64_t after) {
  ChangeScan out;
  out.last = after;
  if (after > 0) {
    auto base = store.GetRaw(Family::kChanges, keys::EncodeBigEndian64(after));
    if (!base.ok()) {
      if (base.status().code() != StatusCode::kNotFound) return base.status();
      return FailedPrecondition("the store's change log does not hold change " +
                                std::to_string(after) +
                                " the indexes were saved at (store older than the indexes)");
    }
  }
  Status s = store.ScanRaw(
      Family::kChanges, "", keys::EncodeBigEndian64(after + 1),
      [&](std::string_view key, std::string_view value) {
        out.last = keys::DecodeBigEndian64(key);
        ++out.records;
        nlohmann::json j = nlohmann::json::parse(value, nullptr, false);
        if (j.is_object() && j.value("kind", "") != "link") out.ids.insert(j.value("id", ""));
        return true;
      });
  if (!s.ok()) return s;
  return out;
}

// Loads one collection and brings it up to the store. REQUIRES: the matcher
// not yet shared.
Status LoadCollection(Matcher::Impl* impl, int which, const std::string& dir,
                      const ChangeScan* changes, uint64_t* sequence, IndexLoadReport* report,
                      std::optional<indexer::RetrieverSnapshot> loaded = std::nullopt) {
  Collection& c = CollectionAt(impl, which);
  auto snapshot = loaded ? StatusOr<indexer::RetrieverSnapshot>(std::move(*loaded))
                         : c.retriever->Load(dir);
  if (!snapshot.ok()) return snapshot.status();
  if (changes != nullptr && snapshot->sequence != *sequence) {
    return Corruption("retriever " + dir + " covers change " +
                      std::to_string(snapshot->sequence) + ", the others " +
                      std::to_string(*sequence));
  }
  if (changes == nullptr) {  // first pass: the sequence (the snapshot is kept by the caller)
    *sequence = snapshot->sequence;
    return Status::OK();
  }
  auto table = DecodeTable(snapshot->user_data);
  if (!table.ok()) return table.status().WithPrefix(dir);
  for (const std::string& name : table->names) c.ids.Intern(name);

  std::vector<Current> docs;
  PartyTable parties;
  Status s = ScanCollection(impl, which, &docs, &parties);
  if (!s.ok()) return s;
  std::vector<const indexer::Document*> upserts;
  std::vector<int64_t> removals;
  std::vector<bool> current(c.ids.size(), false);
  size_t unlogged = 0;
  for (const Current& cur : docs) {
    const size_t n = static_cast<size_t>(cur.doc.id);
    current[n] = true;
    bool saved = n < table->hashes.size() && table->hashes[n].has_value();
    if (saved && *table->hashes[n] == DocumentHash(cur.doc)) continue;
    upserts.push_back(&cur.doc);
    const std::string& logged_id = cur.owner.empty() ? c.ids.Name(cur.doc.id) : cur.owner;
    if (!changes->ids.count(logged_id)) ++unlogged;
  }
  for (size_t n = 0; n < table->hashes.size(); ++n) {
    if (!table->hashes[n] || current[n]) continue;
    removals.push_back(static_cast<int64_t>(n));
    const std::string& logged_id = table->owners[n].empty() ? table->names[n] : table->owners[n];
    if (!changes->ids.count(logged_id)) ++unlogged;
  }
  if (unlogged > 0) {
    spdlog::warn("index {}: {} documents differ from the store without a change record; "
                 "re-indexed",
                 dir, unlogged);
  }
  const size_t changed = upserts.size() + removals.size();
  bool rebuild = !docs.empty() && (!table->built || docs.size() >= 2 * table->built_size ||
                                   changed > docs.size() / 2);
  if (rebuild) {
    std::vector<indexer::Document> all;
    all.reserve(docs.size());
    for (Current& cur : docs) all.push_back(std::move(cur.doc));
    s = c.retriever->Build(all);
    if (!s.ok()) return s;
    c.built_size = all.size();
    ++report->collections_rebuilt;
  } else {
    for (int64_t n : removals) c.retriever->Remove(n);
    for (const indexer::Document* d : upserts) {
      s = c.retriever->Upsert(*d);
      if (!s.ok()) return s;
    }
    c.built_size = table->built_size;
  }
  if (which < 2) {  // suppliers, experts: the needs' collections have no market factor
    const size_t recognized = parties.CountRecognized();
    c.market = MarketFactor(recognized, parties.size());
    if (c.market < 1) {
      spdlog::info("the lexicon speaks for {} of {} {}: market factor {:.1f}", recognized,
                   parties.size(), which == 0 ? "suppliers" : "experts", c.market);
    }
  }
  c.parties = std::move(parties);
  c.built = !docs.empty();
  report->documents_caught_up += changed;
  report->documents_unlogged += unlogged;
  return Status::OK();
}

// Fresh, empty collections (after a failed load).
void ResetCollections(Matcher::Impl* impl, const indexer::RetrieverOptions& options) {
  for (int which = 0; which < kCollections; ++which) {
    Collection& c = CollectionAt(impl, which);
    c = Collection{};
    c.retriever = std::make_unique<indexer::Retriever>(impl->analyzer.get(), options);
  }
}

Status TryLoad(Matcher::Impl* impl, IndexLoadReport* report) {
  std::mutex report_mu;
  const std::string& dir = impl->options.index_dir;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return NotFound("no saved indexes in " + dir);
  // The sequence first (from the suppliers), then the change log, then all
  // (two at a time; the suppliers' snapshot is not read twice).
  auto first = CollectionAt(impl, 0).retriever->Load(dir + "/" + kDirNames[0]);
  if (!first.ok()) return first.status();
  uint64_t sequence = first->sequence;
  auto changes = ScanChanges(*impl->options.store, sequence);
  if (!changes.ok()) return changes.status();
  report->saved_change = sequence;
  report->changes_replayed = changes->records;
  IndexLoadReport parts[kCollections];
  return ForCollectionsInParallel([&](int which) {
    uint64_t seq = sequence;
    Status s = LoadCollection(impl, which, dir + "/" + kDirNames[which], &*changes, &seq,
                              &parts[which],
                              which == 0 ? std::optional(std::move(*first)) : std::nullopt);
    std::lock_guard lock(report_mu);
    report->collections_rebuilt += parts[which].collections_rebuilt;
    report->documents_caught_up += parts[which].documents_caught_up;
    report->documents_unlogged += parts[which].documents_unlogged;
    return s;
  });
}

}  // namespace

Status LoadOrBuildCollections(Matcher::Impl* impl, const indexer::RetrieverOptions& options) {
  IndexLoadReport& report = impl->index_report;
  report = IndexLoadReport{};
  auto start = std::chrono::steady_clock::now();
  Status s = TryLoad(impl, &report);
  if (s.ok()) {
    report.loaded = true;
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    spdlog::info("indexes loaded from {} (change {}), caught up {} change records, {} documents "
                 "re-indexed, {} collections relearned, {:.2f} s",
                 impl->options.index_dir, report.saved_change, report.changes_replayed,
                 report.documents_caught_up, report.collections_rebuilt, report.seconds);
    return Status::OK();
  }
  report = IndexLoadReport{};
  report.rebuild_reason = s.ToString();
  if (s.code() == StatusCode::kNotFound) {
    spdlog::info("{}; building the indexes from the store", s.message());
  } else {
    spdlog::warn("saved indexes in {} not used ({}); rebuilding from the store",
                 impl->options.index_dir, s.ToString());
  }
  ResetCollections(impl, options);
  s = BuildCollections(impl);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s;
}

StatusOr<uint64_t> Matcher::SaveIndexes(const std::string& dir) const {
  std::lock_guard update(impl_->update_mu);
  Store& store = *impl_->options.store;
  // The last change number: scan from the newest one known.
  uint64_t from = impl_->index_report.saved_change;
  if (auto raw = store.GetRaw(Family::kMeta, "matches_change"); raw.ok()) {
    try {
      from = std::max<uint64_t>(from, std::stoull(*raw));
    } catch (...) {
    }
  }
  auto changes = ScanChanges(store, from);
  if (!changes.ok()) return changes.status();
  const uint64_t last = changes->last;

  const std::string tmp = dir + ".tmp";
  const std::string old = dir + ".old";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  if (!fs::create_directories(tmp, ec) || ec) {
    return IOError("cannot create " + tmp + ": " + ec.message());
  }
  Matcher::Impl* impl = impl_.get();
  Status saved = ForCollectionsInParallel([&](int which) -> Status {
    Collection& c = CollectionAt(impl, which);
    std::vector<Current> docs;
    // Every record is already interned: the hooks saw every write.
    size_t known = 0;
    {
      std::shared_lock lock(impl->mu);
      known = c.ids.size();
    }
    Status s = ScanCollection(impl, which, &docs, nullptr);
    if (!s.ok()) return s;
    indexer::RetrieverSnapshot snapshot;
    snapshot.sequence = last;
    {
      std::shared_lock lock(impl->mu);
      if (c.ids.size() != known || docs.size() != c.parties.size()) {
        return FailedPrecondition(std::string("index of ") + kDirNames[which] +
                                  " is behind the store; not saving");
      }
      snapshot.user_data = EncodeTable(c, docs);
    }
    return c.retriever->Save(tmp + "/" + kDirNames[which], snapshot);
  });
  if (!saved.ok()) return saved;
  fs::remove_all(old, ec);
  if (fs::exists(dir)) {
    fs::rename(dir, old, ec);
    if (ec) return IOError("cannot rename " + dir + ": " + ec.message());
  }
  fs::rename(tmp, dir, ec);
  if (ec) return IOError("cannot rename " + tmp + " to " + dir + ": " + ec.message());
  fs::remove_all(old, ec);
  return last;
}

}  // namespace ketnoi::engine
