// Fuzz target: the RFC 4180 reader of the CSV importer (engine/dataset.h
// ParseCsv). Invariants checked on every input:
//  - on success, one start line per record, starting at 1 and never
//    decreasing, and every record has at least one field;
//  - fields together are never longer than the input;
//  - writing the records back as CSV (every field quoted, "" escapes) and
//    reading them again gives the same records.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/dataset.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

std::string WriteCsv(const std::vector<std::vector<std::string>>& records) {
  std::string out;
  for (const auto& record : records) {
    for (size_t i = 0; i < record.size(); ++i) {
      if (i > 0) out += ',';
      out += '"';
      for (char c : record[i]) {
        if (c == '"') out += '"';
        out += c;
      }
      out += '"';
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ketnoi::engine::ParseCsv;
  std::string_view text = ketnoi::fuzz::AsText(data, size);
  const size_t max_record_bytes = 4096;
  std::vector<std::vector<std::string>> records;
  std::vector<int> lines;
  ketnoi::Status status = ParseCsv(text, max_record_bytes, &records, &lines);
  if (!status.ok()) {
    FUZZ_CHECK(status.message().rfind("line ", 0) == 0, "a CSV error must name its line");
    FUZZ_CHECK(lines.size() == records.size() + 1, "the failing record must have a line");
    return 0;
  }
  FUZZ_CHECK(lines.size() == records.size(), "one start line per record");
  size_t field_bytes = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    FUZZ_CHECK(!records[i].empty(), "a record without fields");
    FUZZ_CHECK(lines[i] >= 1 && (i == 0 || lines[i] >= lines[i - 1]), "line numbers go back");
    for (const auto& f : records[i]) field_bytes += f.size();
  }
  FUZZ_CHECK(field_bytes <= text.size(), "fields longer than the input");

  // Re-parse what a CSV writer would produce from these records. A record
  // written with quotes can be longer than the limit: lift it.
  std::string written = WriteCsv(records);
  std::vector<std::vector<std::string>> again;
  std::vector<int> again_lines;
  ketnoi::Status reparsed = ParseCsv(written, written.size() + 1, &again, &again_lines);
  FUZZ_CHECK(reparsed.ok(), "re-reading written CSV failed");
  FUZZ_CHECK(again == records, "CSV write/read round trip changed the records");
  return 0;
}
