// Index persistence, timed: Matcher::Open building every retriever from the
// store vs loading the saved ones (and catching up after writes).
//
//   persist_bench DATASET_DIR WORK_DIR [UPDATES]
//
// Imports DATASET_DIR into WORK_DIR/db when that store does not exist yet,
// then prints one line per step: build from the store, save, load with
// nothing to catch up, load after UPDATES supplier updates (default 1% of
// the suppliers) written to the store only. The materialised lists are
// marked current first, so every Open times the indexes alone (Matcher::Open
// otherwise recomputes stale lists, which costs the same on both paths).
// One-shot wall-clock times: run it on a quiet machine, or report the load.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "engine/dataset.h"
#include "engine/matcher.h"
#include "engine/reference.h"
#include "engine/store.h"
#include "engine/store_keys.h"
#include "indexer/lexicon.h"

namespace {

using namespace ketnoi;
using namespace ketnoi::engine;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int Die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "persist_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

// Marks the materialised lists current (see the header comment).
Status MarkListsCurrent(Store& store) {
  uint64_t last = 0;
  Status s = store.ScanRaw(Family::kChanges, "", "", [&](std::string_view key, std::string_view) {
    last = keys::DecodeBigEndian64(key);
    return true;
  });
  if (!s.ok()) return s;
  s = store.PutRaw(Family::kMatches, std::string("\x01persist_bench", 14), "{}");
  if (!s.ok()) return s;
  return store.PutRaw(Family::kMeta, "matches_change", std::to_string(last));
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: persist_bench DATASET_DIR WORK_DIR [UPDATES]\n");
    return 2;
  }
  const std::string dataset = argv[1], work = argv[2];
  const std::string db = work + "/db", index = work + "/index";
  auto ref = ReferenceData::Load(DefaultDataDir());
  if (!ref.ok()) return Die("reference data", ref.status());
  auto lexicon = indexer::Lexicon::Load(DefaultDataDir() + "/lexicon");
  if (!lexicon.ok()) return Die("lexicon", lexicon.status());
  const bool fresh = !std::filesystem::exists(db);
  StoreOptions so;
  so.path = db;
  so.reference = ref->get();
  auto store = Store::Open(so);
  if (!store.ok()) return Die("store", store.status());
  if (fresh) {
    auto t = Clock::now();
    ImportReport report;
    Status s = ImportDataset(store->get(), dataset, ImportOptions{}, &report);
    if (!s.ok()) return Die("import", s);
    std::printf("import: %s (%.1f s)\n", report.Summary().c_str(), Since(t));
  }
  MatcherOptions mo;
  mo.store = store->get();
  mo.lexicon = lexicon->get();
  auto open = [&](bool load, const char* what) -> std::unique_ptr<Matcher> {
    if (Status s = MarkListsCurrent(**store); !s.ok()) {
      Die("lists", s);
      return nullptr;
    }
    MatcherOptions o = mo;
    if (load) o.index_dir = index;
    auto t = Clock::now();
    auto m = Matcher::Open(o);
    double secs = Since(t);
    if (!m.ok()) {
      Die(what, m.status());
      return nullptr;
    }
    MatcherStats st = (*m)->Stats();
    std::printf("%-34s %7.2f s  (%zu suppliers, %zu experts, %zu needs; loaded=%d, %zu changes, "
                "%zu documents caught up, %zu relearned)\n",
                what, secs, st.suppliers, st.experts, st.needs, st.index.loaded ? 1 : 0,
                st.index.changes_replayed, st.index.documents_caught_up,
                st.index.collections_rebuilt);
    return std::move(*m);
  };

  std::filesystem::remove_all(index);
  auto built = open(false, "open, build from the store");
  if (!built) return 1;
  auto t = Clock::now();
  auto saved = built->SaveIndexes(index);
  if (!saved.ok()) return Die("save", saved.status());
  std::printf("%-34s %7.2f s  (%.1f MiB in %s)\n", "save", Since(t),
              DirBytes(index) / 1048576.0, index.c_str());
  built.reset();
  if (!open(true, "open, load (nothing to catch up)")) return 1;

  // Supplier updates written to the store alone, as by a session that
  // ended without saving.
  std::vector<Supplier> suppliers;
  Status s = (*store)->ForEachSupplier([&](const Supplier& r) {
    suppliers.push_back(r);
    return true;
  });
  if (!s.ok()) return Die("scan", s);
  size_t updates = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : suppliers.size() / 100;
  updates = std::min(updates, suppliers.size());
  for (size_t i = 0; i < updates; ++i) {
    Supplier r = suppliers[i * suppliers.size() / std::max<size_t>(1, updates)];
    r.text += " Nhận bảo trì định kỳ.";
    s = (*store)->PutSupplier(r);
    if (!s.ok()) return Die("update", s);
  }
  std::string what = "open, load + catch up " + std::to_string(updates) + " updates";
  if (!open(true, what.c_str())) return 1;
  return 0;
}
