#include "engine/dataset.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "engine/codec.h"
#include "engine/reference.h"
#include "engine/validate.h"
#include "indexer/normalize.h"

namespace ketnoi::engine {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

enum class FileKind { kFacilities, kSuppliers, kExperts, kLinks };
constexpr const char* kBaseNames[] = {"facilities", "suppliers", "experts", "links"};

// One record of the input: its JSON object text and where it came from.
struct RawRecord {
  std::string file;  // base name, e.g. "facilities.csv"
  int line = 0;
  std::string json;
  size_t bytes = 0;
};

constexpr std::string_view kBom = "\xEF\xBB\xBF";

Status ReadWholeFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError("cannot open " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  if (in.bad()) return IOError("cannot read " + path.string());
  return Status::OK();
}

class Importer {
 public:
  Importer(Store* store, const ImportOptions& options, ImportReport* report)
      : store_(store), ref_(store->reference()), options_(options), report_(report) {}

  Status Run(const std::string& dir);

 private:
  // Errors of the file being read, reported in line order by FlushErrors
  // (reading finds some before processing finds others).
  void Error(const std::string& file, int line, const std::string& message) {
    ++report_->bad_lines;
    pending_.emplace_back(line, file + ":" + std::to_string(line) + ": " + message);
  }
  void FlushErrors() {
    std::stable_sort(pending_.begin(), pending_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [line, message] : pending_) {
      if (report_->errors.size() < options_.max_errors_kept)
        report_->errors.push_back(std::move(message));
    }
    pending_.clear();
  }
  void ReadJsonl(const std::string& name, std::string_view text, std::vector<RawRecord>* out);
  void ReadCsv(const std::string& name, std::string_view text, std::vector<RawRecord>* out);
  Status CheckNewId(const std::string& id, EntityKind kind, const RawRecord& r);
  Status Process(FileKind kind, RawRecord& r);
  bool InStore(const std::string& id, EntityKind* kind) const;
  void Progress(size_t bytes) {
    done_bytes_ += bytes;
    if (options_.progress) options_.progress(done_bytes_, total_bytes_);
  }

  Store* store_;
  const ReferenceData& ref_;
  const ImportOptions& options_;
  ImportReport* report_;
  WriteBatch batch_;
  size_t done_bytes_ = 0, total_bytes_ = 0;
  // Ids of the good records of this import -> kind and "file:line".
  std::unordered_map<std::string, std::pair<EntityKind, std::string>> ids_;
  // Need ids of the good facilities of this import -> facility id.
  std::unordered_map<std::string, std::string> need_owner_;
  std::vector<std::pair<int, std::string>> pending_;
};

void Importer::ReadJsonl(const std::string& name, std::string_view text,
                         std::vector<RawRecord>* out) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    size_t bytes = nl - pos + 1;
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (line.size() > options_.max_line_bytes) {
      Error(name, line_no,
            "line of " + std::to_string(line.size()) + " bytes is longer than the limit of " +
                std::to_string(options_.max_line_bytes));
      continue;
    }
    if (!indexer::IsValidUtf8(line)) {
      Error(name, line_no, "invalid UTF-8");
      continue;
    }
    out->push_back(RawRecord{name, line_no, std::string(line), bytes});
  }
}

// Builds a JSON object from one CSV record (see dataset.h for the columns).
StatusOr<std::string> CsvRecordToJson(const std::vector<std::string>& header,
                                      const std::vector<std::string>& fields, int max_depth) {
  if (fields.size() != header.size()) {
    return InvalidArgument("expected " + std::to_string(header.size()) + " fields, got " +
                           std::to_string(fields.size()));
  }
  Json obj = Json::object();
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string& col = header[i];
    const std::string& cell = fields[i];
    if (cell.empty()) continue;
    if (!indexer::IsValidUtf8(cell)) return InvalidArgument("invalid UTF-8");
    bool json_cell = col == "needs" || col == "vector" || (col == "serves" && cell[0] == '[');
    if (json_cell) {
      if (Status s = CheckJsonDepth(cell, max_depth - 1); !s.ok()) {
        return InvalidArgument("field '" + col + "': " + s.message());
      }
      Json v = Json::parse(cell, nullptr, /*allow_exceptions=*/false);
      if (v.is_discarded())
        return InvalidArgument("field '" + col + "': invalid JSON text in CSV cell");
      obj[col] = std::move(v);
    } else if (col == "serves") {
      Json list = Json::array();
      size_t start = 0;
      while (start <= cell.size()) {
        size_t sep = cell.find_first_of("|;", start);
        if (sep == std::string::npos) sep = cell.size();
        std::string item = cell.substr(start, sep - start);
        size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
        if (b != std::string::npos) list.push_back(item.substr(b, e - b + 1));
        start = sep + 1;
      }
      obj[col] = std::move(list);
    } else if (col == "employees" || col == "budget_vnd") {
      char* end = nullptr;
      long long v = std::strtoll(cell.c_str(), &end, 10);
      if (end == cell.c_str() + cell.size())
        obj[col] = static_cast<int64_t>(v);
      else
        obj[col] = cell;  // the decoder reports "expected an integer"
    } else {
      obj[col] = cell;
    }
  }
  return obj.dump();
}

void Importer::ReadCsv(const std::string& name, std::string_view text,
                       std::vector<RawRecord>* out) {
  std::vector<std::vector<std::string>> records;
  std::vector<int> lines;
  if (Status s = ParseCsv(text, options_.max_line_bytes, &records, &lines); !s.ok()) {
    // The parser stops at the first broken record; the message names its line.
    Error(name, lines.empty() ? 1 : lines.back(), s.message());
  }
  if (records.empty()) return;
  const std::vector<std::string>& header = records[0];
  for (const std::string& col : header) {
    // Column names become JSON keys: they must be UTF-8 too.
    if (!indexer::IsValidUtf8(col)) {
      Error(name, lines[0], "header: invalid UTF-8 in a column name");
      return;
    }
  }
  for (size_t i = 1; i < records.size(); ++i) {
    bool blank = records[i].size() == 1 && records[i][0].empty();
    if (blank) continue;
    auto json = CsvRecordToJson(header, records[i], options_.max_json_depth);
    if (!json.ok()) {
      Error(name, lines[i], json.status().message());
      continue;
    }
    size_t bytes = 0;
    for (const auto& f : records[i]) bytes += f.size() + 1;
    out->push_back(RawRecord{name, lines[i], std::move(*json), bytes});
  }
}

bool Importer::InStore(const std::string& id, EntityKind* kind) const {
  static constexpr std::pair<Family, EntityKind> kFamilies[] = {
      {Family::kFacilities, EntityKind::kFacility},
      {Family::kSuppliers, EntityKind::kSupplier},
      {Family::kExperts, EntityKind::kExpert}};
  for (auto [family, k] : kFamilies) {
    if (store_->GetRaw(family, id).ok()) {
      *kind = k;
      return true;
    }
  }
  return false;
}

Status Importer::CheckNewId(const std::string& id, EntityKind kind, const RawRecord& r) {
  if (auto it = ids_.find(id); it != ids_.end()) {
    return InvalidArgument("field 'id': duplicate id '" + id + "' (first at " + it->second.second +
                           ")");
  }
  EntityKind existing;
  if (InStore(id, &existing) && existing != kind) {
    return AlreadyExists("field 'id': id '" + id + "' is already a " +
                         std::string(EntityKindName(existing)) + " in the store");
  }
  return Status::OK();
}

Status Importer::Process(FileKind kind, RawRecord& r) {
  const int depth = options_.max_json_depth;
  const std::string where = r.file + ":" + std::to_string(r.line);
  switch (kind) {
    case FileKind::kFacilities: {
      auto f = DecodeFacility(r.json, JsonForm::kDataset, depth);
      if (!f.ok()) return f.status();
      if (Status s = ValidateFacility(ref_, &*f); !s.ok()) return s;
      if (Status s = CheckNewId(f->id, EntityKind::kFacility, r); !s.ok()) return s;
      for (size_t i = 0; i < f->needs.size(); ++i) {
        const std::string& nid = f->needs[i].id;
        std::string owner;
        if (auto it = need_owner_.find(nid); it != need_owner_.end())
          owner = it->second;
        else if (auto stored = store_->GetRaw(Family::kNeeds, nid); stored.ok())
          owner = *stored;
        if (!owner.empty() && owner != f->id) {
          return InvalidArgument("field 'needs[" + std::to_string(i) + "].id': need '" + nid +
                                 "' of facility '" + f->id + "' already belongs to facility '" +
                                 owner + "'");
        }
      }
      for (const Need& n : f->needs) need_owner_[n.id] = f->id;
      ids_[f->id] = {EntityKind::kFacility, where};
      ++report_->facilities;
      report_->needs += f->needs.size();
      batch_.PutFacility(*f);
      return Status::OK();
    }
    case FileKind::kSuppliers: {
      auto s = DecodeSupplier(r.json, JsonForm::kDataset, depth);
      if (!s.ok()) return s.status();
      if (Status st = ValidateSupplier(ref_, &*s); !st.ok()) return st;
      if (Status st = CheckNewId(s->id, EntityKind::kSupplier, r); !st.ok()) return st;
      ids_[s->id] = {EntityKind::kSupplier, where};
      ++report_->suppliers;
      batch_.PutSupplier(*s);
      return Status::OK();
    }
    case FileKind::kExperts: {
      auto e = DecodeExpert(r.json, JsonForm::kDataset, depth);
      if (!e.ok()) return e.status();
      if (Status s = ValidateExpert(ref_, &*e); !s.ok()) return s;
      if (Status s = CheckNewId(e->id, EntityKind::kExpert, r); !s.ok()) return s;
      ids_[e->id] = {EntityKind::kExpert, where};
      ++report_->experts;
      batch_.PutExpert(*e);
      return Status::OK();
    }
    case FileKind::kLinks: {
      auto l = DecodeLink(r.json, depth);
      if (!l.ok()) return l.status();
      if (Status s = ValidateLink(*l); !s.ok()) return s;
      for (const char* field : {"from", "to"}) {
        const std::string& id = std::string_view(field) == "from" ? l->from : l->to;
        EntityKind ignored;
        if (!ids_.count(id) && !InStore(id, &ignored)) {
          return NotFound("field '" + std::string(field) + "': unknown id '" + id +
                          "' (not in this import nor in the store)");
        }
      }
      ++report_->links;
      batch_.PutLink(*l);
      return Status::OK();
    }
  }
  return Internal("unknown file kind");
}

Status Importer::Run(const std::string& dir) {
  auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return InvalidArgument("dataset directory " + dir + " not found");
  // Every file is read before any record is processed: progress needs the total.
  struct Input {
    FileKind kind;
    std::string name;
    std::string text;
  };
  std::vector<Input> inputs;
  for (int k = 0; k < 4; ++k) {
    for (const char* ext : {".jsonl", ".csv"}) {
      std::string name = std::string(kBaseNames[k]) + ext;
      fs::path path = fs::path(dir) / name;
      if (!fs::exists(path, ec)) continue;
      Input in{static_cast<FileKind>(k), name, {}};
      if (Status s = ReadWholeFile(path, &in.text); !s.ok()) return s;
      total_bytes_ += in.text.size();
      inputs.push_back(std::move(in));
    }
  }
  if (inputs.empty()) {
    return InvalidArgument(
        "no dataset files (facilities, suppliers, experts or links .jsonl/.csv) in " + dir);
  }
  for (Input& in : inputs) {
    std::vector<RawRecord> records;
    if (in.name.ends_with(".csv"))
      ReadCsv(in.name, in.text, &records);
    else
      ReadJsonl(in.name, in.text, &records);
    std::string().swap(in.text);
    for (RawRecord& r : records) {
      if (Status s = Process(in.kind, r); !s.ok()) Error(r.file, r.line, s.message());
      Progress(r.bytes);
    }
    FlushErrors();
  }
  if (options_.progress) options_.progress(total_bytes_, total_bytes_);
  auto finish = [&] {
    report_->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  if (report_->bad_lines > 0 && !options_.skip_bad) {
    finish();
    return InvalidArgument(
        report_->errors.empty()
            ? "bad lines"
            : report_->errors[0] +
                  (report_->bad_lines > 1
                       ? " (and " + std::to_string(report_->bad_lines - 1) + " more)"
                       : ""));
  }
  if (batch_.Count() > 0) {
    if (Status s = store_->Write(batch_); !s.ok()) {
      finish();
      return s.WithPrefix("import of " + dir + " not written");
    }
  }
  report_->written = true;
  finish();
  return Status::OK();
}

// Writes `lines` to out_dir/name through a temporary file.
class JsonlWriter {
 public:
  JsonlWriter(const fs::path& dir, const std::string& name)
      : final_(dir / name),
        tmp_(dir / (name + ".tmp")),
        out_(tmp_, std::ios::binary | std::ios::trunc) {}
  bool ok() const { return static_cast<bool>(out_); }
  void Line(const std::string& json) { out_ << json << '\n'; }
  Status Commit() {
    out_.close();
    if (!out_) return IOError("cannot write " + tmp_.string());
    std::error_code ec;
    fs::rename(tmp_, final_, ec);
    if (ec) return IOError("cannot rename " + tmp_.string() + ": " + ec.message());
    return Status::OK();
  }

 private:
  fs::path final_, tmp_;
  std::ofstream out_;
};

}  // namespace

std::string ImportReport::Summary() const {
  char secs[32];
  std::snprintf(secs, sizeof(secs), "%.2f", seconds);
  return std::string(written ? "imported " : "not imported: ") + std::to_string(facilities) +
         " facilities (" + std::to_string(needs) + " needs), " + std::to_string(suppliers) +
         " suppliers, " + std::to_string(experts) + " experts, " + std::to_string(links) +
         " links; " + (written ? "skipped " : "") + std::to_string(bad_lines) + " bad lines; " +
         secs + " s";
}

Status ImportDataset(Store* store, const std::string& dataset_dir, const ImportOptions& options,
                     ImportReport* report) {
  *report = ImportReport();
  Importer importer(store, options, report);
  return importer.Run(dataset_dir);
}

Status ExportDataset(const Store& store, const std::string& out_dir, ExportReport* report) {
  *report = ExportReport();
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return IOError("cannot create " + out_dir + ": " + ec.message());
  struct File {
    const char* name;
    std::function<Status(JsonlWriter&)> fill;
  };
  File files[] = {
      {"facilities.jsonl",
       [&](JsonlWriter& w) {
         return store.ForEachFacility([&](const Facility& f) {
           w.Line(EncodeFacility(f));
           ++report->facilities;
           return true;
         });
       }},
      {"suppliers.jsonl",
       [&](JsonlWriter& w) {
         return store.ForEachSupplier([&](const Supplier& s) {
           w.Line(EncodeSupplier(s));
           ++report->suppliers;
           return true;
         });
       }},
      {"experts.jsonl",
       [&](JsonlWriter& w) {
         return store.ForEachExpert([&](const Expert& e) {
           w.Line(EncodeExpert(e));
           ++report->experts;
           return true;
         });
       }},
      {"links.jsonl",
       [&](JsonlWriter& w) {
         return store.ForEachLink([&](const Link& l) {
           w.Line(EncodeLink(l));
           ++report->links;
           return true;
         });
       }},
  };
  for (File& f : files) {
    JsonlWriter w(out_dir, f.name);
    if (!w.ok()) return IOError("cannot create " + (fs::path(out_dir) / f.name).string());
    if (Status s = f.fill(w); !s.ok()) return s;
    if (Status s = w.Commit(); !s.ok()) return s;
  }
  return Status::OK();
}

Status ParseCsv(std::string_view text, size_t max_record_bytes,
                std::vector<std::vector<std::string>>* records, std::vector<int>* lines) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  int line = 1;
  size_t i = 0;
  while (i < text.size()) {
    std::vector<std::string> record(1);
    size_t record_start = i;
    lines->push_back(line);
    bool end_of_record = false;
    while (!end_of_record) {
      std::string& field = record.back();
      if (i < text.size() && text[i] == '"') {  // quoted field
        ++i;
        while (true) {
          if (i >= text.size()) {
            return InvalidArgument("line " + std::to_string(lines->back()) +
                                   ": unterminated quoted field");
          }
          char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field += '"';
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field += c;
        }
      }
      // Unquoted part (or what follows a closing quote, kept as written).
      while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
        field += text[i++];
      if (i - record_start > max_record_bytes) {
        return InvalidArgument("line " + std::to_string(lines->back()) + ": record longer than " +
                               std::to_string(max_record_bytes) + " bytes");
      }
      if (i >= text.size()) {
        end_of_record = true;
      } else if (text[i] == ',') {
        ++i;
        record.emplace_back();
      } else {  // \r\n, \n or a lone \r
        if (text[i] == '\r') ++i;
        if (i < text.size() && text[i] == '\n') ++i;
        ++line;
        end_of_record = true;
      }
    }
    records->push_back(std::move(record));
  }
  return Status::OK();
}

}  // namespace ketnoi::engine
