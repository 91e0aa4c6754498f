#include "engine/chain_render.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace ketnoi::engine {
namespace {

std::string Esc(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string_view GapName(GapKind k) {
  switch (k) {
    case GapKind::kMissing: return "missing";
    case GapKind::kSingle: return "single";
    case GapKind::kNone: return "none";
  }
  return "none";
}

// Appends up to `limit` actor nodes of one kind, then a "+N more" node.
void Actors(std::string* dot, const std::string& stage_node, const char* kind,
            const std::vector<ChainMapActor>& actors, size_t limit, const char* attrs,
            std::vector<std::string>* nodes) {
  size_t shown = std::min(limit, actors.size());
  for (size_t i = 0; i < shown; ++i) {
    std::string id = stage_node + "_" + kind + std::to_string(i);
    std::string label = actors[i].name.empty() ? actors[i].id : actors[i].name;
    if (!actors[i].given) {
      char conf[16];
      std::snprintf(conf, sizeof(conf), " (%.0f%%)", actors[i].confidence * 100);
      label += conf;
    }
    *dot += "    \"" + id + "\" [label=\"" + Esc(label) + "\", tooltip=\"" + Esc(actors[i].id) +
            "\", " + attrs + "];\n";
    nodes->push_back(id);
  }
  if (actors.size() > shown) {
    std::string id = stage_node + "_" + kind + "_more";
    *dot += "    \"" + id + "\" [label=\"+" + std::to_string(actors.size() - shown) + " more " +
            kind + "\", shape=plaintext];\n";
    nodes->push_back(id);
  }
}

nlohmann::json ActorsJson(const std::vector<ChainMapActor>& actors) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : actors) {
    out.push_back({{"id", a.id},
                   {"name", a.name},
                   {"province", a.province_id},
                   {"confidence", a.confidence},
                   {"given", a.given},
                   {"degree", a.degree}});
  }
  return out;
}

nlohmann::json CandidatesJson(const std::vector<GapCandidate>& cands) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : cands) {
    out.push_back({{"id", c.id},
                   {"name", c.name},
                   {"kind", VertexKindName(c.kind)},
                   {"province", c.province_id},
                   {"distance_km", c.distance_km},
                   {"stage_confidence", c.stage_confidence},
                   {"score", c.score}});
  }
  return out;
}

}  // namespace

std::string ChainMapToDot(const ChainMap& map, const std::vector<Gap>& gaps,
                          const ChainRenderOptions& options) {
  std::string dot = "digraph chain {\n";
  dot += "  graph [rankdir=LR, compound=true, newrank=true, nodesep=0.15, ranksep=0.9, "
         "fontname=\"DejaVu Sans\", label=\"" +
         Esc(map.chain_name_vi + " / " + map.chain_name_en + " — " + map.province_name + " (" +
             std::to_string(map.actor_count) + " actors)") +
         "\", labelloc=t, fontsize=18];\n";
  dot += "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#e8f1fb\", "
         "fontname=\"DejaVu Sans\", fontsize=10];\n";
  dot += "  edge [fontname=\"DejaVu Sans\", fontsize=9];\n";
  std::vector<std::string> anchors;
  for (size_t i = 0; i < map.stages.size(); ++i) {
    const ChainMapStage& s = map.stages[i];
    const std::string node = "s" + std::to_string(i);
    dot += "  subgraph cluster_" + node + " {\n";
    std::string label = s.name_vi + "\n" + s.name_en + " · " +
                        std::to_string(s.facilities.size()) + " facilities";
    if (s.gap != GapKind::kNone) {
      label += s.gap == GapKind::kMissing ? "\nGAP: no local facility" : "\nGAP: single facility";
      dot += "    style=\"dashed,rounded\"; color=red; penwidth=2; fontcolor=red;\n";
    } else {
      dot += "    style=rounded; color=\"#7a8ca0\";\n";
    }
    dot += "    label=\"" + Esc(label) + "\";\n";
    dot += "    rank=same;\n";  // one column per stage (rankdir=LR, newrank=true)
    std::vector<std::string> nodes;
    Actors(&dot, node, "facilities", s.facilities, options.max_facilities_per_stage,
           "fillcolor=\"#e8f1fb\"", &nodes);
    Actors(&dot, node, "suppliers", s.suppliers, options.max_providers_per_stage,
           "shape=component, fillcolor=\"#fff4d6\"", &nodes);
    Actors(&dot, node, "experts", s.experts, options.max_providers_per_stage,
           "shape=note, fillcolor=\"#e6f5e6\"", &nodes);
    if (nodes.empty()) {
      std::string id = node + "_empty";
      dot += "    \"" + id + "\" [label=\"(none)\", shape=plaintext, fontcolor=red];\n";
      nodes.push_back(id);
    }
    dot += "  }\n";
    anchors.push_back(nodes.front());
  }
  // Chain order: invisible edges between consecutive stage clusters.
  for (size_t i = 0; i + 1 < anchors.size(); ++i) {
    dot += "  \"" + anchors[i] + "\" -> \"" + anchors[i + 1] +
           "\" [ltail=cluster_s" + std::to_string(i) + ", lhead=cluster_s" +
           std::to_string(i + 1) + ", color=\"#b0b8c0\", arrowhead=vee, weight=10];\n";
  }
  // Observed flows between stages, labelled with their link counts.
  auto index_of = [&](const std::string& id) {
    for (size_t i = 0; i < map.stages.size(); ++i) {
      if (map.stages[i].stage_id == id) return static_cast<int>(i);
    }
    return -1;
  };
  for (const ChainFlow& f : map.flows) {
    int a = index_of(f.from_stage), b = index_of(f.to_stage);
    if (a < 0 || b < 0 || a == b) continue;
    dot += "  \"" + anchors[a] + "\" -> \"" + anchors[b] + "\" [ltail=cluster_s" +
           std::to_string(a) + ", lhead=cluster_s" + std::to_string(b) + ", label=\"" +
           std::to_string(f.links) + " links\", color=\"#1f5fa8\", penwidth=" +
           std::to_string(1.0 + std::min<size_t>(f.links, 8) * 0.5) +
           ", constraint=false];\n";
  }
  // Gap candidates, as a note under the picture.
  std::string note;
  for (const Gap& g : gaps) {
    if (g.candidates.empty()) continue;
    note += g.name_vi + ": ";
    for (size_t k = 0; k < std::min<size_t>(3, g.candidates.size()); ++k) {
      if (k) note += ", ";
      note += g.candidates[k].name + " (" + g.candidates[k].province_id + ", " +
              std::to_string(static_cast<int>(g.candidates[k].distance_km)) + " km)";
    }
    note += "\\l";
  }
  if (!note.empty()) {
    std::string escaped;
    for (size_t i = 0; i < note.size(); ++i) {
      if (note.compare(i, 2, "\\l") == 0) {
        escaped += "\\l";
        ++i;
      } else if (note[i] == '"' || note[i] == '\\') {
        escaped += '\\';
        escaped += note[i];
      } else {
        escaped += note[i];
      }
    }
    dot += "  gap_candidates [shape=note, style=filled, fillcolor=\"#fdecea\", label=\"Candidates "
           "for gaps (nearest provinces):\\l" + escaped + "\"];\n";
  }
  dot += "}\n";
  return dot;
}

std::string ChainMapToJson(const ChainMap& map, const std::vector<Gap>& gaps) {
  nlohmann::json j;
  j["chain"] = {{"id", map.chain_id}, {"name", {{"vi", map.chain_name_vi}, {"en", map.chain_name_en}}}};
  j["province"] = {{"id", map.province_id}, {"name", map.province_name}};
  j["stages"] = nlohmann::json::array();
  for (const ChainMapStage& s : map.stages) {
    j["stages"].push_back({{"id", s.stage_id},
                           {"name", {{"vi", s.name_vi}, {"en", s.name_en}}},
                           {"position", s.position},
                           {"gap", GapName(s.gap)},
                           {"counts",
                            {{"facilities", s.facilities.size()},
                             {"suppliers", s.suppliers.size()},
                             {"experts", s.experts.size()}}},
                           {"facilities", ActorsJson(s.facilities)},
                           {"suppliers", ActorsJson(s.suppliers)},
                           {"experts", ActorsJson(s.experts)}});
  }
  j["flows"] = nlohmann::json::array();
  for (const ChainFlow& f : map.flows) {
    j["flows"].push_back({{"from", f.from_stage}, {"to", f.to_stage}, {"links", f.links}});
  }
  j["inflow_links"] = map.inflow_links;
  j["outflow_links"] = map.outflow_links;
  j["actor_count"] = map.actor_count;
  j["gaps"] = nlohmann::json::array();
  for (const Gap& g : gaps) {
    j["gaps"].push_back({{"stage", g.stage_id},
                         {"name", {{"vi", g.name_vi}, {"en", g.name_en}}},
                         {"kind", GapName(g.kind)},
                         {"local_facilities", g.local_facilities},
                         {"candidates", CandidatesJson(g.candidates)},
                         {"enablers", CandidatesJson(g.enablers)}});
  }
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

StatusOr<std::string> RenderSvg(std::string_view dot_text, const std::string& dot_command) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "ketnoi-chain-XXXXXX").string();
  int fd = mkstemp(tmpl.data());
  if (fd < 0) return IOError("svg: cannot create a temporary file");
  close(fd);
  const std::string in = tmpl, err = tmpl + ".err";
  {
    std::ofstream out(in, std::ios::binary);
    out << dot_text;
    if (!out) {
      std::remove(in.c_str());
      return IOError("svg: cannot write " + in);
    }
  }
  // The paths come from mkstemp (no shell metacharacters); the command is
  // ours, not user input.
  const std::string cmd = dot_command + " -Tsvg '" + in + "' 2>'" + err + "'";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    std::remove(in.c_str());
    return IOError("svg: cannot run " + dot_command);
  }
  std::string svg;
  char buf[1 << 14];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) svg.append(buf, n);
  int rc = pclose(pipe);
  std::string errors;
  {
    std::ifstream e(err);
    std::getline(e, errors, '\0');
  }
  std::remove(in.c_str());
  std::remove(err.c_str());
  if (rc != 0 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
    return IOError("svg: '" + dot_command + " -Tsvg' failed (is graphviz installed?): " + errors);
  }
  size_t start = svg.find_first_not_of(" \t\r\n");
  if (start == std::string::npos ||
      (svg.compare(start, 5, "<?xml") != 0 && svg.compare(start, 4, "<svg") != 0) ||
      svg.rfind("</svg>") == std::string::npos) {
    return Internal("svg: " + dot_command + " did not produce SVG");
  }
  return svg;
}

}  // namespace ketnoi::engine
