#include "api/web_routes.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#ifndef KETNOI_WEB_DIR
#define KETNOI_WEB_DIR "web"
#endif

namespace ketnoi::api {
namespace {

struct ContentTypeEntry {
  std::string_view extension;
  std::string_view content_type;
};

// The asset kinds the page may use. Anything else is not served.
constexpr ContentTypeEntry kContentTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
};

Reply NotFoundReply(std::string_view name) {
  return ErrorReply(404, "not_found", "no such file of the web page: '" +
                                          std::string(name.substr(0, 128)) + "'");
}

}  // namespace

std::string WebDir() {
  const char* env = std::getenv("KETNOI_WEB_DIR");
  if (env != nullptr && *env != '\0') return env;
  return KETNOI_WEB_DIR;
}

std::string_view WebContentType(std::string_view name) {
  for (const auto& e : kContentTypes) {
    if (name.size() > e.extension.size() &&
        name.substr(name.size() - e.extension.size()) == e.extension) {
      return e.content_type;
    }
  }
  return {};
}

bool IsServableWebName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name[0])) return false;
  for (char c : name) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  if (name.find("..") != std::string_view::npos) return false;
  return !WebContentType(name).empty();
}

Reply ServeWebFile(const std::string& dir, std::string_view name) {
  if (!IsServableWebName(name)) return NotFoundReply(name);
  std::filesystem::path path = std::filesystem::path(dir) / std::string(name);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return NotFoundReply(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundReply(name);
  Reply r;
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) {
    return ErrorReply(500, "internal", "cannot read the web page file '" + std::string(name) + "'");
  }
  r.content_type = std::string(WebContentType(name));
  return r;
}

Reply HandleWebIndex(const ApiContext&, const ApiRequest&) {
  return ServeWebFile(WebDir(), "index.html");
}

Reply HandleWebStatic(const ApiContext&, const ApiRequest& req) {
  return ServeWebFile(WebDir(), req.Param("file"));
}

Reply HandleWhoAmI(const ApiContext&, const ApiRequest& req) {
  const ApiKey& key = req.principal.key;
  nlohmann::json j = {{"key_id", key.id},
                      {"role", RoleName(key.role)},
                      {"entity", key.entity}};
  return JsonReply(200, j.dump());
}

}  // namespace ketnoi::api
