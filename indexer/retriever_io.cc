// Retriever persistence: Save / Load / Fingerprint (declared in
// indexer/retriever.h).
//
// Directory layout, format version 2 (all integers little-endian; 2 since the
// seventh feature kind, model codes):
//   MANIFEST    magic "KRET", u32 format version, u64 fingerprint, i32 dim,
//               u8 embedder kind (0 not built, 1 lsa, 2 external), u64
//               embedder version, u64 sequence, u64 documents, string user
//               data, u32 files, per file: string name, u64 size, u64
//               FNV-1a; then u64 FNV-1a of every byte before it.
//   vocabulary  Vocabulary::Serialize(): terms, document frequencies, lengths
//   embedder    LsaEmbedder::Serialize() (lsa only)
//   documents   magic "KDOC", u64 count, per document (ascending id): i64 id,
//               u32 terms, terms x (u32 term id, f32 count)
//   vectors     VectorIndex::Save() image (Faiss index, id tables, tombstones)
// Strings are u32 length + bytes. The postings are not stored: Load rebuilds
// them from the documents' term lists (no text analysis, no projection
// learning), then restores the saved statistics exactly.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <system_error>
#include <unordered_map>

#include "indexer/binary_io.h"
#include "indexer/lexicon.h"
#include "indexer/retriever.h"
#include "indexer/retriever_internal.h"

namespace ketnoi::indexer {
namespace {

namespace fs = std::filesystem;

constexpr char kManifestMagic[4] = {'K', 'R', 'E', 'T'};
constexpr char kDocumentsMagic[4] = {'K', 'D', 'O', 'C'};
constexpr uint32_t kFormatVersion = 2;
constexpr uint8_t kNotBuilt = 0, kLsa = 1, kExternal = 2;
constexpr size_t kMaxUserData = size_t{1} << 32;

// Texts whose analysis enters the fingerprint: they exercise tone marks,
// folding, đ, numbers with units and Vietnamese separators, English and the
// lexicon, so a change in analysis code changes the fingerprint.
constexpr std::string_view kProbeTexts[] = {
    "Máy sấy chè 500 kg/ngày, công suất 15 kW, giá 300 triệu đồng",
    "may say che 2 tan/gio cho HTX o Thai Nguyen",
    "Tea dryer, stainless steel, 1,2 tỷ; vacuum packaging machine for cassava starch",
    "Hoà Bình thuỵ sĩ ĐỒNG đồng lúa lụa sấy say 1.200.000 đ 3 m3/h",
    "Tư vấn HACCP, VietGAP và ISO 22000 cho cơ sở chế biến thủy sản đông lạnh",
    "xưởng cơ khí gia công CNC, hàn, tiện; mộc mỹ nghệ; dệt thổ cẩm; bánh tráng",
    "Máy đóng gói DXD-420C, model KX-TS600W / SRSA212BK, mã 010-10613-00, inox SUS304",
};

void PutOptions(internal::Writer* w, const RetrieverOptions& o) {
  w->Put(o.vocabulary.k1);
  w->Put(o.vocabulary.b);
  w->Put(o.vocabulary.query_k3);
  for (float x : o.vocabulary.weights.w) w->Put(x);
  const LsaOptions& l = o.lsa;
  w->Put<int32_t>(l.dim);
  w->Put<uint64_t>(l.max_terms);
  w->Put<uint32_t>(l.min_df);
  w->Put<uint64_t>(l.max_train_docs);
  w->Put<int32_t>(l.power_iterations);
  w->Put<int32_t>(l.oversample);
  w->Put<uint64_t>(l.seed);
  for (bool k : l.kinds) w->Put<uint8_t>(k ? 1 : 0);
  w->Put(l.singular_exponent);
  w->Put(l.concept_weight);
  w->Put<int32_t>(o.external_dim);
  const VectorIndexOptions& v = o.vectors;
  w->Put<uint8_t>(static_cast<uint8_t>(v.type));
  w->Put<uint64_t>(v.approximate_threshold);
  w->Put<int32_t>(v.ivf_nlist);
  w->Put<int32_t>(v.ivf_nprobe);
  w->Put<int32_t>(v.hnsw_m);
  w->Put<int32_t>(v.hnsw_ef_construction);
  w->Put<int32_t>(v.hnsw_ef_search);
  w->Put(v.tombstone_ratio);
}

void PutAnalyzer(internal::Writer* w, const Analyzer& analyzer) {
  const AnalyzerOptions& a = analyzer.options();
  for (bool b : {a.syllables, a.accented, a.bigrams, a.char_ngrams, a.concepts, a.expand_broader,
                 a.codes}) {
    w->Put<uint8_t>(b ? 1 : 0);
  }
  w->Put<int32_t>(a.ngram_min);
  w->Put<int32_t>(a.ngram_max);
  w->Put<int32_t>(a.lead_tokens);
  w->Put(a.lead_extra);
  if (const Lexicon* lex = analyzer.lexicon()) {
    w->Put<uint64_t>(lex->size());
    for (const Concept& c : lex->concepts()) {
      w->PutString(c.id);
      w->PutString(c.category);
      w->PutString(c.vi);
      w->PutString(c.en);
      w->Put<uint32_t>(static_cast<uint32_t>(c.variants.size()));
      for (const auto& v : c.variants) w->PutString(v);
      w->Put<uint32_t>(static_cast<uint32_t>(c.broader.size()));
      for (const auto& b : c.broader) w->PutString(b);
    }
  } else {
    w->Put<uint64_t>(0);
  }
  for (std::string_view text : kProbeTexts) {
    Analysis an = analyzer.Analyze(text);
    w->Put<uint32_t>(static_cast<uint32_t>(an.features.size()));
    for (const Feature& f : an.features) {
      w->PutString(f.term);
      w->Put<uint8_t>(static_cast<uint8_t>(f.kind));
      w->Put(f.count);
    }
    for (const ConceptHit& c : an.concepts) {
      w->PutString(c.concept_id);
      w->Put<uint8_t>(static_cast<uint8_t>(c.accented) | (c.broader ? 2 : 0));
    }
    for (const Quantity& q : an.quantities) {
      w->Put(q.value);
      w->PutString(q.unit);
      w->PutString(q.period);
    }
  }
}

Status WriteFile(const std::string& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IOError("cannot create " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return IOError("cannot write " + path + ": " + why);
    }
    done += static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  if (::close(fd) != 0 || !synced) return IOError("cannot sync " + path);
  return Status::OK();
}

// fsync of a file or directory already written by someone else.
Status SyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IOError("cannot open " + path + ": " + std::strerror(errno));
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::OK() : IOError("cannot sync " + path);
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("no file " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return IOError("cannot read " + path);
  return bytes;
}

struct FileEntry {
  std::string name;
  uint64_t size = 0;
  uint64_t checksum = 0;
};

struct Manifest {
  uint64_t fingerprint = 0;
  int32_t dim = 0;
  uint8_t embedder_kind = kNotBuilt;
  uint64_t embedder_version = 0;
  uint64_t documents = 0;
  RetrieverSnapshot snapshot;
  std::vector<FileEntry> files;
};

std::string EncodeManifest(const Manifest& m) {
  internal::Writer w;
  w.PutBytes(kManifestMagic, 4);
  w.Put(kFormatVersion);
  w.Put(m.fingerprint);
  w.Put(m.dim);
  w.Put(m.embedder_kind);
  w.Put(m.embedder_version);
  w.Put(m.snapshot.sequence);
  w.Put(m.documents);
  w.PutString(m.snapshot.user_data);
  w.Put<uint32_t>(static_cast<uint32_t>(m.files.size()));
  for (const FileEntry& f : m.files) {
    w.PutString(f.name);
    w.Put(f.size);
    w.Put(f.checksum);
  }
  w.Put(internal::Fnv1a64(w.buffer()));
  return std::move(w.buffer());
}

Status DecodeManifest(const std::string& dir, std::string_view bytes, Manifest* m) {
  const std::string where = "retriever " + dir + ": ";
  char magic[4];
  uint32_t version = 0;
  internal::Reader r(bytes);
  if (!r.GetBytes(magic, 4) || std::memcmp(magic, kManifestMagic, 4) != 0) {
    return Corruption(where + "MANIFEST has a bad magic (not a saved ketnoi retriever)");
  }
  if (!r.Get(&version)) return Corruption(where + "MANIFEST is truncated");
  if (version != kFormatVersion) {
    return FailedPrecondition(where + "saved with format version " + std::to_string(version) +
                              ", this build reads version " + std::to_string(kFormatVersion));
  }
  uint64_t checksum = 0;
  if (bytes.size() < 8) return Corruption(where + "MANIFEST is truncated");
  std::memcpy(&checksum, bytes.data() + bytes.size() - 8, 8);
  if (internal::Fnv1a64(bytes.substr(0, bytes.size() - 8)) != checksum) {
    return Corruption(where + "MANIFEST checksum mismatch (truncated or damaged)");
  }
  uint32_t files = 0;
  bool ok = r.Get(&m->fingerprint) && r.Get(&m->dim) && r.Get(&m->embedder_kind) &&
            r.Get(&m->embedder_version) && r.Get(&m->snapshot.sequence) && r.Get(&m->documents) &&
            r.GetString(&m->snapshot.user_data) && r.Get(&files) && files <= 16;
  for (uint32_t i = 0; ok && i < files; ++i) {
    FileEntry f;
    ok = r.GetString(&f.name) && r.Get(&f.size) && r.Get(&f.checksum);
    m->files.push_back(std::move(f));
  }
  if (!ok || r.remaining() != 8 || m->embedder_kind > kExternal) {
    return Corruption(where + "MANIFEST is malformed");
  }
  return Status::OK();
}

std::string EncodeDocuments(const SparseIndex& sparse, const std::vector<int64_t>& ids) {
  internal::Writer w;
  w.PutBytes(kDocumentsMagic, 4);
  w.Put<uint64_t>(ids.size());
  for (int64_t id : ids) {
    SparseVector terms = sparse.Terms(id);
    w.Put(id);
    w.Put<uint32_t>(static_cast<uint32_t>(terms.size()));
    for (const WeightedTerm& t : terms) {
      w.Put(t.id);
      w.Put(t.weight);
    }
  }
  return std::move(w.buffer());
}

// Rebuilds the sparse index of the saved documents over `vocab` (which
// already holds the saved terms, statistics zero), then checks that the
// recomputed document frequencies equal the saved ones.
Status DecodeDocuments(const std::string& where, std::string_view bytes, const Vocabulary& saved,
                       Vocabulary* vocab, SparseIndex* sparse, uint64_t expected) {
  internal::Reader r(bytes);
  char magic[4];
  uint64_t n = 0;
  if (!r.GetBytes(magic, 4) || std::memcmp(magic, kDocumentsMagic, 4) != 0 || !r.Get(&n) ||
      n != expected) {
    return Corruption(where + "documents: bad header");
  }
  std::vector<Feature> features;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t id = 0;
    uint32_t terms = 0;
    if (!r.Get(&id) || !r.Get(&terms)) return Corruption(where + "documents: truncated");
    features.clear();
    features.reserve(terms);
    for (uint32_t j = 0; j < terms; ++j) {
      uint32_t term = 0;
      float count = 0;
      if (!r.Get(&term) || !r.Get(&count)) return Corruption(where + "documents: truncated");
      if (term >= vocab->size() || !(count > 0)) {
        return Corruption(where + "documents: bad term of document " + std::to_string(id));
      }
      features.push_back({vocab->term(term), vocab->kind(term), count});
    }
    if (sparse->Contains(id)) return Corruption(where + "documents: duplicate id");
    sparse->Upsert(id, features);
  }
  if (r.remaining() != 0) return Corruption(where + "documents: trailing bytes");
  if (vocab->num_docs() != saved.num_docs() || vocab->size() != saved.size()) {
    return Corruption(where + "documents disagree with the vocabulary");
  }
  for (uint32_t t = 0; t < vocab->size(); ++t) {
    if (vocab->df(t) != saved.df(t)) {
      return Corruption(where + "documents disagree with the vocabulary (df of '" +
                        saved.term(t) + "')");
    }
  }
  return Status::OK();
}

}  // namespace

uint64_t Retriever::Fingerprint() const {
  internal::Writer w;
  w.Put(kFormatVersion);
  PutOptions(&w, impl_->options);
  PutAnalyzer(&w, *impl_->analyzer);
  return internal::Fnv1a64(w.buffer());
}

Status Retriever::Save(const std::string& dir, const RetrieverSnapshot& snapshot) const {
  if (snapshot.user_data.size() >= kMaxUserData) {
    return InvalidArgument("retriever: user data over 4 GiB");
  }
  const std::string tmp = dir + ".tmp";
  const std::string old = dir + ".old";
  std::error_code ec;
  fs::remove_all(tmp, ec);
  if (!fs::create_directories(tmp, ec) || ec) {
    return IOError("retriever: cannot create " + tmp + ": " + ec.message());
  }
  Manifest m;
  m.fingerprint = Fingerprint();
  m.snapshot = snapshot;
  std::vector<std::pair<std::string, std::string>> files;  // name, bytes
  {
    std::shared_lock lock(impl_->mu);
    const Impl& r = *impl_;
    if (r.embedder != nullptr) {
      m.dim = r.embedder->dim();
      m.embedder_version = r.embedder->version();
      const auto* lsa = dynamic_cast<const LsaEmbedder*>(r.embedder.get());
      m.embedder_kind = lsa != nullptr ? kLsa : kExternal;
      std::vector<int64_t> ids = r.vectors->Ids();
      if (ids.size() != r.sparse->size()) {
        return Internal("retriever: sparse and vector indexes disagree (" +
                        std::to_string(r.sparse->size()) + " vs " + std::to_string(ids.size()) +
                        " documents)");
      }
      m.documents = ids.size();
      files.emplace_back("vocabulary", r.vocab->Serialize());
      if (lsa != nullptr) files.emplace_back("embedder", lsa->Serialize());
      files.emplace_back("documents", EncodeDocuments(*r.sparse, ids));
      VectorIndexHeader header;
      header.sequence = snapshot.sequence;
      header.embedder_version = m.embedder_version;
      Status s = r.vectors->Save(tmp + "/vectors", header);
      if (!s.ok()) return s;
    }
  }
  for (const auto& [name, bytes] : files) {
    Status s = WriteFile(tmp + "/" + name, bytes);
    if (!s.ok()) return s;
    m.files.push_back({name, bytes.size(), internal::Fnv1a64(bytes)});
  }
  if (m.embedder_kind != kNotBuilt) {
    auto bytes = ReadFile(tmp + "/vectors");
    if (!bytes.ok()) return bytes.status();
    Status s = SyncPath(tmp + "/vectors");
    if (!s.ok()) return s;
    m.files.push_back({"vectors", bytes->size(), internal::Fnv1a64(*bytes)});
  }
  Status s = WriteFile(tmp + "/MANIFEST", EncodeManifest(m));
  if (!s.ok()) return s;
  s = SyncPath(tmp);
  if (!s.ok()) return s;
  // Swap: DIR -> DIR.old, DIR.tmp -> DIR. A crash in between leaves no DIR
  // (Load: NotFound, the caller rebuilds), never a mixture.
  fs::remove_all(old, ec);
  if (fs::exists(dir)) {
    fs::rename(dir, old, ec);
    if (ec) return IOError("retriever: cannot rename " + dir + ": " + ec.message());
  }
  fs::rename(tmp, dir, ec);
  if (ec) return IOError("retriever: cannot rename " + tmp + " to " + dir + ": " + ec.message());
  fs::remove_all(old, ec);
  fs::path parent = fs::absolute(dir).parent_path();
  return SyncPath(parent.string());
}

StatusOr<RetrieverSnapshot> Retriever::Load(const std::string& dir) {
  const std::string where = "retriever " + dir + ": ";
  auto manifest_bytes = ReadFile(dir + "/MANIFEST");
  if (!manifest_bytes.ok()) {
    if (manifest_bytes.status().code() == StatusCode::kNotFound) {
      return NotFound(where + "no saved retriever (MANIFEST missing)");
    }
    return manifest_bytes.status();
  }
  Manifest m;
  Status s = DecodeManifest(dir, *manifest_bytes, &m);
  if (!s.ok()) return s;
  const RetrieverOptions& o = impl_->options;
  if (m.fingerprint != Fingerprint()) {
    return FailedPrecondition(where +
                              "saved by another analyzer, lexicon or build options "
                              "(fingerprint mismatch)");
  }
  if (m.embedder_kind != kNotBuilt) {
    const bool external = o.external_dim > 0;
    const int want_dim = external ? o.external_dim : o.lsa.dim;
    if ((m.embedder_kind == kExternal) != external || m.dim != want_dim) {
      return FailedPrecondition(where + "saved with embedder dimension " +
                                std::to_string(m.dim) + ", this retriever uses " +
                                std::to_string(want_dim));
    }
  }
  // Every file present, of its size and checksum.
  std::unordered_map<std::string, std::string> bytes;
  for (const FileEntry& f : m.files) {
    auto b = ReadFile(dir + "/" + f.name);
    if (!b.ok()) {
      return b.status().code() == StatusCode::kNotFound
                 ? Corruption(where + "file '" + f.name + "' is missing")
                 : b.status();
    }
    if (b->size() != f.size) {
      return Corruption(where + "file '" + f.name + "' has " + std::to_string(b->size()) +
                        " bytes, expected " + std::to_string(f.size) + " (truncated?)");
    }
    if (internal::Fnv1a64(*b) != f.checksum) {
      return Corruption(where + "file '" + f.name + "' checksum mismatch");
    }
    bytes[f.name] = std::move(*b);
  }
  auto vocab = std::make_unique<Vocabulary>(o.vocabulary);
  auto sparse = std::make_unique<SparseIndex>(vocab.get());
  std::unique_ptr<Embedder> embedder;
  std::unique_ptr<VectorIndex> vectors;
  if (m.embedder_kind != kNotBuilt) {
    for (const char* name : {"vocabulary", "documents", "vectors"}) {
      if (!bytes.count(name)) return Corruption(where + "file '" + name + "' not listed");
    }
    auto saved = Vocabulary::Deserialize(bytes["vocabulary"]);
    if (!saved.ok()) return saved.status().WithPrefix(where);
    for (uint32_t t = 0; t < saved->size(); ++t) vocab->Intern(saved->term(t), saved->kind(t));
    s = DecodeDocuments(where, bytes["documents"], *saved, vocab.get(), sparse.get(), m.documents);
    if (!s.ok()) return s;
    *vocab = std::move(*saved);  // the exact saved statistics; `sparse` keeps its pointer
    vocab->set_options(o.vocabulary);
    if (m.embedder_kind == kLsa) {
      if (!bytes.count("embedder")) return Corruption(where + "file 'embedder' not listed");
      auto lsa = LsaEmbedder::Deserialize(bytes["embedder"]);
      if (!lsa.ok()) return lsa.status().WithPrefix(where);
      embedder = std::move(lsa).value();
    } else {
      embedder = std::make_unique<ExternalEmbedder>(o.external_dim);
    }
    if (embedder->version() != m.embedder_version || embedder->dim() != m.dim) {
      return Corruption(where + "embedder disagrees with the manifest");
    }
    VectorIndexOptions vo = o.vectors;
    vo.dim = m.dim;
    VectorIndexHeader header;
    auto loaded = VectorIndex::Load(dir + "/vectors", vo, m.embedder_version, &header);
    if (!loaded.ok()) {
      return loaded.status().code() == StatusCode::kFailedPrecondition
                 ? Corruption(where + loaded.status().message())
                 : loaded.status().WithPrefix(where);
    }
    vectors = std::move(loaded).value();
    if (vectors->size() != m.documents) {
      return Corruption(where + "vector index holds " + std::to_string(vectors->size()) +
                        " documents, the manifest " + std::to_string(m.documents));
    }
    for (int64_t id : vectors->Ids()) {
      if (!sparse->Contains(id)) {
        return Corruption(where + "document " + std::to_string(id) + " has a vector, no terms");
      }
    }
  }
  std::unique_lock lock(impl_->mu);
  impl_->vocab = std::move(vocab);
  ++impl_->generation;
  impl_->sparse = std::move(sparse);
  impl_->embedder = std::move(embedder);
  impl_->vectors = std::move(vectors);
  return m.snapshot;
}

}  // namespace ketnoi::indexer
