// Handlers for /v1/{facilities|suppliers|experts}, /v1/needs and /v1/links.
//
// Create and replace check existence and write under one mutex so that two
// concurrent creates of one id cannot both succeed (the store's Put is an
// upsert); reads never take it.
#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>

#include "api/handlers.h"
#include "engine/codec.h"
#include "engine/engine.h"
#include "engine/store.h"
#include "engine/store_keys.h"

namespace ketnoi::api {
namespace {

using nlohmann::json;

std::mutex g_record_write_mu;  // serialises check-then-write of HTTP record writes

std::string_view KindWord(RecordKind kind) {
  switch (kind) {
    case RecordKind::kFacilities: return "facility";
    case RecordKind::kSuppliers: return "supplier";
    case RecordKind::kExperts: return "expert";
    case RecordKind::kLinks: return "link";
  }
  return "record";
}

// A decoded record of one kind, with what the handlers need from it.
struct AnyRecord {
  engine::Facility facility;
  engine::Supplier supplier;
  engine::Expert expert;
  std::string id;
};

Status Decode(RecordKind kind, std::string_view body, int depth, AnyRecord* out) {
  switch (kind) {
    case RecordKind::kFacilities: {
      auto r = engine::DecodeFacility(body, engine::JsonForm::kDataset, depth);
      if (!r.ok()) return r.status();
      out->facility = std::move(r).value();
      out->id = out->facility.id;
      return Status::OK();
    }
    case RecordKind::kSuppliers: {
      auto r = engine::DecodeSupplier(body, engine::JsonForm::kDataset, depth);
      if (!r.ok()) return r.status();
      out->supplier = std::move(r).value();
      out->id = out->supplier.id;
      return Status::OK();
    }
    case RecordKind::kExperts: {
      auto r = engine::DecodeExpert(body, engine::JsonForm::kDataset, depth);
      if (!r.ok()) return r.status();
      out->expert = std::move(r).value();
      out->id = out->expert.id;
      return Status::OK();
    }
    case RecordKind::kLinks: break;
  }
  return Internal("no record decoder for links");
}

Status Put(const ApiContext& ctx, RecordKind kind, const AnyRecord& rec) {
  if (ctx.engine != nullptr) {
    switch (kind) {
      case RecordKind::kFacilities: return ctx.engine->PutFacility(rec.facility);
      case RecordKind::kSuppliers: return ctx.engine->PutSupplier(rec.supplier);
      case RecordKind::kExperts: return ctx.engine->PutExpert(rec.expert);
      case RecordKind::kLinks: break;
    }
    return Internal("no record writer for links");
  }
  engine::Store& store = *ctx.store;
  switch (kind) {
    case RecordKind::kFacilities: return store.PutFacility(rec.facility);
    case RecordKind::kSuppliers: return store.PutSupplier(rec.supplier);
    case RecordKind::kExperts: return store.PutExpert(rec.expert);
    case RecordKind::kLinks: break;
  }
  return Internal("no record writer for links");
}

// The record as dataset JSON, or its error.
StatusOr<std::string> GetEncoded(const engine::Store& store, RecordKind kind,
                                 std::string_view id) {
  switch (kind) {
    case RecordKind::kFacilities: {
      auto r = store.GetFacility(id);
      if (!r.ok()) return r.status();
      return engine::EncodeFacility(*r);
    }
    case RecordKind::kSuppliers: {
      auto r = store.GetSupplier(id);
      if (!r.ok()) return r.status();
      return engine::EncodeSupplier(*r);
    }
    case RecordKind::kExperts: {
      auto r = store.GetExpert(id);
      if (!r.ok()) return r.status();
      return engine::EncodeExpert(*r);
    }
    case RecordKind::kLinks: break;
  }
  return Internal("no record reader for links");
}

Reply IdReply(int http_status, const std::string& id) {
  return JsonReply(http_status, json{{"id", id}}.dump());
}

// The body as a JSON object (for the few handlers that look at it before
// decoding); InvalidArgument naming the JSON error otherwise.
StatusOr<json> ParseObject(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return InvalidArgument("request body is not valid JSON");
  if (!j.is_object()) return InvalidArgument("request body must be a JSON object");
  return j;
}

template <typename T>
Reply PageReply(const StatusOr<engine::Page<T>>& page, std::string (*encode)(const T&)) {
  if (!page.ok()) return ErrorReply(page.status());
  std::string body = "{\"items\":[";
  for (size_t i = 0; i < page->items.size(); ++i) {
    if (i > 0) body += ',';
    body += encode(page->items[i]);
  }
  body += "],\"next_cursor\":";
  body += page->next_cursor.empty() ? "null" : json(page->next_cursor).dump();
  body += '}';
  return JsonReply(200, std::move(body));
}

std::string EncodeFacilityDataset(const engine::Facility& f) { return engine::EncodeFacility(f); }
std::string EncodeSupplierDataset(const engine::Supplier& s) { return engine::EncodeSupplier(s); }
std::string EncodeExpertDataset(const engine::Expert& e) { return engine::EncodeExpert(e); }

}  // namespace

Reply HandleCreate(RecordKind kind, const ApiContext& ctx, const ApiRequest& req) {
  AnyRecord rec;
  if (Status st = Decode(kind, req.body, ctx.limits.max_json_depth, &rec); !st.ok()) {
    return ErrorReply(st);
  }
  std::lock_guard<std::mutex> lock(g_record_write_mu);
  auto existing = GetEncoded(*ctx.store, kind, rec.id);
  if (existing.ok()) {
    return ErrorReply(AlreadyExists(std::string(KindWord(kind)) + " '" + rec.id +
                                    "' already exists; use PUT to replace it"));
  }
  if (existing.status().code() != StatusCode::kNotFound) return ErrorReply(existing.status());
  if (Status st = Put(ctx, kind, rec); !st.ok()) return ErrorReply(st);
  return IdReply(201, rec.id);
}

Reply HandleGet(RecordKind kind, const ApiContext& ctx, const ApiRequest& req) {
  auto body = GetEncoded(*ctx.store, kind, req.Param("id"));
  if (!body.ok()) return ErrorReply(body.status());
  return JsonReply(200, std::move(body).value());
}

Reply HandleReplace(RecordKind kind, const ApiContext& ctx, const ApiRequest& req) {
  const std::string& id = req.Param("id");
  auto obj = ParseObject(req.body);
  if (!obj.ok()) return ErrorReply(obj.status());
  std::string body(req.body);
  auto it = obj->find("id");
  if (it == obj->end()) {
    (*obj)["id"] = id;
    body = obj->dump();
  } else if (!it->is_string() || it->get<std::string>() != id) {
    return ErrorReply(InvalidArgument("field 'id': " + it->dump() +
                                      " does not match the id in the path '" + id + "'"));
  }
  AnyRecord rec;
  if (Status st = Decode(kind, body, ctx.limits.max_json_depth, &rec); !st.ok()) {
    return ErrorReply(st);
  }
  std::lock_guard<std::mutex> lock(g_record_write_mu);
  auto existing = GetEncoded(*ctx.store, kind, id);
  if (!existing.ok()) return ErrorReply(existing.status());
  if (Status st = Put(ctx, kind, rec); !st.ok()) return ErrorReply(st);
  return IdReply(200, id);
}

Reply HandleDelete(RecordKind kind, const ApiContext& ctx, const ApiRequest& req) {
  const std::string& id = req.Param("id");
  std::lock_guard<std::mutex> lock(g_record_write_mu);
  Status st;
  switch (kind) {
    case RecordKind::kFacilities:
      st = ctx.engine ? ctx.engine->DeleteFacility(id) : ctx.store->DeleteFacility(id);
      break;
    case RecordKind::kSuppliers:
      st = ctx.engine ? ctx.engine->DeleteSupplier(id) : ctx.store->DeleteSupplier(id);
      break;
    case RecordKind::kExperts:
      st = ctx.engine ? ctx.engine->DeleteExpert(id) : ctx.store->DeleteExpert(id);
      break;
    case RecordKind::kLinks: st = Internal("links are deleted through /v1/links"); break;
  }
  if (!st.ok()) return ErrorReply(st);
  return JsonReply(204, "");
}

Reply HandleList(RecordKind kind, const ApiContext& ctx, const ApiRequest& req) {
  auto limit = PageLimit(req, ctx.limits);
  if (!limit.ok()) return ErrorReply(limit.status());
  std::string cursor = req.Query("cursor");
  switch (kind) {
    case RecordKind::kFacilities:
      return PageReply(ctx.store->ListFacilities(cursor, *limit), EncodeFacilityDataset);
    case RecordKind::kSuppliers:
      return PageReply(ctx.store->ListSuppliers(cursor, *limit), EncodeSupplierDataset);
    case RecordKind::kExperts:
      return PageReply(ctx.store->ListExperts(cursor, *limit), EncodeExpertDataset);
    case RecordKind::kLinks: break;
  }
  return ErrorReply(Internal("links are listed through /v1/links"));
}

Reply HandleGetNeed(const ApiContext& ctx, const ApiRequest& req) {
  auto need = ctx.store->GetNeed(req.Param("id"));
  if (!need.ok()) return ErrorReply(need.status());
  const engine::Need& n = need->first;
  json extra = json::parse(n.extra_json, nullptr, false);
  json j = extra.is_object() ? extra : json::object();
  j["id"] = n.id;
  j["kind"] = engine::NeedKindName(n.kind);
  j["text"] = n.text;
  if (n.budget_vnd) j["budget_vnd"] = *n.budget_vnd;
  json out = {{"need", std::move(j)}, {"facility", need->second}};
  return JsonReply(200, out.dump(-1, ' ', false, json::error_handler_t::replace));
}

Reply HandleCreateLink(const ApiContext& ctx, const ApiRequest& req) {
  auto link = engine::DecodeLink(req.body, ctx.limits.max_json_depth);
  if (!link.ok()) return ErrorReply(link.status());
  if (Status st = ctx.engine ? ctx.engine->PutLink(*link) : ctx.store->PutLink(*link); !st.ok()) {
    return ErrorReply(st);
  }
  return JsonReply(201, engine::EncodeLink(*link));
}

Reply HandleListLinks(const ApiContext& ctx, const ApiRequest& req) {
  auto limit = PageLimit(req, ctx.limits);
  if (!limit.ok()) return ErrorReply(limit.status());
  std::string from = req.Query("from");
  if (from.empty()) {
    return PageReply(ctx.store->ListLinks(req.Query("cursor"), *limit), engine::EncodeLink);
  }
  // Links from one id: a prefix scan over the key layout. The cursor is the
  // last key returned with its '\0' separators written as '/' (ids never
  // contain '/'), as in Store::ListLinks.
  std::string prefix = engine::keys::LinkFromPrefix(from);
  std::string cursor = req.Query("cursor");
  std::replace(cursor.begin(), cursor.end(), '/', '\0');
  engine::Page<engine::Link> page;
  std::string last_key;
  Status decode_status;
  Status st = ctx.store->ScanRaw(
      engine::Family::kLinks, prefix, cursor.empty() ? prefix : cursor,
      [&](std::string_view key, std::string_view value) {
        if (!cursor.empty() && key == cursor) return true;  // the cursor is exclusive
        if (page.items.size() == *limit) {
          page.next_cursor = last_key;
          std::replace(page.next_cursor.begin(), page.next_cursor.end(), '\0', '/');
          return false;
        }
        auto l = engine::DecodeLink(value);
        if (!l.ok()) {
          decode_status = Corruption("stored link does not decode: " + l.status().message());
          return false;
        }
        page.items.push_back(std::move(l).value());
        last_key = std::string(key);
        return true;
      });
  if (!st.ok()) return ErrorReply(st);
  if (!decode_status.ok()) return ErrorReply(decode_status);
  return PageReply(StatusOr<engine::Page<engine::Link>>(std::move(page)), engine::EncodeLink);
}

Reply HandleDeleteLink(const ApiContext& ctx, const ApiRequest& req) {
  engine::Link l;
  l.from = req.Query("from");
  l.to = req.Query("to");
  std::string type = req.Query("type");
  if (l.from.empty() || l.to.empty() || type.empty()) {
    return ErrorReply(InvalidArgument("query parameters 'from', 'to' and 'type' are required"));
  }
  if (!engine::ParseLinkType(type, &l.type)) {
    return ErrorReply(InvalidArgument("query 'type': unknown link type '" + type + "'"));
  }
  if (Status st = ctx.engine ? ctx.engine->DeleteLink(l) : ctx.store->DeleteLink(l); !st.ok()) {
    return ErrorReply(st);
  }
  return JsonReply(204, "");
}

}  // namespace ketnoi::api
