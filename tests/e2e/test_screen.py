"""The big screen (``/l/{code}/screen``) in a real browser at 1920×1080, as
a hall projector shows it: the question being answered (or the top open
ones), featured comments cross-fading in rotation, live counters, and an
inline SVG QR code that scans to the viewer page. No controls at all; it
connects as a display and stays right across reconnects, resumed or not.

Drives Debian's chromium through pip's playwright (never `playwright
install`); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

import io
import re
import urllib.error
import urllib.request
from typing import Any

import pytest
from embed_support import (  # noqa: F401
    SEED_COMMENTS, SEED_QUESTIONS, SHOTS, SPEAKERS, browser, decode_qr, live_lecture, new_page, seed, talk, ws_url,
)

pytestmark = pytest.mark.e2e

CHEERS = [("小海", "为劳模点赞，为工匠喝彩！"), ("晨", "向一线劳动者致敬，劳动最光荣"), ("梁溪小李", "陈亮师傅讲得太好了")]
NEW_QUESTIONS = [("惠山青年", "年轻人怎样才能耐得住寂寞，把一门手艺练精？", 3), ("新吴职工", "企业在培养工匠人才方面，有哪些激励机制？", 1)]
CONTROLS = "button, input, select, textarea, a[href], [contenteditable], [tabindex]:not([tabindex='-1'])"


def open_screen(browser: Any, url: str, **options: Any) -> Any:
    page = new_page(browser, width=1920, height=1080, **options)
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.sockets = sockets
    page.goto(url)
    page.wait_for_function("() => window.liveClient && window.liveClient.state === 'open'")
    return page


def assert_on_screen(page: Any, width: int, height: int) -> None:
    """Every part of the screen is inside the viewport: nothing spills out."""
    for selector in (".scr-head", ".scr-qa", ".scr-join", "#qr svg", "#join-url"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0, (selector, box)
        assert box["x"] + box["width"] <= width + 1 and box["y"] + box["height"] <= height + 1, (selector, box)


def font_px(locator: Any) -> float:
    return float(locator.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


def test_the_screen_follows_the_lecture_live_and_across_reconnects(live_server: Any, browser: Any) -> None:
    from PIL import Image
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    viewer_url = lecture["urls"]["viewer"]
    ids = seed(live_server, code)
    url = ws_url(live_server, code)

    # The QR code is in the page itself, as SVG made by the server.
    with urllib.request.urlopen(f"{live_server.url}/l/{code.lower()}/screen") as response:
        html = response.read().decode()
    assert re.search(r'<div class="scr-qr" id="qr"><svg [^>]*viewBox=', html), "an inline SVG QR code"
    assert "qr.svg" not in html and "<img" not in html
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{live_server.url}/l/ZZZZZZ/screen")
    assert missing.value.code == 404

    page = open_screen(browser, f"{live_server.url}/l/{code}/screen?rotate=2")
    assert any(f"/ws/{code}?" in u and "role=display" in u for u in page.sockets), page.sockets
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    # No controls at all: nothing to click, type into or tab to.
    assert page.locator(CONTROLS).count() == 0

    # The lecture, its speakers, the counters.
    expect(page.locator("#lecture-title")).to_have_text(lecture["title"])
    expect(page.locator("#speakers .scr-speaker")).to_have_count(len(SPEAKERS))
    expect(page.locator("#speakers")).to_contain_text(SPEAKERS[0]["name"])
    expect(page.locator("#status")).to_have_text("直播中")
    expect(page.locator("#stat-likes")).to_have_text("200")
    expect(page.locator("#stat-online")).to_have_text(re.compile(r"^\d+$"))  # the screen itself is not a viewer
    expect(page.locator("#stat-visits")).to_have_text(re.compile(r"^[1-9]\d*$"))

    # The question being answered, huge.
    answering = page.locator("#answering")
    expect(answering).to_be_visible()
    expect(page.locator("#answering-text")).to_have_text(SEED_QUESTIONS[1][1])
    expect(page.locator("#answering-tag")).to_have_text("陈亮 正在回答")
    expect(page.locator("#answering-meta")).to_have_text(f"{SEED_QUESTIONS[1][0]} 提问 · 2 人赞同")
    assert font_px(page.locator("#answering-text")) >= 40
    assert font_px(page.locator("#lecture-title")) >= 40
    expect(page.locator("#top")).to_be_hidden()

    # The QR code: inline SVG, big, and it scans to the viewer page; the short link under it.
    qr = page.locator("#qr")
    assert qr.locator("svg").count() == 1 and qr.locator("img").count() == 0
    box = qr.locator("svg").bounding_box()
    assert box["width"] >= 300 and abs(box["width"] - box["height"]) < 2, box
    assert decode_qr(Image.open(io.BytesIO(qr.screenshot()))) == [viewer_url]
    expect(page.locator("#join-url")).to_have_text(re.sub(r"^https?://", "", viewer_url))
    assert_on_screen(page, 1920, 1080)

    # The seeded featured comment is on show; one just featured comes on at once.
    slide = page.locator("#feat-stage .scr-slide.is-in")
    expect(page.locator("#feat")).to_be_visible()
    expect(slide).to_have_text(re.compile(re.escape(SEED_COMMENTS[2][1])))
    assert font_px(slide.locator(".scr-slide-text")) >= 32
    refs = [talk(url, {"type": "comment", "text": text, "nickname": nick})[0]["ref"] for nick, text in CHEERS]
    live_server.moderate(code, f"comments/{refs[0]}/feature")
    expect(slide).to_contain_text(CHEERS[0][1])
    expect(slide).to_contain_text(CHEERS[0][0])
    expect(page.locator("#feat-n")).to_have_text("2 / 2")
    live_server.moderate(code, f"comments/{refs[1]}/feature")
    expect(slide).to_contain_text(CHEERS[1][1])
    expect(page.locator("#feat-n")).to_have_text("3 / 3")

    # They rotate (every 2 s here, 8 s by default), cross-fading: the one going fades out.
    assert page.locator("#feat-stage .scr-slide").first.evaluate("e => getComputedStyle(e).transitionProperty") == "opacity"
    page.evaluate("""() => { window.__seen = []; window.__most = 0;
        const stage = document.getElementById('feat-stage');
        new MutationObserver((records) => {
            window.__most = Math.max(window.__most, stage.childElementCount);
            for (const r of records) for (const n of r.addedNodes) window.__seen.push(n.querySelector('.scr-slide-text').textContent);
        }).observe(stage, { childList: true }); }""")
    page.wait_for_function("() => new Set(window.__seen).size >= 3", timeout=12_000)
    seen = page.evaluate("window.__seen")
    assert set(seen[:3]) == {SEED_COMMENTS[2][1], CHEERS[0][1], CHEERS[1][1]}, seen
    assert seen[0] == SEED_COMMENTS[2][1], "after the newest comes the oldest again"
    assert page.evaluate("window.__most") == 2, "the old slide fades out while the new one fades in"

    # Likes, votes and the answering question move live.
    talk(url, {"type": "like", "count": 50})
    expect(page.locator("#stat-likes")).to_have_text("250")
    live_server.moderate(code, f"questions/{ids['open']}", {"state": "answering", "speaker": "唐忠宝"})
    expect(page.locator("#answering-text")).to_have_text(SEED_QUESTIONS[0][1])
    expect(page.locator("#answering-tag")).to_have_text("唐忠宝 正在回答")
    expect(page.locator("#answering-meta")).to_have_text(f"{SEED_QUESTIONS[0][0]} 提问 · 4 人赞同")
    talk(url, {"type": "vote", "question": ids["open"], "up": True})
    expect(page.locator("#answering-meta")).to_have_text(f"{SEED_QUESTIONS[0][0]} 提问 · 5 人赞同")

    # Nothing being answered: the open questions with the most votes.
    asked = []
    for nick, text, votes in NEW_QUESTIONS:
        asked.append(talk(url, {"type": "question", "text": text, "nickname": nick, "anonymous": False})[0]["ref"])
        for _ in range(votes):
            talk(url, {"type": "vote", "question": asked[-1], "up": True})
    live_server.moderate(code, f"questions/{ids['open']}", {"state": "answered"})
    expect(answering).to_be_hidden()
    top = page.locator("#top-list .scr-top-q")
    expect(top).to_have_count(2)
    expect(top.first).to_contain_text(NEW_QUESTIONS[0][1])
    expect(top.first.locator(".scr-votes")).to_have_text("3")
    expect(top.last).to_contain_text(f"{NEW_QUESTIONS[1][0]} 提问")
    assert font_px(top.first.locator(".scr-top-text")) >= 40
    expect(page.locator("#qa-empty")).to_be_hidden()

    SHOTS.mkdir(parents=True, exist_ok=True)
    live_server.moderate(code, f"questions/{asked[1]}", {"state": "answering", "speaker": "李建忠"})
    expect(page.locator("#answering-text")).to_have_text(NEW_QUESTIONS[1][1])
    page.wait_for_timeout(1000)  # the entrance settles
    # Between two cross-fades: one featured comment fully in, the others fully out.
    page.wait_for_function("""() => {
        const o = [...document.querySelectorAll('.scr-slide')].map((n) => getComputedStyle(n).opacity);
        return o.filter((v) => v === '1').length === 1 && o.every((v) => v === '0' || v === '1');
    }""", timeout=10000)
    page.screenshot(path=str(SHOTS / "screen.png"))

    # Disconnected while things change: on resuming, the screen catches up.
    page.evaluate("window.liveClient.close()")
    expect(page.locator("#conn")).to_have_attribute("data-state", "closed")
    live_server.moderate(code, f"comments/{ids['featured']}/hide")
    live_server.moderate(code, f"comments/{refs[0]}/unfeature")
    live_server.moderate(code, f"questions/{asked[0]}", {"state": "answering"})
    talk(url, {"type": "like", "count": 30})
    page.evaluate("window.liveClient.connect()")
    expect(page.locator("#conn")).to_have_attribute("data-state", "open")
    assert "since=" in page.sockets[-1], page.sockets[-1]
    expect(page.locator("#answering-text")).to_have_text(NEW_QUESTIONS[0][1])
    expect(page.locator("#answering-tag")).to_have_text("正在回答")
    expect(page.locator("#stat-likes")).to_have_text("280")
    expect(slide).to_contain_text(CHEERS[1][1])
    expect(page.locator("#feat-stage .scr-slide")).to_have_count(1)
    expect(page.locator("#feat-n")).to_have_text("")

    # And when the history cannot be resumed (another epoch): from the snapshot.
    page.evaluate("window.liveClient.close()")
    live_server.moderate(code, f"comments/{refs[2]}/feature")
    live_server.moderate(code, f"questions/{asked[0]}", {"state": "answered"})
    page.evaluate("window.liveClient.epoch = 'stale'; window.liveClient.connect()")
    expect(page.locator("#conn")).to_have_attribute("data-state", "open")
    expect(answering).to_be_hidden()
    expect(top).to_have_count(0)
    expect(page.locator("#qa-empty")).to_be_visible()
    expect(page.locator("#feat-n")).to_have_text(re.compile(r"^\d / 2$"))
    page.wait_for_function("() => window.__seen.includes(" + repr(CHEERS[2][1]) + ")", timeout=8_000)
    assert page.errors == [], page.errors


def test_in_english_without_motion_and_without_anything_yet(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    page = open_screen(browser, f"{live_server.url}/l/{code}/screen?lang=en", reduced_motion="reduce")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#qa-empty")).to_be_visible()
    expect(page.locator("#qa-empty")).to_contain_text("Scan the code to ask")
    expect(page.locator("#feat")).to_be_hidden()
    expect(page.locator(".scr-stat dt")).to_have_text(["online", "visits", "likes"])
    expect(page.locator("#stat-likes")).to_have_text("0")
    assert page.locator(CONTROLS).count() == 0

    url = ws_url(live_server, code)
    refs = [talk(url, {"type": "comment", "text": text, "nickname": nick})[0]["ref"] for nick, text in CHEERS[:2]]
    ask = talk(url, {"type": "question", "text": NEW_QUESTIONS[0][1], "anonymous": True})[0]["ref"]
    live_server.moderate(code, f"questions/{ask}", {"state": "answering"})
    expect(page.locator("#answering-tag")).to_have_text("Answering now")
    expect(page.locator("#answering-meta")).to_have_text("Asked by Anonymous · 0 upvotes")

    live_server.moderate(code, f"comments/{refs[0]}/feature")
    expect(page.locator("#feat")).to_be_visible()
    expect(page.locator("#feat")).to_contain_text("Featured")
    live_server.moderate(code, f"comments/{refs[1]}/feature")
    # Without motion the slides swap at once: no fade, no second slide on its way out.
    expect(page.locator("#feat-stage .scr-slide")).to_have_count(1)
    expect(page.locator("#feat-stage .scr-slide")).to_contain_text(CHEERS[1][1])
    assert float(page.locator(".scr-slide").evaluate("e => parseFloat(getComputedStyle(e).transitionDuration)")) < 0.01

    # Unfeatured and hidden ones leave; with none left, the strip goes.
    live_server.moderate(code, f"comments/{refs[1]}/unfeature")
    expect(page.locator("#feat-stage .scr-slide")).to_contain_text(CHEERS[0][1])
    live_server.moderate(code, f"comments/{refs[0]}/hide")
    expect(page.locator("#feat")).to_be_hidden()
    expect(page.locator("#feat-stage .scr-slide")).to_have_count(0)

    # Fluid: at 1280×720 the same layout, scaled down, nothing spilling out.
    page.set_viewport_size({"width": 1280, "height": 720})
    page.wait_for_timeout(200)
    assert_on_screen(page, 1280, 720)
    assert font_px(page.locator("#answering-text")) >= 26
    assert page.errors == [], page.errors
