// Labelled evaluation sets from a dataset directory, for `ketnoi eval` and
// benchmarks/compare: a BEIR-style directory gives one set; a ketnoi dataset
// directory (facilities.jsonl with needs, suppliers.jsonl, experts.jsonl,
// qrels.tsv) gives one set per need kind ("equipment" against suppliers,
// "expert" against experts), with the subsets "no diacritics" (need text
// typed without accents) and "English catalogue" (a relevant supplier
// writes in English).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "indexer/eval.h"

namespace ketnoi::api {

StatusOr<std::vector<indexer::EvalSet>> LoadEvalSets(const std::string& dir);

// True when every byte is ASCII (no diacritics typed; an English catalogue).
bool IsAscii(std::string_view s);

}  // namespace ketnoi::api
