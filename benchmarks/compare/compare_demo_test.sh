#!/usr/bin/env bash
# benchmarks/compare on data/demo, as a user runs it: one table with a row per
# set, subset and engine, and ketnoi ahead of both BM25 peers (SQLite FTS5,
# Xapian) by recall@10 and nDCG@10 on every set, and by at least 0.15 nDCG@10
# on the needs typed without diacritics and those answered by English
# catalogues (both need kinds together), the indexer's targets; and the whole
# matching pipeline (ketnoi-ranker rows) above the indexer alone, at an
# nDCG@10 of at least 0.80 for each need kind.
set -euo pipefail
compare="$1"
demo="$2"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
"$compare" "$demo" > "$out"
fail() { cat "$out"; echo "FAIL: $*"; exit 1; }
# | set | engine | queries | recall@1 | recall@10 | MRR@10 | nDCG@10 | ...
value() {  # set engine column
  awk -F'|' -v s="$1" -v e="$2" -v c="$3" '
    { gsub(/^ +| +$/, "", $2); gsub(/^ +| +$/, "", $3) }
    $2 == s && $3 == e { gsub(/ /, "", $c); print $c; exit }' "$out"
}
for set in demo/equipment demo/expert "demo (no diacritics, all kinds)" \
           "demo (English catalogue, all kinds)"; do
  for engine in ketnoi sqlite-fts5 xapian-bm25; do
    [[ -n "$(value "$set" "$engine" 8)" ]] || fail "no row for '$set' / $engine"
  done
  for peer in sqlite-fts5 xapian-bm25; do
    for col in 6 8; do  # recall@10, nDCG@10
      k="$(value "$set" ketnoi $col)" p="$(value "$set" "$peer" $col)"
      awk -v k="$k" -v p="$p" 'BEGIN { exit !(k > p) }' ||
        fail "'$set': ketnoi $k not ahead of $peer $p (column $col)"
    done
  done
done
for set in "demo (no diacritics, all kinds)" "demo (English catalogue, all kinds)"; do
  for peer in sqlite-fts5 xapian-bm25; do
    k="$(value "$set" ketnoi 8)" p="$(value "$set" "$peer" 8)"
    awk -v k="$k" -v p="$p" 'BEGIN { exit !(k >= p + 0.15) }' ||
      fail "'$set': ketnoi nDCG@10 $k not 0.15 ahead of $peer $p"
  done
done
for set in demo/equipment demo/expert "demo (no diacritics, all kinds)"; do
  for col in 6 8; do
    r="$(value "$set" ketnoi-ranker $col)" k="$(value "$set" ketnoi $col)"
    [[ -n "$r" ]] || fail "no ketnoi-ranker row for '$set'"
    awk -v r="$r" -v k="$k" 'BEGIN { exit !(r >= k) }' ||
      fail "'$set': the pipeline's $r below the indexer's $k (column $col)"
  done
  r="$(value "$set" ketnoi-ranker 8)"
  awk -v r="$r" 'BEGIN { exit !(r >= 0.80) }' || fail "'$set': the pipeline's nDCG@10 $r < 0.80"
done
echo "ok"
