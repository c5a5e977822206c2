#!/usr/bin/env python3
"""nsearch_client.py - a minimal client of nsearchd's HTTP API
(docs/http.md), Python's standard library only.

    c = Client("http://127.0.0.1:8080", token="...")
    c.search("budget", section="politics", facets="section")
    etag = c.publish("politics/budget.md", text)["etag"]
    c.publish("politics/budget.md", new_text, if_match=etag)
    c.delete("politics/budget.md")

Errors raise NsearchError with the protocol's code (BAD_QUERY,
PRECONDITION_FAILED, ...) and the HTTP status.

As a program: nsearch_client.py URL [TOKEN] search QUERY | get PATH |
put PATH FILE | delete PATH (prints the JSON reply)."""
import http.client, json, sys, urllib.parse


class NsearchError(Exception):
    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class Client:
    def __init__(self, url, token=None, timeout=60):
        u = urllib.parse.urlsplit(url)
        cls = (http.client.HTTPSConnection if u.scheme == "https"
               else http.client.HTTPConnection)
        self.conn = cls(u.hostname, u.port, timeout=timeout)
        self.token = token

    def _call(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse()
        data = r.read()
        reply = json.loads(data) if data else {}
        if r.status >= 400:
            err = reply.get("error", {})
            raise NsearchError(r.status, err.get("code"), err.get("message"))
        return reply

    @staticmethod
    def _quote(path):
        return urllib.parse.quote(path, safe="/")

    def search(self, q, **params):
        """GET /search: q and any search field (limit, sort, section,
        facets="section,tag", ...)."""
        params["q"] = q
        query = urllib.parse.urlencode(params, doseq=True)
        return self._call("GET", "/search?" + query)

    def get(self, path):
        return self._call("GET", "/articles/" + self._quote(path))

    def similar(self, path, **params):
        query = urllib.parse.urlencode(params, doseq=True)
        return self._call("GET", "/articles/" + self._quote(path) +
                          "/similar?" + query)

    def publish(self, path, text, if_match=None):
        """PUT: returns once the article is searchable."""
        headers = {"Content-Type": "text/markdown; charset=utf-8"}
        if if_match:
            headers["If-Match"] = if_match
        body = text.encode("utf-8") if isinstance(text, str) else text
        return self._call("PUT", "/articles/" + self._quote(path), body,
                          headers)

    def delete(self, path, if_match=None):
        headers = {"If-Match": if_match} if if_match else {}
        return self._call("DELETE", "/articles/" + self._quote(path),
                          headers=headers)

    def close(self):
        self.conn.close()

    def health(self):
        self.conn.request("GET", "/health")
        r = self.conn.getresponse()
        return r.status, json.loads(r.read())


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    url, rest = argv[1], argv[2:]
    token = None
    if rest[0] not in ("search", "get", "put", "delete"):
        token, rest = rest[0], rest[1:]
    c = Client(url, token)
    try:
        if rest[0] == "search":
            out = c.search(" ".join(rest[1:]))
        elif rest[0] == "get":
            out = c.get(rest[1])
        elif rest[0] == "put":
            with open(rest[2], "rb") as f:
                out = c.publish(rest[1], f.read())
        else:
            out = c.delete(rest[1])
    except NsearchError as e:
        print(json.dumps({"status": e.status, "code": e.code,
                          "message": e.message}))
        return 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
