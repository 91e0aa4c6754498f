#!/usr/bin/env python3
"""Crash-safety test: SIGKILL `ketnoi serve` during acknowledged writes and
`ketnoi import` during an import, then check what the store holds.

Usage: crash_test.py KETNOI_BINARY [--cycles N] [--import-cycles N]
       (defaults from $KETNOI_CRASH_CYCLES / $KETNOI_CRASH_IMPORT_CYCLES, else 5 / 3)

Serve cycles, on one store kept across cycles:
  1. start `ketnoi serve --db DB --port P` (admin key created once with
     `ketnoi keys create`), wait for /healthz;
  2. two writer threads POST /v1/suppliers with unique ids; an id counts as
     acknowledged only after its 201 answer; an id sent without an answer is
     "in doubt";
  3. SIGKILL the server after a random 0.2-1.5 s, restart it;
  4. every acknowledged id (of this and earlier cycles) answers GET 200 with
     the fields that were sent; an in-doubt id is absent (404) or complete;
     the listing holds nothing that was never sent.
Import cycles: a generated dataset (suppliers, facilities with needs, links)
is imported with `ketnoi import` into a store that already holds a base
import; the import is killed at a random point of its measured duration; the
export of the store then holds the base plus all of the dataset, or the base
alone (never a part), and the store still opens.
Standard library only. Exit status 0 when every check passed.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SUPPLIER_TEXTS = [
    "Chế tạo máy sấy chè băng tải 300-500 kg chè tươi/giờ, đốt củi hoặc điện.",
    "Tea rolling machines 6CR-55 and dryers, installation nationwide.",
    "Lò sấy nông sản, máy xay xát gạo 2 tấn/giờ, bảo hành 12 tháng.",
]
PROVINCES = ["Thái Nguyên", "Phu Tho", "tỉnh Đắk Lắk", "TP HCM", "Hà Nội", "Cần Thơ"]


class Failure(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def supplier(sid, cycle):
    return {"id": sid, "name": f"Cơ khí thử nghiệm {sid}", "province": random.choice(PROVINCES),
            "serves": ["toàn quốc"] if cycle % 2 else ["Thái Nguyên", "Yên Bái"],
            "lang": "vi", "text": random.choice(SUPPLIER_TEXTS) + f" Mã {sid}.",
            "crash_cycle": cycle}


class Server:
    def __init__(self, ketnoi, db, log_path):
        self.ketnoi, self.db, self.log_path = ketnoi, db, log_path
        self.proc, self.port = None, None

    def start(self):
        for _ in range(5):
            self.port = free_port()
            if port_open(self.port):  # httplib sets SO_REUSEPORT: never share a port
                continue
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [self.ketnoi, "serve", "--db", self.db, "--port", str(self.port),
                 "--bind", "127.0.0.1"], stdout=log, stderr=log)
            log.close()
            deadline = time.time() + 60
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    status, _ = request(self.port, "GET", "/healthz", timeout=2)
                    if status == 200:
                        return
                except OSError:
                    pass
                time.sleep(0.05)
            self.kill()
        raise Failure(f"ketnoi serve did not start; see {self.log_path}")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait()
        self.proc = None


def request(port, method, path, body=None, key=None, timeout=10, conn=None):
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {}
    if key:
        headers["Authorization"] = "Bearer " + key
    data = None
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        if own:
            conn.close()


def writer(port, key, prefix, cycle, acked, in_doubt, sent, stop):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = 0
    while not stop.is_set():
        sid = f"{prefix}-{n}"
        n += 1
        rec = supplier(sid, cycle)
        sent[sid] = rec
        try:
            status, body = request(port, "POST", "/v1/suppliers", rec, key, conn=conn)
        except (OSError, http.client.HTTPException):
            in_doubt.add(sid)  # no answer: the server died mid-request
            return
        if status != 201:
            raise Failure(f"POST {sid}: HTTP {status}: {body[:200]!r}")
        acked.add(sid)


def check_record(port, key, sid, rec, must_exist):
    status, body = request(port, "GET", f"/v1/suppliers/{sid}", key=key)
    if status == 404 and not must_exist:
        return False
    if status != 200:
        raise Failure(f"GET {sid}: HTTP {status} ({'acknowledged' if must_exist else 'in doubt'})")
    got = json.loads(body)
    for field, value in rec.items():
        if got.get(field) != value:
            raise Failure(f"{sid}: field {field!r} is {got.get(field)!r}, wrote {value!r}")
    return True


def listed_ids(port, key):
    ids, cursor = [], ""
    while True:
        path = "/v1/suppliers?limit=1000" + (f"&cursor={cursor}" if cursor else "")
        status, body = request(port, "GET", path, key=key)
        if status != 200:
            raise Failure(f"GET /v1/suppliers: HTTP {status}")
        page = json.loads(body)
        ids += [item["id"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            return ids


def serve_cycles(ketnoi, tmp, cycles):
    db = os.path.join(tmp, "serve-db")
    key = subprocess.run([ketnoi, "keys", "create", "--db", db, "--role", "admin"],
                         check=True, capture_output=True, text=True).stdout.strip()
    server = Server(ketnoi, db, os.path.join(tmp, "serve.log"))
    acked_all, sent_all, doubt_present = set(), {}, 0
    try:
        for cycle in range(cycles):
            server.start()
            acked, in_doubt, sent, stop = set(), set(), {}, threading.Event()
            errors = []

            def run(prefix):
                try:
                    writer(server.port, key, prefix, cycle, acked, in_doubt, sent, stop)
                except Exception as e:  # reported after the kill
                    errors.append(e)

            threads = [threading.Thread(target=run, args=(f"C{cycle}-T{t}",)) for t in range(2)]
            for t in threads:
                t.start()
            time.sleep(random.uniform(0.2, 1.5))
            server.kill()
            stop.set()
            for t in threads:
                t.join()
            if errors:
                raise errors[0]
            acked_all |= acked
            sent_all.update(sent)

            server.start()
            # This cycle's writes field by field; earlier cycles' by presence
            # in the listing (their fields were checked in their cycle).
            for sid in acked:
                check_record(server.port, key, sid, sent_all[sid], must_exist=True)
            for sid in in_doubt:
                doubt_present += check_record(server.port, key, sid, sent_all[sid], False)
            listed = set(listed_ids(server.port, key))
            missing = acked_all - listed
            if missing:
                raise Failure(f"acknowledged writes lost: {sorted(missing)[:5]}")
            stray = [i for i in listed if i not in sent_all]
            if stray:
                raise Failure(f"store lists suppliers never sent: {stray[:5]}")
            print(f"serve cycle {cycle + 1}/{cycles}: {len(acked)} acknowledged writes, "
                  f"{len(in_doubt)} in doubt; all {len(acked_all)} acknowledged present",
                  flush=True)
            server.kill()
        # Last restart: every acknowledged write of every cycle, field by field.
        server.start()
        for sid in acked_all:
            check_record(server.port, key, sid, sent_all[sid], must_exist=True)
    finally:
        server.kill()
    # Under --sanitize a report kills the server like SIGKILL would: look for one.
    with open(server.log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if "Sanitizer" in line or "runtime error:" in line:
                raise Failure(f"sanitizer report in {server.log_path}: {line.strip()}")
    print(f"serve: {cycles} kill-restart cycles, {len(acked_all)} acknowledged writes, "
          f"0 lost; {doubt_present} in-doubt writes were complete, the rest absent")


def write_dataset(path, n_suppliers, n_facilities, tag):
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "suppliers.jsonl"), "w", encoding="utf-8") as f:
        for i in range(n_suppliers):
            f.write(json.dumps(supplier(f"{tag}S{i}", i), ensure_ascii=False) + "\n")
    with open(os.path.join(path, "facilities.jsonl"), "w", encoding="utf-8") as f:
        for i in range(n_facilities):
            f.write(json.dumps({
                "id": f"{tag}F{i}", "name": f"HTX thử nghiệm {i}",
                "province": random.choice(PROVINCES), "sector": "1076", "products": "Chè",
                "employees": 10 + i % 50,
                "needs": [{"id": f"{tag}N{i}", "kind": "equipment",
                           "text": "Cần máy sấy chè 300 kg/giờ", "budget_vnd": 250000000}]},
                ensure_ascii=False) + "\n")
    with open(os.path.join(path, "links.jsonl"), "w", encoding="utf-8") as f:
        for i in range(min(n_suppliers, n_facilities)):
            f.write(json.dumps({"from": f"{tag}F{i}", "to": f"{tag}S{i}",
                                "type": "buys_from"}) + "\n")


def exported_ids(ketnoi, db, out):
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([ketnoi, "export", "--db", db, out], check=True, capture_output=True)
    ids = {}
    for name in ("suppliers", "facilities", "links"):
        with open(os.path.join(out, name + ".jsonl"), encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        ids[name] = {r.get("id") or (r["from"], r["type"], r["to"]) for r in rows}
    return ids


def import_cycles(ketnoi, tmp, cycles, size):
    base, big = os.path.join(tmp, "base"), os.path.join(tmp, "big")
    write_dataset(base, 20, 10, "B")
    write_dataset(big, size, size // 3, "X")
    # How long a full import takes, to kill it at a random point of it.
    probe = os.path.join(tmp, "probe-db")
    t0 = time.time()
    subprocess.run([ketnoi, "import", "--db", probe, big], check=True, capture_output=True)
    duration = time.time() - t0
    full = exported_ids(ketnoi, probe, os.path.join(tmp, "probe-out"))
    shutil.rmtree(probe)
    outcomes = {"all": 0, "none": 0}
    for cycle in range(cycles):
        db = os.path.join(tmp, f"import-db-{cycle}")
        subprocess.run([ketnoi, "import", "--db", db, base], check=True, capture_output=True)
        before = exported_ids(ketnoi, db, os.path.join(tmp, "before"))
        proc = subprocess.Popen([ketnoi, "import", "--db", db, big],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Spread the kills over the whole import, the final write included.
        time.sleep(duration * (cycle + random.random()) / cycles)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = exported_ids(ketnoi, db, os.path.join(tmp, "after"))
        if after == before:
            outcomes["none"] += 1
        elif all(after[k] == before[k] | full[k] for k in after):
            outcomes["all"] += 1
        else:
            parts = {k: f"{len(after[k] - before[k])}/{len(full[k])}" for k in after}
            raise Failure(f"import cycle {cycle}: the store holds part of the import: {parts}")
        shutil.rmtree(db)
    print(f"import: {cycles} kills during a {duration:.2f} s import of {size} suppliers: "
          f"{outcomes['all']} left all of it, {outcomes['none']} none of it, 0 a part")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("ketnoi")
    p.add_argument("--cycles", type=int, default=int(os.environ.get("KETNOI_CRASH_CYCLES", 5)))
    p.add_argument("--import-cycles", type=int,
                   default=int(os.environ.get("KETNOI_CRASH_IMPORT_CYCLES", 3)))
    p.add_argument("--import-size", type=int, default=3000)
    p.add_argument("--seed", type=int, default=int(os.environ.get("KETNOI_CRASH_SEED", time.time())))
    args = p.parse_args()
    random.seed(args.seed)
    print(f"crash_test: seed {args.seed}", flush=True)
    ketnoi = os.path.abspath(args.ketnoi)
    tmp = tempfile.mkdtemp(prefix="ketnoi-crash-")
    ok = False
    try:
        serve_cycles(ketnoi, tmp, args.cycles)
        import_cycles(ketnoi, tmp, args.import_cycles, args.import_size)
        ok = True
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr)
    finally:
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"crash_test: kept {tmp} for inspection", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
