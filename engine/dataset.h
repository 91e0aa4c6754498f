// Dataset directories (../shared/DESIGN.md "Dataset directory format"):
// import into a Store and export from one.
//
// Files read, each optional (at least one must exist), in this order:
//   facilities.{jsonl,csv}, suppliers.{jsonl,csv}, experts.{jsonl,csv},
//   links.{jsonl,csv}
// JSONL: one JSON object per line (blank lines skipped; CRLF and a UTF-8 BOM
// accepted). CSV: RFC 4180 (header row with the same field names, quoted
// fields with "" escapes and embedded newlines, UTF-8 BOM). In CSV, `needs`
// and `vector` are JSON text in their cell (or the column is omitted);
// `serves` is JSON text or a '|'- or ';'-separated list; `employees` and
// `budget_vnd` are numbers; empty cells are absent fields; other columns are
// kept as unknown string fields. See docs/store.md "Import rules".
//
// Import rules: every line is decoded and validated first; an error names
// "file:line: reason". All-or-nothing by default: when any line is bad,
// nothing is written. With skip_bad, the good records are written and the bad
// lines reported. The write is one Store::Write (one RocksDB WriteBatch), so a
// crash leaves the store as it was before or after the import. Records are
// upserted by id (re-import is idempotent). A link endpoint must be a record
// of the same import or already in the store. A duplicate id within one
// import is an error at its second occurrence.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/store.h"

namespace ketnoi::engine {

struct ImportOptions {
  // Store the good lines and report the bad ones instead of storing nothing.
  bool skip_bad = false;
  // A line (JSONL) or record (CSV) longer than this is an error.
  size_t max_line_bytes = 1 << 20;
  // JSON nested deeper than this is an error.
  int max_json_depth = 32;
  // At most this many errors are kept in ImportReport::errors (the count is
  // always exact).
  size_t max_errors_kept = 1000;
  // Called from the importing thread with bytes read so far and the total
  // bytes of the dataset files, then once with done == total before the
  // write. May be empty.
  std::function<void(size_t done, size_t total)> progress;
};

struct ImportReport {
  size_t facilities = 0, needs = 0, suppliers = 0, experts = 0, links = 0;
  size_t bad_lines = 0;             // lines with an error (skipped or fatal)
  std::vector<std::string> errors;  // "facilities.jsonl:12: field 'province': ..."
  bool written = false;             // the good records were written
  double seconds = 0;
  // "imported 40 facilities (70 needs), 90 suppliers, 45 experts, 80 links;
  //  skipped 0 bad lines; 0.12 s"
  std::string Summary() const;
};

// Imports DATASET_DIR into `store`. Returns InvalidArgument when a line is
// bad and !skip_bad (report->errors lists them; nothing written), or when the
// directory has no dataset file; IOError etc. for runtime failures.
// REQUIRES: report != nullptr.
Status ImportDataset(Store* store, const std::string& dataset_dir, const ImportOptions& options,
                     ImportReport* report);

struct ExportReport {
  size_t facilities = 0, suppliers = 0, experts = 0, links = 0;
};

// Writes facilities.jsonl, suppliers.jsonl, experts.jsonl and links.jsonl
// (dataset form, unknown fields included) into `out_dir`, created when
// missing; existing files of those names are replaced. Each file is written
// to a temporary name and renamed.
Status ExportDataset(const Store& store, const std::string& out_dir, ExportReport* report);

// Splits CSV text (RFC 4180) into records of fields. `lines` receives the
// 1-based line number where each record starts. A UTF-8 BOM is skipped.
// InvalidArgument "line N: ..." for an unterminated quote or a record longer
// than max_record_bytes.
Status ParseCsv(std::string_view text, size_t max_record_bytes,
                std::vector<std::vector<std::string>>* records, std::vector<int>* lines);

}  // namespace ketnoi::engine
