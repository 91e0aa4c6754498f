#include "indexer/vector_index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <unordered_set>

#include "indexer/embedder.h"

namespace ketnoi::indexer {
namespace {

// n unit vectors of dimension d around `clusters` random centres.
std::vector<float> Clustered(size_t n, int d, int clusters, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> centres(static_cast<size_t>(clusters) * d), x(n * d);
  for (float& c : centres) c = g(rng);
  for (size_t i = 0; i < n; ++i) {
    size_t c = rng() % clusters;
    for (int j = 0; j < d; ++j) x[i * d + j] = centres[c * d + j] + 0.6f * g(rng);
    L2Normalize(&x[i * d], d);
  }
  return x;
}

std::unique_ptr<VectorIndex> Make(VectorIndexOptions o) {
  auto index = VectorIndex::Create(o);
  EXPECT_TRUE(index.ok());
  return std::move(index).value();
}

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/ketnoi_vi_" + name + "_" + std::to_string(::getpid());
}

TEST(VectorIndex, AddUpdateRemoveFilter) {
  VectorIndexOptions o;
  o.dim = 4;
  auto index = Make(o);
  float a[4] = {1, 0, 0, 0}, b[4] = {0, 1, 0, 0}, c[4] = {0.8f, 0.6f, 0, 0};
  ASSERT_TRUE(index->Upsert(100, a).ok());
  ASSERT_TRUE(index->Upsert(200, b).ok());
  ASSERT_TRUE(index->Upsert(300, c).ok());
  auto hits = index->Search(a, 3);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 3u);
  EXPECT_EQ((*hits)[0].id, 100);
  EXPECT_EQ((*hits)[1].id, 300);

  ASSERT_TRUE(index->Upsert(100, b).ok());  // update: 100 now points like b
  hits = index->Search(a, 3);
  EXPECT_EQ((*hits)[0].id, 300);
  EXPECT_EQ(index->size(), 3u);

  EXPECT_TRUE(index->Remove(300));
  EXPECT_FALSE(index->Remove(300));
  hits = index->Search(a, 3);
  ASSERT_EQ(hits->size(), 2u);
  for (auto& h : *hits) EXPECT_NE(h.id, 300);

  IdSetFilter only200({200});
  hits = index->Search(b, 3, &only200);
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].id, 200);
  auto scores = index->Score(a, {200, 999});
  EXPECT_NEAR(scores[0], 0.0f, 1e-6);
  EXPECT_TRUE(std::isnan(scores[1]));
}

// A small index of `type` (dimension 8, 4 IVF lists) holding n clustered
// vectors under ids first, first + step, ...; `x` and `ids` get them.
std::unique_ptr<VectorIndex> SmallIndex(VectorIndexType type, size_t n, uint64_t seed,
                                        int64_t first, int64_t step, std::vector<float>* x,
                                        std::vector<int64_t>* ids) {
  VectorIndexOptions o;
  o.dim = 8;
  o.type = type;
  o.ivf_nlist = 4;
  auto index = Make(o);
  *x = Clustered(n, o.dim, 4, seed);
  ids->resize(n);
  for (size_t i = 0; i < n; ++i) (*ids)[i] = first + step * static_cast<int64_t>(i);
  EXPECT_TRUE(index->Upsert(n, ids->data(), x->data()).ok());
  return index;
}

// The stored vector comes back as given (flat) or as the IVF stores it
// (flat lists: the same floats), and not after removal.
TEST(VectorIndex, VectorReturnsTheStoredVector) {
  for (VectorIndexType type : {VectorIndexType::kFlat, VectorIndexType::kIvf}) {
    const size_t n = 200;
    const int d = 8;
    std::vector<float> x;
    std::vector<int64_t> ids;
    auto index = SmallIndex(type, n, 7, 1000, 1, &x, &ids);
    std::vector<float> got(d);
    for (size_t i : {size_t{0}, size_t{57}, n - 1}) {
      ASSERT_TRUE(index->Vector(ids[i], got.data())) << index->Describe() << " id " << ids[i];
      for (int j = 0; j < d; ++j) EXPECT_EQ(got[j], x[i * d + j]) << index->Describe();
    }
    EXPECT_FALSE(index->Vector(5, got.data()));
    ASSERT_TRUE(index->Remove(ids[57]));
    EXPECT_FALSE(index->Vector(ids[57], got.data()));
  }
}

// Score and Vector read the stored vectors in place (flat storage, IVF
// lists): removals that purge and move vectors inside Faiss's lists, and
// updates, must leave every live id reading its own vector.
TEST(VectorIndex, StoredVectorsStayRightThroughRemovalsAndUpdates) {
  for (VectorIndexType type : {VectorIndexType::kFlat, VectorIndexType::kIvf}) {
    const size_t n = 400;
    const int d = 8;
    std::vector<float> x;
    std::vector<int64_t> ids;
    auto index = SmallIndex(type, n, 11, 5000, 3, &x, &ids);
    // Remove every third (past the purge ratio), update every fifth.
    std::vector<float> y = Clustered(n, d, 4, 12);
    for (size_t i = 0; i < n; i += 3) ASSERT_TRUE(index->Remove(ids[i]));
    for (size_t i = 1; i < n; i += 5) ASSERT_TRUE(index->Upsert(ids[i], &y[i * d]).ok());
    const float* q = &y[0];
    std::vector<float> got(d);
    for (size_t i = 0; i < n; ++i) {
      const bool removed = i % 3 == 0, updated = i % 5 == 1;
      const float* want = updated ? &y[i * d] : &x[i * d];
      const float score = index->Score(q, {ids[i]})[0];
      if (removed && !updated) {
        EXPECT_TRUE(std::isnan(score)) << index->Describe() << " id " << ids[i];
        EXPECT_FALSE(index->Vector(ids[i], got.data()));
        continue;
      }
      ASSERT_TRUE(index->Vector(ids[i], got.data())) << index->Describe() << " id " << ids[i];
      float dot = 0;
      for (int j = 0; j < d; ++j) {
        EXPECT_EQ(got[j], want[j]) << index->Describe() << " id " << ids[i];
        dot += q[j] * want[j];
      }
      EXPECT_NEAR(score, dot, 1e-5) << index->Describe() << " id " << ids[i];
    }
  }
}

TEST(VectorIndex, SaveLoadAndCatchUp) {
  VectorIndexOptions o;
  o.dim = 16;
  auto index = Make(o);
  auto x = Clustered(50, 16, 5, 1);
  std::vector<int64_t> ids(50);
  for (int i = 0; i < 50; ++i) ids[i] = 1000 + i;
  ASSERT_TRUE(index->Upsert(50, ids.data(), x.data()).ok());
  index->Remove(1003);
  const std::string path = TempPath("saveload");
  ASSERT_TRUE(index->Save(path, {42, 7}).ok());

  VectorIndexHeader h;
  auto loaded = VectorIndex::Load(path, o, 7, &h);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(h.sequence, 42u);
  EXPECT_EQ((*loaded)->size(), 49u);
  EXPECT_FALSE((*loaded)->Contains(1003));
  auto hits = (*loaded)->Search(&x[10 * 16], 1);
  EXPECT_EQ((*hits)[0].id, 1010);
  // Catch-up: records changed after sequence 42 are applied on top.
  ASSERT_TRUE((*loaded)->Upsert(1003, &x[3 * 16]).ok());
  (*loaded)->Remove(1010);
  hits = (*loaded)->Search(&x[3 * 16], 1);
  EXPECT_EQ((*hits)[0].id, 1003);
  EXPECT_FALSE((*loaded)->Contains(1010));

  // Another embedder version: stale, the caller rebuilds.
  EXPECT_EQ(VectorIndex::Load(path, o, 8, nullptr).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(VectorIndex::Load(path + ".missing", o, 7, nullptr).status().code(),
            StatusCode::kNotFound);
  // The header alone: what the file covers and its dimension.
  auto info = VectorIndex::ReadHeader(path);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->header.sequence, 42u);
  EXPECT_EQ(info->header.embedder_version, 7u);
  EXPECT_EQ(info->dim, 16);
  EXPECT_EQ(VectorIndex::ReadHeader(path + ".missing").status().code(), StatusCode::kNotFound);
  {
    std::ofstream(path + ".short", std::ios::binary) << "KVIX";
  }
  EXPECT_EQ(VectorIndex::ReadHeader(path + ".short").status().code(), StatusCode::kCorruption);
  std::remove((path + ".short").c_str());
  std::remove(path.c_str());
}

TEST(VectorIndex, CorruptFileIsDetected) {
  VectorIndexOptions o;
  o.dim = 8;
  auto index = Make(o);
  auto x = Clustered(20, 8, 2, 2);
  std::vector<int64_t> ids(20);
  for (int i = 0; i < 20; ++i) ids[i] = i;
  ASSERT_TRUE(index->Upsert(20, ids.data(), x.data()).ok());
  const std::string path = TempPath("corrupt");
  ASSERT_TRUE(index->Save(path, {1, 1}).ok());
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x5A;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << flipped;
  EXPECT_EQ(VectorIndex::Load(path, o, 1, nullptr).status().code(), StatusCode::kCorruption);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 10);
  EXPECT_EQ(VectorIndex::Load(path, o, 1, nullptr).status().code(), StatusCode::kCorruption);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << "garbage";
  EXPECT_EQ(VectorIndex::Load(path, o, 1, nullptr).status().code(), StatusCode::kCorruption);
  std::remove(path.c_str());
}

double RecallAt10(const VectorIndex& approx, const VectorIndex& exact, const float* q, int nq,
                  int d) {
  double total = 0;
  for (int i = 0; i < nq; ++i) {
    auto a = approx.Search(q + i * d, 10);
    auto e = exact.Search(q + i * d, 10);
    std::set<int64_t> truth;
    for (auto& h : *e) truth.insert(h.id);
    int hit = 0;
    for (auto& h : *a) hit += truth.count(h.id);
    total += hit / 10.0;
  }
  return total / nq;
}

TEST(VectorIndex, AutoSwitchesToIvfWithGoodRecall) {
  const int d = 32, n = 4000;
  auto x = Clustered(n, d, 40, 3);
  std::vector<int64_t> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = 7 * i + 1;
  VectorIndexOptions o;
  o.dim = d;
  o.approximate_threshold = 1000;
  o.ivf_nprobe = 16;
  auto ivf = Make(o);
  ASSERT_TRUE(ivf->Upsert(n, ids.data(), x.data()).ok());
  EXPECT_EQ(ivf->Stats().type, "ivf");
  EXPECT_NE(ivf->Describe().find("ivf nlist="), std::string::npos);
  o.type = VectorIndexType::kFlat;
  auto flat = Make(o);
  ASSERT_TRUE(flat->Upsert(n, ids.data(), x.data()).ok());
  auto q = Clustered(100, d, 40, 4);
  double recall = RecallAt10(*ivf, *flat, q.data(), 100, d);
  EXPECT_GE(recall, 0.9) << ivf->Describe();
  // Removals in the IVF (tombstones, then purged).
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(ivf->Remove(ids[i]));
  EXPECT_EQ(ivf->size(), 3000u);
  EXPECT_LT(ivf->Stats().tombstones, 1000u);  // purged past 20% of stored
  ASSERT_TRUE(ivf->Compact().ok());
  EXPECT_EQ(ivf->Stats().tombstones, 0u);
  auto hits = ivf->Search(&x[0], 10);
  for (auto& h : *hits) EXPECT_GE(h.id, ids[1000]);
}

TEST(VectorIndex, FilteredSearchIsTheBestAllowedOfWhatIsScanned) {
  // Flat: the filtered top k is the brute-force top k of the allowed ids.
  // IVF: the same lists are probed with or without a filter, so the
  // filtered top k is the unfiltered ranking of everything probed (k = n)
  // with the refused ids taken out.
  const int d = 24, n = 3000;
  auto x = Clustered(n, d, 30, 5);
  std::vector<int64_t> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = 3 * i + 2;
  std::unordered_set<int64_t> allowed;
  for (int i = 0; i < n; i += 7) allowed.insert(ids[i]);
  IdSetFilter filter(allowed);
  auto q = Clustered(20, d, 30, 6);
  for (VectorIndexType type : {VectorIndexType::kFlat, VectorIndexType::kIvf}) {
    VectorIndexOptions o;
    o.dim = d;
    o.type = type;
    o.ivf_nprobe = 4;
    auto index = Make(o);
    ASSERT_TRUE(index->Upsert(n, ids.data(), x.data()).ok());
    ASSERT_TRUE(index->Remove(ids[7]));  // an allowed id removed
    for (int i = 0; i < 20; ++i) {
      const float* query = &q[static_cast<size_t>(i) * d];
      auto all = index->Search(query, n);
      auto got = index->Search(query, 10, &filter);
      ASSERT_TRUE(all.ok() && got.ok());
      std::vector<int64_t> expected;
      for (const auto& h : *all) {
        if (allowed.count(h.id) && expected.size() < 10) expected.push_back(h.id);
      }
      ASSERT_EQ(got->size(), expected.size()) << i;
      for (size_t j = 0; j < expected.size(); ++j) {
        EXPECT_EQ((*got)[j].id, expected[j]) << i << " " << j;
        EXPECT_NE((*got)[j].id, ids[7]);
      }
    }
  }
}

TEST(VectorIndex, HnswTombstonesAndRebuild) {
  const int d = 16, n = 1200;
  auto x = Clustered(n, d, 20, 5);
  std::vector<int64_t> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = i;
  VectorIndexOptions o;
  o.dim = d;
  o.type = VectorIndexType::kHnsw;
  o.tombstone_ratio = 0.1;
  auto hnsw = Make(o);
  ASSERT_TRUE(hnsw->Upsert(n, ids.data(), x.data()).ok());
  auto hits = hnsw->Search(&x[5 * d], 1);
  EXPECT_EQ((*hits)[0].id, 5);
  for (int i = 0; i < 50; ++i) hnsw->Remove(i);  // below the ratio: tombstones
  EXPECT_EQ(hnsw->Stats().tombstones, 50u);
  hits = hnsw->Search(&x[5 * d], 10);
  for (auto& h : *hits) EXPECT_GE(h.id, 50);
  for (int i = 50; i < 200; ++i) hnsw->Remove(i);  // past it: rebuilt
  EXPECT_LT(hnsw->Stats().tombstones, 150u);
  EXPECT_EQ(hnsw->size(), 1000u);
  hits = hnsw->Search(&x[500 * d], 1);
  EXPECT_EQ((*hits)[0].id, 500);
}

}  // namespace
}  // namespace ketnoi::indexer
