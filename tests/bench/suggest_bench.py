#!/usr/bin/env python3
"""suggest_bench.py - how fast "suggest" answers as a search box is typed
in (docs/protocol.md, "suggest"; goal: p99 under 5 ms).  Not a test: it
prints figures, and exits 1 when the goal is missed.

On a corpus generated here (gen_corpus.py, or --tree for one of yours),
with nsearchd started here: every prefix of some words taken from the
articles' titles and text, as a person types them ("v", "vo", "vol",
..., then "paul v", "paul vo", ...), is sent as a suggest request over
the NDJSON socket, one at a time, after a warm-up round.  It reports the
daemon's own time (took_ms) and the time the client waited, p50, p95,
p99 and the worst, by the length of the word being typed too.

usage: suggest_bench.py NSEARCHD [--articles N] [--tree DIR] [--words N]
                        [--goal-ms 5]
"""
import argparse, json, os, random, shutil, signal, socket, subprocess, sys
import tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]


class Client:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.buf = b""

    def ask(self, req):
        self.s.sendall(json.dumps(req).encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise EOFError("the daemon closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)


def words_of(tree, n, seed):
    """N words of the corpus (titles and text, 4 letters or more), the
    common ones more often, as searches go."""
    rng = random.Random(seed)
    pool = []
    for root, _, files in os.walk(tree):
        for f in files:
            with open(os.path.join(root, f), encoding="utf-8",
                      errors="replace") as fh:
                text = fh.read(4000)
            pool += [w.lower() for w in text.split()
                     if w.isalpha() and len(w) >= 4]
            if len(pool) > 200000:
                break
    return [rng.choice(pool) for _ in range(n)]


def typing(words, seed):
    """What a search box holds as each word is typed, a letter at a time;
    every other query has a word before it."""
    rng = random.Random(seed)
    out = []
    for w in words:
        before = rng.choice(words) + " " if rng.random() < 0.5 else ""
        out += [(before + w[:k], k) for k in range(1, len(w) + 1)]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("nsearchd")
    ap.add_argument("--articles", type=int, default=50000)
    ap.add_argument("--tree", help="search these articles instead")
    ap.add_argument("--words", type=int, default=300)
    ap.add_argument("--goal-ms", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="nsearch-suggest-bench-")
    tree = a.tree
    if not tree:
        tree = os.path.join(tmp, "articles")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"),
                        "--quiet", tree, str(a.articles)], check=True)
    sock = os.path.join(tmp, "s.sock")
    log = open(os.path.join(tmp, "log"), "w+")
    d = subprocess.Popen([a.nsearchd, "--articles", tree, "--index",
                          os.path.join(tmp, "index"), "--socket", sock,
                          "--log-level", "notice"], stderr=log,
                         env=dict(os.environ, NSEARCH_CONFIG="/dev/null"))
    try:
        while not os.path.exists(sock):
            time.sleep(0.1)
        c = Client(sock)
        while True:
            st = c.ask({"op": "status"})
            if st.get("ready") and not st.get("queued"):
                break
            time.sleep(0.5)
        typed = typing(words_of(tree, a.words, a.seed), a.seed)
        for q, _ in typed[:200]:  # warm the readers and the page cache
            c.ask({"op": "suggest", "q": q})
        took, waited, by_len = [], [], {}
        for q, k in typed:
            t0 = time.perf_counter()
            r = c.ask({"op": "suggest", "q": q})
            waited.append((time.perf_counter() - t0) * 1000)
            if not r.get("ok"):
                raise SystemExit(f"suggest {q!r}: {r}")
            took.append(r["took_ms"])
            by_len.setdefault(min(k, 6), []).append(r["took_ms"])
        print(f"suggest on {st['documents']} articles, {len(typed)} "
              f"requests ({a.words} words typed a letter at a time)")
        for name, v in (("daemon (took_ms)", took), ("client", waited)):
            print(f"  {name:18} p50 {pct(v, .5):6.2f} ms  p95 "
                  f"{pct(v, .95):6.2f} ms  p99 {pct(v, .99):6.2f} ms  "
                  f"max {max(v):6.2f} ms")
        for k in sorted(by_len):
            v = by_len[k]
            print(f"  word of {k}{'+' if k == 6 else ' '} letters: "
                  f"{len(v):5} requests, p50 {pct(v, .5):6.2f} ms, p99 "
                  f"{pct(v, .99):6.2f} ms")
        p99 = pct(took, .99)
        ok = p99 < a.goal_ms
        print(f"goal: p99 under {a.goal_ms} ms: "
              f"{'met' if ok else 'NOT MET'} ({p99:.2f} ms)")
        return 0 if ok else 1
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
