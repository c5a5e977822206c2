#!/usr/bin/env python3
"""Bulk indexing only: nsearchd's cold start (empty index to `ready`, and
to the end of the compaction that follows a bulk load) with the writer
settings given, beside the raw Xapian loop (one thread) and FTS5's index
size, on the suite's generated corpora; each setting --rounds times,
medians.  The rows of docs/performance.md's "Bulk indexing on several
writers".

usage: tests/bench/bulk.py [--lengths long] [--size 5000] [--rounds 3]
           [--variant "NAME=DAEMON ARGS"]... [--workdir DIR] [--build DIR]

A variant's DAEMON ARGS go to nsearchd as they are, e.g.
  --variant "one writer=--bulk-writers 1 --auto-compact 0"
  --variant "2 writers=--bulk-writers 2 --batch 250"
The rounds of the variants and of the raw loop are interleaved, so that
the load others put on the machine falls on all of them alike.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import time

import nsbench

R = nsbench.bench_run()


def cold_start(P, arts, work, extra):
    """One cold start: seconds to ready, to the end of the compaction
    after it (when there is one), CPU, documents, index bytes."""
    idx = os.path.join(work, "bulk-index")
    shutil.rmtree(idx, ignore_errors=True)
    sock = os.path.join(work, "bulk.sock")
    R.DAEMON_ARGS[:] = extra
    d = R.Daemon(P["nsearchd"], arts, idx, sock)
    secs, st = d.wait_ready()
    cpu_ready = R.proc_cpu_s(d.p.pid)
    bytes_ready = R.du(idx)
    done = secs
    # One writer: the compaction after the load starts once the queue has
    # been quiet for a second.  Several: the merge is done at ready.
    one = "--bulk-writers 1" in " ".join(extra)
    if one and "--auto-compact 0" not in " ".join(extra):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            s = d.ask({"op": "status"})
            if s.get("operation"):
                deadline = time.monotonic() + 600
            elif s.get("compactions", 0):
                done = time.monotonic() - d.t0
                break
            time.sleep(0.05)
    s = d.ask({"op": "status"})
    out = {"ready_s": secs, "done_s": done, "cpu_ready_s": cpu_ready,
           "cpu_s": R.proc_cpu_s(d.p.pid), "docs": st["documents"],
           "bytes_ready": bytes_ready, "compactions": s.get("compactions", 0)}
    d.stop()
    out["bytes"] = R.du(idx)
    return out


def raw_loop(P, arts, work, batch):
    db = os.path.join(work, "bulk-raw.db")
    shutil.rmtree(db, ignore_errors=True)
    r, _ = R.run_child([P["raw"], "index", db, arts, "--batch", str(batch)])
    return {"ready_s": r["seconds"], "cpu_s": R.LAST_CPU[0],
            "bytes": R.du(db), "docs": r["docs"]}


def fts5_bytes(P, arts, work):
    if not P["fts5"]:
        return None
    db = os.path.join(work, "bulk-fts5.db")
    if os.path.exists(db):
        os.unlink(db)
    R.run_child([P["fts5"], "index", db, arts])
    return R.du(db)


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lengths", default="long", choices=["short", "long"])
    ap.add_argument("--size", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--variant", action="append", default=[])
    ap.add_argument("--raw-batch", type=int, default=1000)
    ap.add_argument("--workdir", default="/tmp/nsearch-bench")
    ap.add_argument("--build", default="build-bench")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--formats", default="mix")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--snapshot", action="store_true")
    args = ap.parse_args()
    variants = [v.split("=", 1) for v in args.variant] or [
        ["one writer", "--bulk-writers 1 --auto-compact 0"],
        ["2 writers", "--bulk-writers 2"]]
    P = R.build(args)
    work, arts, _ = R.generated(args, args.lengths, args.size)
    rows = {name: [] for name, _ in variants}
    raw = []
    for i in range(args.rounds):
        for name, extra in variants:
            R.log("round %d: %s" % (i + 1, name))
            rows[name].append(cold_start(P, arts, work, extra.split()))
        R.log("round %d: raw loop" % (i + 1))
        raw.append(raw_loop(P, arts, work, args.raw_batch))
    fts = fts5_bytes(P, arts, work)
    raw_s = med(raw, "ready_s")
    print("%d %s articles, medians of %d rounds; raw loop %.1f s "
          "(--batch %d), its index %.0f MB; FTS5 %s" % (
              args.size, args.lengths, args.rounds, raw_s, args.raw_batch,
              med(raw, "bytes") / 1e6,
              "%.0f MB" % (fts / 1e6) if fts else "not built"))
    print("| setting | to ready | x raw loop | CPU | index at ready | "
          "compacted by | index then | x FTS5 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, extra in variants:
        r = rows[name]
        print("| %s (`%s`) | %.1f s | %.2fx | %.1f s | %.0f MB | %.1f s | "
              "%.0f MB | %s |" % (
                  name, extra, med(r, "ready_s"), raw_s / med(r, "ready_s"),
                  med(r, "cpu_s"), med(r, "bytes_ready") / 1e6,
                  med(r, "done_s"), med(r, "bytes") / 1e6,
                  "%.2fx" % (med(r, "bytes") / fts) if fts else "-"))
    json.dump({"variants": rows, "raw": raw, "fts5_bytes": fts},
              open(os.path.join(work, "bulk.json"), "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
