"""The figures afterwards, on the web: a lecture's dashboard
(``/l/{code}/dashboard`` and ``/api/v1/lectures/{code}/dashboard``) and the
catalogue's or a series' totals with a line per lecture (``/figures`` and
``/api/v1/figures``, JSON or CSV). Public and read-only, like the counters.

The arithmetic is ``live.core.dashboard``'s. What is here: gathering the
records from the store, doing the sums off the event loop (segmenting
thousands of comments takes a while the first time) and at most once per
``FRESH_S`` per lecture and node, however many people watch the page."""

from __future__ import annotations

import asyncio
import csv
import io
import time
import weakref
from functools import lru_cache, partial
from typing import Any, Awaitable, Callable, Sequence
from urllib.parse import quote

import orjson
from aiohttp import web

from live import export
from live.config import Settings
from live.core import clock, dashboard
from live.core.errors import Refusal
from live.core.lecture import Lecture
from live.core.words import WordLists
from live.realtime.store import Store
from live.web import charts, pages
from live.web.api import _lecture
from live.web.auth import actor
from live.web.context import SERVICES, Services

#: Seconds a computation of figures is served before it is made again.
FRESH_S = 5.0
#: Comments fetched from the store at a time.
PAGE = 5000
#: Comment texts whose words are remembered, per set of word lists.
WORDS_KEPT = 50_000
FORMATS = ("json", "csv")
CSV_COLUMNS = ("code", "title", "date", "series", "status", "visits", "peak_online", "unique_viewers", "likes",
               "comments", "questions", "answered")

_made: "weakref.WeakKeyDictionary[Store, dict[tuple[str, ...], tuple[float, asyncio.Future[Any]]]]" = \
    weakref.WeakKeyDictionary()


async def _fresh(store: Store, key: tuple[str, ...], make: Callable[[], Awaitable[Any]]) -> Any:
    """``make()``'s result, made again once ``FRESH_S`` old; callers at the
    same time share one computation."""
    now = time.monotonic()
    made = _made.setdefault(store, {})
    entry = made.get(key)
    if entry is None or entry[0] <= now:
        for old in [k for k, (until, _) in made.items() if until <= now]:
            del made[old]
        entry = made[key] = (now + FRESH_S, asyncio.ensure_future(make()))
    try:
        return await asyncio.shield(entry[1])
    except Exception:
        if made.get(key) is entry:  # a failure is not kept: the next caller tries again
            del made[key]
        raise


@lru_cache(maxsize=4)
def _base_words(settings: Settings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The node's word-list file, read once (as the stores do at start)."""
    blocked, watch = settings.base_words()
    return tuple(blocked), tuple(watch)


@lru_cache(maxsize=4)
def _cloud_words(blocked: tuple[str, ...], watch: tuple[str, ...]) -> Callable[[str], Sequence[str]]:
    """``comment_words`` under these lists, remembered per text: a refresh
    segments only the comments it has not seen."""
    return lru_cache(maxsize=WORDS_KEPT)(partial(dashboard.comment_words, lists=WordLists.build(blocked, watch)))


async def _all_comments(store: Store, code: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        page = await store.comments(code, after=out[-1]["seq"] if out else 0, limit=PAGE, moderator=True)
        out += page
        if len(page) < PAGE:
            return out


async def lecture_figures(svc: Services, lecture: Lecture) -> dict[str, Any]:
    async def make() -> dict[str, Any]:
        store, code = svc.store, lecture.code
        stats, samples, sources = await store.stats(code), await store.samples(code), await store.sources(code)
        comments = await _all_comments(store, code)
        questions = await store.questions(code, state=None, moderator=True)
        own = (await store.moderation(code))["words"]
        blocked, watch = _base_words(svc.settings)

        def compute() -> dict[str, Any]:
            words = _cloud_words(blocked + tuple(own["blocked"]), watch + tuple(own["watch"]))
            return dashboard.lecture_figures(lecture, stats=stats, samples=samples, comments=comments,
                                             questions=questions, sources=sources, now=clock.now(),
                                             every_s=svc.settings.sample_s, words=words)

        return await asyncio.to_thread(compute)

    return await _fresh(svc.store, ("lecture", lecture.code), make)


async def _entries(svc: Services) -> list[tuple[Lecture, dict[str, int]]]:
    async def make() -> list[tuple[Lecture, dict[str, int]]]:
        return [(lec, await svc.store.stats(lec.code)) for lec in await svc.store.lectures()]

    return await _fresh(svc.store, ("catalogue",), make)


def _moderates(svc: Services, request: web.Request, lecture: Lecture) -> bool:
    try:
        who = actor(svc.keys, request, lecture, svc.settings.public_url)
    except Refusal:
        return False
    return who is not None and who.role != "speaker"


def num(n: int | float | None) -> str:
    return "–" if n is None else f"{n:,}"


# -- a lecture's dashboard -------------------------------------------------------

async def lecture_page(request: web.Request) -> web.Response:
    """``/l/{code}/dashboard``: tiles, charts, top questions, hot words,
    sources; the report's downloads for a signed-in moderator."""
    svc, lecture, record = await pages.lecture_page(request)
    figures = await lecture_figures(svc, lecture)
    zone = lecture.timezone
    return pages.render(svc, request, "dashboard.html", lecture=record, f=figures,
                        moderator=_moderates(svc, request, lecture), num=num,
                        at=lambda t: clock.local(clock.iso(t), zone),
                        line_chart=partial(charts.line_chart, zone=zone),
                        bar_chart=partial(charts.bar_chart, zone=zone))


async def lecture_json(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    return web.Response(body=orjson.dumps(await lecture_figures(svc, lecture)), content_type="application/json")


# -- the catalogue, a series ---------------------------------------------------------

def _choice(request: web.Request, name: str, choices: Sequence[str], default: str) -> str:
    value = request.query.get(name) or default
    if value not in choices:
        raise Refusal("invalid", f"'{name}' must be one of {', '.join(choices)}.", field=name)
    return value


async def _catalogue(request: web.Request) -> tuple[Services, dict[str, Any], list[str]]:
    """The figures the query asks for, and every series' name (for the filter)."""
    svc = request.app[SERVICES]
    by = _choice(request, "sort", dashboard.SORTS, "date")
    order = _choice(request, "order", ("asc", "desc"), "asc")
    entries = await _entries(svc)
    names = sorted({lec.series for lec, _ in entries if lec.series})
    data = dashboard.catalogue_figures(entries, request.query.get("series") or None, by, order == "desc")
    return svc, {**data, "sort": by, "order": order}, names


def to_csv(data: dict[str, Any]) -> str:
    """One row per lecture and a totals row: the sums, the largest peak,
    and no unique viewers (they do not add up across lectures)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for row in data["lectures"]:
        w.writerow([export.cell(row[k] if row[k] is not None else "") for k in CSV_COLUMNS])
    totals = data["totals"]
    w.writerow([export.cell(v) for v in (
        "total", f"{totals['lectures']} lectures", "", data["series"] or "", "", totals["visits"],
        totals["peak_online"], "", totals["likes"], totals["comments"], totals["questions"], totals["answered"])])
    return out.getvalue()


def _filename(series: str | None) -> str:
    """``figures.csv`` for old clients, the series' name for the rest (RFC 6266)."""
    if not series:
        return 'attachment; filename="figures.csv"'
    return f"attachment; filename=\"figures-series.csv\"; filename*=UTF-8''{quote('figures-' + series + '.csv', safe='')}"


async def catalogue_json(request: web.Request) -> web.Response:
    """``/api/v1/figures?series=&sort=&order=&format=json|csv``."""
    fmt = _choice(request, "format", FORMATS, "json")
    _, data, names = await _catalogue(request)
    if fmt == "csv":
        return web.Response(body=("\ufeff" + to_csv(data)).encode(), content_type="text/csv", charset="utf-8",
                            headers={"Content-Disposition": _filename(data["series"])})
    return web.Response(body=orjson.dumps({**data, "series_names": names}), content_type="application/json")


async def catalogue_page(request: web.Request) -> web.Response:
    """``/figures``: the totals and the table, sorted by any column; a bad
    ``sort`` or ``order`` falls back to the date order."""
    try:
        svc, data, names = await _catalogue(request)
    except Refusal:
        raise web.HTTPFound("/figures" + (f"?series={quote(request.query['series'])}"
                                          if request.query.get("series") else "")) from None
    return pages.render(svc, request, "figures.html", data=data, names=names, num=num)
