#!/usr/bin/env python3
"""Compares two result dumps of benchmarks/sparse_prune_check (DUMP argument).

Lines are "<mode> <query> id:score ...". For every (mode, query) in both files:
same ids in the same order, and each score within REL (default 1e-5) relative
of the other. Prints the lists that differ (first few) and a count per mode;
exit status 1 when any list differs.

  compare_dumps.py OLD NEW [REL]
"""
import sys


def load(path):
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            hits = []
            for p in parts[2:]:
                i, s = p.split(":")
                hits.append((int(i), float(s)))
            out[(parts[0], int(parts[1]))] = hits
    return out


def main():
    old, new = load(sys.argv[1]), load(sys.argv[2])
    rel = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
    modes = sorted({m for m, _ in old} | {m for m, _ in new})
    failed = False
    printed = 0
    for mode in modes:
        keys = sorted(q for m, q in old if m == mode)
        same_order = same_set = score_ok = missing = 0
        worst = 0.0
        for q in keys:
            a, b = old[(mode, q)], new.get((mode, q))
            if b is None:
                missing += 1
                continue
            ids_a, ids_b = [i for i, _ in a], [i for i, _ in b]
            if ids_a == ids_b:
                same_order += 1
            elif set(ids_a) == set(ids_b):
                same_set += 1
            sb = dict(b)
            ok = True
            for i, s in a:
                if i in sb:
                    d = abs(s - sb[i]) / max(abs(s), 1e-30)
                    worst = max(worst, d)
                    ok = ok and d <= rel
            score_ok += ok
            if ids_a != ids_b and printed < 5:
                printed += 1
                diff_a = [x for x in a if x[0] not in set(ids_b)]
                diff_b = [x for x in b if x[0] not in set(ids_a)]
                print(f"{mode} query {q}: only old {diff_a[:5]} only new {diff_b[:5]}")
        n = len(keys)
        print(f"{mode}: {n} lists, same ids+order {same_order}, same ids reordered {same_set}, "
              f"scores within {rel:g} {score_ok}, missing {missing}, max rel diff {worst:.2e}")
        if same_order + same_set != n or score_ok != n:
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
