// Admin routes: POST /v1/admin/backup (api/backup.h).
#include <nlohmann/json.hpp>

#include "api/backup.h"
#include "api/handlers.h"
#include "engine/store.h"

namespace ketnoi::api {

// Body {"name"?}: the backup's directory name under the server's backup
// directory (default: backup-<UTC time>). 201 {"name","path","indexes",
// "seconds"} once the backup is complete on disk.
Reply HandleBackup(const ApiContext& ctx, const ApiRequest& req) {
  if (ctx.store == nullptr) return ErrorReply(503, "unavailable", "no store is open");
  if (ctx.backup_dir.empty()) {
    return ErrorReply(FailedPrecondition(
        "online backups are off: set \"backup_dir\" in the server's config file"));
  }
  nlohmann::json body = req.body.empty() ? nlohmann::json::object()
                                         : nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return ErrorReply(InvalidArgument("body must be a JSON object {\"name\"?}"));
  }
  std::string name;
  for (const auto& [key, value] : body.items()) {
    if (key != "name") return ErrorReply(InvalidArgument("unknown field '" + key + "'"));
    if (!value.is_string()) return ErrorReply(InvalidArgument("field 'name' must be a string"));
    name = value.get<std::string>();
  }
  if (!body.contains("name")) name = DefaultBackupName();
  auto result = WriteBackup(*ctx.store, ctx.engine, ctx.backup_dir, name);
  if (!result.ok()) return ErrorReply(result.status());
  nlohmann::ordered_json out = {{"name", name},
                                {"path", result->path},
                                {"indexes", result->indexes},
                                {"seconds", result->seconds}};
  if (!result->indexes) out["index_note"] = result->index_note;
  return JsonReply(201, out.dump());
}

}  // namespace ketnoi::api
