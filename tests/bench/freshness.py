#!/usr/bin/env python3
"""Freshness and reconciliation benchmark, through the real socket.

usage: tests/bench/freshness.py BUILD_DIR [--probes N] [--bulk N]
                                [--reconcile N] [--corpus DIR]
                                [--daemon-args ARGS]

Starts its own nsearchd on a temporary tree and prints:

1. idle freshness: for N probe files (default 300), the time from the
   writer's close() to the first search that finds the new content, and
   from unlink() to the first search that no longer finds it;
2. freshness under load: the same for probes written while another process
   writes a bulk load of --bulk files (default 5000) as fast as it can;
3. reconciliation: a tree of --reconcile files (default 100000) is indexed,
   the daemon stopped and started again, and the time from start to ready
   (every file checked against the index, none changed) is measured.

Article text for the bulk and reconciliation trees comes from the Reuters
corpus in --corpus (../shared/corpora, unpacked; see its README) when
given, else it is generated.  Nothing is written inside the repository.
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import nsbench
from nsbench import pct, texts, write_tree

ap = argparse.ArgumentParser()
ap.add_argument("build")
ap.add_argument("--probes", type=int, default=300)
ap.add_argument("--bulk", type=int, default=5000)
ap.add_argument("--reconcile", type=int, default=100000)
ap.add_argument("--corpus")
ap.add_argument("--daemon-args", default="",
                help="more nsearchd options, e.g. \"--bulk-writers 1\"")
args = ap.parse_args()

tmp = tempfile.mkdtemp(prefix="nsearch-bench-")
nsearchd = os.path.join(args.build, "src", "nsearchd")



class Daemon:
    def __init__(self, tree, index, sock, extra=()):
        self.sock = sock
        self.t0 = time.monotonic()
        self.p = subprocess.Popen([nsearchd, "--articles", tree, "--index",
                                   index, "--socket", sock,
                                   "--log-level", "warning", *extra,
                                   *args.daemon_args.split()])

    def ask(self, req, conn=None):
        return nsbench.ask(self.sock, req, conn)

    def wait_ready(self, limit=3600):
        st = nsbench.wait_ready(self.sock, limit)
        if not st:
            sys.exit("nsearchd was not ready in time")
        return time.monotonic() - self.t0, st

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=600)


def probe_latencies(d, tree, n, tag):
    """Write N probe files one by one; time close() -> found and
    unlink() -> gone, polling the socket on one connection."""
    conn = socket.socket(socket.AF_UNIX)
    conn.connect(d.sock)
    found, gone = [], []
    os.makedirs(os.path.join(tree, "probes"), exist_ok=True)
    for i in range(n):
        word = "zq%sprb%dx" % (tag, i)
        path = os.path.join(tree, "probes", "%s%d.txt" % (tag, i))
        with open(path, "w") as f:
            f.write("Probe %d\n\nA body that carries %s.\n" % (i, word))
        t0 = time.monotonic()           # the file is closed here
        while not d.ask({"op": "search", "q": word}, conn)["hits"]:
            time.sleep(0.0005)
        found.append((time.monotonic() - t0) * 1000)
        os.unlink(path)
        t0 = time.monotonic()
        while d.ask({"op": "search", "q": word}, conn)["hits"]:
            time.sleep(0.0005)
        gone.append((time.monotonic() - t0) * 1000)
    conn.close()
    return found, gone



def report(name, xs):
    print("  %-28s n=%4d p50=%7.1f ms  p99=%7.1f ms  max=%7.1f ms" %
          (name, len(xs), statistics.median(xs), pct(xs, 99), max(xs)))



try:
    gen = texts(args.corpus)
    print("nsearchd freshness benchmark (%s, %d cores)" %
          (subprocess.run([nsearchd, "--version"], capture_output=True,
                          text=True).stdout.strip(), os.cpu_count()))

    # 1 and 2: a small tree, probes idle and under a bulk load.
    tree = os.path.join(tmp, "fresh")
    os.makedirs(tree)
    write_tree(tree, 200, gen, "base")
    d = Daemon(tree, os.path.join(tmp, "fresh-index"),
               os.path.join(tmp, "fresh.sock"))
    d.wait_ready()
    print("freshness, idle:")
    found, gone = probe_latencies(d, tree, args.probes, "i")
    report("close() -> found", found)
    report("unlink() -> gone", gone)

    bulk_done = []

    def bulk():
        t0 = time.monotonic()
        write_tree(os.path.join(tree, "bulk"), args.bulk, gen, "b")
        bulk_done.append(time.monotonic() - t0)

    th = threading.Thread(target=bulk)
    th.start()
    t0 = time.monotonic()
    found, gone = [], []
    # Probe while the load is written and until the writer has drained it.
    while th.is_alive() or d.ask({"op": "status"})["queued"] > 0:
        f, g = probe_latencies(d, tree, 1, "l%d" % len(found))
        found += f
        gone += g
    th.join()
    w = d.ask({"op": "wait", "timeout_ms": 600000})
    drained = time.monotonic() - t0
    print("freshness during a bulk load of %d files (written in %.1f s, "
          "all searchable after %.1f s):" % (args.bulk, bulk_done[0], drained))
    report("close() -> found", found)
    report("unlink() -> gone", gone)
    d.stop()

    # 3: reconciliation of a large unchanged tree.
    if args.reconcile:
        big = os.path.join(tmp, "big")
        t0 = time.monotonic()
        write_tree(big, args.reconcile, gen, "r")
        print("reconciliation: %d files written in %.1f s" %
              (args.reconcile, time.monotonic() - t0))
        index = os.path.join(tmp, "big-index")
        sock = os.path.join(tmp, "big.sock")
        d = Daemon(big, index, sock)
        took, st = d.wait_ready()
        print("  first start, everything indexed: %.1f s (%d documents, "
              "%.0f files/s)" % (took, st["documents"], st["documents"] / took))
        d.stop()
        time.sleep(2.1)  # past the racy-clean window
        for run in (1, 2):
            d = Daemon(big, index, sock)
            took, st = d.wait_ready()
            print("  restart %d, nothing changed: ready in %.2f s "
                  "(unchanged %d, read again %d, indexed %d)" %
                  (run, took, st["unchanged"], st["same_content"],
                   st["indexed"]))
            d.stop()
finally:
    shutil.rmtree(tmp, ignore_errors=True)
