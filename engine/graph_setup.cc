#include "engine/graph_setup.h"

#include <filesystem>

#include "indexer/lexicon.h"

namespace ketnoi::engine {

GraphBundle::~GraphBundle() = default;

StatusOr<std::unique_ptr<GraphBundle>> LoadGraphBundle(const std::string& data_dir,
                                                       const ReferenceData* reference,
                                                       GraphOptions options) {
  auto b = std::make_unique<GraphBundle>();
  auto cat = ChainCatalog::LoadDir(data_dir + "/chains");
  if (!cat.ok()) return cat.status();
  b->catalog = std::make_unique<ChainCatalog>(std::move(cat).value());
  StageInferOptions so;
  if (std::filesystem::is_directory(data_dir + "/lexicon")) {
    auto lex = indexer::Lexicon::Load(data_dir + "/lexicon");
    if (!lex.ok()) return lex.status();
    b->lexicon = std::move(lex).value();
    const indexer::Lexicon* l = b->lexicon.get();
    so.concept_finder = [l](std::string_view text) {
      std::vector<std::string> ids;
      for (const auto& hit : l->Match(text, /*expand_broader=*/false)) ids.push_back(hit.concept_id);
      return ids;
    };
  }
  b->inferer = std::make_unique<StageInferer>(b->catalog.get(), so);
  options.reference = reference;
  options.inferer = b->inferer.get();
  b->graph = std::make_unique<ValueChainGraph>(options);
  return b;
}

}  // namespace ketnoi::engine
