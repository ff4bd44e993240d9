"""The HTML pages: the catalogue and the viewer page (embeds: live/web/embeds.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jinja2
import orjson
from aiohttp import web

from live import i18n
from live.core.codes import normalise_code
from live.web.context import SERVICES, Services
from live.web.middleware import lecture_page_csp

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
LANG_COOKIE = "lang"


def templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def static_versions() -> dict[str, str]:
    """A short content hash per static file, so URLs change when files do
    and browsers may cache them for a year."""
    out = {}
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            out[path.relative_to(STATIC_DIR).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return out


def json_script(data: Any) -> str:
    """JSON safe inside a <script type="application/json"> element."""
    text = orjson.dumps(data).decode()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(svc: Services, request: web.Request, name: str, *, remember_lang: bool = True,
           csp: str | None = None, **context: Any) -> web.Response:
    """A template with the language, its strings and versioned static URLs.
    ``remember_lang``: a ``?lang=`` choice is kept in a cookie (not for
    embedded pages, whose choice is the host site's, not the reader's);
    ``csp``: this page's Content-Security-Policy instead of the default."""
    lang = i18n.negotiate(request.query.get("lang"), request.cookies.get(LANG_COOKIE),
                          request.headers.get("Accept-Language"))
    strings = i18n.catalogue(lang)

    def static(path: str) -> str:
        version = svc.static_versions.get(path)
        return f"/static/{path}?v={version}" if version else f"/static/{path}"

    html = svc.templates.get_template(name).render(
        lang=lang,
        t=strings,
        strings_json=json_script(strings),
        other_lang="en" if lang == "zh-CN" else "zh-CN",
        static=static,
        **context,
    )
    response = web.Response(text=html, content_type="text/html")
    if csp:
        response.headers["Content-Security-Policy"] = csp
    if remember_lang and "lang" in request.query and lang == i18n.negotiate(request.query["lang"], None, None):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


async def index(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    lectures = [svc.lecture_record(request, lec) for lec in await svc.store.lectures()]
    return render(svc, request, "index.html", lectures=lectures)


async def viewer(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    code = normalise_code(request.match_info["code"])
    lecture = await svc.store.lecture(code)
    if lecture is None:
        raise web.HTTPNotFound(text="No such lecture.")
    record = svc.lecture_record(request, lecture)
    return render(svc, request, "viewer.html", lecture=record, lecture_json=json_script(record), ws_path=f"/ws/{code}",
                  csp=lecture_page_csp(lecture.settings))
