// Handlers for POST /v1/import/{kind} and GET /v1/export/{kind}: JSON Lines
// in the dataset format (../shared/DESIGN.md), one record per line.
//
// Import goes through engine::ImportDataset, exactly as `ketnoi import`: the
// body is written to a private temporary directory as <kind>.jsonl and
// imported from there, so the validation, the error lines
// ("facilities.jsonl:3: field 'province': unknown province 'Xyz'") and the
// all-or-nothing rule are the CLI's. On a bad line the answer is 400 with the
// lines in error.lines and nothing is stored.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "engine/codec.h"
#include "engine/dataset.h"
#include "engine/engine.h"
#include "engine/store.h"

namespace ketnoi::api {
namespace {

using nlohmann::json;

std::string FileName(RecordKind kind) {
  switch (kind) {
    case RecordKind::kFacilities: return "facilities.jsonl";
    case RecordKind::kSuppliers: return "suppliers.jsonl";
    case RecordKind::kExperts: return "experts.jsonl";
    case RecordKind::kLinks: return "links.jsonl";
  }
  return "records.jsonl";
}

// A temporary directory removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ketnoi-import-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

Reply HandleImport(RecordKind kind, const ApiContext& ctx, const ApiRequest& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return ErrorReply(InvalidArgument("request body has no records"));
  }
  TempDir dir;
  if (dir.path().empty()) return ErrorReply(IOError("cannot create a temporary directory"));
  {
    std::ofstream out(dir.path() + "/" + FileName(kind), std::ios::binary);
    out.write(req.body.data(), static_cast<std::streamsize>(req.body.size()));
    if (!out.good()) return ErrorReply(IOError("cannot write the temporary import file"));
  }
  engine::ImportOptions options;
  options.max_json_depth = ctx.limits.max_json_depth;
  options.max_errors_kept = 100;
  engine::ImportReport report;
  Status st = ctx.engine ? ctx.engine->Import(dir.path(), options, &report)
                         : engine::ImportDataset(ctx.store, dir.path(), options, &report);
  if (!st.ok() && !report.errors.empty()) {
    json err = {{"code", StatusCodeName(st.code())},
                {"message", std::to_string(report.bad_lines) + " bad line(s); nothing stored. " +
                                report.errors[0]},
                {"lines", report.errors}};
    return JsonReply(HttpStatusFor(st.code()),
                     json{{"error", std::move(err)}}.dump(-1, ' ', false,
                                                          json::error_handler_t::replace));
  }
  if (!st.ok()) return ErrorReply(st);
  json out = {{"facilities", report.facilities}, {"needs", report.needs},
              {"suppliers", report.suppliers},   {"experts", report.experts},
              {"links", report.links},           {"summary", report.Summary()}};
  return JsonReply(200, out.dump());
}

Reply HandleExport(RecordKind kind, const ApiContext& ctx, const ApiRequest&) {
  std::string out;
  Status st;
  switch (kind) {
    case RecordKind::kFacilities:
      st = ctx.store->ForEachFacility([&](const engine::Facility& f) {
        out += engine::EncodeFacility(f);
        out += '\n';
        return true;
      });
      break;
    case RecordKind::kSuppliers:
      st = ctx.store->ForEachSupplier([&](const engine::Supplier& s) {
        out += engine::EncodeSupplier(s);
        out += '\n';
        return true;
      });
      break;
    case RecordKind::kExperts:
      st = ctx.store->ForEachExpert([&](const engine::Expert& e) {
        out += engine::EncodeExpert(e);
        out += '\n';
        return true;
      });
      break;
    case RecordKind::kLinks:
      st = ctx.store->ForEachLink([&](const engine::Link& l) {
        out += engine::EncodeLink(l);
        out += '\n';
        return true;
      });
      break;
  }
  if (!st.ok()) return ErrorReply(st);
  Reply r;
  r.content_type = "application/x-ndjson; charset=utf-8";
  r.body = std::move(out);
  return r;
}

}  // namespace ketnoi::api
