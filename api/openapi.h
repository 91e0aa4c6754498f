// The OpenAPI 3.1 document of the HTTP API, generated from the route table
// so that it cannot drift from what the server serves (GET /v1/openapi.json).
#pragma once

#include <string>
#include <vector>

#include "api/routes.h"

namespace ketnoi::api {

// The document as JSON text: one path item per distinct route path, one
// operation per route (summary, operationId, path and query parameters,
// request body, responses, security: bearer unless the route is public).
std::string OpenApiDocument(const std::vector<Route>& routes);

}  // namespace ketnoi::api
