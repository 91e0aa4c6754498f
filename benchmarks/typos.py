#!/usr/bin/env python3
"""Writes a copy of a ketnoi dataset whose needs are typed the way people type
in a hurry, to measure how matching holds up (`ketnoi eval OUT`).

Per need text: two words of four or more letters get one slip each (a letter
dropped, two letters swapped, or a letter doubled), and two neighbouring words
run together once ("công suất" -> "côngsuất"). With --fold the text also loses
its diacritics (đ -> d), as typed on a keyboard without a Vietnamese layout.
Suppliers, experts, links and qrels are copied unchanged. Deterministic for a
given --seed.

    benchmarks/typos.py data/demo /tmp/demo-typos --seed 7
    benchmarks/typos.py data/demo /tmp/demo-typos-folded --seed 12 --fold
    build/ketnoi eval /tmp/demo-typos
"""
import argparse
import json
import os
import random
import shutil
import sys
import unicodedata


def strip_diacritics(text):
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if unicodedata.category(c) != "Mn")


def slip(word, rng):
    kind = rng.randrange(3)
    j = rng.randrange(1, len(word) - 1)
    if kind == 0:
        return word[:j] + word[j + 1:]  # dropped
    if kind == 1:
        return word[:j] + word[j + 1] + word[j] + word[j + 2:]  # swapped
    return word[:j] + word[j] + word[j:]  # doubled


def mistype(text, rng, fold):
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    rng.shuffle(long_words)
    for i in long_words[:2]:
        words[i] = slip(words[i], rng)
    if len(words) > 3:
        j = rng.randrange(len(words) - 1)
        words[j] += words[j + 1]
        del words[j + 1]
    out = " ".join(words)
    return strip_diacritics(out) if fold else out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fold", action="store_true", help="also drop diacritics")
    args = ap.parse_args()
    src = os.path.join(args.dataset, "facilities.jsonl")
    if not os.path.exists(src):
        sys.exit(f"typos.py: {src}: no such file (not a ketnoi dataset directory)")
    os.makedirs(args.out, exist_ok=True)
    for name in os.listdir(args.dataset):
        path = os.path.join(args.dataset, name)
        if name != "facilities.jsonl" and os.path.isfile(path):
            shutil.copy(path, os.path.join(args.out, name))
    rng = random.Random(args.seed)
    needs = 0
    with open(src, encoding="utf-8") as f, \
            open(os.path.join(args.out, "facilities.jsonl"), "w", encoding="utf-8") as out:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                facility = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"typos.py: {src}:{line_no}: {e}")
            for need in facility.get("needs", []):
                need["text"] = mistype(need["text"], rng, args.fold)
                needs += 1
            out.write(json.dumps(facility, ensure_ascii=False) + "\n")
    print(f"{needs} needs mistyped into {args.out}")


if __name__ == "__main__":
    main()
