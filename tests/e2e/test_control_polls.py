"""The control page's polls view (``/l/{code}/control``, tab "投票") in a
real browser against a real ``live serve`` process: a poll made with the
form, opened, answered by real WebSocket viewers and its results coming in
live; results shown to viewers; a quiz revealed and its leaderboard; a
rating's average; a text poll's word cloud; the big screen; editing and
deleting drafts; copying the polls of another lecture. No mocks.

Drives Debian's chromium through pip's playwright (never `playwright
install`); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, Callable

import pytest
from embed_support import SHOTS, browser, live_lecture, talk, ws_url  # noqa: F401
from test_control_page import Viewer, close_toasts, sign_in

pytestmark = pytest.mark.e2e

TITLE = "下一期您最想听哪个话题？"
OPTIONS = ["工匠精神", "劳模故事", "技能成才"]


def api(live_server: Any, method: str, code: str, path: str, body: Any = None) -> Any:
    """A call with the admin token (a moderator: drafts and `correct` included)."""
    return live_server.call(method, f"/api/v1/lectures/{code}{path}", body)


def poll_record(live_server: Any, code: str, pid: str) -> dict[str, Any]:
    return next(p for p in api(live_server, "GET", code, "/polls")["polls"] if p["id"] == pid)


class PollViewer(Viewer):
    """A viewer on a real WebSocket that answers polls and keeps every frame it is sent."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.frames: list[dict[str, Any]] = []

    def _read(self, timeout: float) -> dict[str, Any] | None:
        try:
            frame = json.loads(self.ws.recv(timeout=timeout))
        except TimeoutError:
            return None
        self.frames.append(frame)
        return frame

    def answer(self, poll: str, *, nickname: str | None = None, **answer: Any) -> dict[str, Any]:
        """The ack of an answer; rate-limited answers are sent again (same id) when the server says."""
        self.n += 1
        mid = f"a-{self.n}"
        message = {"type": "answer", "id": mid, "poll": poll, **answer}
        if nickname:
            message["nickname"] = nickname
        while True:
            self.ws.send(json.dumps(message))
            while True:
                frame = self._read(10)
                assert frame is not None, "no ack in 10 s"
                if frame["type"] == "ack" and frame["id"] == mid:
                    break
            if frame["ok"] or frame["error"]["code"] != "rate_limited":
                return frame
            time.sleep(float(frame["error"].get("retry_after") or 1))

    def drain(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self._read(left) is None:
                break

    def wait_for(self, test: Callable[[dict[str, Any]], bool], timeout: float = 10) -> dict[str, Any]:
        for frame in self.frames:
            if test(frame):
                return frame
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            frame = self._read(left)
            if frame is not None and test(frame):
                return frame
        raise AssertionError(f"no such frame in {timeout} s; got {[f['type'] for f in self.frames]}")


def results_for(pid: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["type"] == "poll_results" and pid in (f.get("results") or {})


def open_polls_tab(control: Any) -> None:
    from playwright.sync_api import expect

    control.click("#tab-polls")
    expect(control.locator("#view-polls")).to_be_visible()


def fill_form(control: Any, kind_label: str, title: str, options: list[str] = (), correct: list[int] = ()) -> None:
    """The draft form as a moderator fills it: the kind, the question, the options (adding rows as needed)."""
    control.locator("#poll-kinds .cpl-kind", has_text=kind_label).click()
    control.fill("#poll-title", title)
    rows = control.locator("#poll-options .cpl-opt")
    for i, text in enumerate(options):
        if rows.count() <= i:
            control.click("#poll-add-option")
        rows.nth(i).locator(".cpl-opt-text").fill(text)
    for i in correct:
        rows.nth(i).locator(".cpl-opt-correct").click()


def card(control: Any, title: str) -> Any:
    return control.locator("#polls .pc", has=control.locator(".pc-title", has_text=title))


def test_a_poll_made_on_the_page_is_answered_and_its_results_come_in_live(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    control = sign_in(browser, lecture, "主持人甲")
    open_polls_tab(control)
    expect(control.locator("#polls-empty")).to_be_visible()
    expect(control.locator("#nav-poll-count")).to_have_text("")

    # The form refuses what the server would: no question, too few options.
    control.click("#poll-save")
    expect(control.locator("#poll-form-msg")).to_have_text("请填写问题")
    expect(control.locator("#poll-title")).to_be_focused()
    control.fill("#poll-title", TITLE)
    control.click("#poll-save")
    expect(control.locator("#poll-form-msg")).to_have_text("请至少填写 2 个选项")

    # A single-choice draft with three options (the third row added with the button).
    fill_form(control, "单选", TITLE, OPTIONS)
    expect(control.locator("#poll-options .cpl-opt-letter")).to_have_text(["A", "B", "C"])
    control.click("#poll-save")
    poll = card(control, TITLE)
    expect(poll).to_have_count(1)
    expect(poll).to_have_attribute("data-state", "draft")
    expect(poll.locator(".pc-state")).to_have_text("草稿")
    expect(poll.locator(".cpr-text")).to_have_text(OPTIONS)
    expect(control.locator("#poll-title")).to_have_value("")  # the form is ready for the next one
    pid = poll.get_attribute("data-id")
    rec = poll_record(live_server, code, pid)
    assert rec["kind"] == "single" and rec["state"] == "draft" and rec["title"] == TITLE
    assert [o["text"] for o in rec["options"]] == OPTIONS and rec["allow_change"] is True

    url = ws_url(live_server, code)
    viewers = [PollViewer(url) for _ in range(3)]
    try:
        # A draft cannot be answered; opened, it can.
        assert viewers[0].answer(pid, choices=["a"])["error"]["code"] == "not_found"
        poll.locator("[data-act=open]").click()
        expect(poll).to_have_attribute("data-state", "open")
        expect(poll.locator(".pc-state")).to_have_text("进行中")
        expect(control.locator("#nav-poll-count")).to_have_text("1")
        expect(control.locator(".toast", has_text="投票已开始")).to_be_visible()
        assert poll_record(live_server, code, pid)["state"] == "open"

        # Three viewers answer: the bars, counts and shares move on the page by themselves.
        for viewer, choice in zip(viewers, ["a", "a", "b"]):
            ack = viewer.answer(pid, choices=[choice])
            assert ack["ok"], ack
        row = lambda option: poll.locator(f".cpr[data-option={option}]")  # noqa: E731
        expect(row("a").locator(".cpr-n")).to_have_text("2")
        expect(row("a").locator(".cpr-pct")).to_have_text("67%")
        expect(row("b").locator(".cpr-n")).to_have_text("1")
        expect(row("b").locator(".cpr-pct")).to_have_text("33%")
        expect(row("c").locator(".cpr-n")).to_have_text("0")
        expect(row("a")).to_have_class(re.compile(r"\bis-top\b"))
        expect(poll.locator(".pc-total")).to_have_text("3 人作答")
        assert row("a").locator(".cpr-fill").evaluate("e => e.style.width") == "67%"
        # A viewer changes their answer (allowed): the page follows.
        assert viewers[2].answer(pid, choices=["c"])["ok"]
        expect(row("b").locator(".cpr-n")).to_have_text("0")
        expect(row("c").locator(".cpr-n")).to_have_text("1")

        # Until the moderator shows them, viewers get no results of this poll.
        viewers[0].drain(0.8)
        assert not any(results_for(pid)(f) for f in viewers[0].frames)
        poll.locator("[data-act=show]").click()
        expect(poll.locator(".pc-flag-shown")).to_have_text("结果已公开")
        frame = viewers[0].wait_for(results_for(pid))
        assert frame["results"][pid]["total"] == 3 and frame["results"][pid]["counts"]["a"] == 2
        assert poll_record(live_server, code, pid)["results_shown"] is True
        expect(poll.locator("[data-act=hide]")).to_be_visible()

        # Closed: the badge goes, a late answer is refused.
        poll.locator("[data-act=close]").click()
        expect(poll).to_have_attribute("data-state", "closed")
        expect(control.locator("#nav-poll-count")).to_have_text("")
        late = PollViewer(url)
        viewers.append(late)
        assert late.answer(pid, choices=["a"])["error"]["code"] == "poll_closed"

        # On the big screen: the record says so, and only one poll is ever on it.
        poll.locator("[data-act=screen]").click()
        expect(poll.locator(".pc-flag-screen")).to_have_text("大屏显示中")
        expect(poll).to_have_class(re.compile(r"\bis-screen\b"))
        assert poll_record(live_server, code, pid)["on_screen"] is True
        other = api(live_server, "POST", code, "/polls", {"kind": "rating", "title": "本场讲座评分", "scale": 5})
        api(live_server, "POST", code, f"/polls/{other['id']}/open")
        api(live_server, "POST", code, f"/polls/{other['id']}/screen")  # another moderator puts it on screen
        expect(card(control, "本场讲座评分").locator(".pc-flag-screen")).to_be_visible()
        expect(poll.locator(".pc-flag-screen")).to_have_count(0)
        assert poll_record(live_server, code, pid)["on_screen"] is False
        expect(control.locator("#nav-poll-count")).to_have_text("1")

        # The audit log on the live view tells who did what to which poll.
        control.click("#tab-live")
        audit = control.locator("#audit")
        expect(audit.locator(".au", has_text=f"开始了投票 “{TITLE}”")).to_have_count(1)
        expect(audit.locator(".au", has_text=f"公开了投票结果 “{TITLE}”")).to_have_count(1)
        expect(audit.locator(".au", has_text=f"把投票 “{TITLE}” 放上大屏")).to_have_count(1)
        expect(audit.locator(".au", has_text=f"把投票 “{TITLE}” 撤下大屏")).to_have_count(1)
        expect(audit.locator(".au", has_text="把投票 “本场讲座评分” 放上大屏").locator(".au-by")).to_have_text("admin")
    finally:
        for viewer in viewers:
            viewer.close()
    assert control.errors == [], control.errors


def test_a_quiz_is_closed_revealed_and_ranks_its_viewers(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    control = sign_in(browser, lecture, "主持人甲")
    control.keyboard.press("5")  # the fifth view
    expect(control.locator("#view-polls")).to_be_visible()
    expect(control.locator("#tab-polls")).to_have_attribute("aria-selected", "true")

    # A quiz needs its right answer; "save and open" makes it and opens it at once.
    question = "陈亮师傅获得过哪项荣誉？"
    fill_form(control, "答题", question, ["全国五一劳动奖章", "全国劳动模范候选人", "诺贝尔奖"])
    expect(control.locator("#poll-change-wrap")).to_be_hidden()  # a quiz answer is never changed
    control.click("#poll-save-open")
    expect(control.locator("#poll-form-msg")).to_have_text("请至少标出一个正确答案")
    control.locator("#poll-options .cpl-opt").nth(1).locator(".cpl-opt-correct").click()
    control.click("#poll-save-open")
    quiz = card(control, question)
    expect(quiz).to_have_attribute("data-state", "open")
    pid = quiz.get_attribute("data-id")
    rec = poll_record(live_server, code, pid)
    assert rec["kind"] == "quiz" and rec["correct"] == ["b"] and rec["allow_change"] is False
    # The moderator sees the right answer all along; viewers do not, until it is revealed.
    expect(quiz.locator(".cpr.is-correct")).to_have_attribute("data-option", "b")
    expect(quiz.locator(".cpr-correct")).to_have_text("正确")
    reveal = quiz.locator("[data-act=reveal]")
    expect(reveal).to_be_disabled()

    url = ws_url(live_server, code)
    viewers = [PollViewer(url) for _ in range(3)]
    try:
        for viewer, (nick, choice) in zip(viewers, [("小海", "b"), ("晨", "b"), ("路人甲", "a")]):
            ack = viewer.answer(pid, choices=[choice], nickname=nick)
            assert ack["ok"], ack
            time.sleep(0.3)  # 小海 answers first, then 晨: the faster one ranks higher
        assert viewers[0].answer(pid, choices=["a"])["error"]["code"] == "answered"  # no changing a quiz answer
        expect(quiz.locator(".pc-total")).to_have_text("3 人作答")
        expect(quiz.locator(".cpr[data-option=b] .cpr-n")).to_have_text("2")

        quiz.locator("[data-act=close]").click()
        expect(quiz).to_have_attribute("data-state", "closed")
        expect(control.locator("#poll-board")).to_be_hidden()
        quiz.locator("[data-act=reveal]").click()
        expect(quiz.locator(".pc-flag-revealed")).to_have_text("已揭晓")
        expect(quiz.locator("[data-act=reveal]")).to_have_count(0)
        board = control.locator("#poll-board")
        expect(board).to_be_visible()
        expect(board.locator(".cpl-leader")).to_have_count(2)
        expect(board.locator(".cpl-leader-name")).to_have_text(["小海", "晨"])
        expect(board.locator(".cpl-leader-correct")).to_have_text(["答对 1 题", "答对 1 题"])
        expect(board.locator(".cpl-leader-time").first).to_have_text(re.compile(r"^\d+(\.\d)? 秒$"))
        assert poll_record(live_server, code, pid)["revealed"] is True
        # The viewers get the answer with the reveal.
        revealed = viewers[2].wait_for(lambda f: f["type"] == "events" and any(
            e["kind"] == "poll.revealed" and e["data"]["id"] == pid for e in f["events"]))
        event = next(e for e in revealed["events"] if e["kind"] == "poll.revealed")
        assert event["data"]["correct"] == ["b"]

        # A reload finds the leaderboard again from the snapshot.
        control.reload()
        expect(control.locator("#view-polls")).to_be_visible()  # the view is remembered
        expect(control.locator("#poll-board .cpl-leader")).to_have_count(2)
    finally:
        for viewer in viewers:
            viewer.close()
    assert control.errors == [], control.errors


def test_a_rating_shows_its_average_and_a_text_poll_its_words(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    control = sign_in(browser, lecture, "主持人甲")
    open_polls_tab(control)

    fill_form(control, "评分", "请为本场讲座打分")
    expect(control.locator("#poll-options-wrap")).to_be_hidden()
    expect(control.locator("#poll-scale-wrap")).to_be_visible()
    control.click("#poll-save-open")
    rating = card(control, "请为本场讲座打分")
    expect(rating).to_have_attribute("data-state", "open")
    expect(rating.locator(".pc-kind")).to_have_text("评分 · 1–5 星")
    rid = rating.get_attribute("data-id")
    assert poll_record(live_server, code, rid)["scale"] == {"min": 1, "max": 5}

    fill_form(control, "开放回答", "用一个词形容劳模精神")
    control.click("#poll-save-open")
    words = card(control, "用一个词形容劳模精神")
    expect(words).to_have_attribute("data-state", "open")
    tid = words.get_attribute("data-id")
    expect(control.locator("#nav-poll-count")).to_have_text("2")

    url = ws_url(live_server, code)
    for value, text in [(5, "奉献"), (4, "奉献"), (4, "坚持")]:
        acks = talk(url, {"type": "answer", "poll": rid, "value": value}, {"type": "answer", "poll": tid, "text": text})
        assert all(a["ok"] for a in acks), acks
    expect(rating.locator(".cpr-avg-n")).to_have_text("4.3")
    expect(rating.locator(".cpr-col[data-value='4'] .cpr-col-n")).to_have_text("2")
    expect(rating.locator(".cpr-col[data-value='5'] .cpr-col-n")).to_have_text("1")
    expect(rating.locator(".cpr-col")).to_have_count(5)
    expect(rating.locator(".pc-total")).to_have_text("3 人作答")
    # The cloud shows exactly the words the server counted, the most frequent in the middle.
    expect(words.locator(".pc-total")).to_have_text("3 人作答")
    counted = api(live_server, "GET", code, "/polls")["results"][tid]["counts"]
    assert counted, counted
    expect(words.locator(".cpr-word")).to_have_count(len(counted))
    shown = {w.get_attribute("data-word"): int(w.get_attribute("data-count")) for w in words.locator(".cpr-word").all()}
    assert shown == counted
    top = max(counted, key=lambda w: counted[w])
    assert counted.get("奉献") == 2 and top == "奉献"
    expect(words.locator(f".cpr-word[data-word='{top}']")).to_have_class(re.compile(r"\bcpr-word-3\b"))

    # A 0–10 rating made by another moderator comes in live with eleven columns.
    ten = api(live_server, "POST", code, "/polls", {"kind": "rating", "title": "推荐给朋友的可能性", "scale": 10})
    expect(card(control, "推荐给朋友的可能性")).to_have_attribute("data-state", "draft")
    api(live_server, "POST", code, f"/polls/{ten['id']}/open")
    for value in (9, 0):  # two viewers
        talk(url, {"type": "answer", "poll": ten["id"], "value": value})
    ten_card = card(control, "推荐给朋友的可能性")
    expect(ten_card.locator(".cpr-col")).to_have_count(11)
    expect(ten_card.locator(".cpr-avg-n")).to_have_text("4.5")
    expect(ten_card.locator(".pc-kind")).to_have_text("评分 · 0–10 分")
    assert control.errors == [], control.errors


def test_drafts_are_copied_from_another_lecture_edited_and_deleted(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    # The first lecture of a series has its feedback form.
    first = live_lecture(live_server, title="系列讲座（一）")
    form = [
        {"kind": "rating", "title": "请为本场讲座打分", "scale": 5},
        {"kind": "single", "title": "您是从哪里知道本场直播的？", "options": ["单位通知", "朋友转发", "公众号"]},
        {"kind": "quiz", "title": "“工匠精神”的核心是什么？", "options": ["精益求精", "差不多就行"], "correct": [0]},
    ]
    for body in form:
        api(live_server, "POST", first["code"], "/polls", body)

    lecture = live_lecture(live_server, title="系列讲座（二）")
    code = lecture["code"]
    control = sign_in(browser, lecture, "主持人甲")
    open_polls_tab(control)

    # A code that is not a lecture's, this lecture's own, one that does not exist.
    control.fill("#poll-copy-code", "abc")
    control.click("#poll-copy-go")
    expect(control.locator(".toast-error", has_text="直播码是 6 位字母或数字")).to_be_visible()
    control.fill("#poll-copy-code", code.lower())
    expect(control.locator("#poll-copy-code")).to_have_value(code)  # typed in upper case
    control.click("#poll-copy-go")
    expect(control.locator(".toast-error", has_text="这就是本场直播的直播码")).to_be_visible()
    control.fill("#poll-copy-code", "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY")
    control.click("#poll-copy-go")
    expect(control.locator(".toast-error", has_text="找不到直播码为")).to_be_visible()
    close_toasts(control)

    control.fill("#poll-copy-code", first["code"])
    control.click("#poll-copy-go")
    expect(control.locator(".toast", has_text=f"已从 {first['code']} 复制 3 个投票")).to_be_visible()
    expect(control.locator("#polls .pc")).to_have_count(3)
    expect(control.locator("#polls .pc.is-draft")).to_have_count(3)
    expect(control.locator("#polls .pc-title")).to_have_text([b["title"] for b in form])
    copied = api(live_server, "GET", code, "/polls")["polls"]
    assert [(p["kind"], p["title"], p["state"]) for p in copied] == [(b["kind"], b["title"], "draft") for b in form]
    assert copied[0]["scale"] == {"min": 1, "max": 5} and copied[2]["correct"] == ["a"]
    expect(control.locator("#polls-summary")).to_have_text("0 进行中 · 3 草稿 · 0 已结束")

    # Editing a copied draft: the form takes it, the card is marked, saving patches it.
    single = card(control, form[1]["title"])
    single.locator("[data-act=edit]").click()
    expect(control.locator("#poll-form")).to_have_attribute("data-mode", "edit")
    expect(control.locator("#poll-form-h")).to_have_text("编辑草稿")
    expect(single).to_have_class(re.compile(r"\bis-editing\b"))
    expect(control.locator("#poll-title")).to_have_value(form[1]["title"])
    expect(control.locator("#poll-options .cpl-opt-text")).to_have_count(3)
    control.fill("#poll-title", "您是从哪里知道本场直播的？（可多选）")
    control.locator("#poll-kinds .cpl-kind", has_text="多选").click()
    control.click("#poll-add-option")
    control.locator("#poll-options .cpl-opt-text").nth(3).fill("视频号")
    control.locator("#poll-options .cpl-opt").nth(0).locator(".cpl-opt-remove").click()
    control.click("#poll-save")
    edited = card(control, "（可多选）")
    expect(edited.locator(".pc-kind")).to_have_text("多选")
    expect(edited.locator(".cpr-text")).to_have_text(["朋友转发", "公众号", "视频号"])
    expect(control.locator("#poll-form")).to_have_attribute("data-mode", "new")
    rec = poll_record(live_server, code, edited.get_attribute("data-id"))
    assert rec["kind"] == "multiple" and [o["text"] for o in rec["options"]] == ["朋友转发", "公众号", "视频号"]

    # Another moderator opens the draft being edited: the form lets go of it.
    quiz = card(control, form[2]["title"])
    quiz.locator("[data-act=edit]").click()
    expect(control.locator("#poll-form")).to_have_attribute("data-mode", "edit")
    expect(control.locator("#poll-options .cpl-opt").nth(0).locator(".cpl-opt-correct-box")).to_be_checked()
    api(live_server, "POST", code, f"/polls/{quiz.get_attribute('data-id')}/open")
    expect(control.locator("#poll-form")).to_have_attribute("data-mode", "new")
    expect(control.locator(".toast", has_text="已被其他主持人开始")).to_be_visible()
    expect(quiz).to_have_attribute("data-state", "open")
    close_toasts(control)

    # Deleting a draft; the toast's undo makes it again.
    rating = card(control, form[0]["title"])
    rid = rating.get_attribute("data-id")
    rating.locator("[data-act=delete]").click()
    expect(rating).to_have_count(0)
    assert rid not in [p["id"] for p in api(live_server, "GET", code, "/polls")["polls"]]
    control.locator(".toast", has_text="已删除草稿").locator(".toast-act").click()
    again = card(control, form[0]["title"])
    expect(again).to_have_count(1)
    expect(again).to_have_attribute("data-state", "draft")
    assert [p["title"] for p in api(live_server, "GET", code, "/polls")["polls"]].count(form[0]["title"]) == 1
    # An open poll cannot be deleted: no such button.
    expect(quiz.locator("[data-act=delete]")).to_have_count(0)
    assert control.errors == [], control.errors


def test_screenshot_of_the_polls_view(live_server: Any, browser: Any) -> None:
    """docs/screenshots/control-polls.png: a lecture with polls under way, 1440×900."""
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    url = ws_url(live_server, code)

    quiz = api(live_server, "POST", code, "/polls", {
        "kind": "quiz", "title": "新时代产业工人队伍建设改革方案是哪一年印发的？",
        "options": ["2015 年", "2017 年", "2019 年"], "correct": [1]})
    api(live_server, "POST", code, f"/polls/{quiz['id']}/open")
    for nick, choice in [("小海", "b"), ("晨", "b"), ("一线技工", "b"), ("梁溪职工", "a"), ("海棠无常", "b"), ("路人甲", "c")]:
        talk(url, {"type": "answer", "poll": quiz["id"], "choices": [choice], "nickname": nick})
        time.sleep(0.4)  # answered one after another: the leaderboard has times to tell apart
    for action in ("close", "reveal"):
        api(live_server, "POST", code, f"/polls/{quiz['id']}/{action}")

    topic = api(live_server, "POST", code, "/polls", {"kind": "single", "title": TITLE, "options": OPTIONS + ["产业工人队伍建设"]})
    api(live_server, "POST", code, f"/polls/{topic['id']}/open")
    for i in range(23):
        talk(url, {"type": "answer", "poll": topic["id"], "choices": ["abcd"[(i * 7) % 11 % 4]]})
    for action in ("show", "screen"):
        api(live_server, "POST", code, f"/polls/{topic['id']}/{action}")

    words = api(live_server, "POST", code, "/polls", {"kind": "text", "title": "用一个词形容劳模精神"})
    api(live_server, "POST", code, f"/polls/{words['id']}/open")
    for text in ["奉献", "坚持", "奉献", "执着", "精益求精", "奉献", "担当", "坚持", "创新", "吃苦耐劳", "奉献", "专注"]:
        talk(url, {"type": "answer", "poll": words["id"], "text": text})

    api(live_server, "POST", code, "/polls", {"kind": "rating", "title": "请为本场讲座打分", "scale": 5})

    control = sign_in(browser, lecture, "主持人甲")
    open_polls_tab(control)
    expect(control.locator("#polls .pc")).to_have_count(4)
    expect(control.locator("#poll-board .cpl-leader")).to_have_count(4)
    expect(card(control, TITLE).locator(".pc-total")).to_have_text("23 人作答")
    expect(card(control, "用一个词形容劳模精神").locator(".cpr-word").first).to_be_visible()
    fill_form(control, "单选", "您更希望以哪种形式参加下一期宣讲？", ["线上直播", "现场聆听"])
    close_toasts(control)
    control.mouse.move(5, 5)
    SHOTS.mkdir(parents=True, exist_ok=True)
    control.screenshot(path=str(SHOTS / "control-polls.png"))
    assert control.errors == [], control.errors
