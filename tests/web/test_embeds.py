"""Embeds as the server serves them: the loader, the widget, overlay and
poster pages, who may frame what (CSP frame-ancestors per lecture setting),
and QR codes that decode back to the lecture's links."""

from __future__ import annotations

import gzip
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from live import i18n
from live.web.middleware import PAGE_CSP, lecture_page_csp, security_headers

from conftest import start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
LOADER = ROOT / "static" / "embed.js"


async def _get(server: Any, path: str, **headers: str) -> tuple[int, Any, bytes]:
    async with server.http.get(server.url + path, headers=headers, allow_redirects=False) as r:
        return r.status, r.headers, await r.read()


def ancestors(headers: Any) -> str:
    csp = headers["Content-Security-Policy"]
    found = re.findall(r"frame-ancestors ([^;]+)", csp)
    assert len(found) == 1, csp
    return found[0].strip()


def json_blob(html: str, name: str) -> Any:
    m = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', html, re.S)
    assert m, name
    return json.loads(m.group(1))


# -- the loader ------------------------------------------------------------------

async def test_loader_is_served_small_and_cached_sensibly(server: Any) -> None:
    status, headers, body = await _get(server, "/embed.js")
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    assert body == LOADER.read_bytes()
    # Small: a few KB, under 2 KB on the wire.
    assert len(body) < 5 * 1024, len(body)
    assert len(gzip.compress(body)) < 2 * 1024
    # Its URL never changes, so it is not cached for good: fresh for an hour, then revalidated.
    cache = headers["Cache-Control"]
    assert "public" in cache and "max-age=3600" in cache and "immutable" not in cache
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    etag = headers["ETag"]
    status, _, body = await _get(server, "/embed.js", **{"If-None-Match": etag})
    assert status == 304 and body == b""
    # The same file under /static/ as well.
    status, _, body = await _get(server, "/static/embed.js")
    assert status == 200 and body == LOADER.read_bytes()


def test_loader_keeps_to_itself() -> None:
    """No globals (everything inside one function), no styles added to the
    host page, messages checked by origin and by source."""
    src = LOADER.read_text()
    code = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    assert code.strip().startswith("(function () {") and code.strip().endswith("})();")
    assert "'use strict'" in code
    assert "window." not in code.replace("window.console", "")
    assert "createElement('style')" not in code and "<style" not in code and "insertRule" not in code
    assert "e.origin !== base.origin" in code and "e.source !== frame.contentWindow" in code
    assert "postMessage(" in code and "'*'" not in code  # never to any origin


# -- the widget page ---------------------------------------------------------------

async def test_widget_page_modes_and_options(server: Any, lecture: dict[str, Any]) -> None:
    code = lecture["code"]
    for mode in ("wall", "compact", "ask", "questions"):
        status, headers, body = await _get(server, f"/embed/{code}?mode={mode}")
        html = body.decode()
        assert status == 200, mode
        assert f'data-mode="{mode}"' in html
        assert json_blob(html, "options")["mode"] == mode
        assert "/static/js/widget.js?v=" in html
        assert headers["Cache-Control"] == "no-store"
    html = (await _get(server, f"/embed/{code.lower()}?mode=nonsense"))[2].decode()
    assert 'data-mode="wall"' in html
    assert (await _get(server, "/embed/ZZZZZZ"))[0] == 404

    query = "mode=ask&theme=dark&height=400&accent=%231F6FEB&origin=https%3A%2F%2FMP.weixin.qq.com&readonly=1"
    html = (await _get(server, f"/embed/{code}?{query}"))[2].decode()
    assert json_blob(html, "options") == {"mode": "ask", "theme": "dark", "height": 400, "readonly": True,
                                          "accent": "#1f6feb", "origin": "https://mp.weixin.qq.com"}
    assert '<html lang="zh-CN" data-theme="dark"' in html
    # Bad values fall back to the defaults: a pasted link still works.
    query = "theme=pink&height=50&accent=red;x:url(evil)&origin=javascript:alert(1)&readonly=maybe"
    html = (await _get(server, f"/embed/{code}?{query}"))[2].decode()
    assert json_blob(html, "options") == {"mode": "wall", "theme": "auto", "height": None, "readonly": False,
                                          "accent": None, "origin": None}
    # Read-only: no composer, no like, no ask form.
    html = (await _get(server, f"/embed/{code}?readonly=1"))[2].decode()
    assert 'id="composer"' not in html and 'id="like-btn"' not in html and 'id="ask-form"' not in html


async def test_widget_language_from_the_loader_is_not_remembered(server: Any, lecture: dict[str, Any]) -> None:
    status, headers, body = await _get(server, f"/embed/{lecture['code']}?lang=en")
    assert '<html lang="en"' in body.decode()
    assert i18n.catalogue("en")["tab_comments"] in body.decode()
    assert "Set-Cookie" not in headers  # the host site's choice, not the reader's
    status, headers, _ = await _get(server, f"/l/{lecture['code']}?lang=en")
    assert "lang=en" in headers["Set-Cookie"]  # the viewer page still remembers it


async def test_widget_escapes_lecture_text(server: Any) -> None:
    evil = '</script><script>alert(1)</script><img src=x onerror=alert(2)>'
    lec = await server.create_lecture(title=evil, description=evil, speakers=[{"name": evil[:60]}])
    for path in (f"/embed/{lec['code']}", f"/overlay/{lec['code']}", f"/l/{lec['code']}/poster"):
        html = (await _get(server, path))[2].decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html, path
    html = (await _get(server, f"/embed/{lec['code']}"))[2].decode()
    assert json_blob(html, "lecture")["title"] == evil


async def test_embed_pages_and_their_static_files_stay_small(server: Any, lecture: dict[str, Any]) -> None:
    for path in (f"/embed/{lecture['code']}", f"/overlay/{lecture['code']}", f"/l/{lecture['code']}/poster"):
        status, _, body = await _get(server, path)
        html = body.decode()
        total = len(body)
        urls = set(re.findall(r'"(/static/[^"]+)"', html))
        assert urls and all("?v=" in u for u in urls), urls
        for url in urls:
            status, headers, data = await _get(server, url)
            assert status == 200 and "immutable" in headers["Cache-Control"], url
            total += len(data)
        assert total < 120 * 1024, (path, total)


# -- who may frame what ------------------------------------------------------------

async def test_frame_ancestors_follow_the_lecture_setting(server: Any) -> None:
    open_lec = await server.create_lecture()
    code = open_lec["code"]
    lecture_pages = (f"/embed/{code}", f"/l/{code}", f"/overlay/{code}")
    # Empty list (the default): any site may embed.
    for path in lecture_pages:
        status, headers, _ = await _get(server, path)
        assert status == 200 and ancestors(headers) == "'self' *", path
        assert "X-Frame-Options" not in headers
    # Other pages: only ourselves.
    for path in ("/", f"/l/{code}/poster"):
        assert ancestors((await _get(server, path))[1]) == "'self'", path

    # The organiser narrows it: now only those sites (and ourselves).
    origins = ["https://mp.weixin.qq.com", "https://www.wuxi.gov.cn", "http://localhost:8123"]
    status, body = await server.request("PATCH", f"/api/v1/lectures/{code}", {"settings": {"embed_origins": origins}},
                                        token=open_lec["moderator_key"])
    assert status == 200 and body["settings"]["embed_origins"] == origins
    for path in lecture_pages:
        headers = (await _get(server, path))[1]
        assert ancestors(headers) == "'self' https://mp.weixin.qq.com https://www.wuxi.gov.cn http://localhost:8123"
        rest = headers["Content-Security-Policy"].replace(ancestors(headers), "")
        assert "script-src 'self'" in rest and "object-src 'none'" in rest
    # Another lecture is not affected.
    other = await server.create_lecture()
    assert ancestors((await _get(server, f"/embed/{other['code']}"))[1]) == "'self' *"
    # And back to anyone.
    await server.request("PATCH", f"/api/v1/lectures/{code}", {"settings": {"embed_origins": []}}, token=open_lec["moderator_key"])
    assert ancestors((await _get(server, f"/embed/{code}"))[1]) == "'self' *"


async def test_bad_embed_origins_are_refused_by_the_api(server: Any) -> None:
    lec = await server.create_lecture()
    for bad in (["https://a.org/path"], ["a.org"], "https://a.org", ["https://a.org; script-src *"],
                [f"https://s{i}.a.org" for i in range(21)]):
        status, body = await server.request("PATCH", f"/api/v1/lectures/{lec['code']}",
                                            {"settings": {"embed_origins": bad}}, token=server.admin_token)
        assert status in (400, 422) and body["error"]["code"] == "invalid", bad
        assert body["error"]["field"] == "settings.embed_origins"
    status, body = await server.request("POST", "/api/v1/lectures", {"title": "t", "settings": {"embed_origins": ["HTTPS://A.org/"]}},
                                        token=server.admin_token)
    assert status == 201 and body["settings"]["embed_origins"] == ["https://a.org"]
    status, body = await server.request("GET", f"/api/v1/lectures/{body['code']}")
    assert body["settings"]["embed_origins"] == ["https://a.org"]


def test_csp_helpers() -> None:
    assert PAGE_CSP.endswith("frame-ancestors 'self'")
    assert lecture_page_csp({}).endswith("frame-ancestors 'self' *")
    assert lecture_page_csp({"embed_origins": []}).endswith("frame-ancestors 'self' *")
    assert lecture_page_csp({"embed_origins": ["https://a.org"]}).endswith("frame-ancestors 'self' https://a.org")


async def test_the_control_page_is_never_framed() -> None:
    """Whatever a handler says, a moderator page may not be framed (the
    control page is still to come; this rule is in place for it)."""
    async def page(request: web.Request) -> web.Response:
        response = web.Response(text="<!doctype html><p>control", content_type="text/html")
        response.headers["Content-Security-Policy"] = lecture_page_csp({})  # a handler's mistake
        return response

    app = web.Application(middlewares=[security_headers])
    app.router.add_get("/l/{code}/control", page)
    app.router.add_get("/l/{code}/control/", page)
    app.router.add_get("/l/{code}", page)
    async with TestClient(TestServer(app)) as client:
        r = await client.get("/l/K7MXQ2/control")
        assert ancestors(r.headers) == "'none'" and r.headers["X-Frame-Options"] == "DENY"
        r = await client.get("/l/K7MXQ2/control/")
        assert ancestors(r.headers) == "'none'"
        r = await client.get("/l/K7MXQ2")
        assert ancestors(r.headers) == "'self' *"


# -- the overlay ---------------------------------------------------------------------

async def test_overlay_page_connects_as_a_display_and_reads_its_options(server: Any, lecture: dict[str, Any]) -> None:
    code = lecture["code"]
    html = (await _get(server, f"/overlay/{code}"))[2].decode()
    assert f'data-ws="/ws/{code}?role=display"' in html
    assert json_blob(html, "options") == {
        "style": "danmaku", "lanes": 8, "duration": 12, "max": 24, "featured_only": False, "question": True,
        "stats": False, "qr": False, "scale": 1, "count": 5, "position": "left", "top": 40, "bg": "transparent",
        "preview": False,
    }
    query = "style=list&lanes=99&duration=1&max=0&source=featured&question=0&stats=1&qr=yes&scale=2&count=3&position=right&bg=00ff00&preview=1"
    opts = json_blob((await _get(server, f"/overlay/{code}?{query}"))[2].decode(), "options")
    assert opts == {
        "style": "list", "lanes": 16, "duration": 4, "max": 1, "featured_only": True, "question": False,
        "stats": True, "qr": True, "scale": 2, "count": 3, "position": "right", "top": 40, "bg": "#00ff00",
        "preview": True,
    }
    assert (await _get(server, "/overlay/ZZZZZZ"))[0] == 404


async def test_a_display_connection_is_accepted(server: Any, lecture: dict[str, Any]) -> None:
    """``role=display`` is reserved (displays will not count as viewers); the
    server accepts it today like any viewer connection."""
    ws = await server.connect(lecture["code"], role="display")
    welcome = json.loads(await ws.recv())
    assert welcome["type"] == "welcome" and welcome["lecture"]["code"] == lecture["code"]


# -- QR codes ------------------------------------------------------------------------

def decode(image: Any) -> list[str]:
    import zxingcpp

    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def rasterise_svg(svg: bytes) -> Any:
    """Draw the dark modules of a segno SVG (horizontal runs in one path) into
    a PIL image, to decode what the SVG itself says."""
    from PIL import Image, ImageDraw

    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    width = float(root.get("width"))
    group = root.find("s:g", ns)
    scale = float(re.search(r"scale\(([\d.]+)\)", group.get("transform")).group(1))
    paths = [p for p in group.findall("s:path", ns) if p.get("stroke")]
    assert len(paths) == 1
    modules = round(width / scale)
    px = 8
    img = Image.new("L", (modules * px, modules * px), 255)
    draw = ImageDraw.Draw(img)
    x = y = 0.0
    for cmd, args in re.findall(r"([MmHh])([^MmHh]*)", paths[0].get("d")):
        nums = [float(n) for n in re.findall(r"-?[\d.]+", args)]
        if cmd == "M":
            x, y = nums
        elif cmd == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            end = nums[0] if cmd == "H" else x + nums[0]
            row = int(y)  # runs are drawn at the module's middle (y + .5)
            draw.rectangle([int(x) * px, row * px, int(end) * px - 1, row * px + px - 1], fill=0)
            x = end
    return img


async def test_qr_png_decodes_to_the_viewer_link(server: Any, lecture: dict[str, Any]) -> None:
    from PIL import Image

    code = lecture["code"]
    status, headers, body = await _get(server, f"/l/{code}/qr.png")
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert "max-age" in headers["Cache-Control"]
    image = Image.open(io.BytesIO(body))
    assert decode(image) == [lecture["urls"]["viewer"]]
    status, headers, body = await _get(server, f"/l/{code.lower()}/qr.png?view=ask&scale=4&download=1")
    assert decode(Image.open(io.BytesIO(body))) == [lecture["urls"]["viewer"] + "?view=ask"]
    assert headers["Content-Disposition"] == f'attachment; filename="live-{code}-ask.png"'
    small, big = [Image.open(io.BytesIO((await _get(server, f"/l/{code}/qr.png?scale={s}"))[2])).size for s in (2, 20)]
    assert big[0] == small[0] * 10
    assert (await _get(server, "/l/ZZZZZZ/qr.png"))[0] == 404


async def test_qr_svg_decodes_to_the_viewer_link(server: Any, lecture: dict[str, Any]) -> None:
    code = lecture["code"]
    status, headers, body = await _get(server, f"/l/{code}/qr.svg")
    assert status == 200 and headers["Content-Type"] == "image/svg+xml"
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    root = ET.fromstring(body)
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"  # scales when sized by CSS
    assert b"<script" not in body.lower()
    assert decode(rasterise_svg(body)) == [lecture["urls"]["viewer"]]
    body = (await _get(server, f"/l/{code}/qr.svg?view=ask"))[2]
    assert decode(rasterise_svg(body)) == [lecture["urls"]["viewer"] + "?view=ask"]
    body = (await _get(server, f"/l/{code}/qr.svg?view=nonsense"))[2]
    assert decode(rasterise_svg(body)) == [lecture["urls"]["viewer"]]


async def test_qr_uses_the_public_url(tmp_path: Path) -> None:
    from PIL import Image

    server = await start_server(tmp_path / "data-public", public_url="https://live.example.org")
    try:
        lec = await server.create_lecture()
        body = (await _get(server, f"/l/{lec['code']}/qr.png"))[2]
        assert decode(Image.open(io.BytesIO(body))) == [f"https://live.example.org/l/{lec['code']}"]
        html = (await _get(server, f"/l/{lec['code']}/poster"))[2].decode()
        assert f"live.example.org/l/{lec['code']}</p>" in html
    finally:
        await stop_server(server)


# -- the poster -----------------------------------------------------------------------

async def test_poster_page(server: Any, lecture: dict[str, Any]) -> None:
    code = lecture["code"]
    status, headers, body = await _get(server, f"/l/{code}/poster")
    html = body.decode()
    assert status == 200 and '<html lang="zh-CN"' in html
    assert lecture["title"] in html and "陈亮" in html and "全国劳动模范候选人" in html and "唐忠宝" in html
    assert f'<p class="sheet-code" id="join-code">{code}</p>' in html
    short = re.sub(r"^https?://", "", lecture["urls"]["viewer"])
    assert f'id="short-link">{short}</p>' in html
    assert f'src="/l/{code}/qr.svg"' in html and f'src="/l/{code}/qr.svg?view=ask"' in html
    assert f'datetime="{lecture["starts_at"]}"' in html
    assert i18n.catalogue("zh-CN")["poster_print"] in html
    css = (ROOT / "static" / "css" / "embeds.css").read_text()
    assert "@page { size: A4 portrait" in css and "@media print" in css
    assert (await _get(server, "/l/ZZZZZZ/poster"))[0] == 404
    html = (await _get(server, f"/l/{code}/poster?lang=en"))[2].decode()
    assert i18n.catalogue("en")["poster_scan"] in html


@pytest.mark.parametrize("path", ["/embed/{code}", "/overlay/{code}", "/l/{code}/poster", "/l/{code}"])
async def test_every_string_a_page_uses_exists_in_both_languages(server: Any, lecture: dict[str, Any], path: str) -> None:
    """The templates name strings as t.key; a missing key renders empty."""
    template = {"/embed/{code}": "widget.html", "/overlay/{code}": "overlay.html", "/l/{code}/poster": "poster.html",
                "/l/{code}": "viewer.html"}[path]
    keys = set(re.findall(r"\bt\.(\w+)", (ROOT / "templates" / template).read_text()))
    for lang in ("zh-CN", "en"):
        missing = keys - set(i18n.catalogue(lang))
        assert not missing, (template, lang, missing)
    js = {"/embed/{code}": "widget.js", "/overlay/{code}": "overlay.js"}.get(path)
    if js:
        used = set(re.findall(r"\bt\('(\w+)'", (ROOT / "static" / "js" / js).read_text()))
        used |= {k for k in re.findall(r"'(widget_\w+|q_\w+|pending_review)'", (ROOT / "static" / "js" / js).read_text())}
        assert not used - set(i18n.catalogue("zh-CN")), used - set(i18n.catalogue("zh-CN"))
    assert (await _get(server, path.format(code=lecture["code"])))[0] == 200


async def test_widget_connects_as_a_widget_of_its_embedding_site(server: Any, lecture: dict[str, Any]) -> None:
    code = lecture["code"]
    html = (await _get(server, f"/embed/{code}?origin=https://mp.weixin.qq.com"))[2].decode()
    assert f'data-ws="/ws/{code}?source=widget&amp;origin=https%3A%2F%2Fmp.weixin.qq.com"' in html
    html = (await _get(server, f"/embed/{code}"))[2].decode()
    assert f'data-ws="/ws/{code}?source=widget"' in html
