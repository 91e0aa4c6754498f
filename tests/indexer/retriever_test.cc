#include "indexer/retriever.h"

#include <gtest/gtest.h>

#include <string>

#include "indexer/lexicon.h"

namespace ketnoi::indexer {
namespace {

Document Doc(int64_t id, std::string text) {
  Document d;
  d.id = id;
  d.fields.push_back({std::move(text), 1.0f});
  return d;
}

Query Q(std::string text, size_t k = 5) {
  Query q;
  q.fields.push_back({std::move(text), 1.0f});
  q.k = k;
  return q;
}

class RetrieverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RetrieverOptions o;
    o.lsa.dim = 16;
    retriever_ = std::make_unique<Retriever>(&analyzer_, o);
    std::vector<Document> docs = {
        Doc(1, "Máy sấy chè băng tải 300 kg/giờ, đốt củi hoặc điện"),
        Doc(2, "Máy vò chè 6CR-55 cho hợp tác xã chè"),
        Doc(3, "Dây chuyền chế biến tinh bột sắn, máy nghiền sắn"),
        Doc(4, "Máy may công nghiệp một kim cho xưởng may mặc"),
        Doc(5, "Tư vấn quy trình VietGAP cho vùng chè"),
    };
    ASSERT_TRUE(retriever_->Build(docs).ok());
  }
  Analyzer analyzer_{nullptr};
  std::unique_ptr<Retriever> retriever_;
};

TEST_F(RetrieverTest, FindsWithAndWithoutDiacritics) {
  for (const char* q : {"máy sấy chè", "may say che"}) {
    auto r = retriever_->Search(Q(q));
    ASSERT_TRUE(r.ok());
    ASSERT_FALSE(r->empty()) << q;
    EXPECT_EQ((*r)[0].id, 1) << q;
    EXPECT_GT((*r)[0].sparse, 0);
    EXPECT_GT((*r)[0].fused, 0);
  }
}

TEST_F(RetrieverTest, UpsertRemoveAndFilter) {
  ASSERT_TRUE(retriever_->Upsert(Doc(6, "Máy sấy chè mini 50 kg/giờ")).ok());
  IdSetFilter only6({6});
  Query q = Q("máy sấy chè");
  q.filter = &only6;
  auto r = retriever_->Search(q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, 6);
  EXPECT_TRUE(retriever_->Remove(1));
  r = retriever_->Search(Q("máy sấy chè"));
  for (const auto& c : *r) EXPECT_NE(c.id, 1);
  EXPECT_FALSE(retriever_->Remove(1));
  auto terms = retriever_->Explain(Q("máy sấy chè"), 6);
  EXPECT_FALSE(terms.empty());
  EXPECT_EQ(retriever_->Stats().documents, 5u);
}

// A prepared query scores exactly as the query itself, also after the
// corpus changed (idf, a query word no document had when it was prepared),
// and is refused after a rebuild. The query repeats words, so both paths
// saturate its counts alike (VocabularyOptions::query_k3).
TEST_F(RetrieverTest, PreparedQueryScoresAsTheQuery) {
  const Query q = Q("cần máy sấy chè xoài 300 kg/giờ, máy sấy chè xoài");
  auto prepared = retriever_->Prepare(q);
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  EXPECT_FALSE(prepared->unknown.empty()) << "'xoài' is in no document yet";
  const std::vector<int64_t> ids = {1, 2, 3, 6, 7, 404};
  auto same = [&](const char* when) -> float {
    QueryStats a_stats, b_stats;
    auto a = retriever_->ScoreDocuments(q, ids, &a_stats);
    auto b = retriever_->ScoreDocuments(*prepared, ids, &b_stats);
    if (!a.ok() || !b.ok()) {
      ADD_FAILURE() << when << ": " << a.status().ToString() << " / " << b.status().ToString();
      return 0;
    }
    EXPECT_EQ(a_stats.sparse_reference, b_stats.sparse_reference) << when;
    EXPECT_GT(b_stats.sparse_reference, 0) << when;
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ((*a)[i].sparse, (*b)[i].sparse) << when << " id " << ids[i];
      EXPECT_EQ((*a)[i].dense, (*b)[i].dense) << when << " id " << ids[i];
    }
    // The search too: the same candidates with the same scores, with and
    // without a filter.
    IdSetFilter some({1, 3, 6, 7});
    for (const IdFilter* filter : {static_cast<const IdFilter*>(nullptr),
                                   static_cast<const IdFilter*>(&some)}) {
      Query fq = q;
      fq.filter = filter;
      QueryStats sa, sb;
      auto ha = retriever_->Search(fq, &sa);
      auto hb = retriever_->Search(*prepared, fq, &sb);
      if (!ha.ok() || !hb.ok()) {
        ADD_FAILURE() << when << ": " << ha.status().ToString() << " / " << hb.status().ToString();
        return 0;
      }
      EXPECT_EQ(sa.sparse_reference, sb.sparse_reference) << when;
      EXPECT_EQ(ha->size(), hb->size()) << when;
      EXPECT_FALSE(ha->empty()) << when;
      for (size_t i = 0; i < ha->size() && i < hb->size(); ++i) {
        EXPECT_EQ((*ha)[i].id, (*hb)[i].id) << when << " rank " << i;
        EXPECT_EQ((*ha)[i].sparse, (*hb)[i].sparse) << when << " rank " << i;
        EXPECT_EQ((*ha)[i].dense, (*hb)[i].dense) << when << " rank " << i;
        EXPECT_EQ((*ha)[i].fused, (*hb)[i].fused) << when << " rank " << i;
      }
    }
    // The lexical evidence too, term by term.
    const auto ea = retriever_->Explain(q, ids);
    auto eb = retriever_->Explain(*prepared, ids);
    if (!eb.ok()) {
      ADD_FAILURE() << when << ": " << eb.status().ToString();
      return 0;
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(ea[i].size(), (*eb)[i].size()) << when << " id " << ids[i];
      for (size_t j = 0; j < ea[i].size() && j < (*eb)[i].size(); ++j) {
        EXPECT_EQ(ea[i][j].term, (*eb)[i][j].term) << when << " id " << ids[i];
        EXPECT_EQ(ea[i][j].contribution, (*eb)[i][j].contribution) << when << " id " << ids[i];
      }
    }
    EXPECT_FALSE((*eb)[0].empty()) << when << ": document 1 shares terms with the query";
    // Asked for some kinds only: exactly the terms of those kinds, in the
    // same order.
    auto words = retriever_->Explain(*prepared, ids, {FeatureKind::kSyllable, FeatureKind::kBigram});
    if (!words.ok()) {
      ADD_FAILURE() << when << ": " << words.status().ToString();
      return 0;
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      std::vector<std::string> expected, got;
      for (const auto& t : (*eb)[i]) {
        if (t.term.rfind("s:", 0) == 0 || t.term.rfind("b:", 0) == 0) expected.push_back(t.term);
      }
      for (const auto& t : (*words)[i]) got.push_back(t.term);
      EXPECT_EQ(got, expected) << when << " id " << ids[i];
    }
    EXPECT_FALSE((*words)[0].empty()) << when;
    EXPECT_LT((*words)[0].size(), (*eb)[0].size()) << when << ": n-grams and concepts left out";
    return (*b)[4].sparse;  // id 7
  };
  same("as built");
  ASSERT_TRUE(retriever_->Upsert(Doc(6, "Máy sấy chè mini 50 kg/giờ")).ok());
  ASSERT_TRUE(retriever_->Upsert(Doc(7, "Máy sấy xoài, sấy mít, sấy chuối")).ok());
  EXPECT_GT(same("after upserts"), 0) << "the word new to the corpus counts";
  ASSERT_TRUE(retriever_->Build({Doc(1, "Máy sấy chè"), Doc(2, "Máy vò chè")}).ok());
  auto stale = retriever_->ScoreDocuments(*prepared, ids);
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(retriever_->Search(*prepared, q).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(retriever_->Explain(*prepared, ids).status().code(), StatusCode::kFailedPrecondition);
}

TEST(Retriever, ExternalVectorsOfWrongDimensionAreRejected) {
  Analyzer analyzer(nullptr);
  RetrieverOptions o;
  o.external_dim = 3;
  Retriever r(&analyzer, o);
  Document a = Doc(1, "a"), b = Doc(2, "b");
  a.vector = {1, 0, 0};
  b.vector = {1, 0};
  Status s = r.Build({a, b});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("document 2"), std::string::npos) << s.message();
  b.vector = {0, 1, 0};
  ASSERT_TRUE(r.Build({a, b}).ok());
  Query q = Q("zzz");
  q.vector = {0, 1, 0};
  auto hits = r.Search(q);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ((*hits)[0].id, 2);
  q.vector = {0, 1};
  EXPECT_EQ(r.Search(q).status().code(), StatusCode::kInvalidArgument);
}

// The similarity side brings its own dense_candidates into the union
// whatever k; the lexical side brings max(sparse_candidates, k), so a query
// whose words match still fills its k.
TEST(Retriever, DenseSideBringsItsOwnCountWhateverK) {
  Analyzer analyzer(nullptr);
  RetrieverOptions o;
  o.external_dim = 2;
  o.dense_candidates = 2;
  o.sparse_candidates = 2;
  Retriever r(&analyzer, o);
  std::vector<Document> docs;
  for (int64_t id = 1; id <= 8; ++id) {
    // Documents 1-4 share the word "chè"; every document points its own way.
    Document d = Doc(id, id <= 4 ? "máy sấy chè số " + std::to_string(id) : "thiết bị khác");
    d.vector = {static_cast<float>(id), 1.0f};
    docs.push_back(std::move(d));
  }
  ASSERT_TRUE(r.Build(docs).ok());
  // No word matches: only the two most similar documents come back.
  Query none = Q("zzz", 6);
  none.vector = {8, 1};
  auto hits = r.Search(none);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 2u);
  for (const Candidate& c : *hits) EXPECT_GE(c.id, 7) << "not among the two most similar";
  // Words match: the lexical side fills k = 6 with its four matches, the
  // similarity side adds its two.
  Query some = Q("chè", 6);
  some.vector = {8, 1};
  hits = r.Search(some);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->size(), 6u);
}

// A lexicon concept carries a need across languages: the English catalogue
// that names the machine scores above (BM25) a Vietnamese one sharing only
// the generic words "máy sấy" with the need. With a concept weighing no
// more than one syllable the shared words win.
TEST(Retriever, ConceptHitOutweighsSharedGenericWords) {
  auto lex = Lexicon::Load(std::string(KETNOI_DATA_DIR) + "/lexicon");
  ASSERT_TRUE(lex.ok()) << lex.status().ToString();
  Analyzer analyzer(lex->get());
  std::vector<Document> docs = {
      Doc(1, "Chain-belt tea dryers for green tea, 200-400 kg of fresh leaf per hour"),
      Doc(2, "Bán máy sấy lúa, máy sấy ngô, máy sấy cà phê cho hợp tác xã"),
      Doc(3, "Máy may công nghiệp một kim cho xưởng may mặc"),
      Doc(4, "Steam boilers and biomass furnaces for food factories"),
  };
  // Sparse score of doc 1 minus that of doc 2 for the need.
  auto margin = [&](RetrieverOptions o) {
    o.lsa.dim = 8;
    Retriever r(&analyzer, o);
    EXPECT_TRUE(r.Build(docs).ok());
    auto hits = r.Search(Q("cần máy sấy chè băng tải"));
    EXPECT_TRUE(hits.ok());
    float s[3] = {0, 0, 0};
    if (hits.ok()) {
      for (const Candidate& c : *hits) {
        if (c.id == 1 || c.id == 2) s[c.id] = c.sparse;
      }
    }
    EXPECT_GT(s[2], 0);  // the shared words do count
    return s[1] - s[2];
  };
  EXPECT_GT(margin(RetrieverOptions{}), 0);
  RetrieverOptions weak;
  weak.vocabulary.weights.w[static_cast<int>(FeatureKind::kConcept)] = 1.0f;
  EXPECT_LT(margin(weak), 0);
}

// A buyer names a model without the catalogue's colour suffix; a sibling
// model's listing repeats the buyer's other words. The model's code term
// (its stem) puts the named model first; without code terms the sibling's
// repeated words and shared n-grams win.
TEST(Retriever, ModelCodeWithoutItsSuffixFindsTheModel) {
  auto first = [](bool codes) {
    AnalyzerOptions ao;
    ao.codes = codes;
    Analyzer analyzer(nullptr, ao);
    RetrieverOptions o;
    o.lsa.dim = 8;
    Retriever r(&analyzer, o);
    std::vector<Document> docs = {
        Doc(1, "LG range - LRE30453WH"),
        Doc(2, "LG electric range with convection oven - LRE30457WH"),
        Doc(3, "Samsung microwave oven - SMH1611"),
        Doc(4, "Whirlpool gas range - WFG361"),
        Doc(5, "Bosch dishwasher - SHE3AR75"),
        Doc(6, "LG washer - WM2016"),
    };
    EXPECT_TRUE(r.Build(docs).ok());
    auto res = r.Search(Q("electric range LRE30453"));
    EXPECT_TRUE(res.ok());
    return res.ok() && !res->empty() ? (*res)[0].id : int64_t{-1};
  };
  EXPECT_EQ(first(true), 1);
  EXPECT_EQ(first(false), 2);  // the case the code terms are for
}

}  // namespace
}  // namespace ketnoi::indexer
