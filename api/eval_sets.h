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
#include "engine/evaluate.h"
#include "indexer/eval.h"

namespace ketnoi::api {

StatusOr<std::vector<indexer::EvalSet>> LoadEvalSets(const std::string& dir);

// True when every byte is ASCII (no diacritics typed; an English catalogue).
bool IsAscii(std::string_view s);

// True for a ketnoi dataset directory with judgements (qrels.tsv and
// facilities), which `ketnoi eval` scores through the whole pipeline.
bool IsPipelineDataset(const std::string& dir);

// The whole matching pipeline scored on `dir`: a ketnoi dataset directory,
// or a BEIR-style one converted first into a temporary dataset (documents as
// nationwide suppliers, queries as needs of one province), which is removed
// afterwards and on SIGINT/SIGTERM. `conversion_failed` (may be null) tells
// a conversion error (a malformed BEIR file, named file:line) from an
// evaluation error.
StatusOr<engine::PipelineEvalReport> EvaluatePipelineOn(const std::string& dir,
                                                        const engine::EvalOptions& options,
                                                        bool* conversion_failed = nullptr);

}  // namespace ketnoi::api
