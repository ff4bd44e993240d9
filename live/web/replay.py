"""The replay: its timeline as JSON (``GET /api/v1/lectures/{code}/replay``)
and its page (``/l/{code}/replay``).

A popular replay is asked for by many viewers at once, long after the
lecture, and its timeline changes only when a moderator acts (or while it
is live, with each new comment). So the JSON is built once per version of
the lecture and kept, gzipped, in memory; the version (the ETag) is read
from what the store answers cheaply: the lecture record, the counts of
comments and questions, the latest moderator action and the votes. A
viewer who has it gets a 304, others the kept bytes.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
from aiohttp import web

from live.core import replay
from live.core.lecture import Lecture, checked_origin
from live.web.api import _lecture
from live.web.context import Services
from live.web.middleware import lecture_page_csp
from live.web.pages import json_script, lecture_page, render

#: Comments read from the store at a time.
PAGE = 1000
#: Lectures whose latest timeline a node keeps built.
KEPT = 32
#: How long a browser or a proxy may keep an ended lecture's timeline
#: without asking again: moderation after the end shows within this.
ENDED_MAX_AGE_S = 60


@dataclass(frozen=True)
class Built:
    etag: str
    body: bytes
    gzipped: bytes


_built: OrderedDict[str, Built] = OrderedDict()
_building: dict[tuple[str, str], asyncio.Future[Built]] = {}


async def _version(svc: Services, lecture: Lecture) -> str:
    """Changes whenever the timeline may have: a new or hidden comment
    changes the count, every moderator action is in the audit log, a
    lecture change (offset, recording, end) is in its record."""
    stats = await svc.store.stats(lecture.code)
    last = await svc.store.audit(lecture.code, limit=1)
    basis = [lecture.epoch, lecture.public(), stats.get("comments"), stats.get("questions"),
             last[0].get("seq") if last else 0, await svc.store.tallies(lecture.code)]
    return '"' + hashlib.sha256(orjson.dumps(basis, option=orjson.OPT_SORT_KEYS)).hexdigest()[:24] + '"'


async def _records(svc: Services, code: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    comments: list[dict[str, Any]] = []
    after = 0
    while True:
        page = await svc.store.comments(code, after=after, limit=PAGE, moderator=False)
        comments.extend(page)
        if len(page) < PAGE:
            break
        after = page[-1]["seq"]
    return comments, await svc.store.questions(code, state=None, moderator=False)


async def _build(svc: Services, lecture: Lecture, etag: str) -> Built:
    comments, questions = await _records(svc, lecture.code)
    data = {
        "code": lecture.code,
        "title": lecture.title,
        "video_url": lecture.video_url,
        "stream_kind": replay.recording_kind(lecture.video_url),
        **replay.timeline(lecture, comments, questions),
    }
    body = orjson.dumps(data)
    return Built(etag, body, gzip.compress(body, 6, mtime=0))


async def _timeline(svc: Services, lecture: Lecture, etag: str) -> Built:
    """The built timeline of this version: kept, or built once however
    many ask for it at the same moment."""
    kept = _built.get(lecture.code)
    if kept is not None and kept.etag == etag:
        _built.move_to_end(lecture.code)
        return kept
    key = (lecture.code, etag)
    pending = _building.get(key)
    if pending is not None:
        return await asyncio.shield(pending)
    future: asyncio.Future[Built] = asyncio.get_running_loop().create_future()
    _building[key] = future
    try:
        built = await _build(svc, lecture, etag)
        future.set_result(built)
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: the first caller reports it
        raise
    finally:
        del _building[key]
    _built[lecture.code] = built
    _built.move_to_end(lecture.code)
    while len(_built) > KEPT:
        _built.popitem(last=False)
    return built


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    return header.strip() == "*" or any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


async def timeline(request: web.Request) -> web.Response:
    """``GET /api/v1/lectures/{code}/replay``: anyone; docs/protocol.md."""
    svc, lecture = await _lecture(request)
    etag = await _version(svc, lecture)
    headers = {
        "ETag": etag,
        "Vary": "Accept-Encoding",
        # While live the timeline grows: ask every time (a 304 when unchanged).
        "Cache-Control": f"public, max-age={ENDED_MAX_AGE_S}" if lecture.status == "ended" else "public, no-cache",
    }
    if _matches(request.headers.get("If-None-Match"), etag):
        return web.Response(status=304, headers=headers)
    built = await _timeline(svc, lecture, etag)
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return web.Response(body=built.gzipped, content_type="application/json", headers=headers)
    return web.Response(body=built.body, content_type="application/json", headers=headers)


def _plain_http_origin(url: str | None) -> str | None:
    """The origin of a recording on plain http (a server on the hall's
    network), which the pages' policy does not let in by itself (https is)."""
    if not url or not url.lower().startswith("http://"):
        return None
    parts = urlsplit(url)
    try:
        return checked_origin(f"{parts.scheme}://{parts.netloc}")
    except ValueError:
        return None


def page_csp(lecture: Lecture) -> str:
    """The lecture pages' policy, letting in the recording's own origin
    when it is on plain http."""
    csp = lecture_page_csp(lecture.settings)
    origin = _plain_http_origin(lecture.video_url)
    if origin is None:
        return csp
    directive = "frame-src" if replay.recording_kind(lecture.video_url) == "iframe" else "media-src"
    return "; ".join(f"{part} {origin}" if part.split(" ", 1)[0] == directive else part for part in csp.split("; "))


async def page(request: web.Request) -> web.Response:
    """``/l/{code}/replay``: the recording with the comments and the
    answered questions appearing in step (static/js/replay.js)."""
    svc, lecture, record = await lecture_page(request)
    return render(svc, request, "replay.html", lecture=record, lecture_json=json_script(record),
                  video_kind=replay.recording_kind(lecture.video_url), csp=page_csp(lecture))
