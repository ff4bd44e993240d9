"""Embeds: the loader script, the widget pages, the stream overlay, QR codes
and the printable poster (docs/embeds.md).

Who may frame which page is decided in ``live.web.middleware`` (one
place): the widget, like the viewer page and the overlay, may be framed by
the sites in the lecture's ``embed_origins`` setting, or by any site when
that list is empty.
"""

from __future__ import annotations

import io
import re
from typing import Any, Callable, Mapping
from urllib.parse import urlencode, urlsplit

import segno
from aiohttp import web
from markupsafe import Markup

from live.core.codes import normalise_code
from live.core.lecture import Lecture
from live.web.context import SERVICES, Services
from live.web.middleware import lecture_page_csp
from live.web.pages import STATIC_DIR, json_script, lecture_page, render

WIDGET_MODES = ("wall", "compact", "ask", "questions")
THEMES = ("auto", "light", "dark")
OVERLAY_STYLES = ("danmaku", "list")
QR_VIEWS = ("ask", "questions")

#: The loader's URL never changes (sites paste it once), so it cannot be
#: cached for good: an hour fresh, then revalidated (ETag) in the background.
LOADER_CACHE = "public, max-age=3600, stale-while-revalidate=86400"
QR_CACHE = "public, max-age=86400"

_HEX_COLOUR = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_TRUE = {"1", "true", "yes", "on", ""}
_FALSE = {"0", "false", "no", "off"}


# -- reading options from the query string (never an error: a bad value
#    falls back to the default, as a pasted link should still work) --------

def _choice(query: Mapping[str, str], key: str, choices: tuple[str, ...]) -> str:
    value = query.get(key, "").strip().lower()
    return value if value in choices else choices[0]


def _number(query: Mapping[str, str], key: str, default: float, low: float, high: float) -> float:
    try:
        value = float(query.get(key, "").strip().removesuffix("px"))
    except ValueError:
        return default
    if value != value:  # NaN
        return default
    return min(high, max(low, value))


def _flag(query: Mapping[str, str], key: str, default: bool) -> bool:
    if key not in query:
        return default
    value = query[key].strip().lower()
    return True if value in _TRUE else False if value in _FALSE else default


def _colour(query: Mapping[str, str], key: str) -> str | None:
    m = _HEX_COLOUR.match(query.get(key, "").strip())
    return f"#{m.group(1).lower()}" if m else None


def _host_origin(value: str | None) -> str | None:
    """The embedding page's origin, as the loader passes it: the widget
    talks to it with postMessage and to no one else."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


async def _lecture(request: web.Request) -> tuple[Services, Lecture]:
    svc = request.app[SERVICES]
    lecture = await svc.store.lecture(normalise_code(request.match_info["code"]))
    if lecture is None:
        raise web.HTTPNotFound(text="No such lecture.")
    return svc, lecture


# -- the loader --------------------------------------------------------------

async def loader(request: web.Request) -> web.StreamResponse:
    """``/embed.js``: the one script tag a site adds (static/embed.js)."""
    return web.FileResponse(
        STATIC_DIR / "embed.js",
        headers={
            "Content-Type": "text/javascript; charset=utf-8",
            "Cache-Control": LOADER_CACHE,
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


# -- the widget ----------------------------------------------------------------

def widget_options(query: Mapping[str, str]) -> dict[str, Any]:
    height = _number(query, "height", 0, 0, 4000)
    return {
        "mode": _choice(query, "mode", WIDGET_MODES),
        "theme": _choice(query, "theme", THEMES),
        "height": int(height) if height >= 120 else None,  # None: as tall as the content
        "readonly": _flag(query, "readonly", False),
        "accent": _colour(query, "accent"),
        "origin": _host_origin(query.get("origin")),
    }


async def _embedded_page(request: web.Request, template: str,
                         options_for: Callable[[Mapping[str, str]], dict[str, Any]],
                         ws_query: Callable[[dict[str, Any]], str], **context: Any) -> web.Response:
    """A page framed or captured on another site (the widget, the overlay):
    the lecture and the page's options from the query, both also as JSON for
    its script, never cached, and no ``?lang=`` cookie (the host's choice).
    ``context``: more for the template, each a function of the lecture."""
    svc, lecture = await _lecture(request)
    record = svc.lecture_record(request, lecture)
    options = options_for(request.query)
    response = render(
        svc, request, template,
        remember_lang=False,
        csp=lecture_page_csp(lecture.settings),
        lecture=record,
        lecture_json=json_script(record),
        options=options,
        options_json=json_script(options),
        ws_path=f"/ws/{lecture.code}{ws_query(options)}",
        **{name: value(lecture) for name, value in context.items()},
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def widget(request: web.Request) -> web.Response:
    """``/embed/{code}``: the widget page the loader frames."""
    return await _embedded_page(request, "widget.html", widget_options, _widget_source)


def _widget_source(options: dict[str, Any]) -> str:
    """The widget's viewers count apart, per embedding site."""
    return "?" + urlencode({"source": "widget", **({"origin": options["origin"]} if options["origin"] else {})})


# -- the overlay ---------------------------------------------------------------

def overlay_options(query: Mapping[str, str]) -> dict[str, Any]:
    bg = query.get("bg", "").strip().lower()
    return {
        "style": _choice(query, "style", OVERLAY_STYLES),
        "lanes": int(_number(query, "lanes", 8, 1, 16)),
        "duration": _number(query, "duration", 12, 4, 40),
        "max": int(_number(query, "max", 24, 1, 100)),
        "featured_only": _choice(query, "source", ("all", "featured")) == "featured",
        "question": _flag(query, "question", True),
        "stats": _flag(query, "stats", False),
        "qr": _flag(query, "qr", False),
        "scale": _number(query, "scale", 1, 0.5, 3),
        "count": int(_number(query, "count", 5, 1, 12)),
        "position": _choice(query, "position", ("left", "right")),
        "top": int(_number(query, "top", 40, 0, 900)),
        "bg": "transparent" if bg in ("", "transparent") else _colour(query, "bg") or "transparent",
        "preview": _flag(query, "preview", False),
    }


async def overlay(request: web.Request) -> web.Response:
    """``/overlay/{code}``: a transparent 1920×1080 page for streaming
    software. It connects as a display (``role=display``), not a viewer."""
    return await _embedded_page(request, "overlay.html", overlay_options, lambda _: "?role=display",
                                qr_src=lambda lecture: f"/l/{lecture.code}/qr.svg?border=2")


# -- QR codes and the poster -----------------------------------------------------

def qr_target(svc: Services, request: web.Request, code: str, view: str | None = None) -> str:
    """The link a QR code opens: the viewer page, or a view of it
    (``?view=ask`` opens the questions tab with the ask form ready)."""
    url = svc.urls(request, code)["viewer"]
    return f"{url}?view={view}" if view in QR_VIEWS else url


def _qr(request: web.Request, svc: Services, lecture: Lecture) -> tuple[segno.QRCode, int, str]:
    """The QR code of the query's view, its quiet zone, and a file name."""
    view = request.query.get("view")
    view = view if view in QR_VIEWS else None
    code = segno.make(qr_target(svc, request, lecture.code, view), error="m", micro=False)
    border = int(_number(request.query, "border", 4, 0, 16))
    return code, border, f"live-{lecture.code}" + (f"-{view}" if view else "")


def _qr_response(request: web.Request, body: bytes, content_type: str, filename: str) -> web.Response:
    headers = {"Cache-Control": QR_CACHE, "Cross-Origin-Resource-Policy": "cross-origin"}
    if _flag(request.query, "download", False):
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return web.Response(body=body, content_type=content_type, headers=headers)


def qr_svg_markup(code: segno.QRCode, *, scale: float = 8, border: int = 4, title: str = "") -> bytes:
    """A QR code as SVG markup (no XML declaration, the title escaped),
    with a viewBox as well as a size: shown at any size, the code scales.
    Served as ``qr.svg`` and inlined in the big screen."""
    buf = io.BytesIO()
    code.save(buf, kind="svg", scale=scale, border=border, xmldecl=False, svgclass="live-qr", lineclass=None,
              light="#fff", title=title[:120] or None)
    side = code.symbol_size(scale=scale, border=border)
    return buf.getvalue().replace(b"<svg ", f'<svg viewBox="0 0 {side[0]:g} {side[1]:g}" '.encode(), 1)


def viewer_qr_svg(svc: Services, request: web.Request, lecture: Lecture, *, border: int = 2) -> str:
    """The viewer link's QR code as SVG markup, to inline in a page."""
    code = segno.make(qr_target(svc, request, lecture.code), error="m", micro=False)
    return qr_svg_markup(code, border=border, title=lecture.title).decode()


async def qr_svg(request: web.Request) -> web.Response:
    """``/l/{code}/qr.svg``: the viewer link as a QR code, crisp at any size."""
    svc, lecture = await _lecture(request)
    code, border, name = _qr(request, svc, lecture)
    svg = qr_svg_markup(code, scale=_number(request.query, "scale", 8, 1, 64), border=border, title=lecture.title)
    response = _qr_response(request, svg, "image/svg+xml", f"{name}.svg")
    # Opened on its own, an SVG is a document: it may run nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


async def qr_png(request: web.Request) -> web.Response:
    """``/l/{code}/qr.png``: the same as a PNG (``scale`` pixels a module)."""
    svc, lecture = await _lecture(request)
    code, border, name = _qr(request, svc, lecture)
    scale = int(_number(request.query, "scale", 10, 1, 40))
    buf = io.BytesIO()
    code.save(buf, kind="png", scale=scale, border=border, light="#fff")
    return _qr_response(request, buf.getvalue(), "image/png", f"{name}.png")


async def poster(request: web.Request) -> web.Response:
    """``/l/{code}/poster``: an A4 poster to print: title, time, speakers,
    the QR code, the short link and the join code."""
    svc, lecture = await _lecture(request)
    record = svc.lecture_record(request, lecture)
    viewer_url = record["urls"]["viewer"]
    short = re.sub(r"^https?://", "", viewer_url)
    return render(
        svc, request, "poster.html",
        lecture=record,
        short_link=short,
        qr_src=f"/l/{lecture.code}/qr.svg",
        qr_ask_src=f"/l/{lecture.code}/qr.svg?view=ask",
        qr_png=f"/l/{lecture.code}/qr.png?scale=20&download=1",
        ask_url=qr_target(svc, request, lecture.code, "ask"),
    )


# -- the big screen ----------------------------------------------------------------

async def screen(request: web.Request) -> web.Response:
    """``/l/{code}/screen``: the big screen for the hall's projector: the
    question being answered, featured comments, counters and a QR code to
    join (inline SVG). No controls; connects as a display. ``?rotate=``:
    seconds each featured comment stays (2–60, default 8)."""
    svc, lecture, record = await lecture_page(request)
    options = {"rotate": _number(request.query, "rotate", 8, 2, 60)}
    response = render(svc, request, "screen.html", lecture=record, lecture_json=json_script(record),
                      options_json=json_script(options), ws_path=f"/ws/{lecture.code}?role=display",
                      qr_svg=Markup(viewer_qr_svg(svc, request, lecture)),
                      join_url=record["urls"]["viewer"].split("://", 1)[-1])
    response.headers["Cache-Control"] = "no-store"
    return response
