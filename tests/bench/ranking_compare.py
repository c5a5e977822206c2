#!/usr/bin/env python3
"""Is one ranking better than another beyond noise?  A paired randomisation
test over queries, per collection, on the per-query figures that
`tests/bench/ranking_eval.py --json` writes.

usage: tests/bench/ranking_compare.py BEFORE.json AFTER.json
           [--shuffles 10000] [--seed 1] [--markdown]
       tests/bench/ranking_compare.py RUN.json --fts5

With two runs it compares nsearchd in AFTER against nsearchd in BEFORE
(the same collections and queries); with --fts5 it compares nsearchd
against FTS5 within one run.  For each collection and measure (nDCG@10,
AP) it prints both means, how many queries got better and worse, and the
two-sided p-value of the paired randomisation test (Smucker, Allan and
Carterette 2007): each shuffle swaps the two systems' figures of each
query with probability 1/2, and p is the share of shuffles whose mean
difference is at least as large, in absolute value, as the one observed.
Then the mean over collections, each weighing the same.  Python 3
standard library only.
"""
import argparse
import json
import random
import sys


def per_query(run, system):
    """{collection: {qid: {"ndcg10": x, "ap": y}}} of SYSTEM in RUN."""
    return {c["collection"]: c[system]["per_query"]
            for c in run["collections"]}


def randomisation(a, b, shuffles, rng):
    """Two-sided p of the paired randomisation test on lists A and B."""
    diffs = [y - x for x, y in zip(a, b)]
    n = len(diffs)
    if not n:
        return 1.0
    observed = abs(sum(diffs)) / n
    hits = 0
    for _ in range(shuffles):
        s = 0.0
        for d in diffs:
            s += d if rng.random() < 0.5 else -d
        if abs(s) / n >= observed - 1e-12:
            hits += 1
    return hits / shuffles


def compare(before, after, shuffles, seed):
    rows = []
    for coll in before:
        if coll not in after:
            continue
        qids = sorted(set(before[coll]) & set(after[coll]),
                      key=lambda q: (len(q), q))
        row = {"collection": coll, "queries": len(qids)}
        for m in ("ndcg10", "ap"):
            a = [before[coll][q][m] for q in qids]
            b = [after[coll][q][m] for q in qids]
            rng = random.Random(seed)
            row[m] = {
                "before": sum(a) / len(a) if a else 0.0,
                "after": sum(b) / len(b) if b else 0.0,
                "better": sum(1 for x, y in zip(a, b) if y > x + 1e-9),
                "worse": sum(1 for x, y in zip(a, b) if y < x - 1e-9),
                "p": randomisation(a, b, shuffles, rng),
            }
        rows.append(row)
    return rows


def fmt_rows(rows, markdown):
    head = ["collection", "queries", "nDCG@10 before", "after", "better/worse",
            "p", "MAP before", "after", "better/worse", "p"]
    lines = []
    if markdown:
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|---|" + "---:|" * (len(head) - 1))
    else:
        lines.append("  ".join(head))
    mean = {m: {"before": 0.0, "after": 0.0} for m in ("ndcg10", "ap")}
    for r in rows:
        cells = [r["collection"], str(r["queries"])]
        for m in ("ndcg10", "ap"):
            x = r[m]
            mean[m]["before"] += x["before"] / len(rows)
            mean[m]["after"] += x["after"] / len(rows)
            cells += [f"{x['before']:.3f}", f"{x['after']:.3f}",
                      f"{x['better']} / {x['worse']}", f"{x['p']:.3f}"]
        lines.append(("| " + " | ".join(cells) + " |") if markdown
                     else "  ".join(cells))
    cells = ["mean", str(sum(r["queries"] for r in rows))]
    for m in ("ndcg10", "ap"):
        cells += [f"{mean[m]['before']:.3f}", f"{mean[m]['after']:.3f}",
                  "", ""]
    lines.append(("| " + " | ".join(cells) + " |") if markdown
                 else "  ".join(cells))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+", help="ranking_eval.py --json output")
    ap.add_argument("--fts5", action="store_true",
                    help="compare nsearchd with FTS5 within one run")
    ap.add_argument("--shuffles", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    runs = []
    for path in args.runs:
        with open(path, encoding="utf-8") as f:
            runs.append(json.load(f))
    if args.fts5:
        if len(runs) != 1:
            ap.error("--fts5 takes one run")
        before = per_query(runs[0], "fts5")
        after = per_query(runs[0], "nsearchd")
    else:
        if len(runs) != 2:
            ap.error("give BEFORE.json and AFTER.json")
        before = per_query(runs[0], "nsearchd")
        after = per_query(runs[1], "nsearchd")
    print(fmt_rows(compare(before, after, args.shuffles, args.seed),
                   args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
