"""The match summary in a real browser: headless Chromium driven over the DevTools protocol.

Nothing is downloaded: the test uses the system ``chromium`` (Debian package) and talks to it
through a minimal WebSocket client written on the standard library. For each page it checks the
key content is visible, the inline stylesheet was allowed by the page's CSP (the styles apply),
no console error, exception or dialog occurred, and the print-to-PDF page count. Screenshots and
PDFs go to ``test-artifacts/`` (gitignored) for review.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from matcher.render.html import render_html
from tests import render_fixtures as fx

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
SAMPLES = ROOT / "vcf_samples"
CHROMIUM = next((p for p in (os.environ.get("MATCHER_CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser"), shutil.which("google-chrome"))
                 if p), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars"]
A4 = (8.27, 11.69)
LETTER = (8.5, 11.0)


# ----------------------------------------------------------------------------- a tiny CDP client
class CDP:
    """Just enough RFC 6455 (client, text frames) to speak the Chrome DevTools protocol."""

    def __init__(self, ws_url: str, timeout: float = 30.0) -> None:
        m = re.fullmatch(r"ws://([^/:]+):(\d+)(/.*)", ws_url)
        assert m, ws_url
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the connection during the handshake")
            head += chunk
        header, self.buffer = head.split(b"\r\n\r\n", 1)
        assert b" 101 " in header.split(b"\r\n", 1)[0], header
        self.next_id = 0
        self.events: list[dict] = []

    def close(self) -> None:
        self.sock.close()

    def _recv_exact(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise ConnectionError("DevTools connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _recv_message(self) -> dict:
        parts = []
        while True:
            b0, b1 = self._recv_exact(2)
            length = b1 & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._recv_exact(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._recv_exact(8))[0]
            mask = self._recv_exact(4) if b1 & 0x80 else None
            payload = self._recv_exact(length)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            opcode = b0 & 0x0F
            if opcode == 8:
                raise ConnectionError("DevTools sent close")
            if opcode in (9, 10):  # ping/pong: Chromium does not need an answer here
                continue
            parts.append(payload)
            if b0 & 0x80:
                return json.loads(b"".join(parts))

    def _send(self, text: str) -> None:
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            head = struct.pack(">BB", 0x81, 0x80 | n)
        elif n < 65536:
            head = struct.pack(">BBH", 0x81, 0x80 | 126, n)
        else:
            head = struct.pack(">BBQ", 0x81, 0x80 | 127, n)
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        mid = self.next_id
        self._send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = self._recv_message()
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 20.0) -> dict:
        end = time.monotonic() + timeout
        for i, msg in enumerate(self.events):
            if msg["method"] == event:
                return self.events.pop(i)
        while time.monotonic() < end:
            msg = self._recv_message()
            if msg.get("method") == event:
                return msg
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(event)


class Browser:
    """One headless Chromium with a fresh profile; ``page()`` opens a DevTools session."""

    def __init__(self, executable: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="matcher-chromium-")
        self.proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
             "--remote-debugging-address=127.0.0.1", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        end = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.monotonic() > end:
                self.close()
                raise RuntimeError("chromium did not start its DevTools server")
            time.sleep(0.1)
        self.port = int(port_file.read_text().split()[0])

    def page(self) -> CDP:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("PUT", "/json/new?about:blank")
        target = json.loads(conn.getresponse().read())
        conn.close()
        cdp = CDP(target["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log"):
            cdp.call(f"{domain}.enable")
        return cdp

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    b = Browser(CHROMIUM)
    yield b
    b.close()


# ----------------------------------------------------------------------------- the pages
def _engine_result(name: str):
    from matcher.kb.loader import load_kb
    from matcher.pipeline import run

    data = (SAMPLES / f"{name}.json").read_bytes()
    return run(data, kb=load_kb(), filename=f"{name}.json")[0]


PAGES = {
    "fixture-atc-braf": (lambda: fx.ATC_BRAF, ["dabrafenib + trametinib", "NCT02034110",
                                               "TP53 R248Q", "PIK3CA E545K"]),
    "fixture-tsc2-mtor": (lambda: fx.TSC2_MTOR, ["everolimus", "MTOR F2108L", "Resistance"]),
    "fixture-empty": (lambda: fx.EMPTY, ["No call in this report was assessed: it lists none."]),
    "sample-atc-braf-v600e": (lambda: _engine_result("atc_braf_v600e"),
                              ["dabrafenib + trametinib", "BRAF V600E", "NCT02034110"]),
    "sample-atc-tsc2-mtor": (lambda: _engine_result("atc_tsc2_mtor"),
                             ["everolimus", "TSC2"]),
}
COMMON = ["Targeted therapy match summary", "Therapy options", "Clinical trials",
          "Alterations without targeted therapy", "Filtered or unassessable calls", "Warnings",
          "Decision support for a qualified clinician"]


def _load(cdp: CDP, name: str, html: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    cdp.events.clear()
    cdp.call("Emulation.setDeviceMetricsOverride", width=1100, height=900,
             deviceScaleFactor=1, mobile=False)
    cdp.call("Page.navigate", url=path.as_uri())
    cdp.wait_for("Page.loadEventFired")
    return path


def _problems(cdp: CDP) -> list[str]:
    """Console errors/warnings, exceptions, log errors (CSP violations) and dialogs so far."""
    cdp.call("Runtime.evaluate", expression="1")  # flush pending events
    out = []
    for e in cdp.events:
        p = e.get("params", {})
        if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning",
                                                                            "assert"):
            out.append(f"console {p['type']}: {p.get('args')}")
        elif e["method"] == "Runtime.exceptionThrown":
            out.append(f"exception: {p.get('exceptionDetails')}")
        elif e["method"] == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
            out.append(f"log {p['entry']['level']}: {p['entry'].get('text')}")
        elif e["method"] == "Page.javascriptDialogOpening":
            out.append(f"dialog: {p.get('message')}")
    return out


def _eval(cdp: CDP, js: str):
    res = cdp.call("Runtime.evaluate", expression=js, returnByValue=True)
    assert "exceptionDetails" not in res, res
    return res["result"].get("value")


def _pdf_pages(cdp: CDP, name: str, size: tuple[float, float], label: str) -> int:
    pdf = base64.b64decode(cdp.call(
        "Page.printToPDF", paperWidth=size[0], paperHeight=size[1], printBackground=True,
        marginTop=0, marginBottom=0, marginLeft=0, marginRight=0,
        displayHeaderFooter=False)["data"])
    (ARTIFACTS / f"{name}-{label}.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def _screenshot(cdp: CDP, name: str) -> None:
    height = _eval(cdp, "Math.ceil(document.documentElement.scrollHeight)")
    cdp.call("Emulation.setDeviceMetricsOverride", width=1100, height=min(int(height), 6000),
             deviceScaleFactor=1, mobile=False)
    png = base64.b64decode(cdp.call("Page.captureScreenshot", format="png")["data"])
    (ARTIFACTS / f"{name}.png").write_bytes(png)


# Every word of every drug name (split at spaces and hyphens, where a line may break) must lie on
# one line: one client rectangle per word.
_SPLIT_WORDS = """[...document.querySelectorAll('.therapy')].flatMap(el => {
    const node = el.firstChild; if (!node || node.nodeType !== 3) return [];
    const out = []; const re = /[^\\s-]+/g; let m;
    while ((m = re.exec(node.data))) {
        const r = document.createRange(); r.setStart(node, m.index);
        r.setEnd(node, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
        if (tops.size > 1) out.push(m[0]);
    }
    return out; })"""


def _check_phone(cdp: CDP, name: str) -> None:
    """At a phone's width (360 CSS px): no sideways scrolling and no drug name split mid-word."""
    cdp.call("Emulation.setDeviceMetricsOverride", width=360, height=740, deviceScaleFactor=2,
             mobile=True)
    try:
        assert _eval(cdp, "document.documentElement.clientWidth") == 360
        assert _eval(cdp, "document.querySelectorAll('.therapy').length") > 0 or name.endswith(
            "empty")
        assert _eval(cdp, _SPLIT_WORDS) == [], name
        assert _eval(cdp, "document.documentElement.scrollWidth") <= 360, name
        png = base64.b64decode(cdp.call("Page.captureScreenshot", format="png")["data"])
        (ARTIFACTS / f"{name}-phone.png").write_bytes(png)
    finally:
        cdp.call("Emulation.setDeviceMetricsOverride", width=1100, height=900,
                 deviceScaleFactor=1, mobile=False)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_in_chromium(browser: Browser, name: str) -> None:
    make, expected = PAGES[name]
    cdp = browser.page()
    try:
        _load(cdp, name, render_html(make()))
        text = _eval(cdp, "document.body.innerText")
        for s in COMMON + expected:
            assert s in text, s
        # Key content is rendered with a box, not hidden.
        visible = _eval(cdp, """[...document.querySelectorAll('h1, h2, table, .notice')]
            .every(e => e.getBoundingClientRect().height > 0
                        && getComputedStyle(e).visibility === 'visible')""")
        assert visible
        # The stylesheet applied, so the CSP hash in the page matched it.
        assert _eval(cdp, "getComputedStyle(document.querySelector('h1')).color") \
            == "rgb(23, 69, 110)"
        assert _eval(cdp, "document.title") == "Targeted therapy match summary"
        _screenshot(cdp, name)
        assert _problems(cdp) == []
        _check_phone(cdp, name)
        a4 = _pdf_pages(cdp, name, A4, "a4")
        letter = _pdf_pages(cdp, name, LETTER, "letter")
        assert 1 <= a4 <= 2, f"{name}: {a4} A4 pages"
        assert 1 <= letter <= 2, f"{name}: {letter} Letter pages"
    finally:
        cdp.close()


def test_hostile_report_executes_nothing(browser: Browser) -> None:
    cdp = browser.page()
    try:
        _load(cdp, "fixture-hostile", render_html(fx.hostile()))
        assert _eval(cdp, "document.querySelectorAll('script, img, iframe, object').length") == 0
        assert _eval(cdp, "[...document.querySelectorAll('*')].some("
                          "e => [...e.attributes].some(a => a.name.startsWith('on')))") is False
        hrefs = _eval(cdp, "[...document.links].map(a => a.href)")
        assert all(h.startswith("https://") or "#" in h for h in hrefs), hrefs
        # The markup is shown as text.
        assert fx.SCRIPT in _eval(cdp, "document.body.innerText")
        _screenshot(cdp, "fixture-hostile")
        assert not any(e["method"] == "Page.javascriptDialogOpening" for e in cdp.events)
        assert _problems(cdp) == []
        # Escaping alone, without the CSP as a second line of defence, still runs nothing.
        bare = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "",
                      render_html(fx.hostile()))
        assert "Content-Security-Policy" not in bare
        _load(cdp, "fixture-hostile-no-csp", bare)
        assert _eval(cdp, "document.querySelectorAll('script, img').length") == 0
        assert _problems(cdp) == []
    finally:
        cdp.close()
