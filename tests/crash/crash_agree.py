"""What the crash test expects the store to hold, and the checks after a
restart that the store holds it and that the served indexes, materialised
lists and graph agree with the store.

Model: every supplier, facility (with its needs) and link the writers sent,
with a state: "live" (its write was acknowledged), "deleted" (its delete was
acknowledged), or in doubt ("doubt_create", "doubt_delete", "doubt"): sent
without an answer before the kill. A restart resolves every doubt by what
the store lists: present (then it must be complete) or absent (then nothing
of it may be anywhere: not its needs, not in search, not in the graph).
Standard library only."""
import random
import urllib.parse

from crash_util import Failure, listed


class Model:
    def __init__(self):
        self.suppliers = {}   # sid -> {"rec", "token", "state", "cycle"}
        self.facilities = {}  # fid -> {"rec", "targets": {nid: sid}, "state", "cycle"}
        self.links = {}       # (fid, sid) -> {"state", "cycle"}
        self.doubts = {"present": 0, "absent": 0}

    def apply(self, ev, cycle):
        """Applies one writer event (crash_test.writer) after the kill."""
        acked, op = ev["acked"], ev["op"]
        if op == "supplier":
            self.suppliers[ev["id"]] = {"rec": ev["rec"], "token": ev["token"], "cycle": cycle,
                                        "state": "live" if acked else "doubt_create"}
        elif op == "delete":
            self.suppliers[ev["id"]]["state"] = "deleted" if acked else "doubt_delete"
            self.suppliers[ev["id"]]["cycle"] = cycle
        elif op == "facility":
            self.facilities[ev["id"]] = {"rec": ev["rec"], "targets": ev["targets"],
                                         "cycle": cycle, "state": "live" if acked else "doubt"}
        elif op == "link":
            self.links[(ev["from"], ev["to"])] = {"cycle": cycle,
                                                  "state": "live" if acked else "doubt"}

    def live_suppliers(self):
        return [s for s, v in self.suppliers.items() if v["state"] == "live"]

    def pools(self, shards):
        """Per writer thread: the live suppliers and facilities it may use,
        and the suppliers it must not delete (the target of a link)."""
        from crash_util import shard
        pinned = {sid for (_, sid), v in self.links.items() if v["state"] == "live"}
        pools = [{"suppliers": {}, "facilities": [], "links": set(), "pinned": set(pinned)}
                 for _ in range(shards)]
        for sid in self.live_suppliers():
            pools[shard(sid, shards)]["suppliers"][sid] = self.suppliers[sid]["rec"]
        for fid, v in self.facilities.items():
            if v["state"] == "live":
                pools[shard(fid, shards)]["facilities"].append(fid)
        for p in pools:
            p["links"] = {k for k, v in self.links.items() if v["state"] == "live"}
        return pools


def _resolve(kind, table, present_ids, doubt_states, model):
    """Checks presence against the model and resolves the doubts."""
    for rid, v in table.items():
        state, present = v["state"], rid in present_ids
        if state in doubt_states:
            model.doubts["present" if present else "absent"] += 1
            if kind == "supplier":
                v["state"] = "live" if present else "deleted"
            else:
                v["state"] = "live" if present else "absent"
            v["resolved"] = True
        elif state == "live" and not present:
            raise Failure(f"acknowledged {kind} lost: {rid}")
        elif state in ("deleted", "absent") and present:
            raise Failure(f"{kind} {rid} is back after its delete was acknowledged")
    stray = [rid for rid in present_ids if rid not in table]
    if stray:
        raise Failure(f"store lists {kind}s never sent: {stray[:5]}")


def _same_fields(what, got, sent):
    for field, value in sent.items():
        if field == "needs":
            by_id = {n.get("id"): n for n in got.get("needs", [])}
            if len(by_id) != len(value):
                raise Failure(f"{what}: {len(by_id)} needs stored, {len(value)} sent")
            for need in value:
                _same_fields(f"{what} need {need['id']}", by_id.get(need["id"], {}), need)
        elif got.get(field) != value:
            raise Failure(f"{what}: field {field!r} is {got.get(field)!r}, wrote {value!r}")


def _search_ids(client, token):
    body = client.json("POST", "/v1/search", {"text": token, "k": 10, "min_score": 0})
    return [m["id"] for m in body["matches"]]


def _sample(items, n, rng):
    items = sorted(items)
    return items if len(items) <= n else rng.sample(items, n)


def check_store(client, model, field_check):
    """The store: every acknowledged record present, every acknowledged
    delete gone, doubts resolved, nothing never sent; the records of
    `field_check` (ids) field by field; an absent facility leaves no need."""
    _resolve("supplier", model.suppliers, {r["id"] for r in listed(client, "/v1/suppliers")},
             ("doubt_create", "doubt_delete"), model)
    _resolve("facility", model.facilities, {r["id"] for r in listed(client, "/v1/facilities")},
             ("doubt",), model)
    _resolve("link", model.links,
             {(r["from"], r["to"]) for r in listed(client, "/v1/links") if r["type"] == "buys_from"},
             ("doubt",), model)
    for sid, v in model.suppliers.items():
        if sid in field_check and v["state"] == "live":
            _same_fields(sid, client.json("GET", f"/v1/suppliers/{sid}"), v["rec"])
    for fid, v in model.facilities.items():
        if fid not in field_check and not v.get("resolved"):
            continue
        if v["state"] == "live":
            _same_fields(fid, client.json("GET", f"/v1/facilities/{fid}"), v["rec"])
            for nid in v["targets"]:
                got = client.json("GET", f"/v1/needs/{nid}")
                if got.get("facility") != fid:
                    raise Failure(f"need {nid} belongs to {got.get('facility')!r}, not {fid}")
        else:  # an unacknowledged facility that did not make it: none of its needs either
            client.json("GET", f"/v1/facilities/{fid}", expect=404)
            for nid in v["targets"]:
                client.json("GET", f"/v1/needs/{nid}", expect=404)
                client.json("GET", f"/v1/needs/{nid}/matches", expect=404)


def check_served(client, model, recent, rng, sample=300):
    """The indexes, lists and graph the server answers from agree with the
    store (as resolved by check_store): search finds a live supplier first
    for its own token and never a deleted one; a need's materialised list
    holds its live target supplier and never a deleted one; the graph has
    exactly the live suppliers, facilities and links. `recent` (ids) are
    always checked, the rest by a sample. Returns the number of checks."""
    checks = 0
    sups = model.suppliers
    live = [s for s, v in sups.items() if v["state"] == "live"]
    gone = [s for s, v in sups.items() if v["state"] == "deleted"]
    for pool in (live, gone):
        mine = [s for s in pool if s in recent or sups[s].get("resolved")]
        rest = [s for s in pool if s not in recent and not sups[s].get("resolved")]
        for sid in _sample(mine, sample, rng) + _sample(rest, sample // 3, rng):
            ids = _search_ids(client, sups[sid]["token"])
            if sups[sid]["state"] == "live" and (not ids or ids[0] != sid):
                raise Failure(f"search for {sid}'s own word {sups[sid]['token']!r} gives "
                              f"{ids[:3]}: the index lost an acknowledged supplier")
            if sups[sid]["state"] == "deleted":
                if sid in ids:
                    raise Failure(f"search finds {sid}, which the store no longer holds")
                client.json("GET", f"/v1/graph/entities/{sid}/neighbours", expect=404)
            checks += 1

    facs = model.facilities
    present = [f for f, v in facs.items() if v["state"] == "live"]
    mine = [f for f in present if f in recent or facs[f].get("resolved")]
    rest = [f for f in present if f not in recent and not facs[f].get("resolved")]
    upstream = {}
    for (fid, sid), v in model.links.items():
        if v["state"] == "live":
            upstream.setdefault(fid, set()).add(sid)
    for fid in _sample(mine, sample // 2, rng) + _sample(rest, sample // 6, rng):
        province = facs[fid]["rec"]["province"]
        for nid, target in facs[fid]["targets"].items():
            ids = [m["id"] for m in client.json("GET", f"/v1/needs/{nid}/matches?k=30")["matches"]]
            wrong = [i for i in ids if sups.get(i, {}).get("state") != "live"]
            if wrong:
                raise Failure(f"need {nid}'s list holds {wrong[:3]}, which the store does not")
            # Aimed at its target (crash_util.need_text): in the same
            # province it is listed as long as it lives.
            if (sups[target]["state"] == "live" and sups[target]["rec"]["province"] == province
                    and target not in ids):
                raise Failure(f"need {nid} is aimed at {target} but its list {ids[:5]} "
                              f"lacks it: the lists disagree with the store")
            checks += 1
        nb = client.json("GET", f"/v1/graph/entities/{fid}/neighbours?direction=upstream")
        got = {e["id"] for e in nb["entities"] if e["via"] == "buys_from"}
        if got != upstream.get(fid, set()):
            raise Failure(f"graph: {fid} buys from {sorted(got)}, the store says "
                          f"{sorted(upstream.get(fid, set()))}")
        checks += 1
    for fid, v in facs.items():
        if v["state"] == "absent":
            client.json("GET", f"/v1/graph/entities/{fid}/neighbours", expect=404)
            checks += 1

    links = [k for k, v in model.links.items() if v["state"] == "live"]
    for fid, sid in _sample(links, 20, rng):
        q = urllib.parse.urlencode({"from": sid, "to": fid, "max_hops": 1})
        hops = client.json("GET", f"/v1/graph/path?{q}")["path"]
        if [h["id"] for h in hops] != [sid, fid]:
            raise Failure(f"graph path {sid} -> {fid}: {hops}")
        checks += 1

    stats = client.json("GET", "/v1/graph/stats")
    want = {"suppliers": len(live), "facilities": len(present), "link_edges": len(links),
            "pending_links": 0}
    got = {k: stats.get(k) for k in want}
    if got != want:
        raise Failure(f"graph stats {got}, the store holds {want}")
    return checks + 1
