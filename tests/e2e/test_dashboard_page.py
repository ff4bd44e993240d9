"""The dashboard and the figures page in Chromium: the charts are SVG drawn
from the figures (one bar per bucket, one point per sample), the page
passes axe on a phone and on a desktop in both languages without scrolling
sideways, a live dashboard refreshes itself, and the control page links to
it (with the report's downloads for its moderator)."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
from embed_support import SEED_COMMENTS, SHOTS, browser, live_lecture, new_page, seed, talk, ws_url  # noqa: F401
from test_control_page import sign_in

from tests.conftest import LiveProcess, spawned
from tests.e2e.test_a11y import axe, check

pytestmark = pytest.mark.e2e

SERIES = "新时代 新思想 新宣讲 2024"


@pytest.fixture
def node(tmp_path: Path) -> Iterator[LiveProcess]:
    """``live serve`` sampling its figures every second."""
    with spawned(tmp_path / "live-data", LIVE_SAMPLE_S="1") as process:
        yield process


def get(node: LiveProcess, path: str) -> Any:
    with urllib.request.urlopen(node.url + path, timeout=10) as r:
        return json.load(r)


@pytest.fixture
def lecture(node: LiveProcess) -> dict[str, Any]:
    """A live lecture with comments, questions, votes and likes, whose
    samples have caught up (a viewer stays until they have) and then stop
    (nobody connected: no more samples, the figures hold still)."""
    from websockets.sync.client import connect

    lecture = live_lecture(node, series=SERIES)
    code = lecture["code"]
    with connect(ws_url(node, code), open_timeout=10):
        seed(node, code)
        deadline = time.monotonic() + 15
        while True:
            stats = get(node, f"/api/v1/lectures/{code}/stats")
            samples = get(node, f"/api/v1/lectures/{code}/figures")["samples"]
            if stats["likes"] == 200 and len(samples) >= 3 and samples[-1]["visits"] == stats["visits"]:
                break
            assert time.monotonic() < deadline, "the lecture's figures never settled"
            time.sleep(0.2)
    count = -1
    while count != len(samples):
        count = len(samples)
        time.sleep(1.5)
        samples = get(node, f"/api/v1/lectures/{code}/figures")["samples"]
    return lecture


def no_sideways_scroll(page: Any) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def test_the_charts_are_svg_drawn_from_the_figures(node, browser, lecture):
    code = lecture["code"]
    figures = get(node, f"/api/v1/lectures/{code}/dashboard")
    page = new_page(browser, width=1280, height=900)
    page.goto(f"{node.url}/l/{code}/dashboard")

    online = page.locator("svg#chart-online")
    assert online.get_attribute("role") == "img"
    labelled = online.get_attribute("aria-labelledby").split()
    assert page.locator(f"#{labelled[0]}").evaluate("n => n.tagName") == "title"
    assert page.locator(f"#{labelled[1]}").evaluate("n => n.tagName") == "desc"
    points = online.locator("polyline.line").evaluate_all(
        "ls => ls.reduce((n, l) => n + l.getAttribute('points').trim().split(/\\s+/).length, 0)")
    assert points == len(figures["online_over_time"]["points"]) >= 3
    assert online.locator(".peak circle").count() == 1
    assert online.bounding_box()["width"] > 900  # a real chart across the card
    assert online.locator(".ax-x text").count() >= 1 and online.locator(".ax-y text").count() >= 1
    # The numbers are in a table too, for screen readers (and anyone).
    assert page.locator("#online-numbers tbody tr").count() == points

    buckets = figures["per_minute"]["buckets"]
    assert buckets
    for key in ("comments", "questions", "visits"):
        bars = page.locator(f"svg#chart-{key} rect.bar")
        assert bars.count() == len(buckets), key
        assert [int(n) for n in bars.evaluate_all("bs => bs.map(b => b.dataset.n)")] == [b[key] for b in buckets]
    assert sum(b["comments"] for b in buckets) + figures["per_minute"]["before"]["comments"] == len(SEED_COMMENTS)
    assert page.locator("#rates-numbers tbody tr").count() == len(buckets)

    assert page.locator(".tile-lead b").inner_text() == f"{figures['visits']:,}"
    assert page.locator(".topq-item").count() == len(figures["top_questions"]) == 2
    assert page.locator(".topq-item").first.locator(".topq-votes b").inner_text() == "4"
    assert page.locator(".words .hw").count() == len(figures["hot_words"]) > 0
    assert page.locator(".words .hw").first.inner_text().startswith(figures["hot_words"][0]["word"])
    assert page.locator("#dash-report").count() == 0  # a viewer gets no report
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
    assert not page.errors, page.errors
    page.context.close()


def test_a_live_dashboard_refreshes_its_figures(node, browser, lecture):
    code = lecture["code"]
    page = new_page(browser, width=390, height=844)
    page.clock.install()
    page.goto(f"{node.url}/l/{code}/dashboard")
    shown = page.locator("#dash-tiles [data-key=comments] b")
    assert shown.inner_text() == str(len(SEED_COMMENTS))
    page.locator("#online-numbers summary").click()
    talk(ws_url(node, code), {"type": "comment", "text": "向劳动者致敬！", "nickname": "读者"})
    time.sleep(5.5)  # the node computes a lecture's figures at most every 5 s
    page.clock.fast_forward("00:31")
    page.wait_for_function(f"() => document.querySelector('#dash-tiles [data-key=comments] b').textContent === "
                           f"'{len(SEED_COMMENTS) + 1}'")
    assert page.locator("#online-numbers").get_attribute("open") is not None  # an open table stays open
    assert page.locator("svg#chart-comments rect.bar").count() >= 1
    assert not page.errors, page.errors
    page.context.close()


def test_the_pages_pass_axe_on_a_phone_and_a_desktop(node, browser, lecture):
    code = lecture["code"]
    found: dict[str, list[dict[str, Any]]] = {}
    for lang in ("zh-CN", "en"):
        for width, height in ((390, 844), (1280, 800)):
            page = new_page(browser, width=width, height=height, lang=lang)
            page.goto(f"{node.url}/l/{code}/dashboard?lang={lang}")
            for summary in page.locator("details summary").all():
                summary.click()  # the tables too
            no_sideways_scroll(page)
            found[f"dashboard {lang} {width}"] = axe(page)
            page.goto(f"{node.url}/figures?lang={lang}")
            assert page.locator("#figures-table tbody tr").count() == 1
            no_sideways_scroll(page)
            found[f"figures {lang} {width}"] = axe(page)
            assert not page.errors, page.errors
            page.context.close()
    check(found)


def test_the_figures_table_sorts_and_downloads(node, browser, lecture):
    other = live_lecture(node, title="第二讲：工匠精神", series=SERIES)
    talk(ws_url(node, other["code"]), {"type": "like", "count": 5})
    page = new_page(browser, width=1280, height=800)
    page.goto(f"{node.url}/figures")
    page.select_option("#series-pick", SERIES)
    page.click(".dash-filter button[type=submit]")
    page.wait_for_url("**/figures?series=*")
    assert page.locator("h1").inner_text() == SERIES
    rows = page.locator("#figures-table tbody tr")
    assert rows.count() == 2
    page.locator("th a.sort", has_text="点赞").click()
    page.wait_for_url("**sort=likes**")
    assert page.locator("th[aria-sort=descending]").inner_text().startswith("点赞")
    assert rows.first.get_attribute("data-code") == lecture["code"]  # 200 likes before 5
    with page.expect_download() as download:
        page.click("a[href*='format=csv']")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("code,title,date,series") and len(text.splitlines()) == 4
    page.context.close()


def test_the_control_page_links_to_the_dashboard_with_the_report(node, browser, lecture):
    control = sign_in(browser, lecture, "主持人")
    control.keyboard.press("4")
    control.wait_for_selector("#app[data-view=data]")
    link = control.locator("#dashboard-link")
    assert link.is_visible() and link.get_attribute("href") == f"/l/{lecture['code']}/dashboard"
    with control.context.expect_page() as opened:
        link.click()
    dash = opened.value
    dash.wait_for_load_state()
    assert dash.locator("#dash-report a[href$='format=md']").is_visible()  # the moderator's session: the report
    assert not control.errors, control.errors
    control.context.close()
