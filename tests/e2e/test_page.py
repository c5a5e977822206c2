#!/usr/bin/env python3
"""test_page.py - the search page (GET /) in headless Chromium against the
real daemon: type a query (suggestions appear), press Enter, check the
results, click a facet, check the filtered results, then again at a
phone's width; screenshots go to the test log directory.  Chromium is
driven over its DevTools pipe (--remote-debugging-pipe), standard
library only."""
import base64, json, os, shutil, subprocess, sys, tempfile, time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from httpd import Daemon, article  # noqa: E402

FILES = {
    "city/tram.md": article("Council backs the tram extension",
                            "The eastern tram extension won the council vote "
                            "after a long session.", date="2025-03-01"),
    "city/trains.md": article("Night trains return to the coast line",
                              "Night trains run again; the council welcomed "
                              "the operator's plan.", date="2024-06-10"),
    "sport/tramway-run.md": article("Tramway fun run draws thousands",
                                    "Runners followed the old tramway route; "
                                    "the council closed the road.",
                                    section="sport", date="2025-05-04"),
}


class CDP:
    """Chromium's DevTools protocol over --remote-debugging-pipe."""

    def __init__(self, chromium, profile):
        r_in, w_in = os.pipe()     # we write, Chromium reads (its fd 3)
        r_out, w_out = os.pipe()   # Chromium writes (its fd 4), we read

        def fds():
            # Through fresh descriptors: either may be 3 or 4 already.
            a, b = os.dup(r_in), os.dup(w_out)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + profile,
             "--remote-debugging-pipe", "about:blank"],
            preexec_fn=fds, pass_fds=(3, 4),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r_in)
        os.close(w_out)
        self.w = os.fdopen(w_in, "wb", buffering=0)
        self.r = os.fdopen(r_out, "rb", buffering=0)
        self.buf = b""
        self.next_id = 0
        self.session = None

    def call(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        self.w.write(json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self.buf:
                chunk = self.r.read(1 << 16)
                if not chunk:
                    raise AssertionError("Chromium closed its pipe")
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                return reply["result"]

    def js(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr,
                                           "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise AssertionError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait(self, expr, what, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.js(expr):
                return
            time.sleep(0.05)
        raise AssertionError("timed out waiting for " + what)

    def key(self, key, code, text=None, vk=0):
        for kind in ("keyDown", "keyUp"):
            p = {"type": kind, "key": key, "code": code,
                 "windowsVirtualKeyCode": vk}
            if text and kind == "keyDown":
                p["text"] = text
            self.call("Input.dispatchKeyEvent", p)

    def click(self, selector):
        box = self.js(f"(() => {{ const r = document.querySelector("
                      f"{json.dumps(selector)}).getBoundingClientRect(); "
                      f"return [r.x + r.width / 2, r.y + r.height / 2]; }})()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent",
                      {"type": kind, "x": box[0], "y": box[1],
                       "button": "left", "clickCount": 1})

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close", session=False)
        except AssertionError:
            pass
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Page(unittest.TestCase):
    def setUp(self):
        self.chromium = shutil.which("chromium")
        if not self.chromium:
            self.skipTest("chromium (Debian package chromium) is missing")
        self.d = Daemon(files=FILES, tokens=False).start()
        self.profile = tempfile.mkdtemp(prefix="nsearch-chromium-")
        self.logdir = os.path.join(os.path.dirname(os.path.dirname(
            os.environ["NSEARCHD"])), "meson-logs")
        os.makedirs(self.logdir, exist_ok=True)
        self.b = CDP(self.chromium, self.profile)
        target = self.b.call("Target.createTarget",
                             {"url": f"http://127.0.0.1:{self.d.port}/"})
        self.b.session = self.b.call(
            "Target.attachToTarget", {"targetId": target["targetId"],
                                      "flatten": True})["sessionId"]
        self.b.call("Page.enable")
        self.b.wait("document.readyState === 'complete' && "
                    "!!document.getElementById('q')", "the page")

    def tearDown(self):
        self.b.close()
        shutil.rmtree(self.profile, ignore_errors=True)
        rc = self.d.stop()
        self.d.cleanup()
        self.assertEqual(rc, 0)

    def titles(self):
        return self.b.js("[...document.querySelectorAll('.hit h3')]"
                         ".map(e => e.textContent)")

    def test_search_suggest_facet(self):
        b = self.b
        b.click("#q")
        b.call("Input.insertText", {"text": "tram"})
        b.wait("document.querySelectorAll('#suggest li').length > 0",
               "suggestions while typing")
        sugg = b.js("[...document.querySelectorAll('#suggest li')]"
                    ".map(e => e.textContent)")
        self.assertIn("Council backs the tram extension", sugg)
        b.call("Input.insertText", {"text": " council"})
        time.sleep(0.3)
        b.js("document.querySelector('#suggest').replaceChildren()")
        b.key("Enter", "Enter", "\r", 13)
        b.wait("document.querySelectorAll('.hit').length > 0", "results")
        # every word first; articles with some of them follow (match auto)
        self.assertEqual(self.titles()[0], "Council backs the tram extension")
        # highlighted snippet, date, the facets of the results
        self.assertIn("<b>", b.js("document.querySelector('.snippet')"
                                  ".innerHTML"))
        self.assertIn("2025-03-01", b.js("document.querySelector('.meta')"
                                         ".textContent"))
        # a broader query, then a facet click narrows it
        b.js("document.getElementById('q').value = ''")
        b.click("#q")
        b.call("Input.insertText", {"text": "council"})
        b.wait("document.querySelectorAll('#suggest li').length > 0",
               "suggestions")
        # half a word: the indexed words it begins are offered first
        b.js("document.getElementById('q').value = ''")
        b.call("Input.insertText", {"text": "counc"})
        b.wait("[...document.querySelectorAll('#suggest li')]"
               ".some(e => e.textContent === 'council')",
               "the word completed")
        b.call("Input.insertText", {"text": "il"})
        b.wait("document.getElementById('q').value === 'council' && "
               "document.querySelectorAll('#suggest li').length > 0",
               "suggestions for the whole word")
        # Escape closes the suggestions and keeps what was typed
        b.key("Escape", "Escape", None, 27)
        self.assertEqual(b.js("document.querySelectorAll('#suggest li')"
                              ".length"), 0)
        self.assertEqual(b.js("document.getElementById('q').value"),
                         "council")
        b.key("Enter", "Enter", "\r", 13)
        b.wait("document.querySelectorAll('.hit').length === 3", "3 results")
        b.screenshot(os.path.join(self.logdir, "page-results.png"))
        b.click("#facets button[data-facet=section][data-value=sport]")
        b.wait("document.querySelectorAll('.hit').length === 1",
               "the facet's results")
        self.assertEqual(self.titles(), ["Tramway fun run draws thousands"])
        self.assertEqual(b.js("document.querySelector('#facets "
                              "button[aria-pressed=true]').dataset.value"),
                         "sport")
        b.screenshot(os.path.join(self.logdir, "page-facet.png"))
        # "similar" lists other articles
        b.click(".hit .similar")
        b.wait("document.getElementById('summary').textContent"
               ".startsWith('Articles similar')", "similar articles")
        self.assertNotIn("Tramway fun run draws thousands", self.titles())

    def test_phone_width(self):
        b = self.b
        b.call("Emulation.setDeviceMetricsOverride",
               {"width": 390, "height": 844, "deviceScaleFactor": 2,
                "mobile": True})
        b.js("document.getElementById('q').value = 'council'; "
             "document.getElementById('form').requestSubmit()")
        b.wait("document.querySelectorAll('.hit').length === 3", "results")
        self.assertLessEqual(b.js("document.documentElement.scrollWidth"),
                             390)
        b.screenshot(os.path.join(self.logdir, "page-phone.png"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
