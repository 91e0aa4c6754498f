// Value-chain graph build from a real store, timed, with the stage
// inference configured as Engine::Open configures it (the lexicon as
// concept finder, expanding broader concepts).
//
//   graph_build_check DATASET_DIR WORK_DIR [--threads N] [--dump FILE]
//                     [--stages FILE] [--infer-only] [--finder analyzer|lexicon]
//                     [--scan] [--from-records]
//
// Imports DATASET_DIR into WORK_DIR/db when that store does not exist yet,
// then times ValueChainGraph::Build(store) on N threads (default 2) as
// Engine::Open runs it, and prints the graph's counts and the peak RSS.
// --from-records first reads every record from the store (RocksDB scan and
// JSON decoding, timed apart) and then times BuildFromRecords (stage
// inference on N threads, then assembly). --dump writes the graph's
// canonical dump, --stages one line per record with its stage assignments
// (exact floats), so that two builds can be compared with cmp; --infer-only
// times single-threaded inference alone (for profiling); both read the
// records first. --finder analyzer finds concepts through a full
// indexer::Analyzer pass (features included), lexicon (the default) through
// Lexicon::Match alone; both give the same concepts. --scan matches stage
// phrases by the reference scan (StageInferOptions::scan_every_phrase).
// One-shot wall-clock times: report the load average.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/chains.h"
#include "engine/dataset.h"
#include "engine/graph.h"
#include "engine/reference.h"
#include "engine/stage_infer.h"
#include "engine/store.h"
#include "indexer/analyzer.h"
#include "indexer/lexicon.h"

namespace {

using namespace ketnoi;
using namespace ketnoi::engine;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int Die(const std::string& what, const Status& s) {
  std::fprintf(stderr, "graph_build_check: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

// VmHWM / VmRSS from /proc/self/status, in MiB.
double ProcMiB(const char* field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(f, line)) {
    if (line.compare(0, n, field) == 0) return std::stod(line.substr(n + 1)) / 1024.0;
  }
  return 0;
}

double Load1() {
  std::ifstream f("/proc/loadavg");
  double l = 0;
  f >> l;
  return l;
}

void PrintStages(std::FILE* out, const std::string& id,
                 const std::vector<StageAssignment>& stages) {
  std::fprintf(out, "%s", id.c_str());
  for (const StageAssignment& a : stages) {
    std::fprintf(out, " %u:%a%s", a.stage, a.confidence, a.given ? "g" : "");
  }
  std::fputc('\n', out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(
        stderr,
        "usage: graph_build_check DATASET_DIR WORK_DIR [--threads N] [--dump FILE] "
        "[--stages FILE] [--infer-only] [--finder analyzer|lexicon] [--scan] [--from-records]\n");
    return 2;
  }
  const std::string dataset = argv[1], work = argv[2];
  int threads = 2;
  std::string dump_path, stages_path;
  bool infer_only = false;
  std::string finder = "lexicon";
  bool scan = false;
  bool from_records = false;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else if (a == "--dump" && i + 1 < argc) {
      dump_path = argv[++i];
    } else if (a == "--stages" && i + 1 < argc) {
      stages_path = argv[++i];
    } else if (a == "--finder" && i + 1 < argc) {
      finder = argv[++i];
    } else if (a == "--from-records") {
      from_records = true;
    } else if (a == "--scan") {
      scan = true;
    } else if (a == "--infer-only") {
      infer_only = true;
    } else {
      std::fprintf(stderr, "graph_build_check: unknown argument '%s'\n", a.c_str());
      return 2;
    }
  }
  const std::string db = work + "/db";
  const std::string data = DefaultDataDir();
  auto ref = ReferenceData::Load(data);
  if (!ref.ok()) return Die("reference data", ref.status());
  auto lexicon = indexer::Lexicon::Load(data + "/lexicon");
  if (!lexicon.ok()) return Die("lexicon", lexicon.status());
  auto catalog = ChainCatalog::LoadDir(data + "/chains");
  if (!catalog.ok()) return Die("chains", catalog.status());

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
  std::printf("load average at start: %.2f; RSS before the build %.0f MiB (peak %.0f)\n", Load1(),
              ProcMiB("VmRSS:"), ProcMiB("VmHWM:"));

  // As Engine::Open: the lexicon's concepts, broader ones included.
  StageInferOptions sio;
  const indexer::Lexicon* lex = lexicon->get();
  indexer::Analyzer analyzer(lex);
  if (finder == "analyzer") {
    sio.concept_finder = [&analyzer](std::string_view text) {
      std::vector<std::string> ids;
      for (const auto& c : analyzer.Analyze(text).concepts) ids.push_back(c.concept_id);
      return ids;
    };
  } else {
    sio.concept_finder = [lex](std::string_view text) {
      std::vector<std::string> ids;
      for (const auto& hit : lex->Match(text, /*expand_broader=*/true)) {
        ids.push_back(hit.concept_id);
      }
      return ids;
    };
  }
  sio.scan_every_phrase = scan;
  StageInferer inferer(&*catalog, sio);

  GraphOptions go;
  go.reference = ref->get();
  go.inferer = &inferer;
  go.build_threads = threads;
  ValueChainGraph graph(go);
  auto t = Clock::now();
  if (!from_records && !infer_only && stages_path.empty()) {
    // As Engine::Open does.
    Status s = graph.Build(**store);
    if (!s.ok()) return Die("build", s);
  } else {
    std::vector<Facility> facilities;
    std::vector<Supplier> suppliers;
    std::vector<Expert> experts;
    std::vector<Link> links;
    Status s = (*store)->ForEachFacility([&](const Facility& f) {
      facilities.push_back(f);
      return true;
    });
    if (s.ok())
      s = (*store)->ForEachSupplier([&](const Supplier& x) {
        suppliers.push_back(x);
        return true;
      });
    if (s.ok())
      s = (*store)->ForEachExpert([&](const Expert& x) {
        experts.push_back(x);
        return true;
      });
    if (s.ok())
      s = (*store)->ForEachLink([&](const Link& x) {
        links.push_back(x);
        return true;
      });
    if (!s.ok()) return Die("read", s);
    std::printf(
        "read from store: %.2f s (%zu facilities, %zu suppliers, %zu experts, %zu links), "
        "RSS %.0f MiB\n",
        Since(t), facilities.size(), suppliers.size(), experts.size(), links.size(),
        ProcMiB("VmRSS:"));

    if (infer_only || !stages_path.empty()) {
      std::FILE* out = stages_path.empty() ? nullptr : std::fopen(stages_path.c_str(), "w");
      t = Clock::now();
      size_t assigned = 0;
      for (const Facility& f : facilities) {
        auto a = inferer.ForFacility(f);
        assigned += a.size();
        if (out) PrintStages(out, f.id, a);
        if (out) PrintStages(out, f.id + "/inferred", inferer.InferFacility(f));
      }
      for (const Supplier& x : suppliers) {
        auto a = inferer.ForSupplier(x);
        assigned += a.size();
        if (out) PrintStages(out, x.id, a);
      }
      for (const Expert& x : experts) {
        auto a = inferer.ForExpert(x);
        assigned += a.size();
        if (out) PrintStages(out, x.id, a);
      }
      if (out) std::fclose(out);
      std::printf("inference, 1 thread%s: %.2f s (%zu assignments)\n",
                  out ? " (with InferFacility and output)" : "", Since(t), assigned);
      if (infer_only) return 0;
    }

    t = Clock::now();
    graph.BuildFromRecords(facilities, suppliers, experts, links);
  }
  const double build = Since(t);
  GraphStats st = graph.Stats();
  std::printf(
      "graph build %s(%d threads): %.2f s; %zu facilities, %zu suppliers, %zu experts, "
      "%zu link edges, %zu stage edges, %zu pending; ~%.0f MiB estimated\n",
      from_records ? "from records in memory " : "from the store ", threads, build, st.facilities,
      st.suppliers, st.experts, st.link_edges, st.stage_edges, st.pending_links,
      st.approx_bytes / 1048576.0);
  std::printf("RSS %.0f MiB, peak %.0f MiB; load average at end: %.2f\n", ProcMiB("VmRSS:"),
              ProcMiB("VmHWM:"), Load1());
  if (!dump_path.empty()) {
    std::ofstream out(dump_path);
    out << graph.CanonicalDump();
  }
  return 0;
}
