#!/usr/bin/env bash
# ketnoi backup then restore: the restored store exports exactly what the
# original exports; existing targets and missing backups are refused.
set -euo pipefail
ketnoi="$1"; demo="$2"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$ketnoi" import --db "$tmp/db" "$demo" >/dev/null
"$ketnoi" backup --db "$tmp/db" "$tmp/backup" >/dev/null
if "$ketnoi" backup --db "$tmp/db" "$tmp/backup" 2>/dev/null; then echo "backup over an existing dir accepted"; exit 1; fi
"$ketnoi" restore "$tmp/backup" --db "$tmp/restored" >/dev/null
if "$ketnoi" restore "$tmp/nothing" --db "$tmp/r2" 2>/dev/null; then echo "restore of a missing backup accepted"; exit 1; fi
"$ketnoi" export --db "$tmp/db" "$tmp/out1" >/dev/null
"$ketnoi" export --db "$tmp/restored" "$tmp/out2" >/dev/null
for f in facilities suppliers experts links; do
  cmp "$tmp/out1/$f.jsonl" "$tmp/out2/$f.jsonl" || { echo "$f differs after restore"; exit 1; }
done
echo "backup/restore round trip ok"
