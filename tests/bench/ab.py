#!/usr/bin/env python3
"""Two or more nsearchd builds answering the same queries, interleaved.

usage: tests/bench/ab.py ARTICLES QUERIES NAME=NSEARCHD[:FIELDS] ...
                         [--rounds 5] [--seconds 3] [--qclient P]
                         [--raw RAW_XAPIAN] [--workdir DIR]

On a shared, noisy machine two runs of the suite minutes apart differ by
more than most changes do.  This prices a change instead: every build
named (NAME=path of its nsearchd; FIELDS, a comma list, makes its
requests ask for those hit fields only) indexes ARTICLES into an index
of its own (a cold start, timed), then the builds answer QUERIES in turn,
one client each, round after round, so that whatever else the machine
does falls on all of them alike.  With --raw, raw_xapian's cheapest
search (on its own index of the same articles) takes its turn too.
Prints, per build, the median over the rounds of p50 and p99, every
round's p50, and the ratios to the first build; one JSON line at the end.

The same build may be named twice with different FIELDS (e.g.
all=build/src/nsearchd and nosnip=build/src/nsearchd:path,title,date).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # nothing left behind in tests/bench
sys.path.insert(0, HERE)
import nsbench  # noqa: E402

B = nsbench.bench_run()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("articles")
    ap.add_argument("queries")
    ap.add_argument("builds", nargs="+", metavar="NAME=NSEARCHD[:FIELDS]")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--qclient", default=os.path.join(
        B.REPO, "build-bench", "tests", "bench", "qclient"))
    ap.add_argument("--raw", help="raw_xapian: its cheapest search too")
    ap.add_argument("--workdir", default="/tmp/nsearch-ab")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    builds = []
    for b in args.builds:
        name, _, rest = b.partition("=")
        binary, _, fields = rest.partition(":")
        builds.append((name, os.path.abspath(binary), fields))
    B.read_tree(args.articles)
    daemons, out = [], {}
    try:
        for name, binary, fields in builds:
            idx = os.path.join(args.workdir, "index-" + name)
            shutil.rmtree(idx, ignore_errors=True)
            d = B.Daemon(binary, args.articles, idx,
                         os.path.join(args.workdir, name + ".sock"))
            secs, st = d.wait_ready()
            B.log("%s: indexed %d articles in %.1f s" % (name, st["documents"],
                                                         secs))
            out[name] = {"index_s": secs, "p50": [], "p99": []}
            daemons.append((name, d, fields))
        if args.raw:
            db = os.path.join(args.workdir, "raw.db")
            shutil.rmtree(db, ignore_errors=True)
            B.run_child([args.raw, "index", db, args.articles])
            out["raw"] = {"p50": [], "p99": []}
        for name, d, fields in daemons:  # one untimed pass each
            B.sh([args.qclient, d.sock, args.queries, "--warmup",
                  "--seconds", "0"], stdout=subprocess.DEVNULL)
        for k in range(args.rounds):
            for name, d, fields in daemons:
                r, _ = B.run_child([args.qclient, d.sock, args.queries,
                                    "--seconds", str(args.seconds)] +
                                   (["--fields", fields] if fields else []))
                out[name]["p50"].append(r["p50_ms"])
                out[name]["p99"].append(r["p99_ms"])
            if args.raw:
                r, _ = B.run_child([args.raw, "query", db, args.queries,
                                    "--seconds", str(args.seconds)] +
                                   (["--warmup"] if k == 0 else []))
                out["raw"]["p50"].append(r["p50_ms"])
                out["raw"]["p99"].append(r["p99_ms"])
            B.log("round %d of %d" % (k + 1, args.rounds))
    finally:
        for _, d, _ in daemons:
            d.stop()
    first = builds[0][0]
    for name, o in out.items():
        o["p50_median"] = statistics.median(o["p50"])
        o["p99_median"] = statistics.median(o["p99"])
    base = out[first]["p50_median"]
    for name, o in out.items():
        print("%-10s p50 %6.2f ms  p99 %6.2f ms  x%.2f of %s  rounds %s" % (
            name, o["p50_median"], o["p99_median"], o["p50_median"] / base,
            first, " ".join("%.2f" % x for x in o["p50"])))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
