// Index persistence across Engine sessions (engine/matcher_persist.cc):
// load instead of rebuild, catch-up from the change log, damaged or stale
// saves rebuilt.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <system_error>
#include <vector>

#include "engine/engine.h"
#include "engine/matcher.h"
#include "engine/store.h"
#include "test_util.h"

namespace ketnoi::engine {
namespace {

namespace fs = std::filesystem;

// Removes the directories the tests made when the process ends.
struct Cleanup {
  std::vector<std::string> dirs;
  ~Cleanup() {
    std::error_code ec;
    for (const auto& d : dirs) fs::remove_all(d, ec);
  }
};
Cleanup cleanup;

// A fresh directory unique to the running test and process (other build
// directories may run the same test at the same time).
std::string TempPath(const std::string& tag) {
  std::string p = testing_util::TempPath(tag + "_" + std::to_string(::getpid()));
  cleanup.dirs.push_back(p);
  return p;
}

struct Session {
  bool load = true;
  bool save_on_close = true;
  int dim = 128;
  std::string data_dir;
};

std::unique_ptr<Engine> Open(const std::string& db, Session s = {}) {
  EngineOptions o;
  o.db = db;
  o.build_graph = false;
  o.load_indexes = s.load;
  o.save_indexes_on_close = s.save_on_close;
  o.dim = s.dim;
  o.data_dir = s.data_dir;
  auto e = Engine::Open(o);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? std::move(*e) : nullptr;
}

void ImportDemo(Engine* e) {
  ImportReport report;
  Status s = e->Import(std::string(KETNOI_DATA_DIR) + "/demo", ImportOptions{}, &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

// What an engine serves: ad-hoc searches of both kinds and the live match
// list of every need, as (query, id) -> score.
using Results = std::map<std::pair<std::string, std::string>, double>;

Results Serve(Engine& e) {
  Results out;
  auto m = e.matcher();
  const char* texts[] = {"máy sấy chè 300 kg/giờ", "may say che", "tea dryer",
                         "dây chuyền tinh bột sắn", "tư vấn VietGAP", "kho lạnh thủy sản",
                         "máy dệt thổ cẩm", "CNC wood cutting"};
  for (const char* t : texts) {
    for (TargetKind kind : {TargetKind::kSupplier, TargetKind::kExpert}) {
      SearchRequest req;
      req.text = t;
      req.kind = kind;
      req.k = 10;
      req.filters.min_score = -10;
      auto list = m->Search(req);
      EXPECT_TRUE(list.ok()) << list.status().ToString();
      if (!list.ok()) continue;
      for (const auto& item : list->items) {
        out[{std::string(t) + "/" + std::string(TargetKindName(kind)), item.id}] =
            item.explanation.score;
      }
    }
  }
  Status s = e.store().ForEachFacility([&](const Facility& f) {
    for (const Need& n : f.needs) {
      MatchRequest req;
      req.need_id = n.id;
      req.k = 10;
      req.filters.min_score = -10;
      auto list = m->Match(req);
      EXPECT_TRUE(list.ok()) << n.id << ": " << list.status().ToString();
      if (!list.ok()) continue;
      for (const auto& item : list->items) out[{n.id, item.id}] = item.explanation.score;
    }
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

void ExpectSame(const Results& a, const Results& b, double tolerance = 1e-5) {
  EXPECT_EQ(a.size(), b.size());
  size_t differ = 0;
  for (const auto& [key, score] : a) {
    auto it = b.find(key);
    if (it == b.end() || std::abs(it->second - score) > tolerance) {
      if (++differ <= 5) {
        ADD_FAILURE() << key.first << " -> " << key.second << ": " << score << " vs "
                      << (it == b.end() ? std::string("absent") : std::to_string(it->second));
      }
    }
  }
  EXPECT_EQ(differ, 0u);
}

IndexLoadReport Report(Engine& e) { return e.matcher()->Stats().index; }

void FlipByte(const std::string& path, size_t at) {
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.read(&c, 1);
  c ^= 0x21;
  f.seekp(static_cast<std::streamoff>(at));
  f.write(&c, 1);
}

class IndexPersistence : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = TempPath("db");
    auto e = Open(db_);
    ASSERT_NE(e, nullptr);
    EXPECT_FALSE(Report(*e).loaded);  // nothing saved yet
    ImportDemo(e.get());
    ASSERT_OK(e->SaveIndexes());
    saved_ = Serve(*e);
    ASSERT_FALSE(saved_.empty());
    ASSERT_TRUE(fs::exists(db_ + "/index/suppliers/MANIFEST"));
  }
  std::string db_;
  Results saved_;
};

TEST_F(IndexPersistence, ReopenLoadsTheSavedIndexesAndServesTheSame) {
  auto e = Open(db_);
  ASSERT_NE(e, nullptr);
  IndexLoadReport r = Report(*e);
  EXPECT_TRUE(r.loaded) << r.rebuild_reason;
  EXPECT_EQ(r.documents_caught_up, 0u);
  EXPECT_EQ(r.documents_unlogged, 0u);
  ExpectSame(saved_, Serve(*e), 0);
}

TEST_F(IndexPersistence, CatchesUpWithWritesOfASessionThatDidNotSave) {
  Results before_close;
  {
    auto e = Open(db_, {.save_on_close = false});  // ends like a killed process
    ASSERT_NE(e, nullptr);
    ASSERT_TRUE(Report(*e).loaded);
    Supplier s;
    s.id = "S900";
    s.name = "Cơ khí Tân Cương";
    s.province = "Thái Nguyên";
    s.serves = {"Thái Nguyên"};
    s.text = "Máy sấy chè băng tải 300 kg/giờ đốt củi, máy vò chè, lắp đặt tại Thái Nguyên";
    ASSERT_OK(e->PutSupplier(s));
    auto old = e->store().GetSupplier("S001");
    ASSERT_TRUE(old.ok());
    Supplier changed = *old;
    changed.text = "Chuyên máy dệt thổ cẩm và khung dệt thủ công";
    ASSERT_OK(e->PutSupplier(changed));
    ASSERT_OK(e->DeleteSupplier("S002"));
    ASSERT_OK(e->DeleteExpert("E001"));
    auto f = e->store().GetFacility("F001");
    ASSERT_TRUE(f.ok());
    f->needs[0].text = "Cần kho lạnh bảo quản chè thành phẩm 20 tấn";
    Need extra;
    extra.id = "N900";
    extra.kind = NeedKind::kEquipment;
    extra.text = "Cần máy đóng gói chè túi lọc";
    f->needs.push_back(extra);
    ASSERT_OK(e->PutFacility(*f));
    before_close = Serve(*e);
  }
  auto e = Open(db_);
  ASSERT_NE(e, nullptr);
  IndexLoadReport r = Report(*e);
  EXPECT_TRUE(r.loaded) << r.rebuild_reason;
  EXPECT_GE(r.changes_replayed, 5u);
  // S900, S001, S002, E001, N001 (changed), N900
  EXPECT_EQ(r.documents_caught_up, 6u);
  EXPECT_EQ(r.documents_unlogged, 0u);
  EXPECT_EQ(r.collections_rebuilt, 0u);
  ExpectSame(before_close, Serve(*e));
  // The materialised lists agree with what the caught-up indexes serve.
  MatchRequest req;
  req.need_id = "N900";
  req.k = 30;
  auto live = e->matcher()->Match(req);
  auto stored = e->matcher()->Materialized("N900", TargetKind::kSupplier);
  ASSERT_TRUE(live.ok() && stored.ok());
  ASSERT_EQ(live->items.size(), stored->items.size());
  for (size_t i = 0; i < live->items.size(); ++i) {
    EXPECT_EQ(live->items[i].id, stored->items[i].id);
  }
}

TEST_F(IndexPersistence, WritesThatMissedTheirIndexUpdateAreCaughtUp) {
  // Written to the store only, as a crash between the store write and the
  // index update leaves it; one of them even bypasses the change log.
  {
    auto e = Open(db_, {.save_on_close = false});
    ASSERT_NE(e, nullptr);
    Supplier s;
    s.id = "S901";
    s.name = "Kho lạnh Miền Tây";
    s.province = "Cần Thơ";
    s.text = "Kho lạnh Xylofrost bảo quản thủy sản đông lạnh, hầm đông IQF";
    ASSERT_OK(e->store().PutSupplier(s));
    auto raw = e->store().GetRaw(Family::kSuppliers, "S003");
    ASSERT_TRUE(raw.ok());
    std::string json = *raw;
    size_t at = json.find("\"text\":\"");
    ASSERT_NE(at, std::string::npos) << json;
    json.insert(at + 8, "Máy dệt Zorbatex. ");
    ASSERT_OK(e->store().PutRaw(Family::kSuppliers, "S003", json));
  }
  auto e = Open(db_);
  ASSERT_NE(e, nullptr);
  IndexLoadReport r = Report(*e);
  EXPECT_TRUE(r.loaded) << r.rebuild_reason;
  EXPECT_EQ(r.documents_caught_up, 2u);
  EXPECT_EQ(r.documents_unlogged, 1u);  // S003: no change record, found by its hash
  auto first_for = [&](const std::string& text) {
    SearchRequest req;
    req.text = text;
    req.k = 10;
    req.filters.min_score = -10;
    auto found = e->matcher()->Search(req);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() && !found->items.empty() ? found->items[0].id : std::string();
  };
  EXPECT_EQ(first_for("xylofrost"), "S901");
  EXPECT_EQ(first_for("zorbatex"), "S003");
  // The lists were recomputed: the change log was ahead of them.
  auto lists = e->store().GetRaw(Family::kMeta, "matches_change");
  ASSERT_TRUE(lists.ok());
  EXPECT_EQ(std::stoull(*lists), r.saved_change + r.changes_replayed);
}

TEST_F(IndexPersistence, DamagedIndexFilesAreRebuiltFromTheStore) {
  Results fresh;
  {
    auto e = Open(db_, {.load = false, .save_on_close = false});
    fresh = Serve(*e);
  }
  struct Damage {
    const char* file;
    bool truncate;
  };
  for (Damage d : {Damage{"suppliers/documents", false}, Damage{"experts/vectors", true}}) {
    {
      auto e = Open(db_);  // a good save to damage
      ASSERT_OK(e->SaveIndexes());
    }
    std::string path = db_ + "/index/" + d.file;
    if (d.truncate) {
      fs::resize_file(path, fs::file_size(path) - 100);
    } else {
      FlipByte(path, fs::file_size(path) / 2);
    }
    auto e = Open(db_, {.save_on_close = false});
    ASSERT_NE(e, nullptr);
    IndexLoadReport r = Report(*e);
    EXPECT_FALSE(r.loaded) << d.file;
    EXPECT_NE(r.rebuild_reason.find("corruption"), std::string::npos) << r.rebuild_reason;
    ExpectSame(fresh, Serve(*e), 1e-6);
  }
}

TEST_F(IndexPersistence, ChangedDimensionOrLexiconRebuilds) {
  {
    auto e = Open(db_, {.dim = 64});
    IndexLoadReport r = Report(*e);
    EXPECT_FALSE(r.loaded);
    EXPECT_NE(r.rebuild_reason.find("fingerprint"), std::string::npos) << r.rebuild_reason;
  }
  {
    auto e = Open(db_, {.dim = 64});  // saved with 64 at the close above
    EXPECT_TRUE(Report(*e).loaded) << Report(*e).rebuild_reason;
  }
  std::string data = TempPath("data");
  fs::copy(KETNOI_DATA_DIR, data, fs::copy_options::recursive);
  {
    std::ofstream tsv(data + "/lexicon/zz_test.tsv");
    tsv << "id\tcategory\tvi\ten\tvariants\tbroader\n"
        << "test.gadget\tequipment\tmáy thử nghiệm\ttest gadget\t\t\n";
  }
  auto e = Open(db_, {.dim = 64, .data_dir = data});
  ASSERT_NE(e, nullptr);
  IndexLoadReport r = Report(*e);
  EXPECT_FALSE(r.loaded);
  EXPECT_NE(r.rebuild_reason.find("fingerprint"), std::string::npos) << r.rebuild_reason;
}

TEST_F(IndexPersistence, IndexesNewerThanTheStoreAreRebuilt) {
  {
    auto e = Open(db_);
    Supplier s;
    s.id = "S902";
    s.name = "Cơ khí Hòa Bình";
    s.province = "Hòa Bình";
    s.text = "Máy cưa gỗ CNC";
    ASSERT_OK(e->PutSupplier(s));
  }  // saved at close, past the other store's log
  std::string other = TempPath("other");
  {
    auto e = Open(other);
    ImportDemo(e.get());
  }
  fs::remove_all(other + "/index");
  fs::copy(db_ + "/index", other + "/index", fs::copy_options::recursive);
  auto e = Open(other, {.save_on_close = false});
  ASSERT_NE(e, nullptr);
  IndexLoadReport r = Report(*e);
  EXPECT_FALSE(r.loaded);
  EXPECT_NE(r.rebuild_reason.find("older than the indexes"), std::string::npos)
      << r.rebuild_reason;
  auto found = e->store().GetSupplier("S902");
  EXPECT_FALSE(found.ok());
  EXPECT_EQ(e->matcher()->Stats().suppliers, 96u);
}

}  // namespace
}  // namespace ketnoi::engine
