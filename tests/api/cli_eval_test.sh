#!/usr/bin/env bash
# End-to-end test of `ketnoi eval` on a BEIR-style directory, as a user runs it.
# Usage: cli_eval_test.sh KETNOI_BINARY
#  1. the indexer alone (default) and the whole pipeline (--ranker) both score
#     every judged query and end with the "nDCG@10=... recall@10=... MRR@10=..." line;
#     the right documents are found (recall@10 = 1 on this small set), a text
#     over the dataset format's 8,192 bytes included;
#  2. a malformed corpus line: exit status 2 and the message names file:line;
#  3. interrupted (SIGTERM) while it evaluates data/demo, and cut off by a
#     reader that goes away (SIGPIPE): no temporary store or converted
#     dataset is left in /tmp, and SIGTERM's exit status is 143.
set -euo pipefail
ketnoi=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$tmp/beir"
ls /tmp | grep "^ketnoi-eval-beir-" | sort > "$tmp/converted.before" || true
long=$(python3 -c 'print("máy sấy chè băng tải " * 600)')
cat > "$tmp/beir/corpus.jsonl" <<JSON
{"id": "d1", "title": "Máy sấy chè băng tải", "text": "máy sấy chè 500 kg/ngày, inox 304"}
{"id": "d2", "title": "Steam boiler", "text": "industrial steam boilers 2 tons per hour for cassava starch"}
{"id": "d3", "title": "Máy may công nghiệp", "text": "máy may một kim, máy vắt sổ cho xưởng may"}
{"id": "d4", "title": "Máy nghiền sắn", "text": "máy nghiền sắn củ tươi 5 tấn/giờ"}
{"id": "d5", "title": "Dây chuyền sấy", "text": "$long"}
JSON
cat > "$tmp/beir/queries.jsonl" <<'JSON'
{"id": "q1", "text": "may say che 500 kg/ngay"}
{"id": "q2", "text": "lò hơi cho nhà máy tinh bột sắn, steam boiler"}
{"id": "q3", "text": "máy may công nghiệp cho xưởng may"}
{"id": "q4", "text": "not judged"}
JSON
printf 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td3\t1\nq1\td5\t1\n' > "$tmp/beir/qrels.tsv"

"$ketnoi" eval "$tmp/beir" > "$tmp/retrieval.out" 2>"$tmp/retrieval.err" || { cat "$tmp/retrieval.err"; fail "eval"; }
cat "$tmp/retrieval.out"
grep -q "^all .*queries=3 " "$tmp/retrieval.out" || fail "retrieval: not 3 queries scored"
tail -1 "$tmp/retrieval.out" | grep -Eq '^nDCG@10=[0-9.]+ recall@10=1\.000 MRR@10=[0-9.]+$' \
  || fail "retrieval: last line or recall@10"

"$ketnoi" eval "$tmp/beir" --ranker > "$tmp/ranker.out" 2>"$tmp/ranker.err" || { cat "$tmp/ranker.err"; fail "eval --ranker"; }
cat "$tmp/ranker.out"
grep -q "^full pipeline on " "$tmp/ranker.out" || fail "--ranker did not run the pipeline"
grep -q "^all .*queries=3 " "$tmp/ranker.out" || fail "ranker: not 3 queries scored"
tail -1 "$tmp/ranker.out" | grep -Eq '^nDCG@10=[0-9.]+ recall@10=1\.000 MRR@10=[0-9.]+$' \
  || fail "ranker: last line or recall@10"
# Only this script's runs count: another process's eval may be converting
# at the same time (or have been killed mid-run).
ls /tmp | grep "^ketnoi-eval-beir-" | sort > "$tmp/converted.after" || true
comm -13 "$tmp/converted.before" "$tmp/converted.after" | grep -q . \
  && fail "converted dataset left in /tmp" || true

# 2. A malformed corpus line.
sed -i '2s/.*/{"id": "d2", "title": /' "$tmp/beir/corpus.jsonl"
status=0
"$ketnoi" eval "$tmp/beir" --ranker > /dev/null 2>"$tmp/bad.err" || status=$?
[[ $status == 2 ]] || fail "malformed corpus: exit status $status, expected 2"
grep -q "corpus.jsonl:2" "$tmp/bad.err" || { cat "$tmp/bad.err"; fail "message does not name corpus.jsonl:2"; }

# 3. Interrupted runs leave nothing behind.
demo="$(cd "$(dirname "$0")/../.." && pwd)/data/demo"
"$ketnoi" eval "$demo" > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 400); do
  compgen -G "/tmp/ketnoi-eval-$pid-*" > /dev/null && break
  sleep 0.05
done
compgen -G "/tmp/ketnoi-eval-$pid-*" > /dev/null || fail "interrupt: no temporary store seen"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[[ $status -eq 143 ]] || fail "interrupt: exit status $status, expected 143"
compgen -G "/tmp/ketnoi-eval-$pid-*" > /dev/null && fail "interrupt: temporary store left" || true
# The reader of its log goes away after the first line, while it evaluates.
ls /tmp | grep "^ketnoi-eval" | sort > "$tmp/before.pipe" || true
"$ketnoi" eval "$demo" 2>&1 | head -1 > /dev/null || true
sleep 0.5
ls /tmp | grep "^ketnoi-eval" | sort > "$tmp/after.pipe" || true
comm -13 "$tmp/before.pipe" "$tmp/after.pipe" | grep -q . && fail "cut off: files left in /tmp" || true
echo "cli_eval_test: ok"
