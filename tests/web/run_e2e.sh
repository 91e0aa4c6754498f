#!/usr/bin/env bash
# End-to-end test of the web page in headless Chromium.
#   tests/web/run_e2e.sh [KETNOI_BINARY] [SCREENSHOT_DIR]
# (defaults: build/ketnoi, build/screenshots). Imports data/demo into a temp
# store, creates one key per role (the supplier key bound to S001), starts
# `ketnoi serve --demo` on a free loopback port, runs e2e.test.js
# (playwright-core driving /usr/bin/chromium), and stops the server.
# Exit 77 (skipped) when Chromium or Node is missing or playwright-core cannot
# be installed; scripts/test installs them (scripts/deps --browser).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$(realpath "${1:-$root/build/ketnoi}")"
shots="${2:-$root/build/screenshots}"
chromium="${CHROMIUM:-/usr/bin/chromium}"

skip() { echo "run_e2e: SKIPPED: $*" >&2; exit 77; }
[[ -x "$bin" ]] || { echo "run_e2e: no ketnoi binary at $bin" >&2; exit 1; }
[[ -x "$chromium" ]] || skip "$chromium is missing (scripts/deps --browser installs it)"
command -v node >/dev/null || skip "node is missing (scripts/deps --browser installs it)"
command -v curl >/dev/null || { echo "run_e2e: curl is missing" >&2; exit 1; }

# playwright-core from tests/web/package-lock.json; one installer at a time.
if [[ ! -f "$here/node_modules/playwright-core/package.json" ]]; then
  command -v npm >/dev/null || skip "npm is missing (scripts/deps --browser installs it)"
  (
    flock 9
    if [[ ! -f "$here/node_modules/playwright-core/package.json" ]]; then
      cd "$here" && npm ci --no-audit --no-fund --loglevel=error
    fi
  ) 9>"${TMPDIR:-/tmp}/ketnoi-web-npm.lock" || skip "npm ci could not install playwright-core (offline?)"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/ketnoi-web-e2e.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

db="$tmp/db"
"$bin" import --db "$db" "$root/data/demo" >/dev/null
key() { "$bin" keys create --db "$db" "$@"; }
export KEY_ADMIN="$(key --role admin)"
export KEY_STAFF="$(key --role staff)"
export KEY_PLANNER="$(key --role planner)"
export KEY_SUPPLIER="$(key --role supplier --entity S001)"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$bin" serve --demo --db "$db" --bind 127.0.0.1 --port "$port" >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
export BASE_URL="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
  curl -fsS "$BASE_URL/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/serve.err" >&2; echo "run_e2e: server exited" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "$BASE_URL/healthz" >/dev/null || { echo "run_e2e: server not up on $BASE_URL" >&2; exit 1; }

mkdir -p "$shots"
export SHOT_DIR="$(realpath "$shots")" CHROMIUM="$chromium"
status=0
(cd "$here" && node e2e.test.js) || status=$?
if [[ $status -ne 0 ]]; then
  echo "run_e2e: server log (last 40 lines):" >&2
  tail -n 40 "$tmp/serve.err" >&2
fi
exit $status
