"""The replay page (``/l/{code}/replay``) in a real Chromium, playing a real
recording: a silent WAV made here and served over http by a small aiohttp
app (Chromium plays WAV in <video>). The comments and the answered
questions follow the video's time both ways; without a recording the
page's own timeline player does the same; axe at phone and desktop size.

Comments get known times from real waits a second and a half apart and the
lecture's ``replay_offset_s``, chosen so that 50 s of the recording falls
between two of them. Drives Debian's chromium through pip's playwright
(never `playwright install`); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
import wave
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
from aiohttp import web
from embed_support import SHOTS, SPEAKERS, browser, new_page, talk, ws_url  # noqa: F401
from test_a11y import axe, check

pytestmark = pytest.mark.e2e

RECORDING_S = 120
COMMENTS = [("无锡新歌", "开播前先占个座"), ("晨", "陈亮师傅讲得真好"), ("海棠无常", "为劳模点赞，为工匠喝彩！"),
            ("我爱紫水晶", "向一线劳动者致敬"), ("相忘于江湖", "岗位建功、技能报国，越是艰难越向前！")]
SEEK = 50


def silent_wav(path: Path, seconds: int = RECORDING_S, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * rate * seconds)
    return path


@contextmanager
def serve_file(path: Path) -> Iterator[str]:
    """``path`` over http from an aiohttp app on a thread of its own (the
    test's thread runs playwright's loop), with the ranges a browser needs
    to seek in it; yields its URL."""
    loop = asyncio.new_event_loop()
    app = web.Application()

    async def recording(request: web.Request) -> web.FileResponse:
        return web.FileResponse(path)

    app.router.add_get(f"/recordings/{path.name}", recording)
    runner = web.AppRunner(app, access_log=None)
    ports: queue.Queue[int] = queue.Queue()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
        ports.put(runner.addresses[0][1])
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{ports.get(timeout=10)}/recordings/{path.name}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def timeline(live_server: Any, code: str) -> dict[str, Any]:
    return live_server.call("GET", f"/api/v1/lectures/{code}/replay")


@pytest.fixture
def lecture(live_server: Any) -> dict[str, Any]:
    """A lecture that happened: chat before the start, comments 1.5 s apart
    once live, a question answered, the end; the offset puts 50 s between
    the third and the fourth comment."""
    lec = live_server.create_lecture(title="“劳模精神”大家谈", speakers=SPEAKERS, starts_at="2026-04-21T19:00:00+08:00")
    code = lec["code"]
    url = ws_url(live_server, code)
    nick, text = COMMENTS[0]
    talk(url, {"type": "comment", "text": text, "nickname": nick})
    time.sleep(0.5)
    live_server.call("POST", f"/api/v1/lectures/{code}/status", {"status": "live"})
    refs = []
    for nick, text in COMMENTS[1:]:
        refs.append(talk(url, {"type": "comment", "text": text, "nickname": nick})[0]["ref"])
        time.sleep(1.5)
    live_server.moderate(code, f"comments/{refs[1]}/feature")
    qid = talk(url, {"type": "question", "text": "陈亮师傅，一线工人怎样才能成长为技术骨干？", "nickname": "一线技工",
                     "anonymous": False})[0]["ref"]
    live_server.moderate(code, f"questions/{qid}", {"state": "answering", "speaker": "陈亮"})
    live_server.moderate(code, f"questions/{qid}", {"state": "answered", "answer": "多练、多问、多总结。"})
    live_server.call("POST", f"/api/v1/lectures/{code}/status", {"status": "ended"})
    c = timeline(live_server, code)["comments"]
    offset = round(SEEK - (c[2]["t"] + c[3]["t"]) / 2)
    live_server.call("PATCH", f"/api/v1/lectures/{code}", {"settings": {"replay_offset_s": offset}})
    return lec


def listed(page: Any) -> list[str]:
    return page.eval_on_selector_all("#wall .cmt", "els => els.map(e => e.dataset.id)")


def wait_listed(page: Any, n: int) -> None:
    page.wait_for_function("n => window.liveReplay && liveReplay.shown().comments === n "
                           "&& document.querySelectorAll('#wall .cmt').length === n", arg=n)


def seek_video(page: Any, at: float) -> float:
    """Seek the <video> and wait for it to land; returns where it did."""
    return page.evaluate("""at => new Promise((done) => {
        const v = document.querySelector('#media video');
        v.addEventListener('seeked', () => requestAnimationFrame(() => done(v.currentTime)), { once: true });
        v.currentTime = at;
    })""", at)


def no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_the_comments_follow_the_video_both_ways(live_server: Any, browser: Any, lecture: dict[str, Any],
                                                  tmp_path: Path) -> None:
    code = lecture["code"]
    with serve_file(silent_wav(tmp_path / "laomo.wav")) as video_url:
        live_server.call("PATCH", f"/api/v1/lectures/{code}", {"video_url": video_url})
        data = timeline(live_server, code)
        comments, questions = data["comments"], data["questions"]
        assert [c["text"] for c in comments] == [text for _, text in COMMENTS]
        assert comments[2]["t"] <= SEEK < comments[3]["t"]

        page = new_page(browser, width=1280, height=800)
        page.goto(f"{live_server.url}/l/{code}/replay")
        page.wait_for_function("() => { const v = document.querySelector('#media video');"
                               " return v && v.readyState >= 1 && window.liveReplay && liveReplay.data; }")
        assert page.evaluate("() => document.querySelector('#media video').duration") == pytest.approx(RECORDING_S)
        assert listed(page) == []
        assert page.locator("#player").is_hidden()  # the video's own controls play it

        landed = seek_video(page, SEEK)
        expected = [c["id"] for c in comments if c["t"] <= landed]
        assert len(expected) == 3
        wait_listed(page, 3)
        assert listed(page) == expected
        assert page.locator("#wall .cmt.is-featured").count() == 1
        assert page.locator("#q-list .q").count() == 0  # answered after the last comment

        landed = seek_video(page, 10)
        wait_listed(page, 0)
        assert page.locator("#wall-empty").is_visible()

        # Forward past everything: every comment and the answered question.
        seek_video(page, questions[0]["t"] + 1)
        wait_listed(page, len(comments))
        assert listed(page) == [c["id"] for c in comments]
        page.click("#tab-questions")
        assert page.locator("#q-list .q").count() == 1
        assert "多练、多问、多总结。" in page.inner_text("#q-list .q")
        found = {"replay desktop, questions": axe(page, exclude=("#danmaku",))}
        page.click("#tab-comments")

        # Play from just after the first comment: each next one appears once the video's time passes its t,
        # and flies across the picture.
        seek_video(page, (comments[0]["t"] + comments[1]["t"]) / 2)
        wait_listed(page, 1)
        page.evaluate("""() => {
            const v = document.querySelector('#media video');
            window.appeared = []; // [id, the video's time when its card was added]
            new MutationObserver((changes) => {
                for (const c of changes) for (const n of c.addedNodes) appeared.push([n.dataset.id, v.currentTime]);
            }).observe(document.getElementById('wall'), { childList: true });
            v.muted = true;
            return v.play();
        }""")
        last = comments[-1]
        page.wait_for_function("n => document.querySelectorAll('#wall .cmt').length === n", arg=len(comments),
                               timeout=(last["t"] - comments[1]["t"] + 3) * 1000)
        appeared = page.evaluate("() => appeared")
        assert [i for i, _ in appeared] == [c["id"] for c in comments[1:]]
        for (_, when), c in zip(appeared, comments[1:]):
            assert c["t"] <= when < c["t"] + 0.5
        assert listed(page) == [c["id"] for c in comments]
        assert page.locator("#danmaku .r-dm-item").count() >= 2
        assert last["text"] in page.inner_text("#danmaku")
        page.wait_for_timeout(700)
        page.screenshot(path=str(SHOTS / "replay.png"))
        page.evaluate("() => document.querySelector('#media video').pause()")
        found["replay desktop"] = axe(page, exclude=("#danmaku",))

        # A card leads to its moment.
        page.locator(f'#wall .cmt[data-id="{comments[1]["id"]}"] .r-at').click()
        page.wait_for_function("t => Math.abs(document.querySelector('#media video').currentTime - t) < 0.05",
                               arg=comments[1]["t"])
        wait_listed(page, 2)
        # The danmaku switch is a toggle button; off, nothing flies.
        page.click("#dm-toggle")
        assert page.get_attribute("#dm-toggle", "aria-pressed") == "false"
        assert page.locator("#danmaku").is_hidden()
        assert page.errors == []
        page.context.close()

        phone = new_page(browser, width=390, height=844, scale=2, is_mobile=True, has_touch=True)
        phone.goto(f"{live_server.url}/l/{code}/replay")
        phone.wait_for_function("() => { const v = document.querySelector('#media video');"
                                " return v && v.readyState >= 1 && window.liveReplay && liveReplay.data; }")
        seek_video(phone, SEEK)
        wait_listed(phone, 3)
        video = phone.locator("#media video").bounding_box()
        panel = phone.locator("#panel").bounding_box()
        assert video["y"] < panel["y"] and video["width"] == pytest.approx(390, abs=1)  # the video on top
        no_sideways_scroll(phone)
        phone.screenshot(path=str(SHOTS / "replay-phone.png"))
        found["replay phone"] = axe(phone, exclude=("#danmaku",))
        assert phone.errors == []
        phone.context.close()
    check(found)


def test_the_timeline_player_without_a_recording(live_server: Any, browser: Any, lecture: dict[str, Any]) -> None:
    code = lecture["code"]
    data = timeline(live_server, code)
    comments = data["comments"]
    assert data["video_url"] is None
    found = {}
    for width, height, lang in ((390, 844, "zh-CN"), (1280, 800, "en")):
        # The ended lecture's page leads here.
        page = new_page(browser, width=width, height=height, lang=lang)
        page.goto(f"{live_server.url}/l/{code}?lang={lang}")
        link = page.locator("#replay-link")
        assert link.inner_text().strip() == ("观看回放" if lang == "zh-CN" else "Watch the replay")
        page.wait_for_selector("#conn[data-state=open]")
        found[f"viewer, ended, {lang} {width}x{height}"] = axe(page)
        link.click()
        page.wait_for_url(f"{live_server.url}/l/{code}/replay")
        page.wait_for_function("() => window.liveReplay && liveReplay.data")
        assert page.locator("#player").is_visible() and page.locator("#media video").count() == 0
        total = page.inner_text("#r-total")
        assert total == f"{int(data['duration_s']) // 60}:{int(data['duration_s']) % 60:02d}"
        assert page.get_attribute("#r-seek", "max") == str(int(-(-data["duration_s"] // 1)))

        # The keyboard alone: End to the end, Home to the start.
        page.focus("#r-seek")
        page.keyboard.press("End")
        wait_listed(page, len(comments))
        page.keyboard.press("Home")
        wait_listed(page, 0)
        assert page.inner_text("#r-elapsed") == "0:00"
        page.evaluate("at => { const s = document.getElementById('r-seek'); s.value = at;"
                      " s.dispatchEvent(new Event('input', { bubbles: true })); }", SEEK)
        wait_listed(page, 3)
        assert listed(page) == [c["id"] for c in comments if c["t"] <= SEEK]
        assert "0:50" in page.get_attribute("#r-seek", "aria-valuetext")
        no_sideways_scroll(page)
        found[f"player {lang} {width}x{height}"] = axe(page, exclude=("#danmaku",))

        # Play at 4×: the fourth comment, at 50.x s, shows well within a second.
        page.click(".r-rate[data-rate='4']")
        assert page.get_attribute(".r-rate[data-rate='4']", "aria-pressed") == "true"
        assert page.get_attribute(".r-rate[data-rate='1']", "aria-pressed") == "false"
        page.click("#r-play")
        assert page.get_attribute("#r-play", "aria-label") in ("暂停", "Pause")
        started = time.monotonic()
        wait_listed(page, 4)
        assert time.monotonic() - started < (comments[3]["t"] - SEEK) / 4 + 1.5
        page.keyboard.press("Space")  # the focused play button pauses
        assert page.get_attribute("#r-play", "aria-label") in ("播放", "Play")
        paused_at = page.evaluate("() => liveReplay.at()")
        page.wait_for_timeout(400)
        assert page.evaluate("() => liveReplay.at()") == paused_at
        assert page.errors == []
        if width == 390:
            page.screenshot(path=str(SHOTS / "replay-player-phone.png"))
        page.context.close()
    check(found)


def test_a_long_chat_keeps_the_latest_200_cards_both_ways(live_server: Any, browser: Any, tmp_path: Path) -> None:
    """260 comments (forwarded from another platform, all within a second):
    the list holds at most 200 cards, the latest up to the video's time,
    whether it got there forwards or back."""
    code = live_server.create_lecture(title="万人同屏")["code"]
    live_server.call("POST", f"/api/v1/lectures/{code}/status", {"status": "live"})
    messages = [{"id": f"m{i}", "author": f"观众{i}", "text": f"第 {i} 条：为劳模点赞"} for i in range(260)]
    acks = live_server.call("POST", f"/api/v1/lectures/{code}/ingest", {"source": "douyin", "messages": messages})
    assert all(a["ok"] and not a.get("held") for a in acks["acks"])
    live_server.call("POST", f"/api/v1/lectures/{code}/status", {"status": "ended"})
    with serve_file(silent_wav(tmp_path / "long.wav", seconds=20)) as video_url:
        live_server.call("PATCH", f"/api/v1/lectures/{code}", {"video_url": video_url})
        comments = timeline(live_server, code)["comments"]
        assert len(comments) == 260
        page = new_page(browser, width=1280, height=800)
        page.goto(f"{live_server.url}/l/{code}/replay")
        page.wait_for_function("() => { const v = document.querySelector('#media video');"
                               " return v && v.readyState >= 1 && window.liveReplay && liveReplay.data; }")
        for target in (comments[229]["t"], comments[99]["t"], comments[259]["t"] + 1, comments[150]["t"], 0.0):
            landed = seek_video(page, target)
            up_to_now = [c["id"] for c in comments if c["t"] <= landed]
            page.wait_for_function("n => liveReplay.shown().comments === n", arg=len(up_to_now))
            assert listed(page) == up_to_now[-200:], target
        seek_video(page, 5)
        assert page.locator("#wall .cmt").count() == 200
        assert page.inner_text("#wall .cmt:last-child .tag-source") == "douyin"
        assert page.errors == []
        page.context.close()


def test_a_viewer_page_open_when_the_lecture_ends_offers_the_replay(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    code = live_server.create_lecture()["code"]
    live_server.moderate(code, "status", {"status": "live"})
    page = new_page(browser, width=390, height=844)
    page.goto(f"{live_server.url}/l/{code}")
    page.wait_for_selector("#conn[data-state=open]")
    expect(page.locator("#replay-link")).to_be_hidden()
    live_server.moderate(code, "status", {"status": "ended"})
    expect(page.locator("#replay-link")).to_be_visible()
    assert page.get_attribute("#replay-link", "href") == f"/l/{code}/replay"
    assert page.errors == []
    page.context.close()
