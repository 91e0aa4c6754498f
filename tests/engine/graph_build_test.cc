// ValueChainGraph bulk builds: Build(store) on one or several threads (raw
// records decoded and prepared in parallel batches) gives the same graph as
// BuildFromRecords over the records the store's ForEach* return; a record
// the store cannot decode fails the build with its key.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/chains.h"
#include "engine/dataset.h"
#include "engine/graph.h"
#include "engine/stage_infer.h"
#include "engine/store.h"
#include "indexer/lexicon.h"
#include "tests/engine/test_util.h"

namespace ketnoi::engine {
namespace {

using testing_util::Ref;

struct Records {
  std::vector<Facility> facilities;
  std::vector<Supplier> suppliers;
  std::vector<Expert> experts;
  std::vector<Link> links;
};

Records ReadAll(const Store& store) {
  Records r;
  EXPECT_OK(store.ForEachFacility([&](const Facility& x) {
    r.facilities.push_back(x);
    return true;
  }));
  EXPECT_OK(store.ForEachSupplier([&](const Supplier& x) {
    r.suppliers.push_back(x);
    return true;
  }));
  EXPECT_OK(store.ForEachExpert([&](const Expert& x) {
    r.experts.push_back(x);
    return true;
  }));
  EXPECT_OK(store.ForEachLink([&](const Link& x) {
    r.links.push_back(x);
    return true;
  }));
  return r;
}

class GraphBuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cat = ChainCatalog::LoadDir(DefaultChainsDir());
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    catalog_ = std::make_unique<ChainCatalog>(std::move(cat).value());
    auto lex = indexer::Lexicon::Load(DefaultDataDir() + "/lexicon");
    ASSERT_TRUE(lex.ok()) << lex.status().ToString();
    lexicon_ = std::move(lex).value();
    StageInferOptions o;
    const indexer::Lexicon* l = lexicon_.get();
    o.concept_finder = [l](std::string_view text) {
      std::vector<std::string> ids;
      for (const auto& hit : l->Match(text)) ids.push_back(hit.concept_id);
      return ids;
    };
    inferer_ = std::make_unique<StageInferer>(catalog_.get(), o);

    StoreOptions so;
    so.path = testing_util::TempPath("db");
    so.reference = &Ref();
    auto store = Store::Open(so);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ImportReport report;
    ASSERT_OK(ImportDataset(store_.get(), DefaultDataDir() + "/demo", {}, &report));
  }

  // Adds `copies` copies of every demo record and link under new ids, so
  // that each family spans several threads' slices.
  void Multiply(int copies) {
    Records demo = ReadAll(*store_);
    for (int k = 1; k <= copies; ++k) {
      const std::string suffix = "-c" + std::to_string(k);
      for (Facility f : demo.facilities) {
        f.id += suffix;
        for (Need& n : f.needs) n.id += suffix;
        ASSERT_OK(store_->PutFacility(f));
      }
      for (Supplier s : demo.suppliers) {
        s.id += suffix;
        ASSERT_OK(store_->PutSupplier(s));
      }
      for (Expert e : demo.experts) {
        e.id += suffix;
        ASSERT_OK(store_->PutExpert(e));
      }
      for (Link l : demo.links) {
        l.from += suffix;
        l.to += suffix;
        ASSERT_OK(store_->PutLink(l));
      }
    }
  }

  std::unique_ptr<ValueChainGraph> NewGraph(int threads) const {
    GraphOptions go;
    go.reference = &Ref();
    go.inferer = inferer_.get();
    go.build_threads = threads;
    return std::make_unique<ValueChainGraph>(go);
  }

  std::unique_ptr<ChainCatalog> catalog_;
  std::unique_ptr<indexer::Lexicon> lexicon_;
  std::unique_ptr<StageInferer> inferer_;
  std::unique_ptr<Store> store_;
};

TEST_F(GraphBuildTest, FromStoreOnThreadsEqualsFromRecords) {
  Multiply(3);
  Records all = ReadAll(*store_);
  ASSERT_GT(all.facilities.size(), 150u);
  ASSERT_GT(all.suppliers.size(), 150u);
  auto reference = NewGraph(1);
  reference->BuildFromRecords(all.facilities, all.suppliers, all.experts, all.links);
  const std::string want = reference->CanonicalDump();
  GraphStats rs = reference->Stats();
  EXPECT_EQ(rs.facilities, all.facilities.size());
  EXPECT_GT(rs.stage_edges, all.facilities.size());
  EXPECT_GT(rs.link_edges, 0u);
  for (int threads : {1, 2, 3}) {
    auto from_store = NewGraph(threads);
    ASSERT_OK(from_store->Build(*store_));
    EXPECT_EQ(from_store->CanonicalDump(), want) << threads << " threads";
    EXPECT_GT(from_store->Stats().build_seconds, 0.0);
    auto from_records = NewGraph(threads);
    from_records->BuildFromRecords(all.facilities, all.suppliers, all.experts, all.links);
    EXPECT_EQ(from_records->CanonicalDump(), want) << threads << " threads";
  }
}

TEST_F(GraphBuildTest, CorruptRecordFailsTheBuildWithItsKey) {
  Multiply(1);
  auto graph = NewGraph(2);
  ASSERT_OK(graph->Build(*store_));
  const GraphStats before = graph->Stats();
  ASSERT_OK(store_->PutRaw(Family::kSuppliers, "S-broken", "{\"id\": \"S-broken\", "));
  Status s = graph->Build(*store_);
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("graph build"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("'S-broken'"), std::string::npos) << s.ToString();
  // The graph built before stays in place.
  EXPECT_EQ(graph->Stats().suppliers, before.suppliers);
  EXPECT_EQ(graph->Stats().facilities, before.facilities);
}

}  // namespace
}  // namespace ketnoi::engine
