#include "engine/engine.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "engine/chains.h"
#include "engine/graph.h"
#include "engine/reference.h"
#include "engine/stage_infer.h"
#include "engine/store.h"
#include "indexer/analyzer.h"
#include "indexer/lexicon.h"

namespace ketnoi::engine {

namespace {
std::string FormatPath(const std::vector<PathHop>& path);
}  // namespace

struct Engine::Impl {
  EngineOptions options;
  std::unique_ptr<ReferenceData> reference;
  std::unique_ptr<indexer::Lexicon> lexicon;
  std::unique_ptr<indexer::Analyzer> analyzer;  // for stage inference
  std::unique_ptr<Store> store;
  std::unique_ptr<ChainCatalog> catalog;
  std::unique_ptr<StageInferer> inferer;
  std::unique_ptr<ValueChainGraph> graph;
  std::shared_ptr<Matcher> matcher;  // atomically swapped by Rebuild
  std::unique_ptr<FeedbackStore> feedback;
  RankerWeights weights;
  std::mutex write_mu;  // one write (store + matcher + graph) at a time
  // GUARDED_BY(write_mu): the indexes changed since they were loaded or
  // saved; an index update failed since the matcher was built.
  bool index_dirty = false;
  bool index_failed = false;

  std::string IndexDir() const { return options.db + "/index"; }

  // Marks the indexes changed by a write whose matcher update returned `s`.
  Status Indexed(Status s) {
    index_dirty = true;
    if (!s.ok()) index_failed = true;
    return s;
  }

  // `load`: start from the saved indexes (Open); else build from the store.
  Status OpenMatcher(bool load, StaleLists stale_lists) {
    MatcherOptions mo;
    if (load) mo.index_dir = IndexDir();
    mo.store = store.get();
    mo.lexicon = lexicon.get();
    mo.weights = weights;
    mo.candidates = options.candidates;
    mo.sparse_posting_budget = options.sparse_posting_budget;
    mo.materialized_k = options.materialized_k;
    mo.default_min_score = options.default_min_score;
    mo.dim = options.dim;
    mo.stale_lists = stale_lists;
    mo.lexical_norm = options.lexical_norm;
    mo.read_list_heads = options.read_list_heads;
    mo.live_rankings = options.live_rankings;
    if (graph) {
      ValueChainGraph* g = graph.get();
      mo.chain_fit = [g](const std::string& facility, const std::string& cand, bool with_path) {
        ChainFit out;
        auto fit = g->ChainFit(facility, cand, {}, with_path);
        if (!fit.ok()) return out;
        out.score = fit->score;
        if (with_path) out.path = FormatPath(fit->path);
        return out;
      };
      mo.chain_fit_scores =
          [g](const std::string& facility, const std::vector<std::string_view>& cands, double* out,
              uint32_t* hints) { g->ChainFitScores(facility, cands, out, hints); };
    }
    auto m = Matcher::Open(std::move(mo));
    if (!m.ok()) return m.status();
    std::shared_ptr<Matcher> fresh(std::move(*m));
    IndexLoadReport report = fresh->Stats().index;
    index_dirty = !report.loaded || report.changes_replayed > 0;
    index_failed = false;
    std::atomic_store(&matcher, fresh);
    return Status::OK();
  }
};

namespace {

std::string FormatPath(const std::vector<PathHop>& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) {
      out += " -";
      out += EdgeTypeName(path[i].via);
      out += "-> ";
    }
    out += path[i].name.empty() ? path[i].id : path[i].name;
  }
  return out;
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() {
  if (impl_ == nullptr || !impl_->options.save_indexes_on_close) return;
  bool save;
  {
    std::lock_guard lock(impl_->write_mu);
    save = impl_->index_dirty && !impl_->index_failed;
  }
  if (!save) return;
  Status s = SaveIndexes();
  if (!s.ok()) spdlog::warn("indexes not saved at close: {}", s.ToString());
}

std::string Engine::IndexDir() const { return impl_->IndexDir(); }

Status Engine::SaveIndexes() { return SaveIndexes(impl_->IndexDir()); }

Status Engine::SaveIndexes(const std::string& dir) {
  std::lock_guard lock(impl_->write_mu);
  if (impl_->index_failed) {
    return FailedPrecondition("an index update failed since the indexes were built; not saving");
  }
  auto saved = matcher()->SaveIndexes(dir);
  if (!saved.ok()) return saved.status();
  if (dir == impl_->IndexDir()) impl_->index_dirty = false;
  spdlog::info("indexes saved to {} (change {})", dir, *saved);
  return Status::OK();
}

StatusOr<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  if (options.db.empty()) return InvalidArgument("EngineOptions.db is required");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  std::string data = options.data_dir.empty() ? DefaultDataDir() : options.data_dir;

  auto ref = ReferenceData::Load(data);
  if (!ref.ok()) return ref.status();
  impl->reference = std::move(*ref);
  auto lex = indexer::Lexicon::Load(data + "/lexicon");
  if (!lex.ok()) return lex.status().WithPrefix("lexicon");
  impl->lexicon = std::move(*lex);
  impl->analyzer = std::make_unique<indexer::Analyzer>(impl->lexicon.get());

  std::string weights_path = options.ranker_weights;
  if (weights_path.empty() && std::filesystem::exists(data + "/config/ranker.json")) {
    weights_path = data + "/config/ranker.json";
  }
  if (!weights_path.empty()) {
    auto text = ReadFile(weights_path);
    if (!text.ok()) return text.status();
    auto w = RankerWeights::FromJson(*text);
    if (!w.ok()) return w.status().WithPrefix(weights_path);
    impl->weights = *w;
  }

  StoreOptions so;
  so.path = options.db;
  so.create_if_missing = options.create_if_missing;
  so.reference = impl->reference.get();
  so.sync_writes = options.sync_writes;
  auto store = Store::Open(so);
  if (!store.ok()) return store.status();
  impl->store = std::move(*store);
  impl->feedback = std::make_unique<FeedbackStore>(impl->store.get());

  if (options.build_graph) {
    auto catalog = ChainCatalog::LoadDir(data + "/chains");
    if (!catalog.ok()) return catalog.status().WithPrefix("chains");
    impl->catalog = std::make_unique<ChainCatalog>(std::move(*catalog));
    StageInferOptions sio;
    // The analyzer's concepts (broader ones included), without computing
    // the rest of its features: Lexicon::Match tokenises as Analyze does.
    const indexer::Lexicon* lexicon = impl->lexicon.get();
    sio.concept_finder = [lexicon](std::string_view text) {
      std::vector<std::string> ids;
      for (const auto& c : lexicon->Match(text, /*expand_broader=*/true)) {
        ids.push_back(c.concept_id);
      }
      return ids;
    };
    impl->inferer = std::make_unique<StageInferer>(impl->catalog.get(), sio);
    GraphOptions go;
    go.reference = impl->reference.get();
    go.inferer = impl->inferer.get();
    impl->graph = std::make_unique<ValueChainGraph>(go);
  }
  // The graph is built while the matcher builds or loads its indexes (they
  // read the store only); the matcher ranks, and so reads the graph, only
  // once both are done (stale lists are resolved after the join).
  Status graph_status;
  std::thread graph_builder;
  if (impl->graph) {
    // spdlog's registry (a function-local static inside the library) is
    // created here, before the thread that logs, not by whichever of the
    // two threads logs first.
    spdlog::default_logger_raw();
    graph_builder = std::thread([&impl, &graph_status] {
      const auto start = std::chrono::steady_clock::now();
      graph_status = impl->graph->Build(*impl->store);
      spdlog::info("value-chain graph built in {:.2f} s",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
                       .count());
    });
  }
  Status s = impl->OpenMatcher(options.load_indexes, StaleLists::kOnRead);
  if (graph_builder.joinable()) graph_builder.join();
  if (!s.ok()) return s;
  if (!graph_status.ok()) return graph_status.WithPrefix("graph");
  s = impl->matcher->ResolveStaleLists(options.stale_lists);
  if (!s.ok()) return s;
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Store& Engine::store() { return *impl_->store; }
const ReferenceData& Engine::reference() const { return *impl_->reference; }
const indexer::Lexicon* Engine::lexicon() const { return impl_->lexicon.get(); }
std::shared_ptr<Matcher> Engine::matcher() const { return std::atomic_load(&impl_->matcher); }
ValueChainGraph* Engine::graph() { return impl_->graph.get(); }
FeedbackStore& Engine::feedback() { return *impl_->feedback; }

Status Engine::PutFacility(const Facility& f) {
  std::lock_guard lock(impl_->write_mu);
  Status s = impl_->store->PutFacility(f);
  if (!s.ok()) return s;
  auto stored = impl_->store->GetFacility(f.id);  // resolved fields
  if (!stored.ok()) return impl_->Indexed(stored.status());
  if (impl_->graph) impl_->graph->OnFacilityPut(*stored);
  return impl_->Indexed(matcher()->OnFacilityChanged(f.id));
}

Status Engine::PutSupplier(const Supplier& r) {
  std::lock_guard lock(impl_->write_mu);
  const auto start = std::chrono::steady_clock::now();
  Status s = impl_->store->PutSupplier(r);
  if (!s.ok()) return s;
  auto stored = impl_->store->GetSupplier(r.id);
  if (!stored.ok()) return impl_->Indexed(stored.status());
  const auto put = std::chrono::steady_clock::now();
  if (impl_->graph) impl_->graph->OnSupplierPut(*stored);
  const auto graphed = std::chrono::steady_clock::now();
  s = matcher()->OnCandidateChanged(r.id, TargetKind::kSupplier);
  using Ms = std::chrono::duration<double, std::milli>;
  spdlog::debug("put supplier {}: {:.1f} ms (store {:.1f}, graph {:.1f}, lists {:.1f})", r.id,
                Ms(std::chrono::steady_clock::now() - start).count(), Ms(put - start).count(),
                Ms(graphed - put).count(), Ms(std::chrono::steady_clock::now() - graphed).count());
  return impl_->Indexed(s);
}

Status Engine::PutExpert(const Expert& r) {
  std::lock_guard lock(impl_->write_mu);
  Status s = impl_->store->PutExpert(r);
  if (!s.ok()) return s;
  auto stored = impl_->store->GetExpert(r.id);
  if (!stored.ok()) return impl_->Indexed(stored.status());
  if (impl_->graph) impl_->graph->OnExpertPut(*stored);
  return impl_->Indexed(matcher()->OnCandidateChanged(r.id, TargetKind::kExpert));
}

Status Engine::PutLink(const Link& l) {
  std::lock_guard lock(impl_->write_mu);
  Status s = impl_->store->PutLink(l);
  if (!s.ok()) return s;
  if (impl_->graph) impl_->graph->OnLinkPut(l);
  return Status::OK();
}

Status Engine::DeleteFacility(const std::string& id) {
  std::lock_guard lock(impl_->write_mu);
  auto f = impl_->store->GetFacility(id);
  if (!f.ok()) return f.status();
  Status s = impl_->store->DeleteFacility(id);
  if (!s.ok()) return s;
  if (impl_->graph) impl_->graph->OnEntityDelete(id);
  std::vector<std::string> needs;
  for (const Need& n : f->needs) needs.push_back(n.id);
  return impl_->Indexed(matcher()->OnFacilityDeleted(id, needs));
}

Status Engine::DeleteSupplier(const std::string& id) {
  std::lock_guard lock(impl_->write_mu);
  Status s = impl_->store->DeleteSupplier(id);
  if (!s.ok()) return s;
  if (impl_->graph) impl_->graph->OnEntityDelete(id);
  return impl_->Indexed(matcher()->OnCandidateDeleted(id, TargetKind::kSupplier));
}

Status Engine::DeleteExpert(const std::string& id) {
  std::lock_guard lock(impl_->write_mu);
  Status s = impl_->store->DeleteExpert(id);
  if (!s.ok()) return s;
  if (impl_->graph) impl_->graph->OnEntityDelete(id);
  return impl_->Indexed(matcher()->OnCandidateDeleted(id, TargetKind::kExpert));
}

Status Engine::DeleteLink(const Link& l) {
  std::lock_guard lock(impl_->write_mu);
  Status s = impl_->store->DeleteLink(l);
  if (!s.ok()) return s;
  if (impl_->graph) impl_->graph->OnLinkDelete(l);
  return Status::OK();
}

Status Engine::PutFeedback(const Feedback& fb) {
  Status s = impl_->feedback->Put(fb);
  if (!s.ok()) return s;
  // The feedback feature moves this need's list, and nothing else.
  std::lock_guard lock(impl_->write_mu);
  return impl_->Indexed(matcher()->OnFeedbackChanged(fb.need_id));
}

Status Engine::Import(const std::string& dataset_dir, const ImportOptions& options,
                      ImportReport* report) {
  std::lock_guard lock(impl_->write_mu);
  Status s = ImportDataset(impl_->store.get(), dataset_dir, options, report);
  if (!s.ok() && !report->written) return s;
  Status r = RebuildLocked();
  return s.ok() ? r : s;
}

Status Engine::Rebuild() {
  std::lock_guard lock(impl_->write_mu);
  return RebuildLocked();
}

Status Engine::RebuildLocked() {
  if (impl_->graph) {
    Status s = impl_->graph->Build(*impl_->store);
    if (!s.ok()) return s;
  }
  return impl_->OpenMatcher(false, impl_->options.stale_lists);
}

}  // namespace ketnoi::engine
