// `ketnoi export --db DIR OUT_DIR`: writes the store as a dataset directory
// (engine::ExportDataset). Exit codes: 0 ok, 2 no such store, 1 runtime error.
#include <cstdio>

#include "api/commands.h"
#include "engine/dataset.h"
#include "engine/reference.h"
#include "engine/store.h"

namespace ketnoi::api {

int RunExport(const ExportArgs& args) {
  auto ref = engine::ReferenceData::Load(engine::DefaultDataDir());
  if (!ref.ok()) {
    std::fprintf(stderr, "ketnoi export: reference data: %s\n", ref.status().ToString().c_str());
    return 1;
  }
  engine::StoreOptions store_options;
  store_options.path = args.db;
  store_options.reference = ref->get();
  store_options.create_if_missing = false;
  auto store = engine::Store::Open(store_options);
  if (!store.ok()) {
    std::fprintf(stderr, "ketnoi export: %s\n", store.status().ToString().c_str());
    return store.status().code() == StatusCode::kNotFound ? 2 : 1;
  }
  engine::ExportReport report;
  if (Status s = engine::ExportDataset(**store, args.out_dir, &report); !s.ok()) {
    std::fprintf(stderr, "ketnoi export: %s\n", s.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "exported %zu facilities, %zu suppliers, %zu experts, %zu links to %s\n",
               report.facilities, report.suppliers, report.experts, report.links,
               args.out_dir.c_str());
  return 0;
}

}  // namespace ketnoi::api
