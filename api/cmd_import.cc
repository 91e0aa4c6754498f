// `ketnoi import --db DIR DATASET_DIR [--skip-bad]`: engine::ImportDataset
// with a progress bar and a summary line on stderr.
// Exit codes: 0 imported; 2 bad input (a bad line, a missing dataset
// directory), nothing stored unless --skip-bad; 1 runtime error.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "api/commands.h"
#include "engine/dataset.h"
#include "engine/engine.h"
#include "engine/reference.h"
#include "engine/store.h"

namespace ketnoi::api {
namespace {

// Exit code for a failed Status: 2 for bad input, 1 for everything else.
int ExitCode(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kOutOfRange:
    case StatusCode::kResourceExhausted:
      return 2;
    default:
      return 1;
  }
}

// Draws "[#####.....]  45%" on stderr, only when stderr is a terminal and the
// import has run for more than a second; redrawn at most every 100 ms.
class ProgressBar {
 public:
  ProgressBar() : enabled_(isatty(STDERR_FILENO) == 1), start_(Clock::now()), last_(start_) {}
  ~ProgressBar() { Clear(); }

  void Update(size_t done, size_t total) {
    if (!enabled_ || total == 0) return;
    auto now = Clock::now();
    if (now - start_ < std::chrono::seconds(1)) return;
    if (drawn_ && done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    constexpr int kWidth = 40;
    int filled = static_cast<int>(kWidth * done / total);
    std::string bar(filled, '#');
    bar.append(kWidth - filled, '.');
    std::fprintf(stderr, "\rimporting [%s] %3d%%", bar.c_str(),
                 static_cast<int>(100 * done / total));
    std::fflush(stderr);
    drawn_ = true;
  }
  void Clear() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point start_, last_;
};

}  // namespace

int RunImport(const ImportArgs& args) {
  auto ref = engine::ReferenceData::Load(engine::DefaultDataDir());
  if (!ref.ok()) {
    std::fprintf(stderr, "ketnoi import: reference data: %s\n", ref.status().ToString().c_str());
    return 1;
  }
  engine::StoreOptions store_options;
  store_options.path = args.db;
  store_options.reference = ref->get();
  auto store = engine::Store::Open(store_options);
  if (!store.ok()) {
    std::fprintf(stderr, "ketnoi import: %s\n", store.status().ToString().c_str());
    return 1;
  }
  ProgressBar bar;
  engine::ImportOptions options;
  options.skip_bad = args.skip_bad;
  options.progress = [&bar](size_t done, size_t total) { bar.Update(done, total); };
  engine::ImportReport report;
  Status s = engine::ImportDataset(store->get(), args.dataset_dir, options, &report);
  bar.Clear();
  for (const std::string& e : report.errors) std::fprintf(stderr, "%s\n", e.c_str());
  if (report.bad_lines > report.errors.size()) {
    std::fprintf(stderr, "... and %zu more bad lines\n", report.bad_lines - report.errors.size());
  }
  if (!s.ok()) {
    if (report.errors.empty()) std::fprintf(stderr, "ketnoi import: %s\n", s.ToString().c_str());
    std::fprintf(stderr, "%s\n", report.Summary().c_str());
    std::fprintf(stderr, "ketnoi import: nothing stored%s\n",
                 report.bad_lines > 0 ? " (use --skip-bad to store the good lines)" : "");
    return ExitCode(s);
  }
  std::fprintf(stderr, "%s\n", report.Summary().c_str());
  if (args.no_index) return 0;
  // The indexes (and the materialised lists) are brought up to the store
  // and saved now, so that the next `ketnoi serve` loads them instead of
  // rebuilding.
  store->reset();  // the engine opens the store itself
  auto start = std::chrono::steady_clock::now();
  engine::EngineOptions engine_options;
  engine_options.db = args.db;
  engine_options.stale_lists =
      args.lists == "later" ? engine::StaleLists::kOnRead : engine::StaleLists::kNow;
  auto eng = engine::Engine::Open(engine_options);
  Status saved = eng.ok() ? (*eng)->SaveIndexes() : eng.status();
  if (!saved.ok()) {
    std::fprintf(stderr, "ketnoi import: records stored, indexes not saved: %s\n",
                 saved.ToString().c_str());
    return 1;
  }
  engine::IndexLoadReport index = (*eng)->matcher()->Stats().index;
  std::fprintf(stderr, "indexes %s and saved in %s; %.2f s\n",
               index.loaded ? "caught up" : "built", (*eng)->IndexDir().c_str(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  const engine::MatcherStats stats = (*eng)->matcher()->Stats();
  for (const auto& [kind, factor] :
       {std::pair<const char*, double>{"suppliers", stats.supplier_market},
        {"experts", stats.expert_market}}) {
    if (factor < 1) {
      std::fprintf(stderr,
                   "note: the lexicon recognises few of these %s' texts (market factor %.1f): "
                   "concepts, sector and capacity count that much in their matches "
                   "(docs/matching.md, \"A market the lexicon does not speak for\")\n",
                   kind, factor);
    }
  }
  if (size_t pending = stats.lists_pending; pending != 0) {
    std::fprintf(stderr,
                 "match lists of %zu needs not yet computed: `ketnoi serve` computes them in "
                 "the background (each is computed when first read until then)\n",
                 pending);
  }
  return 0;
}

}  // namespace ketnoi::api
