#!/usr/bin/env python3
"""Crash-safety test: SIGKILL `ketnoi serve` during acknowledged writes and
`ketnoi import` during an import, then check what the store holds and that
the indexes, materialised lists and graph the server answers from agree
with it.

Usage: crash_test.py KETNOI_BINARY [--cycles N] [--import-cycles N]
       (defaults from $KETNOI_CRASH_CYCLES / $KETNOI_CRASH_IMPORT_CYCLES, else 5 / 3)

Serve cycles, on one store kept across cycles:
  1. start `ketnoi serve --db DB --port P` (admin key created once with
     `ketnoi keys create`), wait for /healthz;
  2. two writer threads send a mix of writes: suppliers (each text holds a
     made-up word of its own), facilities whose needs name a live
     supplier's word, buys_from links, and supplier deletes; a write counts
     as acknowledged only after its 201/204; one sent without an answer is
     "in doubt". Each thread touches only its own shard of the ids;
  3. SIGKILL the server after a random 0.3-2.5 s (and at least 25
     acknowledged writes), restart it;
  4. the store (crash_agree.check_store): every acknowledged write present
     (this cycle's field by field), every acknowledged delete gone, an
     in-doubt write absent or complete (a facility with all its needs, or
     no need of it), nothing never sent;
  5. what is served (crash_agree.check_served): search for a live
     supplier's word finds it first, a deleted one never; a need's
     materialised list holds its live supplier and not a deleted one; the
     graph's upstream of a facility is exactly its stored links, paths run
     along them, deleted and absent entities are unknown to it, and its
     counts equal the store's.
Import cycles: a generated dataset (suppliers, facilities with needs, links)
is imported with `ketnoi import` into a store that already holds a base
import; the import is killed at a random point of its measured duration; the
export of the store then holds the base plus all of the dataset, or the base
alone (never a part); then a server on that store answers search, lists and
graph in agreement with the export.
Standard library only. Exit status 0 when every check passed.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_agree import Model, check_served, check_store  # noqa: E402
from crash_util import (Client, Failure, Server, facility, need_text,  # noqa: E402
                        new_token, supplier)

WRITERS = 2
MIN_WRITES = 25


def writer(port, key, prefix, cycle, pool, log, stop):
    """Sends writes until `stop` or the server dies. Every write is logged
    before it is sent ("acked" False) and marked acknowledged after its
    answer: the last one of a dead server stays in doubt."""
    client = Client(port, key)
    n = 0
    while not stop.is_set():
        n += 1
        op = random.choices(("supplier", "facility", "link", "delete"), (55, 20, 15, 10))[0]
        sups = pool["suppliers"]
        if op == "facility" and sups:
            fid = f"{prefix}-F{n}"
            targets = {f"{fid}-N{j}": random.choice(list(sups)) for j in range(random.randint(1, 2))}
            first = sups[next(iter(targets.values()))]
            rec = facility(fid, cycle, first["province"],
                           [(nid, need_text(sups[sid])) for nid, sid in targets.items()])
            ev = {"op": op, "id": fid, "rec": rec, "targets": targets}
            call = ("POST", "/v1/facilities", rec, 201)
        elif op == "link" and sups and pool["facilities"]:
            fid, sid = random.choice(pool["facilities"]), random.choice(list(sups))
            if (fid, sid) in pool["links"]:
                continue
            ev = {"op": op, "from": fid, "to": sid}
            pool["pinned"].add(sid)  # from now on possibly linked: never deleted
            call = ("POST", "/v1/links", {"from": fid, "to": sid, "type": "buys_from"}, 201)
        elif op == "delete" and set(sups) - pool["pinned"]:
            sid = random.choice(sorted(set(sups) - pool["pinned"]))
            ev = {"op": op, "id": sid}
            call = ("DELETE", f"/v1/suppliers/{sid}", None, 204)
        else:
            sid, token = f"{prefix}-S{n}", new_token()
            rec = supplier(sid, cycle, token)
            ev = {"op": "supplier", "id": sid, "rec": rec, "token": token}
            call = ("POST", "/v1/suppliers", rec, 201)
        ev["acked"] = False
        log.append(ev)
        method, path, body, expect = call
        try:
            status, data = client.call(method, path, body)
        except (OSError, http.client.HTTPException):
            return  # no answer: the server died mid-request
        if status != expect:
            raise Failure(f"{method} {path}: HTTP {status}: {data[:200]!r}")
        ev["acked"] = True
        if ev["op"] == "supplier":
            sups[sid] = rec
        elif ev["op"] == "facility":
            pool["facilities"].append(fid)
        elif ev["op"] == "link":
            pool["links"].add((fid, sid))
        elif ev["op"] == "delete":
            del sups[sid]


def serve_cycles(ketnoi, tmp, cycles, rng):
    db = os.path.join(tmp, "serve-db")
    key = subprocess.run([ketnoi, "keys", "create", "--db", db, "--role", "admin"],
                         check=True, capture_output=True, text=True).stdout.strip()
    server = Server(ketnoi, db, os.path.join(tmp, "serve.log"))
    model = Model()
    acked_total, checks_total, restart_s = 0, 0, []
    try:
        for cycle in range(cycles):
            server.start()
            pools = model.pools(WRITERS)
            logs = [[] for _ in range(WRITERS)]
            stop, errors = threading.Event(), []

            def run(t):
                try:
                    writer(server.port, key, f"C{cycle}-T{t}", cycle, pools[t], logs[t], stop)
                except Exception as e:  # reported after the kill
                    errors.append(e)

            threads = [threading.Thread(target=run, args=(t,)) for t in range(WRITERS)]
            for t in threads:
                t.start()
            # A random moment, but not before MIN_WRITES acknowledged writes
            # (each write refreshes lists: tens of ms on a busy machine).
            deadline = time.time() + random.uniform(0.3, 2.5)
            while time.time() < deadline + 30 and any(t.is_alive() for t in threads) and (
                    time.time() < deadline
                    or sum(ev["acked"] for log in logs for ev in log) < MIN_WRITES):
                time.sleep(0.01)
            server.kill()
            stop.set()
            for t in threads:
                t.join()
            if errors:
                raise errors[0]
            events = [ev for log in logs for ev in log]
            for ev in events:
                model.apply(ev, cycle)
            acked = sum(ev["acked"] for ev in events)
            acked_total += acked
            recent = {ev.get("id") for ev in events}

            t0 = time.time()
            server.start()
            restart_s.append(time.time() - t0)
            client = Client(server.port, key)
            check_store(client, model, recent)
            checks = check_served(client, model, recent, rng)
            checks_total += checks
            client.close()
            ops = {}
            for ev in events:
                if ev["acked"]:
                    ops[ev["op"]] = ops.get(ev["op"], 0) + 1
            print(f"serve cycle {cycle + 1}/{cycles}: {acked} acknowledged writes {ops}, "
                  f"{len(events) - acked} in doubt; store, search, lists and graph agree "
                  f"({checks} served checks); restart {restart_s[-1]:.1f} s", flush=True)
            server.kill()
        # Last restart: every live record of every cycle field by field, and
        # a larger sample of what is served.
        server.start()
        client = Client(server.port, key)
        everything = set(model.suppliers) | set(model.facilities)
        check_store(client, model, everything)
        checks_total += check_served(client, model, set(), rng, sample=1000)
        client.close()
    finally:
        server.kill()
    server.check_log()
    live = len(model.live_suppliers())
    print(f"serve: {cycles} kill-restart cycles, {acked_total} acknowledged writes, 0 lost; "
          f"{model.doubts['present']} in-doubt writes were complete, {model.doubts['absent']} "
          f"absent, none partial; {live} live suppliers, "
          f"{sum(v['state'] == 'live' for v in model.facilities.values())} facilities, "
          f"{sum(v['state'] == 'live' for v in model.links.values())} links at the end; "
          f"{checks_total} served checks agreed; restart {min(restart_s):.1f}-"
          f"{max(restart_s):.1f} s")


def write_dataset(path, n_suppliers, n_facilities, tag):
    """Returns {supplier id: its word}."""
    os.makedirs(path, exist_ok=True)
    tokens, recs = {}, {}
    with open(os.path.join(path, "suppliers.jsonl"), "w", encoding="utf-8") as f:
        for i in range(n_suppliers):
            sid, token = f"{tag}S{i}", new_token()
            tokens[sid], recs[sid] = token, supplier(sid, i, token)
            f.write(json.dumps(recs[sid], ensure_ascii=False) + "\n")
    with open(os.path.join(path, "facilities.jsonl"), "w", encoding="utf-8") as f:
        for i in range(n_facilities):
            target = recs[f"{tag}S{i}"]
            rec = facility(f"{tag}F{i}", i, target["province"], [(f"{tag}N{i}", need_text(target))])
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    with open(os.path.join(path, "links.jsonl"), "w", encoding="utf-8") as f:
        for i in range(min(n_suppliers, n_facilities)):
            f.write(json.dumps({"from": f"{tag}F{i}", "to": f"{tag}S{i}",
                                "type": "buys_from"}) + "\n")
    return tokens


def exported_ids(ketnoi, db, out):
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([ketnoi, "export", "--db", db, out], check=True, capture_output=True)
    ids = {}
    for name in ("suppliers", "facilities", "links"):
        with open(os.path.join(out, name + ".jsonl"), encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        ids[name] = {r.get("id") or (r["from"], r["type"], r["to"]) for r in rows}
    return ids


def check_import_served(ketnoi, tmp, db, ids, tokens, rng):
    """A server on the store after an import kill: its graph counts equal the
    export's; sampled suppliers are found by their word, and found only
    when exported; sampled needs have their supplier in their list."""
    key = subprocess.run([ketnoi, "keys", "create", "--db", db, "--role", "admin"],
                         check=True, capture_output=True, text=True).stdout.strip()
    server = Server(ketnoi, db, os.path.join(tmp, "import-serve.log"))
    server.start()
    try:
        client = Client(server.port, key)
        stats = client.json("GET", "/v1/graph/stats")
        want = {"suppliers": len(ids["suppliers"]), "facilities": len(ids["facilities"]),
                "link_edges": len(ids["links"])}
        got = {k: stats.get(k) for k in want}
        if got != want:
            raise Failure(f"after an import kill: graph stats {got}, export {want}")
        for sid in rng.sample(sorted(tokens), 40):
            body = client.json("POST", "/v1/search", {"text": tokens[sid], "k": 10, "min_score": 0})
            found = [m["id"] for m in body["matches"]]
            if (sid in ids["suppliers"]) != (found[:1] == [sid]):
                raise Failure(f"after an import kill: search for {sid}'s word gives {found[:3]}, "
                              f"exported: {sid in ids['suppliers']}")
            nid = sid.replace("XS", "XN", 1)
            if sid.replace("XS", "XF", 1) in ids["facilities"]:
                body = client.json("GET", f"/v1/needs/{nid}/matches?k=30")
                if sid not in [m["id"] for m in body["matches"]]:
                    raise Failure(f"after an import kill: need {nid}'s list lacks {sid}")
        client.close()
    finally:
        server.kill()
    server.check_log()


def import_cycles(ketnoi, tmp, cycles, size, rng):
    base, big = os.path.join(tmp, "base"), os.path.join(tmp, "big")
    write_dataset(base, 20, 10, "B")
    tokens = write_dataset(big, size, size // 3, "X")
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
        proc.kill()
        proc.wait()
        after = exported_ids(ketnoi, db, os.path.join(tmp, "after"))
        if after == before:
            outcomes["none"] += 1
        elif all(after[k] == before[k] | full[k] for k in after):
            outcomes["all"] += 1
        else:
            parts = {k: f"{len(after[k] - before[k])}/{len(full[k])}" for k in after}
            raise Failure(f"import cycle {cycle}: the store holds part of the import: {parts}")
        check_import_served(ketnoi, tmp, db, after, tokens, rng)
        shutil.rmtree(db)
    print(f"import: {cycles} kills during a {duration:.2f} s import of {size} suppliers: "
          f"{outcomes['all']} left all of it, {outcomes['none']} none of it, 0 a part; "
          f"served search, lists and graph agreed with the export each time")


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
    rng = random.Random(args.seed)  # the checks' samples (the writers share `random`)
    print(f"crash_test: seed {args.seed}", flush=True)
    ketnoi = os.path.abspath(args.ketnoi)
    tmp = tempfile.mkdtemp(prefix="ketnoi-crash-")
    ok = False
    t0 = time.time()
    try:
        serve_cycles(ketnoi, tmp, args.cycles, rng)
        import_cycles(ketnoi, tmp, args.import_cycles, args.import_size, rng)
        ok = True
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr)
    finally:
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"crash_test: kept {tmp} for inspection", file=sys.stderr)
    print(f"crash_test: {'passed' if ok else 'FAILED'} in {time.time() - t0:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
