// StageInferer's phrase index gives exactly the stages and confidences of
// the reference scan (every phrase searched in the text,
// StageInferOptions::scan_every_phrase): on every data/demo record, on
// texts made of the lexicon's own terms, and on edge cases (phrases at the
// ends of the text, overlapping and repeated phrases, empty and punctuation
// texts); and a graph built with either is the same graph. Engine::Open's
// concept finder (Lexicon::Match with broader concepts) finds the same
// concepts as a full indexer::Analyzer pass.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/chains.h"
#include "engine/dataset.h"
#include "engine/graph.h"
#include "engine/stage_infer.h"
#include "engine/store.h"
#include "indexer/analyzer.h"
#include "indexer/lexicon.h"
#include "tests/engine/test_util.h"

namespace ketnoi::engine {
namespace {

using testing_util::Ref;

class StageInferIndexTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cat = ChainCatalog::LoadDir(DefaultChainsDir());
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    catalog_ = new ChainCatalog(std::move(cat).value());
    auto lex = indexer::Lexicon::Load(DefaultDataDir() + "/lexicon");
    ASSERT_TRUE(lex.ok()) << lex.status().ToString();
    lexicon_ = lex.value().release();
  }

  // finder: 0 none, 1 lexicon without broader concepts (graph_setup.h),
  // 2 with them (Engine::Open).
  static StageInferer Make(int finder, bool lexicon_terms, bool scan) {
    StageInferOptions o;
    o.scan_every_phrase = scan;
    if (finder > 0) {
      const indexer::Lexicon* lex = lexicon_;
      const bool broader = finder == 2;
      o.concept_finder = [lex, broader](std::string_view text) {
        std::vector<std::string> ids;
        for (const auto& hit : lex->Match(text, broader)) ids.push_back(hit.concept_id);
        return ids;
      };
    }
    StageInferer inf(catalog_, o);
    if (lexicon_terms) {
      Status s = inf.LoadLexiconTerms(DefaultDataDir() + "/lexicon", nullptr);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    return inf;
  }

  static std::string Show(const std::vector<StageAssignment>& a) {
    std::string out;
    for (const StageAssignment& x : a) {
      out +=
          catalog_->stage(x.stage).id + ":" + std::to_string(x.confidence) + (x.given ? "g " : " ");
    }
    return out.empty() ? "(none)" : out;
  }

  // Compares every inference entry point on `f`, `s` and `e`; counts the
  // records that got at least one inferred stage.
  static void Compare(const StageInferer& index, const StageInferer& scan, const Facility& f,
                      const Supplier& s, const Expert& e, size_t* inferred) {
    auto fi = index.InferFacility(f);
    EXPECT_EQ(fi, scan.InferFacility(f))
        << f.id << " index: " << Show(fi) << " scan: " << Show(scan.InferFacility(f));
    EXPECT_EQ(index.ForFacility(f), scan.ForFacility(f)) << f.id;
    Facility bare = f;
    bare.extra_json = "{}";
    EXPECT_EQ(index.InferFacility(bare), scan.InferFacility(bare)) << f.id;
    auto si = index.ForSupplier(s);
    EXPECT_EQ(si, scan.ForSupplier(s))
        << s.id << " index: " << Show(si) << " scan: " << Show(scan.ForSupplier(s));
    auto ei = index.ForExpert(e);
    EXPECT_EQ(ei, scan.ForExpert(e))
        << e.id << " index: " << Show(ei) << " scan: " << Show(scan.ForExpert(e));
    *inferred += !fi.empty() + !si.empty() + !ei.empty();
  }

  static const ChainCatalog* catalog_;
  static const indexer::Lexicon* lexicon_;
};
const ChainCatalog* StageInferIndexTest::catalog_ = nullptr;
const indexer::Lexicon* StageInferIndexTest::lexicon_ = nullptr;

// Every text as a facility (name, products and a need), a supplier and an
// expert; `weak` goes into the facility's need.
struct Texts {
  std::string id, strong, weak, vsic;
};

std::vector<Texts> EdgeCases() {
  return {
      {"empty", "", "", ""},
      {"punctuation", " ... ;; -- ", "!!", ""},
      {"phrase at both ends", "sấy chè", "sấy chè", ""},
      {"folded", "may say che bang tai va may vo che", "", ""},
      {"repeated", "sấy chè, sấy chè; sấy chè sấy chè", "vò chè vò chè", ""},
      {"overlapping", "máy sấy chè búp khô sấy gỗ lò sấy gỗ", "chè búp", ""},
      {"prefix of a longer word", "sấyy chèe sấy", "chè", ""},
      {"English", "Tea dryer, tea rolling machine and boiler; HACCP consulting", "", ""},
      {"sector words only", "dệt may", "", ""},
      {"strong and weak", "Xưởng may", "Cần máy may công nghiệp và máy cắt vải", "1410"},
      {"vsic hint", "Cơ sở chế biến", "lò sấy", "1076"},
      {"unknown vsic", "Cơ sở chế biến", "lò sấy", "9999"},
  };
}

TEST_F(StageInferIndexTest, SameAsScanOnEdgeCasesAndLexiconTerms) {
  std::vector<Texts> texts = EdgeCases();
  // Every fourth lexicon concept's terms as one text, and pairs of
  // neighbouring concepts run together (phrases spanning two terms).
  const auto& concepts = lexicon_->concepts();
  for (size_t i = 0; i + 1 < concepts.size(); i += 4) {
    const indexer::Concept& c = concepts[i];
    std::string all = c.vi + " . " + c.en;
    for (const std::string& v : c.variants) all += " , " + v;
    texts.push_back({c.id, all, concepts[i + 1].vi, ""});
    if (i % 8 == 0) texts.push_back({c.id + "+", c.vi + " " + concepts[i + 1].vi, c.en, ""});
  }
  // The finder does not touch the phrases; the lexicon terms add phrases.
  for (auto [finder, terms] : {std::pair{0, true}, std::pair{2, false}}) {
    SCOPED_TRACE("finder " + std::to_string(finder) + (terms ? " with" : " without") +
                 " lexicon terms");
    StageInferer index = Make(finder, terms, false);
    StageInferer scan = Make(finder, terms, true);
    size_t inferred = 0;
    for (const Texts& t : texts) {
      Facility f;
      f.id = t.id;
      f.name = t.strong;
      f.sector_vsic = t.vsic;
      if (!t.weak.empty()) f.needs.push_back(Need{});
      if (!t.weak.empty()) f.needs.back().text = t.weak;
      Supplier s;
      s.id = t.id;
      s.name = t.strong;
      s.text = t.weak;
      Expert e;
      e.id = t.id;
      e.text = t.strong + " " + t.weak;
      Compare(index, scan, f, s, e, &inferred);
    }
    // The texts do place records on stages (the comparison is not vacuous).
    EXPECT_GT(inferred, texts.size());
  }
}

TEST_F(StageInferIndexTest, SameAsScanOnDemoRecordsAndSameGraph) {
  StoreOptions so;
  so.path = testing_util::TempPath("db");
  so.reference = &Ref();
  auto store = Store::Open(so);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ImportReport report;
  ASSERT_OK(ImportDataset(store->get(), DefaultDataDir() + "/demo", {}, &report));
  std::vector<Facility> facilities;
  std::vector<Supplier> suppliers;
  std::vector<Expert> experts;
  std::vector<Link> links;
  ASSERT_OK((*store)->ForEachFacility([&](const Facility& x) {
    facilities.push_back(x);
    return true;
  }));
  ASSERT_OK((*store)->ForEachSupplier([&](const Supplier& x) {
    suppliers.push_back(x);
    return true;
  }));
  ASSERT_OK((*store)->ForEachExpert([&](const Expert& x) {
    experts.push_back(x);
    return true;
  }));
  ASSERT_OK((*store)->ForEachLink([&](const Link& x) {
    links.push_back(x);
    return true;
  }));
  ASSERT_GT(facilities.size(), 40u);
  ASSERT_GT(suppliers.size(), 40u);
  ASSERT_GT(experts.size(), 10u);
  for (int finder : {0, 2}) {
    SCOPED_TRACE("finder " + std::to_string(finder));
    StageInferer index = Make(finder, finder == 0, false);
    StageInferer scan = Make(finder, finder == 0, true);
    size_t inferred = 0;
    const size_t n = std::max({facilities.size(), suppliers.size(), experts.size()});
    for (size_t i = 0; i < n; ++i) {
      Compare(index, scan, facilities[i % facilities.size()], suppliers[i % suppliers.size()],
              experts[i % experts.size()], &inferred);
    }
    EXPECT_GT(inferred, n);

    std::string dumps[2];
    for (int k = 0; k < 2; ++k) {
      GraphOptions go;
      go.reference = &Ref();
      go.inferer = k == 0 ? &index : &scan;
      ValueChainGraph graph(go);
      graph.BuildFromRecords(facilities, suppliers, experts, links);
      EXPECT_GT(graph.Stats().stage_edges, facilities.size());
      dumps[k] = graph.CanonicalDump();
    }
    EXPECT_EQ(dumps[0], dumps[1]);
  }

  indexer::Analyzer analyzer(lexicon_);
  size_t with_concepts = 0;
  auto same_concepts = [&](const std::string& id, const std::string& text) {
    std::vector<std::string> a, m;
    for (const auto& c : analyzer.Analyze(text).concepts) a.push_back(c.concept_id);
    for (const auto& c : lexicon_->Match(text, /*expand_broader=*/true)) m.push_back(c.concept_id);
    EXPECT_EQ(a, m) << id;
    with_concepts += !m.empty();
  };
  for (const Facility& f : facilities) {
    std::string weak;
    for (const Need& n : f.needs) weak.append(n.text).append(" . ");
    same_concepts(f.id, f.name + " . " + f.products + " . " + f.sector + " " + weak);
  }
  for (const Supplier& x : suppliers) same_concepts(x.id, x.name + " . " + x.text);
  for (const Expert& x : experts) same_concepts(x.id, x.name + " . " + x.text);
  EXPECT_GT(with_concepts, facilities.size());
}

}  // namespace
}  // namespace ketnoi::engine
