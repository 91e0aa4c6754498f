// Fuzz target: dataset import (engine/dataset.h ImportDataset) of one JSONL
// or CSV file into a real RocksDB store, the path `ketnoi import` and the
// bulk import route take.
//
// Input: the first byte picks the file (bits 0-2: facilities/suppliers/
// experts/links x .jsonl/.csv) and skip_bad (bit 3); the rest is the file.
// The store is opened once per process in a temporary directory and keeps
// what earlier inputs imported (as a long-running server would).
// Invariants:
//  - all-or-nothing: a failed import without skip_bad writes nothing (the
//    store's sequence number is unchanged) and says why;
//  - every reported error starts with "FILE:LINE: ";
//  - the report's counts agree with `written`.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "engine/dataset.h"
#include "engine/reference.h"
#include "engine/store.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace fs = std::filesystem;
using namespace ketnoi::engine;

struct Env {
  fs::path root;
  std::unique_ptr<ReferenceData> ref;
  std::unique_ptr<Store> store;
};

Env* g_env = nullptr;

void RemoveEnv() {
  if (g_env == nullptr) return;
  g_env->store.reset();
  std::error_code ec;
  fs::remove_all(g_env->root, ec);
}

constexpr const char* kFiles[] = {"facilities.jsonl", "facilities.csv", "suppliers.jsonl",
                                  "suppliers.csv",    "experts.jsonl",  "experts.csv",
                                  "links.jsonl",      "links.csv"};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_env = new Env;
  std::string tmpl = (fs::temp_directory_path() / "ketnoi-import-fuzz-XXXXXX").string();
  FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr, "mkdtemp failed");
  g_env->root = tmpl;
  auto ref = ReferenceData::Load(DefaultDataDir());
  FUZZ_CHECK(ref.ok(), "cannot load reference data (set KETNOI_DATA)");
  g_env->ref = std::move(ref).value();
  StoreOptions options;
  options.path = (g_env->root / "db").string();
  options.reference = g_env->ref.get();
  options.block_cache_bytes = 1 << 20;
  auto store = Store::Open(options);
  FUZZ_CHECK(store.ok(), "cannot open the store");
  g_env->store = std::move(store).value();
  std::atexit(RemoveEnv);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string name = kFiles[data[0] & 7];
  ImportOptions options;
  options.skip_bad = (data[0] & 8) != 0;
  options.max_line_bytes = 64 << 10;

  fs::path dir = g_env->root / "dataset";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  {
    std::ofstream out(dir / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
    FUZZ_CHECK(static_cast<bool>(out), "cannot write the dataset file");
  }

  const uint64_t before = g_env->store->LatestSequence();
  ImportReport report;
  ketnoi::Status status = ImportDataset(g_env->store.get(), dir.string(), options, &report);
  const uint64_t after = g_env->store->LatestSequence();
  if (!status.ok()) {
    FUZZ_CHECK(!status.message().empty(), "an import error without a message");
    FUZZ_CHECK(!report.written, "a failed import reports itself written");
    FUZZ_CHECK(after == before, "a failed import wrote to the store");
  } else {
    FUZZ_CHECK(report.written, "a successful import is not marked written");
    size_t records = report.facilities + report.suppliers + report.experts + report.links;
    if (records == 0) FUZZ_CHECK(after == before, "an empty import wrote to the store");
    if (!options.skip_bad) FUZZ_CHECK(report.bad_lines == 0, "bad lines in a strict import");
  }
  FUZZ_CHECK(report.errors.size() <= report.bad_lines, "more errors than bad lines");
  for (const std::string& e : report.errors) {
    FUZZ_CHECK(e.rfind(name + ":", 0) == 0, "an import error does not name the file");
    size_t colon = e.find(':', name.size() + 1);
    FUZZ_CHECK(colon != std::string::npos && colon > name.size() + 1 &&
                   e.find_first_not_of("0123456789", name.size() + 1) == colon,
               "an import error does not name the line");
  }
  return 0;
}
