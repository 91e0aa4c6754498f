// benchmarks/compare: ketnoi's retriever against two BM25 engines a user
// would pick instead — SQLite FTS5 (bm25(), tokenize "unicode61
// remove_diacritics 2") and Xapian (BM25Weight, no stemming) — on the same
// labelled sets, in one run, printing one table: recall@1, recall@10,
// MRR@10, nDCG@10 and query latency per engine per set (and subset).
//
// Usage: compare DATASET_DIR...   (BEIR-style or ketnoi dataset directories)
// Peers index the same document text ketnoi does (fields joined by spaces);
// their query is the first query field, every word OR-ed.
#include <sqlite3.h>
#include <xapian.h>

#include <chrono>
#include <cstdio>
#include <map>
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

class Ketnoi : public Engine {
 public:
  explicit Ketnoi(const ketnoi::indexer::Analyzer* analyzer)
      : retriever_(analyzer, ketnoi::indexer::RetrieverOptions{}) {}
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

void Print(const std::string& set, const std::string& engine, const MetricsAccumulator& acc,
           std::vector<double>* ms) {
  QueryMetrics m = acc.Mean();
  std::printf("| %-34s | %-12s | %5d | %.3f | %.3f | %.3f | %.3f |", set.c_str(), engine.c_str(),
              acc.count(), m.recall_at_1, m.recall_at_k, m.mrr_at_k, m.ndcg_at_k);
  if (ms != nullptr) {
    std::printf(" %7.3f | %7.3f |\n", ketnoi::indexer::Percentile(ms, 50),
                ketnoi::indexer::Percentile(ms, 99));
  } else {
    std::printf("         |         |\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: compare DATASET_DIR...\n");
    return 2;
  }
  auto lexicon = ketnoi::indexer::Lexicon::Load(ketnoi::engine::DefaultDataDir() + "/lexicon");
  ketnoi::indexer::Analyzer analyzer(lexicon.ok() ? lexicon->get() : nullptr);
  std::printf("| set | engine | queries | recall@1 | recall@10 | MRR@10 | nDCG@10 | p50 ms | p99 ms |\n");
  std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int a = 1; a < argc; ++a) {
    std::string dir = argv[a];
    auto sets = ketnoi::api::LoadEvalSets(dir);
    if (!sets.ok()) {
      std::fprintf(stderr, "compare: %s\n", sets.status().ToString().c_str());
      return 1;
    }
    std::string base = dir.substr(dir.find_last_of('/', dir.size() - 2) + 1);
    for (const EvalSet& set : *sets) {
      if (set.queries.empty()) continue;
      std::string label = sets->size() > 1 ? base + "/" + set.name : base;
      std::vector<std::unique_ptr<Engine>> engines;
      engines.push_back(std::make_unique<Ketnoi>(&analyzer));
      engines.push_back(std::make_unique<SqliteFts5>());
      engines.push_back(std::make_unique<XapianBm25>());
      std::map<std::string, Row> rows;
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
          for (const auto& [name, ids] : set.subsets) {
            if (ids.count(q.id)) row.subsets[name].Add(m);
          }
        }
        Print(label, engine->name(), row.all, &row.ms);
      }
      for (const auto& [name, ids] : set.subsets) {
        for (auto& engine : engines) {
          Print(label + " (" + name + ")", engine->name(), rows[engine->name()].subsets[name],
                nullptr);
        }
      }
      std::fflush(stdout);
    }
  }
  return 0;
}
