"""Client frames in, server frames out: pure functions, no I/O.

``parse`` turns one client text frame into a command or a refusal; the
``*_frame`` functions encode server frames to the bytes sent on the wire.
docs/protocol.md is the prose version of this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Iterable, Union

import orjson

from live.core.errors import Refusal
from live.core.text import checked_nickname, checked_text

CLIENT_ID_MAX = 64
LIKE_MAX = 100


@dataclass(frozen=True)
class Limits:
    comment_max: int = 300
    question_max: int = 500
    nickname_max: int = 24


@dataclass(frozen=True)
class PostComment:
    id: Any
    text: str
    nickname: str | None
    #: Another platform the comment came from (the ingest API); None: this service.
    source: str | None = None


@dataclass(frozen=True)
class AskQuestion:
    id: Any
    text: str
    nickname: str | None
    anonymous: bool
    source: str | None = None


@dataclass(frozen=True)
class Vote:
    id: Any
    question: str
    up: bool


@dataclass(frozen=True)
class Like:
    id: Any
    count: int


@dataclass(frozen=True)
class Answer:
    id: Any
    poll: str
    #: ``{"choices": [...]}``, ``{"value": n}`` or ``{"text": "..."}``, checked against the poll by the room.
    payload: dict[str, Any]
    nickname: str | None


@dataclass(frozen=True)
class Ping:
    id: Any = None


Command = Union[PostComment, AskQuestion, Vote, Like, Answer, Ping]


class FrameRefused(Exception):
    """A frame that is refused. ``client_id`` is the frame's ``id`` when it
    could be read (the refusal is then an ``ack``), else None (an ``error``)."""

    def __init__(self, refusal: Refusal, client_id: Any = None) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal
        self.client_id = client_id


def _client_id(frame: dict[str, Any]) -> Any:
    cid = frame.get("id")
    if cid is None:
        return None
    if isinstance(cid, bool) or not isinstance(cid, (str, int)) or len(str(cid)) > CLIENT_ID_MAX:
        raise FrameRefused(Refusal("invalid", f"'id' must be a string or number of at most {CLIENT_ID_MAX} characters.", field="id"))
    return cid


def _bool(frame: dict[str, Any], key: str, default: bool) -> bool:
    value = frame.get(key, default)
    if not isinstance(value, bool):
        raise Refusal("invalid", f"'{key}' must be true or false.", field=key)
    return value


def _parse_fields(kind: str, cid: Any, frame: dict[str, Any], limits: Limits) -> Command:
    if kind == "comment":
        return PostComment(
            cid,
            checked_text(frame.get("text"), field="text", limit=limits.comment_max),
            checked_nickname(frame.get("nickname"), limit=limits.nickname_max),
        )
    if kind == "question":
        anonymous = _bool(frame, "anonymous", False)
        return AskQuestion(
            cid,
            checked_text(frame.get("text"), field="text", limit=limits.question_max, multiline=True),
            None if anonymous else checked_nickname(frame.get("nickname"), limit=limits.nickname_max),
            anonymous,
        )
    if kind == "vote":
        question = frame.get("question")
        if not isinstance(question, str) or not question or len(question) > 32:
            raise Refusal("invalid", "'question' must be a question id.", field="question")
        return Vote(cid, question, _bool(frame, "up", True))
    if kind == "like":
        count = frame.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= LIKE_MAX:
            raise Refusal("invalid", f"'count' must be a whole number from 1 to {LIKE_MAX}.", field="count", limit=LIKE_MAX)
        return Like(cid, count)
    if kind == "answer":
        poll = frame.get("poll")
        if not isinstance(poll, str) or not poll or len(poll) > 32:
            raise Refusal("invalid", "'poll' must be a poll id.", field="poll")
        payload = {k: frame[k] for k in ("choices", "value", "text") if k in frame}
        if len(payload) != 1:
            raise Refusal("invalid", "An answer has one of 'choices', 'value' or 'text'.", field="choices")
        return Answer(cid, poll, payload, checked_nickname(frame.get("nickname"), limit=limits.nickname_max))
    if kind == "ping":
        return Ping(cid)
    raise Refusal("unknown_type", f"Unknown message type '{kind}'.")


INGEST_KINDS = ("comment", "question")
_SOURCE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")


def checked_source(value: Any) -> str:
    """A platform's label on ingested messages: ``weibo``, ``douyin``, ``wuxi-tv``."""
    if not isinstance(value, str) or not _SOURCE.match(value):
        raise Refusal("invalid", "'source' must be 1–32 lower-case letters, digits, '.', '_' or '-'.", field="source")
    return value


def parse_ingested(message: Any, source: str, limits: Limits) -> PostComment | AskQuestion:
    """One message an adapter forwards from another platform: ``{id, author,
    text, type?: comment | question}``, checked like a viewer's frame; the
    author's name is the nickname. Raises FrameRefused."""
    if not isinstance(message, dict):
        raise FrameRefused(Refusal("invalid", "Each message must be an object {id, author, text, type?}."))
    cid = _client_id(message)
    if cid is None:
        raise FrameRefused(Refusal("invalid", "Each message needs its platform's 'id' (it makes retries safe).",
                                   field="id"))
    kind = message.get("type", "comment")
    try:
        if kind not in INGEST_KINDS:
            raise Refusal("invalid", "'type' must be comment or question.", field="type")
        command = _parse_fields(kind, cid, {**message, "nickname": message.get("author")}, limits)
    except Refusal as refusal:
        raise FrameRefused(refusal, cid) from None
    assert isinstance(command, (PostComment, AskQuestion))
    return replace(command, source=source)


def parse(raw: str | bytes, limits: Limits) -> Command:
    """One client frame as a command; raises FrameRefused."""
    try:
        frame = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise FrameRefused(Refusal("bad_frame", "The frame is not valid JSON.")) from None
    if not isinstance(frame, dict):
        raise FrameRefused(Refusal("bad_frame", "A frame must be a JSON object."))
    kind = frame.get("type")
    if not isinstance(kind, str):
        raise FrameRefused(Refusal("bad_frame", "A frame needs a string 'type'."))
    cid = _client_id(frame)
    try:
        return _parse_fields(kind, cid, frame, limits)
    except Refusal as refusal:
        raise FrameRefused(refusal, cid) from None


# -- server frames -------------------------------------------------------

def encode(frame: dict[str, Any]) -> bytes:
    return orjson.dumps(frame)


def events_frame(events: Iterable[dict[str, Any]]) -> bytes:
    return encode({"type": "events", "events": list(events)})


def counters_frame(stats: dict[str, int]) -> bytes:
    return encode({"type": "counters", **stats})


def votes_frame(tallies: dict[str, int]) -> bytes:
    return encode({"type": "votes", "votes": tallies})


def poll_results_frame(results: dict[str, dict[str, Any]]) -> bytes:
    return encode({"type": "poll_results", "results": results})


def ack_ok(client_id: Any, **fields: Any) -> dict[str, Any]:
    return {"type": "ack", "id": client_id, "ok": True, **fields}


def ack_refused(client_id: Any, refusal: Refusal) -> dict[str, Any]:
    return {"type": "ack", "id": client_id, "ok": False, "error": refusal.to_dict()}


def error_frame(refusal: Refusal) -> bytes:
    return encode({"type": "error", "error": refusal.to_dict()})


PONG = encode({"type": "pong"})

#: Close code of a moderator connection whose key was rotated: sign in again.
CLOSE_SESSION_ENDED = 4001
