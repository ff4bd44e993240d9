"""The moderators' control page (``/l/{code}/control``) in a real browser,
against a real ``live serve`` process: signing in with the control link
(the key never stays in the page, the address bar or a readable cookie),
the live wall, the held queue, the questions board, two moderators at
once, bans, word lists, the report, and key rotation. Viewers are real
viewer pages or real WebSocket clients.

Drives Debian's chromium through pip's playwright (never `playwright
install`); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from embed_support import SEED_COMMENTS, SEED_QUESTIONS, SHOTS, browser, live_lecture, new_page, seed, talk, ws_url  # noqa: F401

pytestmark = pytest.mark.e2e

COMMENT = "为劳模点赞，为工匠喝彩！"
QUESTION = "企业在培养工匠人才方面，有哪些激励机制？"
ANSWER = "我们设立了首席技师津贴和技能等级晋升通道，会后可以查看详细办法。"


def sign_in(browser: Any, lecture: dict[str, Any], name: str, *, width: int = 1440, height: int = 900) -> Any:
    """A moderator opens the control link in a fresh browser and gives a name once."""
    page = new_page(browser, width=width, height=height)
    page.goto(lecture["urls"]["control"])
    page.wait_for_selector("#signin:not([hidden])")
    page.fill("#signin-name", name)
    page.click("#signin-submit")
    wait_signed_in(page)
    return page


def wait_signed_in(page: Any) -> None:
    page.wait_for_selector("#app[data-signed=yes]")
    page.wait_for_function("() => { const c = window.liveClient; return c && c.state === 'open' && c.role === 'moderator'; }")


def open_viewer(browser: Any, url: str, *, questions: bool = False) -> Any:
    page = new_page(browser, width=1280, height=800)
    page.goto(url + ("?view=questions" if questions else ""))
    page.wait_for_selector("#conn[data-state=open]")
    return page


def get(live_server: Any, path: str) -> Any:
    with urllib.request.urlopen(live_server.url + path, timeout=10) as r:
        return json.load(r)


class Viewer:
    """One viewer on a real WebSocket, kept open (the same identity throughout)."""

    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        self.stack = ExitStack()
        self.ws = self.stack.enter_context(connect(url, open_timeout=10))
        assert json.loads(self.ws.recv(timeout=10))["type"] == "welcome"
        self.n = 0

    def send(self, message: dict[str, Any]) -> dict[str, Any]:
        """The ack; a rate-limited message is sent again (same id) when the server says."""
        self.n += 1
        mid = f"t-{self.n}"
        while True:
            self.ws.send(json.dumps({**message, "id": mid}))
            while True:
                frame = json.loads(self.ws.recv(timeout=10))
                if frame["type"] == "ack" and frame["id"] == mid:
                    break
            if frame["ok"] or frame["error"]["code"] != "rate_limited":
                return frame
            time.sleep(float(frame["error"].get("retry_after") or 1))

    def comment(self, text: str, nickname: str = "") -> dict[str, Any]:
        return self.send({"type": "comment", "text": text, "nickname": nickname})

    def close(self) -> None:
        self.stack.close()


def close_toasts(page: Any) -> None:
    page.mouse.move(5, 5)
    page.evaluate("document.querySelectorAll('.toast-x').forEach((x) => x.click())")
    page.wait_for_timeout(300)


def wall_row(page: Any, text: str) -> Any:
    return page.locator("#wall .wc", has_text=text)


def test_signing_in_keeps_the_key_out_of_the_page(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code, key = lecture["code"], lecture["moderator_key"]
    link = lecture["urls"]["control"]
    assert link.endswith(f"#key={key}")

    # The raw HTTP answer: a shell with no key, never cached, framed, indexed or referred.
    with urllib.request.urlopen(f"{live_server.url}/l/{code}/control?key={key}", timeout=10) as r:
        body = r.read().decode()
        headers = r.headers
    assert key not in body
    assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    assert '<meta name="robots" content="noindex' in body
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{live_server.url}/l/ZZZZZZ/control", timeout=10)
    assert missing.value.code == 404

    # The page before any script runs holds no key either.
    context = browser.new_context(java_script_enabled=False)
    static = context.new_page()
    static.goto(link)
    assert key not in static.content()
    context.close()

    page = new_page(browser, width=1440, height=900)
    page.goto(link)
    # The key leaves the address bar at once, before signing in; the name is asked once.
    page.wait_for_selector("#signin:not([hidden])")
    assert page.evaluate("location.href") == f"{live_server.url}/l/{code}/control"
    expect(page.locator("#signin-keynote")).to_be_visible()
    expect(page.locator("#signin-key-wrap")).to_be_hidden()
    expect(page.locator("#signin-name")).to_be_focused()
    page.fill("#signin-name", "主持人甲")
    page.press("#signin-name", "Enter")
    wait_signed_in(page)
    expect(page.locator("#signin")).to_be_hidden()
    expect(page.locator("#me-name")).to_have_text("主持人甲")
    expect(page.locator("#status")).to_have_text("直播中")
    assert key not in page.evaluate("location.href")
    assert key not in page.content()
    assert key not in page.evaluate("JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})")
    assert "live_session_" not in page.evaluate("document.cookie")
    cookie = next(c for c in page.context.cookies() if c["name"] == f"live_session_{code}")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and key not in cookie["value"]
    # The moderators' socket: every state, and the moderation snapshot.
    assert page.evaluate("window.liveClient.role") == "moderator"

    # A reload signs in from the cookie alone; the control link again uses the remembered name.
    page.reload()
    wait_signed_in(page)
    expect(page.locator("#signin")).to_be_hidden()
    again = page.context.new_page()
    again.errors = []
    again.on("pageerror", lambda e: again.errors.append(str(e)))
    again.goto(link)
    wait_signed_in(again)
    expect(again.locator("#me-name")).to_have_text("主持人甲")
    assert key not in again.evaluate("location.href")
    assert page.errors == [] and again.errors == [], (page.errors, again.errors)


def test_the_wall_shows_comments_live_and_hiding_reaches_viewers(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    seed(live_server, code)
    control = sign_in(browser, lecture, "主持人甲")
    viewer = open_viewer(browser, lecture["urls"]["viewer"])
    expect(control.locator("#wall .wc")).to_have_count(len(SEED_COMMENTS))
    expect(control.locator("#wall .wc.is-featured")).to_have_count(1)

    # A viewer writes on the viewer page; it comes to the wall live.
    viewer.fill("#comment-input", COMMENT)
    viewer.click("#comment-send")
    viewer.fill("#nick-input", "小海")
    viewer.click("#nick-ok")
    expect(viewer.locator("#wall .cmt", has_text=COMMENT)).to_have_count(1)
    row = wall_row(control, COMMENT)
    expect(row).to_have_count(1)
    expect(row.locator(".wc-name")).to_have_text("小海")
    expect(control.locator("#wall-count")).to_have_text(str(len(SEED_COMMENTS) + 1))

    # Hidden from the control page: it leaves the viewer's wall, stays on the moderators' (marked).
    row.locator("[data-act=hide]").click()
    expect(viewer.locator("#wall .cmt", has_text=COMMENT)).to_have_count(0)
    expect(row).to_have_attribute("data-state", "hidden")
    expect(row.locator(".tag-muted")).to_have_text("已隐藏")
    # The toast offers the way back; undo restores it for everyone.
    toast = control.locator(".toast", has_text="已隐藏留言")
    expect(toast).to_be_visible()
    toast.locator(".toast-act").click()
    expect(viewer.locator("#wall .cmt", has_text=COMMENT)).to_have_count(1)
    expect(row).to_have_attribute("data-state", "visible")
    # The key z undoes the last action too.
    row.locator("[data-act=hide]").click()
    expect(viewer.locator("#wall .cmt", has_text=COMMENT)).to_have_count(0)
    control.keyboard.press("z")
    expect(viewer.locator("#wall .cmt", has_text=COMMENT)).to_have_count(1)
    # And the row's own button hides it again (restore is the reversal there).
    row.locator("[data-act=hide]").click()
    expect(viewer.locator("#wall .cmt", has_text=COMMENT)).to_have_count(0)
    row.locator("[data-act=restore]").click()
    expect(viewer.locator("#wall .cmt", has_text=COMMENT)).to_have_count(1)

    # Pausing the wall keeps it still; new comments wait behind a pill.
    control.mouse.move(5, 5)
    control.click("#wall-pause")
    expect(control.locator("#wall-pause")).to_have_attribute("aria-pressed", "true")
    for i in range(12):
        talk(ws_url(live_server, code), {"type": "comment", "text": f"第{i + 1}条：向劳动者致敬", "nickname": "晨"})
    expect(control.locator("#wall-new")).to_be_visible()
    expect(control.locator("#wall-new-text")).to_have_text(re.compile(r"12"))
    control.click("#wall-new")
    expect(control.locator("#wall-new")).to_be_hidden()

    # Ending the lecture asks once, inline; viewers see it ended. Going live again needs no question.
    expect(control.locator("#go-live")).to_be_hidden()
    control.click("#end-live")
    expect(control.locator("#end-confirm")).to_be_visible()
    control.click("#end-confirm-no")
    expect(control.locator("#end-confirm")).to_be_hidden()
    expect(viewer.locator("#status")).to_have_text("直播中")
    control.click("#end-live")
    control.click("#end-confirm-yes")
    expect(control.locator("#status")).to_have_text("已结束")
    expect(viewer.locator("#status")).to_have_text("已结束")
    expect(control.locator("#go-live")).to_have_text("重新开播")
    control.click("#go-live")
    expect(viewer.locator("#status")).to_have_text("直播中")
    expect(control.locator("#status")).to_have_attribute("data-status", "live")
    assert control.errors == [] and viewer.errors == [], (control.errors, viewer.errors)


def test_the_held_queue_approves_into_the_viewers_wall(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    control = sign_in(browser, lecture, "主持人甲")
    viewer = open_viewer(browser, lecture["urls"]["viewer"])

    # "Hold all", from the settings panel: saved at once, for viewers too.
    control.click("#tab-settings")
    control.select_option("#set-comment_mode", "held")
    expect(control.locator(".toast", has_text="已保存：留言审核")).to_be_visible()
    assert get(live_server, f"/api/v1/lectures/{code}")["settings"]["comment_mode"] == "held"
    expect(control.locator("#mode-hint")).to_have_text("所有留言都先进入待审。")
    # The quick setting on the live view follows.
    control.click("#tab-live")
    expect(control.locator(".quick [data-setting=comment_mode]")).to_have_value("held")

    url = ws_url(live_server, code)
    ack = talk(url, {"type": "comment", "text": COMMENT, "nickname": "小海"})[0]
    assert ack["held"]
    expect(control.locator("#held-count")).to_have_text("1")
    expect(control.locator("#nav-held-count")).to_have_text("1")
    item = control.locator("#held .hq", has_text=COMMENT)
    expect(item).to_have_count(1)
    expect(viewer.locator("#wall .cmt", has_text=COMMENT)).to_have_count(0)
    expect(control.locator("#wall .wc", has_text=COMMENT)).to_have_count(0)  # held ones wait in the queue only
    item.locator("[data-act=approve]").click()
    expect(viewer.locator("#wall .cmt", has_text=COMMENT)).to_have_count(1)
    expect(control.locator("#held-count")).to_have_text("0")
    expect(control.locator("#held .hq")).to_have_count(0)
    expect(wall_row(control, COMMENT)).to_have_count(1)

    # The keyboard: oldest first, j/k move, a approves, r rejects.
    for text in ("第一条待审", "第二条待审", "第三条待审"):
        talk(url, {"type": "comment", "text": text, "nickname": "晨"})
    expect(control.locator("#held-count")).to_have_text("3")
    expect(control.locator("#held .hq .wc-text")).to_have_text(["第一条待审", "第二条待审", "第三条待审"])
    control.locator("#held").focus()
    expect(control.locator("#held .hq[aria-current=true]")).to_have_text(re.compile("第一条待审"))
    control.keyboard.press("j")
    expect(control.locator("#held .hq[aria-current=true]")).to_have_text(re.compile("第二条待审"))
    control.keyboard.press("r")
    expect(control.locator("#held-count")).to_have_text("2")
    control.keyboard.press("k")
    expect(control.locator("#held .hq[aria-current=true]")).to_have_text(re.compile("第一条待审"))
    control.keyboard.press("a")
    expect(viewer.locator("#wall .cmt", has_text="第一条待审")).to_have_count(1)
    expect(control.locator("#held-count")).to_have_text("1")
    expect(control.locator("#held .hq .wc-text")).to_have_text(["第三条待审"])
    expect(viewer.locator("#wall .cmt", has_text="第二条待审")).to_have_count(0)
    assert control.errors == [] and viewer.errors == [], (control.errors, viewer.errors)


def test_the_questions_board_answers_live_and_in_writing(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    ids = seed(live_server, code)  # two approved questions with votes, one being answered
    live_server.call("PATCH", f"/api/v1/lectures/{code}", {"settings": {"question_mode": "held"}})
    url = ws_url(live_server, code)
    control = sign_in(browser, lecture, "主持人甲")
    viewer = open_viewer(browser, lecture["urls"]["viewer"], questions=True)
    control.click("#tab-questions")
    expect(control.locator("#q-answering-list .qc")).to_have_count(1)
    expect(control.locator("#q-answering-list .qc")).to_contain_text(SEED_QUESTIONS[1][1])

    # A question held for review comes to "pending"; approving puts it on the board by its votes.
    new = talk(url, {"type": "question", "text": QUESTION, "nickname": "梁溪小李", "anonymous": False})[0]["ref"]
    expect(control.locator("#qcol-pending-count")).to_have_text("1")
    expect(control.locator("#nav-q-count")).to_have_text("1")
    pending = control.locator("#qlist-pending .qc", has_text=QUESTION)
    pending.locator("[data-act=approved]").click()
    approved = control.locator("#qlist-approved .qc")
    expect(approved).to_have_count(2)
    expect(approved.first).to_contain_text(SEED_QUESTIONS[0][1])  # 4 votes before 0
    expect(control.locator("#qcol-pending-count")).to_have_text("0")
    expect(viewer.locator("#q-list .q", has_text=QUESTION)).to_have_count(1)

    # "Answer now" on the open one: pinned on top; the one answered before moves to "answered".
    control.locator("#qlist-approved .qc", has_text=SEED_QUESTIONS[0][1]).locator("[data-act=answering]").click()
    pinned = control.locator("#q-answering-list .qc")
    expect(control.locator("#q-answering-list .qc", has_text=SEED_QUESTIONS[0][1])).to_have_count(1)
    expect(pinned).to_have_count(1)
    expect(control.locator("#qlist-answered .qc", has_text=SEED_QUESTIONS[1][1])).to_have_count(1)
    pinned.locator(".qc-speaker").select_option("唐忠宝")
    expect(pinned.locator(".tag-speaker")).to_have_text("唐忠宝")
    live = viewer.locator("#q-list .q", has_text=SEED_QUESTIONS[0][1])
    expect(live.locator(".tag-live")).to_contain_text("唐忠宝")

    # Answered in writing (as after the event): the viewer sees the answer under the question.
    card = control.locator("#qlist-approved .qc", has_text=QUESTION)
    card.locator("[data-act=edit]").click()
    editor = card.locator(".qc-editor-text")
    expect(editor).to_be_focused()
    editor.fill(ANSWER)
    card.locator("[data-act=save-answered]").click()
    done = control.locator("#qlist-answered .qc", has_text=QUESTION)
    expect(done.locator(".qc-answer-text")).to_have_text(ANSWER)
    expect(control.locator("#qcol-answered-count")).to_have_text("2")
    seen = viewer.locator("#q-list .q", has_text=QUESTION)
    expect(seen.locator(".q-answer-text")).to_have_text(ANSWER)
    expect(seen.locator(".tag-done")).to_be_visible()
    expect(viewer.locator("#q-list .q").first).to_contain_text("正在回答")

    # A duplicate is merged into the open question: dismissed, its votes added there.
    dup = talk(url, {"type": "question", "text": "一线工人怎样成长为技术骨干？", "nickname": "惠山青年", "anonymous": False})[0]["ref"]
    dupcard = control.locator("#qlist-pending .qc", has_text="技术骨干")
    dupcard.locator("[data-act=approved]").click()
    dupcard = control.locator("#qlist-approved .qc", has_text="一线工人怎样成长")
    expect(dupcard).to_have_count(1)
    talk(url, {"type": "vote", "question": dup, "up": True})
    expect(dupcard.locator(".qc-votes")).to_have_text("1")
    dupcard.locator("[data-act=merge]").click()
    dupcard.locator(".qc-merge-target").select_option(ids["open"])
    dupcard.locator("[data-act=merge-go]").click()
    expect(control.locator("#qlist-dismissed .qc", has_text="一线工人怎样成长")).to_contain_text("已合并到")
    expect(pinned.locator(".qc-votes")).to_have_text("5")
    expect(viewer.locator("#q-list .q", has_text="一线工人怎样成长")).to_have_count(0)

    SHOTS.mkdir(parents=True, exist_ok=True)
    for nick, text in [("惠山青年", "年轻人怎样才能耐得住寂寞，把一门手艺练精？"), ("新吴职工", "技能等级认定以后，待遇上会有什么变化？")]:
        talk(url, {"type": "question", "text": text, "nickname": nick, "anonymous": False})
    expect(control.locator("#qcol-pending-count")).to_have_text("2")
    close_toasts(control)
    control.screenshot(path=str(SHOTS / "control-questions.png"))

    # Dismissing offers an undo.
    control.locator("#qlist-answered .qc", has_text=QUESTION).locator("[data-act=dismissed]").click()
    expect(viewer.locator("#q-list .q", has_text=QUESTION)).to_have_count(0)
    control.locator(".toast", has_text="已忽略问题").locator(".toast-act").click()
    expect(control.locator("#qlist-approved .qc", has_text=QUESTION)).to_have_count(1)
    expect(viewer.locator("#q-list .q", has_text=QUESTION)).to_have_count(1)
    assert new.startswith("q")

    assert control.errors == [] and viewer.errors == [], (control.errors, viewer.errors)


def test_two_moderators_see_each_others_actions(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    ids = seed(live_server, code)
    a = sign_in(browser, lecture, "主持人甲")
    b = sign_in(browser, lecture, "主持人乙")
    target = SEED_COMMENTS[0][1]

    # 乙 features a comment: 甲 sees it featured within seconds, and who did it.
    wall_row(b, target).locator("[data-act=feature]").click()
    expect(wall_row(a, target)).to_have_class(re.compile(r"\bis-featured\b"), timeout=5000)
    for page in (a, b):
        expect(page.locator("#audit .au").first).to_contain_text("主持人乙")
        expect(page.locator("#audit .au").first).to_contain_text("精选了留言")

    # 甲 hides another and turns on slow mode: 乙 sees both, named.
    other = SEED_COMMENTS[1][1]
    wall_row(a, other).locator("[data-act=hide]").click()
    expect(wall_row(b, other)).to_have_attribute("data-state", "hidden")
    a.locator(".quick [data-setting=slow_mode_s]").select_option("10")
    expect(b.locator(".quick [data-setting=slow_mode_s]")).to_have_value("10")
    for page in (a, b):
        first = page.locator("#audit .au").first
        expect(first.locator(".au-by")).to_have_text("主持人甲")
        expect(first).to_contain_text("慢速模式 → 10 秒")
        expect(page.locator("#audit .au", has_text="隐藏了留言")).to_have_count(1)

    # Both act on the same question at once: one wins, the other is told and sees what is true.
    b.click("#tab-questions")
    a.click("#tab-questions")
    text = SEED_QUESTIONS[0][1]
    stale = b.locator("#qlist-approved .qc", has_text=text)
    expect(stale).to_have_count(1)
    b.evaluate("window.liveClient._ws.onmessage = null")  # 乙's socket falls behind for a moment
    a.locator("#qlist-approved .qc", has_text=text).locator("[data-act=dismissed]").click()
    expect(a.locator("#qlist-dismissed .qc", has_text=text)).to_have_count(1)
    stale.locator("[data-act=answering]").click()
    expect(b.locator(".toast", has_text="另一位主持人刚刚先改了这一项")).to_be_visible()
    expect(b.locator("#qlist-dismissed .qc", has_text=text)).to_have_count(1)
    expect(b.locator("#qlist-approved .qc", has_text=text)).to_have_count(0)
    dismissed = live_server.call("GET", f"/api/v1/lectures/{code}/questions?state=dismissed")["questions"]
    assert [q["id"] for q in dismissed] == [ids["open"]]
    assert a.errors == [] and b.errors == [], (a.errors, b.errors)


def test_a_ban_from_the_wall_refuses_the_next_comment(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    control = sign_in(browser, lecture, "主持人甲")
    troll = Viewer(ws_url(live_server, code))
    try:
        assert troll.comment("捣乱的留言", "小黑")["ok"]
        row = wall_row(control, "捣乱的留言")
        expect(row).to_have_count(1)
        row.locator("[data-act=ban]").click()
        expect(row.locator(".tag-restricted")).to_have_text("作者已封禁")
        expect(control.locator(".toast", has_text="已封禁“小黑”")).to_be_visible()
        ack = troll.comment("我又来了", "小黑")
        assert not ack["ok"] and ack["error"]["code"] == "banned", ack

        # Listed among the restricted viewers; lifting from there lets them back in.
        control.click("#tab-settings")
        listed = control.locator("#restrictions .restr")
        expect(listed).to_have_count(1)
        expect(listed).to_contain_text("小黑")
        expect(listed.locator(".tag-restricted")).to_have_text("作者已封禁")
        listed.locator("[data-act=none]").click()
        expect(listed).to_have_count(0)
        assert troll.comment("我改正了", "小黑")["ok"]

        # Mute from the wall: the author still gets an ok, nobody else sees it; lift from the row.
        control.click("#tab-live")
        row = wall_row(control, "我改正了")
        row.locator("[data-act=mute]").click()
        expect(row.locator(".tag-restricted")).to_have_text("作者已静默")
        ack = troll.comment("没人看得见", "小黑")
        assert ack["ok"] and ack["record"]["state"] == "visible"
        expect(wall_row(control, "没人看得见")).to_have_attribute("data-state", "muted")
        wall_row(control, "没人看得见").locator("[data-act=lift]").click()
        expect(row.locator(".tag-restricted")).to_have_count(0)
    finally:
        troll.close()
    assert control.errors == [], control.errors


def test_word_lists_block_and_the_report_has_the_featured_comment(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    url = ws_url(live_server, code)
    control = sign_in(browser, lecture, "主持人甲")
    control.click("#tab-settings")
    expect(control.locator("#words-save")).to_be_disabled()
    control.fill("#words-blocked", "加微信\n刷礼物")
    expect(control.locator("#words-blocked-count")).to_have_text("2")
    expect(control.locator("#words-status")).to_have_text("有未保存的修改")
    # A file in the server's format adds to the lists: # comments, ?watch words.
    control.set_input_files("#words-file", files=[{
        "name": "words.txt", "mimeType": "text/plain",
        "buffer": "# 本场词表\n代开发票\n?广告\n加微信\n".encode(),
    }])
    expect(control.locator("#words-blocked")).to_have_value("加微信\n刷礼物\n代开发票")
    expect(control.locator("#words-watch")).to_have_value("广告")
    control.click("#words-save")
    expect(control.locator("#words-status")).to_have_text("词表已保存：屏蔽 3 个，观察 1 个")

    viewer = Viewer(url)
    try:
        for text in ("加 微 信 送你资料", "要发票找我：代开发票"):
            blocked = viewer.comment(text, "推销员")
            assert not blocked["ok"] and blocked["error"]["code"] == "blocked", blocked
        held = viewer.comment("看广告领红包", "推销员")
        assert held["ok"] and held["held"], held
    finally:
        viewer.close()
    control.click("#tab-live")
    expect(control.locator("#held .hq", has_text="看广告领红包")).to_have_count(1)

    # Feature a comment, then download the report: the Markdown has it; masked, the nickname is starred.
    ref = talk(url, {"type": "comment", "text": "向一线劳动者致敬，劳动最光荣", "nickname": "张三丰"})[0]["ref"]
    wall_row(control, "向一线劳动者致敬").locator("[data-act=feature]").click()
    expect(wall_row(control, "向一线劳动者致敬")).to_have_class(re.compile(r"\bis-featured\b"))
    control.click("#tab-data")
    with control.expect_download() as info:
        control.click("#export-md")
    md = Path(info.value.path()).read_text(encoding="utf-8")
    assert "向一线劳动者致敬，劳动最光荣" in md and "张三丰" in md, md
    assert info.value.suggested_filename == f"lecture-{code}.md"
    control.click("label:has(#export-mask)")
    expect(control.locator("#export-md")).to_have_attribute("href", re.compile(r"mask=1"))
    with control.expect_download() as info:
        control.click("#export-csv")
    csv = Path(info.value.path()).read_text(encoding="utf-8")
    assert "张**" in csv and "张三丰" not in csv and ref in csv, csv
    assert control.errors == [], control.errors


def test_sign_in_card_and_a_rotated_key_ends_other_sessions(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code, old_key = lecture["code"], lecture["moderator_key"]
    seed(live_server, code)

    # No key, no session: the sign-in card, asking for the key.
    b = new_page(browser, width=1280, height=800)
    b.goto(f"{live_server.url}/l/{code}/control")
    expect(b.locator("#signin")).to_be_visible()
    expect(b.locator("#signin-key-wrap")).to_be_visible()
    expect(b.locator("#app")).to_have_attribute("data-signed", "no")
    expect(b.locator("#wall")).to_be_hidden()
    b.fill("#signin-name", "主持人乙")
    b.fill("#signin-key", "not-the-key")
    b.click("#signin-submit")
    expect(b.locator("#signin-msg")).to_contain_text("密钥无效")
    # The whole control link may be pasted.
    b.fill("#signin-key", lecture["urls"]["control"])
    b.click("#signin-submit")
    wait_signed_in(b)
    expect(b.locator("#wall .wc")).to_have_count(len(SEED_COMMENTS))

    a = sign_in(browser, lecture, "主持人甲")
    a.click("#tab-settings")
    expect(a.locator("#ingest-token")).to_have_value(lecture["ingest_token"])
    a.click("#rotate-key")
    expect(a.locator("#rotate-confirm")).to_be_visible()
    a.click("#rotate-yes")
    new_link = a.locator("#new-control-link")
    expect(new_link).to_be_visible()
    expect(new_link).to_have_value(re.compile(rf"/l/{code}/control#key=.+"))
    new_key = new_link.input_value().split("#key=", 1)[1]
    assert new_key != old_key

    # The other moderator's page ends its session and shows the sign-in card.
    expect(b.locator("#signin")).to_be_visible(timeout=8000)
    expect(b.locator("#signin-msg")).to_contain_text("登录已失效")
    expect(b.locator("#app")).to_have_attribute("data-signed", "no")
    # This page signed in again by itself with the new key: it still moderates, live.
    wait_signed_in(a)
    a.click("#tab-live")
    wall_row(a, SEED_COMMENTS[3][1]).locator("[data-act=hide]").click()
    expect(wall_row(a, SEED_COMMENTS[3][1])).to_have_attribute("data-state", "hidden")
    # The speaker links changed with the key.
    links = [link["url"] for link in get_session_links(a)]
    assert links and all("speaker#" in u for u in links)
    expect(a.locator("#ingest-token")).not_to_have_value(lecture["ingest_token"])

    # The old key no longer works; the new link does.
    b.fill("#signin-key", old_key)
    b.click("#signin-submit")
    expect(b.locator("#signin-msg")).to_contain_text("密钥无效")
    b.fill("#signin-key", f"{live_server.url}/l/{code}/control#key={new_key}")
    b.click("#signin-submit")
    wait_signed_in(b)
    expect(wall_row(b, SEED_COMMENTS[3][1])).to_have_attribute("data-state", "hidden")
    assert a.errors == [] and b.errors == [], (a.errors, b.errors)


def get_session_links(page: Any) -> list[dict[str, str]]:
    return page.evaluate("""async () => {
        const code = document.getElementById('app').dataset.code;
        const r = await fetch(`/api/v1/lectures/${code}/session`, { credentials: 'same-origin' });
        return (await r.json()).speaker_links;
    }""")


def test_screenshot_of_a_busy_control_room(live_server: Any, browser: Any) -> None:
    """docs/screenshots/control.png: the live view of a lecture under way, 1440×900."""
    from playwright.sync_api import expect

    lecture = live_lecture(live_server, settings={"comment_mode": "first"})
    code = lecture["code"]
    url = ws_url(live_server, code)
    control = sign_in(browser, lecture, "主持人甲")
    seed(live_server, code)
    for nick, text in [("梁溪小李", "陈亮师傅讲得太好了，学到了！"), ("新吴职工", "我们车间也在推行首席技师制度"),
                       ("惠山青年", "年轻人也要耐得住寂寞"), ("小海", "加微信领取学习资料")]:
        talk(url, {"type": "comment", "text": text, "nickname": nick})
    troll = Viewer(url)
    try:
        troll.comment("刷屏刷屏刷屏", "路人甲")
        expect(control.locator("#held .hq")).to_have_count(len(SEED_COMMENTS) + 5)
        control.locator("#held .hq", has_text="刷屏").locator("[data-act=ban]").click()
        expect(control.locator("#held .hq", has_text="刷屏").locator(".tag-restricted")).to_be_visible()
        for text in SEED_COMMENTS[:4]:
            control.locator("#held .hq", has_text=text[1]).locator("[data-act=approve]").click()
        control.locator("#held .hq", has_text="陈亮师傅讲得太好了").locator("[data-act=approve]").click()
        expect(control.locator("#held-count")).to_have_text(str(len(SEED_COMMENTS) + 5 - 5))
        wall_row(control, "陈亮师傅讲得太好了").locator("[data-act=feature]").click()
        wall_row(control, SEED_COMMENTS[1][1]).locator("[data-act=hide]").click()
        expect(wall_row(control, SEED_COMMENTS[1][1])).to_have_attribute("data-state", "hidden")
        control.wait_for_timeout(11000)  # one refresh of the figures: the chart has its first points
        close_toasts(control)
        # The figures: counters, rates derived from them, the chart of online viewers.
        expect(control.locator("#fig-visits .fig-n")).to_have_text(re.compile(r"^[1-9]\d*$"))
        expect(control.locator("#fig-likes .fig-n")).to_have_text("200")
        expect(control.locator("#fig-cpm .fig-n")).to_have_text(re.compile(r"^\d+(\.\d)?$"))
        expect(control.locator("#chart-mini path.chart-line")).to_have_count(1)
        SHOTS.mkdir(parents=True, exist_ok=True)
        control.screenshot(path=str(SHOTS / "control.png"))
        control.keyboard.press("4")
        expect(control.locator("#view-data")).to_be_visible()
        expect(control.locator("#chart path.chart-line")).to_have_count(1)
        expect(control.locator("#fig-table")).to_contain_text("200")
    finally:
        troll.close()
    assert control.errors == [], control.errors


def test_the_catalogue_card_sets_series_tags_recording_and_retention(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    control = sign_in(browser, lecture, "主持人甲")
    control.click("#tab-settings")
    control.fill("#lec-series", "新时代 新思想 新宣讲 2024")
    control.press("#lec-series", "Tab")
    control.fill("#lec-tags", "劳模精神，工匠精神、#劳模精神")
    control.press("#lec-tags", "Tab")
    control.fill("#lec-video_url", "https://media.example.org/rec.mp4")
    control.press("#lec-video_url", "Tab")
    control.fill("#set-replay_offset_s", "90")
    control.press("#set-replay_offset_s", "Tab")
    control.select_option("#set-retention_days", "30")
    # Tags come back as the server keeps them: the '#' dropped, the repeat gone.
    expect(control.locator("#lec-tags")).to_have_value("劳模精神；工匠精神")
    control.click("#tab-live")  # the audit log is beside the wall
    expect(control.locator("#audit .au", has_text="观众数据保留 → 30 天").first).to_be_visible()
    control.click("#tab-settings")
    deadline = time.monotonic() + 10
    while True:
        rec = get(live_server, f"/api/v1/lectures/{code}")
        if rec["settings"]["retention_days"] == 30 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert rec["series"] == "新时代 新思想 新宣讲 2024" and rec["tags"] == ["劳模精神", "工匠精神"]
    assert rec["video_url"] == "https://media.example.org/rec.mp4"
    assert rec["settings"]["replay_offset_s"] == 90 and rec["settings"]["retention_days"] == 30

    # A refused value says why and the field shows what is in force.
    control.fill("#lec-video_url", "ftp://example.org/rec.mp4")
    control.press("#lec-video_url", "Tab")
    expect(control.locator("#lec-video_url")).to_have_value("https://media.example.org/rec.mp4")
    # Set elsewhere (the API), a retention outside the steps is still offered as it is.
    live_server.call("PATCH", f"/api/v1/lectures/{code}", {"settings": {"retention_days": 45}})
    expect(control.locator("#set-retention_days")).to_have_value("45")
    expect(control.locator("#set-retention_days option:checked")).to_have_text("45 天")
    assert control.errors == [], control.errors
