"""Unit tests of the shared client library (static/js/lib/live.js), run in a
real Chromium against a scripted fake WebSocket (live_client_test.js): snapshot
and event application, seq de-duplication, resume parameters, re-sending
unacked messages with the same id, like batching, votes, backoff states.

No live server: a tiny HTTP server serves the library and the test script.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from typing import Iterator

import pytest
from embed_support import launch

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PAGE = b'<!doctype html><meta charset="utf-8"><title>live.js</title><script type="module" src="/test.js"></script>'


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/":
            body, kind = PAGE, "text/html"
        elif self.path == "/test.js":
            body, kind = (HERE / "live_client_test.js").read_bytes(), "text/javascript"
        elif self.path.startswith("/static/") and ".." not in self.path:
            path = ROOT / self.path.lstrip("/").split("?")[0]
            if not path.is_file():
                self.send_error(404)
                return
            body, kind = path.read_bytes(), "text/javascript" if path.suffix == ".js" else "text/plain"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind + "; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def static_server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_client_library(static_server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(static_server + "/")
            page.wait_for_function("window.result !== undefined", timeout=30_000)
            result = page.evaluate("window.result")
        finally:
            browser.close()
    assert result == "ok", result
    assert errors == []
