// Route handlers (internal to api/): one function per route or family of
// routes, referenced from the route table in api/routes.cc. Each parses the
// request, calls the engine and answers through JsonReply / ErrorReply; the
// server has already authenticated the caller, applied the route's access
// rule and checked the body's size, UTF-8 and JSON depth.
#pragma once

#include "api/routes.h"

namespace ketnoi::api {

// The record kinds served under /v1/{kind} (links only by import/export
// and /v1/links).
enum class RecordKind { kFacilities, kSuppliers, kExperts, kLinks };

// api/routes.cc: service routes.
Reply HandleHealthz(const ApiContext& ctx, const ApiRequest& req);
Reply HandleMetrics(const ApiContext& ctx, const ApiRequest& req);
Reply HandleOpenApi(const ApiContext& ctx, const ApiRequest& req);

// api/record_routes.cc: records, needs and links.
Reply HandleCreate(RecordKind kind, const ApiContext& ctx, const ApiRequest& req);
Reply HandleGet(RecordKind kind, const ApiContext& ctx, const ApiRequest& req);
Reply HandleReplace(RecordKind kind, const ApiContext& ctx, const ApiRequest& req);
Reply HandleDelete(RecordKind kind, const ApiContext& ctx, const ApiRequest& req);
Reply HandleList(RecordKind kind, const ApiContext& ctx, const ApiRequest& req);
Reply HandleGetNeed(const ApiContext& ctx, const ApiRequest& req);
Reply HandleCreateLink(const ApiContext& ctx, const ApiRequest& req);
Reply HandleListLinks(const ApiContext& ctx, const ApiRequest& req);
Reply HandleDeleteLink(const ApiContext& ctx, const ApiRequest& req);

// api/admin_routes.cc: online backup (admin keys only).
Reply HandleBackup(const ApiContext& ctx, const ApiRequest& req);

// api/bulk_routes.cc: JSON Lines import and export of one kind.
Reply HandleImport(RecordKind kind, const ApiContext& ctx, const ApiRequest& req);
Reply HandleExport(RecordKind kind, const ApiContext& ctx, const ApiRequest& req);

}  // namespace ketnoi::api
