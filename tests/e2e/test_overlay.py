"""The stream overlay in a real browser at 1920×1080, as streaming software
shows it: comments fly across (danmaku) within the density limit, featured
ones highlighted; or a lower-third list; and a banner for the question being
answered. It connects as a display (``role=display``).

Drives Debian's chromium through pip's playwright (never `playwright
install`); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

from typing import Any

import pytest
from embed_support import SEED_COMMENTS, SEED_QUESTIONS, SHOTS, browser, live_lecture, new_page, seed, talk, ws_url  # noqa: F401

pytestmark = pytest.mark.e2e

CHEERS = [
    ("小海", "为劳模点赞，为工匠喝彩！"), ("晨", "向一线劳动者致敬"), ("梁溪小李", "陈亮师傅讲得太好了"),
    ("阿强", "工匠精神代代相传"), ("", "无锡加油！"), ("锡城老师傅", "听完很受启发，明天继续努力"),
    ("惠山青年", "技能报国，岗位建功"), ("小周", "感谢嘉宾的分享"), ("新吴职工", "劳动最光荣"),
    ("滨湖小陈", "新时代产业工人了不起"), ("梁溪职工", "我们车间也在推广技能比武"), ("阿芳", "劳模精神永放光芒"),
]


def open_overlay(browser: Any, url: str) -> Any:
    page = new_page(browser, width=1920, height=1080)
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.sockets = sockets
    page.goto(url)
    page.wait_for_function("() => window.liveClient && window.liveClient.state === 'open'")
    # Record the most comments ever on screen at once.
    page.evaluate("""() => { window.__most = 0; const lanes = document.getElementById('lanes');
        new MutationObserver(() => { window.__most = Math.max(window.__most, lanes.childElementCount); })
            .observe(lanes, { childList: true }); }""")
    return page


def test_danmaku_with_a_density_limit_featured_comments_and_the_answering_banner(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    ids = seed(live_server, code)
    page = open_overlay(browser, f"{live_server.url}/overlay/{code}?lanes=4&max=6&duration=8&stats=1&qr=1&preview=1")

    # A display, not a viewer: the socket says so (the server will not count it, later).
    assert any(f"/ws/{code}?" in u and "role=display" in u for u in page.sockets), page.sockets
    # The history is not replayed across the screen.
    page.wait_for_timeout(300)
    assert page.locator("#lanes .dm").count() == 0

    # The question being answered, as a banner.
    banner = page.locator("#banner")
    expect(banner).to_be_visible()
    expect(banner.locator("#banner-tag")).to_have_text("陈亮 正在回答")
    expect(banner.locator("#banner-text")).to_have_text(SEED_QUESTIONS[1][1])
    expect(banner.locator("#banner-meta")).to_contain_text("梁溪职工 提问")
    expect(page.locator("#stats")).to_be_visible()
    expect(page.locator("#qr img")).to_be_visible()

    # A burst of comments: they fly, never more than `max` at once.
    url = ws_url(live_server, code)
    refs = [talk(url, {"type": "comment", "text": text, "nickname": nick})[0]["ref"] for nick, text in CHEERS]
    expect(page.locator("#lanes .dm").first).to_be_visible()
    live_server.moderate(code, f"comments/{refs[3]}/feature")
    featured = page.locator("#lanes .dm.is-featured")
    expect(featured).to_have_count(1)
    expect(featured).to_contain_text(CHEERS[3][1])
    page.wait_for_timeout(1200)
    assert 1 <= page.evaluate("window.__most") <= 6
    tops = page.evaluate("[...document.querySelectorAll('#lanes .dm')].map(d => parseInt(d.style.top))")
    assert set(tops) <= {110 + i * 66 for i in range(4)}, tops  # four lanes, below the counters

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "overlay-danmaku.png"))

    # The next question is taken: the banner follows; when none is, it goes.
    live_server.moderate(code, f"questions/{ids['open']}", {"state": "answering", "speaker": "唐忠宝"})
    expect(banner.locator("#banner-text")).to_have_text(SEED_QUESTIONS[0][1])
    expect(banner.locator("#banner-tag")).to_have_text("唐忠宝 正在回答")
    live_server.moderate(code, f"questions/{ids['open']}", {"state": "answered"})
    expect(banner).to_be_hidden()

    # Transparent for the streaming software (without the preview backdrop).
    clean = open_overlay(browser, f"{live_server.url}/overlay/{code}")
    for selector in ("html", "body", "#stage"):
        assert clean.locator(selector).evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)", selector
    assert clean.locator(".ov-preview").count() == 0
    expect(clean.locator("#stats")).to_be_hidden()
    expect(clean.locator("#qr")).to_be_hidden()
    assert page.errors == [] and clean.errors == [], (page.errors, clean.errors)


def test_list_style_shows_the_latest_comments_as_a_lower_third(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    seed(live_server, code)
    page = open_overlay(browser, f"{live_server.url}/overlay/{code}?style=list&count=4&qr=1&preview=1")
    items = page.locator("#list .ov-item")
    expect(items).to_have_count(4)
    expect(items.last).to_contain_text(SEED_COMMENTS[-1][1])
    expect(page.locator("#list .ov-item.is-featured")).to_have_count(1)  # the seeded featured one is among the last four
    expect(page.locator("#lanes .dm")).to_have_count(0)

    url = ws_url(live_server, code)
    for nick, text in CHEERS[:2]:
        talk(url, {"type": "comment", "text": text, "nickname": nick})
    expect(items.last).to_contain_text(CHEERS[1][1])
    expect(items).to_have_count(4)
    # The featured one is older than the last four now, but stays pinned on top.
    expect(items.first).to_contain_text(SEED_COMMENTS[2][1])
    expect(items.first).to_have_class("ov-item is-featured")
    expect(page.locator("#banner")).to_be_visible()

    # Only featured ones, for a broadcast that shows curated comments.
    curated = open_overlay(browser, f"{live_server.url}/overlay/{code}?style=list&source=featured")
    expect(curated.locator("#list .ov-item")).to_have_count(1)
    expect(curated.locator("#list .ov-item")).to_contain_text(SEED_COMMENTS[2][1])

    page.wait_for_timeout(700)
    page.screenshot(path=str(SHOTS / "overlay-list.png"))
    assert page.errors == [] and curated.errors == [], (page.errors, curated.errors)
