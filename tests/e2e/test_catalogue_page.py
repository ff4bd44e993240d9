"""The catalogue in Chromium: a season imported from the example file, then
searched, filtered and browsed as a viewer does (home page, a series, a
speaker), on a phone and on a laptop, in both languages, with axe on every
page and no sideways scrolling on the phone."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from embed_support import SHOTS, browser, live_lecture, new_page  # noqa: F401
from test_a11y import axe, check

pytestmark = pytest.mark.e2e

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "catalogue.csv"
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


@pytest.fixture
def season(live_server: Any) -> dict[str, Any]:
    request = urllib.request.Request(
        live_server.url + "/api/v1/import", data=EXAMPLE.read_bytes(), method="POST",
        headers={"Authorization": f"Bearer {live_server.admin_token}", "Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=30) as response:
        report = json.load(response)
    assert report["refused"] == [] and len(report["created"]) == 4
    # and one lecture live now, so the home page has all three sections
    live_lecture(live_server, series="劳模工匠大讲堂", tags=["劳模精神"])
    return report


def _no_sideways_scroll(page: Any, name: str) -> None:
    doc, win = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert doc <= win, f"{name}: the page scrolls sideways ({doc} > {win})"


@pytest.mark.parametrize("size, lang", [("phone", "zh-CN"), ("desktop", "en")])
def test_search_browse_and_axe(live_server: Any, browser: Any, season: dict[str, Any], size: str,  # noqa: F811
                               lang: str) -> None:
    from playwright.sync_api import expect

    width, height = SIZES[size]
    page = new_page(browser, width=width, height=height, lang=lang, is_mobile=size == "phone",
                    has_touch=size == "phone")
    found: dict[str, list[dict[str, Any]]] = {}
    page.goto(f"{live_server.url}/?lang={lang}")
    for key in ("live", "upcoming", "past"):
        expect(page.locator(f"#shelf-{key}")).to_be_visible()
    # times get their weekday, in the lecture's own zone
    expect(page.locator("time[data-zone]").first).to_have_text(re.compile(r"(周|Thu|Tue|Sat|Sun|Mon|Wed|Fri)"))
    found[f"home {size}"] = axe(page)
    _no_sideways_scroll(page, f"home {size}")

    # search: the box, Enter, the results and the filter to take away
    page.fill("#q", "陈 亮")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"\?q="))
    cards = page.locator("article.lcard")
    expect(cards).to_have_count(3)  # the live lecture and the two with 陈亮 as a speaker
    expect(page.locator(".filters-found")).to_contain_text("3")
    found[f"search {size}"] = axe(page)
    page.fill("#q", "没有这场讲座")
    page.press("#q", "Enter")
    expect(page.locator(".empty-state")).to_be_visible()
    found[f"no results {size}"] = axe(page)
    page.locator(".empty-state a").click()
    expect(cards).to_have_count(5)

    # a card's series opens the series page: its lectures in time order and its feed
    page.locator(".lcard-series", has_text="新时代 新思想 新宣讲 2024").first.click()
    page.wait_for_url(re.compile("/series/"))
    expect(page.locator("h1")).to_have_text("新时代 新思想 新宣讲 2024")
    expect(page.locator("a[href^='webcal://']")).to_have_count(1)
    found[f"series {size}"] = axe(page)
    _no_sideways_scroll(page, f"series {size}")

    # a speaker's name opens their page, with the title of their latest lecture
    page.goto(f"{live_server.url}/speakers/{quote('陈亮', safe='')}")
    expect(page.locator(".person-title")).to_contain_text("全国劳动模范")
    expect(cards).to_have_count(3)
    found[f"speaker {size}"] = axe(page)
    _no_sideways_scroll(page, f"speaker {size}")
    assert page.errors == [], page.errors

    if size == "desktop":
        page.goto(f"{live_server.url}/?lang=zh-CN")
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / "catalogue.png"), full_page=True)
    page.context.close()
    check(found)


def test_tags_filter_and_join_by_code(live_server: Any, browser: Any, season: dict[str, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    page = new_page(browser, width=390, height=844, is_mobile=True, has_touch=True)
    page.goto(live_server.url + "/")
    page.locator(".lcard-tag", has_text="#工匠精神").first.click()
    page.wait_for_url(re.compile(r"\?tag="))
    expect(page.locator("article.lcard")).to_have_count(2)
    page.locator(".filter").click()  # take the filter away
    expect(page.locator("article.lcard")).to_have_count(5)
    code = season["created"][0]["code"]
    page.fill("#join-code", code.lower())
    page.press("#join-code", "Enter")
    page.wait_for_url(re.compile(f"/l/{code}$"))
    assert page.errors == [], page.errors
    page.context.close()
