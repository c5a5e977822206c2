#!/usr/bin/env python3
"""test_http.py - the HTTP front door against the real nsearchd, with real
clients (http.client, curl): every endpoint and error mapping, roles,
CORS, traversal refused, If-Match races, limits, a slow client, /health
during start, /metrics through promtool, and a CMS's whole flow."""
import http.client, json, os, shutil, signal, socket, subprocess, sys
import threading, time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httpd import Daemon, TOKENS, article  # noqa: E402

FILES = {
    "city/tram.md": article("Council backs the tram extension",
                            "The eastern tram extension won the vote after a "
                            "long session about trams and buses.",
                            extra="tags: [transport, council]\n"),
    "city/bridge.md": article("Old bridge closes for repairs",
                              "The old stone bridge over the river closes "
                              "for repairs to its arches.", date="2024-11-05"),
    "sport/marathon.md": article("Marathon record falls",
                                 "A marathon course record fell on the "
                                 "harbour route in cold weather.",
                                 section="sport"),
}


class Endpoints(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(files=FILES,
                       extra=["--max-request-size", "1K",
                              "--max-file-size", "4K",
                              "--http-cors-origin", "https://cms.example.org",
                              "--http-request-timeout", "2",
                              "--backup-dir", "/nonexistent-backups"])
        cls.d.start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        cls.d.cleanup()
        assert rc == 0, f"nsearchd exited {rc}"

    def req(self, *a, **k):
        k.setdefault("role", "search")
        return self.d.request(*a, **k)

    def test_search_get_and_post(self):
        st, r, body = self.req("GET", "/search?q=tram&fields=title,section")
        self.assertEqual(st, 200)
        self.assertTrue(body["ok"])
        self.assertTrue(body["ready"])
        self.assertEqual([h["path"] for h in body["hits"]], ["city/tram.md"])
        self.assertEqual(body["hits"][0]["title"],
                         "Council backs the tram extension")
        st, _, body = self.req("POST", "/search",
                               body={"q": "", "filter": {"section": "sport"},
                                     "facets": ["section"]})
        self.assertEqual(st, 200)
        self.assertEqual([h["path"] for h in body["hits"]],
                         ["sport/marathon.md"])
        # a filter and a list parameter in the query string
        st, _, body = self.req("GET", "/search?q=&section=city&facets=section,"
                               "year&sort=oldest&limit=1")
        self.assertEqual(st, 200)
        self.assertEqual(body["hits"][0]["path"], "city/bridge.md")
        self.assertEqual(body["total"], 2)
        self.assertEqual({f for f in body["facets"]}, {"section", "year"})

    def test_keep_alive(self):
        c = self.d.conn()
        socks = set()
        for q in ("tram", "bridge", "marathon", "%zz", "nothing"):
            st, r, body = self.req("GET", "/search?q=" + q, conn=c)
            self.assertIn(st, (200, 400))
            self.assertNotEqual(r.getheader("Connection"), "close")
            socks.add(id(c.sock))
        # one connection served them all (http.client would reconnect)
        self.assertEqual(len(socks), 1)
        c.close()

    def test_article_similar_stats_status(self):
        st, r, body = self.req("GET", "/articles/city/tram.md")
        self.assertEqual(st, 200)
        self.assertEqual(body["article"]["title"],
                         "Council backs the tram extension")
        self.assertIn("eastern tram", body["article"]["body"])
        self.assertRegex(r.getheader("ETag"), r'^"[0-9a-f]{16}"$')
        st, _, body = self.req("GET", "/articles/city/tram.md/similar?limit=5")
        self.assertEqual(st, 200)
        self.assertNotIn("city/tram.md", [h["path"] for h in body["hits"]])
        st, _, body = self.req("GET", "/stats")
        self.assertEqual((st, body["documents"]), (200, 3))
        st, _, body = self.req("GET", "/status")
        self.assertEqual(st, 200)
        self.assertTrue(body["ready"])
        self.assertGreaterEqual(body["connections"], 1)
        st, _, body = self.d.request("GET", "/health")
        self.assertEqual((st, body["ready"]), (200, True))

    def test_error_mapping(self):
        cases = [
            ("GET", "/search?q=tram&limit=abc", None, 400, "BAD_REQUEST"),
            ("GET", "/search?q=tram&bogus=1", None, 400, "BAD_REQUEST"),
            ("GET", "/search?q=%zz", None, 400, "BAD_REQUEST"),
            ("GET", "/search?q=%22unclosed+AND+(", None, 400, "BAD_QUERY"),
            # the query caps: refused with the protocol's code, never 500
            ("GET", "/search?q=" + "+".join(c + "*" for c in "abcdefghi"),
             None, 400, "TOO_COMPLEX"),
            ("POST", "/search", "[1,2]", 400, "BAD_JSON"),
            ("POST", "/search", {"op": "stats"}, 400, "BAD_REQUEST"),
            ("POST", "/search", {"q": "x" * 2000}, 413, "LINE_TOO_LONG"),
            ("GET", "/articles/city/nothing.md", None, 404, "NOT_FOUND"),
            ("GET", "/nowhere", None, 404, "NOT_FOUND"),
            ("DELETE", "/search", None, 405, "METHOD_NOT_ALLOWED"),
        ]
        for method, path, body, status, code in cases:
            with self.subTest(path=path, body=body):
                st, r, reply = self.req(method, path, body=body)
                if code == "BAD_QUERY" and st == 200:
                    continue  # the parser forgave it: no error to map
                self.assertEqual(st, status, reply)
                self.assertFalse(reply["ok"])
                self.assertEqual(reply["error"]["code"], code)
                self.assertIn("revision", reply)
        st, r, _ = self.req("DELETE", "/search")
        self.assertIn("GET", r.getheader("Allow"))

    def test_roles(self):
        # no token: 401 with a challenge; a wrong one: 401
        st, r, body = self.d.request("GET", "/search?q=tram")
        self.assertEqual((st, body["error"]["code"]), (401, "UNAUTHORIZED"))
        self.assertIn("Bearer", r.getheader("WWW-Authenticate"))
        st, _, body = self.d.request("GET", "/search?q=tram", role="wrong"
                                     "-token-0123456789")
        self.assertEqual((st, body["error"]["code"]), (401, "UNAUTHORIZED"))
        # a search token cannot publish, delete, back up or compact
        for method, path, body in (
                ("PUT", "/articles/city/x.md", article("X", "x")),
                ("DELETE", "/articles/city/tram.md", None),
                ("POST", "/backup", {"path": "/tmp/b"}),
                ("POST", "/compact", None)):
            st, _, reply = self.d.request(method, path, body=body,
                                          role="search")
            self.assertEqual((st, reply["error"]["code"]), (403, "FORBIDDEN"),
                             (method, path))
        self.assertFalse(os.path.exists(os.path.join(self.d.tree,
                                                     "city/x.md")))
        # a publish token may search but not back up
        st, _, _ = self.d.request("GET", "/search?q=tram", role="publish")
        self.assertEqual(st, 200)
        st, _, reply = self.d.request("POST", "/backup", role="publish",
                                      body={"path": "/tmp/b"})
        self.assertEqual(st, 403)
        # the admin token reaches maintenance (here refused for its path)
        st, _, reply = self.d.request("POST", "/backup", role="admin",
                                      body={"path": "/tmp/nsearch-b"})
        self.assertEqual((st, reply["error"]["code"]), (400, "BAD_REQUEST"))
        st, _, reply = self.d.request("POST", "/compact", role="admin")
        self.assertEqual(st, 200, reply)
        self.assertTrue(reply["ok"])
        # health is open to anyone (load balancers)
        self.assertEqual(self.d.request("GET", "/health")[0], 200)

    def test_queries_admin_only(self):
        # a search over HTTP is counted, and what people searched for is
        # the admin's to read
        st, _, _ = self.req("GET", "/search?q=zqhttpnothing")
        self.assertEqual(st, 200)
        st, _, reply = self.d.request("GET", "/queries", role="search")
        self.assertEqual((st, reply["error"]["code"]), (403, "FORBIDDEN"))
        st, _, reply = self.d.request("GET", "/queries?limit=100",
                                      role="admin")
        self.assertEqual(st, 200, reply)
        self.assertIn("zqhttpnothing", [q["query"] for q in reply["zero"]])
        st, _, reply = self.d.request("GET", "/queries?limit=0",
                                      role="admin")
        self.assertEqual((st, reply["error"]["code"]), (400, "BAD_REQUEST"))

    def test_cors(self):
        origin = "https://cms.example.org"
        st, r, _ = self.d.request("OPTIONS", "/articles/city/tram.md",
                                  headers={"Origin": origin,
                                           "Access-Control-Request-Method":
                                           "PUT"})
        self.assertEqual(st, 204)
        self.assertEqual(r.getheader("Access-Control-Allow-Origin"), origin)
        self.assertIn("PUT", r.getheader("Access-Control-Allow-Methods"))
        self.assertIn("Authorization",
                      r.getheader("Access-Control-Allow-Headers"))
        st, r, body = self.d.request("OPTIONS", "/search",
                                     headers={"Origin": "https://evil.test"})
        self.assertEqual((st, body["error"]["code"]), (403, "FORBIDDEN"))
        self.assertIsNone(r.getheader("Access-Control-Allow-Origin"))
        st, r, _ = self.req("GET", "/search?q=tram",
                            headers={"Origin": origin})
        self.assertEqual(r.getheader("Access-Control-Allow-Origin"), origin)
        st, r, _ = self.req("GET", "/search?q=tram",
                            headers={"Origin": "https://evil.test"})
        self.assertIsNone(r.getheader("Access-Control-Allow-Origin"))

    def test_traversal_refused(self):
        link = os.path.join(self.d.tree, "outside")
        os.symlink("/tmp", link)
        try:
            for path in ("/articles/../etc/x.md", "/articles/city/../../x.md",
                         "/articles/city/%2e%2e/%2e%2e/x.md",
                         "/articles//etc/x.md", "/articles/./x.md",
                         "/articles/city/.hidden.md",
                         "/articles/city/draft.md~",
                         "/articles/outside/x.md"):
                for method in ("PUT", "DELETE"):
                    with self.subTest(path=path, method=method):
                        st, _, body = self.d.request(
                            method, path, role="publish",
                            body=article("Bad", "bad path"))
                        self.assertEqual(st, 400, body)
                        self.assertEqual(body["error"]["code"], "BAD_PATH")
            self.assertFalse(os.path.exists("/tmp/x.md"))
            # curl too, which would squash the dots without --path-as-is
            out = subprocess.run(
                ["curl", "-s", "--path-as-is", "-o", "/dev/null", "-w",
                 "%{http_code}", "-X", "PUT", "--data-binary", "x", "-H",
                 "Authorization: Bearer " + TOKENS["publish"],
                 f"http://127.0.0.1:{self.d.port}/articles/a/../../x.md"],
                capture_output=True, text=True)
            self.assertEqual(out.stdout, "400")
        finally:
            os.unlink(link)

    def test_body_over_the_limit(self):
        st, _, body = self.d.request("PUT", "/articles/city/big.md",
                                     role="publish",
                                     body=article("Big", "word " * 2000))
        self.assertEqual((st, body["error"]["code"]), (413, "TOO_LARGE"))
        self.assertFalse(os.path.exists(os.path.join(self.d.tree,
                                                     "city/big.md")))
        # far over it: refused from its Content-Length, before it is read
        c = self.d.conn()
        c.putrequest("PUT", "/articles/city/big.md")
        c.putheader("Authorization", "Bearer " + TOKENS["publish"])
        c.putheader("Content-Length", str(64 << 20))
        c.endheaders()
        r = c.getresponse()
        self.assertEqual(r.status, 413)
        c.close()

    def test_slow_client_cut_off(self):
        s = socket.create_connection(("127.0.0.1", self.d.port))
        s.sendall(b"GET /search?q=tram HTTP/1.1\r\nHost: x\r\n")
        s.settimeout(20)
        t0 = time.monotonic()
        # others are served meanwhile
        self.assertEqual(self.req("GET", "/search?q=tram")[0], 200)
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        took = time.monotonic() - t0
        s.close()
        self.assertNotIn(b"200 OK", data)
        self.assertLess(took, 15, "the slow client was not cut off")

    def test_metrics_promtool(self):
        self.req("GET", "/search?q=tram")
        self.req("GET", "/search?q=tram&limit=abc")
        # the socket protocol is counted too
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.d.sock)
        s.sendall(b'{"op":"get","path":"city/none.md"}\n')
        self.assertIn(b"NOT_FOUND", s.recv(65536))
        s.close()
        st, r, text = self.req("GET", "/metrics")
        self.assertEqual(st, 200)
        self.assertIn("text/plain", r.getheader("Content-Type"))
        for name in ("nsearch_documents 3", "nsearch_queue_files",
                     "nsearch_indexed_total", "nsearch_commits_total",
                     "nsearch_commit_seconds_total",
                     "nsearch_freshness_lag_seconds", "nsearch_index_bytes",
                     "nsearch_resident_memory_bytes",
                     'nsearch_connections{protocol="http"}',
                     'nsearch_request_duration_seconds_bucket{protocol="http",'
                     'op="search",le="+Inf"}',
                     'nsearch_errors_total{protocol="http",code="BAD_REQUEST"}',
                     'nsearch_errors_total{protocol="ndjson",code="NOT_FOUND"} 1',
                     'nsearch_request_duration_seconds_count{protocol="ndjson",'
                     'op="get"} 1'):
            self.assertIn(name, text)
        promtool = shutil.which("promtool")
        if not promtool:
            self.skipTest("promtool (Debian package prometheus) is missing")
        p = subprocess.run([promtool, "check", "metrics"], input=text,
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


FIELDS_CONF = """[fields]
site = keyword
premium = boolean
post_id = keyword
words = number
"""


class Publishing(unittest.TestCase):
    def setUp(self):
        self.d = Daemon(files=FILES, config=FIELDS_CONF).start()

    def tearDown(self):
        rc = self.d.stop()
        self.d.cleanup()
        self.assertEqual(rc, 0)

    def test_if_match_race(self):
        st, r, body = self.d.request("GET", "/articles/city/bridge.md",
                                     role="search")
        etag = r.getheader("ETag")
        results = []

        def save(n):
            results.append(self.d.request(
                "PUT", "/articles/city/bridge.md", role="publish",
                headers={"If-Match": etag},
                body=article(f"Bridge edit {n}", f"Editor {n} saved this.")))
        threads = [threading.Thread(target=save, args=(n,)) for n in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        statuses = sorted(x[0] for x in results)
        self.assertEqual(statuses, [200, 412], [x[2] for x in results])
        loser = [x for x in results if x[0] == 412][0]
        self.assertEqual(loser[2]["error"]["code"], "PRECONDITION_FAILED")
        winner = [x for x in results if x[0] == 200][0][2]
        with open(os.path.join(self.d.tree, "city/bridge.md")) as f:
            self.assertIn(winner["article"]["title"], f.read())
        # If-None-Match: * refuses to overwrite
        st, _, body = self.d.request("PUT", "/articles/city/bridge.md",
                                     role="publish",
                                     headers={"If-None-Match": "*"},
                                     body=article("New", "new"))
        self.assertEqual(st, 412)

    def test_refused_content_and_conflicts(self):
        st, _, body = self.d.request("PUT", "/articles/city/x.json",
                                     role="publish", body="{not json")
        self.assertEqual((st, body["error"]["code"]), (400, "BAD_REQUEST"))
        self.assertFalse(os.path.exists(os.path.join(self.d.tree,
                                                     "city/x.json")))
        st, _, body = self.d.request("PUT", "/articles/city", role="publish",
                                     body=article("Dir", "a directory"))
        self.assertEqual((st, body["error"]["code"]), (409, "CONFLICT"))
        st, _, body = self.d.request("DELETE", "/articles/city/none.md",
                                     role="publish")
        self.assertEqual((st, body["error"]["code"]), (404, "NOT_FOUND"))

    def test_cms_flow(self):
        """Publish with a publish token, find it (with a facet), update it
        with If-Match, delete it; a search token is refused every write."""
        path = "/articles/politics/2025/budget.md"
        text = article("Budget vote delayed", "The budget vote was delayed "
                       "by a week after a quorum call.", section="politics",
                       extra="site: harbour-news\npremium: true\n"
                             "post_id: \"881\"\nwords: 420\n")
        st, _, body = self.d.request("PUT", path, role="search", body=text)
        self.assertEqual(st, 403)
        st, r, body = self.d.request("PUT", path, role="publish", body=text)
        self.assertEqual(st, 201, body)
        self.assertEqual(body["state"], "indexed")
        self.assertEqual(body["article"]["title"], "Budget vote delayed")
        self.assertGreater(body["revision"], 0)
        etag = r.getheader("ETag")
        self.assertEqual(body["etag"], etag)
        self.assertEqual(body["article"]["fields"]["site"], "harbour-news")
        # searchable at once (the reply came after the writer committed),
        # found with a facet and a filter on the CMS's own fields
        st, _, res = self.d.request(
            "GET", "/search?q=quorum&facets=site,premium&site=harbour-news"
            "&premium=true&words.min=400", role="search")
        self.assertEqual([h["path"] for h in res["hits"]],
                         ["politics/2025/budget.md"])
        self.assertEqual(res["facets"]["site"],
                         [{"value": "harbour-news", "count": 1}])
        self.assertEqual(res["hits"][0]["fields"]["post_id"], "881")
        # updated with the ETag it had
        st, r2, body = self.d.request(
            "PUT", path, role="publish", headers={"If-Match": etag},
            body=article("Budget vote held", "The vote was held at last.",
                         section="politics"))
        self.assertEqual(st, 200, body)
        self.assertNotEqual(r2.getheader("ETag"), etag)
        st, _, res = self.d.request("GET", "/search?q=held", role="search")
        self.assertEqual(res["total"], 1)
        st, _, res = self.d.request("GET", "/search?q=quorum", role="search")
        self.assertEqual(res["total"], 0)
        # a stale ETag loses
        st, _, body = self.d.request("DELETE", path, role="publish",
                                     headers={"If-Match": etag})
        self.assertEqual(st, 412)
        st, _, body = self.d.request("DELETE", path, role="search")
        self.assertEqual(st, 403)
        st, _, body = self.d.request("DELETE", path, role="publish")
        self.assertEqual((st, body["state"]), (200, "removed"))
        st, _, res = self.d.request("GET", "/search?q=held", role="search")
        self.assertEqual(res["total"], 0)
        self.assertFalse(os.path.exists(os.path.join(
            self.d.tree, "politics/2025/budget.md")))
        # no temporary file is left behind
        left = [n for n in os.listdir(os.path.join(self.d.tree,
                                                   "politics/2025"))]
        self.assertEqual(left, [])


class Lifecycle(unittest.TestCase):
    def test_health_during_start(self):
        """/health is 503 with the reason while the start-up scan is
        reconciled, then 200; searches say "ready": false meanwhile."""
        d = Daemon(tokens=False)
        try:
            for i in range(4000):
                d.write(f"bulk/{i % 40}/a{i}.md",
                        article(f"Bulk article {i}",
                                f"Word{i} common text of the bulk load."))
            d.spawn()
            d.wait_port()
            seen_503 = seen_not_ready = seen_ndjson_not_ready = False
            for _ in range(20000):
                st, _, body = d.request("GET", "/health", unix=True)
                if st == 503:
                    seen_503 = True
                    self.assertEqual(body["error"]["code"], "UNAVAILABLE")
                    self.assertFalse(body["ready"])
                    self.assertIn("reconciling", body["error"]["message"])
                    st, _, res = d.request("GET", "/search?q=common",
                                           unix=True)
                    if st == 200 and res["ready"] is False:
                        seen_not_ready = True
                    # the socket protocol says the same
                    s = socket.socket(socket.AF_UNIX)
                    s.connect(d.sock)
                    s.sendall(b'{"op":"search","q":"common","limit":1}\n')
                    line = b""
                    while not line.endswith(b"\n"):
                        line += s.recv(65536)
                    s.close()
                    if json.loads(line).get("ready") is False:
                        seen_ndjson_not_ready = True
                    continue
                self.assertEqual(st, 200)
                break
            self.assertTrue(seen_503, "never saw 503 while reconciling")
            self.assertTrue(seen_not_ready)
            self.assertTrue(seen_ndjson_not_ready)
            st, _, res = d.request("GET", "/search?q=common", unix=True)
            self.assertEqual((res["ready"], res["total"]), (True, 4000))
        finally:
            self.assertEqual(d.stop(), 0)
            d.cleanup()

    def test_health_when_the_index_cannot_be_written(self):
        """A full disk under the index: commits fail, /health says 503
        and why, and searches go on over what was committed."""
        self.full_disk("20")

    def test_health_when_a_write_fails_before_the_commit(self):
        """The same when a document's own write fails, before any commit
        (Xapian writes a document's term list at once): commits are
        not what failed, but the index cannot be written all the same."""
        self.full_disk("60000")

    def full_disk(self, commit_delay):
        probe = subprocess.run(["unshare", "--user", "--map-root-user",
                                "--mount", "true"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("no user and mount namespaces here")
        d = Daemon(files=FILES, tokens=False)
        index = os.path.join(d.dir, "index")
        os.mkdir(index, 0o700)
        try:
            # A private mount namespace: the tmpfs goes with the daemon.
            cmd = ["unshare", "--user", "--map-root-user", "--mount",
                   "--propagation", "private", "sh",
                   "-c", 'mount -t tmpfs -o size=600k,mode=0700 tmpfs "$0" '
                   '&& exec "$@"', index, os.environ["NSEARCHD"],
                   "--articles", d.tree, "--index", index, "--socket",
                   d.sock, "--commit-delay", commit_delay,
                   "--batch", "100000", "--http-socket", d.hsock,
                   "--http", "127.0.0.1:0"]
            d.logf = open(d.log, "wb")
            d.proc = subprocess.Popen(cmd, stdout=d.logf,
                                      stderr=subprocess.STDOUT,
                                      env=dict(os.environ,
                                               NSEARCH_CONFIG="/dev/null"))
            d.wait_port()
            for _ in range(3000):
                if d.request("GET", "/health", unix=True)[0] == 200:
                    break
                time.sleep(0.01)
            import random
            rnd = random.Random(7)
            letters = "abcdefghijklmnopqrstuvwxyz"
            # ~2 MB of words no other file has: far more index than the
            # 600 KB the tmpfs holds
            for i in range(40):
                words = " ".join("".join(rnd.choice(letters)
                                         for _ in range(9))
                                 for _ in range(5000))
                d.write(f"bulk/f{i}.md", article(f"Filler {i}", words))
            st = None
            deadline = time.monotonic() + 120  # slow under the sanitizers
            while time.monotonic() < deadline:
                st, _, body = d.request("GET", "/health", unix=True)
                if st == 503 and "cannot be written" in str(body):
                    break
                time.sleep(0.02)
            self.assertEqual(st, 503, "commits never failed")
            self.assertIn("cannot be written", body["error"]["message"])
            st, _, res = d.request("GET", "/search?q=tram", unix=True)
            self.assertEqual((st, res["total"]), (200, 1))
            st, _, text = d.request("GET", "/metrics", unix=True)
            self.assertIn("nsearch_commit_failing 1", text)
        finally:
            d.stop()  # its last commit may fail too: the disk is full
            d.cleanup()

    def test_unix_socket_credentials(self):
        """On the HTTP Unix socket the daemon's own user needs no token."""
        d = Daemon(files=FILES).start()
        try:
            st, _, body = d.request("PUT", "/articles/city/u.md", unix=True,
                                    body=article("Unix", "over the socket"))
            self.assertEqual(st, 201, body)
            st, _, body = d.request("GET", "/search?q=socket", unix=True)
            self.assertEqual(body["total"], 1)
        finally:
            self.assertEqual(d.stop(), 0)
            d.cleanup()

    def test_socket_activation(self):
        """systemd passes the HTTP socket named "http" beside the NDJSON
        one: the first request, made before the daemon runs, is served."""
        tool = shutil.which("systemd-socket-activate")
        if not tool:
            self.skipTest("systemd-socket-activate is missing")
        d = Daemon(files=FILES, tokens=False)
        try:
            cmd = [tool, "-l", d.sock, "-l", d.hsock, "--fdname=nsearch:http",
                   "-E", "NSEARCH_CONFIG=/dev/null", "-E", "PATH",
                   os.environ["NSEARCHD"], "--articles", d.tree, "--index",
                   os.path.join(d.dir, "index"), "--commit-delay", "20"]
            d.logf = open(d.log, "wb")
            d.proc = subprocess.Popen(cmd, stdout=d.logf,
                                      stderr=subprocess.STDOUT)
            for _ in range(1000):
                if os.path.exists(d.hsock):
                    break
                time.sleep(0.01)
            for _ in range(1000):
                st, _, body = d.request("GET", "/health", unix=True)
                if st == 200:
                    break
                time.sleep(0.01)
            self.assertEqual(st, 200, body)
            st, _, body = d.request("GET", "/search?q=tram", unix=True)
            self.assertEqual((st, body["total"]), (200, 1))
            self.assertIn("from systemd", d.read_log())
        finally:
            self.assertEqual(d.stop(), 0)
            d.cleanup()


class Reload(unittest.TestCase):
    """SIGHUP reads the tokens and the certificate again; TLS carries
    tokens from anywhere."""

    def make_cert(self, d, name):
        cert = os.path.join(d.dir, name + ".pem")
        key = os.path.join(d.dir, name + ".key")
        p = subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-keyout", key, "-out", cert, "-days", "2", "-subj",
             "/CN=" + name, "-addext", "subjectAltName=IP:127.0.0.1"],
            capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return cert, key

    def tls_request(self, d, cafile, path, token=None):
        import ssl
        ctx = ssl.create_default_context(cafile=cafile)
        c = http.client.HTTPSConnection("127.0.0.1", d.port, context=ctx,
                                        timeout=30)
        h = {"Authorization": "Bearer " + token} if token else {}
        c.request("GET", path, headers=h)
        r = c.getresponse()
        body = json.loads(r.read())
        subject = dict(x[0] for x in c.sock.getpeercert()["subject"])
        c.close()
        return r.status, body, subject["commonName"]

    def wait_log(self, d, text, count):
        for _ in range(1000):
            if d.read_log().count(text) >= count:
                return
            time.sleep(0.01)
        self.fail("the daemon did not log " + text)

    def test_tokens_and_certificate_reload(self):
        if not shutil.which("openssl"):
            self.skipTest("openssl is missing")
        d = Daemon(files=FILES)
        try:
            cert, key = self.make_cert(d, "first")
            conf = os.path.join(d.dir, "tls.conf")
            with open(conf, "w") as f:
                f.write(f"[http]\ntls_cert = {cert}\ntls_key = {key}\n")
            d.extra += ["--config", conf]
            d.spawn()
            d.wait_port()
            self.assertIn("(TLS)", d.read_log())
            for _ in range(3000):
                if d.request("GET", "/health", unix=True)[0] == 200:
                    break
                time.sleep(0.01)
            st, body, cn = self.tls_request(d, cert, "/search?q=tram",
                                            TOKENS["search"])
            self.assertEqual((st, body["total"], cn), (200, 1, "first"))
            # plain HTTP to the TLS port gets no HTTP answer
            with self.assertRaises((http.client.HTTPException, OSError)):
                d.request("GET", "/search?q=tram", role="search")
            # new tokens and a new certificate, then SIGHUP
            cert2, key2 = self.make_cert(d, "second")
            os.replace(cert2, cert)
            os.replace(key2, key)
            with open(os.path.join(d.dir, "search.token"), "w") as f:
                f.write("a-brand-new-search-token-42\n")
            d.proc.send_signal(signal.SIGHUP)
            self.wait_log(d, "reloaded", 1)
            st, body, cn = self.tls_request(d, cert, "/search?q=tram",
                                            TOKENS["search"])
            self.assertEqual((st, body["error"]["code"], cn),
                             (401, "UNAUTHORIZED", "second"))
            st, body, _ = self.tls_request(d, cert, "/search?q=tram",
                                           "a-brand-new-search-token-42")
            self.assertEqual(st, 200)
        finally:
            self.assertEqual(d.stop(), 0)
            d.cleanup()


# Run inside a network namespace of its own, where 192.0.2.1 (a
# documentation address) is on the loopback device but outside 127/8.
REMOTE_SCRIPT = r"""
import json, os, subprocess, sys
sys.path.insert(0, sys.argv[1])
from httpd import Daemon, article
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
subprocess.run(["ip", "addr", "add", "192.0.2.1/32", "dev", "lo"],
               check=True)
d = Daemon(files={"city/a.md": article("Tram", "tram text")},
           http="192.0.2.1:0").start()
out = {}
try:
    for name, role in (("search", "search"), ("publish", "publish"),
                       ("none", None)):
        st, _, body = d.request("GET", "/search?q=tram", role=role)
        out[name] = [st, body["error"]["message"] if not body.get("ok")
                     else "ok"]
    out["health"] = d.request("GET", "/health")[0]
    st, _, body = d.request("GET", "/search?q=tram", role="search",
                            unix=True)
    out["unix"] = st
finally:
    out["rc"] = d.stop()
    d.cleanup()
print(json.dumps(out))
"""


class Remote(unittest.TestCase):
    def test_no_token_in_clear_from_another_machine(self):
        """Over TCP without TLS a token from outside 127/8 is refused,
        even the right one; from loopback or the Unix socket it is
        taken."""
        p = subprocess.run(["unshare", "--user", "--map-root-user", "--net",
                            "ip", "link", "set", "lo", "up"],
                           capture_output=True)
        if p.returncode != 0 or not shutil.which("ip"):
            self.skipTest("no user and network namespaces (or no ip) here")
        here = os.path.dirname(os.path.abspath(__file__))
        p = subprocess.run(["unshare", "--user", "--map-root-user", "--net",
                            sys.executable, "-c", REMOTE_SCRIPT, here],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(out["search"][0], 401)
        self.assertIn("in clear", out["search"][1])
        self.assertEqual(out["publish"][0], 401)
        self.assertEqual(out["none"][0], 401)  # a search token is needed
        self.assertEqual(out["health"], 200)
        self.assertEqual(out["unix"], 200)
        self.assertEqual(out["rc"], 0)


WP_POST = json.dumps({
    "id": 4711, "date": "2025-03-01T11:00:00",
    "date_gmt": "2025-03-01T10:00:00", "slug": "harbour-cafe-reopens",
    "link": "https://news.example/2025/03/harbour-cafe-reopens/",
    "title": {"rendered": "Harbour caf&eacute; reopens"},
    "content": {"rendered": "<p>The harbour caf\u00e9 opened again.</p>"},
    "excerpt": {"rendered": "<p>Queues at the cafe at dawn.</p>"},
    "site": "harbour-news", "premium": True, "words": 250,
    "post_id": "4711"})


class Fields(unittest.TestCase):
    """Declared fields filter, sort and count as facets in both protocols
    and the CLI; every file's own fields come back in hits."""

    @classmethod
    def setUpClass(cls):
        files = dict(FILES)
        files["city/wp-cafe.json"] = WP_POST
        files["city/free.md"] = article(
            "Free story about the cafe", "A cafe story for everyone.",
            extra="site: other-site\npremium: false\nwords: 90\n"
                  "colour: blue\n")
        files["sport/long.md"] = article(
            "Long cafe feature", "A long feature about a cafe.",
            section="sport",
            extra="site: harbour-news\npremium: false\nwords: 1200\n")
        cls.d = Daemon(files=files, config=FIELDS_CONF, tokens=False).start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        cls.d.cleanup()
        assert rc == 0

    def http(self, query):
        st, _, body = self.d.request("GET", "/search?" + query, unix=True)
        self.assertEqual(st, 200, body)
        return body

    def ndjson(self, req):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.d.sock)
        s.sendall(json.dumps(req).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        return json.loads(data)

    def test_wordpress_post_and_own_fields(self):
        st, _, body = self.d.request("GET", "/articles/city/wp-cafe.json",
                                     unix=True)
        a = body["article"]
        self.assertEqual(a["title"], "Harbour caf\u00e9 reopens")
        self.assertEqual((a["date"], a["time"]), ("2025-03-01", "10:00"))
        self.assertEqual(a["url"],
                         "https://news.example/2025/03/harbour-cafe-reopens/")
        self.assertEqual(a["fields"]["site"], "harbour-news")
        self.assertIs(a["fields"]["premium"], True)
        # an undeclared key is stored and returned, not filterable
        res = self.http("q=free&fields=title,fields")
        self.assertEqual(res["hits"][0]["fields"]["colour"], "blue")
        st, _, err = self.d.request("GET", "/search?q=&colour=blue",
                                    unix=True)
        self.assertEqual(st, 400)

    def test_http_filter_sort_facets(self):
        res = self.http("q=cafe&site=harbour-news&facets=premium,site")
        self.assertEqual(sorted(h["path"] for h in res["hits"]),
                         ["city/wp-cafe.json", "sport/long.md"])
        self.assertEqual({v["value"]: v["count"]
                          for v in res["facets"]["premium"]},
                         {"true": 1, "false": 1})
        res = self.http("q=cafe&premium=false&sort=-words")
        self.assertEqual([h["path"] for h in res["hits"]],
                         ["sport/long.md", "city/free.md"])
        res = self.http("q=cafe&sort=words")
        self.assertEqual([h["path"] for h in res["hits"]],
                         ["city/free.md", "city/wp-cafe.json",
                          "sport/long.md"])
        res = self.http("q=&words.min=100&words.max=1000")
        self.assertEqual([h["path"] for h in res["hits"]],
                         ["city/wp-cafe.json"])
        res = self.http("q=&post_id=4711")
        self.assertEqual(res["total"], 1)
        st, _, err = self.d.request("GET", "/search?q=&words=lots",
                                    unix=True)
        self.assertEqual((st, err["error"]["code"]), (400, "BAD_REQUEST"))

    def test_ndjson_filter_sort_facets(self):
        r = self.ndjson({"op": "search", "q": "cafe",
                         "filter": {"premium": False,
                                    "words": {"min": 50, "max": 100}},
                         "facets": ["site"], "sort": "-words"})
        self.assertTrue(r["ok"], r)
        self.assertEqual([h["path"] for h in r["hits"]], ["city/free.md"])
        self.assertEqual(r["facets"]["site"],
                         [{"value": "other-site", "count": 1}])
        r = self.ndjson({"op": "search", "q": "", "filter": {"nope": 1}})
        self.assertEqual(r["error"]["code"], "BAD_REQUEST")
        r = self.ndjson({"op": "search", "q": "cafe", "sort": "-site"})
        self.assertEqual(r["hits"][0]["fields"]["site"], "other-site")

    def test_cli(self):
        cli = os.environ.get("NSEARCH_CLI")
        if not cli:
            self.skipTest("NSEARCH_CLI is not set")
        p = subprocess.run([cli, "--socket", self.d.sock, "--filter",
                            "site=harbour-news", "--filter", "words=0..500",
                            "--facets", "premium", "--sort", "-words",
                            "--json", "search", "cafe"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        r = json.loads(p.stdout)
        self.assertEqual([h["path"] for h in r["hits"]],
                         ["city/wp-cafe.json"])
        self.assertIn("premium", r["facets"])
        p = subprocess.run([cli, "--socket", self.d.sock, "--facets",
                            "site", "search", "cafe"],
                           capture_output=True, text=True, timeout=30)
        self.assertIn("harbour-news (2)", p.stdout)

    def test_bad_declaration(self):
        d = Daemon(config="[fields]\nsite = text\n", tokens=False)
        try:
            p = subprocess.run(
                [os.environ["NSEARCHD"], "--config",
                 os.path.join(d.dir, "nsearchd.conf"), "--check-config"],
                capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 2)
            self.assertIn("keyword, boolean or number", p.stderr)
        finally:
            d.cleanup()


DOCS = os.environ.get("NS_DOCS") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs")


class Clients(unittest.TestCase):
    """docs/examples' Python and PHP clients against the real daemon."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(files=FILES).start()
        cls.url = f"http://127.0.0.1:{cls.d.port}"

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        cls.d.cleanup()
        assert rc == 0

    def test_python_client(self):
        sys.path.insert(0, os.path.join(DOCS, "examples"))
        import nsearch_client as nc
        c = nc.Client(self.url, TOKENS["publish"])
        r = c.publish("city/py.md", article("Python client story",
                                            "Pelicans nest by the quay."))
        self.assertEqual(r["state"], "indexed")
        hits = c.search("pelicans", section="city", facets="section")
        self.assertEqual([h["path"] for h in hits["hits"]], ["city/py.md"])
        with self.assertRaises(nc.NsearchError) as e:
            c.publish("city/py.md", "x", if_match='"0000000000000000"')
        self.assertEqual((e.exception.status, e.exception.code),
                         (412, "PRECONDITION_FAILED"))
        c.publish("city/py.md", article("Python client story",
                                        "Herons now."), if_match=r["etag"])
        self.assertEqual(c.search("pelicans")["total"], 0)
        self.assertEqual(c.delete("city/py.md")["state"], "removed")
        c.close()
        reader = nc.Client(self.url, TOKENS["search"])
        with self.assertRaises(nc.NsearchError) as e:
            reader.delete("city/tram.md")
        self.assertEqual(e.exception.code, "FORBIDDEN")
        reader.close()

    def test_php_client(self):
        php = shutil.which("php")
        if not php:
            self.skipTest("php (Debian package php-cli) is missing")
        client = os.path.join(DOCS, "examples", "nsearch_client.php")
        src = os.path.join(self.d.dir, "php.md")
        with open(src, "w") as f:
            f.write(article("PHP client story", "Otters seen in the canal."))

        def run(*args):
            p = subprocess.run([php, client, self.url] + list(args),
                               capture_output=True, text=True, timeout=60)
            return p.returncode, json.loads(p.stdout)
        rc, out = run(TOKENS["publish"], "put", "city/php.md", src)
        self.assertEqual((rc, out["state"]), (0, "indexed"), out)
        rc, out = run(TOKENS["search"], "search", "otters")
        self.assertEqual([h["path"] for h in out["hits"]], ["city/php.md"])
        rc, out = run(TOKENS["search"], "delete", "city/php.md")
        self.assertEqual((rc, out["status"], out["code"]),
                         (1, 403, "FORBIDDEN"))
        rc, out = run(TOKENS["publish"], "delete", "city/php.md")
        self.assertEqual((rc, out["state"]), (0, "removed"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
