// Engine: the one object api/ talks to. It owns the reference data, the
// lexicon, the RocksDB store, the matcher (retrievers, ranker, materialised
// lists) and the value-chain graph, and keeps them in step: every write
// through the Engine goes to the store first, then updates the matcher's
// indexes and lists and the graph.
//
// Thread safety: reads (store(), matcher() const calls, graph() queries) run
// concurrently; writes are serialised by the engine.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/dataset.h"
#include "engine/feedback.h"
#include "engine/matcher.h"
#include "engine/model.h"

namespace ketnoi::indexer {
class Lexicon;
}

namespace ketnoi::engine {

class Store;
class ReferenceData;
class ValueChainGraph;
class ChainCatalog;
class StageInferer;

struct EngineOptions {
  std::string db;              // store directory (REQUIRED)
  std::string data_dir;        // reference data, lexicon, chains; "" = DefaultDataDir()
  bool create_if_missing = true;
  bool sync_writes = false;    // see StoreOptions::sync_writes
  // Ranker weights (JSON, engine/ranker.h); "" = data_dir/config/ranker.json
  // when it exists, else the built-in defaults.
  std::string ranker_weights;
  bool build_graph = true;     // the graph feeds the chain-fit feature
  // Candidates ranked per match (MatcherOptions).
  size_t candidates = 100;
  // Work bound of one lexical candidate search (MatcherOptions).
  size_t sparse_posting_budget = 100000;
  size_t materialized_k = 30;
  double default_min_score = 0.35;
  int dim = 128;
  // Index persistence (docs/indexer.md, "Index persistence"): Open loads
  // the indexes saved in IndexDir() and catches up with the store's change
  // log (when missing, stale or damaged: logs why and builds them from the
  // store); the destructor saves them when they changed and every index
  // update succeeded.
  bool load_indexes = true;
  bool save_indexes_on_close = true;
  // Lists older than the store at Open (MatcherOptions::stale_lists):
  // recomputed before Open returns by default; `ketnoi serve` recomputes them
  // in the background, `ketnoi match` when read.
  StaleLists stale_lists = StaleLists::kNow;
  // The lexical feature's normaliser (MatcherOptions::lexical_norm).
  LexicalNorm lexical_norm = LexicalNorm::kQuery;
  // MatcherOptions::read_list_heads.
  bool read_list_heads = true;
  // MatcherOptions::live_rankings (0: twice the machine's cores).
  size_t live_rankings = 0;
};

class Engine {
 public:
  static StatusOr<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  ~Engine();

  Store& store();
  const ReferenceData& reference() const;
  const indexer::Lexicon* lexicon() const;
  // The current matcher; Rebuild() replaces it, so hold the pointer for the
  // duration of a call rather than keeping a reference.
  std::shared_ptr<Matcher> matcher() const;
  ValueChainGraph* graph();  // null when build_graph is false
  FeedbackStore& feedback();

  // Validating writes that keep the indexes, lists and graph in step.
  Status PutFacility(const Facility& f);
  Status PutSupplier(const Supplier& s);
  Status PutExpert(const Expert& e);
  Status PutLink(const Link& l);
  Status DeleteFacility(const std::string& id);
  Status DeleteSupplier(const std::string& id);
  Status DeleteExpert(const std::string& id);
  Status DeleteLink(const Link& l);
  Status PutFeedback(const Feedback& fb);
  // Imports a dataset directory (engine/dataset.h rules), then rebuilds the
  // matcher and the graph from the store.
  Status Import(const std::string& dataset_dir, const ImportOptions& options,
                ImportReport* report);
  // Rebuilds the matcher and the graph from the store (after bulk writes).
  Status Rebuild();

  // Saves the matcher's indexes with the store change number they cover to
  // IndexDir(), or to `dir` (e.g. next to an online backup: save the
  // indexes first, then checkpoint the store, so the copy's indexes are not
  // newer than its store). The directory is replaced atomically. Blocks
  // writes while it runs; searches go on. FailedPrecondition when an index
  // update failed since the indexes were built (nothing saved: the next
  // Open catches up from the previous save or rebuilds).
  Status SaveIndexes();
  Status SaveIndexes(const std::string& dir);
  // <db>/index
  std::string IndexDir() const;

 private:
  Status RebuildLocked();
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ketnoi::engine
