"""What the benchmarks' scripts share: one NDJSON request to nsearchd and
its reply, waiting until the daemon says it is ready, a tree of articles
written from a corpus or generated text, and percentiles.  No state;
never starts or stops a daemon."""
import importlib.machinery
import importlib.util
import json
import os
import socket
import time


def ask(sock, req, conn=None):
    """REQ (a dict) to the daemon on the Unix socket SOCK, or on CONN (an
    open connection, left open); the reply, parsed."""
    s = conn or socket.socket(socket.AF_UNIX)
    if not conn:
        s.connect(sock)
    s.sendall((json.dumps(req) + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        buf += chunk
    if not conn:
        s.close()
    return json.loads(buf)


def wait_ready(sock, limit):
    """The daemon's status once it says ready; None after LIMIT seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            st = ask(sock, {"op": "status"})
            if st["ready"]:
                return st
        except OSError:
            pass
        time.sleep(0.005)
    return None


def write_tree(root, n, gen, prefix, per_dir=1000):
    """N files of GEN's texts under ROOT, PER_DIR to a directory."""
    for i in range(n):
        d = os.path.join(root, "%s%03d" % (prefix, i // per_dir))
        if i % per_dir == 0:
            os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "a%06d.txt" % i), "w") as f:
            f.write(next(gen))


def pct(xs, p):
    """The P-th percentile of XS (nearest rank)."""
    xs = sorted(xs)
    return xs[max(0, min(len(xs) - 1, int(round(p / 100.0 * len(xs))) - 1))]


def texts(corpus=None):
    """An endless supply of article texts: the files of CORPUS/articles
    (an unpacked corpus of ../shared/corpora) over and over, else
    generated ones."""
    if corpus:
        d = os.path.join(corpus, "articles")
        names = sorted(os.listdir(d))
        while True:
            for n in names:
                with open(os.path.join(d, n), encoding="utf-8",
                          errors="replace") as f:
                    yield f.read()
    i = 0
    words = ("harbour council budget river ferry election tram school "
             "market storm bridge hospital port wind grain").split()
    while True:
        body = " ".join(words[(i * 7 + k) % len(words)] for k in range(300))
        yield f"Generated article {i}\n\n{body}.\n"
        i += 1


def bench_run():
    """The suite's driver, tests/bench/run (a script without .py), as a
    module, for the scripts that reuse its corpus and daemon helpers."""
    here = os.path.dirname(os.path.abspath(__file__))
    loader = importlib.machinery.SourceFileLoader(
        "bench_run", os.path.join(here, "run"))
    module = importlib.util.module_from_spec(
        importlib.util.spec_from_loader("bench_run", loader))
    loader.exec_module(module)
    return module
