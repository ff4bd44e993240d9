"""The speaker page in a real browser: a guest opens the link the moderators
gave them on a phone-sized page, sees only the questions assigned to them
and marks what they answer; a viewer on a real socket sees each change. A
tampered link, a link without its fragment and a link from before a key
rotation get their messages. Everything goes through a real ``live serve``
process; nothing is mocked.

Drives Debian's chromium through pip's playwright (never `playwright
install`); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from embed_support import ROOT, SHOTS, browser, live_lecture, new_page, talk, ws_url  # noqa: F401

pytestmark = pytest.mark.e2e

SPEAKERS = [{"name": "陈亮", "title": "全国劳动模范候选人、“全国十佳最美职工”"},
            {"name": "唐忠宝", "title": "江南大学马克思主义学院教授"}]
Q_CHEN = "陈亮师傅，您带徒弟的时候，最看重他们身上的哪一点？"
Q_TANG = "唐教授，怎样才能在青年人中间讲好劳模故事？"
Q_MORE = [("梁溪职工", "一线工人平时工作很忙，怎样挤出时间钻研技术？", 3),
          ("新吴青年", "您当年遇到过最难攻克的技术难题是什么？后来是怎么解决的？", 5)]


def _in_thread(make: Callable[[], Any]) -> Any:
    """Run a coroutine in its own event loop on another thread (playwright's
    sync API owns this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, make()).result(30)


def _speaker_links(base: str, code: str, key: str) -> dict[str, str]:
    """What the control page does: trade the moderator key for a session and read the guests' links."""
    async def go() -> dict[str, str]:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.post(f"{base}/api/v1/lectures/{code}/session", json={"key": key, "name": "主持人"}) as r:
                assert r.status == 201, await r.text()
                assert "HttpOnly" in r.headers["Set-Cookie"]
                body = await r.json()
        assert body["role"] == "moderator"
        return {link["name"]: link["url"] for link in body["speaker_links"]}

    return _in_thread(go)


class Viewer:
    """A viewer on a real WebSocket, kept open to watch the question events."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        assert json.loads(self.ws.recv(timeout=10))["type"] == "welcome"
        self.n = 0

    def ask(self, text: str, nickname: str) -> str:
        self.n += 1
        mid = f"spk-test-{self.n}"
        self.ws.send(json.dumps({"type": "question", "id": mid, "text": text, "nickname": nickname, "anonymous": False}))
        while True:
            frame = json.loads(self.ws.recv(timeout=10))
            if frame["type"] == "ack" and frame["id"] == mid:
                assert frame["ok"], frame
                return frame["ref"]

    def wait_question(self, qid: str, state: str, timeout: float = 10) -> dict[str, Any]:
        """The question.updated event that puts ``qid`` in ``state``."""
        deadline = time.monotonic() + timeout
        while True:
            frame = json.loads(self.ws.recv(timeout=max(0.05, deadline - time.monotonic())))
            for ev in frame.get("events", []) if frame["type"] == "events" else []:
                if ev["kind"] == "question.updated" and ev["data"]["id"] == qid and ev["data"]["state"] == state:
                    return ev["data"]


def _question(live_server: Any, code: str, qid: str) -> dict[str, Any]:
    listed = live_server.call("GET", f"/api/v1/lectures/{code}/questions")["questions"]
    return next(q for q in listed if q["id"] == qid)


def _phone(browser: Any) -> Any:
    return new_page(browser, width=390, height=844, scale=2, is_mobile=True, has_touch=True)


def test_a_guest_marks_their_own_questions_from_the_link(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    from websockets.sync.client import connect

    lecture = live_lecture(live_server, speakers=SPEAKERS)
    with connect(ws_url(live_server, lecture["code"]), open_timeout=10) as ws:
        _run(live_server, browser, lecture, Viewer(ws), expect)


def _run(live_server: Any, browser: Any, lecture: dict[str, Any], viewer: Viewer, expect: Any) -> None:
    code = lecture["code"]
    q_chen = viewer.ask(Q_CHEN, "一线技工")
    q_tang = viewer.ask(Q_TANG, "团员小周")
    live_server.moderate(code, f"questions/{q_chen}", {"speaker": "陈亮"})
    live_server.moderate(code, f"questions/{q_tang}", {"speaker": "唐忠宝"})

    links = _speaker_links(live_server.url, code, lecture["moderator_key"])
    assert set(links) == {"陈亮", "唐忠宝"}
    link = links["陈亮"]
    parts = urlsplit(link)
    assert parts.path == f"/l/{code}/speaker"
    token = parse_qs(parts.fragment)["t"][0]

    # The page is one shell for everyone: no token in it, never cached, framed, indexed or referred.
    with urllib.request.urlopen(f"{live_server.url}/l/{code}/speaker", timeout=10) as r:
        html = r.read().decode()
        assert r.headers["Cache-Control"] == "no-store"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert "noindex" in r.headers["X-Robots-Tag"]
    assert token not in html and 'name="robots" content="noindex' in html

    # ---- the guest opens their link on a phone -----------------------------------
    page = _phone(browser)
    page.goto(link)
    expect(page.locator("#me-hello")).to_have_text("陈亮，您好")
    href = page.evaluate("location.href")
    assert "#" not in href and token not in href and "name=" not in href, href
    assert href == f"{live_server.url}/l/{code}/speaker"
    page.wait_for_selector("#conn[data-state=open]")
    expect(page.locator("#lecture-title")).to_have_text(lecture["title"])
    mine = page.locator("#mine-list .sq")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(Q_CHEN)
    expect(mine.locator(".sq-asker")).to_have_text("提问人：一线技工")
    expect(page.get_by_text(Q_TANG)).to_have_count(0)  # the other guest's question is nowhere
    expect(page.locator("#now")).to_have_attribute("data-state", "none")
    assert token not in page.content()

    # Thumb-sized buttons on a 390 px wide page, nothing wider than the screen.
    answer = mine.get_by_role("button", name="现在回答")
    box = answer.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 120, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # "现在回答": a viewer sees the question being answered by this guest.
    answer.tap()
    data = viewer.wait_question(q_chen, "answering")
    assert data["speaker"] == "陈亮"
    now = page.locator("#now-list .sq")
    expect(now).to_contain_text(Q_CHEN)
    expect(page.locator("#now")).to_have_attribute("data-state", "mine")
    expect(page.locator("#now-label")).to_have_text("您正在回答")
    expect(mine).to_have_count(0)
    expect(page.locator("#note")).to_have_text("已告诉观众：您正在回答这个问题")

    # "已回答": answered, folded away under its own heading.
    now.get_by_role("button", name="已回答").tap()
    viewer.wait_question(q_chen, "answered")
    expect(page.locator("#now")).to_have_attribute("data-state", "none")
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#done-label")).to_have_text("已回答（1）")
    expect(page.locator("#done-list .sq")).to_be_hidden()
    expect(page.locator("#mine-empty")).to_have_text("分配给您的问题都回答完了。")
    assert _question(live_server, code, q_chen)["state"] == "answered"

    # ---- assignments and the other guest's answer arrive live ------------------------
    more = []
    for nickname, text, votes in Q_MORE:
        # Other viewers ask these (one viewer may ask only so fast).
        ref = talk(ws_url(live_server, code), {"type": "question", "text": text, "nickname": nickname,
                                               "anonymous": False})[0]["ref"]
        for _ in range(votes):
            talk(ws_url(live_server, code), {"type": "vote", "question": ref, "up": True})
        more.append(ref)
    for ref in more:
        live_server.moderate(code, f"questions/{ref}", {"speaker": "陈亮"})
    live_server.moderate(code, f"questions/{q_tang}", {"state": "answering"})
    expect(mine).to_have_count(2)
    expect(mine.nth(0)).to_contain_text(Q_MORE[1][1])  # most votes first
    expect(mine.nth(0).locator(".sq-votes-n")).to_have_text("5")
    expect(mine.nth(1)).to_contain_text(Q_MORE[0][1])
    expect(page.locator("#mine-count")).to_have_text("2")
    expect(page.locator("#now")).to_have_attribute("data-state", "other")
    expect(page.locator("#now-list .sq")).to_contain_text(Q_TANG)
    expect(page.locator("#now-list .sq-by")).to_have_text("唐忠宝 正在回答")
    expect(page.locator("#now-list button")).to_have_count(0)  # not this guest's to mark

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(3500)  # let the note fade
    page.screenshot(path=str(SHOTS / "speaker.png"))

    # Starting an answer while the other guest answers asks first; cancelling changes nothing.
    mine.nth(0).get_by_role("button", name="现在回答").tap()
    dialog = page.locator("#takeover")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("唐忠宝 正在回答另一个问题")
    page.locator("#takeover-cancel").tap()
    expect(dialog).to_be_hidden()
    assert _question(live_server, code, more[1])["state"] == "approved"
    assert _question(live_server, code, q_tang)["state"] == "answering"

    # A question given to someone else leaves the list.
    live_server.moderate(code, f"questions/{more[0]}", {"speaker": "唐忠宝"})
    expect(mine).to_have_count(1)
    expect(page.get_by_text(Q_MORE[0][1])).to_have_count(0)

    # ---- links that do not work --------------------------------------------------------
    bad = _phone(browser)
    bad.goto(link.replace(f"t={token}", f"t={token[:-4]}{'0000' if token[-4:] != '0000' else '1111'}"))
    alert = bad.locator("#alert")
    expect(alert).to_have_attribute("data-reason", "invalid")
    expect(alert).to_contain_text("此链接已失效")
    expect(bad.locator("#main")).to_be_hidden()
    assert "#" not in bad.evaluate("location.href")

    bad_en = _phone(browser)
    bad_en.goto(link.replace("/speaker#", "/speaker?lang=en#").replace(f"t={token}", "t=forged"))
    expect(bad_en.locator("#alert-title")).to_have_text("This link is no longer valid")
    expect(bad_en.locator("html")).to_have_attribute("lang", "en")

    bare = _phone(browser)
    bare.goto(f"{live_server.url}/l/{code}/speaker")
    expect(bare.locator("#alert")).to_have_attribute("data-reason", "nolink")
    expect(bare.locator("#alert-title")).to_have_text("请打开主持人发给您的链接")

    # A reload keeps the session (the cookie); the link is not needed again.
    page.reload()
    expect(page.locator("#me-hello")).to_have_text("陈亮，您好")
    expect(mine).to_have_count(1)

    # ---- the moderators replace the key: the link and the session end --------------------
    live_server.call("POST", f"/api/v1/lectures/{code}/moderator-key")
    mine.nth(0).get_by_role("button", name="已回答").tap()
    ended = page.locator("#alert")
    expect(ended).to_have_attribute("data-reason", "ended")
    expect(ended).to_be_visible()
    expect(ended).to_contain_text("链接已失效")
    expect(page.locator("#main button.sbtn")).to_have_count(0)
    expect(mine).to_have_count(1)  # the questions stay in view
    assert _question(live_server, code, more[1])["state"] == "approved"

    old = _phone(browser)
    old.goto(link)
    expect(old.locator("#alert")).to_have_attribute("data-reason", "invalid")

    for p in (page, bad, bad_en, bare, old):
        assert p.errors == [], p.errors


def test_every_string_the_speaker_page_uses_exists_in_both_languages() -> None:
    from live import i18n

    keys = set(re.findall(r"\bt\.(\w+)", (ROOT / "templates" / "speaker.html").read_text()))
    js = (ROOT / "static" / "js" / "speaker.js").read_text()
    keys |= set(re.findall(r"\bt\('(\w+)'", js)) | set(re.findall(r"'(spk_\w+)'", js))
    assert {"spk_answer_now", "spk_mark_done", "spk_put_back", "spk_invalid_title", "spk_ended_title"} <= keys
    for lang in ("zh-CN", "en"):
        missing = keys - set(i18n.catalogue(lang))
        assert not missing, (lang, missing)
