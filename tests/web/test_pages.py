"""The pages as the server renders them: language, escaping, headers, caching."""

from __future__ import annotations

import gzip
import json
import re

import aiohttp

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
    """What a phone downloads to open a lecture: the page and every script
    and stylesheet it names, as sent (gzip), and as the browser parses it."""
    sent = parsed = 0
    async with aiohttp.ClientSession(auto_decompress=False) as http:
        async def fetch(path: str) -> bytes:
            nonlocal sent, parsed
            async with http.get(server.url + path, headers={"Accept-Encoding": "gzip"}) as r:
                body = await r.read()
                assert r.headers.get("Content-Encoding") == "gzip", path
            sent += len(body)
            plain = gzip.decompress(body)
            parsed += len(plain)
            return plain

        html = (await fetch(f"/l/{lecture['code']}")).decode()
        urls = set(re.findall(r'"(/static/[^"]+)"', html))  # stylesheets, scripts, the client library, view helpers
        assert any("lib/live.js" in u for u in urls) and any("lib/ui.js" in u for u in urls)
        for url in urls:
            await fetch(url)
    assert sent < 40 * 1024, f"the viewer page sends {sent} bytes"
    assert parsed < 120 * 1024, f"the viewer page is {parsed} bytes uncompressed"


async def test_static_files_are_gzipped_tagged_and_only_ours(server):
    async with aiohttp.ClientSession(auto_decompress=False) as http:
        async with http.get(server.url + "/static/js/lib/live.js", headers={"Accept-Encoding": "gzip"}) as r:
            assert r.status == 200 and r.headers["Content-Encoding"] == "gzip" and "javascript" in r.content_type
            etag, body = r.headers["ETag"], await r.read()
        assert b"export class LiveClient" in gzip.decompress(body)
        async with http.get(server.url + "/static/js/lib/live.js", headers={"If-None-Match": etag}) as r:
            assert r.status == 304
        async with http.get(server.url + "/static/js/lib/live.js", headers={"Accept-Encoding": "identity"}) as r:
            assert "Content-Encoding" not in r.headers and b"export class LiveClient" in await r.read()
        for path in ("/static/nope.js", "/static/../live/config.py", "/static/%2e%2e/pyproject.toml"):
            async with http.get(server.url + path) as r:
                assert r.status == 404, path


async def test_unknown_lecture_page_is_404_and_index_lists_lectures(server, lecture):
    status, _, _ = await _get(server, "/l/ZZZZZZ")
    assert status == 404
    status, _, html = await _get(server, "/")
    assert status == 200 and lecture["title"] in html and f"/l/{lecture['code']}" in html


async def test_times_are_shown_in_the_lectures_time_zone(server):
    lec = await server.create_lecture(title="晚场", starts_at="2026-04-21T19:00:00+08:00")
    assert lec["timezone"] == "Asia/Shanghai"
    status, _, html = await _get(server, "/")
    assert "2026-04-21 19:00" in html and "UTC" not in html
    status, body = await server.request("PATCH", f"/api/v1/lectures/{lec['code']}", {"timezone": "Europe/Berlin"},
                                        token=server.admin_token)
    assert status == 200 and body["timezone"] == "Europe/Berlin"
    status, _, html = await _get(server, f"/l/{lec['code']}/poster")
    assert "2026-04-21 13:00" in html
    status, body = await server.request("PATCH", f"/api/v1/lectures/{lec['code']}", {"timezone": "Nowhere/Land"},
                                        token=server.admin_token)
    assert status == 400 and body["error"]["field"] == "timezone"
