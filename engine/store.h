// Store: the persistent domain store of ketnoi, on RocksDB.
//
// One column family per record kind plus meta (see engine/store_keys.h for
// the key layout). A facility and its needs are written atomically; a
// WriteBatch groups many writes into one all-or-nothing commit (import).
// No RocksDB type appears in this header.
//
// Thread safety: all methods are safe to call concurrently (RocksDB is
// internally synchronised). Iteration sees a consistent snapshot.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/model.h"

namespace ketnoi::engine {

class ReferenceData;  // engine/reference.h

// Column families. kMeta holds the schema version and counters; the
// remaining families hold derived or operational data owned by other parts
// of the engine (matches, leads, feedback, API keys, index bookkeeping).
enum class Family {
  kMeta,
  kFacilities,   // facility id -> facility JSON (with its needs)
  kNeeds,        // need id -> facility id (owning facility)
  kSuppliers,    // supplier id -> supplier JSON
  kExperts,      // expert id -> expert JSON
  kLinks,        // from \0 type \0 to -> link JSON
  kMatches,      // materialised match lists per need (engine/matcher)
  kLeads,        // materialised lead lists per supplier/expert
  kFeedback,     // staff verdicts per (need, candidate)
  kKeys,         // API keys (hashed)
  kChanges,      // change log: big-endian sequence -> change record
  kListHeads,    // per materialised list: its ids, scores, lexical values
};

struct StoreOptions {
  // Directory of the RocksDB database; created when missing and
  // create_if_missing is true.
  std::string path;
  bool create_if_missing = true;
  // Reference tables used to resolve provinces/sectors on write; required.
  const ReferenceData* reference = nullptr;
  // fsync every write batch. Off: writes survive a process crash (WAL) but
  // not a power loss. On: ~20x slower puts.
  bool sync_writes = false;
  // Block cache size for reads.
  size_t block_cache_bytes = 64 << 20;
};

// A group of writes committed atomically by Store::Write.
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(WriteBatch&&) noexcept;
  WriteBatch& operator=(WriteBatch&&) noexcept;

  // REQUIRES: the record is valid (see engine/validate.h).
  void PutFacility(const Facility& f);
  void PutSupplier(const Supplier& s);
  void PutExpert(const Expert& e);
  void PutLink(const Link& l);
  void PutRaw(Family family, std::string_view key, std::string_view value);
  void DeleteRaw(Family family, std::string_view key);
  size_t Count() const;

 private:
  friend class StoreImpl;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

// One page of a listing: the records and the cursor for the next page
// (empty when this is the last page).
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;
};

class Store {
 public:
  static constexpr uint32_t kSchemaVersion = 1;

  // Opens or creates the store. Errors: FailedPrecondition when the
  // directory was written by a newer schema; Corruption when it is not a
  // ketnoi store or cannot be read.
  static StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  virtual ~Store() = default;

  // Records. Put* validate and upsert; PutFacility replaces the facility's
  // needs (needs no longer listed are removed) in one atomic write.
  virtual Status PutFacility(const Facility& f) = 0;
  virtual Status PutSupplier(const Supplier& s) = 0;
  virtual Status PutExpert(const Expert& e) = 0;
  virtual Status PutLink(const Link& l) = 0;
  virtual StatusOr<Facility> GetFacility(std::string_view id) const = 0;
  virtual StatusOr<Supplier> GetSupplier(std::string_view id) const = 0;
  virtual StatusOr<Expert> GetExpert(std::string_view id) const = 0;
  // The need and the id of the facility that owns it.
  virtual StatusOr<std::pair<Need, std::string>> GetNeed(std::string_view need_id) const = 0;
  virtual Status DeleteFacility(std::string_view id) = 0;
  virtual Status DeleteSupplier(std::string_view id) = 0;
  virtual Status DeleteExpert(std::string_view id) = 0;
  virtual Status DeleteLink(const Link& l) = 0;

  // Listing by id order from `cursor` (exclusive; empty = from the start).
  virtual StatusOr<Page<Facility>> ListFacilities(std::string_view cursor, size_t limit) const = 0;
  virtual StatusOr<Page<Supplier>> ListSuppliers(std::string_view cursor, size_t limit) const = 0;
  virtual StatusOr<Page<Expert>> ListExperts(std::string_view cursor, size_t limit) const = 0;
  virtual StatusOr<Page<Link>> ListLinks(std::string_view cursor, size_t limit) const = 0;

  // Full scans over a snapshot; the callback returns false to stop.
  virtual Status ForEachFacility(const std::function<bool(const Facility&)>& fn) const = 0;
  virtual Status ForEachSupplier(const std::function<bool(const Supplier&)>& fn) const = 0;
  virtual Status ForEachExpert(const std::function<bool(const Expert&)>& fn) const = 0;
  virtual Status ForEachLink(const std::function<bool(const Link&)>& fn) const = 0;

  // Atomic multi-record write.
  virtual Status Write(WriteBatch& batch) = 0;

  // Raw key-value access for the engine's other families.
  virtual Status PutRaw(Family family, std::string_view key, std::string_view value) = 0;
  virtual StatusOr<std::string> GetRaw(Family family, std::string_view key) const = 0;
  virtual Status DeleteRaw(Family family, std::string_view key) = 0;
  // Visits keys starting with `prefix` in order, from `start` (inclusive;
  // empty = prefix). The callback returns false to stop.
  virtual Status ScanRaw(Family family, std::string_view prefix, std::string_view start,
                         const std::function<bool(std::string_view key, std::string_view value)>& fn) const = 0;

  // The RocksDB sequence number of the last committed write: indexes saved
  // to disk record it to know whether they are stale.
  virtual uint64_t LatestSequence() const = 0;
  // Approximate bytes on disk.
  virtual uint64_t ApproximateSizeBytes() const = 0;
  // Consistent online copy (RocksDB checkpoint) into `dir`, which must not exist.
  virtual Status Checkpoint(const std::string& dir) const = 0;
  // Flushes memtables and the WAL.
  virtual Status Flush() = 0;
  virtual const ReferenceData& reference() const = 0;
};

}  // namespace ketnoi::engine
