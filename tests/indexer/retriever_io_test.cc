// Retriever::Save / Load (indexer/retriever_io.cc): round trips, damaged
// and stale directories.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <system_error>
#include <vector>

#include "indexer/lexicon.h"
#include "indexer/retriever.h"

namespace ketnoi::indexer {
namespace {

namespace fs = std::filesystem;

// Removes the directories the tests made when the process ends.
struct Cleanup {
  std::vector<std::string> dirs;
  ~Cleanup() {
    std::error_code ec;
    for (const auto& d : dirs) fs::remove_all(d, ec);
  }
};
Cleanup cleanup;

// A fresh directory unique to the running test and process.
std::string TempDir(const std::string& tag) {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  fs::path p = fs::path(testing::TempDir()) /
               ("ketnoi_rio_" + std::string(info->name()) + "_" + tag + "_" +
                std::to_string(::getpid()));
  fs::remove_all(p);
  cleanup.dirs.push_back(p.string());
  cleanup.dirs.push_back(p.string() + ".tmp");
  return p.string();
}

Document Doc(int64_t id, std::string text) {
  Document d;
  d.id = id;
  d.fields = {{std::move(text), 1.0f}, {"Công ty " + std::to_string(id), 0.4f}};
  return d;
}

Query Q(std::string text, size_t k = 10) {
  Query q;
  q.fields.push_back({std::move(text), 1.0f});
  q.k = k;
  return q;
}

// A small corpus of the domain with variety enough for the projection.
std::vector<Document> Corpus(int n) {
  const char* what[] = {"Máy sấy chè", "Máy vò chè", "Dây chuyền tinh bột sắn", "Máy may công nghiệp",
                        "Tư vấn VietGAP", "Kho lạnh bảo quản thủy sản", "Máy cưa gỗ CNC",
                        "Lò sấy trái cây", "Máy dệt thổ cẩm", "Máy đóng gói chân không"};
  const char* how[] = {"500 kg/ngày", "2 tấn/giờ", "15 kW", "inox 304", "giá 300 triệu",
                       "cho hợp tác xã", "bảo hành 12 tháng", "tea dryer", "lắp đặt tận nơi"};
  std::mt19937 rng(7);
  std::vector<Document> docs;
  for (int i = 0; i < n; ++i) {
    std::string text = std::string(what[rng() % 10]) + ", " + how[rng() % 9] + ", " + how[rng() % 9];
    docs.push_back(Doc(100 + i, text));
  }
  return docs;
}

const std::vector<Query>& Queries() {
  static const std::vector<Query> q = {Q("máy sấy chè 500 kg/ngày"), Q("may say che"),
                                       Q("tea dryer stainless"), Q("kho lạnh thủy sản"),
                                       Q("dây chuyền sắn 2 tấn/giờ"), Q("máy dệt")};
  return q;
}

void ExpectSameResults(const Retriever& a, const Retriever& b) {
  for (const Query& q : Queries()) {
    auto ra = a.Search(q), rb = b.Search(q);
    ASSERT_TRUE(ra.ok()) << ra.status().ToString();
    ASSERT_TRUE(rb.ok()) << rb.status().ToString();
    ASSERT_EQ(ra->size(), rb->size()) << q.fields[0].text;
    for (size_t i = 0; i < ra->size(); ++i) {
      EXPECT_EQ((*ra)[i].id, (*rb)[i].id) << q.fields[0].text << " rank " << i;
      EXPECT_EQ((*ra)[i].dense, (*rb)[i].dense);
      EXPECT_EQ((*ra)[i].sparse, (*rb)[i].sparse);
      EXPECT_EQ((*ra)[i].fused, (*rb)[i].fused);
    }
    ASSERT_FALSE(ra->empty());
    auto ea = a.Explain(q, (*ra)[0].id), eb = b.Explain(q, (*ra)[0].id);
    ASSERT_EQ(ea.size(), eb.size());
    for (size_t i = 0; i < ea.size(); ++i) EXPECT_EQ(ea[i].term, eb[i].term);
  }
}

class RetrieverIo : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lex = Lexicon::Load(std::string(KETNOI_DATA_DIR) + "/lexicon");
    ASSERT_TRUE(lex.ok()) << lex.status().ToString();
    lexicon_ = std::move(*lex);
    analyzer_ = std::make_unique<Analyzer>(lexicon_.get());
    options_.lsa.dim = 24;
    original_ = std::make_unique<Retriever>(analyzer_.get(), options_);
    ASSERT_TRUE(original_->Build(Corpus(80)).ok());
    // Updates and removals after the build: tombstones and dead slots.
    ASSERT_TRUE(original_->Upsert(Doc(100, "Máy sấy chè mini 50 kg/giờ, tea dryer")).ok());
    ASSERT_TRUE(original_->Upsert(Doc(500, "Máy ép dầu lạc, máy sấy chè")).ok());
    ASSERT_TRUE(original_->Remove(101));
    ASSERT_TRUE(original_->Remove(102));
    dir_ = TempDir("saved");
    snapshot_.sequence = 4711;
    snapshot_.user_data = std::string("ids\0and\ttables", 14);
    ASSERT_TRUE(original_->Save(dir_, snapshot_).ok());
    pristine_ = TempDir("pristine");
    fs::copy(dir_, pristine_);
  }

  // Puts the saved directory back as Save wrote it.
  void Restore() {
    fs::remove_all(dir_);
    fs::copy(pristine_, dir_);
  }

  std::unique_ptr<Retriever> Fresh() const {
    return std::make_unique<Retriever>(analyzer_.get(), options_);
  }

  // The file `name` of the saved directory, rewritten by `edit`.
  void Edit(const std::string& name, const std::function<void(std::string*)>& edit) {
    std::string path = dir_ + "/" + name;
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    edit(&bytes);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), bytes.size());
  }

  std::unique_ptr<Lexicon> lexicon_;
  std::unique_ptr<Analyzer> analyzer_;
  RetrieverOptions options_;
  std::unique_ptr<Retriever> original_;
  std::string dir_, pristine_;
  RetrieverSnapshot snapshot_;
};

TEST_F(RetrieverIo, RoundTripGivesIdenticalResults) {
  auto loaded = Fresh();
  auto snap = loaded->Load(dir_);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->sequence, 4711u);
  EXPECT_EQ(snap->user_data, snapshot_.user_data);
  ExpectSameResults(*original_, *loaded);
  EXPECT_EQ(loaded->Stats().documents, original_->Stats().documents);
  EXPECT_EQ(loaded->Stats().vocabulary_terms, original_->Stats().vocabulary_terms);
  EXPECT_EQ(loaded->Stats().embedder, original_->Stats().embedder);
  EXPECT_EQ(loaded->embedder()->version(), original_->embedder()->version());
  // Both go on the same way after further writes.
  for (Retriever* r : {original_.get(), loaded.get()}) {
    ASSERT_TRUE(r->Upsert(Doc(600, "Lò sấy chè bằng điện 15 kW")).ok());
    ASSERT_TRUE(r->Remove(103));
  }
  ExpectSameResults(*original_, *loaded);
}

TEST_F(RetrieverIo, SavingAgainReplacesTheDirectory) {
  ASSERT_TRUE(original_->Upsert(Doc(700, "Máy sấy chè kiểu mới")).ok());
  fs::create_directories(dir_ + ".tmp/junk");  // left by a crashed save
  ASSERT_TRUE(original_->Save(dir_, {9, ""}).ok());
  EXPECT_FALSE(fs::exists(dir_ + ".tmp"));
  EXPECT_FALSE(fs::exists(dir_ + ".old"));
  auto loaded = Fresh();
  auto snap = loaded->Load(dir_);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->sequence, 9u);
  ExpectSameResults(*original_, *loaded);
}

TEST_F(RetrieverIo, HnswAndIvfIndexesRoundTrip) {
  for (VectorIndexType type : {VectorIndexType::kHnsw, VectorIndexType::kIvf}) {
    RetrieverOptions o = options_;
    o.vectors.type = type;
    Retriever a(analyzer_.get(), o), b(analyzer_.get(), o);
    ASSERT_TRUE(a.Build(Corpus(200)).ok());
    ASSERT_TRUE(a.Remove(150));
    std::string dir = TempDir(std::to_string(static_cast<int>(type)));
    ASSERT_TRUE(a.Save(dir, {}).ok());
    auto snap = b.Load(dir);
    ASSERT_TRUE(snap.ok()) << snap.status().ToString();
    EXPECT_EQ(a.Stats().vector_index, b.Stats().vector_index);
    ExpectSameResults(a, b);
  }
}

TEST_F(RetrieverIo, MissingDirectoryIsNotFound) {
  auto s = Fresh()->Load(TempDir("nothing"));
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound) << s.status().ToString();
}

TEST_F(RetrieverIo, FlippedBytesAreCorruptionAndLeaveTheRetrieverAsItWas) {
  for (const char* name : {"MANIFEST", "vocabulary", "embedder", "documents", "vectors"}) {
    auto size = fs::file_size(dir_ + "/" + name);
    for (size_t at : {size_t{0}, size / 2, size - 1}) {
      Restore();
      Edit(name, [at](std::string* b) { (*b)[at] ^= 0x5a; });
      auto before = Fresh();
      ASSERT_TRUE(before->Build(Corpus(20)).ok());
      auto s = before->Load(dir_);
      ASSERT_FALSE(s.ok()) << name << " byte " << at;
      EXPECT_EQ(s.status().code(), StatusCode::kCorruption) << name << ": " << s.status().ToString();
      EXPECT_EQ(before->Stats().documents, 20u);  // unchanged
      EXPECT_TRUE(before->Search(Q("máy sấy chè")).ok());
    }
  }
}

TEST_F(RetrieverIo, TruncatedOrMissingFilesAreCorruption) {
  for (const char* name : {"MANIFEST", "vocabulary", "embedder", "documents", "vectors"}) {
    Restore();
    Edit(name, [](std::string* b) { b->resize(b->size() * 2 / 3); });
    auto s = Fresh()->Load(dir_);
    EXPECT_EQ(s.status().code(), StatusCode::kCorruption) << name << ": " << s.status().ToString();
    Restore();
    fs::remove(dir_ + "/" + name);
    s = Fresh()->Load(dir_);
    EXPECT_FALSE(s.ok()) << name;
    if (std::string(name) != "MANIFEST") {
      EXPECT_EQ(s.status().code(), StatusCode::kCorruption) << s.status().ToString();
    }
  }
}

TEST_F(RetrieverIo, AnotherFormatVersionIsRefused) {
  Edit("MANIFEST", [](std::string* b) { (*b)[4] = 99; });
  auto s = Fresh()->Load(dir_);
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition) << s.status().ToString();
  EXPECT_NE(s.status().message().find("format version 99"), std::string::npos);
}

TEST_F(RetrieverIo, AnotherLexiconOrOptionsIsStale) {
  // One concept more in the lexicon.
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& e : fs::directory_iterator(std::string(KETNOI_DATA_DIR) + "/lexicon")) {
    std::ifstream in(e.path());
    files.emplace_back(e.path().filename().string(),
                       std::string((std::istreambuf_iterator<char>(in)), {}));
  }
  files.emplace_back("zz_extra.tsv",
                     "id\tcategory\tvi\ten\tvariants\tbroader\n"
                     "test.widget\tequipment\tmáy thử nghiệm\ttest widget\t\t\n");
  auto lex = Lexicon::FromFiles(files);
  ASSERT_TRUE(lex.ok()) << lex.status().ToString();
  Analyzer other(lex->get());
  Retriever r(&other, options_);
  EXPECT_NE(r.Fingerprint(), original_->Fingerprint());
  auto s = r.Load(dir_);
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition) << s.status().ToString();

  // Other analyzer options, another projection dimension, another weight.
  Analyzer no_ngrams(lexicon_.get(), AnalyzerOptions{.char_ngrams = false});
  RetrieverOptions dim = options_;
  dim.lsa.dim = 32;
  RetrieverOptions weights = options_;
  weights.vocabulary.weights.w[0] = 0.9f;
  // The opening of long texts read evenly; query counts linear.
  Analyzer no_lead(lexicon_.get(), AnalyzerOptions{.lead_tokens = 0});
  RetrieverOptions linear = options_;
  linear.vocabulary.query_k3 = 0;
  std::vector<std::unique_ptr<Retriever>> stale;
  stale.push_back(std::make_unique<Retriever>(&no_ngrams, options_));
  stale.push_back(std::make_unique<Retriever>(analyzer_.get(), dim));
  stale.push_back(std::make_unique<Retriever>(analyzer_.get(), weights));
  stale.push_back(std::make_unique<Retriever>(&no_lead, options_));
  stale.push_back(std::make_unique<Retriever>(analyzer_.get(), linear));
  for (auto& x : stale) {
    auto st = x->Load(dir_);
    EXPECT_EQ(st.status().code(), StatusCode::kFailedPrecondition) << st.status().ToString();
  }
  // Search-time options do not make it stale.
  RetrieverOptions search = options_;
  search.dense_weight = 0.5f;
  search.prf_docs = 3;
  EXPECT_TRUE(Retriever(analyzer_.get(), search).Load(dir_).ok());
}

TEST_F(RetrieverIo, UnbuiltRetrieverRoundTrips) {
  auto empty = Fresh();
  std::string dir = TempDir("empty");
  ASSERT_TRUE(empty->Save(dir, {3, "x"}).ok());
  auto loaded = Fresh();
  ASSERT_TRUE(loaded->Build(Corpus(10)).ok());
  auto snap = loaded->Load(dir);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->user_data, "x");
  EXPECT_EQ(loaded->Stats().documents, 0u);
  EXPECT_EQ(loaded->Search(Q("máy")).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(loaded->Build(Corpus(10)).ok());
}

TEST(RetrieverIoExternal, WrongDimensionIsRejectedAfterLoadAndStaleWhenConfigured) {
  Analyzer analyzer(nullptr);
  RetrieverOptions o;
  o.external_dim = 3;
  Retriever a(&analyzer, o);
  Document x = Doc(1, "máy sấy"), y = Doc(2, "máy vò");
  x.vector = {1, 0, 0};
  y.vector = {0, 1, 0};
  ASSERT_TRUE(a.Build({x, y}).ok());
  std::string dir = TempDir("external");
  ASSERT_TRUE(a.Save(dir, {}).ok());
  Retriever b(&analyzer, o);
  ASSERT_TRUE(b.Load(dir).ok());
  Document bad = Doc(3, "máy cưa");
  bad.vector = {1, 0};
  Status s = b.Upsert(bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("dimension 2"), std::string::npos) << s.ToString();
  Query q = Q("máy");
  q.vector = {0, 1, 0};
  auto r = b.Search(q);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_FALSE(r->empty());
  EXPECT_EQ((*r)[0].id, 2);
  // A retriever configured for another dimension does not take the save.
  RetrieverOptions four = o;
  four.external_dim = 4;
  Retriever c(&analyzer, four);
  EXPECT_EQ(c.Load(dir).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace ketnoi::indexer
