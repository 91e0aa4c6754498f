// The web page for staff, suppliers and planners (web/index.html, app.js,
// style.css), served by ketnoi itself: no CDN, no external fonts.
//
//   GET /               web/index.html                        (no key needed)
//   GET /static/{file}  one file of web/, by name             (no key needed)
//   GET /v1/whoami      {"key_id","role","entity"} of the calling key, so the
//                       page can open the right view for the key it was given
//
// Files are read from the web directory at each request (a few KB; edits show
// without a restart). The directory is $KETNOI_WEB_DIR when set, else the
// compile definition KETNOI_WEB_DIR (the source tree's web/). Only plain
// names of known asset kinds are served: a name with a path separator, a
// leading dot or "..", or an unknown extension is 404, so no request can
// reach outside the directory.
#pragma once

#include <string>
#include <string_view>

#include "api/routes.h"

namespace ketnoi::api {

// The directory the page is served from (see above).
std::string WebDir();

// The Content-Type for a served file name ("app.js" -> "text/javascript;
// charset=utf-8"); empty for a kind that is not served.
std::string_view WebContentType(std::string_view name);

// Whether `name` is a plain file name that may be served: 1-128 characters
// of [A-Za-z0-9._-], starting with a letter or digit, no "..", and a served
// extension.
bool IsServableWebName(std::string_view name);

// The file `name` of `dir` as a reply with its content type; 404 when the
// name is not servable or the file does not exist.
Reply ServeWebFile(const std::string& dir, std::string_view name);

// Route handlers (registered in api/routes.cc).
Reply HandleWebIndex(const ApiContext& ctx, const ApiRequest& req);
Reply HandleWebStatic(const ApiContext& ctx, const ApiRequest& req);
Reply HandleWhoAmI(const ApiContext& ctx, const ApiRequest& req);

}  // namespace ketnoi::api
