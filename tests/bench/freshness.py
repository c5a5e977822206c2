#!/usr/bin/env python3
"""Freshness benchmark: how long from a file written (or deleted) in the tree
to the search that finds (or no longer finds) it, through the real socket.

usage: tests/bench/freshness.py BUILD_DIR [ROUNDS]
Starts its own nsearchd on a copy of tests/sample-tree in a temporary
directory, prints p50/p95/max in milliseconds, and stops the daemon.
"""
import json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 50
here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp(prefix="nsearch-fresh-")
tree, sock = os.path.join(tmp, "articles"), os.path.join(tmp, "s.sock")
shutil.copytree(os.path.join(here, "..", "sample-tree"), tree)
daemon = subprocess.Popen([os.path.join(build, "src", "nsearchd"), "--articles", tree,
                           "--index", os.path.join(tmp, "index"), "--socket", sock,
                           "--log-level", "warning"])

def ask(req):
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

try:
    deadline = time.monotonic() + 30
    while True:
        try:
            if ask({"op": "status"})["ready"]:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit("nsearchd was not ready within 30 s")
        time.sleep(0.01)
    added, deleted = [], []
    for i in range(rounds):
        word, path = f"freshness{i}probe", os.path.join(tree, f"probe{i}.txt")
        t0 = time.monotonic()
        with open(path, "w") as f:
            f.write(f"Probe {i}\n\nA body that carries {word}.\n")
        while not ask({"op": "search", "q": word})["hits"]:
            time.sleep(0.001)
        added.append((time.monotonic() - t0) * 1000)
        t0 = time.monotonic()
        os.unlink(path)
        while ask({"op": "search", "q": word})["hits"]:
            time.sleep(0.001)
        deleted.append((time.monotonic() - t0) * 1000)
    for name, xs in (("write -> found", added), ("delete -> gone", deleted)):
        xs.sort()
        print(f"{name}: n={len(xs)} p50={statistics.median(xs):.1f} ms "
              f"p95={xs[int(len(xs) * 0.95) - 1]:.1f} ms max={xs[-1]:.1f} ms")
finally:
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=30)
    shutil.rmtree(tmp)
