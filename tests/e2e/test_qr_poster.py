"""QR codes and the poster in a real browser: the printed poster is one A4
page whose two codes scan back to the lecture's links, and the "ask a
question" link opens the viewer page on the questions tab, the ask form
focused.

Drives Debian's chromium through pip's playwright (never `playwright
install`); without chromium the test fails, it does not skip.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from embed_support import SHOTS, SPEAKERS, browser, decode_qr, live_lecture, new_page  # noqa: F401

pytestmark = pytest.mark.e2e


def test_the_poster_is_one_a4_page_and_its_codes_scan(live_server: Any, browser: Any) -> None:
    from PIL import Image
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    code = lecture["code"]
    page = new_page(browser, width=1000, height=1300, scale=2)
    page.goto(f"{live_server.url}/l/{code}/poster")
    expect(page.locator(".sheet-title")).to_have_text(lecture["title"])
    expect(page.locator(".sheet-speaker")).to_have_count(len(SPEAKERS))
    expect(page.locator("#join-code")).to_have_text(code)
    expect(page.locator("#short-link")).to_have_text(re.sub(r"^https?://", "", lecture["urls"]["viewer"]))
    expect(page.locator("#starts")).to_have_text("2026年4月21日星期二 19:00")
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")

    shot = page.locator("#sheet").screenshot()
    assert decode_qr(Image.open(io.BytesIO(shot))) == sorted([lecture["urls"]["viewer"], lecture["urls"]["viewer"] + "?view=ask"])

    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the poster prints on one page"
    box = [float(x) for x in re.search(rb"/MediaBox\s*\[([^\]]+)\]", pdf).group(1).split()]
    assert abs(box[2] - 595.3) < 1.5 and abs(box[3] - 841.9) < 1.5, box  # A4 in points

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 900, "height": 1240})
    page.screenshot(path=str(SHOTS / "poster.png"), scale="css")
    assert page.errors == [], page.errors


def test_the_ask_link_opens_the_ask_form(live_server: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    lecture = live_lecture(live_server)
    page = new_page(browser, width=390, height=844)
    page.goto(lecture["urls"]["viewer"] + "?view=ask")
    expect(page.locator("#conn")).to_have_attribute("data-state", "open")
    expect(page.locator("#tab-questions")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#ask-form")).to_be_visible()
    expect(page.locator("#ask-input")).to_be_focused()
    expect(page.locator("#ask-form")).to_have_class(re.compile(r"\bis-open\b"))
    expect(page.locator("#composer")).to_be_hidden()

    page.goto(lecture["urls"]["viewer"] + "?view=questions")
    expect(page.locator("#tab-questions")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#ask-input")).not_to_be_focused()
    page.goto(lecture["urls"]["viewer"])
    expect(page.locator("#tab-comments")).to_have_attribute("aria-selected", "true")
    assert page.errors == [], page.errors
