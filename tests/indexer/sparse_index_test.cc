#include "indexer/sparse_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/helper_pool.h"

namespace ketnoi::indexer {
namespace {

std::vector<Feature> Words(const std::vector<std::string>& words) {
  std::vector<Feature> f;
  for (const auto& w : words) {
    bool found = false;
    for (auto& x : f) {
      if (x.term == "s:" + w) {
        x.count += 1;
        found = true;
      }
    }
    if (!found) f.push_back({"s:" + w, FeatureKind::kSyllable, 1});
  }
  return f;
}

class SparseIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    index_.Upsert(10, Words({"may", "say", "che", "bang", "tai"}));
    index_.Upsert(20, Words({"may", "vo", "che"}));
    index_.Upsert(30, Words({"may", "xay", "san", "tinh", "bot"}));
  }
  Vocabulary vocab_;
  SparseIndex index_{&vocab_};
};

TEST_F(SparseIndexTest, RanksByBm25) {
  auto hits = index_.Search(vocab_.QueryWeights(Words({"say", "che"})), 10);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].id, 10);  // both terms
  EXPECT_EQ(hits[1].id, 20);  // "che" only
  EXPECT_GT(hits[0].score, hits[1].score);
  EXPECT_NEAR(index_.Score(vocab_.QueryWeights(Words({"say", "che"})), 10), hits[0].score, 1e-5);
}

TEST_F(SparseIndexTest, UpdateReplacesAndRemoveForgets) {
  index_.Upsert(20, Words({"noi", "hoi"}));
  EXPECT_EQ(index_.size(), 3u);
  auto hits = index_.Search(vocab_.QueryWeights(Words({"vo"})), 10);
  EXPECT_TRUE(hits.empty());  // the old version of 20 is gone
  EXPECT_EQ(vocab_.df(vocab_.Find("s:che")), 1u);
  EXPECT_TRUE(index_.Remove(10));
  EXPECT_FALSE(index_.Remove(10));
  EXPECT_TRUE(index_.Search(vocab_.QueryWeights(Words({"say"})), 10).empty());
  EXPECT_EQ(vocab_.num_docs(), 2u);
}

TEST_F(SparseIndexTest, FilterRestrictsResults) {
  IdSetFilter only30({30});
  auto hits = index_.Search(vocab_.QueryWeights(Words({"may"})), 10, &only30);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].id, 30);
}

TEST_F(SparseIndexTest, ExplainListsMatchedTerms) {
  auto terms = index_.Explain(vocab_.QueryWeights(Words({"say", "che", "lua"})), 10);
  ASSERT_EQ(terms.size(), 2u);
  EXPECT_EQ(terms[0].term, "s:say");  // rarer, larger contribution
  EXPECT_EQ(terms[1].term, "s:che");
}

TEST(SparseIndex, CompactionKeepsResults) {
  Vocabulary vocab;
  SparseIndex index(&vocab);
  for (int i = 0; i < 400; ++i) index.Upsert(i, Words({"w" + std::to_string(i % 7), "common"}));
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(index.Remove(i));
  EXPECT_EQ(index.size(), 100u);
  auto hits = index.Search(vocab.QueryWeights(Words({"w3"})), 1000);
  for (const auto& h : hits) EXPECT_GE(h.id, 300);
  EXPECT_EQ(hits.size(), 14u);  // ids 300..399 with i % 7 == 3
}

// Exact BM25 computed from the features alone (the vocabulary's statistics
// and weighting, none of the index's structures), in query order.
float BruteBm25(const Vocabulary& vocab, const SparseVector& query,
                const std::vector<Feature>& features) {
  const KindLengths len = LengthsOf(features);
  float total = 0;
  for (const WeightedTerm& q : query) {
    for (const Feature& f : features) {
      if (vocab.Find(f.term) != q.id) continue;
      total += q.weight * vocab.Bm25Tf(f.count, len[static_cast<int>(f.kind)], f.kind);
    }
  }
  return total;
}

// A document of `n` terms of two kinds drawn from a skewed vocabulary of 60
// syllables and 40 n-grams (counts aggregated, as the analyzer does).
std::vector<Feature> RandomDoc(std::mt19937* rng, int n) {
  std::vector<Feature> f;
  for (int i = 0; i < n; ++i) {
    const bool gram = (*rng)() % 3 == 0;
    const int r = static_cast<int>((*rng)() % (gram ? 40 : 60));
    const int w = r * r / (gram ? 40 : 60);  // low ids more frequent
    const std::string term = (gram ? "n:" : "s:") + std::to_string(w);
    bool found = false;
    for (auto& x : f) {
      if (x.term == term) {
        x.count += 1;
        found = true;
      }
    }
    if (!found) f.push_back({term, gram ? FeatureKind::kCharNgram : FeatureKind::kSyllable, 1});
  }
  return f;
}

class SparseIndexDriftTest : public ::testing::Test {
 protected:
  void Add(int64_t id, std::vector<Feature> f) {
    index_.Upsert(id, f);
    docs_[id] = std::move(f);
  }
  void Drop(int64_t id) {
    ASSERT_TRUE(index_.Remove(id));
    docs_.erase(id);
  }
  // Search (exhaustive, with a budget and with pruning) must return the
  // brute-force top k with exact scores, equal to Score().
  void ExpectExact(const SparseVector& q, size_t k, const IdFilter* filter = nullptr) {
    std::vector<SparseHit> brute;
    for (const auto& [id, f] : docs_) {
      if (filter != nullptr && !filter->Allows(id)) continue;
      const float s = BruteBm25(vocab_, q, f);
      if (s > 0) brute.push_back({id, s});
    }
    std::sort(brute.begin(), brute.end(), [](const SparseHit& a, const SparseHit& b) {
      return a.score != b.score ? a.score > b.score : a.id < b.id;
    });
    if (brute.size() > k) brute.resize(k);
    for (bool prune : {false, true}) {
      index_.SetPruning(prune);
      const std::vector<SparseHit> hits = index_.Search(q, k, filter);
      ASSERT_EQ(hits.size(), brute.size()) << "prune " << prune;
      for (size_t i = 0; i < hits.size(); ++i) {
        // Same scores rank by rank; ids may differ only between equal scores.
        EXPECT_NEAR(hits[i].score, brute[i].score, 1e-5 * brute[i].score) << i;
        EXPECT_NEAR(hits[i].score, BruteBm25(vocab_, q, docs_.at(hits[i].id)),
                    1e-5 * hits[i].score);
        EXPECT_EQ(hits[i].score, index_.Score(q, hits[i].id));
      }
    }
    index_.SetPruning(false);
    // A budget of one posting walks one term alone; the scores it returns
    // are still exact.
    for (const SparseHit& h : index_.Search(q, k, filter, 1)) {
      EXPECT_EQ(h.score, index_.Score(q, h.id));
    }
  }
  std::vector<SparseVector> Queries() {
    std::vector<SparseVector> out;
    std::mt19937 rng(7);
    for (int i = 0; i < 12; ++i) out.push_back(vocab_.QueryWeights(RandomDoc(&rng, 2 + i % 6)));
    return out;
  }

  Vocabulary vocab_;
  SparseIndex index_{&vocab_};
  std::map<int64_t, std::vector<Feature>> docs_;
};

TEST_F(SparseIndexDriftTest, ExactWhileAverageLengthsDrift) {
  std::mt19937 rng(1);
  for (int64_t id = 0; id < 300; ++id) Add(id, RandomDoc(&rng, 3 + id % 5));
  for (const auto& q : Queries()) ExpectExact(q, 10);
  // Ten times longer documents: every average length moves several fold,
  // checked after each batch of 25 (between refreshes of the impacts).
  for (int64_t id = 300; id < 600; ++id) {
    Add(id, RandomDoc(&rng, 40 + id % 37));
    if (id % 25 == 0) {
      for (const auto& q : Queries()) ExpectExact(q, 1 + id % 30);
    }
  }
  // And back: the long ones removed (without compaction below a quarter).
  for (int64_t id = 300; id < 600; id += 3) {
    Drop(id);
    if (id % 51 == 0) {
      for (const auto& q : Queries()) ExpectExact(q, 20);
    }
  }
  IdSetFilter even([] {
    std::unordered_set<int64_t> ids;
    for (int64_t id = 0; id < 600; id += 2) ids.insert(id);
    return ids;
  }());
  for (const auto& q : Queries()) ExpectExact(q, 15, &even);
}

TEST_F(SparseIndexDriftTest, ExactAfterParametersChange) {
  std::mt19937 rng(2);
  for (int64_t id = 0; id < 200; ++id) Add(id, RandomDoc(&rng, 2 + id % 40));
  VocabularyOptions o = vocab_.options();
  o.k1 = 2.0f;
  o.b = 0.3f;
  vocab_.set_options(o);  // impacts were computed at the old k1 and b
  for (const auto& q : Queries()) ExpectExact(q, 25);
  Add(1000, RandomDoc(&rng, 9));
  for (const auto& q : Queries()) ExpectExact(q, 25);
}

TEST_F(SparseIndexDriftTest, RemovedAndReplacedDocumentsNeverReturn) {
  std::mt19937 rng(3);
  for (int64_t id = 0; id < 400; ++id) Add(id, RandomDoc(&rng, 5 + id % 9));
  for (int64_t id = 0; id < 400; id += 2) Drop(id);        // past a quarter: compacted
  for (int64_t id = 1; id < 120; id += 2) Drop(id);        // dead postings again
  for (int64_t id = 121; id < 200; id += 2) Add(id, RandomDoc(&rng, 3));  // replaced
  for (const auto& q : Queries()) {
    ExpectExact(q, 1000);
    for (const SparseHit& h : index_.Search(q, 1000)) EXPECT_TRUE(docs_.count(h.id)) << h.id;
  }
}

TEST_F(SparseIndexDriftTest, PrunedSearchLeavesNothingBehind) {
  // A rare, heavy term and twelve common ones (each in two thirds of the
  // documents), so that pruning stops walking after half of the common
  // terms and drops most documents; the searches after it must not be
  // affected (each thread reuses its scratch).
  std::mt19937 rng(4);
  auto common = [&](int n) {
    std::vector<Feature> f;
    for (int t = 0; t < 12; ++t) {
      if (static_cast<int>(rng() % 12) < n) {
        f.push_back({"s:c" + std::to_string(t), FeatureKind::kSyllable,
                     static_cast<float>(1 + rng() % 3)});
      }
    }
    return f;
  };
  for (int64_t id = 0; id < 4000; ++id) {
    std::vector<Feature> f = common(8);
    if (id % 97 == 0) f.push_back({"s:rare", FeatureKind::kSyllable, 1});
    Add(id, std::move(f));
  }
  std::vector<Feature> qf;
  for (int t = 0; t < 12; ++t) qf.push_back({"s:c" + std::to_string(t), FeatureKind::kSyllable, 1});
  qf.push_back({"s:rare", FeatureKind::kSyllable, 3});
  const SparseVector q = vocab_.QueryWeights(qf);
  index_.SetPruning(false);
  const std::vector<SparseHit> before = index_.Search(q, 5);
  for (int round = 0; round < 8; ++round) {
    index_.SetPruning(true);
    const std::vector<SparseHit> pruned = index_.Search(q, 5);
    ASSERT_EQ(pruned.size(), before.size());
    for (size_t i = 0; i < pruned.size(); ++i) EXPECT_EQ(pruned[i].id, before[i].id);
    index_.SetPruning(false);
    ExpectExact(vocab_.QueryWeights(common(3 + round)), 50);
  }
}

// A document of RandomDoc's terms plus padding terms of fractional counts,
// unique lengths in both kinds, so that no two documents tie on a partial
// score.
std::vector<Feature> PaddedDoc(std::mt19937* rng, int64_t id, int n) {
  std::vector<Feature> f = RandomDoc(rng, n);
  f.push_back({"s:pad" + std::to_string(id), FeatureKind::kSyllable, 1 + 0.01f * id});
  f.push_back({"n:pad" + std::to_string(id), FeatureKind::kCharNgram, 1 + 0.01f * id});
  return f;
}

// The budgeted search (max_postings = budget) must return, of the allowed
// documents, the best max(2k, k + 64) by partial BM25 over the terms walked
// (WalkedTerms: within the budget unless one term alone, and every term
// left out too large for what is left), ranked by exact score.
void ExpectBudgeted(const Vocabulary& vocab, const SparseIndex& index,
                    const std::map<int64_t, std::vector<Feature>>& docs,
                    const SparseVector& q, size_t k, size_t budget,
                    const IdFilter* filter) {
  const size_t rescore = std::max(2 * k, k + 64);
  const std::vector<uint32_t> walked_ids = index.WalkedTerms(q, budget);
  ASSERT_FALSE(walked_ids.empty());
  SparseVector walked;
  size_t spent = 0, total = 0;
  for (const WeightedTerm& t : q) {
    total += vocab.df(t.id);
    if (std::find(walked_ids.begin(), walked_ids.end(), t.id) == walked_ids.end()) continue;
    spent += vocab.df(t.id);
    walked.push_back(t);
  }
  ASSERT_EQ(walked.size(), walked_ids.size());
  if (total <= budget) {
    EXPECT_EQ(walked.size(), q.size());
    return;  // not a budgeted search
  }
  EXPECT_TRUE(spent <= budget || walked.size() == 1) << spent << " > " << budget;
  for (const WeightedTerm& t : q) {
    if (std::find(walked_ids.begin(), walked_ids.end(), t.id) != walked_ids.end()) continue;
    EXPECT_GT(spent + vocab.df(t.id), budget) << "term " << t.id << " would have fit";
  }
  std::sort(walked.begin(), walked.end(),
            [](const WeightedTerm& a, const WeightedTerm& b) { return a.id < b.id; });
  std::vector<SparseHit> partial;
  for (const auto& [id, f] : docs) {
    if (filter != nullptr && !filter->Allows(id)) continue;
    const float s = BruteBm25(vocab, walked, f);
    if (s > 0) partial.push_back({id, s});
  }
  // Ties by id, as the index orders them (ids were added in order).
  const auto better = [](const SparseHit& a, const SparseHit& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  };
  std::sort(partial.begin(), partial.end(), better);
  if (partial.size() > rescore) partial.resize(rescore);
  std::vector<SparseHit> expected;
  for (const SparseHit& p : partial) expected.push_back({p.id, BruteBm25(vocab, q, docs.at(p.id))});
  std::sort(expected.begin(), expected.end(), better);
  if (expected.size() > k) expected.resize(k);
  const std::vector<SparseHit> hits = index.Search(q, k, filter, budget);
  ASSERT_EQ(hits.size(), expected.size()) << budget;
  for (size_t i = 0; i < hits.size(); ++i) {
    EXPECT_EQ(hits[i].id, expected[i].id) << budget << " " << i;
    EXPECT_NEAR(hits[i].score, expected[i].score, 1e-5 * expected[i].score);
  }
}

TEST_F(SparseIndexDriftTest, BudgetedSearchScoresTheBestPartialMatches) {
  std::mt19937 rng(5);
  for (int64_t id = 0; id < 500; ++id) Add(id, PaddedDoc(&rng, id, 4 + id % 9));
  for (int64_t id = 500; id < 700; ++id) Add(id, PaddedDoc(&rng, id, 30 + id % 20));  // drift
  for (const SparseVector& q : Queries()) {
    for (size_t budget : {size_t{1}, size_t{150}, size_t{400}}) {
      ExpectBudgeted(vocab_, index_, docs_, q, 5, budget, nullptr);
    }
  }
}

// Under a budget, the terms that can add the most to a score choose the
// candidates: a concept held by many documents (kind weight 8) is walked
// before rare character n-grams (kind weight 0.2) whose postings alone
// would spend the budget, so the documents that share the concept are found.
TEST(SparseIndexBudget, HeavyCommonTermsChooseBeforeLightRareOnes) {
  Vocabulary vocab;
  SparseIndex index(&vocab);
  // 40 documents hold the concept; the 8 n-grams sit in 10 other documents
  // each; 100 documents hold neither.
  for (int64_t id = 0; id < 200; ++id) {
    std::vector<Feature> f = {{"s:pad" + std::to_string(id), FeatureKind::kSyllable, 1}};
    if (id < 40) f.push_back({"c:tea_dryer", FeatureKind::kConcept, 1});
    if (id >= 40 && id < 120) {
      f.push_back({"n:g" + std::to_string((id - 40) / 10), FeatureKind::kCharNgram, 1});
    }
    index.Upsert(id, f);
  }
  std::vector<Feature> query = {{"c:tea_dryer", FeatureKind::kConcept, 1}};
  for (int g = 0; g < 8; ++g) {
    query.push_back({"n:g" + std::to_string(g), FeatureKind::kCharNgram, 1});
  }
  const SparseVector q = vocab.QueryWeights(query);
  // 120 postings in all; a budget of 60 fits the concept's 40 and two
  // n-grams' 10 each (ordered by rarity, six n-grams and no concept).
  const std::vector<uint32_t> walked = index.WalkedTerms(q, 60);
  ASSERT_EQ(walked.size(), 3u);
  EXPECT_EQ(walked[0], vocab.Find("c:tea_dryer"));
  const std::vector<SparseHit> hits = index.Search(q, 5, nullptr, 60);
  ASSERT_EQ(hits.size(), 5u);
  for (const SparseHit& h : hits) {
    EXPECT_LT(h.id, 40) << "a document without the concept ranked in the top 5";
    EXPECT_EQ(h.score, index.Score(q, h.id));
  }
  // Unbudgeted, or over a budget the query fits, every term is walked.
  EXPECT_EQ(index.WalkedTerms(q, 0).size(), q.size());
  EXPECT_EQ(index.WalkedTerms(q, 120).size(), q.size());
}

TEST_F(SparseIndexDriftTest, BatchScoresEqualSingleScores) {
  std::mt19937 rng(8);
  for (int64_t id = 0; id < 300; ++id) Add(id, RandomDoc(&rng, 3 + id % 30));
  for (int64_t id = 0; id < 300; id += 7) Drop(id);
  std::vector<int64_t> ids = {299, -1, 14, 5};  // unknown and removed ones score 0
  for (int64_t id = 0; id < 300; ++id) ids.push_back(id);
  for (const SparseVector& q : Queries()) {
    const std::vector<float> batch = index_.Score(q, ids);
    ASSERT_EQ(batch.size(), ids.size());
    size_t positive = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(batch[i], index_.Score(q, ids[i])) << ids[i];
      if (docs_.count(ids[i]) == 0) EXPECT_EQ(batch[i], 0.0f) << ids[i];
      positive += batch[i] > 0;
    }
    EXPECT_GT(positive, 0u);
  }
  EXPECT_TRUE(index_.Score(Queries()[0], std::vector<int64_t>{}).empty());
}

TEST_F(SparseIndexDriftTest, ManyCandidatesWithAndWithoutFilters) {
  // Thousands of matching documents for a small k: the search keeps only
  // those near the running threshold of the best (several rounds of
  // selection), with the filter applied to those alone; the results must
  // still be the brute-force ones, filtered or not, budgeted or not.
  std::mt19937 rng(6);
  for (int64_t id = 0; id < 6000; ++id) Add(id, PaddedDoc(&rng, id, 3 + id % 11));
  auto allow = [](int mod) {
    std::unordered_set<int64_t> ids;
    for (int64_t id = 0; id < 6000; id += mod) ids.insert(id);
    return ids;
  };
  IdSetFilter every_third(allow(3)), one_in_97(allow(97));
  for (const SparseVector& q : Queries()) {
    for (const IdFilter* filter :
         {static_cast<const IdFilter*>(nullptr), static_cast<const IdFilter*>(&every_third),
          static_cast<const IdFilter*>(&one_in_97)}) {
      for (size_t k : {size_t{1}, size_t{3}, size_t{40}}) {
        ExpectExact(q, k, filter);
        for (size_t budget : {size_t{1}, size_t{2000}, size_t{6000}}) {
          ExpectBudgeted(vocab_, index_, docs_, q, k, budget, filter);
        }
      }
    }
  }
}

TEST_F(SparseIndexDriftTest, SplitSearchesEqualSerialOnes) {
  // Split into parts (walk by document range, exact scoring by candidate)
  // on the helper threads, a search returns what the serial one returns, to
  // the bit, and the brute-force result.
  std::mt19937 rng(9);
  for (int64_t id = 0; id < 6000; ++id) Add(id, PaddedDoc(&rng, id, 3 + id % 11));
  index_.SetParallelSplit(1, 1);
  std::unordered_set<int64_t> thirds;
  for (int64_t id = 0; id < 6000; id += 3) thirds.insert(id);
  IdSetFilter every_third(thirds);
  HelperPool& pool = HelperPool::Shared();
  for (const SparseVector& q : Queries()) {
    for (const IdFilter* filter :
         {static_cast<const IdFilter*>(nullptr), static_cast<const IdFilter*>(&every_third)}) {
      for (size_t k : {size_t{1}, size_t{40}, size_t{300}}) {
        for (size_t budget : {size_t{0}, size_t{1}, size_t{2000}, size_t{6000}}) {
          pool.SetEnabled(false);
          const std::vector<SparseHit> serial = index_.Search(q, k, filter, budget);
          pool.SetEnabled(true);
          const std::vector<SparseHit> split = index_.Search(q, k, filter, budget);
          ASSERT_EQ(split.size(), serial.size()) << k << " " << budget;
          for (size_t i = 0; i < split.size(); ++i) {
            EXPECT_EQ(split[i].id, serial[i].id) << k << " " << budget << " " << i;
            EXPECT_EQ(split[i].score, serial[i].score) << k << " " << budget << " " << i;
          }
          // (Against brute force for the k whose ties it orders alone.)
          if (k > 40) continue;
          if (budget == 0) {
            ExpectExact(q, k, filter);
          } else {
            ExpectBudgeted(vocab_, index_, docs_, q, k, budget, filter);
          }
        }
      }
    }
  }
}

TEST(SparseIndex, ZeroKAndUnknownTermsGiveNothing) {
  Vocabulary vocab;
  SparseIndex index(&vocab);
  index.Upsert(1, Words({"may", "say"}));
  EXPECT_TRUE(index.Search(vocab.QueryWeights(Words({"may"})), 0).empty());
  EXPECT_TRUE(index.Search({{12345, 1.0f}}, 10).empty());
}

}  // namespace
}  // namespace ketnoi::indexer
