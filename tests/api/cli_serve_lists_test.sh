#!/usr/bin/env bash
# `ketnoi import --lists later` then `ketnoi serve`: the server answers at
# once, recomputes the lists in the background (/metrics shows them
# pending), leads say whether they are complete, and once complete they
# equal those of a store whose lists were computed at import. A restart
# then finds nothing stale.
set -euo pipefail
ketnoi="$1"; demo="$2"
tmp=$(mktemp -d)
server=""
cleanup() { [[ -n "$server" ]] && { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f "$tmp/serve.log" ]] && tail -20 "$tmp/serve.log" >&2; exit 1; }

"$ketnoi" import --db "$tmp/db" --lists later "$demo" 2>/dev/null || fail "import --lists later"
"$ketnoi" keys create --db "$tmp/db" --role admin > "$tmp/admin.key"
key=$(cat "$tmp/admin.key")
printf '{"port": 0, "access_log": false, "live_rankings": 3}\n' > "$tmp/config.json"

start_server() {
  : > "$tmp/serve.out"
  "$ketnoi" serve --db "$tmp/db" --config "$tmp/config.json" > "$tmp/serve.out" 2> "$tmp/serve.log" &
  server=$!
  for _ in $(seq 1 1800); do
    grep -q "serving on" "$tmp/serve.out" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || fail "server exited"
    sleep 0.1
  done
  url=$(grep -o 'http://[0-9.:]*' "$tmp/serve.out" | head -1)
  [[ -n "$url" ]] || fail "server did not start"
}
stop_server() { kill -TERM "$server"; wait "$server" || true; server=""; }
get() { curl -sf -H "Authorization: Bearer $key" "$url$1"; }

start_server
grep -q "older than the store" "$tmp/serve.log" || fail "the server did not find the lists stale"
# A materialised read during the fill is computed on the spot, never stale.
get "/v1/needs/N001/matches?k=5" | grep -q '"id"' || fail "materialised read during the fill"
complete=""
for _ in $(seq 1 600); do
  if get "/v1/suppliers/S001/leads?k=1000" > "$tmp/leads.json" && grep -q '"complete":true' "$tmp/leads.json"; then
    complete=yes; break
  fi
  sleep 0.1
done
[[ -n "$complete" ]] || fail "leads never became complete"
# Read whole before grep -q looks (an early exit would fail curl under pipefail).
get /metrics > "$tmp/metrics.txt" || fail "metrics"
grep -q '^ketnoi_lists_pending 0' "$tmp/metrics.txt" || fail "metrics still show pending lists"
grep -q '^ketnoi_live_rankings 3$' "$tmp/metrics.txt" || fail "metrics do not show the configured live_rankings"
grep -q '^ketnoi_live_rankings_waiting 0$' "$tmp/metrics.txt" || fail "metrics show live rankings waiting"
# The demo's markets are the centre's own: the lexicon speaks for them in full.
grep -q '^ketnoi_market_factor_suppliers 1$' "$tmp/metrics.txt" || fail "metrics: supplier market factor"
grep -q '^ketnoi_market_factor_experts 1$' "$tmp/metrics.txt" || fail "metrics: expert market factor"
stop_server

# The same leads as lists computed at import (sequence numbers aside).
"$ketnoi" import --db "$tmp/now" "$demo" 2>/dev/null || fail "import (lists now)"
"$ketnoi" leads --db "$tmp/now" --supplier S001 --k 1000 --json > "$tmp/now.json" 2>/dev/null || fail "leads"
python3 - "$tmp/leads.json" "$tmp/now.json" <<'PY' || fail "leads differ from lists computed at import"
import json, sys
def key(path):
    j = json.load(open(path))
    return sorted((l["need"], round(l["score"], 9), l["reason"]["vi"]) for l in j["leads"])
a, b = key(sys.argv[1]), key(sys.argv[2])
assert a and a == b, (len(a), len(b))
PY

# The finished fill marked the lists current.
start_server
if grep -q "older than the store" "$tmp/serve.log"; then fail "lists stale again after a finished fill"; fi
stop_server
echo "serve fills stale lists: ok"
