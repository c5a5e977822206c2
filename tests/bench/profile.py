#!/usr/bin/env python3
"""Where nsearchd's bulk indexing spends its time: perf, with call graphs.

usage: tests/bench/profile.py [--size 10000] [--lengths short|long]
                              [--workdir /tmp/nsearch-bench]
                              [--snapshot] [--daemon-args ARGS]
                              [--queries [--seconds S]] [--variants]

Builds a profiling build (build-prof: -O2 -g, our C functions kept out of
line so that each shows under its own name), generates (or reuses) the
corpus of tests/bench/run, and records a cold start of nsearchd over it
until `ready` with `perf record --call-graph dwarf`.  Prints the share of
the daemon's CPU samples spent under each step of indexing (inclusive),
the libraries they land in, the hottest functions (exclusive), and the
wall time against the CPU time, since what the writer waits for (fsync at
each commit) does not show in CPU samples at all.

Needs perf (apt-get install linux-perf) and kernel.perf_event_paranoid
that lets root record.  Raw files stay in --workdir/profile.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # nothing left behind in tests/bench
sys.path.insert(0, HERE)
import nsbench  # noqa: E402

B = nsbench.bench_run()

# The steps of indexing one file, by the functions that do them
# (src/daemon/fileops.c, docbuild.c, writer.c, src/parse/article.c,
# shim/), in the order they run.
STEPS = [
    ("lstat the file", ["lstat", "__lstat64", "__GI___lstat64", "__fstatat64"]),
    ("read the file", ["ns_read_file"]),
    ("hash (XXH3)", ["XXH3_64bits"]),
    ("parse the article", ["ns_article_parse"]),
    ("build the document, all", ["ns_index_build_doc"]),
    ("  term generation (index_text)", ["nsx_doc_index_text"]),
    ("  boolean terms and values", ["nsx_doc_add_boolean", "nsx_doc_set_value"]),
    ("  new TermGenerator + stemmer", ["nsx_doc_new"]),
    ("  stored data (JSON)", ["stored_data"]),
    ("replace_document (and spellings, if any)", ["nsx_writer_replace"]),
    ("commit (flush to disk)", ["nsx_writer_commit"]),
    ("file metadata kept in memory", ["store_meta", "meta_value"]),
    ("writer thread, all", ["writer_main"]),
    ("loop thread (scan, inotify, socket)", ["uv_run"]),
]


def corpus(args):
    """The suite's generated corpus of --size and --lengths (made unless
    tests/bench/run made it): (its directory, its articles)."""
    work = os.path.join(args.workdir, "gen-%d-s1-mix%s" % (
        args.size, "-long" if args.lengths == "long" else ""))
    arts = os.path.join(work, "articles")
    if not os.path.exists(os.path.join(work, "corpus.json")):
        B.sh([sys.executable, os.path.join(HERE, "gen_corpus.py"), arts,
              str(args.size), "--lengths", args.lengths, "--manifest",
              os.path.join(work, "corpus.json")])
    return work, arts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--lengths", choices=["short", "long"], default="short",
                    help="the corpus: short news or long-form "
                    "(gen_corpus.py --lengths)")
    ap.add_argument("--workdir", default="/tmp/nsearch-bench")
    ap.add_argument("--snapshot", action="store_true")
    ap.add_argument("--daemon-args", default="")
    ap.add_argument("--freq", type=int, default=499)
    ap.add_argument("--queries", action="store_true",
                    help="profile searches instead: the daemon, started on "
                    "the index the cold start built, answering the suite's "
                    "queries from one client for --seconds")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--build", default="build-bench")
    ap.add_argument("--cadence", type=int, default=40,
                    help="--variants: a small commit batch to price (40: "
                    "what the 50 ms commit delay gave in a bulk load before "
                    "the writer learnt to commit less often under load)")
    ap.add_argument("--variants", action="store_true",
                    help="no perf: time the raw loop with other commit "
                    "batches and with a spelling table, and searches with and "
                    "without the daemon's search features (--as-daemon)")
    ap.add_argument("--summarise", metavar="PERF_DATA",
                    help="record nothing: summarise an earlier recording")
    args = ap.parse_args()
    if args.summarise:
        show(summarise(args.summarise,
                       QSTEPS if "queries" in args.summarise else STEPS),
             os.path.basename(args.summarise))
        return
    if not shutil.which("perf"):
        sys.exit("profile: no perf (apt-get install linux-perf)")
    root = B.REPO
    if args.snapshot:
        root, _ = B.snapshot(args)
    bd = os.path.join(root, "build-prof")
    if not os.path.exists(os.path.join(bd, "build.ninja")):
        B.sh(["meson", "setup", "build-prof", "--buildtype=debugoptimized",
              "-Dc_args=-fno-inline -fno-omit-frame-pointer"], cwd=root,
             stdout=subprocess.DEVNULL)
    B.sh(["meson", "compile", "-C", "build-prof", "src/nsearchd",
          "tests/bench/qclient"], cwd=root, stdout=subprocess.DEVNULL)
    qclient = os.path.join(bd, "tests", "bench", "qclient")
    nsearchd = os.path.join(bd, "src", "nsearchd")
    if args.variants:
        return variants(args, root)

    work, arts = corpus(args)
    B.read_tree(arts)
    out = os.path.join(args.workdir, "profile" +
                       ("-long" if args.lengths == "long" else ""))
    index = os.path.join(out, "index")
    if args.queries:
        if not os.path.exists(index):
            sys.exit("profile: run it without --queries first (it builds "
                     "the index)")
        return profile_queries(args, nsearchd, qclient, arts, out, work)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    data = os.path.join(out, "perf.data")
    sock = os.path.join(out, "s.sock")
    perf = subprocess.Popen(
        ["perf", "record", "-q", "-F", str(args.freq), "-g", "--call-graph",
         "dwarf,16384", "-o", data, "--", nsearchd, "--articles", arts,
         "--index", os.path.join(out, "index"), "--socket", sock,
         "--log-level", "warning"] + args.daemon_args.split(),
        stderr=subprocess.DEVNULL)
    # Find the daemon under perf, wait for ready, stop it.
    d = B.Daemon.__new__(B.Daemon)
    d.sock = sock
    t0 = time.monotonic()
    while True:
        try:
            st = d.ask({"op": "status"})
            if st.get("ready"):
                break
        except (OSError, ValueError):
            pass
        if perf.poll() is not None:
            sys.exit("profile: nsearchd under perf exited")
        time.sleep(0.05)
    wall = time.monotonic() - t0
    kids = subprocess.run(["pgrep", "-P", str(perf.pid)], capture_output=True,
                          text=True).stdout.split()
    cpu = B.proc_cpu_s(int(kids[0])) if kids else float("nan")
    for k in kids:
        os.kill(int(k), signal.SIGTERM)
    perf.wait()

    res = summarise(data, STEPS)
    res.update({"size": args.size, "wall_s": wall, "cpu_s": cpu})
    print("nsearchd cold start over %d articles: %.1f s to ready, %.1f s of "
          "CPU (%.0f%%)" % (args.size, wall, cpu, 100 * cpu / wall))
    show(res, "bulk")
    with open(os.path.join(out, "profile.json"), "w") as f:
        json.dump(res, f, indent=1)


# The steps of answering one search (src/daemon/server.c, src/daemon/query.c,
# src/daemon/stored.c, src/daemon/snippet.c, src/core/proto_reply.c, shim/).
QSTEPS = [
    ("search, all (worker thread)", ["ns_searcher_search"]),
    ("  reopen the reader", ["nsx_reader_reopen"]),
    ("  parse, suggest and match", ["nsx_reader_search"]),
    ("  read each hit's stored data", ["fill_hit"]),
    ("    decode its fields (JSON)", ["ns_stored_read"]),
    ("    cut its snippet", ["nsx_results_snippet"]),
    ("encode the reply (JSON)", ["ns_proto_search_reply"]),
    ("loop thread (socket, framing)", ["uv_run"]),
]


def profile_queries(args, nsearchd, qclient, arts, out, work):
    data = os.path.join(out, "perf-queries.data")
    sock = os.path.join(out, "q.sock")
    perf = subprocess.Popen(
        ["perf", "record", "-q", "-F", str(args.freq), "-g", "--call-graph",
         "dwarf,16384", "-o", data, "--", nsearchd, "--articles", arts,
         "--index", os.path.join(out, "index"), "--socket", sock,
         "--log-level", "warning"] + args.daemon_args.split(),
        stderr=subprocess.DEVNULL)
    d = B.Daemon.__new__(B.Daemon)
    d.sock = sock
    while True:
        try:
            if d.ask({"op": "status"}).get("ready"):
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    q = os.path.join(work, "queries.ns")
    if not os.path.exists(q):
        B.sh([sys.executable, os.path.join(HERE, "make_queries.py"),
              nsearchd, arts, os.path.join(work, "queries")])
    r = subprocess.run([qclient, sock, q, "--seconds", str(args.seconds)],
                       capture_output=True, text=True).stdout
    kids = subprocess.run(["pgrep", "-P", str(perf.pid)], capture_output=True,
                          text=True).stdout.split()
    for k in kids:
        os.kill(int(k), signal.SIGTERM)
    perf.wait()
    print("queries from one client through the socket: " + r.strip())
    res = summarise(data, QSTEPS)
    show(res, "queries")
    with open(os.path.join(out, "profile-queries.json"), "w") as f:
        json.dump(res, f, indent=1)


def variants(args, root):
    """What the commit cadence, the spelling dictionary and the search
    features cost, measured with the raw loop on the same corpus."""
    bd = os.path.join(root, args.build)
    if not os.path.exists(os.path.join(bd, "build.ninja")):
        B.sh(["meson", "setup", args.build, "--buildtype=release"], cwd=root,
             stdout=subprocess.DEVNULL)
    B.sh(["meson", "compile", "-C", args.build, "tests/bench/raw_xapian",
          "src/nsearchd"], cwd=root, stdout=subprocess.DEVNULL)
    raw = os.path.join(bd, "tests", "bench", "raw_xapian")
    work, arts = corpus(args)
    q = os.path.join(work, "queries")
    if not os.path.exists(q + ".ns"):
        B.sh([sys.executable, os.path.join(HERE, "make_queries.py"),
              os.path.join(bd, "src", "nsearchd"), arts, q])
    B.read_tree(arts)
    db = os.path.join(args.workdir, "variant.db")
    rows = []
    for batch, extra, what in (
            (1000, [], "the daemon's documents, a commit every 1000"),
            (5000, [], "a commit every 5000"),
            (args.cadence, [], "a commit every %d" % args.cadence),
            (1000, ["--spelling"], "with a spelling table, every 1000"),
            (args.cadence, ["--spelling"], "with a spelling table, every %d"
             % args.cadence)):
        shutil.rmtree(db, ignore_errors=True)
        r, rss = B.run_child([raw, "index", db, arts, "--batch", str(batch)]
                             + extra)
        rows.append((what, r))
        print("index %-45s %7.0f articles/s  %s" % (
            what, r["docs_per_s"], json.dumps(r["phases"])), flush=True)
    shutil.rmtree(db, ignore_errors=True)
    B.run_child([raw, "index", db, arts])
    for extra, what in ((["--as-daemon"], "as the daemon searches"),
                        ([], "the cheapest: all words only, fast snippets, "
                         "no suggestion, no relaxing")):
        r, _ = B.run_child([raw, "query", db, q + ".ns", "--warmup"] + extra)
        print("query %-60s p50 %.2f ms  p95 %.2f ms  p99 %.2f ms" % (
            what, r["p50_ms"], r["p95_ms"], r["p99_ms"]), flush=True)
        rows.append((what, r))
    shutil.rmtree(db, ignore_errors=True)
    with open(os.path.join(args.workdir, "variants-%d.json" % args.size),
              "w") as f:
        json.dump(rows, f, indent=1)


def summarise(data, steps):
    # Inclusive shares of each step, over every sample of the process.
    rep = subprocess.run(
        ["perf", "report", "-i", data, "--children", "--stdio", "--no-header",
         "-g", "none", "--sort", "symbol", "--percent-limit", "0.01"],
        capture_output=True, text=True).stdout
    incl, excl = {}, []
    for line in rep.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+([\d.]+)%\s+\[[.kKu]\]\s+(\S.*?)"
                     r"(\s{2,}.*)?$", line)
        if m:
            name = m.group(3).replace(" (inlined)", "")
            incl[name] = max(incl.get(name, 0), float(m.group(1)))
            excl.append((float(m.group(2)), name))
    dso = subprocess.run(
        ["perf", "report", "-i", data, "--no-children", "--stdio",
         "--no-header", "-g", "none", "--sort", "dso"],
        capture_output=True, text=True).stdout
    res = {"steps": [], "dso": [], "top": []}
    for label, fns in steps:
        res["steps"].append((label, sum(incl.get(f, 0) for f in fns)))
    for line in dso.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)", line)
        if m and float(m.group(1)) >= 0.5:
            res["dso"].append((m.group(2), float(m.group(1))))
    for share, name in sorted(excl, reverse=True)[:25]:
        res["top"].append((name, share))
    return res


def show(res, what):
    print("\nshare of CPU samples under each step (inclusive, %s):" % what)
    for label, share in res["steps"]:
        print("  %-42s %5.1f%%" % (label, share))
    print("\nby library (exclusive):")
    for name, share in res["dso"]:
        print("  %-42s %5.1f%%" % (name, share))
    print("\nhottest functions (exclusive):")
    for name, share in res["top"]:
        print("  %5.1f%%  %s" % (share, name[:100]))


if __name__ == "__main__":
    main()
