// ketnoi chain: the value-chain map of a sector in a province, as JSON,
// Graphviz DOT or SVG (through Debian's `dot`).
#include <cstdio>
#include <fstream>
#include <iostream>

#include "api/commands.h"
#include "engine/chain_render.h"
#include "engine/graph_setup.h"
#include "engine/reference.h"
#include "engine/store.h"

namespace ketnoi::api {
namespace {

int Fail(const Status& s) {
  std::fprintf(stderr, "ketnoi chain: %s\n", s.ToString().c_str());
  return s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kNotFound ? 2 : 1;
}

}  // namespace

int RunChain(const ChainArgs& args) {
  if (args.format != "json" && args.format != "dot" && args.format != "svg") {
    return Fail(InvalidArgument("--format must be json, dot or svg"));
  }
  auto ref = engine::ReferenceData::Load(engine::DefaultDataDir());
  if (!ref.ok()) return Fail(ref.status());
  auto bundle = engine::LoadGraphBundle(engine::DefaultDataDir(), ref->get());
  if (!bundle.ok()) return Fail(bundle.status());
  engine::ValueChainGraph& graph = *(*bundle)->graph;
  // Validate the sector and province before touching the store.
  auto chain = (*bundle)->catalog->ResolveChain(args.sector);
  if (!chain.ok()) return Fail(chain.status());
  engine::StoreOptions so;
  so.path = args.db;
  so.create_if_missing = false;
  so.reference = ref->get();
  auto store = engine::Store::Open(so);
  if (!store.ok()) return Fail(store.status());
  Status built = graph.Build(**store);
  if (!built.ok()) return Fail(built);
  auto map = graph.ChainMapOf(args.sector, args.province);
  if (!map.ok()) return Fail(map.status());
  auto gaps = graph.Gaps(args.sector, args.province);
  if (!gaps.ok()) return Fail(gaps.status());
  std::string out;
  if (args.format == "json") {
    out = engine::ChainMapToJson(*map, *gaps) + "\n";
  } else {
    out = engine::ChainMapToDot(*map, *gaps);
    if (args.format == "svg") {
      auto svg = engine::RenderSvg(out);
      if (!svg.ok()) return Fail(svg.status());
      out = std::move(svg).value();
    }
  }
  if (args.out.empty()) {
    std::cout << out;
    std::cout.flush();
    return std::cout ? 0 : 1;
  }
  std::ofstream f(args.out, std::ios::binary);
  f << out;
  if (!f) return Fail(IOError("cannot write " + args.out));
  return 0;
}

}  // namespace ketnoi::api
