"""The pages as the server renders them: language, escaping, headers, caching."""

from __future__ import annotations

import json
import re

from live import i18n


def test_catalogues_have_the_same_keys_and_no_empty_strings():
    zh, en = i18n.catalogue("zh-CN"), i18n.catalogue("en")
    assert set(zh) == set(en)
    assert all(isinstance(v, str) and v.strip() for v in [*zh.values(), *en.values()])
    for key in zh:  # placeholders must match, or one language shows a raw {name}
        assert set(re.findall(r"{\w+}", zh[key])) == set(re.findall(r"{\w+}", en[key])), key


def test_language_negotiation():
    assert i18n.negotiate(None, None, None) == "zh-CN"
    assert i18n.negotiate("en", None, "zh-CN") == "en"
    assert i18n.negotiate(None, "en", "zh") == "en"
    assert i18n.negotiate(None, None, "en-GB,en;q=0.9") == "en"
    assert i18n.negotiate(None, None, "fr, en;q=0.5, zh;q=0.8") == "zh-CN"
    assert i18n.negotiate("xx", None, "de") == "zh-CN"


async def _get(server, path, **headers):
    async with server.http.get(server.url + path, headers=headers, allow_redirects=False) as r:
        return r.status, r.headers, await r.text()


async def test_viewer_page_in_chinese_by_default_and_english_on_request(server, lecture):
    code = lecture["code"]
    status, headers, html = await _get(server, f"/l/{code}")
    assert status == 200 and '<html lang="zh-CN"' in html
    assert "“劳模精神”大家谈" in html and "陈亮" in html
    assert i18n.catalogue("zh-CN")["tab_comments"] in html
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, html = await _get(server, f"/l/{code.lower()}?lang=en")
    assert status == 200 and '<html lang="en"' in html
    assert i18n.catalogue("en")["tab_comments"] in html
    assert "lang=en" in headers.get("Set-Cookie", "")
    status, _, html = await _get(server, f"/l/{code}", **{"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en"' in html


async def test_lecture_text_is_escaped_in_html_and_in_embedded_json(server):
    evil = '</script><script>alert(1)</script><img src=x onerror=alert(2)>'
    lec = await server.create_lecture(title=evil, description=evil, speakers=[{"name": evil[:60]}])
    status, _, html = await _get(server, f"/l/{lec['code']}")
    assert status == 200
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    blob = re.search(r'<script type="application/json" id="lecture">(.*?)</script>', html, re.S)
    assert blob is not None, "the lecture is embedded as JSON for the page module"
    assert json.loads(blob.group(1))["title"] == evil


async def test_static_files_have_versioned_urls_and_long_cache(server, lecture):
    status, _, html = await _get(server, f"/l/{lecture['code']}")
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any(u.startswith("/static/js/") for u in urls) and any(u.startswith("/static/css/") for u in urls)
    for url in urls:
        assert "?v=" in url, url
        status, headers, body = await _get(server, url)
        assert status == 200, url
        assert "immutable" in headers["Cache-Control"]
    status, headers, _ = await _get(server, "/static/js/lib/live.js")
    assert headers["Cache-Control"] == "no-cache"


async def test_the_whole_viewer_page_stays_small(server, lecture):
    status, _, html = await _get(server, f"/l/{lecture['code']}")
    total = len(html.encode())
    urls = set(re.findall(r'"(/static/[^"]+)"', html))  # stylesheets, scripts, the client library and view helpers
    assert any("lib/live.js" in u for u in urls) and any("lib/ui.js" in u for u in urls)
    for url in urls:
        total += len((await _get(server, url))[2].encode())
    assert total < 100 * 1024, f"viewer page is {total} bytes before compression"


async def test_unknown_lecture_page_is_404_and_index_lists_lectures(server, lecture):
    status, _, _ = await _get(server, "/l/ZZZZZZ")
    assert status == 404
    status, _, html = await _get(server, "/")
    assert status == 200 and lecture["title"] in html and f"/l/{lecture['code']}" in html
