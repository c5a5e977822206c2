"""httpd.py - the HTTP tests' harness: the real nsearchd on a temporary
tree, index and sockets, with HTTP on a Unix socket and on loopback TCP
(port 0: the daemon logs the one it got), tokens for each role, and
clients (http.client over TCP or the Unix socket).  Standard library
only."""
import http.client, json, os, re, shutil, signal, socket, subprocess
import tempfile, time

TOKENS = {"search": "search-token-0123456789",
          "publish": "publish-token-0123456789",
          "admin": "admin-token-0123456789abc"}


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Daemon:
    """nsearchd with HTTP; start() waits until /health says 200 unless
    told not to."""

    def __init__(self, extra=(), tokens=True, files=None, config=None,
                 http="127.0.0.1:0"):
        self.dir = tempfile.mkdtemp(prefix="nsearch-http-")
        self.tree = os.path.join(self.dir, "articles")
        os.mkdir(self.tree)
        self.sock = os.path.join(self.dir, "nsearch.sock")
        self.hsock = os.path.join(self.dir, "http.sock")
        self.log = os.path.join(self.dir, "daemon.log")
        self.extra = list(extra)
        if config is not None:
            path = os.path.join(self.dir, "nsearchd.conf")
            with open(path, "w") as f:
                f.write(config)
            self.extra += ["--config", path]
        self.tokens = tokens
        self.proc = None
        self.port = None
        self.http = http
        self.host = http.rsplit(":", 1)[0]
        for rel, text in (files or {}).items():
            self.write(rel, text)

    def write(self, rel, text):
        path = os.path.join(self.tree, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def token_args(self):
        if not self.tokens:
            return []
        args = []
        for role, flag in (("search", "--http-token-file"),
                           ("publish", "--http-publish-token-file"),
                           ("admin", "--http-admin-token-file")):
            path = os.path.join(self.dir, role + ".token")
            with open(path, "w") as f:
                f.write(TOKENS[role] + "\n")
            os.chmod(path, 0o600)
            args += [flag, path]
        return args

    def spawn(self):
        cmd = [os.environ["NSEARCHD"], "--articles", self.tree, "--index",
               os.path.join(self.dir, "index"), "--socket", self.sock,
               "--commit-delay", "20", "--http", self.http,
               "--http-socket", self.hsock] + self.token_args() + self.extra
        env = dict(os.environ, NSEARCH_CONFIG="/dev/null")
        self.logf = open(self.log, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=env)

    def wait_port(self):
        for _ in range(3000):
            if self.proc.poll() is not None:
                raise AssertionError("nsearchd exited: " + self.read_log())
            m = re.search(r"http: listening on " + re.escape(self.host) +
                          r":(\d+)", self.read_log())
            if m:
                self.port = int(m.group(1))
                return
            time.sleep(0.01)
        raise AssertionError("nsearchd did not say its port")

    def start(self, wait=True):
        self.spawn()
        self.wait_port()
        if wait:
            for _ in range(6000):
                if self.request("GET", "/health", unix=True)[0] == 200:
                    return self
                time.sleep(0.01)
            raise AssertionError("nsearchd not healthy within 60 s")
        return self

    def read_log(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def conn(self, unix=False, timeout=30):
        if unix:
            return UnixHTTPConnection(self.hsock, timeout=timeout)
        return http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)

    def request(self, method, path, body=None, role=None, headers=None,
                unix=False, conn=None):
        """(status, headers, parsed JSON or text) of one request."""
        h = dict(headers or {})
        if role:
            h["Authorization"] = "Bearer " + TOKENS.get(role, role)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        c = conn or self.conn(unix)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        if not conn:
            c.close()
        ctype = r.getheader("Content-Type", "")
        if ctype.startswith("application/json") and data:
            data = json.loads(data)
        else:
            data = data.decode("utf-8", "replace")
        return r.status, r, data

    def stop(self):
        """SIGTERM; the exit status (0 expected, also under ASan)."""
        rc = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
        elif self.proc:
            rc = self.proc.returncode
        if self.proc:
            self.logf.close()
        return rc

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def article(title, body, section="city", date="2025-03-01", extra=""):
    return (f"---\ntitle: {title}\ndate: {date}\nsection: {section}\n"
            f"{extra}---\n{body}\n")
