"""The JSON API under /api/v1 (CONTRACT.md, docs/protocol.md)."""

from __future__ import annotations

import hmac
import time
from typing import Any
from urllib.parse import urlencode

import orjson
from aiohttp import web

from live import export, protocol
from live.core import catalogue, polls, qa
from live.core.codes import normalise_code
from live.core.errors import Refusal
from live.core.figures import per_minute
from live.core.lecture import STATUSES, Lecture, checked_fields, checked_status
from live.core.room import AUDIT_KEPT, COMMENT_ACTIONS, RESTRICTIONS
from live.core.text import checked_text, normalise
from live.core.words import checked_word
from live.web import sessions
from live.web.auth import Actor, actor, actor_name, bearer, key_role, require_admin, require_moderator
from live.web.context import SERVICES, Services

BODY_MAX = 64 * 1024
ANSWER_MAX = 2000
SPEAKER_MAX = 60
WORDS_MAX = 10_000
#: Comment actions on the comment's author (``restrict`` modes).
AUTHOR_ACTIONS = {"ban": "banned", "mute": "muted", "lift": "none"}
WORDS_BODY_MAX = 2 * 1024 * 1024
INGEST_BODY_MAX = 1024 * 1024  # two lists of 10,000 words of up to 50 characters


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


async def _body(request: web.Request, limit: int = BODY_MAX) -> Any:
    if request.content_length is not None and request.content_length > limit:
        raise Refusal("too_large", f"The body is over {limit // 1024} KiB.")
    raw = await request.content.read(limit + 1)
    if len(raw) > limit:
        raise Refusal("too_large", f"The body is over {limit // 1024} KiB.")
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


async def _moderator(request: web.Request) -> tuple[Services, Lecture, Actor]:
    svc, lecture = await _lecture(request)
    return svc, lecture, require_moderator(svc.keys, request, lecture, svc.settings.public_url)


def _sees_all(svc: Services, request: web.Request, lecture: Lecture) -> bool:
    who = actor(svc.keys, request, lecture, svc.settings.public_url)
    return who is not None and who.role != "speaker"


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
    return _json(_with_key(svc, request, lecture, record), status=201)


def _with_key(svc: Services, request: web.Request, lecture: Lecture, record: dict[str, Any]) -> dict[str, Any]:
    key = sessions.moderator_key(svc.keys.secret, lecture)
    record["moderator_key"] = key
    record["ingest_token"] = sessions.ingest_token(svc.keys.secret, lecture)
    # The control link carries the key once, in the fragment (never sent to
    # a server, so never in a log); the page trades it for a session.
    record["urls"]["control"] += f"#key={key}"
    return record


async def list_lectures(request: web.Request) -> web.Response:
    """The catalogue, newest first; ``q``, ``series``, ``tag`` and ``status``
    filter it as the home page does."""
    svc = request.app[SERVICES]
    status = request.query.get("status")
    if status is not None and status not in STATUSES:
        raise Refusal("invalid", f"'status' must be one of {', '.join(STATUSES)}.", field="status")
    lectures = catalogue.select(await svc.store.lectures(), q=request.query.get("q"),
                                series=request.query.get("series"), tag=request.query.get("tag"), status=status)
    return _json({"lectures": [svc.lecture_record(request, lec) for lec in lectures]})


async def get_lecture(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    return _json(svc.lecture_record(request, lecture))


async def patch_lecture(request: web.Request) -> web.Response:
    svc, lecture, who = await _moderator(request)
    fields = checked_fields(await _body(request), partial=True)
    if fields:
        lecture = await svc.store.update_lecture(lecture.code, fields, by=who.name)
    return _json(svc.lecture_record(request, lecture))


async def set_status(request: web.Request) -> web.Response:
    svc, lecture, who = await _moderator(request)
    status = checked_status(await _body(request))
    if status != lecture.status:
        lecture = await svc.store.update_lecture(lecture.code, {"status": status}, by=who.name)
    return _json(svc.lecture_record(request, lecture))


async def rotate_key(request: web.Request) -> web.Response:
    """A new moderator key; every older key, session and speaker link stops working."""
    svc, lecture, who = await _moderator(request)
    lecture = await svc.store.update_lecture(lecture.code, {"key_generation": lecture.key_generation + 1},
                                             by=who.name)
    return _json(_with_key(svc, request, lecture, svc.lecture_record(request, lecture)))


# -- sessions: the control page and the speakers' links -----------------------

def _session_info(svc: Services, request: web.Request, lecture: Lecture, session: sessions.Session) -> dict[str, Any]:
    info: dict[str, Any] = {
        "role": session.role,
        "name": session.name,
        "csrf": session.csrf(svc.keys.secret, lecture.code),
        "expires_at": session.expires,
    }
    if session.role == "moderator":
        info["ingest_token"] = sessions.ingest_token(svc.keys.secret, lecture)
        base = svc.base_url(request)
        info["speaker_links"] = [
            {"name": s["name"], "url": f"{base}/l/{lecture.code}/speaker#" + urlencode(
                {"name": s["name"], "t": sessions.speaker_token(svc.keys.secret, lecture, s["name"])})}
            for s in lecture.speakers
        ]
    return info


def _role_param(request: web.Request) -> str:
    role = request.query.get("role", "moderator")
    if role not in sessions.ROLES.values():
        raise Refusal("invalid", "'role' must be moderator or speaker.", field="role")
    return role


async def get_session(request: web.Request) -> web.Response:
    """``?role=speaker`` for a guest's session (default: a moderator's)."""
    svc, lecture = await _lecture(request)
    cookie = request.cookies.get(sessions.cookie_name(lecture.code, _role_param(request)))
    session = sessions.read(svc.keys.secret, lecture, cookie)
    if session is None:
        raise Refusal("unauthorized", "No session for this lecture: open the control or speaker link again.")
    return _json(_session_info(svc, request, lecture, session))


async def start_session(request: web.Request) -> web.Response:
    """Trade the moderator key (or a speaker's token) for a session cookie."""
    svc, lecture = await _lecture(request)
    body = await _body(request)
    if isinstance(body.get("key"), str):
        if key_role(svc.keys, body["key"], lecture) is None:
            raise Refusal("forbidden", "That key cannot moderate this lecture (it may have been replaced).")
        role, name = "moderator", actor_name(body.get("name") if isinstance(body.get("name"), str) else None,
                                              "主持人")
    elif isinstance(body.get("speaker"), str) and isinstance(body.get("token"), str):
        name = body["speaker"]
        if name not in {s["name"] for s in lecture.speakers} or not hmac.compare_digest(
                body["token"].encode(), sessions.speaker_token(svc.keys.secret, lecture, name).encode()):
            raise Refusal("forbidden", "That speaker link is not valid (it may have been replaced).")
        role = "speaker"
    else:
        raise Refusal("invalid", "Send {key, name?} from the control link or {speaker, token} from a speaker link.")
    value, session = sessions.issue(svc.keys.secret, lecture, role, name, svc.settings.session_hours)
    response = _json(_session_info(svc, request, lecture, session), status=201)
    response.set_cookie(sessions.cookie_name(lecture.code, role), value, max_age=int(svc.settings.session_hours * 3600),
                        path="/", httponly=True, samesite="Strict", secure=svc.base_url(request).startswith("https:"))
    return response


async def end_session(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    if actor(svc.keys, request, lecture, svc.settings.public_url) is None:  # checks the CSRF token
        raise Refusal("unauthorized", "No session for this lecture.")
    response = web.Response(status=204)
    response.del_cookie(sessions.cookie_name(lecture.code, _role_param(request)), path="/")
    return response


# -- comments and questions --------------------------------------------------

async def list_comments(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    after = _int_param(request, "after", 0, 0, 2**53)
    limit = _int_param(request, "limit", 100, 1, 500)
    moderator = _sees_all(svc, request, lecture)
    state = request.query.get("state")
    if state is not None and not moderator:
        raise Refusal("forbidden", "Only moderators list comments by state.")
    comments = await svc.store.comments(lecture.code, after=after, limit=limit, moderator=moderator, state=state)
    nxt = comments[-1]["seq"] if len(comments) == limit else None
    return _json({"comments": comments, "next": nxt})


async def list_questions(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    state = request.query.get("state")
    if state is not None and state not in qa.STATES:
        raise Refusal("invalid", f"'state' must be one of {', '.join(qa.STATES)}.", field="state")
    moderator = _sees_all(svc, request, lecture)
    if state is not None and not qa.is_visible(state) and not moderator:
        raise Refusal("forbidden", f"Only moderators see {state} questions.")
    return _json({"questions": await svc.store.questions(lecture.code, state=state, moderator=moderator)})


async def stats(request: web.Request) -> web.Response:
    """The counters, and ``sources``: visits and online by where the viewers are."""
    svc, lecture = await _lecture(request)
    return _json({**await svc.store.stats(lecture.code), "sources": await svc.store.sources(lecture.code)})


async def moderate_comment(request: web.Request) -> web.Response:
    svc, lecture, who = await _moderator(request)
    action = request.match_info["action"]
    if action in AUTHOR_ACTIONS:
        # Ban, mute or lift the comment's author: a shortcut from the wall.
        return _json(await svc.store.restrict(lecture.code, AUTHOR_ACTIONS[action], item=request.match_info["id"],
                                              by=who.name))
    if action not in COMMENT_ACTIONS:
        raise Refusal("not_found", f"No comment action '{action}'; use one of {', '.join(COMMENT_ACTIONS)}.")
    return _json(await svc.store.moderate_comment(lecture.code, request.match_info["id"], action, by=who.name))


def _optional_text(body: dict[str, Any], key: str, limit: int) -> str | None:
    """None: leave as is; "": clear; else the normalised text."""
    if key not in body or body[key] is None:
        return None
    if isinstance(body[key], str) and not normalise(body[key]):
        return ""
    return checked_text(body[key], field=key, limit=limit, multiline=key == "answer")


SPEAKER_STATES = ("approved", "answering", "answered")


async def update_question(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    # Moderators, and speakers for their own questions (checked below).
    who = actor(svc.keys, request, lecture, svc.settings.public_url) or require_moderator(
        svc.keys, request, lecture, svc.settings.public_url)
    body = await _body(request)
    qid = request.match_info["id"]
    unknown = sorted(set(body) - {"state", "answer", "speaker", "expect", "merge_into"})
    if unknown:
        raise Refusal("invalid", f"Unknown field '{unknown[0]}'.", field=unknown[0])
    if "merge_into" in body:
        if who.role == "speaker" or set(body) - {"merge_into"}:
            raise Refusal("invalid", "'merge_into' comes alone, from a moderator.", field="merge_into")
        if not isinstance(body["merge_into"], str):
            raise Refusal("invalid", "'merge_into' must be a question id.", field="merge_into")
        return _json(await svc.store.merge_question(lecture.code, qid, body["merge_into"], by=who.name))
    state, expect = body.get("state"), body.get("expect")
    if state is not None and (state not in qa.STATES or state == "pending"):
        targets = [s for s in qa.STATES if s != "pending"]
        raise Refusal("invalid", f"'state' must be one of {', '.join(targets)}.", field="state")
    if expect is not None and expect not in qa.STATES:
        raise Refusal("invalid", f"'expect' must be one of {', '.join(qa.STATES)}.", field="expect")
    if who.role == "speaker":
        # A guest marks what they answer among the questions given to them, nothing else.
        if set(body) - {"state", "expect"} or state not in SPEAKER_STATES:
            raise Refusal("forbidden", "A speaker may only mark their own questions approved, answering or answered.")
    record = await svc.store.update_question(
        lecture.code,
        qid,
        state=state,
        answer=_optional_text(body, "answer", ANSWER_MAX),
        speaker=_optional_text(body, "speaker", SPEAKER_MAX),
        by=who.name,
        expect=expect,
        assigned_to=who.name if who.role == "speaker" else None,
    )
    return _json(record)


# -- other platforms' comments ----------------------------------------------------

INGEST_MAX = 500


async def ingest(request: web.Request) -> web.Response:
    """An adapter forwards comments and questions from another platform's
    chat: ``{source, messages: [{id, author, text, type?}]}``. Each is
    moderated, counted and shown like a viewer's, as the viewer
    ``ingest:SOURCE:AUTHOR`` (so a ban, slow mode and flood control act on
    that author), and answered like a WebSocket message: one ack per message,
    in order; a message id seen before gets its first ack again."""
    svc, lecture = await _lecture(request)
    token = bearer(request)
    if token is None:
        raise Refusal("unauthorized", "This call needs the lecture's ingest token: Authorization: Bearer <token>.")
    if not hmac.compare_digest(token.encode(), sessions.ingest_token(svc.keys.secret, lecture).encode()) \
            and key_role(svc.keys, token, lecture) is None:
        raise Refusal("forbidden", "That token cannot post to this lecture.")
    body = await _body(request, limit=INGEST_BODY_MAX)
    source = protocol.checked_source(body.get("source"))
    messages = body.get("messages")
    if not isinstance(messages, list) or not 1 <= len(messages) <= INGEST_MAX:
        raise Refusal("invalid", f"'messages' must be a list of 1 to {INGEST_MAX} messages.", field="messages")

    async def one(message: Any) -> dict[str, Any]:
        try:
            command = protocol.parse_ingested(message, source, svc.limits)
        except protocol.FrameRefused as refused:
            return protocol.ack_refused(refused.client_id, refused.refusal)
        try:
            return await svc.store.submit(lecture.code, f"ingest:{source}:{command.nickname or ''}", command)
        except Refusal as refusal:
            return protocol.ack_refused(command.id, refusal)

    # One after another: they keep the platform's order on the wall.
    acks = [await one(m) for m in messages]
    for ack in acks:
        svc.metrics.acks["ok" if ack["ok"] else ack["error"]["code"]] += 1
    return _json({"acks": [{k: v for k, v in a.items() if k != "type"} for a in acks]})


# -- polls -----------------------------------------------------------------------

async def list_polls(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    return _json(await svc.store.polls(lecture.code, moderator=_sees_all(svc, request, lecture)))


async def create_poll(request: web.Request) -> web.Response:
    svc, lecture, who = await _moderator(request)
    fields = polls.checked_poll(await _body(request), partial=False)
    return _json(await svc.store.create_poll(lecture.code, fields, by=who.name), status=201)


async def edit_poll(request: web.Request) -> web.Response:
    svc, lecture, who = await _moderator(request)
    fields = polls.checked_poll(await _body(request), partial=True)
    return _json(await svc.store.edit_poll(lecture.code, request.match_info["id"], fields, by=who.name))


async def poll_action(request: web.Request) -> web.Response:
    svc, lecture, who = await _moderator(request)
    action = request.match_info["action"]
    if action not in polls.ACTIONS:
        raise Refusal("not_found", f"No poll action '{action}'; use one of {', '.join(polls.ACTIONS)}.")
    return _json(await svc.store.poll_action(lecture.code, request.match_info["id"], action, by=who.name))


async def leaderboard(request: web.Request) -> web.Response:
    svc, lecture = await _lecture(request)
    return _json({"leaders": await svc.store.leaderboard(lecture.code)})


async def copy_polls(request: web.Request) -> web.Response:
    """Another lecture's polls as drafts here (one rating form for a series)."""
    svc, lecture, who = await _moderator(request)
    source = (await _body(request)).get("from")
    if not isinstance(source, str):
        raise Refusal("invalid", "'from' must be a lecture code.", field="from")
    other = await svc.store.lecture(normalise_code(source))
    if other is None:
        raise Refusal("not_found", f"No lecture with code {source}.")
    made = [await svc.store.create_poll(lecture.code, polls.copy_fields(p), by=who.name)
            for p in (await svc.store.polls(other.code, moderator=True))["polls"]]
    return _json({"polls": made}, status=201)


# -- moderation: the held queue, word lists, bans, the audit log, figures -------

async def moderation(request: web.Request) -> web.Response:
    svc, lecture, _ = await _moderator(request)
    return _json(await svc.store.moderation(lecture.code))


def _word_list(body: dict[str, Any], key: str) -> list[str]:
    value = body.get(key, [])
    if not isinstance(value, list):
        raise Refusal("invalid", f"'{key}' must be a list of words.", field=key)
    if len(value) > WORDS_MAX:
        raise Refusal("invalid", f"'{key}' holds at most {WORDS_MAX} words.", field=key, limit=WORDS_MAX)
    out: dict[str, None] = {}
    for i, raw in enumerate(value):
        try:
            out[checked_word(raw)] = None
        except ValueError as e:
            raise Refusal("invalid", f"'{key}', item {i + 1}: {e}", field=key) from None
    return list(out)


async def put_words(request: web.Request) -> web.Response:
    svc, lecture, who = await _moderator(request)
    body = await _body(request, limit=WORDS_BODY_MAX)
    unknown = sorted(set(body) - {"blocked", "watch"})
    if unknown:
        raise Refusal("invalid", f"Unknown field '{unknown[0]}'.", field=unknown[0])
    state = await svc.store.set_words(lecture.code, _word_list(body, "blocked"), _word_list(body, "watch"),
                                      by=who.name)
    return _json({**state["words"], "default_words": state["default_words"]})


async def get_words(request: web.Request) -> web.Response:
    svc, lecture, _ = await _moderator(request)
    state = await svc.store.moderation(lecture.code)
    return _json({**state["words"], "default_words": state["default_words"]})


async def list_restrictions(request: web.Request) -> web.Response:
    svc, lecture, _ = await _moderator(request)
    return _json({"restrictions": (await svc.store.moderation(lecture.code))["restrictions"]})


async def restrict(request: web.Request) -> web.Response:
    """Ban, mute or lift: ``{viewer: HANDLE | comment: ID | question: ID, mode: banned | muted | none}``."""
    svc, lecture, who = await _moderator(request)
    body = await _body(request)
    mode = body.get("mode")
    if mode not in RESTRICTIONS:
        raise Refusal("invalid", f"'mode' must be one of {', '.join(RESTRICTIONS)}.", field="mode")
    handle = body.get("viewer")
    item = body.get("comment") or body.get("question")
    if not isinstance(handle, str) and not isinstance(item, str):
        raise Refusal("invalid", "Name the viewer (a handle) or their comment or question.", field="viewer")
    return _json(await svc.store.restrict(lecture.code, mode, handle=handle if isinstance(handle, str) else None,
                                          item=item if isinstance(item, str) else None, by=who.name))


async def audit(request: web.Request) -> web.Response:
    svc, lecture, _ = await _moderator(request)
    limit = _int_param(request, "limit", 200, 1, AUDIT_KEPT)
    return _json({"entries": await svc.store.audit(lecture.code, limit=limit)})


async def figures(request: web.Request) -> web.Response:
    """The counters now and sampled over time (online viewers every ``sample_s``)."""
    svc, lecture = await _lecture(request)
    stats, samples = await svc.store.stats(lecture.code), await svc.store.samples(lecture.code)
    return _json({"stats": stats, "per_minute": per_minute(samples, stats, time.time()),
                  "every_s": svc.settings.sample_s, "samples": samples})


async def export_lecture(request: web.Request) -> web.Response:
    svc, lecture, _ = await _moderator(request)
    fmt = request.query.get("format", "json")
    if fmt not in export.FORMATS:
        raise Refusal("invalid", f"'format' must be one of {', '.join(export.FORMATS)}.", field="format")
    data = await svc.store.export(lecture.code)
    data["samples"] = await svc.store.samples(lecture.code)
    data["sources"] = await svc.store.sources(lecture.code)
    if request.query.get("mask") in ("1", "true"):
        data = export.masked(data)
    body, content_type = export.render(data, fmt)
    return web.Response(
        body=body,
        content_type=content_type,
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="lecture-{lecture.code}.{fmt}"'},
    )
