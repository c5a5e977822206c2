#!/usr/bin/env python3
"""Read replicas, measured on one machine over loopback.

usage: tests/bench/replicas.py BUILD_DIR [--corpus DIR] [--preload N]
                               [--publish N] [--interval MS] [--probes N]
                               [--seconds S] [--clients N]

Starts a primary nsearchd (serving replication on a free loopback port)
on a temporary tree of --preload articles, and three replicas, then:

1. the first copy: how long a replica takes to copy the index whole;
2. freshness through a replica, idle: --probes files written one by one,
   the time from close() to the first search on a replica that finds it;
3. lag under a publish load: --publish files written as fast as they can
   be into the primary's tree; every 50 ms the revisions of the primary
   and each replica are sampled, and for each revision the primary
   reached, how long until each replica had it; and the most the
   replicas said they were behind (behind_s);
4. search latency, one client, on the primary and on a replica (qclient,
   one request in flight);
5. throughput with 1, 2 and 3 replicas: --clients clients in all, spread
   evenly over that many replicas, for --seconds each.

Article text comes from --corpus (a corpus of ../shared/corpora unpacked:
the files of its articles/ directory) or is generated.
Prints a Markdown table for docs/scaling.md.  Nothing is written inside
the repository.
"""
import argparse
import json
import os
import random
import resource
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
ap.add_argument("--corpus")
ap.add_argument("--preload", type=int, default=2000)
ap.add_argument("--publish", type=int, default=10000)
ap.add_argument("--interval", type=int, default=1000)
ap.add_argument("--probes", type=int, default=30)
ap.add_argument("--seconds", type=float, default=10)
ap.add_argument("--clients", type=int, default=6)
ap.add_argument("--no-queries", action="store_true",
                help="measure the lag only")
args = ap.parse_args()

HERE = os.path.dirname(os.path.abspath(__file__))
nsearchd = os.path.join(args.build, "src", "nsearchd")
qclient = os.path.join(args.build, "tests", "bench", "qclient")
tmp = tempfile.mkdtemp(prefix="nsearch-replicas-")



def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# Every daemon started, so that none outlives the benchmark, whatever
# stops it.
started = []


class Daemon:
    def __init__(self, name, argv):
        self.sock = os.path.join(tmp, name + ".sock")
        self.log = open(os.path.join(tmp, name + ".log"), "wb")
        self.t0 = time.monotonic()
        self.p = subprocess.Popen([nsearchd, "--socket", self.sock,
                                   "--log-level", "warning", *argv],
                                  stdout=self.log, stderr=subprocess.STDOUT,
                                  env=dict(os.environ,
                                           NSEARCH_CONFIG="/dev/null"))
        started.append(self)

    def ask(self, req, conn=None):
        return nsbench.ask(self.sock, req, conn)

    def wait_ready(self, limit=600):
        if not nsbench.wait_ready(self.sock, limit):
            sys.exit("nsearchd was not ready in time: see " + self.log.name)
        return time.monotonic() - self.t0

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            self.p.wait(timeout=120)




def row(name, xs, unit="ms"):
    print("| %s | %d | %.1f %s | %.1f %s | %.1f %s |" %
          (name, len(xs), statistics.median(xs), unit, pct(xs, 99), unit,
           max(xs), unit))


def probes(primary, replica, tree, n):
    """close() -> found on REPLICA, for N files written one by one, each
    at a random moment of the replica's interval (written right after the
    last was found, each would wait a whole interval)."""
    rnd = random.Random(7)
    conn = socket.socket(socket.AF_UNIX)
    conn.connect(replica.sock)
    out = []
    os.makedirs(os.path.join(tree, "probes"), exist_ok=True)
    for i in range(n):
        word = "zqrprb%dx" % i
        time.sleep(rnd.random() * args.interval / 1000.0)
        with open(os.path.join(tree, "probes", "p%d.txt" % i), "w") as f:
            f.write("Probe %d\n\nA body that carries %s.\n" % (i, word))
        t0 = time.monotonic()
        while True:
            r = replica.ask({"op": "search", "q": word}, conn)
            if not r["ok"]:
                print("replica: search failed: %s" % r["error"],
                      file=sys.stderr)
            elif r["hits"]:
                break
            time.sleep(0.001)
        out.append((time.monotonic() - t0) * 1000)
    conn.close()
    return out


def sample(daemons, stop, timeline):
    """Every 50 ms: (time, [revision, behind_s] of each daemon)."""
    conns = []
    for d in daemons:
        c = socket.socket(socket.AF_UNIX)
        c.connect(d.sock)
        conns.append(c)
    while not stop.is_set():
        t = time.monotonic()
        point = []
        for d, c in zip(daemons, conns):
            st = d.ask({"op": "status"}, c)
            rep = st.get("replication", {})
            point.append((st["revision"], rep.get("behind_s", 0.0)))
        timeline.append((t, point))
        time.sleep(0.05)
    for c in conns:
        c.close()


def lags(timeline, k):
    """For each revision the primary (daemon 0) reached, the seconds until
    daemon K had it."""
    first = {}
    for t, point in timeline:
        rev = point[0][0]
        if rev not in first:
            first[rev] = t
    out = []
    for rev, tp in sorted(first.items()):
        for t, point in timeline:
            if t >= tp and point[k][0] >= rev:
                out.append(t - tp)
                break
    return out


def qclient_run(socks, queries, clients):
    """qclient on each of SOCKS at once, CLIENTS spread evenly; the JSON
    line of each."""
    per = max(1, clients // len(socks))
    procs = [subprocess.Popen([qclient, s, queries, "--clients", str(per),
                               "--seconds", str(args.seconds)],
                              stdout=subprocess.PIPE, text=True)
             for s in socks]
    return [json.loads(p.communicate()[0].strip().splitlines()[-1])
            for p in procs]


def round_cost(port, n=20):
    """CPU of one xapian-replicate round with nothing new (user+sys)."""
    copy = os.path.join(tmp, "cost-copy")
    cmd = ["xapian-replicate", "-h", "127.0.0.1", "-p", str(port), "-m",
           "index", "-o", "-r", "0", copy]
    subprocess.run(cmd, check=True, capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    for _ in range(n):
        subprocess.run(cmd, check=True, capture_output=True)
    wall = (time.monotonic() - t0) / n * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime -
           before.ru_stime) / n * 1000
    return wall, cpu


def main():
    gen = texts(args.corpus)
    print("nsearchd replicas benchmark (%s, %d cores)" %
          (subprocess.run([nsearchd, "--version"], capture_output=True,
                          text=True).stdout.strip(), os.cpu_count()))
    tree = os.path.join(tmp, "articles")
    write_tree(tree, args.preload, gen, "pre", 500)
    port = free_port()
    primary = Daemon("primary", ["--articles", tree, "--index",
                                 os.path.join(tmp, "primary", "index"),
                                 "--replication-listen", "127.0.0.1:%d" % port])
    primary.wait_ready()
    replicas = []
    copies = []
    for i in range(3):
        r = Daemon("replica%d" % i, [
            "--replica-of", "127.0.0.1:%d" % port, "--index",
            os.path.join(tmp, "replica%d" % i, "index"),
            "--replica-interval-ms", str(args.interval)])
        copies.append(r.wait_ready())
        replicas.append(r)
    index = os.path.join(tmp, "primary", "index")
    files = [(f, os.path.getsize(os.path.join(index, f)))
             for f in os.listdir(index)]
    size = sum(n for f, n in files if not f.startswith("changes"))
    changes = sum(n for f, n in files if f.startswith("changes"))
    print("\nfirst copy of %d articles (an index of %.1f MB, and %.1f MB of "
          "changesets kept): %.2f s, %.2f s, %.2f s; load average %.1f" %
          (args.preload, size / 1e6, changes / 1e6, *copies,
           os.getloadavg()[0]))
    wall, cpu = round_cost(port)
    print("a round with nothing new: %.1f ms wall, %.1f ms CPU" % (wall, cpu))

    print("\n| measure (interval %d ms) | n | p50 | p99 | max |" %
          args.interval)
    print("|---|---|---|---|---|")
    row("idle: close() to found on a replica", probes(primary, replicas[0],
                                                      tree, args.probes))

    stop = threading.Event()
    timeline = []
    th = threading.Thread(target=sample, args=([primary] + replicas, stop,
                                               timeline))
    th.start()
    t0 = time.monotonic()
    write_tree(os.path.join(tree, "load"), args.publish, gen, "pub", 500)
    written = time.monotonic() - t0
    final = primary.ask({"op": "wait", "timeout_ms": 600000})["revision"]
    indexed = time.monotonic() - t0
    while any(r.ask({"op": "status"})["revision"] < final for r in replicas):
        time.sleep(0.01)
    level = time.monotonic() - t0
    time.sleep(0.2)
    stop.set()
    th.join()
    lag = [x for k in range(1, 4) for x in lags(timeline, k)]
    copies = [r.ask({"op": "status"})["replication"]["full_copies"]
              for r in replicas]
    row("publish load: primary revision to replica", lag, "s")
    behind = [p[1] for _, point in timeline for p in point[1:]]
    print("\n%d files written in %.1f s; the primary committed the last "
          "(revision %d) %.1f s after the first was written; every replica "
          "had it %.1f s after the first was written; most behind_s a "
          "replica reported: %.1f s; whole copies each replica took in all: "
          "%s" % (args.publish, written, final, indexed, level, max(behind),
                  copies))

    if args.no_queries:
        for d in replicas + [primary]:
            d.stop()
        return
    queries = os.path.join(tmp, "queries")
    subprocess.run([sys.executable, os.path.join(HERE, "make_queries.py"),
                    nsearchd, tree, queries, "--n", "300"], check=True,
                   capture_output=True)
    queries += ".ns"
    print("\n| searches, 1 client (the better of 3 runs, alternated) | p50 "
          "| p99 | per second |")
    print("|---|---|---|---|")
    runs = {"primary": [], "replica": []}
    for d in (primary, replicas[0]):
        qclient_run([d.sock], queries, 1)  # warm
    for _ in range(3):  # alternated: the machine's load drifts
        for name, d in (("primary", primary), ("replica", replicas[0])):
            runs[name].append(qclient_run([d.sock], queries, 1)[0])
    for name, rs in runs.items():
        r = max(rs, key=lambda x: x["qps"])
        print("| %s | %.2f ms | %.2f ms | %.0f |" % (name, r["p50_ms"],
                                                    r["p99_ms"], r["qps"]))
    print("\n| replicas | clients | searches per second | p50 | p99 |")
    print("|---|---|---|---|---|")
    base = None
    for k in (1, 2, 3):
        res = qclient_run([r.sock for r in replicas[:k]], queries,
                          args.clients)
        qps = sum(r["qps"] for r in res)
        base = base or qps
        print("| %d | %d | %.0f (%.2fx) | %.2f ms | %.2f ms |" %
              (k, args.clients, qps, qps / base,
               statistics.mean(r["p50_ms"] for r in res),
               max(r["p99_ms"] for r in res)))
    for d in replicas + [primary]:
        d.stop()


try:
    main()
finally:
    for d in started:
        d.stop()
    if not os.environ.get("KEEP"):
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print("kept " + tmp)
