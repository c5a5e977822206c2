#!/usr/bin/env python3
"""http_bench.py - the HTTP front door measured against the NDJSON socket
(docs/http.md, "Performance").  Not a test: it prints figures.

On a generated corpus, with nsearchd started here:
  1. search latency, p50 and p99, of the same queries over the NDJSON Unix
     socket and over HTTP/1.1 keep-alive (TCP loopback and the HTTP Unix
     socket), one request at a time, interleaved, with the same raw-socket
     client code, so that only the daemon's side differs;
  2. the same over HTTP while 1,000 idle keep-alive connections are held;
  3. PUT -> searchable: the time of each PUT, whose reply comes only once
     the article is searchable, idle; p50 and p99.

usage: http_bench.py NSEARCHD [--articles N] [--searches N] [--puts N]
"""
import argparse, json, os, re, shutil, signal, socket, subprocess, sys
import tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
WORDS = ["council", "harbour", "budget", "election", "river", "school",
         "hospital", "tram", "festival", "police", "weather", "market"]


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))] * 1000.0


class Raw:
    """One connection, requests written and replies read by hand."""

    def __init__(self, family, addr):
        self.s = socket.socket(family, socket.SOCK_STREAM)
        self.s.connect(addr)
        if family != socket.AF_UNIX:
            self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _fill(self):
        chunk = self.s.recv(1 << 20)
        if not chunk:
            raise EOFError
        self.buf += chunk

    def ndjson(self, q):
        self.s.sendall(json.dumps({"op": "search", "q": q}).encode() + b"\n")
        while b"\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def http(self, method, path, body=b"", token=None):
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        head += f"Content-Length: {len(body)}\r\n\r\n"
        self.s.sendall(head.encode() + body)
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        h, self.buf = self.buf.split(b"\r\n\r\n", 1)
        n = int(re.search(rb"(?i)content-length: *(\d+)", h).group(1))
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return int(h.split(b" ")[1]), json.loads(body)


def timed(fn, queries):
    out = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - t)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("nsearchd")
    ap.add_argument("--articles", type=int, default=20000)
    ap.add_argument("--searches", type=int, default=3000)
    ap.add_argument("--puts", type=int, default=200)
    ap.add_argument("--idle", type=int, default=1000)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="nsearch-http-bench-")
    tree = os.path.join(tmp, "articles")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"),
                    "--quiet", tree, str(a.articles)], check=True)
    sock, hsock = os.path.join(tmp, "s.sock"), os.path.join(tmp, "h.sock")
    log = open(os.path.join(tmp, "log"), "w+")
    d = subprocess.Popen([a.nsearchd, "--articles", tree, "--index",
                          os.path.join(tmp, "index"), "--socket", sock,
                          "--http", "127.0.0.1:0", "--http-socket", hsock,
                          "--max-connections", "4096", "--log-level",
                          "notice", "--http-request-timeout", "600",
                          ], stderr=log,
                         env=dict(os.environ, NSEARCH_CONFIG="/dev/null"))
    try:
        port = None
        while port is None:
            log.seek(0)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", log.read())
            port = int(m.group(1)) if m else None
            time.sleep(0.05)
        c = Raw(socket.AF_UNIX, hsock)
        while c.http("GET", "/health")[0] != 200:
            time.sleep(0.2)
        queries = [WORDS[i % len(WORDS)] + " " + WORDS[(i * 7) % len(WORDS)]
                   for i in range(a.searches)]
        nd = Raw(socket.AF_UNIX, sock)
        tcp = Raw(socket.AF_INET, ("127.0.0.1", port))
        from urllib.parse import quote
        fns = {"ndjson (Unix socket)": lambda q: nd.ndjson(q),
               "http (TCP loopback)":
                   lambda q: tcp.http("GET", "/search?q=" + quote(q)),
               "http (Unix socket)":
                   lambda q: c.http("GET", "/search?q=" + quote(q))}
        for fn in fns.values():  # warm the readers and the page cache
            timed(fn, queries[:300])
        # Interleaved, the order rotating, so that whatever else the
        # machine does falls on every protocol alike.
        res = {name: [] for name in fns}
        names = list(fns)
        for i, q in enumerate(queries):
            for k in range(len(names)):
                name = names[(i + k) % len(names)]
                t = time.perf_counter()
                fns[name](q)
                res[name].append(time.perf_counter() - t)
        for name, v in res.items():
            print(f"{name:28s} p50 {pct(v, .5):6.3f} ms  p99 "
                  f"{pct(v, .99):6.3f} ms")
        diff = pct(res["http (TCP loopback)"], .5) - \
            pct(res["ndjson (Unix socket)"], .5)
        print(f"HTTP (TCP) p50 minus NDJSON p50: {diff:+.3f} ms")
        idle = []
        for _ in range(a.idle):
            s = socket.create_connection(("127.0.0.1", port))
            idle.append(s)
        s = idle[0]
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200" in s.recv(4096)
        v = timed(fns["http (TCP loopback)"], queries[:1000])
        print(f"with {a.idle} idle keep-alive connections: p50 "
              f"{pct(v, .5):.3f} ms p99 {pct(v, .99):.3f} ms; status says "
              f"{c.http('GET', '/status')[1]['connections']} connections")
        for s in idle:
            s.close()
        put = []
        for i in range(a.puts):
            body = (f"---\ntitle: Bench {i}\ndate: 2025-01-01\n---\n"
                    f"Unique{i}x word body text.\n").encode()
            t = time.perf_counter()
            st, reply = c.http("PUT", f"/articles/bench/p{i}.md", body)
            put.append(time.perf_counter() - t)
            assert st in (200, 201) and reply["state"] == "indexed", reply
            assert c.http("GET", f"/search?q=unique{i}x")[1]["total"] == 1
        print(f"PUT -> searchable (idle, {a.puts} PUTs): p50 "
              f"{pct(put, .5):.1f} ms p99 {pct(put, .99):.1f} ms")
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait(60)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
