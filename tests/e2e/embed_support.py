"""What the browser tests share: Debian's chromium through pip's
playwright, a second web server on another origin to play the embedding
site, and some history for a lecture so pages look like a real one."""

from __future__ import annotations

import json
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
TIMEOUT = 10_000  # ms, for anything that crosses the server

SPEAKERS = [
    {"name": "陈亮", "title": "全国劳动模范候选人、“全国十佳最美职工”"},
    {"name": "李建忠", "title": "无锡国联发展集团人力资源总经理"},
    {"name": "唐忠宝", "title": "江南大学马克思主义学院教授"},
    {"name": "张鸣年", "title": "中共无锡市委党校教授"},
]
DESCRIPTION = ("无锡“新时代·新思想·新宣讲”五一特辑。以“弘扬新时代劳模精神、劳动精神、工匠精神”为主题，"
               "四位嘉宾畅谈自己的思考和观点。")
SEED_COMMENTS = [
    ("无锡新歌", "防控疫情，使我们回归美好的生活。复工复产复学，回归常态指日可待。"),
    ("晨", "疫情来到时我们团结一心，伸出援手。复工复产，我们同样会团结拼搏。"),
    ("海棠无常", "中国加油，没有什么是我们战胜不了的！"),
    ("我爱紫水晶", "战疫开工的号令响起，我们已全部就位。这一刻，我们斗志昂扬！"),
    ("相忘于江湖", "听党话、跟党走，岗位建功、技能报国，越是艰难越向前！"),
]
SEED_QUESTIONS = [
    ("一线技工", "陈亮师傅，一线工人怎样才能像您一样，从普通操作工成长为技术骨干？", 4),
    ("梁溪职工", "新时代产业工人队伍建设改革，对我们普通职工意味着什么？", 2),
]


def launch(playwright: Any) -> Any:
    executable = shutil.which("chromium")
    if not executable:
        pytest.fail("chromium is not installed (apt-get install chromium); the browser tests need it")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        try:
            yield b
        finally:
            b.close()


def new_page(browser: Any, *, width: int = 1280, height: int = 900, scale: float = 1, lang: str = "zh-CN",
             **context_options: Any) -> Any:
    """A page in a fresh context; ``context_options``: more for it (``is_mobile``…)."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=scale,
                                  locale=lang, timezone_id="Asia/Shanghai", color_scheme="light", **context_options)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.errors = []
    page.console = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.console.append(f"{m.type}: {m.text} ({m.location.get('url', '')})"))
    return page


@dataclass
class Host:
    """Another site, on another origin (``localhost`` and another port: a
    different site from the live server's ``127.0.0.1``, so the widget is a
    third-party frame), serving the pages put in ``pages``."""

    url: str
    pages: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return self.url


@pytest.fixture
def host() -> Iterator[Host]:
    with serve_host() as h:
        yield h


@contextmanager
def serve_host() -> Iterator[Host]:
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((body or "not found").encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Host(f"http://localhost:{server.server_address[1]}", pages)
    finally:
        server.shutdown()
        server.server_close()


def talk(ws_url: str, *messages: dict[str, Any]) -> list[dict[str, Any]]:
    """Connect as a fresh viewer, send each message, return the acks."""
    from websockets.sync.client import connect

    acks = []
    with connect(ws_url, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
        for i, message in enumerate(messages):
            ws.send(json.dumps({**message, "id": f"seed-{i}"}))
            while True:
                frame = json.loads(ws.recv(timeout=10))
                if frame["type"] == "ack" and frame["id"] == f"seed-{i}":
                    assert frame["ok"], frame
                    acks.append(frame)
                    break
    return acks


def ws_url(live_server: Any, code: str) -> str:
    return live_server.url.replace("http", "ws", 1) + f"/ws/{code}"


def seed(live_server: Any, code: str) -> dict[str, str]:
    """Comments (one featured), questions with votes (one being answered), likes.
    Returns the ids of the featured comment and of the question being answered."""
    url = ws_url(live_server, code)
    refs = [talk(url, {"type": "comment", "text": text, "nickname": nick})[0]["ref"] for nick, text in SEED_COMMENTS]
    live_server.moderate(code, f"comments/{refs[2]}/feature")
    out = {"featured": refs[2]}
    for nickname, text, votes in SEED_QUESTIONS:
        ref = talk(url, {"type": "question", "text": text, "nickname": nickname, "anonymous": False})[0]["ref"]
        for _ in range(votes):
            talk(url, {"type": "vote", "question": ref, "up": True})
        if votes == 2:
            live_server.moderate(code, f"questions/{ref}", {"state": "answering", "speaker": "陈亮"})
            out["answering"] = ref
        else:
            out["open"] = ref
    talk(url, {"type": "like", "count": 100}, {"type": "like", "count": 100})
    return out


def live_lecture(live_server: Any, **fields: Any) -> dict[str, Any]:
    fields.setdefault("title", "“劳模精神”大家谈")
    fields.setdefault("description", DESCRIPTION)
    fields.setdefault("speakers", SPEAKERS)
    fields.setdefault("starts_at", "2026-04-21T19:00:00+08:00")
    lecture = live_server.create_lecture(**fields)
    live_server.call("POST", f"/api/v1/lectures/{lecture['code']}/status", {"status": "live"})
    return lecture


def decode_qr(image: Any) -> list[str]:
    """The texts of the QR codes in a PIL image."""
    import zxingcpp

    return sorted(r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode)
