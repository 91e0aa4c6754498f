#!/usr/bin/env bash
# End-to-end test of the scale-data generator (benchmarks/gen) at a small size.
# Usage: gen_test.sh KETNOI_GEN_BINARY KETNOI_BINARY
#  1. the same seed gives byte-identical files, another seed different ones;
#  2. the dataset imports with `ketnoi import` with nothing skipped and the
#     summary counts equal the files' line counts;
#  3. every qrels line names a generated need and candidate, grades are 1 or 2;
#  4. `ketnoi eval` scores a generated set and prints its metrics line;
#  5. bad arguments exit with status 2.
set -euo pipefail
gen=$1
ketnoi=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
count() { grep -c . "$1" 2>/dev/null || echo 0; }

# 1. Determinism.
"$gen" --out "$tmp/a" --entities 2000 --seed 7 2>"$tmp/gen.log" || { cat "$tmp/gen.log"; fail "generate"; }
cat "$tmp/gen.log"
grep -q "(0 off their intended grade)" "$tmp/gen.log" || fail "a planted candidate missed its intended grade"
"$gen" --out "$tmp/b" --entities 2000 --seed 7 2>/dev/null || fail "generate again"
diff -r "$tmp/a" "$tmp/b" >/dev/null || fail "same seed, different output"
"$gen" --out "$tmp/c" --entities 2000 --seed 8 2>/dev/null || fail "generate seed 8"
if cmp -s "$tmp/a/facilities.jsonl" "$tmp/c/facilities.jsonl"; then fail "seed has no effect"; fi

nf=$(count "$tmp/a/facilities.jsonl"); ns=$(count "$tmp/a/suppliers.jsonl")
ne=$(count "$tmp/a/experts.jsonl"); nl=$(count "$tmp/a/links.jsonl")
[[ $((nf + ns + ne)) == 2000 ]] || fail "entities: $nf + $ns + $ne != 2000"
(( nl > 0 )) || fail "no links"
nn=$(grep -o '"kind": "e[a-z]*"' "$tmp/a/facilities.jsonl" | wc -l)
grep -q '"lang": "en"' "$tmp/a/suppliers.jsonl" || fail "no English catalogue"
grep -q 'toàn quốc' "$tmp/a/suppliers.jsonl" || fail "no nationwide supplier"

# 2. Import (records only: the index build is covered by eval below).
"$ketnoi" import --no-index --db "$tmp/db" "$tmp/a" 2>"$tmp/import.log" || { cat "$tmp/import.log"; fail "import"; }
cat "$tmp/import.log"
grep -q "imported $nf facilities ($nn needs), $ns suppliers, $ne experts, $nl links; skipped 0 bad lines" \
  "$tmp/import.log" || fail "import summary does not match the files ($nf ($nn)/$ns/$ne/$nl)"

# 3. Qrels refer to generated records.
nq=$(count "$tmp/a/qrels.tsv")
(( nq > 0 )) || fail "empty qrels"
awk -F'\t' 'NF != 3 || ($3 != 1 && $3 != 2) { bad = 1 } END { exit bad }' "$tmp/a/qrels.tsv" \
  || fail "qrels line not need<TAB>candidate<TAB>1|2"
cut -f1 "$tmp/a/qrels.tsv" | sort -u > "$tmp/qneeds"
grep -o '"id": "N[0-9]*"' "$tmp/a/facilities.jsonl" | cut -d'"' -f4 | sort -u > "$tmp/needs"
[[ -z $(comm -23 "$tmp/qneeds" "$tmp/needs") ]] || fail "qrels name unknown needs"
cut -f2 "$tmp/a/qrels.tsv" | sort -u > "$tmp/qcands"
cat "$tmp/a/suppliers.jsonl" "$tmp/a/experts.jsonl" | grep -o '^{"id": "[SE][0-9]*"' | cut -d'"' -f4 | sort -u > "$tmp/cands"
[[ -z $(comm -23 "$tmp/qcands" "$tmp/cands") ]] || fail "qrels name unknown candidates"

# 4. Eval (on a 600-entity set: the full pipeline's cost grows with the size).
"$gen" --out "$tmp/e" --entities 600 --seed 7 2>/dev/null || fail "generate 600"
"$ketnoi" eval "$tmp/e" > "$tmp/eval.out" 2>"$tmp/eval.log" || { cat "$tmp/eval.log"; fail "eval"; }
tail -n 1 "$tmp/eval.out"
tail -n 1 "$tmp/eval.out" | grep -Eq '^nDCG@10=[01]\.[0-9]{3} recall@10=[01]\.[0-9]{3} MRR@10=[01]\.[0-9]{3}$' \
  || fail "eval metrics line"

# 5. Bad arguments.
set +e
"$gen" --out "$tmp/x" --entities 5 2>/dev/null; rc=$?
"$gen" --entities 5000 2>/dev/null; rc2=$?
set -e
[[ $rc == 2 && $rc2 == 2 ]] || fail "bad arguments: exit statuses $rc, $rc2, expected 2"
echo "ketnoi_gen: ok"
