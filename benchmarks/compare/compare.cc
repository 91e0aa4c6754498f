// benchmarks/compare: ketnoi's retriever against two BM25 engines a user
// would pick instead — SQLite FTS5 (bm25(), tokenize "unicode61
// remove_diacritics 2") and Xapian (BM25Weight, no stemming) — on the same
// labelled sets, in one run, printing one table: recall@1, recall@10,
// MRR@10, nDCG@10 and query latency per engine per set (and subset).
//
// Usage: compare [--engines LIST] [--set NAME=VALUE]... [--misses] DATASET_DIR...
// (BEIR-style or ketnoi dataset directories; --help lists the settings).
// "ketnoi-ranker" rows score the whole matching pipeline as `ketnoi eval`
// does (the --set options apply to the indexer rows only).
// Peers index the same document text ketnoi does (fields joined by spaces);
// their query is the first query field, every word OR-ed.
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api/eval_sets.h"
#include "engine/reference.h"
#include "indexer/analyzer.h"
#include "indexer/eval.h"
#include "indexer/lexicon.h"
#include "indexer/retriever.h"

namespace {

using ketnoi::indexer::EvalSet;
using ketnoi::indexer::MetricsAccumulator;
using ketnoi::indexer::QueryMetrics;
using Clock = std::chrono::steady_clock;

constexpr int kK = 10;

// An engine ranks document positions (EvalSet::docs index) for a query.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string name() const = 0;
  virtual bool Build(const EvalSet& set) = 0;
  virtual std::vector<size_t> Search(const std::string& query) = 0;
};

std::string DocText(const ketnoi::indexer::Document& d) {
  std::string t;
  for (const auto& f : d.fields) {
    if (!t.empty()) t += ' ';
    t += f.text;
  }
  return t;
}

// Words of a text, split at ASCII spaces and punctuation (UTF-8 letters
// stay inside words); FTS5 and Xapian tokenise each word themselves.
std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (unsigned char c : text) {
    if (c < 0x80 && !std::isalnum(c)) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += static_cast<char>(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

class SqliteFts5 : public Engine {
 public:
  ~SqliteFts5() override {
    if (stmt_) sqlite3_finalize(stmt_);
    if (db_) sqlite3_close(db_);
  }
  std::string name() const override { return "sqlite-fts5"; }
  bool Build(const EvalSet& set) override {
    if (sqlite3_open(":memory:", &db_) != SQLITE_OK) return false;
    const char* ddl =
        "CREATE VIRTUAL TABLE docs USING fts5(body, tokenize=\"unicode61 remove_diacritics 2\")";
    if (sqlite3_exec(db_, ddl, nullptr, nullptr, nullptr) != SQLITE_OK) return false;
    sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db_, "INSERT INTO docs(rowid, body) VALUES (?, ?)", -1, &ins, nullptr);
    for (size_t i = 0; i < set.docs.size(); ++i) {
      std::string text = DocText(set.docs[i]);
      sqlite3_bind_int64(ins, 1, static_cast<sqlite3_int64>(i) + 1);
      sqlite3_bind_text(ins, 2, text.c_str(), -1, SQLITE_TRANSIENT);
      if (sqlite3_step(ins) != SQLITE_DONE) return false;
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    return sqlite3_prepare_v2(db_,
                              "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) "
                              "LIMIT 10",
                              -1, &stmt_, nullptr) == SQLITE_OK;
  }
  std::vector<size_t> Search(const std::string& query) override {
    std::string match;
    for (const std::string& w : Words(query)) {
      if (!match.empty()) match += " OR ";
      match += '"' + w + '"';  // words carry no '"' (punctuation splits)
    }
    std::vector<size_t> out;
    if (match.empty()) return out;
    sqlite3_bind_text(stmt_, 1, match.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(stmt_) == SQLITE_ROW) {
      out.push_back(static_cast<size_t>(sqlite3_column_int64(stmt_, 0) - 1));
    }
    sqlite3_reset(stmt_);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class XapianBm25 : public Engine {
 public:
  std::string name() const override { return "xapian-bm25"; }
  bool Build(const EvalSet& set) override {
    db_ = Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
    Xapian::TermGenerator gen;
    for (size_t i = 0; i < set.docs.size(); ++i) {
      Xapian::Document doc;
      gen.set_document(doc);
      gen.index_text(DocText(set.docs[i]));
      doc.set_data(std::to_string(i));
      db_.replace_document(static_cast<Xapian::docid>(i + 1), doc);
    }
    db_.commit();
    parser_.set_database(db_);
    parser_.set_default_op(Xapian::Query::OP_OR);
    return true;
  }
  std::vector<size_t> Search(const std::string& query) override {
    std::vector<size_t> out;
    try {
      Xapian::Enquire enquire(db_);
      enquire.set_query(parser_.parse_query(query, 0));
      enquire.set_weighting_scheme(Xapian::BM25Weight());
      Xapian::MSet mset = enquire.get_mset(0, kK);
      for (auto it = mset.begin(); it != mset.end(); ++it) out.push_back(*it - 1);
    } catch (const Xapian::Error&) {
    }
    return out;
  }

 private:
  Xapian::WritableDatabase db_;
  Xapian::QueryParser parser_;
};

// Applies one `--set NAME=VALUE` to the retriever's options; false for an
// unknown name or a value that is not a number.
bool ApplySetting(const std::string& setting, ketnoi::indexer::RetrieverOptions* o) {
  const size_t eq = setting.find('=');
  if (eq == std::string::npos) return false;
  const std::string name = setting.substr(0, eq);
  const char* text = setting.c_str() + eq + 1;
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0') return false;
  const std::map<std::string, float*> floats = {
      {"dense_weight", &o->dense_weight},
      {"sparse_weight", &o->sparse_weight},
      {"k1", &o->vocabulary.k1},
      {"query_k3", &o->vocabulary.query_k3},
      {"b", &o->vocabulary.b},
      {"w.syllable", &o->vocabulary.weights.w[0]},
      {"w.accented", &o->vocabulary.weights.w[1]},
      {"w.bigram", &o->vocabulary.weights.w[2]},
      {"w.ngram", &o->vocabulary.weights.w[3]},
      {"w.concept", &o->vocabulary.weights.w[4]},
      {"w.unit", &o->vocabulary.weights.w[5]},
      {"prf_weight", &o->prf_weight},
      {"rrf_k", &o->rrf_k},
      {"lsa.exponent", &o->lsa.singular_exponent},
      {"lsa.concept_weight", &o->lsa.concept_weight},
  };
  if (auto it = floats.find(name); it != floats.end()) {
    *it->second = static_cast<float>(v);
    return true;
  }
  const std::map<std::string, int*> ints = {
      {"lsa.dim", &o->lsa.dim}, {"prf_docs", &o->prf_docs}, {"prf_terms", &o->prf_terms}};
  if (auto it = ints.find(name); it != ints.end()) {
    *it->second = static_cast<int>(v);
    return true;
  }
  if (name == "fusion" && v >= 0 && v <= 2) {
    o->fusion = static_cast<ketnoi::indexer::FusionMethod>(static_cast<int>(v));
  } else if (name == "lsa.kinds") {  // bit i: feature kind i takes part
    for (int k = 0; k < ketnoi::indexer::kNumFeatureKinds; ++k) {
      o->lsa.kinds[k] = (static_cast<int>(v) >> k) & 1;
    }
  } else if (name == "dense_candidates") o->dense_candidates = static_cast<size_t>(v);
  else if (name == "sparse_candidates") o->sparse_candidates = static_cast<size_t>(v);
  else return false;
  return true;
}

constexpr const char* kUsage =
    "usage: compare [--engines LIST] [--set NAME=VALUE]... [--misses] DATASET_DIR...\n"
    "  --engines LIST    comma-separated subset of ketnoi,ketnoi-ranker,sqlite-fts5,\n"
    "                    xapian-bm25 (default all); ketnoi is the indexer alone,\n"
    "                    ketnoi-ranker the whole matching pipeline (`ketnoi eval`)\n"
    "  --set NAME=VALUE  a ketnoi retriever option: dense_weight, sparse_weight, k1, b,\n"
    "                    query_k3, w.syllable, w.accented, w.bigram, w.ngram, w.concept, w.unit,\n"
    "                    lsa.dim, dense_candidates, sparse_candidates, prf_docs, prf_terms,\n"
    "                    prf_weight, fusion (0 linear, 1 min-max, 2 reciprocal rank),\n"
    "                    rrf_k, lsa.exponent, lsa.concept_weight, lsa.kinds (bit i:\n"
    "                    feature kind i, see indexer/analyzer.h)\n"
    "  --misses          after each set, print ketnoi's queries whose top 10 misses a\n"
    "                    relevant document (query id, nDCG@10, missed ids)\n";

class Ketnoi : public Engine {
 public:
  Ketnoi(const ketnoi::indexer::Analyzer* analyzer, const ketnoi::indexer::RetrieverOptions& o)
      : retriever_(analyzer, o) {}
  std::string name() const override { return "ketnoi"; }
  bool Build(const EvalSet& set) override {
    ketnoi::Status s = retriever_.Build(set.docs);
    if (!s.ok()) std::fprintf(stderr, "ketnoi: %s\n", s.ToString().c_str());
    return s.ok();
  }
  std::vector<size_t> Search(const std::string&) override { return {}; }
  std::vector<size_t> SearchFields(const std::vector<ketnoi::indexer::TextField>& fields) {
    ketnoi::indexer::Query q;
    q.fields = fields;
    q.k = kK;
    std::vector<size_t> out;
    auto r = retriever_.Search(q);
    if (r.ok()) {
      for (const auto& c : *r) out.push_back(static_cast<size_t>(c.id));
    }
    return out;
  }

 private:
  ketnoi::indexer::Retriever retriever_;
};

struct Row {
  MetricsAccumulator all;
  std::map<std::string, MetricsAccumulator> subsets;
  std::vector<double> ms;
};

void Print(const std::string& set, const std::string& engine, const QueryMetrics& m, int queries,
           std::vector<double>* ms) {
  std::printf("| %-34s | %-12s | %5d | %.3f | %.3f | %.3f | %.3f |", set.c_str(), engine.c_str(),
              queries, m.recall_at_1, m.recall_at_k, m.mrr_at_k, m.ndcg_at_k);
  if (ms != nullptr) {
    std::printf(" %7.3f | %7.3f |\n", ketnoi::indexer::Percentile(ms, 50),
                ketnoi::indexer::Percentile(ms, 99));
  } else {
    std::printf("         |         |\n");
  }
}

void Print(const std::string& set, const std::string& engine, const MetricsAccumulator& acc,
           std::vector<double>* ms) {
  Print(set, engine, acc.Mean(), acc.count(), ms);
}

}  // namespace

int main(int argc, char** argv) {
  ketnoi::indexer::RetrieverOptions options;
  std::set<std::string> wanted = {"ketnoi", "ketnoi-ranker", "sqlite-fts5", "xapian-bm25"};
  bool misses = false;
  std::vector<std::string> dirs;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsage);
      return 0;
    } else if (arg == "--misses") {
      misses = true;
    } else if ((arg == "--set" || arg == "--engines") && a + 1 < argc) {
      const std::string value = argv[++a];
      if (arg == "--set" && !ApplySetting(value, &options)) {
        std::fprintf(stderr, "compare: bad setting '%s'\n%s", value.c_str(), kUsage);
        return 2;
      }
      if (arg == "--engines") {
        wanted.clear();
        for (size_t p = 0; p <= value.size();) {
          size_t q = value.find(',', p);
          if (q == std::string::npos) q = value.size();
          wanted.insert(value.substr(p, q - p));
          p = q + 1;
        }
      }
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "compare: unknown option '%s'\n%s", arg.c_str(), kUsage);
      return 2;
    } else {
      dirs.push_back(arg);
    }
  }
  if (dirs.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);  // the pipeline's store and index progress
  auto lexicon = ketnoi::indexer::Lexicon::Load(ketnoi::engine::DefaultDataDir() + "/lexicon");
  ketnoi::indexer::Analyzer analyzer(lexicon.ok() ? lexicon->get() : nullptr);
  std::printf("| set | engine | queries | recall@1 | recall@10 | MRR@10 | nDCG@10 | p50 ms | p99 ms |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const std::string& dir : dirs) {
    auto sets = ketnoi::api::LoadEvalSets(dir);
    if (!sets.ok()) {
      std::fprintf(stderr, "compare: %s\n", sets.status().ToString().c_str());
      return 1;
    }
    std::string base = dir.substr(dir.find_last_of('/', dir.size() - 2) + 1);
    // The whole matching pipeline (`ketnoi eval`, `--ranker` on a BEIR-style
    // directory): a row beside the indexer's for each set and subset it scores.
    std::map<std::string, ketnoi::engine::SubsetMetrics> pipeline;
    if (wanted.count("ketnoi-ranker")) {
      ketnoi::engine::EvalOptions eo;
      eo.k = kK;
      eo.learn = false;
      auto report = ketnoi::api::EvaluatePipelineOn(dir, eo);
      if (!report.ok()) {
        std::fprintf(stderr, "compare: ketnoi-ranker on %s: %s\n", dir.c_str(),
                     report.status().ToString().c_str());
        return 1;
      }
      for (const auto& subset : report->subsets) pipeline[subset.name] = subset;
    }
    auto print_pipeline = [&](const std::string& label, const std::string& subset) {
      auto it = pipeline.find(subset);
      if (it == pipeline.end() || it->second.queries == 0) return;
      Print(label, "ketnoi-ranker", it->second.metrics, it->second.queries, nullptr);
    };
    // The pipeline's subsets by the names of the indexer's sets and subsets.
    auto pipeline_subset = [&](const std::string& set_name) {
      if (sets->size() == 1) return std::string("all");
      return set_name == "equipment" ? std::string("kind=supplier")
             : set_name == "expert"  ? std::string("kind=expert")
                                     : "";
    };
    // Only the subsets both define alike: `ketnoi eval`'s English-catalogue
    // subset asks that every answer be English, this one that any be.
    const std::map<std::string, std::string> pipeline_both = {
        {"no diacritics", "no-diacritics needs"}};
    // A dataset with needs of both kinds: each subset over both, too (the
    // demo's needs typed without diacritics, of either kind).
    std::map<std::string, std::map<std::string, MetricsAccumulator>> both;  // subset -> engine
    std::vector<std::string> engine_order;
    for (const EvalSet& set : *sets) {
      if (set.queries.empty()) continue;
      std::string label = sets->size() > 1 ? base + "/" + set.name : base;
      std::vector<std::unique_ptr<Engine>> engines;
      if (wanted.count("ketnoi")) engines.push_back(std::make_unique<Ketnoi>(&analyzer, options));
      if (wanted.count("sqlite-fts5")) engines.push_back(std::make_unique<SqliteFts5>());
      if (wanted.count("xapian-bm25")) engines.push_back(std::make_unique<XapianBm25>());
      std::map<std::string, Row> rows;
      std::vector<std::string> missed;
      for (auto& engine : engines) {
        if (!engine->Build(set)) {
          std::fprintf(stderr, "compare: %s failed to build %s\n", engine->name().c_str(),
                       label.c_str());
          return 1;
        }
        Row& row = rows[engine->name()];
        for (const auto& q : set.queries) {
          auto t = Clock::now();
          std::vector<size_t> ranked_pos =
              engine->name() == "ketnoi" ? static_cast<Ketnoi*>(engine.get())->SearchFields(q.fields)
                                         : engine->Search(q.fields[0].text);
          row.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
          std::vector<std::string> ranked;
          for (size_t p : ranked_pos) ranked.push_back(set.doc_ids[p]);
          QueryMetrics m = ketnoi::indexer::ScoreRanking(ranked, set.qrels.at(q.id), kK);
          row.all.Add(m);
          if (misses && engine->name() == "ketnoi" && m.recall_at_k < 1.0) {
            std::string line = q.id + " nDCG " + std::to_string(m.ndcg_at_k).substr(0, 5) + ":";
            for (const auto& [doc, grade] : set.qrels.at(q.id)) {
              if (std::find(ranked.begin(), ranked.end(), doc) == ranked.end()) {
                line += " " + doc + "(" + std::to_string(grade) + ")";
              }
            }
            missed.push_back(line);
          }
          for (const auto& [name, ids] : set.subsets) {
            if (ids.count(q.id)) {
              row.subsets[name].Add(m);
              both[name][engine->name()].Add(m);
            }
          }
        }
        Print(label, engine->name(), row.all, &row.ms);
        if (engine->name() == "ketnoi") print_pipeline(label, pipeline_subset(set.name));
        if (std::find(engine_order.begin(), engine_order.end(), engine->name()) ==
            engine_order.end()) {
          engine_order.push_back(engine->name());
        }
      }
      // Beside the indexer's row when it was printed, else after the peers.
      if (engines.empty() || engines.front()->name() != "ketnoi") {
        print_pipeline(label, pipeline_subset(set.name));
      }
      for (const auto& [name, ids] : set.subsets) {
        for (auto& engine : engines) {
          Print(label + " (" + name + ")", engine->name(), rows[engine->name()].subsets[name],
                nullptr);
        }
      }
      for (const std::string& line : missed) std::printf("  miss %s %s\n", label.c_str(), line.c_str());
      std::fflush(stdout);
    }
    if (sets->size() > 1) {
      for (const auto& [name, by_engine] : both) {
        for (const std::string& engine : engine_order) {
          auto it = by_engine.find(engine);
          if (it != by_engine.end())
            Print(base + " (" + name + ", all kinds)", engine, it->second, nullptr);
          if (engine == "ketnoi" && pipeline_both.count(name)) {
            print_pipeline(base + " (" + name + ", all kinds)", pipeline_both.at(name));
          }
        }
      }
      std::fflush(stdout);
    }
  }
  return 0;
}
