#!/usr/bin/env bash
# ketnoi backup then restore: the restored store exports exactly what the
# original exports; existing targets and missing backups are refused. Then
# the same through a running server (ketnoi backup --server).
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

# Online: `ketnoi backup --server` against a running `ketnoi serve`, which
# writes the checkpoint and the saved indexes under its backup_dir.
"$ketnoi" keys create --db "$tmp/restored" --role admin > "$tmp/admin.key"
"$ketnoi" keys create --db "$tmp/restored" --role staff > "$tmp/staff.key"
printf '{"port": 0, "access_log": false, "backup_dir": "%s"}\n' "$tmp/online" > "$tmp/config.json"
"$ketnoi" serve --db "$tmp/restored" --config "$tmp/config.json" > "$tmp/serve.out" 2> "$tmp/serve.log" &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 1800); do
  grep -q "serving on" "$tmp/serve.out" 2>/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$tmp/serve.log"; echo "server exited"; exit 1; }
  sleep 0.1
done
url=$(grep -o 'http://[0-9.:]*' "$tmp/serve.out" | head -1)
[[ -n "$url" ]] || { echo "server did not start"; cat "$tmp/serve.log"; exit 1; }
if "$ketnoi" backup --server "$url" --key-file "$tmp/staff.key" nightly 2>/dev/null; then
  echo "online backup with a staff key accepted"; exit 1
fi
if "$ketnoi" backup --server "$url" --key-file "$tmp/admin.key" ../escape 2>/dev/null; then
  echo "online backup named ../escape accepted"; exit 1
fi
KETNOI_KEY=$(cat "$tmp/admin.key") "$ketnoi" backup --server "$url" nightly | grep -q "$tmp/online/nightly"
[[ -d "$tmp/online/nightly/index" ]] || { echo "online backup has no index/"; ls "$tmp/online/nightly"; exit 1; }
kill -TERM $server; wait $server
"$ketnoi" restore "$tmp/online/nightly" --db "$tmp/restored2" >/dev/null
"$ketnoi" export --db "$tmp/restored2" "$tmp/out3" >/dev/null
for f in facilities suppliers experts links; do
  cmp "$tmp/out1/$f.jsonl" "$tmp/out3/$f.jsonl" || { echo "$f differs after the online backup"; exit 1; }
done
echo "online backup/restore round trip ok"
