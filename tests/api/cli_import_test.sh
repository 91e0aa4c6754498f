#!/usr/bin/env bash
# End-to-end test of `ketnoi import` and `ketnoi export` as a user runs them.
# Usage: cli_import_test.sh KETNOI_BINARY DEMO_DATASET_DIR
#  1. imports the demo dataset and checks the summary counts against the files;
#  2. a dataset with a bad line: exit status 2, the message names file:line,
#     and the store is unchanged (export before == export after);
#  3. export, import the export into a new store, export again: identical.
set -euo pipefail
ketnoi=$1
demo=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
count() { grep -c . "$1" 2>/dev/null || echo 0; }

# 1. The demo set.
"$ketnoi" import --db "$tmp/db" "$demo" 2>"$tmp/import.log" || { cat "$tmp/import.log"; fail "demo import"; }
cat "$tmp/import.log"
nf=$(count "$demo/facilities.jsonl"); ns=$(count "$demo/suppliers.jsonl")
ne=$(count "$demo/experts.jsonl"); nl=$(count "$demo/links.jsonl")
grep -q "imported $nf facilities (.* needs), $ns suppliers, $ne experts, $nl links; skipped 0 bad lines" \
  "$tmp/import.log" || fail "summary does not match the demo files ($nf/$ns/$ne/$nl)"
# Re-import is idempotent.
"$ketnoi" import --db "$tmp/db" "$demo" 2>/dev/null || fail "re-import"
"$ketnoi" export --db "$tmp/db" "$tmp/before" 2>/dev/null || fail "export"
[[ $(count "$tmp/before/facilities.jsonl") == "$nf" ]] || fail "re-import duplicated facilities"

# 2. A bad line: nothing stored.
mkdir "$tmp/bad"
cp "$demo"/*.jsonl "$tmp/bad/"
{ head -n 2 "$demo/facilities.jsonl"
  echo '{"id":"ZZ-NEW","name":"x","province":"Xyz","needs":[]}'
} > "$tmp/bad/facilities.jsonl"
echo '{"id":"ZZ-NEW-S","name":"x","province":"Hà Nội","lang":"vi","text":"new"}' >> "$tmp/bad/suppliers.jsonl"
set +e
"$ketnoi" import --db "$tmp/db" "$tmp/bad" 2>"$tmp/bad.log"
rc=$?
set -e
cat "$tmp/bad.log"
[[ $rc == 2 ]] || fail "bad line: exit status $rc, expected 2"
grep -q "^facilities.jsonl:3: field 'province': unknown province 'Xyz'" "$tmp/bad.log" || fail "no file:line in the error"
"$ketnoi" export --db "$tmp/db" "$tmp/after" 2>/dev/null || fail "export after the failed import"
diff -r "$tmp/before" "$tmp/after" >/dev/null || fail "the store changed after a failed import"
# --skip-bad stores the good lines.
"$ketnoi" import --db "$tmp/db" --skip-bad "$tmp/bad" 2>"$tmp/skip.log" || fail "--skip-bad"
grep -q "skipped 1 bad lines" "$tmp/skip.log" || fail "--skip-bad summary"

# 3. Round trip.
"$ketnoi" import --db "$tmp/db2" "$tmp/before" 2>/dev/null || fail "import of the export"
"$ketnoi" export --db "$tmp/db2" "$tmp/again" 2>/dev/null || fail "second export"
diff -r "$tmp/before" "$tmp/again" || fail "export -> import -> export is not identical"

# 4. --lists later: the import leaves the lists to the next reader; `match`
#    answers at once, `leads` recomputes them first and is then complete, and
#    agrees with a store whose lists were computed at import.
"$ketnoi" import --db "$tmp/db4" --lists later "$demo" 2>"$tmp/later.log" || { cat "$tmp/later.log"; fail "--lists later"; }
grep -q "match lists of [0-9]* needs not yet computed" "$tmp/later.log" || fail "--lists later does not say the lists are pending"
"$ketnoi" match --db "$tmp/db4" --need N001 --json >"$tmp/m4.json" 2>/dev/null || fail "match after --lists later"
"$ketnoi" match --db "$tmp/db" --need N001 --json >"$tmp/m1.json" 2>/dev/null || fail "match"
grep -q '"id"' "$tmp/m4.json" || fail "match after --lists later returned no candidates"
"$ketnoi" leads --db "$tmp/db4" --supplier S001 --json >"$tmp/l4.json" 2>/dev/null || fail "leads after --lists later"
grep -q '"complete": true' "$tmp/l4.json" || fail "leads after --lists later are not complete"
"$ketnoi" import --db "$tmp/db5" "$demo" 2>/dev/null || fail "import (lists now)"
"$ketnoi" leads --db "$tmp/db5" --supplier S001 --json >"$tmp/l5.json" 2>/dev/null || fail "leads"
diff <(grep -v '"seq"\|"cursor"' "$tmp/l4.json" | sort) <(grep -v '"seq"\|"cursor"' "$tmp/l5.json" | sort) \
  || fail "leads differ between --lists later and --lists now"
set +e
"$ketnoi" import --db "$tmp/db6" --lists sometime "$demo" 2>/dev/null; rc=$?
set -e
[[ $rc != 0 ]] || fail "--lists sometime was accepted"

# The demo is the centre's own market: no note about the lexicon. A catalogue
# from outside it (the same supplier records selling consumer electronics) is
# imported with a note that its concepts, sector and capacities count less.
! grep -q "lexicon recognises few" "$tmp/import.log" || fail "note on the demo's own market"
mkdir -p "$tmp/foreign"
cp "$demo"/*.jsonl "$tmp/foreign/"
sed -E -e 's/"name": *"[^"]*"/"name":"Electronics Outlet"/' \
  -e 's/"text": *"[^"]*"/"text":"Sony Bravia LCD television with remote control"/' \
  "$demo/suppliers.jsonl" > "$tmp/foreign/suppliers.jsonl"
"$ketnoi" import --db "$tmp/db7" "$tmp/foreign" 2>"$tmp/foreign.log" \
  || { cat "$tmp/foreign.log"; fail "import of a foreign catalogue"; }
grep -q "lexicon recognises few of these suppliers' texts (market factor 0.0)" "$tmp/foreign.log" \
  || { cat "$tmp/foreign.log"; fail "no note on a market the lexicon does not speak for"; }
! grep -q "these experts'" "$tmp/foreign.log" || fail "note on the demo's own experts"

# Usage errors are bad input.
set +e
"$ketnoi" import --db "$tmp/db3" "$tmp/does-not-exist" 2>/dev/null; rc=$?
set -e
[[ $rc == 2 ]] || fail "missing dataset directory: exit status $rc, expected 2"
echo "cli import/export: ok"
