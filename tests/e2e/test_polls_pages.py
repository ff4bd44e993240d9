"""Polls on the pages, in a real browser against a real ``live serve``
process: moderators make and drive polls through the API; viewers answer
on the viewer page (one tap, the ack-driven card, results once shown, a
quiz's verdict once revealed) and from plain WebSocket clients; the big
screen and the stream overlay show the poll that is on screen, with its
results only when they are shown, and a revealed quiz's leaderboard.

Drives Debian's chromium through pip's playwright (never `playwright
install`); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from embed_support import SHOTS, browser, live_lecture, new_page, talk, ws_url  # noqa: F401

pytestmark = pytest.mark.e2e

CHOICE = {"kind": "single", "title": "下一期想听哪个话题？", "options": ["工匠精神", "劳模故事", "技能报国"]}
RATING = {"kind": "rating", "title": "给今天的宣讲打个分", "scale": 5, "allow_change": False}
TEXT = {"kind": "text", "title": "用一个词说说你心中的劳模精神"}
QUIZ = {"kind": "quiz", "title": "“五一”国际劳动节是哪一天？", "options": ["五月一日", "十月一日", "三月八日"], "correct": [0]}
POLL_FILES = ("viewer-polls.js", "lib/polls.js", "polls.css")


def polls_api(live_server: Any, code: str, path: str = "", body: Any = None, method: str = "POST") -> Any:
    return live_server.call(method, f"/api/v1/lectures/{code}/polls{path}", body if body is not None else {})


def make_poll(live_server: Any, code: str, fields: dict[str, Any]) -> dict[str, Any]:
    draft = polls_api(live_server, code, "", fields)
    assert draft["state"] == "draft", draft
    opened = polls_api(live_server, code, f"/{draft['id']}/open")
    assert opened["state"] == "open", opened
    return opened


def public(live_server: Any, code: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{live_server.url}/api/v1/lectures/{code}/polls", timeout=10) as r:
        return json.load(r)


def open_phone(browser: Any, url: str) -> Any:
    page = new_page(browser, width=390, height=844, scale=2, is_mobile=True, has_touch=True)
    page.requested = []
    page.on("request", lambda r: page.requested.append(r.url))
    page.goto(url)
    page.wait_for_selector("#conn[data-state=open]")
    return page


def open_display(browser: Any, url: str) -> Any:
    page = new_page(browser, width=1920, height=1080)
    page.goto(url)
    page.wait_for_function("() => window.liveClient && window.liveClient.state === 'open'")
    return page


def answer(url: str, poll: str, nickname: str | None = None, **payload: Any) -> dict[str, Any]:
    """A fresh viewer answers over a plain WebSocket; the ack."""
    message = {"type": "answer", "poll": poll, **payload}
    if nickname:
        message["nickname"] = nickname
    return talk(url, message)[0]


def test_viewers_answer_and_see_results_and_the_screen_and_overlay_show_them(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    url = ws_url(live_server, code)

    # Before any poll, the viewer page loads none of the poll code.
    phone = open_phone(browser, f"{live_server.url}/l/{code}")
    expect(phone.locator("#polls")).to_be_hidden()
    phone.wait_for_timeout(300)
    assert not [u for u in phone.requested if any(f in u for f in POLL_FILES)], phone.requested

    # A poll opens: the card comes in at once, live, and its code and styles load (versioned).
    choice = make_poll(live_server, code, CHOICE)
    cid = choice["id"]
    card = phone.locator(f"#polls .pc[data-id='{cid}']")
    expect(card).to_be_visible()
    for name in POLL_FILES:
        assert any(name in u and "?v=" in u for u in phone.requested), (name, phone.requested)
    expect(card.locator(".pc-title")).to_have_text(CHOICE["title"])
    expect(card.locator(".pc-kind")).to_have_text("单选投票")
    expect(card.locator(".pc-state")).to_have_text("进行中")
    expect(card.locator(".pa-opt")).to_have_count(3)
    expect(card.locator(".pa-opt input[type=radio]")).to_have_count(3)
    expect(card.locator(".pc-done")).to_be_hidden()
    expect(card.locator(".pr")).to_be_hidden()  # no results before they are shown

    # One tap answers; the ack marks it.
    card.locator(".pa-opt", has_text="劳模故事").click()
    expect(card.locator(".pc-note")).to_have_text("已提交")
    expect(card.locator(".pc-done")).to_have_text("已作答")
    expect(card.locator(".pa-opt.is-mine")).to_have_text(re.compile("劳模故事"))
    # It may be changed (allow_change): another tap.
    card.locator(".pa-opt", has_text="工匠精神").click()
    expect(card.locator(".pa-opt.is-mine")).to_have_text(re.compile("工匠精神"))
    expect(card.locator(".pa-opt.is-mine")).to_have_count(1)
    phone.wait_for_function(f"() => window.liveClient.myAnswers.get('{cid}')?.choices?.[0] === 'a'")

    # More viewers answer over plain WebSockets: a 1, b 3, c 1.
    for choices in (["b"], ["b"], ["b"], ["c"]):
        assert answer(url, cid, choices=choices)["ok"]

    # The big screen: the poll on screen takes the main area; its results are not shown yet.
    screen = open_display(browser, f"{live_server.url}/l/{code}/screen")
    expect(screen.locator("#qa")).to_be_visible()  # nothing on screen yet: the screen shows the questions
    expect(screen.locator("#poll")).to_be_hidden()
    polls_api(live_server, code, f"/{cid}/screen")
    poll_box = screen.locator("#poll")
    expect(poll_box).to_be_visible()
    expect(screen.locator("#qa")).to_be_hidden()
    expect(poll_box.locator(".scr-poll-title")).to_have_text(CHOICE["title"])
    expect(poll_box).to_have_attribute("data-results", "hidden")
    expect(poll_box.locator(".pr-row")).to_have_count(3)  # the options, to read from the hall
    expect(poll_box.locator(".pr-track")).to_have_count(0)  # but no counts
    expect(poll_box.locator(".scr-poll-total")).to_have_text("")
    expect(poll_box.locator(".scr-poll-cta")).to_have_text("用手机扫码作答")

    # The overlay shows the on-screen poll as a lower third.
    overlay = open_display(browser, f"{live_server.url}/overlay/{code}?style=list")
    ov = overlay.locator("#ov-poll")
    expect(ov).to_be_visible()
    expect(ov.locator(".ov-poll-title")).to_have_text(CHOICE["title"])
    expect(ov).to_have_attribute("data-results", "hidden")
    expect(ov.locator(".pr-track")).to_have_count(0)

    # Results shown: bars with counts and percentages everywhere, this viewer's pick marked.
    polls_api(live_server, code, f"/{cid}/show")
    expect(card.locator(".pr")).to_be_visible()
    expect(card.locator(".pa")).to_be_hidden()
    expect(card.locator(".pc-total")).to_have_text("5 人参与")
    row = card.locator(".pr-row[data-id=b]")
    expect(row.locator(".pr-n")).to_have_text("60% 3")
    expect(card.locator(".pr-row[data-id=a] .pr-n")).to_have_text("20% 1")
    expect(card.locator(".pr-row.is-mine")).to_have_attribute("data-id", "a")
    expect(card.locator(".pr-row.is-mine .pr-tag-mine")).to_have_text("我的选择")
    expect(card.locator(".pr-row.is-top")).to_have_attribute("data-id", "b")
    phone.wait_for_function("() => document.querySelector('.pc .pr-row[data-id=b] .pr-fill').style.width === '60%'")
    expect(poll_box).to_have_attribute("data-results", "shown")
    expect(poll_box.locator(".scr-poll-total")).to_have_text("5 人参与")
    expect(poll_box.locator(".pr-row[data-id=b] .pr-n")).to_have_text("60% 3")
    expect(ov.locator(".pr-row[data-id=b] .pr-n")).to_have_text("60% 3")
    expect(ov.locator(".ov-poll-total")).to_have_text("5 人参与")

    # Live: one more answer moves every page.
    assert answer(url, cid, choices=["c"])["ok"]
    expect(card.locator(".pc-total")).to_have_text("6 人参与")
    expect(row.locator(".pr-n")).to_have_text("50% 3")
    expect(card.locator(".pr-row[data-id=c] .pr-n")).to_have_text("33% 2")
    expect(poll_box.locator(".pr-row[data-id=c] .pr-n")).to_have_text("33% 2")
    expect(ov.locator(".pr-row[data-id=c] .pr-n")).to_have_text("33% 2")

    # The viewer changes their answer from the results.
    card.locator(".pc-change").click()
    expect(card.locator(".pa")).to_be_visible()
    card.locator(".pa-opt", has_text="技能报国").click()
    expect(card.locator(".pr-row.is-mine")).to_have_attribute("data-id", "c")
    expect(card.locator(".pr-row[data-id=c] .pr-n")).to_have_text("50% 3")
    expect(card.locator(".pr-row[data-id=a] .pr-n")).to_have_text("0% 0")

    # Closed: no more answers, the results stay, the viewer may put the card away.
    polls_api(live_server, code, f"/{cid}/close")
    expect(card.locator(".pc-state")).to_have_text("已结束")
    expect(card.locator(".pc-change")).to_be_hidden()
    expect(poll_box.locator(".scr-poll-cta")).to_be_hidden()
    refused = talk_raw(url, {"type": "answer", "poll": cid, "choices": ["a"]})
    assert refused["ok"] is False and refused["error"]["code"] == "poll_closed"
    card.locator(".pc-x").click()
    expect(card).to_have_count(0)
    expect(phone.locator("#polls")).to_be_hidden()

    # Off the screen: the questions come back, the overlay card goes.
    polls_api(live_server, code, f"/{cid}/unscreen")
    expect(poll_box).to_be_hidden()
    expect(screen.locator("#qa")).to_be_visible()
    expect(ov).to_be_hidden()

    # A rating (5 stars, no change allowed): one tap on a star.
    rating = make_poll(live_server, code, RATING)
    rid = rating["id"]
    twin = phone.context.new_page()  # the same viewer in a second tab, which does not know of the answer yet
    twin.errors = []
    twin.on("pageerror", lambda e: twin.errors.append(str(e)))
    twin.goto(f"{live_server.url}/l/{code}")
    twin.wait_for_selector("#conn[data-state=open]")
    rcard = phone.locator(f"#polls .pc[data-id='{rid}']")
    expect(rcard.locator(".pa-star")).to_have_count(5)
    rcard.locator(".pa-star[value='4']").click()
    expect(rcard.locator(".pc-done")).to_be_visible()
    expect(rcard.locator(".pa-star[aria-checked=true]")).to_have_attribute("value", "4")
    expect(rcard.locator(".pa-star:disabled")).to_have_count(5)  # no change allowed
    expect(rcard.locator(".pc-note")).to_have_text("结果将由主持人公布", timeout=8000)
    # The second tab tries: the server refuses, the card says why, in words.
    tcard = twin.locator(f"#polls .pc[data-id='{rid}']")
    tcard.locator(".pa-star[value='2']").click()
    expect(tcard.locator(".pc-note")).to_have_text("你已经回答过了，这个投票不能修改答案")
    expect(tcard.locator(".pc-note")).to_have_attribute("data-kind", "error")
    # Reloaded, the tab learns the answer from its welcome (`my_answers`): marked, and locked.
    twin.reload()
    twin.wait_for_selector("#conn[data-state=open]")
    expect(tcard.locator(".pc-done")).to_be_visible()
    expect(tcard.locator(".pa-star[aria-checked=true]")).to_have_attribute("value", "4")
    expect(tcard.locator(".pa-star:disabled")).to_have_count(5)
    for value in (5, 5, 4):
        assert answer(url, rid, value=value)["ok"]
    polls_api(live_server, code, f"/{rid}/show")
    expect(rcard.locator(".pr-avg-n")).to_have_text("4.5")
    expect(rcard.locator(".pr-row[data-value='5'] .pr-n")).to_have_text("50% 2")
    expect(rcard.locator(".pr-row[data-value='4'] .pr-n")).to_have_text("50% 2")
    expect(rcard.locator(".pr-row.is-mine")).to_have_attribute("data-value", "4")
    polls_api(live_server, code, f"/{rid}/screen")
    expect(poll_box.locator(".pr-avg-n")).to_have_text("4.5")
    expect(poll_box.locator(".pr-row[data-value='5'] .pr-n")).to_have_text("50% 2")
    expect(ov.locator(".pr-avg-n")).to_have_text("4.5")
    polls_api(live_server, code, f"/{rid}/close")

    # A text poll: a short answer, then the word cloud, as the server counted the words.
    live_server.call("PUT", f"/api/v1/lectures/{code}/words", {"blocked": ["坏词"], "watch": []})
    text = make_poll(live_server, code, TEXT)
    tid = text["id"]
    tc = phone.locator(f"#polls .pc[data-id='{tid}']")
    expect(tc.locator(".pa-input")).to_have_attribute("maxlength", "30")
    tc.locator(".pa-input").fill("这是坏词")
    tc.locator(".pa-submit").click()
    expect(tc.locator(".pc-note")).to_have_text("内容含有不允许的词语，请修改后再发")
    expect(tc.locator(".pa-input")).to_have_value("这是坏词")  # kept, to fix
    tc.locator(".pa-input").fill("爱岗敬业")
    expect(tc.locator(".pa-counter")).to_have_text("4/30")
    tc.locator(".pa-submit").click()
    expect(tc.locator(".pc-summary")).to_have_text("你的回答：爱岗敬业")
    expect(tc.locator(".pa")).to_be_hidden()
    for words in ("爱岗敬业", "爱岗敬业", "精益求精", "无私奉献", "精益求精 爱岗敬业"):
        assert answer(url, tid, text=words)["ok"]
    polls_api(live_server, code, f"/{tid}/show")
    polls_api(live_server, code, f"/{tid}/screen")
    counts = public(live_server, code)["results"][tid]["counts"]
    assert counts, counts
    cloud = tc.locator(".pr-cloud")
    expect(cloud.locator(".pr-word")).to_have_count(len(counts))
    expect(poll_box.locator(".pr-cloud .pr-word")).to_have_count(len(counts))
    for page_cloud in (cloud, poll_box.locator(".pr-cloud")):
        shown = page_cloud.evaluate("c => [...c.querySelectorAll('.pr-word')].map(w => [w.textContent, +w.dataset.count, parseFloat(getComputedStyle(w).fontSize)])")
        assert {w: n for w, n, _ in shown} == counts
        top = max(counts.values())
        sizes = {w: size for w, _, size in shown}
        biggest = max(sizes.values())
        assert all(sizes[w] == biggest for w, n in counts.items() if n == top)
        assert all(sizes[w] < biggest for w, n in counts.items() if n < top)
    expect(ov.locator(".pr-cloud .pr-word")).to_have_count(min(len(counts), 16))
    polls_api(live_server, code, f"/{tid}/close")

    # A quiz: the phone (with a nickname) answers right, another page wrong; revealed after closing.
    phone.evaluate("localStorage.setItem('live.nickname', '小海')")
    quiz = make_poll(live_server, code, QUIZ)
    qid = quiz["id"]
    desk = new_page(browser, width=1280, height=800)
    desk.goto(f"{live_server.url}/l/{code}")
    desk.wait_for_selector("#conn[data-state=open]")
    qcard = phone.locator(f"#polls .pc[data-id='{qid}']")
    dcard = desk.locator(f"#polls .pc[data-id='{qid}']")
    expect(qcard.locator(".pc-kind")).to_have_text("答题")
    qcard.locator(".pa-opt", has_text="五月一日").click()
    expect(qcard.locator(".pc-done")).to_be_visible()
    dcard.locator(".pa-opt", has_text="十月一日").click()
    expect(dcard.locator(".pc-done")).to_be_visible()
    assert answer(url, qid, nickname="梁溪小李", choices=["a"])["ok"]
    assert answer(url, qid, nickname="晨", choices=["c"])["ok"]
    expect(qcard.locator(".pc-verdict")).to_be_hidden()
    polls_api(live_server, code, f"/{qid}/screen")
    expect(poll_box.locator(".scr-poll-leaders")).to_be_hidden()
    for action in ("close", "show", "reveal"):
        polls_api(live_server, code, f"/{qid}/{action}")
    expect(qcard.locator(".pc-verdict")).to_have_text("回答正确！")
    expect(qcard.locator(".pc-verdict")).to_have_attribute("data-verdict", "right")
    expect(dcard.locator(".pc-verdict")).to_have_text("回答错误")
    expect(dcard.locator(".pc-verdict")).to_have_attribute("data-verdict", "wrong")
    expect(qcard.locator(".pr-row.is-correct")).to_have_attribute("data-id", "a")
    expect(qcard.locator(".pr-row.is-correct .pr-tag-correct")).to_have_text("正确答案")
    expect(dcard.locator(".pr-row.is-mine")).to_have_attribute("data-id", "b")
    expect(qcard.locator(".pc-total")).to_have_text("4 人参与")
    # The screen: the correct answer highlighted and the leaderboard beside it (fastest right answer first).
    expect(poll_box.locator(".pr-row.is-correct")).to_have_attribute("data-id", "a")
    leaders = poll_box.locator(".scr-poll-leaders")
    expect(leaders).to_be_visible()
    expect(leaders.locator("h3")).to_have_text("答题排行榜")
    expect(leaders.locator(".pl-row")).to_have_count(2)
    expect(leaders.locator(".pl-row").first.locator(".pl-name")).to_have_text("小海")
    expect(leaders.locator(".pl-row").nth(1).locator(".pl-name")).to_have_text("梁溪小李")
    expect(leaders.locator(".pl-row").first.locator(".pl-score")).to_have_text(re.compile(r"^答对 1 题 · \d+\.\d 秒$"))
    expect(ov.locator(".pr-row.is-correct")).to_have_attribute("data-id", "a")

    SHOTS.mkdir(parents=True, exist_ok=True)
    screen.wait_for_timeout(900)  # the bars' transition
    screen.screenshot(path=str(SHOTS / "poll-screen.png"))
    phone.wait_for_timeout(900)
    phone.screenshot(path=str(SHOTS / "poll-phone.png"))

    for page in (phone, desk, screen, overlay):
        assert page.errors == [], page.errors
        assert not [m for m in page.console if "live: polls" in m], page.console
    assert twin.errors == [], twin.errors


def talk_raw(url: str, message: dict[str, Any]) -> dict[str, Any]:
    """The ack of one message from a fresh viewer, whether it is ok or not."""
    from websockets.sync.client import connect

    with connect(url, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
        ws.send(json.dumps({**message, "id": "raw-1"}))
        while True:
            frame = json.loads(ws.recv(timeout=10))
            if frame["type"] == "ack" and frame["id"] == "raw-1":
                return frame


def test_the_english_page_and_a_multiple_choice(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    poll = make_poll(live_server, code, {"kind": "multiple", "title": "Which sessions did you attend?",
                                         "options": ["Morning", "Afternoon", "Evening"]})
    pid = poll["id"]
    phone = open_phone(browser, f"{live_server.url}/l/{code}?lang=en")
    card = phone.locator(f"#polls .pc[data-id='{pid}']")
    expect(card.locator(".pc-kind")).to_have_text("Poll · pick any")
    expect(card.locator(".pa-opt input[type=checkbox]")).to_have_count(3)
    submit = card.locator(".pa-submit")
    expect(submit).to_have_text("Submit")
    expect(submit).to_be_disabled()
    card.locator(".pa-opt", has_text="Morning").click()
    card.locator(".pa-opt", has_text="Evening").click()
    submit.click()
    expect(card.locator(".pc-note")).to_have_text("Answer sent")
    expect(card.locator(".pc-done")).to_have_text("Answered")
    expect(card.locator(".pa-opt.is-mine")).to_have_count(2)
    expect(submit).to_have_text("Change answer")
    expect(submit).to_be_disabled()  # nothing changed yet
    assert answer(ws_url(live_server, code), pid, choices=["a"])["ok"]
    polls_api(live_server, code, f"/{pid}/show")
    expect(card.locator(".pc-total")).to_have_text("2 answers")
    expect(card.locator(".pr-row[data-id=a] .pr-n")).to_have_text("100% 2")
    expect(card.locator(".pr-row[data-id=c] .pr-n")).to_have_text("50% 1")
    expect(card.locator(".pr-row.is-mine")).to_have_count(2)
    polls_api(live_server, code, f"/{pid}/close")
    expect(card.locator(".pc-state")).to_have_text("Closed")
    assert phone.errors == [], phone.errors
