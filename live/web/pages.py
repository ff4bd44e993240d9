"""The HTML pages: the viewer page, the control and speaker pages (the
catalogue: live/web/catalogue.py; embeds, the overlay and the big screen:
live/web/embeds.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import orjson
from aiohttp import web

from live import i18n
from live.core import clock
from live.core.codes import normalise_code
from live.core.lecture import Lecture
from live.web.context import SERVICES, Services
from live.web.middleware import lecture_page_csp

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
LANG_COOKIE = "lang"


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = clock.local  # {{ lec.starts_at|local(lec.timezone) }}
    return env


def json_script(data: Any) -> str:
    """JSON safe inside a <script type="application/json"> element."""
    text = orjson.dumps(data).decode()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


#: Catalogue keys only one page uses, kept out of every other page's embedded strings.
PAGE_ONLY_STRINGS = {"ctl_": "control.html", "screen_": "screen.html", "spk_": "speaker.html", "cat_": "index.html",
                     "replay_": "replay.html", "dash_": "dashboard.html"}


def page_strings(name: str, strings: Any) -> dict[str, str]:
    """The strings a page embeds for its script: the catalogue without the
    keys that belong to another page (the control page's ``ctl_`` strings
    would add kilobytes to every viewer's page)."""
    return {k: v for k, v in strings.items()
            if not any(k.startswith(prefix) and name != page for prefix, page in PAGE_ONLY_STRINGS.items())}


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
        strings_json=json_script(page_strings(name, strings)),
        other_lang="en" if lang == "zh-CN" else "zh-CN",
        static=static,
        **context,
    )
    response = web.Response(text=html, content_type="text/html")
    response.enable_compression()  # gzip or deflate when the browser says it takes them
    if csp:
        response.headers["Content-Security-Policy"] = csp
    if remember_lang and "lang" in request.query and lang == i18n.negotiate(request.query["lang"], None, None):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


async def lecture_page(request: web.Request) -> tuple[Services, Lecture, dict[str, Any]]:
    """The service, the lecture of ``{code}`` and its public record; 404 when there is none."""
    svc = request.app[SERVICES]
    lecture = await svc.store.lecture(normalise_code(request.match_info["code"]))
    if lecture is None:
        raise web.HTTPNotFound(text="No such lecture.")
    return svc, lecture, svc.lecture_record(request, lecture)


async def viewer(request: web.Request) -> web.Response:
    svc, lecture, record = await lecture_page(request)
    return render(svc, request, "viewer.html", lecture=record, lecture_json=json_script(record),
                  ws_path=f"/ws/{lecture.code}", csp=lecture_page_csp(lecture.settings))


async def speaker(request: web.Request) -> web.Response:
    """``/l/{code}/speaker``: a guest's page for their phone during the
    lecture: the questions the moderators gave them, and buttons to mark what
    they answer. The page is the same shell for everyone: the guest's link
    carries their name and token in the fragment (never sent here), which the
    page trades for a session cookie (``POST …/session``) and drops from the
    address bar (the middleware keeps it unframed, uncached, unindexed)."""
    svc, lecture, record = await lecture_page(request)
    return render(svc, request, "speaker.html", lecture=record, lecture_json=json_script(record),
                  ws_path=f"/ws/{lecture.code}")


async def control(request: web.Request) -> web.Response:
    """``/l/{code}/control``: the moderators' control page. The HTML is a
    shell, the same for everyone: it never holds the moderator key or any
    moderation data. The control link carries the key in its fragment (never
    sent here); the page trades it for a session cookie (``POST …/session``),
    drops it from the address bar and loads everything else through the API
    and the moderators' socket."""
    svc, lecture, record = await lecture_page(request)
    return render(svc, request, "control.html", lecture=record, lecture_json=json_script(record))
