"""Accessibility in a real browser: axe-core (WCAG 2.0/2.1 A and AA) over
every page a person meets, with a lecture that looks like a real one, plus
what axe cannot see: the viewer wall is a polite log that appends (a screen
reader hears each new comment once, never the whole list again), the
viewer page survives 200% text on a phone without sideways scrolling, and
the control page can be run from the keyboard alone.

axe-core comes from the PyPI package ``axe-playwright-python`` (its bundled
``axe.min.js``, injected into the page); no browser download. Drives
Debian's chromium through pip's playwright (never `playwright install`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from embed_support import SEED_COMMENTS, browser, live_lecture, new_page, seed, talk, ws_url  # noqa: F401
from test_control_page import sign_in
from test_speaker_page import _speaker_links

pytestmark = pytest.mark.e2e

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BAD = {"serious", "critical"}


def _axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


AXE = _axe_source()


def axe(page: Any, *, disable: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The serious and critical violations axe finds on the page as it stands."""
    page.wait_for_timeout(400)  # let entrances and transitions settle: contrast is measured on what is painted
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE)  # evaluate, not a <script>: the pages' CSP forbids inline scripts
    options = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"],
               "rules": {rule: {"enabled": False} for rule in disable}}
    context = {"exclude": [[s] for s in exclude]} if exclude else {"include": [["html"]]}
    result = page.evaluate("([c, o]) => axe.run(c, o)", [context, options])
    return [v for v in result["violations"] if v.get("impact") in BAD]


def report(name: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{name}: {len(violations)} serious/critical accessibility violation(s)"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:40]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {' '.join(map(str, node['target']))}  — {summary[:300]}")
        if len(v["nodes"]) > 40:
            lines.append(f"    … and {len(v['nodes']) - 40} more")
    return "\n".join(lines)


def check(found: dict[str, list[dict[str, Any]]]) -> None:
    bad = {name: v for name, v in found.items() if v}
    assert not bad, "\n\n".join(report(name, v) for name, v in bad.items())


def _viewer(browser: Any, url: str, *, width: int, height: int) -> Any:
    page = new_page(browser, width=width, height=height)
    page.goto(url)
    page.wait_for_selector("#conn[data-state=open]")
    page.wait_for_selector("#wall .cmt", state="attached")
    return page


@pytest.fixture
def lecture(live_server: Any) -> dict[str, Any]:
    lecture = live_lecture(live_server)
    seed(live_server, lecture["code"])
    return lecture


def test_every_page_passes_axe(live_server: Any, browser: Any, lecture: dict[str, Any]) -> None:
    code = lecture["code"]
    base = live_server.url
    found: dict[str, list[dict[str, Any]]] = {}

    page = new_page(browser, width=1280, height=800)
    page.goto(base + "/")
    page.wait_for_load_state("networkidle")
    found["catalogue /"] = axe(page)
    page.context.close()

    for lang in ("zh-CN", "en"):
        for width, height in ((390, 844), (1280, 800)):
            page = _viewer(browser, f"{base}/l/{code}?lang={lang}", width=width, height=height)
            found[f"viewer {lang} {width}x{height}"] = axe(page)
            for view in ("questions", "ask"):
                page.goto(f"{base}/l/{code}?lang={lang}&view={view}")
                page.wait_for_selector("#conn[data-state=open]")
                found[f"viewer {lang} {width}x{height} view={view}"] = axe(page)
            page.context.close()

    control = sign_in(browser, lecture, "主持人")
    for n, view in enumerate(("live", "questions", "settings", "data", "polls"), 1):
        control.keyboard.press(str(n))
        control.wait_for_selector(f"#app[data-view={view}]")
        found[f"control view={view}"] = axe(control)
    control.context.close()

    page = new_page(browser, width=1920, height=1080)
    page.goto(f"{base}/l/{code}/screen")
    page.wait_for_function("() => window.liveClient && window.liveClient.state === 'open'")
    found["big screen"] = axe(page)
    page.context.close()

    page = new_page(browser, width=400, height=600)
    page.goto(f"{base}/embed/{code}")
    page.wait_for_function("() => window.liveClient && window.liveClient.state === 'open'")
    found["widget /embed"] = axe(page)
    page.context.close()

    # The overlay is a transparent page composited over video by streaming
    # software (OBS…): what is behind its text is the stream, not the page, so
    # axe's colour-contrast (which measures against the page's transparent
    # background) means nothing there. Everything else still applies.
    page = new_page(browser, width=1920, height=1080)
    page.goto(f"{base}/overlay/{code}")
    page.wait_for_function("() => window.liveClient && window.liveClient.state === 'open'")
    found["overlay"] = axe(page, disable=("color-contrast",))
    page.context.close()

    page = new_page(browser, width=1280, height=900)
    page.goto(f"{base}/l/{code}/poster")
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    found["poster"] = axe(page)
    page.context.close()

    links = _speaker_links(base, code, lecture["moderator_key"])
    page = new_page(browser, width=390, height=844, is_mobile=True, has_touch=True)
    page.goto(links["陈亮"])
    page.wait_for_selector("#conn[data-state=open]")
    found["speaker"] = axe(page)
    page.context.close()

    check(found)


def test_the_wall_is_a_polite_log_that_appends(live_server: Any, browser: Any, lecture: dict[str, Any]) -> None:
    code = lecture["code"]
    page = _viewer(browser, f"{live_server.url}/l/{code}", width=390, height=844)
    from playwright.sync_api import expect

    wall = page.locator("#wall")
    # The history arrives with the region off (it is not read out); then the wall goes polite.
    expect(wall).to_have_attribute("aria-live", "polite")
    assert wall.get_attribute("role") == "log"  # polite by itself; never assertive: a busy wall must not interrupt
    assert wall.get_attribute("aria-relevant") in (None, "additions", "additions text")
    assert wall.get_attribute("aria-busy") in (None, "false")
    # The list is named, and only the wall itself is live: no live regions inside it re-announcing.
    assert page.evaluate("() => { const w = document.getElementById('wall'); return w.getAttribute('aria-label') || "
                         "(w.getAttribute('aria-labelledby') && document.getElementById(w.getAttribute('aria-labelledby')).textContent) || ''; }")
    assert page.locator("#wall [aria-live], #wall [role=log], #wall [role=status], #wall [role=alert]").count() == 0

    first = page.locator("#wall .cmt").first.element_handle()
    count = page.locator("#wall .cmt").count()
    before = page.evaluate("() => [...document.querySelectorAll('#wall .cmt')].map(n => n.textContent)")
    page.evaluate("""() => { window.__added = 0; window.__removed = 0;
        new MutationObserver((ms) => { for (const m of ms) { window.__added += m.addedNodes.length; window.__removed += m.removedNodes.length; } })
          .observe(document.getElementById('wall'), { childList: true, subtree: true }); }""")
    talk(ws_url(live_server, code), {"type": "comment", "text": "向劳动者致敬！", "nickname": "读屏用户"})
    page.locator("#wall .cmt", has_text="向劳动者致敬！").wait_for()
    assert page.locator("#wall .cmt").count() == count + 1
    # The nodes already there are the same nodes: nothing re-rendered, nothing re-announced.
    assert first.evaluate("n => n.isConnected && n.closest('#wall') !== null")
    after = page.evaluate("() => [...document.querySelectorAll('#wall .cmt')].map(n => n.textContent)")
    assert [t for t in after if t in before] == before
    assert page.evaluate("window.__removed") == 0
    assert page.evaluate("window.__added") <= 2  # the new comment (and at most one separator)
    page.context.close()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_text_at_200_percent_does_not_scroll_sideways(live_server: Any, browser: Any, lecture: dict[str, Any],
                                                      lang: str) -> None:
    code = lecture["code"]
    for view in ("", "&view=questions", "&view=ask"):
        page = _viewer(browser, f"{live_server.url}/l/{code}?lang={lang}{view}", width=390, height=844)
        # 200%: the whole page zoomed, as a browser's zoom (or a phone's larger text) does;
        # the layout then has half the CSS pixels across and must reflow into them.
        page.add_style_tag(content="html { zoom: 2 !important; }")
        page.wait_for_timeout(300)
        assert page.evaluate("() => document.body.getBoundingClientRect().width") > 0
        overflow = page.evaluate("""() => ({ doc: document.documentElement.scrollWidth, win: document.documentElement.clientWidth,
            wide: [...document.querySelectorAll('body *')].filter(e => { const r = e.getBoundingClientRect();
              return r.width && getComputedStyle(e).visibility !== 'hidden' && r.right > document.documentElement.clientWidth + 1
                && ![...document.querySelectorAll('body *')].some(s => s !== e && s.contains(e) && /auto|scroll|hidden|clip/.test(getComputedStyle(s).overflowX)); })
              .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.')) })""")
        assert overflow["doc"] <= overflow["win"], f"{lang}{view}: horizontal scroll at 200% text: {overflow}"
        page.context.close()


def test_the_control_page_runs_from_the_keyboard(live_server: Any, browser: Any, lecture: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    code = lecture["code"]
    control = sign_in(browser, lecture, "主持人")
    live_server.call("PATCH", f"/api/v1/lectures/{code}", {"settings": {"comment_mode": "held"}})
    expect(control.locator(".quick [data-setting=comment_mode]")).to_have_value("held")
    url = ws_url(live_server, code)
    for i in range(3):
        talk(url, {"type": "comment", "text": f"第{i + 1}条待审", "nickname": f"观众{i}"})
    expect(control.locator("#held .hq")).to_have_count(3)

    # The shortcuts are listed where the page shows them: "?" opens that list and puts the focus on it.
    control.locator("body").click(position={"x": 5, "y": 5})
    control.keyboard.press("?")
    keys = control.locator("#keys-h")
    expect(keys).to_be_visible()
    expect(control.locator("dl.keys")).to_be_visible()
    expect(keys).to_be_focused()
    for k in ("j", "k", "a", "r", "h", "f", "p", "z"):
        expect(control.locator("dl.keys kbd", has_text=re.compile(f"^{k}$"))).to_have_count(1)
    # The number keys switch views, and say so to assistive technology.
    control.keyboard.press("1")
    expect(control.locator("#tab-live")).to_have_attribute("aria-selected", "true")
    expect(control.locator("#view-live")).to_be_visible()

    # The documented keys work: j/k move the cursor through the queue, a approves.
    control.locator("#held").focus()
    current = control.locator("#held .hq[aria-current=true]")
    expect(current).to_have_text(re.compile("第1条待审"))
    control.keyboard.press("j")
    expect(current).to_have_text(re.compile("第2条待审"))
    control.keyboard.press("k")
    expect(current).to_have_text(re.compile("第1条待审"))

    # Tab reaches every action button of every held comment, in the order they are shown.
    buttons = control.locator("#held .hq button")
    expected = buttons.evaluate_all("bs => bs.map(b => b.closest('.hq').dataset.id + ':' + b.dataset.act)")
    assert len(expected) >= 6, expected
    assert all(b.is_visible() for b in buttons.all())
    reached: list[str] = []
    control.locator("#held").focus()
    for _ in range(len(expected) + 10):
        control.keyboard.press("Tab")
        where = control.evaluate("""() => { const a = document.activeElement; const q = a && a.closest('#held .hq');
            return q && a.tagName === 'BUTTON' ? q.dataset.id + ':' + a.dataset.act : null; }""")
        if where is None:
            if reached:
                break
            continue
        reached.append(where)
    assert reached == expected
    # Every one of them has a name a screen reader can say.
    names = buttons.evaluate_all("bs => bs.map(b => (b.getAttribute('aria-label') || b.textContent || '').trim())")
    assert all(names), names

    # And pressing one from the keyboard acts on its comment.
    control.locator("#held .hq", has_text="第1条待审").locator("button[data-act=approve]").focus()
    control.keyboard.press("Enter")
    expect(control.locator("#held .hq")).to_have_count(2)
    control.locator("#held").focus()
    control.keyboard.press("a")
    expect(control.locator("#held .hq")).to_have_count(1)
    assert not control.errors, control.errors
    control.context.close()
