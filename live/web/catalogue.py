"""The catalogue's pages, feeds and import: the home page (live now, coming
up, past; search and filters), a page per series and per speaker, their
iCalendar feeds, and ``POST /api/v1/import`` (live/core/catalogue.py,
ical.py and importer.py hold the rules)."""

from __future__ import annotations

import asyncio
from typing import Any, Iterable
from urllib.parse import quote, urlencode

import orjson
from aiohttp import web

from live import i18n
from live.core import catalogue, clock, ical, importer
from live.core.codes import is_code, normalise_code
from live.core.errors import Refusal
from live.core.lecture import STATUSES, Lecture
from live.web.auth import actor_name, require_admin
from live.web.context import SERVICES, Services
from live.web.pages import LANG_COOKIE, lecture_page, render

#: Past lectures (or those of one status) per page.
PAGE_SIZE = 12
#: Coming-up lectures on the home page before "all N".
UPCOMING_SHOWN = 9
#: Chips of tags and speakers on the home page (every series has one).
TAGS_SHOWN, SPEAKERS_SHOWN = 24, 16
#: Speakers named on a card before "+N".
CARD_SPEAKERS = 4


def series_url(name: str) -> str:
    return "/series/" + quote(name, safe="")


def speaker_url(name: str) -> str:
    return "/speakers/" + quote(name, safe="")


def tag_url(name: str) -> str:
    return "/?" + urlencode({"tag": name})


def card(lec: Lecture) -> dict[str, Any]:
    """What a catalogue card shows of a lecture."""
    zone = lec.timezone
    return {
        "code": lec.code,
        "title": lec.title,
        "status": lec.status,
        "url": f"/l/{lec.code}",
        "time": catalogue.time_label(lec),
        "starts_at": lec.starts_at,
        "ends_at": lec.ends_at if lec.starts_at and lec.ends_at and catalogue.end_ts(lec) == clock.parse_iso(
            lec.ends_at) else None,
        "zone": zone,
        "zone_label": zone if zone != clock.DEFAULT_ZONE else None,
        "speakers": [{"name": s["name"], "url": speaker_url(s["name"])} for s in lec.speakers[:CARD_SPEAKERS]],
        "more_speakers": max(0, len(lec.speakers) - CARD_SPEAKERS),
        "series": {"name": lec.series, "url": series_url(lec.series)} if lec.series else None,
        "tags": [{"name": t, "url": tag_url(t)} for t in lec.tags],
        "replay": f"/l/{lec.code}/replay" if lec.status == "ended" else None,
        "dashboard": f"/l/{lec.code}/dashboard" if lec.status == "ended" else None,
    }


def cards(lectures: Iterable[Lecture]) -> list[dict[str, Any]]:
    return [card(lec) for lec in lectures]


def _chips(named: Iterable[catalogue.Named], url: Any, active: str | None = None) -> list[dict[str, Any]]:
    key = catalogue.name_key(active) if active else None
    return [{"name": n.name, "count": n.count, "url": url(n.name), "title": n.title,
             "current": key is not None and catalogue.name_key(n.name) == key} for n in named]


def _webcal(svc: Services, request: web.Request, path: str) -> dict[str, str]:
    """A feed's links: ``webcal:`` makes calendar apps subscribe, ``https:`` downloads."""
    url = svc.base_url(request) + path
    return {"https": url, "webcal": "webcal:" + url.split(":", 1)[1]}


def _lang_href(request: web.Request, lang: str) -> str:
    """The same page in the other language (the search and filters kept)."""
    return str(request.rel_url.update_query(lang=lang))


def _other_lang(request: web.Request) -> str:
    lang = i18n.negotiate(request.query.get("lang"), request.cookies.get(LANG_COOKIE),
                          request.headers.get("Accept-Language"))
    return "en" if lang == "zh-CN" else "zh-CN"


# -- the home page ------------------------------------------------------------------

async def index(request: web.Request) -> web.StreamResponse:
    """``/``: join by code; the catalogue, searchable (``q``) and filtered
    (``series``, ``tag``, ``status``), past lectures a page at a time (``page``)."""
    svc = request.app[SERVICES]
    code = request.query.get("code")
    if code is not None and is_code(normalise_code(code)):
        raise web.HTTPFound(f"/l/{normalise_code(code)}")  # the join form, without JavaScript
    q = request.query.get("q", "").strip()[:100]
    series = request.query.get("series", "").strip() or None
    tag = request.query.get("tag", "").strip() or None
    status = request.query.get("status") if request.query.get("status") in STATUSES else None
    number = catalogue.page_number(request.query.get("page"))

    everything = await svc.store.lectures()
    found = catalogue.select(everything, q=q, series=series, tag=tag, status=status)
    groups = catalogue.sections(found)
    speakers = catalogue.speaker_index(everything)
    filters = {k: v for k, v in (("q", q), ("series", series), ("tag", tag), ("status", status)) if v}

    def href(**changes: Any) -> str:
        params = {**filters, **changes}
        query = urlencode({k: v for k, v in params.items() if v not in (None, "", 1)})
        return "/" + (f"?{query}" if query else "")

    # One list is paged: the one status asked for, else the past lectures,
    # whose later pages show them alone.
    paged_status = status or "ended"
    paged = catalogue.page_of({"live": groups.live, "scheduled": groups.upcoming, "ended": groups.past}[paged_status],
                              number, PAGE_SIZE)
    first = paged.number == 1 and status is None
    shown = {
        "live": cards(groups.live) if first or status == "live" else [],
        "upcoming": (cards(groups.upcoming[:UPCOMING_SHOWN]) if first else
                     cards(paged.items) if status == "scheduled" else []),
        "past": cards(paged.items) if paged_status == "ended" else [],
    }
    pager = {
        "number": paged.number, "pages": paged.pages,
        "previous": href(page=paged.previous) if paged.previous else None,
        "next": href(page=paged.next) if paged.next else None,
    }
    return render(
        svc, request, "index.html",
        filters=filters, q=q, series=series, tag=tag, status=status,
        found=len(found), total=len(everything), groups=groups, shown=shown, pager=pager,
        paged_status=paged_status,
        more_upcoming=href(status="scheduled") if first and len(groups.upcoming) > UPCOMING_SHOWN else None,
        series_chips=_chips(catalogue.series_index(everything), series_url),
        tag_chips=_chips(catalogue.tag_index(everything)[:TAGS_SHOWN], lambda n: href(tag=n, page=None), tag),
        speaker_chips=_chips(speakers[:SPEAKERS_SHOWN], speaker_url), speaker_count=len(speakers),
        clear=href(q=None, series=None, tag=None, status=None, page=None),
        without=lambda key: href(**{key: None, "page": None}),
        feed=_webcal(svc, request, "/calendar.ics"),
        lang_href=_lang_href(request, _other_lang(request)),
    )


# -- a series, a speaker -----------------------------------------------------------

async def series_page(request: web.Request) -> web.Response:
    """``/series/{name}``: the series' lectures in time order, its speakers
    and its calendar feed."""
    svc = request.app[SERVICES]
    name, lectures = await _series(svc, request.match_info["name"])
    return render(svc, request, "series.html", series_name=name, lectures=cards(catalogue.in_time_order(lectures)),
                  count=len(lectures), span=_span(lectures),
                  speaker_chips=_chips(catalogue.speaker_index(lectures), speaker_url),
                  feed=_webcal(svc, request, series_url(name) + "/calendar.ics"),
                  lang_href=_lang_href(request, _other_lang(request)))


async def _series(svc: Services, raw: str) -> tuple[str, list[Lecture]]:
    everything = await svc.store.lectures()
    found = catalogue.find(catalogue.series_index(everything), raw)
    if found is None:
        raise web.HTTPNotFound(text="No such series.")
    return found.name, catalogue.select(everything, series=found.name)


def _span(lectures: list[Lecture]) -> tuple[str, str] | None:
    """The first and the last day of the lectures that have a date."""
    dated = catalogue.in_time_order(lec for lec in lectures if lec.starts_at)
    if not dated:
        return None
    first, last = dated[0], dated[-1]
    return (clock.local(first.starts_at, first.timezone)[:10],  # type: ignore[arg-type]
            clock.local(last.starts_at, last.timezone)[:10])  # type: ignore[arg-type]


async def speaker_page(request: web.Request) -> web.Response:
    """``/speakers/{name}``: a speaker, their title on their latest lecture,
    and their lectures: live now, coming up, past."""
    svc = request.app[SERVICES]
    everything = await svc.store.lectures()
    person = catalogue.find(catalogue.speaker_index(everything), request.match_info["name"])
    if person is None:
        raise web.HTTPNotFound(text="No such speaker.")
    groups = catalogue.sections(catalogue.select(everything, speaker=person.name))
    return render(svc, request, "person.html", person=person, groups=groups,
                  shown={"live": cards(groups.live), "upcoming": cards(groups.upcoming), "past": cards(groups.past)},
                  series_chips=_chips(catalogue.series_index(
                      [*groups.live, *groups.upcoming, *groups.past]), series_url),
                  lang_href=_lang_href(request, _other_lang(request)))


# -- calendar feeds -----------------------------------------------------------------

def _labels(request: web.Request) -> ical.Labels:
    lang = i18n.negotiate(request.query.get("lang"), None, request.headers.get("Accept-Language"))
    t = i18n.catalogue(lang)
    return ical.Labels(speakers=t["cat_ical_speakers"], watch=t["cat_ical_watch"], replay=t["cat_ical_replay"],
                       separator=t["cat_list_separator"], titled=t["cat_ical_titled"])


async def _feed(svc: Services, request: web.Request, lectures: Iterable[Lecture], name: str,
                filename: str) -> web.Response:
    lectures = list(lectures)
    zone = lectures[0].timezone if lectures else clock.DEFAULT_ZONE
    # Five years of lectures take some 50 ms to write: off the event loop,
    # which keeps sending frames to the viewers meanwhile.
    body = await asyncio.to_thread(ical.calendar, lectures, name=name, zone=zone, base_url=svc.base_url(request),
                                   now=clock.now(), labels=_labels(request))
    response = web.Response(text=body, content_type="text/calendar", charset="utf-8", headers={
        "Content-Disposition": f"inline; filename=\"{filename}\"",
        "Cache-Control": "public, max-age=300",
    })
    response.enable_compression()
    return response


async def lecture_calendar(request: web.Request) -> web.Response:
    """``/l/{code}/calendar.ics``: one lecture, to add to a calendar."""
    svc, lecture, _ = await lecture_page(request)
    if not lecture.starts_at:
        raise web.HTTPNotFound(text="This lecture has no start time yet.")
    return await _feed(svc, request, [lecture], lecture.title, f"lecture-{lecture.code}.ics")


async def series_calendar(request: web.Request) -> web.Response:
    """``/series/{name}/calendar.ics``: a series, to subscribe to."""
    svc = request.app[SERVICES]
    name, lectures = await _series(svc, request.match_info["name"])
    return await _feed(svc, request, lectures, name, "series.ics")


async def catalogue_calendar(request: web.Request) -> web.Response:
    """``/calendar.ics``: the whole catalogue (``series``, ``tag`` and ``q``
    filter it as on the home page)."""
    svc = request.app[SERVICES]
    lectures = catalogue.select(await svc.store.lectures(), q=request.query.get("q"),
                                series=request.query.get("series"), tag=request.query.get("tag"))
    lang = i18n.negotiate(request.query.get("lang"), None, request.headers.get("Accept-Language"))
    return await _feed(svc, request, lectures, i18n.catalogue(lang)["cat_feed_name"], "catalogue.ics")


# -- import ---------------------------------------------------------------------------

async def _raw_body(request: web.Request, limit: int) -> bytes:
    too_large = Refusal("too_large", f"The body is over {limit // (1024 * 1024)} MiB: split the file.", limit=limit)
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        raise too_large
    return raw


async def import_catalogue(request: web.Request) -> web.Response:
    """``POST /api/v1/import`` (admin): a catalogue as CSV or JSON; answers
    what was created, what was already there and what was refused, per row.
    ``?dry_run=1`` checks without writing."""
    svc = request.app[SERVICES]
    require_admin(svc.keys, request)
    dry_run = request.query.get("dry_run", "").lower() in ("1", "true", "yes")
    data = await _raw_body(request, importer.BODY_MAX)
    existing = await svc.store.lectures()

    def check() -> importer.Plan:
        return importer.plan(importer.read(data, importer.kind_of(data, request.headers.get("Content-Type"))),
                             existing)

    # Checking two thousand rows is work: off the event loop, like the feeds.
    plan = await asyncio.to_thread(check)
    by = actor_name(request.headers.get("X-Moderator-Name"), "import")
    created = []
    for item in plan.create:
        entry: dict[str, Any] = {"row": item.row, "code": None, "title": item.fields["title"],
                                 "status": "ended" if item.after else "scheduled"}
        if not dry_run:
            lecture = await svc.store.create_lecture(item.fields)
            if item.after:
                await svc.store.update_lecture(lecture.code, item.after, by=by)
            entry["code"] = lecture.code
            entry["url"] = svc.base_url(request) + f"/l/{lecture.code}"
        created.append(entry)
    report = {"dry_run": dry_run, "rows": plan.rows, "created": created, "existing": plan.existing,
              "refused": plan.refused}
    return web.Response(body=orjson.dumps(report), status=200, content_type="application/json")
