#!/usr/bin/env python3
"""Searches over shards and through a replica, measured on one machine.

usage: tests/bench/shards.py BUILD_DIR [--articles N] [--lengths short|long]
                             [--seconds S] [--rounds R] [--clients 1,2]
                             [--queries N] [--workdir DIR] [--keep]

On one generated corpus (gen_corpus.py: N articles under <section>/<year>/,
14 top-level section folders, so that --split-index can deal them to 4
shards) and the suite's queries (make_queries.py):

1. builds one index with nsearchd, cold start to ready (and its size);
2. splits it with `nsearchd --split-index` into 2 and 4 shards (the
   "1 shard" is a copy of the index), and merges the 4 back (`--merge-shards`, a Xapian compaction: the
   compacted size);
3. starts, all at once: nsearchd on the index (the single index, no
   front; it also serves replication), a replica of it, xapian-tcpsrv on
   127.0.0.1 for every shard, and fronts over 1, 2 and 4 local shard
   paths and over 1, 2 and 4 remote shards;
4. checks that every one of them gives each query the same total as the
   single index (qclient --totals), then, --rounds times, runs qclient
   (10 hits with snippets, one request in flight per client) for
   --seconds on each of them with each number of --clients, in turn,
   so that the machine's drifting load falls on all alike; and prints
   the median over the rounds of p50, p99 and q/s, as a Markdown table
   for docs/scaling.md.

Everything runs under --workdir (a temporary directory by default,
removed at the end unless --keep); nothing is written in the repository.
Needs xapian-tools (xapian-tcpsrv, xapian-replicate).
"""
import argparse
import datetime
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import nsbench

B = nsbench.bench_run()
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

ap = argparse.ArgumentParser()
ap.add_argument("build")
ap.add_argument("--articles", type=int, default=20000)
ap.add_argument("--lengths", choices=["short", "long"], default="short")
ap.add_argument("--seconds", type=float, default=3)
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--clients", default="1,2")
ap.add_argument("--queries", type=int, default=300)
ap.add_argument("--workdir")
ap.add_argument("--keep", action="store_true")
args = ap.parse_args()
CLIENTS = [int(c) for c in args.clients.split(",")]

nsearchd = os.path.join(args.build, "src", "nsearchd")
qclient = os.path.join(args.build, "tests", "bench", "qclient")
tmp = args.workdir or tempfile.mkdtemp(prefix="nsearch-shards-")
os.makedirs(tmp, exist_ok=True)
ENV = dict(os.environ, NSEARCH_CONFIG="/dev/null")
started = []  # every process started, stopped last first at the end


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr,
          flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Proc:
    """A child in a process group of its own (xapian-tcpsrv forks a child
    per connection: the group's signal reaches them all)."""

    def __init__(self, name, argv):
        self.name = name
        self.logpath = os.path.join(tmp, name + ".log")
        self.t0 = time.monotonic()
        with open(self.logpath, "wb") as log_f:
            self.p = subprocess.Popen(argv, stdout=log_f,
                                      stderr=subprocess.STDOUT, env=ENV,
                                      start_new_session=True)
        started.append(self)

    def output(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def stop(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()


class Daemon(Proc):
    def __init__(self, name, argv):
        self.sock = os.path.join(tmp, name + ".sock")
        super().__init__(name, [nsearchd, "--socket", self.sock,
                                "--log-level", "warning", *argv])

    def wait_ready(self, limit=1800):
        st = nsbench.wait_ready(self.sock, limit)
        if not st or self.p.poll() is not None:
            sys.exit("%s was not ready: see %s" % (self.name, self.logpath))
        return time.monotonic() - self.t0, st

    def rss_mb(self):
        return B.proc_kb(self.p.pid, "VmRSS") / 1024


def tcpsrv(name, db):
    """xapian-tcpsrv serving DB on a free loopback port: HOST:PORT.  It
    takes no port 0, so a port is picked, and another on "in use"."""
    for _ in range(20):
        port = free_port()
        t = Proc(name, ["xapian-tcpsrv", "--port", str(port), "--interface",
                        "127.0.0.1", "--idle-timeout", "0", db])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and t.p.poll() is None:
            if "Listening" in t.output():
                return "127.0.0.1:%d" % port
            time.sleep(0.05)
        out = t.output()
        t.stop()
        started.remove(t)
        if "in use" not in out:
            sys.exit("xapian-tcpsrv did not start on %s: %s" % (db, out))
    sys.exit("xapian-tcpsrv: no free port after 20 tries")


def sh(argv, cost=None):
    """ARGV's output; into COST (a dict) its wall seconds and peak RSS."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=ENV, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    out, err = p.communicate()
    if p.returncode:
        sys.exit("%s exited %d: %s" % (" ".join(argv), p.returncode,
                                       err.strip()))
    if cost is not None:
        cost["s"] = time.monotonic() - t0
        # The largest of the children waited for so far: ARGV's, when it
        # is the biggest (the splits and the merge are).
        cost["rss_mb"] = resource.getrusage(
            resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return out


def mb(path):
    return B.du(path) / 1e6


def totals(sock, queries):
    return sh([qclient, sock, queries, "--totals"]).splitlines()


def qrun(sock, queries, clients):
    r, _ = B.run_child([qclient, sock, queries, "--clients", str(clients),
                        "--seconds", str(args.seconds)])
    return r


def build(tree, queries):
    """Corpus, queries, the index from a cold start, its shards."""
    log("corpus: %d %s articles" % (args.articles, args.lengths))
    sh([sys.executable, os.path.join(HERE, "gen_corpus.py"), tree,
        str(args.articles), "--lengths", args.lengths, "--quiet"])
    folders = sorted(os.listdir(tree))
    sh([sys.executable, os.path.join(HERE, "make_queries.py"), nsearchd,
        tree, queries, "--n", str(args.queries)])
    B.read_tree(tree)
    index = os.path.join(tmp, "index")
    log("index: cold start")
    d = Daemon("build", ["--articles", tree, "--index", index])
    cold, st = d.wait_ready()
    peak = B.proc_kb(d.p.pid, "VmHWM") / 1024
    d.stop()
    started.remove(d)
    info = {"folders": len(folders), "documents": st["documents"],
            "corpus_mb": mb(tree), "cold_s": cold, "peak_rss_mb": peak,
            "index_mb": mb(index), "split": {}}
    # One shard: a copy of the index (--split-index takes 2 or more), so
    # that the front over it differs from the single index by the front
    # alone.
    os.makedirs(os.path.join(tmp, "split1"))
    shutil.copytree(index, os.path.join(tmp, "split1", "shard-1"))
    info["split"][1] = {"shards": [os.path.join(tmp, "split1", "shard-1")],
                        "mb": [info["index_mb"]], "out": "a copy"}
    for n in (2, 4):
        cost = {}
        out = sh([nsearchd, "--index", index, "--split-index", str(n),
                  os.path.join(tmp, "split%d" % n)], cost)
        shards = [os.path.join(tmp, "split%d" % n, "shard-%d" % k)
                  for k in range(1, n + 1)]
        info["split"][n] = {"shards": shards, "mb": [mb(s) for s in shards],
                            "out": out.strip(), "cost": cost}
    merged = os.path.join(tmp, "merged")
    info["merge"] = {}
    sh([nsearchd, "--merge-shards", merged, *info["split"][4]["shards"]],
       info["merge"])
    info["compacted_mb"] = mb(merged)
    # What each of Xapian's tables takes, as built and compacted: what a
    # search reads (postlist, position, termlist, docdata) sizes memory.
    info["tables"] = {
        t[:-6]: (mb(os.path.join(index, t)), mb(os.path.join(merged, t)))
        for t in sorted(os.listdir(merged)) if t.endswith(".glass")}
    return index, info


def start_all(tree, index, info):
    """Every configuration to measure: [(name, daemon)]."""
    port = free_port()
    single = Daemon("single", ["--articles", tree, "--index", index,
                               "--replication-listen", "127.0.0.1:%d" % port])
    info["restart_s"] = single.wait_ready()[0]
    replica = Daemon("replica", ["--replica-of", "127.0.0.1:%d" % port,
                                 "--index", os.path.join(tmp, "replica")])
    info["replica_copy_s"] = replica.wait_ready()[0]
    configs = [("single index, no front", single)]
    for n in (1, 2, 4):
        paths = info["split"][n]["shards"]
        f = Daemon("local%d" % n, ["--shard", ",".join(paths)])
        configs.append(("front, %d local shard%s" % (n, "s"[:n > 1]), f))
    for n in (1, 2, 4):
        ends = [tcpsrv("tcpsrv%d-%d" % (n, k), s)
                for k, s in enumerate(info["split"][n]["shards"], 1)]
        f = Daemon("remote%d" % n, ["--shard", ",".join(ends)])
        configs.append(("front, %d remote shard%s (xapian-tcpsrv)" %
                        (n, "s"[:n > 1]), f))
    configs.append(("replica of the single index", replica))
    for _, d in configs:
        d.wait_ready()
    return configs


def check(configs, queries):
    """How many queries each configuration totals differently from the
    single index (the first)."""
    want = [line.split("\t")[0] for line in totals(configs[0][1].sock,
                                                   queries)]
    out = {}
    for name, d in configs[1:]:
        got = [line.split("\t")[0] for line in totals(d.sock, queries)]
        out[name] = sum(a != b for a, b in zip(want, got)) + abs(
            len(want) - len(got))
        if out[name]:
            log("%s: %d of %d totals differ from the single index" %
                (name, out[name], len(want)))
    return out


def measure(configs, queries):
    runs = {(name, c): [] for name, _ in configs for c in CLIENTS}
    for _, d in configs:
        sh([qclient, d.sock, queries, "--warmup", "--seconds", "0"])
    for r in range(args.rounds):
        for name, d in configs:
            for c in CLIENTS:
                log("round %d: %s, %d client(s)" % (r + 1, name, c))
                runs[(name, c)].append(qrun(d.sock, queries, c))
    return runs


def report(info, configs, runs, diffs, load0):
    med = statistics.median
    n = info["documents"]
    print("\n%s, %s; load average at the start %s, at the end %s" % (
        datetime.date.today().isoformat(), B.machine()["commit"],
        " ".join(load0), " ".join(open("/proc/loadavg").read().split()[:3])))
    print("\ncorpus: %d %s articles (%.0f MB, %d top-level folders); "
          "cold start to ready %.1f s (%.0f articles/s, peak RSS %.0f MB); "
          "index %.0f MB as built, %.0f MB compacted (the 4 shards merged); "
          "restart to ready %.2f s; a replica's first copy %.2f s" % (
              n, args.lengths, info["corpus_mb"], info["folders"],
              info["cold_s"], n / info["cold_s"], info["peak_rss_mb"],
              info["index_mb"], info["compacted_mb"], info["restart_s"],
              info["replica_copy_s"]))
    print("tables, MB as built / compacted: " + ", ".join(
        "%s %.1f / %.1f" % (t, a, b) for t, (a, b) in info["tables"].items()))
    for k in (2, 4):
        sp = info["split"][k]
        print("split %d: %.1f s, peak RSS %.0f MB; shards of %s MB" % (
            k, sp["cost"]["s"], sp["cost"]["rss_mb"],
            ", ".join("%.0f" % x for x in sp["mb"])))
        print("  " + info["split"][k]["out"].replace("\n", "\n  "))
    print("merge of the 4 (--merge-shards): %.1f s, peak RSS %.0f MB" % (
        info["merge"]["s"], info["merge"]["rss_mb"]))
    head = "| configuration |"
    rule = "|---|"
    for c in CLIENTS:
        head += " %d client%s: p50 | p99 | q/s |" % (c, "s"[:c > 1])
        rule += "---|---|---|"
    print("\n" + head + " RSS | totals differ |\n" + rule + "---|---|")
    for name, d in configs:
        line = "| %s |" % name
        for c in CLIENTS:
            rs = runs[(name, c)]
            line += " %.2f ms | %.2f ms | %.0f |" % (
                med(r["p50_ms"] for r in rs), med(r["p99_ms"] for r in rs),
                med(r["qps"] for r in rs))
        print(line + " %.0f MB | %s |" % (d.rss_mb(), diffs.get(name, "-")))
    errors = sum(r["errors"] for rs in runs.values() for r in rs)
    print("\n%d rounds of %.0f s, medians; %d queries; errors: %d" % (
        args.rounds, args.seconds, args.queries, errors))
    with open(os.path.join(tmp, "results.json"), "w") as f:
        json.dump({"info": info, "runs": {"%s|%d" % k: v
                                          for k, v in runs.items()}}, f)


def main():
    for tool in (nsearchd, qclient):
        if not os.access(tool, os.X_OK):
            sys.exit("no %s (meson compile -C %s)" % (tool, args.build))
    if not shutil.which("xapian-tcpsrv"):
        sys.exit("xapian-tcpsrv is needed (Debian package xapian-tools)")
    load0 = open("/proc/loadavg").read().split()[:3]
    tree = os.path.join(tmp, "articles")
    queries = os.path.join(tmp, "queries")
    index, info = build(tree, queries)
    queries += ".ns"
    configs = start_all(tree, index, info)
    diffs = check(configs, queries)
    runs = measure(configs, queries)
    report(info, configs, runs, diffs, load0)


try:
    main()
finally:
    for proc in reversed(started):
        proc.stop()
    if args.keep or args.workdir:
        print("kept " + tmp, file=sys.stderr)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
