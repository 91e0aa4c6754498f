// Pictures and JSON of a chain map: Graphviz DOT (stages left to right as
// clusters, actors grouped under their stage, gaps dashed red, long actor
// lists collapsed into "+N more"), SVG through Debian's `dot` command, and
// the JSON document the CLI and HTTP API return. Pure functions except
// RenderSvg, which runs a subprocess; all thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/graph.h"

namespace ketnoi::engine {

struct ChainRenderOptions {
  // Facilities drawn per stage; the rest become one "+N more" node. Keeps
  // a 500-actor province readable; larger shows more names, wider picture.
  size_t max_facilities_per_stage = 8;
  // Suppliers and experts drawn per stage (the rest collapsed likewise).
  size_t max_providers_per_stage = 3;
};

std::string ChainMapToDot(const ChainMap& map, const std::vector<Gap>& gaps,
                          const ChainRenderOptions& options = {});

// {"chain":{"id","name":{"vi","en"}},"province":{"id","name"},"stages":[...],
//  "flows":[...],"inflow_links","outflow_links","actor_count","gaps":[...]}
std::string ChainMapToJson(const ChainMap& map, const std::vector<Gap>& gaps);

// Runs `dot -Tsvg` on `dot_text`. IOError when the command is missing or
// fails (its stderr in the message); Internal when the output is not SVG.
StatusOr<std::string> RenderSvg(std::string_view dot_text, const std::string& dot_command = "dot");

}  // namespace ketnoi::engine
