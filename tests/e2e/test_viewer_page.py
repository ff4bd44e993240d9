"""The viewer page in a real browser: two viewers, one on a phone-sized
page and one on a desktop-sized page, talk to each other through a real
``live serve`` process; a moderator hides a comment from both.

Drives Debian's chromium through pip's playwright (never `playwright
install`); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

pytestmark = pytest.mark.e2e

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

COMMENT = "为劳模点赞，为工匠喝彩！"
QUESTION = "企业在培养工匠人才方面，有哪些激励机制？"


def _talk(ws_url: str, *messages: dict[str, Any]) -> list[dict[str, Any]]:
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


def _seed(live_server: Any, code: str) -> None:
    """Some history from other viewers, so the wall looks like a real one."""
    ws_url = live_server.url.replace("http", "ws", 1) + f"/ws/{code}"
    refs = []
    for nickname, text in SEED_COMMENTS:
        refs.append(_talk(ws_url, {"type": "comment", "text": text, "nickname": nickname})[0]["ref"])
    live_server.moderate(code, f"comments/{refs[2]}/feature")
    for nickname, text, votes in SEED_QUESTIONS:
        ref = _talk(ws_url, {"type": "question", "text": text, "nickname": nickname, "anonymous": False})[0]["ref"]
        for _ in range(votes):
            _talk(ws_url, {"type": "vote", "question": ref, "up": True})
        if votes == 2:
            live_server.moderate(code, f"questions/{ref}", {"state": "answering", "speaker": "陈亮"})
    _talk(ws_url, {"type": "like", "count": 100}, {"type": "like", "count": 100})


@pytest.fixture
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if not executable:
        pytest.fail("chromium is not installed (apt-get install chromium); the browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser: Any, url: str, *, phone: bool) -> Any:
    context = browser.new_context(
        viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 800},
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        color_scheme="light",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.wait_for_selector("#conn[data-state=open]")
    return page


def _count(page: Any, selector: str) -> int:
    text = page.locator(selector).inner_text().strip()
    return int(text) if text.isdigit() else -1


def test_two_viewers_talk_through_the_page(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_server.create_lecture(
        title="“劳模精神”大家谈",
        description="无锡“新时代·新思想·新宣讲”五一特辑。以“弘扬新时代劳模精神、劳动精神、工匠精神”为主题，四位嘉宾畅谈自己的思考和观点。",
        speakers=SPEAKERS,
        starts_at="2026-04-21T19:00:00+08:00",
    )
    code = lecture["code"]
    assert "moderator_key" in lecture
    live_server.call("POST", f"/api/v1/lectures/{code}/status", {"status": "live"})
    _seed(live_server, code)

    url = f"{live_server.url}/l/{code}?lang=zh-CN"
    phone = _open(browser, url, phone=True)
    desk = _open(browser, url, phone=False)

    for page in (phone, desk):
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(page.locator("#status")).to_have_text("直播中")
        expect(page.locator("#lecture-title")).to_have_text("“劳模精神”大家谈")
        expect(page.locator("#speakers .speaker")).to_have_count(4)
        expect(page.locator("#wall .cmt")).to_have_count(len(SEED_COMMENTS))
        expect(page.locator("#wall .cmt.is-featured")).to_have_count(1)
        expect(page.locator("#wall")).to_have_attribute("role", "log")

    # The phone posts a comment; the first post asks for a nickname once.
    phone.fill("#comment-input", COMMENT)
    expect(phone.locator("#comment-counter")).to_have_text(f"{len(COMMENT)}/300")
    phone.click("#comment-send")
    expect(phone.locator("#nick-dialog")).to_be_visible()
    phone.fill("#nick-input", "小海")
    phone.click("#nick-ok")
    mine = phone.locator("#wall .cmt", has_text=COMMENT)
    expect(mine).to_have_count(1)
    expect(mine.locator(".tag-mine")).to_have_text("我")
    expect(phone.locator("#comment-input")).to_have_value("")
    theirs = desk.locator("#wall .cmt", has_text=COMMENT)
    expect(theirs).to_have_count(1)
    expect(theirs.locator(".cmt-name")).to_have_text("小海")
    expect(theirs.locator(".tag-mine")).to_have_count(0)

    # The desktop viewer asks a question; the phone upvotes it.
    desk.click("#tab-questions")
    expect(desk.locator("#q-list .q")).to_have_count(len(SEED_QUESTIONS))
    expect(desk.locator("#q-list .q").first).to_contain_text("正在回答")
    desk.fill("#ask-input", QUESTION)
    desk.click("#ask-send")
    expect(desk.locator("#nick-dialog")).to_be_visible()
    desk.fill("#nick-input", "梁溪小李")
    desk.click("#nick-ok")
    asked = desk.locator("#q-list .q", has_text=QUESTION)
    expect(asked).to_have_count(1)
    expect(asked.locator(".vote-n")).to_have_text("0")

    phone.click("#tab-questions")
    seen = phone.locator("#q-list .q", has_text=QUESTION)
    expect(seen).to_have_count(1)
    seen.locator(".vote").click()
    expect(seen.locator(".vote")).to_have_attribute("aria-pressed", "true")
    expect(seen.locator(".vote-n")).to_have_text("1")
    expect(asked.locator(".vote-n")).to_have_text("1")
    expect(asked.locator(".vote")).to_have_attribute("aria-pressed", "false")
    # Votes order the list: the answering one stays pinned on top.
    expect(phone.locator("#q-list .q").first).to_contain_text("正在回答")

    # A like on the phone moves the count on the desktop.
    phone.click("#tab-comments")
    desk.click("#tab-comments")
    expect(desk.locator("#like-n")).to_have_text(re.compile(r"^\d+$"))
    before = _count(desk, "#like-n")
    assert before >= 200
    for _ in range(3):
        phone.click("#like-btn")
    expect(phone.locator("#like-n")).to_have_text(str(before + 3))
    expect(desk.locator("#like-n")).to_have_text(str(before + 3))

    # The moderator hides the phone's comment: it leaves both walls.
    comment_id = mine.get_attribute("data-id")
    assert comment_id and comment_id.startswith("c")
    live_server.moderate(code, f"comments/{comment_id}/hide")
    expect(phone.locator("#wall .cmt", has_text=COMMENT)).to_have_count(0)
    expect(desk.locator("#wall .cmt", has_text=COMMENT)).to_have_count(0)
    expect(desk.locator("#wall .cmt")).to_have_count(len(SEED_COMMENTS))

    # Online and visit counters are shown in the header.
    expect(desk.locator("#stat-online .stat-n")).to_have_text(re.compile(r"^\d+$"))
    expect(desk.locator("#stat-visits .stat-n")).to_have_text(re.compile(r"^\d+$"))

    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.wait_for_timeout(2000)  # let the floating hearts and notes fade
    phone.screenshot(path=str(SHOTS / "viewer-phone.png"))
    desk.screenshot(path=str(SHOTS / "viewer-desktop.png"))
    phone.click("#tab-questions")
    phone.wait_for_timeout(400)
    phone.screenshot(path=str(SHOTS / "viewer-phone-questions.png"))

    assert phone.errors == [] and desk.errors == [], (phone.errors, desk.errors)
