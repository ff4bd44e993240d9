"""The viewer page in a real browser: two viewers, one on a phone-sized
page and one on a desktop-sized page, talk to each other through a real
``live serve`` process; a moderator hides a comment from both.

Drives Debian's chromium through pip's playwright (never `playwright
install`); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from embed_support import SEED_COMMENTS, SEED_QUESTIONS, SHOTS, browser, live_lecture, new_page, seed, talk, ws_url  # noqa: F401

pytestmark = pytest.mark.e2e

COMMENT = "为劳模点赞，为工匠喝彩！"
QUESTION = "企业在培养工匠人才方面，有哪些激励机制？"


def _open(browser: Any, url: str, *, phone: bool) -> Any:
    if phone:
        page = new_page(browser, width=390, height=844, scale=2, is_mobile=True, has_touch=True)
    else:
        page = new_page(browser, width=1280, height=800)
    page.goto(url)
    page.wait_for_selector("#conn[data-state=open]")
    return page


def _count(page: Any, selector: str) -> int:
    text = page.locator(selector).inner_text().strip()
    return int(text) if text.isdigit() else -1


def test_two_viewers_talk_through_the_page(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    assert "moderator_key" in lecture
    seed(live_server, code)

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


def test_featured_strip_and_question_totals(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    ids = seed(live_server, code)
    url = ws_url(live_server, code)
    phone = _open(browser, f"{live_server.url}/l/{code}", phone=True)
    desk = _open(browser, f"{live_server.url}/l/{code}?lang=en", phone=False)

    # The seeded featured comment, in a strip above the wall; compact on a phone.
    strip = phone.locator("#feat")
    expect(strip).to_be_visible()
    expect(strip.locator(".feat-h")).to_have_text("精彩留言")
    expect(strip.locator(".feat-c")).to_have_count(1)
    expect(strip.locator(".feat-c")).to_contain_text(SEED_COMMENTS[2][1])
    expect(strip.locator(".feat-c b")).to_have_text(SEED_COMMENTS[2][0])
    assert strip.bounding_box()["height"] <= 100, strip.bounding_box()
    assert strip.bounding_box()["y"] < phone.locator("#wall").bounding_box()["y"]
    expect(desk.locator("#feat .feat-h")).to_have_text("Featured")

    # Unfeatured: the strip goes; a comment featured live comes in, the newest first.
    live_server.moderate(code, f"comments/{ids['featured']}/unfeature")
    expect(strip).to_be_hidden()
    expect(desk.locator("#feat")).to_be_hidden()
    refs = [talk(url, {"type": "comment", "text": text, "nickname": nick})[0]["ref"]
            for nick, text in [("小海", COMMENT), ("晨", "向一线劳动者致敬")]]
    live_server.moderate(code, f"comments/{refs[0]}/feature")
    expect(strip).to_be_visible()
    expect(strip.locator(".feat-c")).to_have_text([f"小海{COMMENT}"])
    live_server.moderate(code, f"comments/{ids['featured']}/feature")
    live_server.moderate(code, f"comments/{refs[1]}/feature")
    expect(strip.locator(".feat-c")).to_have_text(["晨向一线劳动者致敬", f"小海{COMMENT}", SEED_COMMENTS[2][0] + SEED_COMMENTS[2][1]])
    expect(desk.locator("#feat .feat-c")).to_have_count(3)
    # Hidden, it leaves the strip too; unfeatured, the last one takes the strip with it.
    live_server.moderate(code, f"comments/{refs[1]}/hide")
    live_server.moderate(code, f"comments/{ids['featured']}/unfeature")
    expect(strip.locator(".feat-c")).to_have_count(1)
    live_server.moderate(code, f"comments/{refs[0]}/unfeature")
    expect(strip).to_be_hidden()
    expect(desk.locator("#feat")).to_be_hidden()

    # The totals under the questions: answered live (no written answer) and in writing.
    phone.click("#tab-questions")
    desk.click("#tab-questions")
    totals = phone.locator("#q-totals")
    expect(totals).to_be_visible()
    expect(totals).to_have_text("已收到 2 个问题")
    assert totals.bounding_box()["y"] > phone.locator("#q-list .q").last.bounding_box()["y"]
    live_server.moderate(code, f"questions/{ids['answering']}", {"state": "answered"})
    expect(totals).to_have_text("已收到 2 个问题 · 现场回答 1 个")
    live_server.moderate(code, f"questions/{ids['open']}", {"state": "answered", "answer": "多学多练，勤学苦练。"})
    expect(totals).to_have_text("已收到 2 个问题 · 现场回答 1 个 · 书面回答 1 个")
    talk(url, {"type": "question", "text": QUESTION, "nickname": "梁溪小李", "anonymous": False})
    expect(totals).to_have_text("已收到 3 个问题 · 现场回答 1 个 · 书面回答 1 个")
    expect(desk.locator("#q-totals")).to_have_text("Questions received: 3 · 1 answered live · 1 answered in writing")

    # The new refusals have their own words (slow mode says how long to wait).
    texts = phone.evaluate("""async () => {
        const ui = await import(document.getElementById('app').dataset.ui);
        const S = JSON.parse(document.getElementById('strings').textContent);
        const { errorText } = ui.strings(S, 'zh-CN', String);
        return ['banned', 'blocked', 'slow_mode', 'repeated', 'not_live'].map((code) => errorText({ code, retry_after: 2.2 }));
    }""")
    assert texts == ["你已被禁止在本场发言", "内容含有不允许的词语，请修改后再发", "慢速模式已开启，请 3 秒后再发",
                     "你已经发过相同的内容了", "直播开始后才能提问"], texts
    assert phone.errors == [] and desk.errors == [], (phone.errors, desk.errors)


def test_the_page_survives_the_server_restarting_and_sends_a_pending_comment_once(tmp_path: Any, browser: Any) -> None:
    """The node is stopped while a viewer writes; the comment waits on the
    page, goes out with the same id when the node is back, and shows once;
    the page says what the connection is doing all along."""
    from conftest import free_port, spawn
    from playwright.sync_api import expect

    port, data = free_port(), tmp_path / "node"
    node = spawn(data, port)
    try:
        code = live_lecture(node)["code"]
        seed(node, code)
        page = _open(browser, f"{node.url}/l/{code}?lang=zh-CN", phone=True)
        page.evaluate("localStorage.setItem('live.nickname', '小海')")
        expect(page.locator("#wall .cmt")).to_have_count(len(SEED_COMMENTS))
        node.stop()
        expect(page.locator("#conn")).not_to_have_attribute("data-state", "open", timeout=10000)

        text = "断线时写下的留言"
        page.fill("#comment-input", text)
        page.click("#comment-send")
        if page.locator("#nick-dialog").is_visible():
            page.fill("#nick-input", "小海")
            page.click("#nick-ok")
        page.wait_for_timeout(500)  # it is waiting on the page, not lost
        node = spawn(data, port)
        expect(page.locator("#conn")).to_have_attribute("data-state", "open", timeout=20000)
        mine = page.locator("#wall .cmt", has_text=text)
        expect(mine).to_have_count(1, timeout=10000)
        expect(page.locator("#wall .cmt")).to_have_count(len(SEED_COMMENTS) + 1)
        page.wait_for_timeout(800)  # a late duplicate would show by now
        expect(mine).to_have_count(1)
        texts = [c["text"] for c in node.call("GET", f"/api/v1/lectures/{code}/comments?limit=500")["comments"]]
        assert texts.count(text) == 1
    finally:
        node.stop()
