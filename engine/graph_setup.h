// One call that loads what the value-chain graph needs from a data
// directory (chain templates, the lexicon as stage inference's concept
// finder) and creates an empty graph, for the CLI and the server.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "engine/chains.h"
#include "engine/graph.h"
#include "engine/stage_infer.h"

namespace ketnoi::indexer {
class Lexicon;
}

namespace ketnoi::engine {

// Owns the pieces; `graph` refers to the others, so keep them together.
struct GraphBundle {
  std::unique_ptr<ChainCatalog> catalog;
  std::unique_ptr<indexer::Lexicon> lexicon;  // null when data/lexicon is absent
  std::unique_ptr<StageInferer> inferer;
  std::unique_ptr<ValueChainGraph> graph;
  ~GraphBundle();
};

// `reference` is not owned and must outlive the bundle. The graph is empty:
// call graph->Build(store).
StatusOr<std::unique_ptr<GraphBundle>> LoadGraphBundle(const std::string& data_dir,
                                                       const ReferenceData* reference,
                                                       GraphOptions options = {});

}  // namespace ketnoi::engine
