#!/usr/bin/env python3
"""Smoke run of the benchmark suite (part of `meson test`, a few seconds).

On 200 generated articles in a temporary directory: the raw Xapian loop
and nsearchd (started here on its own socket) index them all, answer the
same 40 queries with the same hit counts and totals, and the socket client
and FTS5 peer print sane figures.  Measures nothing: it proves that what
tests/bench/run measures is the same work done right.

usage: smoke.py --nsearchd P --raw P --qclient P [--fts5 P]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
N = 200


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run_json(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        fail("%s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr))
    return json.loads(p.stdout.strip().splitlines()[-1])


def lines(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        fail("%s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr))
    return [tuple(int(x) for x in l.split("\t")) for l in p.stdout.splitlines()]


def ask(sock, req):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall((json.dumps(req) + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return json.loads(buf)


def sane(r, what, min_requests):
    if r["errors"] or r["requests"] < min_requests:
        fail("%s: %d requests, %d errors" % (what, r["requests"], r["errors"]))
    if not 0 < r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"] <= r["max_ms"] < 5000:
        fail("%s: latencies out of order: %s" % (what, r))
    if r["qps"] <= 0:
        fail("%s: no throughput" % what)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nsearchd", required=True)
    ap.add_argument("--raw", required=True)
    ap.add_argument("--qclient", required=True)
    ap.add_argument("--fts5")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="nsearch-bench-smoke-")
    daemon = None
    try:
        arts = os.path.join(tmp, "articles")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"),
                        arts, str(N), "--seed", "3", "--quiet"], check=True)
        q = os.path.join(tmp, "q")
        subprocess.run([sys.executable, os.path.join(HERE, "make_queries.py"),
                        args.nsearchd, arts, q, "--n", "40"], check=True,
                       stderr=subprocess.DEVNULL)
        nq = sum(1 for _ in open(q + ".ns"))
        if nq != 40:
            fail("make_queries wrote %d queries, not 40" % nq)

        # The raw loop indexes every article.
        raw = run_json([args.raw, "index", os.path.join(tmp, "raw.db"), arts,
                        "--batch", "64"])
        if raw["docs"] != N or raw["failed"] or raw["docs_per_s"] <= 0:
            fail("raw_xapian index: %s" % raw)
        # nsearchd refuses an index other users may read.
        os.chmod(os.path.join(tmp, "raw.db"), 0o700)
        raw_totals = lines([args.raw, "query", os.path.join(tmp, "raw.db"),
                            q + ".ns", "--totals"])

        # So does the daemon, and it says so.
        sock = os.path.join(tmp, "s.sock")
        daemon = subprocess.Popen([args.nsearchd, "--articles", arts, "--index",
                                   os.path.join(tmp, "index"), "--socket", sock,
                                   "--log-level", "warning"])
        deadline = time.monotonic() + 30
        st = None
        while time.monotonic() < deadline:
            try:
                st = ask(sock, {"op": "status"})
                if st.get("ready"):
                    break
            except OSError:
                pass
            time.sleep(0.02)
        if not st or not st.get("ready") or st["documents"] != N:
            fail("nsearchd not ready with %d documents: %s" % (N, st))

        # The same documents: the raw loop builds what the writer builds.
        cmp = subprocess.run([args.raw, "compare", os.path.join(tmp, "index"),
                              os.path.join(tmp, "raw.db")],
                             capture_output=True, text=True)
        if cmp.returncode != 0:
            fail("the raw loop's documents are not the daemon's (update "
                 "tests/bench/raw_xapian.cc to match "
                 "src/daemon/docbuild.c):\n" + cmp.stderr)

        # The same answers through the socket as in process.
        got = lines([args.qclient, sock, q + ".ns", "--totals"])
        if len(got) != nq or len(raw_totals) != nq:
            fail("%d and %d answers to %d queries" % (len(got), len(raw_totals),
                                                      nq))
        # Estimates depend on the order documents were added in, which
        # differs: the hits must be the same, the totals agree when exact
        # and their bounds overlap when not.
        found = 0
        for i, (a, b) in enumerate(zip(got, raw_totals)):
            (t1, lo1, hi1, n1), (t2, lo2, hi2, n2) = a, b
            exact = lo1 == hi1 and lo2 == hi2
            if n1 != n2 or (exact and t1 != t2) or lo1 > hi2 or lo2 > hi1:
                fail("query %d: nsearchd total/min/max/hits %s, raw Xapian "
                     "%s" % (i + 1, a, b))
            found += n1 > 0
        if found < nq * 3 // 4:
            fail("only %d of %d queries found anything" % (found, nq))

        r = run_json([args.qclient, sock, q + ".ns", "--clients", "2",
                      "--seconds", "1"])
        sane(r, "qclient", nq)
        r = run_json([args.raw, "query", os.path.join(tmp, "raw.db"), q + ".ns",
                      "--seconds", "0.5"])
        sane(r, "raw_xapian query", nq)

        if args.fts5:
            f = run_json([args.fts5, "index", os.path.join(tmp, "fts.db"), arts])
            if f["docs"] != N or f["failed"]:
                fail("fts5_bench index: %s" % f)
            ft = lines([args.fts5, "query", os.path.join(tmp, "fts.db"),
                        q + ".fts.tsv", "--totals"])
            if len(ft) != nq or any(h > 10 or h > t for t, h in ft):
                fail("fts5_bench totals: %s" % ft)
            if sum(h > 0 for _, h in ft) < nq * 3 // 4:
                fail("FTS5 found something for only %d of %d queries" %
                     (sum(h > 0 for _, h in ft), nq))
            r = run_json([args.fts5, "query", os.path.join(tmp, "fts.db"),
                          q + ".fts.tsv", "--seconds", "0.5"])
            sane(r, "fts5_bench query", nq)
        # nsearchd started on the raw loop's index reads no file: the
        # suite relies on it past --daemon-max.
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=20)
        daemon = subprocess.Popen([args.nsearchd, "--articles", arts,
                                   "--index", os.path.join(tmp, "raw.db"),
                                   "--socket", sock, "--log-level", "warning"])
        deadline = time.monotonic() + 30
        st = None
        while time.monotonic() < deadline:
            try:
                st = ask(sock, {"op": "status"})
                if st.get("ready"):
                    break
            except OSError:
                pass
            time.sleep(0.02)
        if not st or not st.get("ready") or st.get("indexed") or \
                st["documents"] != N:
            fail("nsearchd on the raw loop's index read files again: %s" % st)
        print("bench smoke: %d articles, %d queries, same answers in process "
              "and through the socket" % (N, nq))
        print("1 passed, 0 failed")
    finally:
        if daemon:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=20)
            except subprocess.TimeoutExpired:
                daemon.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
