"""The JSON API under /api/v1 (CONTRACT.md, docs/protocol.md)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from live import export
from live.core import qa
from live.core.codes import normalise_code
from live.core.errors import Refusal
from live.core.lecture import Lecture, checked_fields, checked_status
from live.core.room import COMMENT_ACTIONS
from live.core.text import checked_text, normalise
from live.web.auth import bearer, is_moderator, require_admin, require_moderator
from live.web.context import SERVICES, Services

BODY_MAX = 64 * 1024
ANSWER_MAX = 2000
SPEAKER_MAX = 60


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


async def _body(request: web.Request) -> Any:
    if request.content_length is not None and request.content_length > BODY_MAX:
        raise Refusal("too_large", f"The body is over {BODY_MAX // 1024} KiB.")
    raw = await request.content.read(BODY_MAX + 1)
    if len(raw) > BODY_MAX:
        raise Refusal("too_large", f"The body is over {BODY_MAX // 1024} KiB.")
    try:
        body = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise Refusal("bad_json", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise Refusal("bad_json", "The body must be a JSON object.")
    return body


async def _lecture(request: web.Request) -> tuple[Services, Lecture]:
    svc = request.app[SERVICES]
    lecture = await svc.store.lecture(normalise_code(request.match_info["code"]))
    if lecture is None:
        raise Refusal("not_found", f"No lecture with code {request.match_info['code']}.")
    return svc, lecture


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Refusal("invalid", f"'{name}' must be a whole number.", field=name) from None
    if not low <= value <= high:
        raise Refusal("invalid", f"'{name}' must be from {low} to {high}.", field=name)
    return value


# -- lectures ----------------------------------------------------------------

async def create_lecture(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    require_admin(svc.keys, request)
    fields = checked_fields(await _body(request), partial=False)
    lecture = await svc.store.create_lecture(fields)
    record = svc.lecture_record(request, lecture)
    record["moderator_key"] = lecture.moderator_key
    # The control link carries the key once; the page trades it for a session.
    record["urls"]["control"] += f"?key={lecture.moderator_key}"
    return _json(record, status=201)


async def list_lectures(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    return _json({"lectures": [svc.lecture_record(request, lec) for lec in await svc.store.lectures()]})


async def get_lecture(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    return _json(svc.lecture_record(request, lecture))


async def patch_lecture(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    require_moderator(svc.keys, request, lecture)
    fields = checked_fields(await _body(request), partial=True)
    if fields:
        lecture = await svc.store.update_lecture(lecture.code, fields)
    return _json(svc.lecture_record(request, lecture))


async def set_status(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    require_moderator(svc.keys, request, lecture)
    status = checked_status(await _body(request))
    if status != lecture.status:
        lecture = await svc.store.update_lecture(lecture.code, {"status": status})
    return _json(svc.lecture_record(request, lecture))


# -- comments and questions --------------------------------------------------

async def list_comments(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    after = _int_param(request, "after", 0, 0, 2**53)
    limit = _int_param(request, "limit", 100, 1, 500)
    moderator = is_moderator(svc.keys, bearer(request), lecture)
    comments = await svc.store.comments(lecture.code, after=after, limit=limit, moderator=moderator)
    nxt = comments[-1]["seq"] if len(comments) == limit else None
    return _json({"comments": comments, "next": nxt})


async def list_questions(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    state = request.query.get("state")
    if state is not None and state not in qa.STATES:
        raise Refusal("invalid", f"'state' must be one of {', '.join(qa.STATES)}.", field="state")
    moderator = is_moderator(svc.keys, bearer(request), lecture)
    if state is not None and not qa.is_visible(state) and not moderator:
        raise Refusal("forbidden", f"Only moderators see {state} questions.")
    return _json({"questions": await svc.store.questions(lecture.code, state=state, moderator=moderator)})


async def stats(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    return _json(await svc.store.stats(lecture.code))


async def moderate_comment(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    require_moderator(svc.keys, request, lecture)
    action = request.match_info["action"]
    if action not in COMMENT_ACTIONS:
        raise Refusal("not_found", f"No comment action '{action}'; use one of {', '.join(COMMENT_ACTIONS)}.")
    return _json(await svc.store.moderate_comment(lecture.code, request.match_info["id"], action))


def _optional_text(body: dict[str, Any], key: str, limit: int) -> str | None:
    """None: leave as is; "": clear; else the normalised text."""
    if key not in body or body[key] is None:
        return None
    if isinstance(body[key], str) and not normalise(body[key]):
        return ""
    return checked_text(body[key], field=key, limit=limit, multiline=key == "answer")


async def update_question(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    require_moderator(svc.keys, request, lecture)
    body = await _body(request)
    state = body.get("state")
    if state is not None and (state not in qa.STATES or state == "pending"):
        targets = [s for s in qa.STATES if s != "pending"]
        raise Refusal("invalid", f"'state' must be one of {', '.join(targets)}.", field="state")
    unknown = sorted(set(body) - {"state", "answer", "speaker"})
    if unknown:
        raise Refusal("invalid", f"Unknown field '{unknown[0]}'.", field=unknown[0])
    record = await svc.store.update_question(
        lecture.code,
        request.match_info["id"],
        state=state,
        answer=_optional_text(body, "answer", ANSWER_MAX),
        speaker=_optional_text(body, "speaker", SPEAKER_MAX),
    )
    return _json(record)


async def export_lecture(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    require_moderator(svc.keys, request, lecture)
    fmt = request.query.get("format", "json")
    if fmt not in export.FORMATS:
        raise Refusal("invalid", f"'format' must be one of {', '.join(export.FORMATS)}.", field="format")
    data = await svc.store.export(lecture.code)
    body, content_type = export.render(data, fmt)
    return web.Response(
        body=body,
        content_type=content_type,
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="lecture-{lecture.code}.{fmt}"'},
    )
