// RocksDB implementation of engine/store.h. Key layout: engine/store_keys.h.
//
// Writes are serialised by one mutex (write_mu_): a write reads what it
// replaces (a facility's previous needs, need owners, link endpoints) and
// numbers its change records, and both must see the writes before it.
// Reads never take the mutex.
#include "engine/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <variant>

#include "engine/codec.h"
#include "engine/reference.h"
#include "engine/store_keys.h"
#include "engine/validate.h"

namespace ketnoi::engine {
namespace {

struct RawPut {
  Family family;
  std::string key, value;
};
struct RawDelete {
  Family family;
  std::string key;
};
struct DeleteEntity {
  EntityKind kind;
  std::string id;
};
struct DeleteLinkOp {
  Link link;
};

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::OK();
  std::string msg = std::string(context) + ": " + s.ToString();
  if (s.IsCorruption()) return Corruption(msg);
  if (s.IsNotFound()) return NotFound(msg);
  if (s.IsInvalidArgument()) return InvalidArgument(msg);
  return IOError(msg);
}

std::string LinkChangeId(const Link& l) {
  return l.from + "/" + std::string(LinkTypeName(l.type)) + "/" + l.to;
}

// Links cursors travel over HTTP: the key's '\0' separators become '/'
// (which ids and type names never contain).
std::string LinkKeyToCursor(std::string key) {
  for (char& c : key) c = c == '\0' ? '/' : c;
  return key;
}
std::string CursorToLinkKey(std::string_view cursor) {
  std::string key(cursor);
  for (char& c : key) c = c == '/' ? '\0' : c;
  return key;
}

std::string_view KindWord(EntityKind k) { return EntityKindName(k); }

}  // namespace

struct WriteBatch::Rep {
  using Op =
      std::variant<Facility, Supplier, Expert, Link, RawPut, RawDelete, DeleteEntity, DeleteLinkOp>;
  std::vector<Op> ops;
};

WriteBatch::WriteBatch() : rep_(std::make_unique<Rep>()) {}
WriteBatch::~WriteBatch() = default;
WriteBatch::WriteBatch(WriteBatch&&) noexcept = default;
WriteBatch& WriteBatch::operator=(WriteBatch&&) noexcept = default;
void WriteBatch::PutFacility(const Facility& f) { rep_->ops.emplace_back(f); }
void WriteBatch::PutSupplier(const Supplier& s) { rep_->ops.emplace_back(s); }
void WriteBatch::PutExpert(const Expert& e) { rep_->ops.emplace_back(e); }
void WriteBatch::PutLink(const Link& l) { rep_->ops.emplace_back(l); }
void WriteBatch::PutRaw(Family family, std::string_view key, std::string_view value) {
  rep_->ops.emplace_back(RawPut{family, std::string(key), std::string(value)});
}
void WriteBatch::DeleteRaw(Family family, std::string_view key) {
  rep_->ops.emplace_back(RawDelete{family, std::string(key)});
}
size_t WriteBatch::Count() const { return rep_->ops.size(); }

class StoreImpl : public Store {
 public:
  ~StoreImpl() override {
    for (auto* h : cf_) {
      if (h != nullptr) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    if (default_cf_ != nullptr) db_->DestroyColumnFamilyHandle(default_cf_).PermitUncheckedError();
    if (db_ != nullptr) db_->Close().PermitUncheckedError();
  }

  static StatusOr<std::unique_ptr<Store>> OpenImpl(const StoreOptions& options);

  Status PutFacility(const Facility& f) override {
    Facility copy = f;
    if (Status s = ValidateFacility(*options_.reference, &copy); !s.ok()) return s;
    WriteBatch b;
    b.rep_->ops.emplace_back(std::move(copy));
    return Write(b);
  }
  Status PutSupplier(const Supplier& s) override {
    Supplier copy = s;
    if (Status st = ValidateSupplier(*options_.reference, &copy); !st.ok()) return st;
    WriteBatch b;
    b.rep_->ops.emplace_back(std::move(copy));
    return Write(b);
  }
  Status PutExpert(const Expert& e) override {
    Expert copy = e;
    if (Status s = ValidateExpert(*options_.reference, &copy); !s.ok()) return s;
    WriteBatch b;
    b.rep_->ops.emplace_back(std::move(copy));
    return Write(b);
  }
  Status PutLink(const Link& l) override {
    if (Status s = ValidateLink(l); !s.ok()) return s;
    WriteBatch b;
    b.rep_->ops.emplace_back(l);
    return Write(b);
  }

  StatusOr<Facility> GetFacility(std::string_view id) const override {
    auto raw = GetRaw(Family::kFacilities, id);
    if (!raw.ok())
      return raw.status().code() == StatusCode::kNotFound
                 ? NotFound("facility '" + std::string(id) + "' not found")
                 : raw.status();
    auto f = DecodeFacility(*raw, JsonForm::kStored, 64);
    if (!f.ok()) return Corruption("facility '" + std::string(id) + "': " + f.status().message());
    return f;
  }
  StatusOr<Supplier> GetSupplier(std::string_view id) const override {
    auto raw = GetRaw(Family::kSuppliers, id);
    if (!raw.ok())
      return raw.status().code() == StatusCode::kNotFound
                 ? NotFound("supplier '" + std::string(id) + "' not found")
                 : raw.status();
    auto s = DecodeSupplier(*raw, JsonForm::kStored, 64);
    if (!s.ok()) return Corruption("supplier '" + std::string(id) + "': " + s.status().message());
    return s;
  }
  StatusOr<Expert> GetExpert(std::string_view id) const override {
    auto raw = GetRaw(Family::kExperts, id);
    if (!raw.ok())
      return raw.status().code() == StatusCode::kNotFound
                 ? NotFound("expert '" + std::string(id) + "' not found")
                 : raw.status();
    auto e = DecodeExpert(*raw, JsonForm::kStored, 64);
    if (!e.ok()) return Corruption("expert '" + std::string(id) + "': " + e.status().message());
    return e;
  }
  StatusOr<std::pair<Need, std::string>> GetNeed(std::string_view need_id) const override {
    auto owner = GetRaw(Family::kNeeds, need_id);
    if (!owner.ok()) {
      return owner.status().code() == StatusCode::kNotFound
                 ? NotFound("need '" + std::string(need_id) + "' not found")
                 : owner.status();
    }
    auto f = GetFacility(*owner);
    if (!f.ok())
      return Corruption("need '" + std::string(need_id) + "': owner: " + f.status().message());
    for (Need& n : f->needs) {
      if (n.id == need_id) return std::make_pair(std::move(n), *owner);
    }
    return Corruption("need '" + std::string(need_id) + "' is indexed under facility '" + *owner +
                      "' which does not list it");
  }

  Status DeleteFacility(std::string_view id) override {
    return DeleteEntityWithLinks(EntityKind::kFacility, id);
  }
  Status DeleteSupplier(std::string_view id) override {
    return DeleteEntityWithLinks(EntityKind::kSupplier, id);
  }
  Status DeleteExpert(std::string_view id) override {
    return DeleteEntityWithLinks(EntityKind::kExpert, id);
  }
  Status DeleteLink(const Link& l) override {
    auto existing = GetRaw(Family::kLinks, keys::LinkKey(l.from, l.type, l.to));
    if (!existing.ok())
      return existing.status().code() == StatusCode::kNotFound
                 ? NotFound("link '" + LinkChangeId(l) + "' not found")
                 : existing.status();
    WriteBatch b;
    b.rep_->ops.emplace_back(DeleteLinkOp{l});
    return Write(b);
  }

  StatusOr<Page<Facility>> ListFacilities(std::string_view cursor, size_t limit) const override {
    return ListPage<Facility>(Family::kFacilities, cursor, limit, [](std::string_view v) {
      return DecodeFacility(v, JsonForm::kStored, 64);
    });
  }
  StatusOr<Page<Supplier>> ListSuppliers(std::string_view cursor, size_t limit) const override {
    return ListPage<Supplier>(Family::kSuppliers, cursor, limit, [](std::string_view v) {
      return DecodeSupplier(v, JsonForm::kStored, 64);
    });
  }
  StatusOr<Page<Expert>> ListExperts(std::string_view cursor, size_t limit) const override {
    return ListPage<Expert>(Family::kExperts, cursor, limit, [](std::string_view v) {
      return DecodeExpert(v, JsonForm::kStored, 64);
    });
  }
  StatusOr<Page<Link>> ListLinks(std::string_view cursor, size_t limit) const override {
    auto page = ListPage<Link>(Family::kLinks, CursorToLinkKey(cursor), limit,
                               [](std::string_view v) { return DecodeLink(v, 64); });
    if (page.ok()) page->next_cursor = LinkKeyToCursor(page->next_cursor);
    return page;
  }

  Status ForEachFacility(const std::function<bool(const Facility&)>& fn) const override {
    return ForEach<Facility>(Family::kFacilities, fn, [](std::string_view v) {
      return DecodeFacility(v, JsonForm::kStored, 64);
    });
  }
  Status ForEachSupplier(const std::function<bool(const Supplier&)>& fn) const override {
    return ForEach<Supplier>(Family::kSuppliers, fn, [](std::string_view v) {
      return DecodeSupplier(v, JsonForm::kStored, 64);
    });
  }
  Status ForEachExpert(const std::function<bool(const Expert&)>& fn) const override {
    return ForEach<Expert>(Family::kExperts, fn, [](std::string_view v) {
      return DecodeExpert(v, JsonForm::kStored, 64);
    });
  }
  Status ForEachLink(const std::function<bool(const Link&)>& fn) const override {
    return ForEach<Link>(Family::kLinks, fn, [](std::string_view v) { return DecodeLink(v, 64); });
  }

  Status Write(WriteBatch& batch) override;

  Status PutRaw(Family family, std::string_view key, std::string_view value) override {
    return FromRocks(db_->Put(write_options_, cf(family), key, value), "put");
  }
  StatusOr<std::string> GetRaw(Family family, std::string_view key) const override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(family), key, &value);
    if (s.IsNotFound())
      return NotFound("key not found in " +
                      std::string(keys::kFamilyNames[static_cast<int>(family)]));
    if (!s.ok()) return FromRocks(s, "get");
    return value;
  }
  Status DeleteRaw(Family family, std::string_view key) override {
    return FromRocks(db_->Delete(write_options_, cf(family), key), "delete");
  }
  Status ScanRaw(Family family, std::string_view prefix, std::string_view start,
                 const std::function<bool(std::string_view, std::string_view)>& fn) const override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(family)));
    std::string_view from = start.empty() || start < prefix ? prefix : start;
    for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      if (key.substr(0, prefix.size()) != prefix) break;
      if (!fn(key, std::string_view(it->value().data(), it->value().size()))) break;
    }
    return FromRocks(it->status(), "scan");
  }

  uint64_t LatestSequence() const override { return db_->GetLatestSequenceNumber(); }
  uint64_t ApproximateSizeBytes() const override {
    uint64_t total = 0;
    for (auto* h : cf_) {
      uint64_t v = 0;
      if (db_->GetIntProperty(h, "rocksdb.total-sst-files-size", &v)) total += v;
      if (db_->GetIntProperty(h, "rocksdb.cur-size-all-mem-tables", &v)) total += v;
    }
    return total;
  }
  Status Checkpoint(const std::string& dir) const override {
    rocksdb::Checkpoint* raw = nullptr;
    if (Status s = FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "checkpoint"); !s.ok())
      return s;
    std::unique_ptr<rocksdb::Checkpoint> cp(raw);
    return FromRocks(cp->CreateCheckpoint(dir), "checkpoint into " + dir);
  }
  Status Flush() override {
    if (Status s = FromRocks(db_->Flush(rocksdb::FlushOptions(), cf_), "flush"); !s.ok()) return s;
    return FromRocks(db_->FlushWAL(true), "flush WAL");
  }
  const ReferenceData& reference() const override { return *options_.reference; }

 private:
  class Committer;

  rocksdb::ColumnFamilyHandle* cf(Family f) const { return cf_[static_cast<int>(f)]; }

  template <typename T, typename Decode>
  StatusOr<Page<T>> ListPage(Family family, std::string_view cursor, size_t limit,
                             Decode decode) const {
    Page<T> page;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(family)));
    it->Seek(rocksdb::Slice(cursor.data(), cursor.size()));
    if (it->Valid() && !cursor.empty() && it->key() == rocksdb::Slice(cursor.data(), cursor.size()))
      it->Next();
    std::string last;
    for (; it->Valid(); it->Next()) {
      if (page.items.size() == limit) {
        page.next_cursor = last;
        break;
      }
      auto rec = decode(std::string_view(it->value().data(), it->value().size()));
      if (!rec.ok())
        return Corruption("record '" + it->key().ToString() + "': " + rec.status().message());
      page.items.push_back(std::move(*rec));
      last = it->key().ToString();
    }
    if (Status s = FromRocks(it->status(), "list"); !s.ok()) return s;
    return page;
  }

  template <typename T, typename Decode>
  Status ForEach(Family family, const std::function<bool(const T&)>& fn, Decode decode) const {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(family)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto rec = decode(std::string_view(it->value().data(), it->value().size()));
      if (!rec.ok())
        return Corruption("record '" + it->key().ToString() + "': " + rec.status().message());
      if (!fn(*rec)) break;
    }
    return FromRocks(it->status(), "scan");
  }

  // Deletes an entity, its needs (facility) and every link from or to it,
  // in one atomic write. Links to it are found by a full scan of the links
  // family: deletes cost O(links).
  Status DeleteEntityWithLinks(EntityKind kind, std::string_view id) {
    WriteBatch b;
    Status scan = ForEachLink([&](const Link& l) {
      if (l.from == id || l.to == id) b.rep_->ops.emplace_back(DeleteLinkOp{l});
      return true;
    });
    if (!scan.ok()) return scan;
    b.rep_->ops.emplace_back(DeleteEntity{kind, std::string(id)});
    return Write(b);
  }

  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cf_;  // indexed by Family
  rocksdb::ColumnFamilyHandle* default_cf_ = nullptr;
  rocksdb::WriteOptions write_options_;

  std::mutex write_mu_;
  uint64_t next_change_ = 1;  // GUARDED_BY(write_mu_)
};

// Turns the ops of one WriteBatch into one rocksdb::WriteBatch, checking them
// against the store as it will be after the ops before them in the batch (the
// overlay maps), so a batch may create a facility and link to it.
class StoreImpl::Committer {
 public:
  explicit Committer(StoreImpl* store) : store_(store), next_change_(store->next_change_) {}

  Status Apply(WriteBatch::Rep::Op& op) {
    return std::visit([this](auto& v) { return Do(v); }, op);
  }
  rocksdb::WriteBatch& batch() { return wb_; }
  uint64_t next_change() const { return next_change_; }

 private:
  using Kind = std::optional<EntityKind>;

  void Put(Family f, std::string_view k, std::string_view v) {
    wb_.Put(store_->cf(f), k, v).PermitUncheckedError();
  }
  void Del(Family f, std::string_view k) { wb_.Delete(store_->cf(f), k).PermitUncheckedError(); }

  void Change(std::string_view kind, std::string_view id, std::string_view op) {
    // Ids are validated ASCII without quotes or backslashes: no escaping needed.
    std::string v = "{\"kind\":\"" + std::string(kind) + "\",\"id\":\"" + std::string(id) +
                    "\",\"op\":\"" + std::string(op) + "\"}";
    Put(Family::kChanges, keys::EncodeBigEndian64(next_change_++), v);
  }

  bool Exists(Family f, const std::string& key) {
    std::string ignored;
    return store_->db_->Get(rocksdb::ReadOptions(), store_->cf(f), key, &ignored).ok();
  }

  // The kind of the entity with this id, after the ops applied so far.
  Kind KindOf(const std::string& id) {
    if (auto it = kinds_.find(id); it != kinds_.end()) return it->second;
    Kind k;
    if (Exists(Family::kFacilities, id))
      k = EntityKind::kFacility;
    else if (Exists(Family::kSuppliers, id))
      k = EntityKind::kSupplier;
    else if (Exists(Family::kExperts, id))
      k = EntityKind::kExpert;
    kinds_[id] = k;
    return k;
  }

  StatusOr<std::vector<std::string>> NeedsOf(const std::string& facility_id) {
    if (auto it = needs_.find(facility_id); it != needs_.end()) return it->second;
    std::vector<std::string> ids;
    auto f = store_->GetFacility(facility_id);
    if (f.ok()) {
      for (const Need& n : f->needs) ids.push_back(n.id);
    } else if (f.status().code() != StatusCode::kNotFound) {
      return f.status();
    }
    return ids;
  }

  std::string OwnerOf(const std::string& need_id) {
    if (auto it = owners_.find(need_id); it != owners_.end()) return it->second;
    std::string owner;
    if (!store_->db_->Get(rocksdb::ReadOptions(), store_->cf(Family::kNeeds), need_id, &owner)
             .ok()) {
      owner.clear();
    }
    return owner;
  }

  Status CheckKind(const std::string& id, EntityKind kind) {
    if (Status s = ValidateId(id, "id"); !s.ok()) return s;
    Kind k = KindOf(id);
    if (k && *k != kind) {
      return AlreadyExists("id '" + id + "' is already used by a " + std::string(KindWord(*k)) +
                           "; it cannot also be a " + std::string(KindWord(kind)));
    }
    return Status::OK();
  }

  Status Do(Facility& f) {
    if (Status s = CheckKind(f.id, EntityKind::kFacility); !s.ok()) return s;
    auto old = NeedsOf(f.id);
    if (!old.ok()) return old.status();
    std::vector<std::string> now;
    for (const Need& n : f.needs) {
      if (Status s = ValidateId(n.id, "needs.id"); !s.ok()) return s;
      std::string owner = OwnerOf(n.id);
      if (!owner.empty() && owner != f.id) {
        return AlreadyExists("need '" + n.id + "' of facility '" + f.id +
                             "' already belongs to facility '" + owner + "'");
      }
      now.push_back(n.id);
    }
    for (const std::string& o : *old) {
      if (std::find(now.begin(), now.end(), o) == now.end()) {
        Del(Family::kNeeds, o);
        owners_[o] = "";
      }
    }
    for (const std::string& n : now) {
      Put(Family::kNeeds, n, f.id);
      owners_[n] = f.id;
    }
    Put(Family::kFacilities, f.id, EncodeFacility(f, JsonForm::kStored));
    kinds_[f.id] = EntityKind::kFacility;
    needs_[f.id] = std::move(now);
    Change("facility", f.id, "put");
    return Status::OK();
  }
  Status Do(Supplier& s) {
    if (Status st = CheckKind(s.id, EntityKind::kSupplier); !st.ok()) return st;
    Put(Family::kSuppliers, s.id, EncodeSupplier(s, JsonForm::kStored));
    kinds_[s.id] = EntityKind::kSupplier;
    Change("supplier", s.id, "put");
    return Status::OK();
  }
  Status Do(Expert& e) {
    if (Status s = CheckKind(e.id, EntityKind::kExpert); !s.ok()) return s;
    Put(Family::kExperts, e.id, EncodeExpert(e, JsonForm::kStored));
    kinds_[e.id] = EntityKind::kExpert;
    Change("expert", e.id, "put");
    return Status::OK();
  }
  Status Do(Link& l) {
    if (Status s = ValidateLink(l); !s.ok()) return s;
    for (const std::string* end : {&l.from, &l.to}) {
      if (!KindOf(*end)) {
        return NotFound("link " + std::string(end == &l.from ? "from" : "to") + " '" + *end +
                        "': no facility, supplier or expert has this id");
      }
    }
    Put(Family::kLinks, keys::LinkKey(l.from, l.type, l.to), EncodeLink(l));
    Change("link", LinkChangeId(l), "put");
    return Status::OK();
  }
  Status Do(RawPut& r) {
    Put(r.family, r.key, r.value);
    return Status::OK();
  }
  Status Do(RawDelete& r) {
    Del(r.family, r.key);
    return Status::OK();
  }
  Status Do(DeleteEntity& d) {
    Kind k = KindOf(d.id);
    if (!k || *k != d.kind) {
      return NotFound(std::string(KindWord(d.kind)) + " '" + d.id + "' not found");
    }
    if (d.kind == EntityKind::kFacility) {
      auto old = NeedsOf(d.id);
      if (!old.ok()) return old.status();
      for (const std::string& n : *old) {
        Del(Family::kNeeds, n);
        owners_[n] = "";
      }
      needs_[d.id] = {};
    }
    Family f = d.kind == EntityKind::kFacility   ? Family::kFacilities
               : d.kind == EntityKind::kSupplier ? Family::kSuppliers
                                                 : Family::kExperts;
    Del(f, d.id);
    kinds_[d.id] = std::nullopt;
    Change(KindWord(d.kind), d.id, "delete");
    return Status::OK();
  }
  Status Do(DeleteLinkOp& d) {
    Del(Family::kLinks, keys::LinkKey(d.link.from, d.link.type, d.link.to));
    Change("link", LinkChangeId(d.link), "delete");
    return Status::OK();
  }

  StoreImpl* store_;
  uint64_t next_change_;
  rocksdb::WriteBatch wb_;
  std::unordered_map<std::string, Kind> kinds_;
  std::unordered_map<std::string, std::vector<std::string>> needs_;
  std::unordered_map<std::string, std::string> owners_;  // "" = no owner
};

Status StoreImpl::Write(WriteBatch& batch) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Committer c(this);
  for (auto& op : batch.rep_->ops) {
    if (Status s = c.Apply(op); !s.ok()) return s;
  }
  if (Status s = FromRocks(db_->Write(write_options_, &c.batch()), "write"); !s.ok()) return s;
  next_change_ = c.next_change();
  return Status::OK();
}

StatusOr<std::unique_ptr<Store>> StoreImpl::OpenImpl(const StoreOptions& options) {
  namespace fs = std::filesystem;
  if (options.reference == nullptr) return InvalidArgument("StoreOptions.reference is required");
  if (options.path.empty()) return InvalidArgument("StoreOptions.path is required");
  const std::string& path = options.path;
  std::error_code ec;
  bool is_rocksdb = fs::exists(fs::path(path) / "CURRENT", ec);
  bool fresh = false;
  if (!is_rocksdb) {
    if (fs::exists(path, ec)) {
      if (!fs::is_directory(path, ec))
        return Corruption("not a ketnoi store: " + path + " is not a directory");
      if (!fs::is_empty(path, ec)) {
        return Corruption("not a ketnoi store: " + path +
                          " holds other files and no RocksDB database");
      }
    }
    if (!options.create_if_missing) return NotFound("no store at " + path);
    fresh = true;
  }

  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf_options(db_options);
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // LZ4 rather than RocksDB's default Snappy: the same size on our records
  // (gen-100k store 1.5 GB either way, 4.4 GB uncompressed) and faster to
  // decompress, which a materialised read does for its whole list
  // (docs/store.md). Files written before keep their compression.
  cf_options.compression = rocksdb::kLZ4Compression;

  if (!fresh) {
    std::vector<std::string> existing;
    rocksdb::Status ls = rocksdb::DB::ListColumnFamilies(db_options, path, &existing);
    if (!ls.ok()) return Corruption("not a readable ketnoi store: " + path + ": " + ls.ToString());
    if (std::find(existing.begin(), existing.end(), std::string(keys::kFamilyNames[0])) ==
        existing.end()) {
      return Corruption("not a ketnoi store: " + path +
                        " is a RocksDB database without the 'meta' family");
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (std::string_view name : keys::kFamilyNames)
    descriptors.emplace_back(std::string(name), cf_options);

  auto store = std::unique_ptr<StoreImpl>(new StoreImpl());
  store->options_ = options;
  store->write_options_.sync = options.sync_writes;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path, descriptors, &handles, &raw);
  if (!s.ok()) {
    if (s.IsCorruption()) return Corruption("corrupt store " + path + ": " + s.ToString());
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return IOError("store " + path + " is in use by another process: " + s.ToString());
    }
    return IOError("cannot open store " + path + ": " + s.ToString());
  }
  store->db_.reset(raw);
  store->default_cf_ = handles[0];
  store->cf_.assign(handles.begin() + 1, handles.end());

  // The meta family: marker and schema version.
  auto format = store->GetRaw(Family::kMeta, keys::kFormatKey);
  if (fresh) {
    rocksdb::WriteBatch meta;
    meta.Put(store->cf(Family::kMeta), keys::kFormatKey, keys::kFormatValue).PermitUncheckedError();
    meta.Put(store->cf(Family::kMeta), keys::kSchemaVersionKey, std::to_string(kSchemaVersion))
        .PermitUncheckedError();
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (Status st = FromRocks(store->db_->Write(wo, &meta), "write schema version"); !st.ok())
      return st;
  } else {
    if (!format.ok() || *format != keys::kFormatValue) {
      return Corruption("not a ketnoi store: " + path + " has no ketnoi format marker");
    }
    auto version = store->GetRaw(Family::kMeta, keys::kSchemaVersionKey);
    if (!version.ok()) return Corruption("store " + path + " has no schema version");
    char* end = nullptr;
    unsigned long v = std::strtoul(version->c_str(), &end, 10);
    if (version->empty() || *end != '\0') {
      return Corruption("store " + path + " has an unreadable schema version '" + *version + "'");
    }
    if (v > kSchemaVersion) {
      return FailedPrecondition("store " + path + " has schema version " + std::to_string(v) +
                                ", newer than this build of ketnoi understands (" +
                                std::to_string(kSchemaVersion) + "); use a newer ketnoi");
    }
  }

  // The change log continues after its last record.
  std::unique_ptr<rocksdb::Iterator> it(
      store->db_->NewIterator(rocksdb::ReadOptions(), store->cf(Family::kChanges)));
  it->SeekToLast();
  if (it->Valid())
    store->next_change_ =
        keys::DecodeBigEndian64(std::string_view(it->key().data(), it->key().size())) + 1;
  return std::unique_ptr<Store>(std::move(store));
}

StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  return StoreImpl::OpenImpl(options);
}

}  // namespace ketnoi::engine
