"""The embeddable widget in a real browser, on another site: one script tag
per widget, several on one page, talking to a real ``live serve`` process.

The embedding site is ``localhost`` on another port and the live server
``127.0.0.1``: two sites, so the widget is a third-party frame, where this
Chromium blocks third-party cookies and storage (``localStorage`` throws).
The widget must work there all the same. A site that the lecture does not
list in ``embed_origins`` is refused by the browser because of the
``frame-ancestors`` header.

Drives Debian's chromium through pip's playwright (never `playwright
install`); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

from typing import Any

import pytest
from embed_support import SEED_COMMENTS, SEED_QUESTIONS, SHOTS, browser, host, live_lecture, new_page, seed  # noqa: F401

pytestmark = pytest.mark.e2e

COMMENT = "在公众号里看直播，也能一起评论，太方便了！"
QUESTION = "请问唐教授，青年职工怎样把工匠精神落实到日常工作中？"


def article(live_server: Any, *tags: str) -> str:
    """A page like an official-account article, with the widget tags in it."""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>无锡工会 · 五一特辑</title><link rel="icon" href="data:,">
<script>window.__globals = Object.keys(window);</script>
<style>
  body {{ margin: 0; background: #ededed; font: 16px/1.75 system-ui, "WenQuanYi Micro Hei", sans-serif; color: #222; }}
  main {{ max-width: 720px; margin: 0 auto; padding: 28px 24px 48px; background: #fff; min-height: 100vh; }}
  h1 {{ font-size: 24px; line-height: 1.4; margin: 0 0 8px; }}
  .meta {{ color: #888; font-size: 14px; margin-bottom: 18px; }} .meta b {{ color: #576b95; font-weight: 500; }}
  p {{ margin: 0 0 16px; text-align: justify; }}
  .video {{ aspect-ratio: 16/9; border-radius: 8px; margin-bottom: 18px; display: grid; place-items: center; color: #fff; font-size: 15px;
           background: linear-gradient(135deg, #2d3440, #12161c); }}
  h2 {{ font-size: 17px; margin: 26px 0 10px; padding-left: 10px; border-left: 4px solid #c8202f; line-height: 1.3; }}
</style></head>
<body><main>
<h1>“劳模精神”大家谈｜无锡“新时代·新思想·新宣讲”五一特辑</h1>
<p class="meta"><b>无锡市总工会</b> · 4月21日 19:00 直播</p>
<div class="video">▶ 直播画面（平台播放器）</div>
<p>以“弘扬新时代劳模精神、劳动精神、工匠精神”为主题，四位嘉宾畅谈自己的思考和观点。欢迎在下方留言互动，向嘉宾提问。</p>
<h2>直播互动</h2>
{tags[0] if tags else ''}
<h2>向嘉宾提问</h2>
{tags[1] if len(tags) > 1 else ''}
</main></body></html>"""


def tag(live_server: Any, code: str, **data: str) -> str:
    attrs = "".join(f' data-{k}="{v}"' for k, v in data.items())
    return f'<script src="{live_server.url}/embed.js" data-lecture="{code}"{attrs} async></script>'


def widget_frame(page: Any, mode: str) -> Any:
    page.wait_for_selector(f'iframe[data-live-embed="{mode}"]', state="attached")
    for _ in range(100):
        for frame in page.frames:
            if "/embed/" in frame.url and f"mode={mode}" in frame.url:
                return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"no {mode} widget frame in {[f.url for f in page.frames]}")


def frame_height(page: Any, mode: str) -> float:
    return page.locator(f'iframe[data-live-embed="{mode}"]').evaluate("e => e.getBoundingClientRect().height")


def assert_sized_to_content(page: Any, mode: str, frame: Any) -> None:
    inner = outer = 0.0
    for _ in range(50):
        inner = frame.evaluate("document.getElementById('app').getBoundingClientRect().height")
        outer = frame_height(page, mode)
        if inner > 100 and abs(outer - inner) <= 1:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the {mode} frame is {outer}px tall, its content {inner}px")


def test_a_site_embeds_the_widget_and_its_readers_comment_ask_and_vote(live_server: Any, browser: Any, host: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    seed(live_server, code)
    host.pages["/article"] = article(live_server, tag(live_server, code), tag(live_server, code, mode="ask", theme="light"))

    page = new_page(browser, width=900, height=1500)
    page.goto(host.url + "/article")
    wall = page.frame_locator('iframe[data-live-embed="wall"]')
    ask = page.frame_locator('iframe[data-live-embed="ask"]')
    for w in (wall, ask):
        expect(w.locator("#conn")).to_have_attribute("data-state", "open")
    wall_frame, ask_frame = widget_frame(page, "wall"), widget_frame(page, "ask")
    assert wall_frame.url.startswith(live_server.url + f"/embed/{code}?")
    assert f"origin={host.origin.replace(':', '%3A').replace('/', '%2F')}" in wall_frame.url

    # A third-party frame here: no cookies, and storage throws. The widget works anyway.
    probe = "() => { try { localStorage.getItem('x'); return 'ok'; } catch (e) { return e.name; } }"
    assert wall_frame.evaluate(probe) == "SecurityError"
    assert wall_frame.evaluate("document.cookie") == ""
    assert wall_frame.evaluate("window.liveClient.viewer").startswith("v1.")

    expect(wall.locator("#lecture-title")).to_have_text(lecture["title"])
    expect(wall.locator("#status")).to_have_text("直播中")
    expect(wall.locator("#wall .cmt")).to_have_count(len(SEED_COMMENTS))
    expect(wall.locator("#wall .cmt.is-featured")).to_have_count(1)

    # Each frame is as tall as its content, told by postMessage.
    for mode, frame in (("wall", wall_frame), ("ask", ask_frame)):
        assert_sized_to_content(page, mode, frame)

    # Comment: the first post asks for a nickname, inline.
    wall.locator("#comment-input").fill(COMMENT)
    wall.locator("#comment-send").click()
    expect(wall.locator("#nick-form")).to_be_visible()
    wall.locator("#nick-input").fill("梁溪小海")
    wall.locator("#nick-ok").click()
    mine = wall.locator("#wall .cmt", has_text=COMMENT)
    expect(mine).to_have_count(1)
    expect(mine.locator(".tag-mine")).to_have_text("我")
    expect(wall.locator("#comment-input")).to_have_value("")
    comments = live_server.call("GET", f"/api/v1/lectures/{code}/comments")["comments"]
    assert any(c["text"] == COMMENT and c["nickname"] == "梁溪小海" for c in comments)

    # Like.
    before = live_server.call("GET", f"/api/v1/lectures/{code}/stats")["likes"]
    for _ in range(3):
        wall.locator("#like-btn").click()
    expect(wall.locator("#like-n")).to_have_text(str(before + 3))
    for _ in range(40):
        if live_server.call("GET", f"/api/v1/lectures/{code}/stats")["likes"] == before + 3:
            break
        page.wait_for_timeout(100)
    assert live_server.call("GET", f"/api/v1/lectures/{code}/stats")["likes"] == before + 3

    # Ask in the other widget (another frame, its own memory: it asks for a nickname too).
    height_before = frame_height(page, "ask")
    ask.locator("#ask-input").fill(QUESTION)
    ask.locator("#ask-send").click()
    expect(ask.locator("#nick-form")).to_be_visible()
    ask.locator("#nick-input").fill("青年职工")
    ask.locator("#nick-ok").click()
    asked = ask.locator("#mine .w-mine-item", has_text=QUESTION)
    expect(asked).to_have_count(1)
    expect(asked.locator(".tag")).to_have_text("已公开")
    expect(ask.locator("#dock-note")).to_have_text("提问已发布")
    assert_sized_to_content(page, "ask", ask_frame)
    assert frame_height(page, "ask") > height_before + 20  # "my questions" appeared: the frame grew
    questions = live_server.call("GET", f"/api/v1/lectures/{code}/questions")["questions"]
    mine_q = next(q for q in questions if q["text"] == QUESTION)
    assert mine_q["nickname"] == "青年职工" and mine_q["state"] == "approved"

    # Vote for it in the wall widget's questions tab; the asker's widget sees the vote.
    wall.locator("#tab-questions").click()
    expect(wall.locator("#q-list .q")).to_have_count(len(SEED_QUESTIONS) + 1)
    expect(wall.locator("#q-list .q").first).to_contain_text("陈亮 正在回答")
    card = wall.locator("#q-list .q", has_text=QUESTION)
    card.locator(".vote").click()
    expect(card.locator(".vote")).to_have_attribute("aria-pressed", "true")
    expect(card.locator(".vote-n")).to_have_text("1")
    expect(asked.locator(".w-mine-votes")).to_have_text("1")
    wall.locator("#tab-comments").click()

    # A moderator marks it as being answered: the asker's widget says so.
    live_server.moderate(code, f"questions/{mine_q['id']}", {"state": "answering", "speaker": "唐忠宝"})
    expect(asked.locator(".tag")).to_have_text("正在回答")

    # Nothing leaked into the host page: no globals, no styles; the frames are sandboxed.
    leaked = page.evaluate("""() => Object.keys(window).filter(k => k !== '__globals' && !window.__globals.includes(k) && !/^\\d+$/.test(k))""")
    assert leaked == []
    assert page.evaluate("document.querySelectorAll('style').length") == 1
    assert page.evaluate("[...document.styleSheets].every(s => s.ownerNode.tagName === 'STYLE')")
    frame_el = page.locator('iframe[data-live-embed="wall"]')
    assert "allow-top-navigation" not in frame_el.get_attribute("sandbox")
    assert frame_el.get_attribute("title")

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1500)  # let the notes and hearts fade
    page.set_viewport_size({"width": 760, "height": 1500})
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / "embed-article.png"), full_page=True)

    errors = [m for m in page.console if m.startswith("error")]
    assert page.errors == [] and errors == [], (page.errors, errors)


def test_modes_themes_and_a_fixed_height(live_server: Any, browser: Any, host: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    seed(live_server, code)
    host.pages["/modes"] = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<style>body {{ margin: 0; padding: 28px; background: #e9ecf1; font: 14px system-ui, sans-serif; color: #444;
  display: grid; grid-template-columns: 400px 400px; gap: 28px; align-items: start; }}
  .dark {{ background: #15171c; padding: 16px; border-radius: 14px; }} h3 {{ margin: 0 0 8px; font-size: 13px; font-weight: 600; }}
  .dark h3 {{ color: #aab; }}</style></head><body>
<div><h3>data-mode="compact" data-theme="dark"</h3><div class="dark">{tag(live_server, code, mode="compact", theme="dark")}</div>
<h3 style="margin-top: 24px">data-mode="questions" data-accent="#1f6feb" data-lang="en"</h3>{tag(live_server, code, mode="questions", accent="#1f6feb", lang="en")}</div>
<div><h3>data-readonly data-height="560"</h3>{tag(live_server, code, readonly="", height="560")}</div>
</body></html>"""
    page = new_page(browser, width=920, height=1000, lang="en-US")
    page.goto(host.url + "/modes")
    compact = page.frame_locator('iframe[data-live-embed="compact"]')
    questions = page.frame_locator('iframe[data-live-embed="questions"]')
    readonly = page.frame_locator('iframe[data-live-embed="wall"]')
    for w in (compact, questions, readonly):
        expect(w.locator("#conn")).to_have_attribute("data-state", "open")

    # compact: the latest comments over a composer and the like button, dark.
    expect(compact.locator("html")).to_have_attribute("data-theme", "dark")
    expect(compact.locator("#wall .cmt")).to_have_count(len(SEED_COMMENTS))
    expect(compact.locator("#composer")).to_be_visible()
    expect(compact.locator("#like-btn")).to_be_visible()
    bg = widget_frame(page, "compact").evaluate("getComputedStyle(document.getElementById('app')).backgroundColor")
    assert bg == "rgb(24, 25, 28)", bg

    # questions, in English, in the site's colour.
    expect(questions.locator("html")).to_have_attribute("lang", "en")
    expect(questions.locator("#q-list .q")).to_have_count(len(SEED_QUESTIONS))
    expect(questions.locator("#q-list .q").first).to_contain_text("陈亮 is answering")
    expect(questions.locator("#ask-send")).to_have_text("Ask")
    accent = widget_frame(page, "questions").evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
    assert accent == "#1f6feb"

    # read-only, at a fixed height: no controls, the frame keeps its height.
    expect(readonly.locator("#wall .cmt")).to_have_count(len(SEED_COMMENTS))
    expect(readonly.locator(".dock")).to_have_count(0)
    expect(readonly.locator("#like-btn")).to_have_count(0)
    readonly.locator("#tab-questions").click()
    expect(readonly.locator("#q-list .q button")).to_have_count(0)
    readonly.locator("#tab-comments").click()
    assert frame_height(page, "wall") == 560

    # A new comment arrives in all three.
    from embed_support import talk, ws_url
    talk(ws_url(live_server, code), {"type": "comment", "text": "从电视台频道过来的，支持！", "nickname": "教育台观众"})
    for w in (compact, readonly):
        expect(w.locator("#wall .cmt", has_text="从电视台频道过来的")).to_have_count(1)

    page.wait_for_timeout(600)
    page.screenshot(path=str(SHOTS / "embed-modes.png"), full_page=True)
    errors = [m for m in page.console if m.startswith("error")]
    assert page.errors == [] and errors == [], (page.errors, errors)


def test_only_the_sites_the_lecture_lists_may_embed_it(live_server: Any, browser: Any, host: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server, settings={"embed_origins": ["https://mp.weixin.qq.com"]})
    code = lecture["code"]
    host.pages["/widget"] = article(live_server, tag(live_server, code))
    host.pages["/viewer"] = f'<!doctype html><link rel="icon" href="data:,"><iframe id="v" src="{live_server.url}/l/{code}" width="800" height="600"></iframe>'

    page = new_page(browser, width=900, height=1000)
    page.goto(host.url + "/widget")
    page.wait_for_selector('iframe[data-live-embed="wall"]', state="attached")
    # The browser refuses the frame because of the header: no widget in it, and it says why.
    for _ in range(60):
        if any("frame-ancestors" in m for m in page.console):
            break
        page.wait_for_timeout(100)
    assert any("frame-ancestors 'self' https://mp.weixin.qq.com" in m and "blocked" in m for m in page.console), page.console
    frames = [f for f in page.frames if f != page.main_frame]
    assert len(frames) == 1
    assert not frames[0].url.startswith(live_server.url)  # an error page, not the widget
    assert page.frame_locator('iframe[data-live-embed="wall"]').locator("#app").count() == 0

    # The viewer page is refused too.
    page.console.clear()
    page.goto(host.url + "/viewer")
    for _ in range(60):
        if any("frame-ancestors" in m for m in page.console):
            break
        page.wait_for_timeout(100)
    assert any("frame-ancestors" in m for m in page.console), page.console
    assert page.frame_locator("#v").locator("#app").count() == 0

    # The organiser adds the site: the same tag now shows the widget, the viewer page frames too.
    page.console.clear()
    live_server.call("PATCH", f"/api/v1/lectures/{code}",
                     {"settings": {"embed_origins": ["https://mp.weixin.qq.com", host.origin]}})
    page.goto(host.url + "/widget")
    expect(page.frame_locator('iframe[data-live-embed="wall"]').locator("#conn")).to_have_attribute("data-state", "open")
    page.goto(host.url + "/viewer")
    expect(page.frame_locator("#v").locator("#conn")).to_have_attribute("data-state", "open")
    assert not [m for m in page.console if "frame-ancestors" in m], page.console
