// ketnoi_gen: writes a synthetic dataset directory (facilities, suppliers,
// experts, links, qrels) of a chosen size; same seed, same bytes.
//   ketnoi_gen --out var/gen-10k --entities 10000 [--seed 1]
// Exit status: 0 on success, 2 for bad arguments, 1 for other failures.
#include <chrono>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "benchmarks/gen/generator.h"
#include "benchmarks/gen/world.h"
#include "engine/reference.h"

int main(int argc, char** argv) {
  ketnoi::gen::GenOptions opt;
  std::string data_dir = ketnoi::engine::DefaultDataDir();
  CLI::App app{"ketnoi_gen: deterministic synthetic datasets with graded relevance judgements"};
  app.add_option("--out", opt.out_dir, "Dataset directory to write (created when missing)")->required();
  app.add_option("--entities", opt.entities, "Facilities + suppliers + experts")->required();
  app.add_option("--seed", opt.seed, "Random seed (same seed, same bytes)");
  app.add_option("--qrels-needs", opt.qrels_needs,
                 "Needs to judge in qrels.tsv (default min(1000, entities/40))");
  app.add_option("--links-per-facility", opt.links_per_facility, "Links per facility (default 1)");
  app.add_option("--specialised-suppliers", opt.specialised_suppliers,
                 "Suppliers of chain machines (default 4000); the rest sell general goods");
  app.add_option("--specialised-experts", opt.specialised_experts,
                 "Experts on chain topics (default 1500); the rest advise on general business");
  app.add_option("--facility-share", opt.facility_share, "Share of facilities (default 0.63)");
  app.add_option("--supplier-share", opt.supplier_share,
                 "Share of suppliers (default 0.26); the rest are experts");
  app.add_option("--data", data_dir, "Reference data directory (lexicon, chains, provinces)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  const auto start = std::chrono::steady_clock::now();
  auto world = ketnoi::gen::World::Load(data_dir);
  if (!world.ok()) {
    std::fprintf(stderr, "ketnoi_gen: %s\n", world.status().ToString().c_str());
    return 1;
  }
  ketnoi::gen::GenReport rep;
  ketnoi::Status s = ketnoi::gen::Generate(**world, opt, &rep);
  if (!s.ok()) {
    std::fprintf(stderr, "ketnoi_gen: %s\n", s.ToString().c_str());
    return s.code() == ketnoi::StatusCode::kInvalidArgument ? 2 : 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr,
               "wrote %s: %lld facilities (%lld needs), %lld suppliers, %lld experts, %lld links; "
               "qrels: %lld needs, %lld lines (%lld grade 2, %lld grade 1); planted %lld "
               "(%lld off their intended grade); %.1f MB in %.2f s\n",
               opt.out_dir.c_str(), (long long)rep.facilities, (long long)rep.needs,
               (long long)rep.suppliers, (long long)rep.experts, (long long)rep.links,
               (long long)rep.judged_needs, (long long)rep.qrels_lines, (long long)rep.grade2,
               (long long)rep.grade1, (long long)rep.planted, (long long)rep.planted_grade_mismatch,
               static_cast<double>(rep.bytes) / 1e6, secs);
  return 0;
}
