"""Hostile input on every page, in a real browser, against a real
``live serve`` process: the corpus in ``tests/xss_corpus.py`` goes into
every field people type (comments, nicknames, questions, written answers,
poll titles, options and text answers, quiz nicknames, the lecture's
title, description, speaker names and titles, a moderator's name), then
each page is opened in Chromium and must show it all as text: no dialog,
no script run, no element made from a payload, no request to a URL a
payload names. The exports carry it inertly too (CSV cells that a
spreadsheet would run as formulas are neutralised).

The pages are opened with the browser's CSP enforcement switched off
(``bypass_csp``): the CSP (checked apart, on every page's header) forbids
inline script, so an ``<img onerror>`` that reached ``innerHTML`` would
not run with it on; with it off, a payload that became markup would run
and the test would see it. What is tested is the rendering itself.

Drives Debian's chromium through pip's playwright (never `playwright
install`); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

import csv
import io
import json
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Iterator

import pytest
from embed_support import browser, new_page, ws_url  # noqa: F401

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import spawned  # noqa: E402
from live.core.text import normalise  # noqa: E402
from xss_corpus import INJECTED, PAYLOADS, fit, shown  # noqa: E402

pytestmark = pytest.mark.e2e

UNLIMITED_ENV = {"LIVE_COMMENT_RATE": "1000000", "LIVE_COMMENT_BURST": "1000000",
                 "LIVE_QUESTION_RATE": "1000000", "LIVE_QUESTION_BURST": "1000000",
                 "LIVE_VOTE_RATE": "1000000", "LIVE_VOTE_BURST": "1000000",
                 "LIVE_IP_MESSAGE_RATE": "1000000", "LIVE_IP_MESSAGE_BURST": "1000000"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Found in the DOM: every element with an on* attribute or a URL attribute holding a javascript:/data:text URL.
FIND_HANDLERS = """() => [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes]
    .filter((a) => /^on/i.test(a.name) || (/^(href|xlink:href|src|srcdoc|action|formaction|data|poster|background)$/i.test(a.name)
        && /^(javascript|vbscript|data:text\\/html)/i.test(a.value.replace(/[\\s\\0]/g, ''))))
    .map((a) => `<${e.localName} ${a.name}="${a.value.slice(0, 60)}">`))"""


@pytest.fixture
def hostile_server(tmp_path: Path) -> Iterator[Any]:
    with spawned(tmp_path / "xss-data", **UNLIMITED_ENV) as process:
        yield process


# -- talking to the server ----------------------------------------------------------------

class Viewer:
    """A viewer on a real WebSocket that sends messages in a batch and collects their acks."""

    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        self.stack = ExitStack()
        self.ws = self.stack.enter_context(connect(url, open_timeout=10, max_size=2**24))
        assert json.loads(self.ws.recv(timeout=10))["type"] == "welcome"
        self.n = 0

    def batch(self, *messages: dict[str, Any]) -> list[dict[str, Any]]:
        ids = []
        for message in messages:
            self.n += 1
            ids.append(f"x-{self.n}")
            self.ws.send(json.dumps({**message, "id": ids[-1]}))
        acks: dict[str, dict[str, Any]] = {}
        while len(acks) < len(ids):
            frame = json.loads(self.ws.recv(timeout=15))
            if frame["type"] == "ack" and frame["id"] in ids:
                acks[frame["id"]] = frame
        return [acks[i] for i in ids]

    def close(self) -> None:
        self.stack.close()


def send_each(url: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each message from a viewer of its own (the server refuses one viewer's
    repeats, and many payloads are the same letters in other punctuation);
    sent all at once, then the acks read."""
    viewers = [Viewer(url) for _ in messages]
    try:
        for i, (v, m) in enumerate(zip(viewers, messages)):
            v.ws.send(json.dumps({**m, "id": f"each-{i}"}))
        acks = []
        for i, v in enumerate(viewers):
            while True:
                frame = json.loads(v.ws.recv(timeout=15))
                if frame["type"] == "ack" and frame["id"] == f"each-{i}":
                    acks.append(frame)
                    break
        return acks
    finally:
        for v in viewers:
            v.close()


def fetch(server: Any, path: str, body: Any = None, method: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        server.url + path, data=json.dumps(body).encode() if body is not None else None, method=method,
        headers={"Authorization": f"Bearer {server.admin_token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def build_lecture(server: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A live lecture whose every field is hostile, with comments, questions,
    answers and polls made of the corpus. Returns the lecture and what was stored."""
    n = len(PAYLOADS)
    # A javascript: stream is refused outright; an http one with markup in its path is taken as a URL.
    status, _, _ = fetch(server, "/api/v1/lectures", {"title": "x", "stream_url": "javascript:window.__xss=1"}, "POST")
    assert status in (400, 422), status
    speakers = [{"name": fit(PAYLOADS[i], 60), "title": fit(PAYLOADS[(i + 20) % n], 120)} for i in range(20)]
    lecture = server.create_lecture(
        title=fit(PAYLOADS[1], 200),
        description=fit("\n".join(PAYLOADS), 5000),
        speakers=speakers,
        starts_at="2026-04-21T19:00:00+08:00",
        stream_url="https://example.org/\"><svg onload=alert(1)>/live.m3u8",
    )
    code = lecture["code"]
    server.call("POST", f"/api/v1/lectures/{code}/status", {"status": "live"})

    url = ws_url(server, code)
    comment_acks = send_each(url, [{"type": "comment", "text": fit(p, 300), "nickname": fit(PAYLOADS[-1 - i], 24)}
                                   for i, p in enumerate(PAYLOADS)])
    question_acks = send_each(url, [{"type": "question", "text": fit(p, 500), "nickname": fit(PAYLOADS[(i + 7) % n], 24),
                                     "anonymous": False} for i, p in enumerate(PAYLOADS)])
    for ack in comment_acks + question_acks:
        assert ack["ok"] and not ack.get("held"), ack
    comments = [a["record"] for a in comment_acks]
    questions = [a["record"] for a in question_acks]

    featured = [c for i, c in enumerate(comments) if i % 4 == 0]
    for c in featured:
        server.moderate(code, f"comments/{c['id']}/feature")
    # Written answers (the first 30 questions), each by one of the hostile speakers.
    answered = []
    for i, q in enumerate(questions[:30]):
        answered.append(server.moderate(code, f"questions/{q['id']}", {
            "state": "answered", "answer": fit(PAYLOADS[(i + 13) % n], 2000), "speaker": speakers[i % 20]["name"]}))
    # Assigned to the first speaker (whose page is opened), one of them being answered now.
    assigned = [server.moderate(code, f"questions/{q['id']}", {"speaker": speakers[0]["name"]}) for q in questions[30:36]]
    answering = server.moderate(code, f"questions/{questions[36]['id']}",
                                {"state": "answering", "speaker": speakers[0]["name"]})

    # Polls: every payload is an option somewhere; one text poll and one quiz.
    polls = []
    for start in range(0, n, 10):
        options = [fit(p, 80) for p in PAYLOADS[start:start + 10]]
        if len(options) < 2:
            options.append("<b>补</b>")
        polls.append(server.call("POST", f"/api/v1/lectures/{code}/polls",
                                 {"kind": "single", "title": fit(PAYLOADS[(start + 3) % n], 200), "options": options}))
    text_poll = server.call("POST", f"/api/v1/lectures/{code}/polls", {"kind": "text", "title": fit(PAYLOADS[2], 200)})
    quiz = server.call("POST", f"/api/v1/lectures/{code}/polls",
                       {"kind": "quiz", "title": fit(PAYLOADS[4], 200),
                        "options": [fit(PAYLOADS[5], 80), fit(PAYLOADS[6], 80)], "correct": [0]})
    for poll in [*polls, text_poll, quiz]:
        server.call("POST", f"/api/v1/lectures/{code}/polls/{poll['id']}/open")
        server.call("POST", f"/api/v1/lectures/{code}/polls/{poll['id']}/show")
    server.call("POST", f"/api/v1/lectures/{code}/polls/{polls[0]['id']}/screen")
    # Answers from twenty viewers: text answers and quiz nicknames from the corpus.
    for i in range(20):
        v = Viewer(url)
        acks = v.batch({"type": "answer", "poll": text_poll["id"], "text": fit(PAYLOADS[i * 3 % n], 30)},
                       {"type": "answer", "poll": quiz["id"], "choices": ["a"], "nickname": fit(PAYLOADS[i], 24)},
                       {"type": "answer", "poll": polls[0]["id"], "choices": ["abcdefghij"[i % 10]]})
        assert all(a["ok"] or a["error"]["code"] in ("empty", "invalid") for a in acks), acks
        v.close()
    server.call("POST", f"/api/v1/lectures/{code}/polls/{quiz['id']}/close")
    server.call("POST", f"/api/v1/lectures/{code}/polls/{quiz['id']}/reveal")
    lecture = {**lecture, **server.call("GET", f"/api/v1/lectures/{code}"), "urls": lecture["urls"]}  # urls: with the key
    stored = dict(comments=comments, questions=questions, featured=featured, answered=answered, assigned=assigned,
                  answering=answering, polls=polls, text_poll=text_poll, quiz=quiz, speakers=lecture["speakers"])
    return lecture, stored


# -- looking at a page ------------------------------------------------------------------------

def watch(page: Any) -> None:
    """Record dialogs and requests to a payload's URLs."""
    page.dialogs = []
    page.xss_requests = []

    def on_dialog(dialog: Any) -> None:
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda r: page.xss_requests.append(r.url) if ("__xss" in r.url or "xss.invalid" in r.url) else None)


def open_page(browser: Any, url: str, *, ready: str | None = None, **options: Any) -> tuple[Any, Any]:
    page = new_page(browser, bypass_csp=True, **options)
    watch(page)
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    if ready:
        page.wait_for_function(ready) if ready.startswith("()") else page.wait_for_selector(ready)
    return page, response


def assert_csp(response: Any, url: str) -> None:
    """The page's own header forbids inline script: no 'unsafe-inline', no 'unsafe-eval'."""
    csp = response.headers.get("content-security-policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts, (url, csp)
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts, (url, csp)
    assert not any(s.startswith(("data:", "http:", "https:")) for s in scripts), (url, csp)


def page_text(page: Any) -> str:
    return shown(page.evaluate("() => document.body.textContent"))


def assert_inert(page: Any, name: str) -> None:
    page.wait_for_timeout(150)  # an onerror/onload fires on the next turns of the event loop
    assert page.dialogs == [], (name, page.dialogs)
    assert page.evaluate("() => [window.__xss, parent.__xss, top.__xss].filter(Boolean)") == [], name
    assert page.xss_requests == [], (name, page.xss_requests)
    assert page.locator(INJECTED).count() == 0, (name, page.locator(INJECTED).evaluate_all(
        "(els) => els.map((e) => e.outerHTML.slice(0, 120))"))
    assert page.evaluate(FIND_HANDLERS) == [], (name, page.evaluate(FIND_HANDLERS))
    assert not [e for e in page.errors if "__xss" in e], (name, page.errors)


def assert_shown(page: Any, name: str, texts: list[str]) -> None:
    """Each text is in the page as text (markup in it would have become elements, and its text would differ)."""
    body = page_text(page)
    missing = [t for t in texts if t and shown(t) not in body]
    assert not missing, (name, len(missing), missing[:5])


# -- the test -----------------------------------------------------------------------------------

def test_the_corpus_is_inert_on_every_page_and_in_the_exports(hostile_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    server = hostile_server
    started = time.monotonic()
    lecture, stored = build_lecture(server)
    code = lecture["code"]
    comments, questions = [c["text"] for c in stored["comments"]], [q["text"] for q in stored["questions"]]
    nicknames = [c["nickname"] for c in stored["comments"] if c["nickname"]]
    answers = [q["answer"] for q in stored["answered"]]
    speaker_names = [s["name"] for s in lecture["speakers"]]
    speaker_titles = [s["title"] for s in lecture["speakers"] if s.get("title")]
    poll_texts = [t for p in stored["polls"] for t in (p["title"], *(o["text"] for o in p["options"]))]
    header = [lecture["title"], *speaker_names]
    pages: dict[str, Any] = {}

    # ---- the viewer page: the wall, then the questions tab, then the details -----------------
    page, response = open_page(browser, f"{server.url}/l/{code}", ready="#conn[data-state=open]")
    assert_csp(response, "viewer")
    expect(page.locator("#lecture-title")).to_have_text(lecture["title"])
    expect(page.locator("#wall .cmt")).to_have_count(len(comments))
    assert_shown(page, "viewer", [*header, *speaker_titles, lecture["description"], *comments, *nicknames])
    page.click("#tab-questions")
    expect(page.locator("#q-list .q")).to_have_count(len(questions))
    assert_shown(page, "viewer questions", [*questions, *answers, *poll_texts])
    pages["viewer"] = page

    # ---- the control page, signed in under a hostile name ----------------------------------------
    control, response = open_page(browser, lecture["urls"]["control"], ready="#signin:not([hidden])", width=1440)
    assert_csp(response, "control")
    moderator = fit(PAYLOADS[0], 60)
    control.fill("#signin-name", moderator)
    control.click("#signin-submit")
    control.wait_for_selector("#app[data-signed=yes]")
    control.wait_for_function("() => window.liveClient && window.liveClient.state === 'open'")
    expect(control.locator("#wall .wc").first).to_be_attached()
    expect(control.locator("#wall .wc")).to_have_count(len(comments))
    assert_shown(control, "control", [lecture["title"], shown(moderator), *comments, *nicknames, *questions, *answers])
    pages["control"] = control

    # ---- the big screen: the question being answered, featured comments, the poll on screen -----
    screen, response = open_page(browser, f"{server.url}/l/{code}/screen",
                                 ready="() => window.liveClient && window.liveClient.state === 'open'",
                                 width=1920, height=1080)
    assert_csp(response, "screen")
    expect(screen.locator("body")).to_contain_text(shown(stored["polls"][0]["title"]))
    assert_shown(screen, "screen", [*header, stored["answering"]["text"], stored["polls"][0]["title"],
                                    *(o["text"] for o in stored["polls"][0]["options"])])
    featured = {shown(c["text"]) for c in stored["featured"]}
    screen.wait_for_function("(texts) => texts.some((t) => document.body.textContent.replace(/\\s+/g, ' ').includes(t))",
                             arg=sorted(featured))
    # The text poll's word cloud, then the quiz with its leaderboard of hostile nicknames, on screen in turn.
    for poll in (stored["text_poll"], stored["quiz"]):
        server.call("POST", f"/api/v1/lectures/{code}/polls/{poll['id']}/screen")
        expect(screen.locator(".scr-poll-title")).to_have_text(shown(poll["title"]))
        expect(screen.locator(".scr-poll-results")).not_to_be_empty()
        assert_inert(screen, f"screen with {poll['kind']} poll")
    names = screen.locator(".pl-name")
    expect(names.first).to_be_visible()
    quiz_names = {shown(normalise(fit(p, 24))) for p in PAYLOADS[:20]}
    assert {shown(n) for n in names.all_text_contents()} <= quiz_names | {"匿名"}, names.all_text_contents()
    server.call("POST", f"/api/v1/lectures/{code}/polls/{stored['polls'][0]['id']}/screen")
    expect(screen.locator(".scr-poll-title")).to_have_text(shown(stored["polls"][0]["title"]))
    pages["screen"] = screen

    # ---- the widget, in each of its modes ------------------------------------------------------
    for mode in ("wall", "compact", "questions"):
        widget, response = open_page(browser, f"{server.url}/embed/{code}?mode={mode}",
                                     ready="() => window.liveClient && window.liveClient.state === 'open'",
                                     width=420, height=800)
        assert_csp(response, "widget")
        expected = [stored["answering"]["text"]] if mode == "questions" else comments[-10:]
        expect(widget.locator("body")).to_contain_text(shown(expected[-1])[:40])
        assert_shown(widget, f"widget {mode}", expected)
        pages[f"widget {mode}"] = widget

    # ---- the overlay: comments arrive as danmaku ---------------------------------------------------
    overlay, response = open_page(browser, f"{server.url}/overlay/{code}",
                                  ready="() => window.liveClient && window.liveClient.state === 'open'",
                                  width=1920, height=1080)
    assert_csp(response, "overlay")
    late_acks = send_each(ws_url(server, code), [{"type": "comment", "text": "再来：" + fit(p, 290), "nickname": fit(p, 24)}
                                                 for p in PAYLOADS[:8]])
    expect(overlay.locator("body")).to_contain_text(shown(late_acks[0]["record"]["text"])[:30])
    assert_shown(overlay, "overlay", [stored["answering"]["text"], stored["polls"][0]["title"]])
    pages["overlay"] = overlay

    # ---- the poster ---------------------------------------------------------------------------------
    poster, response = open_page(browser, f"{server.url}/l/{code}/poster", width=1000, height=1300)
    assert_csp(response, "poster")
    assert_shown(poster, "poster", [*header, *speaker_titles, lecture["description"]])
    pages["poster"] = poster

    # ---- the speaker page of the first (hostile) speaker ---------------------------------------------
    _, _, body = fetch(server, f"/api/v1/lectures/{code}/session", {"key": lecture["moderator_key"], "name": "x"}, "POST")
    links = {link["name"]: link["url"] for link in json.loads(body)["speaker_links"]}
    assert set(links) == set(speaker_names[:20]) & set(links) and speaker_names[0] in links, links.keys()
    speaker, response = open_page(browser, links[speaker_names[0]], ready="#conn[data-state=open]",
                                  width=390, height=844)
    assert_csp(response, "speaker")
    expect(speaker.locator("#mine-list .sq")).to_have_count(len(stored["assigned"]))
    assert_shown(speaker, "speaker", [lecture["title"], speaker_names[0], stored["answering"]["text"],
                                      *(q["text"] for q in stored["assigned"])])
    pages["speaker"] = speaker

    for name, p in pages.items():
        assert_inert(p, name)
        assert p.errors == [], (name, p.errors)
        # Very long words wrap: nothing pushes the page wider than its window.
        wide = p.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, (name, "scrolls sideways by", wide)

    # The head: the title element and the share card hold the title as text, attributes unbroken.
    assert lecture["title"] in page.title() and lecture["title"] in poster.title() and lecture["title"] in screen.title()
    assert page.locator('meta[property="og:title"]').get_attribute("content") == lecture["title"]

    # The detectors work: the same payload put through innerHTML on one of these pages is caught.
    poster.evaluate("(html) => document.body.insertAdjacentHTML('beforeend', html)", PAYLOADS[1])
    poster.wait_for_function("() => window.__xss === 1")  # and it runs: the CSP is off for these pages
    with pytest.raises(AssertionError):
        assert_inert(poster, "poster, with markup injected on purpose")

    # ---- the exports ------------------------------------------------------------------------------------
    check_exports(server, code, lecture, stored)
    assert time.monotonic() - started < 90


def check_exports(server: Any, code: str, lecture: dict[str, Any], stored: dict[str, Any]) -> None:
    featured = [c["text"] for c in stored["featured"]]
    answered = stored["answered"]

    status, headers, raw = fetch(server, f"/api/v1/lectures/{code}/export?format=json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    data = json.loads(raw)
    assert data["lecture"]["title"] == lecture["title"]
    assert [c["text"] for c in data["featured_comments"]] == featured
    assert {q["id"]: q["answer"] for q in data["answered_questions"]} == {q["id"]: q["answer"] for q in answered}

    status, headers, raw = fetch(server, f"/api/v1/lectures/{code}/export?format=md")
    assert status == 200 and headers["Content-Type"].startswith("text/markdown")
    md = raw.decode()
    from live.export import md as md_text

    for text in [lecture["title"], *featured, *(q["text"] for q in answered), *(q["answer"] for q in answered)]:
        assert md_text(text) in md, text  # every payload is there, as text a Markdown renderer shows as text
    # ...and none of it is HTML or a link once rendered: no raw tags, no link syntax, no code spans.
    assert "<" not in md and ">" not in md.replace("&gt;", "") and "](" not in md.replace("\\](", "")

    for mask in ("", "&mask=1"):
        status, headers, raw = fetch(server, f"/api/v1/lectures/{code}/export?format=csv{mask}")
        assert status == 200 and headers["Content-Type"].startswith("text/csv")
        text = raw.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[0][:5] == ["section", "id", "time", "nickname", "text"]
        cells = [cell for row in rows for cell in row]
        dangerous = [cell for cell in cells if cell.startswith(FORMULA_START)]
        assert not dangerous, dangerous[:5]
        texts = {row[1]: row for row in rows if row[0] in ("featured_comment", "answered_question")}
        for c in stored["featured"]:
            expected = "'" + c["text"] if c["text"].startswith(FORMULA_START) else c["text"]
            assert texts[c["id"]][4] == expected
        for q in answered:
            expected = "'" + q["answer"] if q["answer"].startswith(FORMULA_START) else q["answer"]
            assert texts[q["id"]][5] == expected
        # The corpus has formulas in it: some of them reached the CSV, neutralised.
        assert any(cell.startswith(("'=", "'+", "'-", "'@")) for cell in cells)


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised() -> None:
    from live.export import to_csv

    data = {"featured_comments": [{"id": "c1", "created_at": "t", "nickname": "@admin", "text": "=1+1"},
                                  {"id": "c2", "created_at": "t", "nickname": "-x", "text": "\tTAB"},
                                  {"id": "c3", "created_at": "t", "nickname": None, "text": "\rCR"},
                                  {"id": "c4", "created_at": "t", "nickname": "好", "text": "a=1 +2 -3 @4"}],
            "answered_questions": [{"id": "q5", "created_at": "t", "nickname": "+n", "text": "+SUM(A1)",
                                    "answer": "-2+3+cmd|' /C calc'!A0", "speaker": "@speaker", "votes": -1}],
            "stats": {"likes": 3}, "sources": {"page": {"visits": 5}}}
    rows = list(csv.reader(io.StringIO(to_csv(data), newline="")))
    assert rows[1][3:5] == ["'@admin", "'=1+1"]
    assert rows[2][3:5] == ["'-x", "'\tTAB"]
    assert rows[3][3:5] == ["", "'\rCR"]
    assert rows[4][3:5] == ["好", "a=1 +2 -3 @4"]  # only a cell's first character matters
    assert rows[5][3:8] == ["'+n", "'+SUM(A1)", "'-2+3+cmd|' /C calc'!A0", "'@speaker", "-1"]  # numbers stay numbers
    assert rows[6] == ["stat", "likes", "", "", "3", "", "", ""]
    assert rows[7] == ["source", "page", "", "", "5", "", "", ""]
