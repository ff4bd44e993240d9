"""Client frames in, server frames out (docs/protocol.md)."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from live.core.errors import Refusal
from live.protocol import (
    PONG,
    AskQuestion,
    FrameRefused,
    Like,
    Limits,
    Ping,
    PostComment,
    Vote,
    ack_ok,
    ack_refused,
    counters_frame,
    error_frame,
    events_frame,
    parse,
    votes_frame,
)

LIMITS = Limits()
COMMANDS = (PostComment, AskQuestion, Vote, Like, Ping)


def frame(**fields: Any) -> str:
    return json.dumps(fields, ensure_ascii=False)


def refusal(raw: str | bytes, code: str, client_id: Any = None, field: str | None = None) -> FrameRefused:
    with pytest.raises(FrameRefused) as e:
        parse(raw, LIMITS)
    assert e.value.refusal.code == code, e.value.refusal.to_dict()
    assert e.value.client_id == client_id
    if field is not None:
        assert e.value.refusal.extra.get("field") == field
    return e.value


# -- every client frame ---------------------------------------------------------------

def test_comment() -> None:
    cmd = parse(frame(type="comment", id="m-1", text=" 为工匠\u200b喝彩 ", nickname="小海"), LIMITS)
    assert cmd == PostComment("m-1", "为工匠喝彩", "小海")
    assert parse(frame(type="comment", text="a\nb"), LIMITS) == PostComment(None, "a b", None)
    assert parse(frame(type="comment", id=7, text="x", nickname=""), LIMITS) == PostComment(7, "x", None)


def test_comment_as_bytes() -> None:
    raw = frame(type="comment", id="m-1", text="为工匠喝彩").encode()
    assert parse(raw, LIMITS) == PostComment("m-1", "为工匠喝彩", None)


def test_comment_refusals() -> None:
    refusal(frame(type="comment", id="m-1"), "invalid", "m-1", "text")
    refusal(frame(type="comment", id="m-1", text=5), "invalid", "m-1", "text")
    refusal(frame(type="comment", id="m-1", text=" \u3000 "), "empty", "m-1", "text")
    e = refusal(frame(type="comment", id="m-1", text="字" * 301), "too_long", "m-1", "text")
    assert e.refusal.extra["limit"] == 300
    assert parse(frame(type="comment", text="字" * 300), LIMITS).text == "字" * 300
    e = refusal(frame(type="comment", id="m-1", text="x", nickname="名" * 25), "too_long", "m-1", "nickname")
    assert e.refusal.extra["limit"] == 24
    refusal(frame(type="comment", id="m-1", text="x", nickname=["x"]), "invalid", "m-1", "nickname")


def test_limits_are_taken_from_the_argument() -> None:
    small = Limits(comment_max=3, question_max=4, nickname_max=2)
    assert parse(frame(type="comment", text="abc", nickname="ab"), small).text == "abc"
    with pytest.raises(FrameRefused) as e:
        parse(frame(type="comment", text="abcd"), small)
    assert e.value.refusal.extra["limit"] == 3
    with pytest.raises(FrameRefused) as e:
        parse(frame(type="question", text="abcde"), small)
    assert e.value.refusal.extra["limit"] == 4


def test_question() -> None:
    cmd = parse(frame(type="question", id="m-2", text="第一行\n第二行", nickname="小海", anonymous=False), LIMITS)
    assert cmd == AskQuestion("m-2", "第一行\n第二行", "小海", False)
    cmd = parse(frame(type="question", id="m-3", text="问", nickname="小海", anonymous=True), LIMITS)
    assert cmd == AskQuestion("m-3", "问", None, True)  # anonymous drops the nickname
    assert parse(frame(type="question", text="问"), LIMITS) == AskQuestion(None, "问", None, False)
    assert parse(frame(type="question", text="问" * 500), LIMITS).text == "问" * 500
    e = refusal(frame(type="question", id="q", text="问" * 501), "too_long", "q", "text")
    assert e.refusal.extra["limit"] == 500
    refusal(frame(type="question", id="q", text="问", anonymous="yes"), "invalid", "q", "anonymous")
    refusal(frame(type="question", id="q", text=""), "empty", "q", "text")


def test_vote() -> None:
    assert parse(frame(type="vote", id="m-3", question="q7", up=True), LIMITS) == Vote("m-3", "q7", True)
    assert parse(frame(type="vote", id="m-4", question="q7", up=False), LIMITS) == Vote("m-4", "q7", False)
    assert parse(frame(type="vote", question="q7"), LIMITS) == Vote(None, "q7", True)
    refusal(frame(type="vote", id="v"), "invalid", "v", "question")
    refusal(frame(type="vote", id="v", question=""), "invalid", "v", "question")
    refusal(frame(type="vote", id="v", question=7), "invalid", "v", "question")
    refusal(frame(type="vote", id="v", question="q" * 33), "invalid", "v", "question")
    refusal(frame(type="vote", id="v", question="q7", up="true"), "invalid", "v", "up")
    refusal(frame(type="vote", id="v", question="q7", up=1), "invalid", "v", "up")


def test_like() -> None:
    assert parse(frame(type="like", id="m-4", count=12), LIMITS) == Like("m-4", 12)
    assert parse(frame(type="like"), LIMITS) == Like(None, 1)
    assert parse(frame(type="like", count=1), LIMITS) == Like(None, 1)
    assert parse(frame(type="like", count=100), LIMITS) == Like(None, 100)


@pytest.mark.parametrize("count", [0, -1, 101, 1.5, 1.0, True, False, "3", None, [1]])
def test_like_count_refused(count: Any) -> None:
    e = refusal(frame(type="like", id="m", count=count), "invalid", "m", "count")
    assert e.refusal.extra["limit"] == 100


def test_ping() -> None:
    assert parse(frame(type="ping"), LIMITS) == Ping(None)
    assert parse(frame(type="ping", id="p1"), LIMITS) == Ping("p1")
    assert PONG == b'{"type":"pong"}'


def test_unknown_fields_are_ignored() -> None:
    assert parse(frame(type="ping", future="x"), LIMITS) == Ping(None)
    assert parse(frame(type="like", count=2, extra={"a": 1}), LIMITS) == Like(None, 2)


# -- refusals of the frame itself ------------------------------------------------------

@pytest.mark.parametrize("raw", ["", "{", "not json", "{'type': 'ping'}", b"\xff\xfe", "\ud800", '"\\ud800"x'])
def test_bad_json(raw: str | bytes) -> None:
    refusal(raw, "bad_frame", None)


@pytest.mark.parametrize("raw", ['[{"type": "ping"}]', "[]", '"ping"', "42", "null", "true"])
def test_not_an_object(raw: str) -> None:
    refusal(raw, "bad_frame", None)


@pytest.mark.parametrize("raw", ['{}', '{"id": "m-1"}', '{"type": null, "id": "m-1"}', '{"type": 3, "id": "m-1"}',
                                 '{"type": ["ping"]}'])
def test_no_type(raw: str) -> None:
    refusal(raw, "bad_frame", None)


def test_unknown_type() -> None:
    refusal(frame(type="poll", id="m-9"), "unknown_type", "m-9")
    refusal(frame(type="poll", id=12), "unknown_type", 12)
    refusal(frame(type="poll"), "unknown_type", None)
    refusal(frame(type="PING", id="m"), "unknown_type", "m")


@pytest.mark.parametrize("cid", ["x" * 65, 10 ** 65, {"a": 1}, ["m-1"], 1.5, True, False])
def test_bad_client_id(cid: Any) -> None:
    raw = json.dumps({"type": "comment", "id": cid, "text": "hi"})
    refusal(raw, "invalid", None, "id")


def test_client_id_limits() -> None:
    assert parse(frame(type="ping", id="x" * 64), LIMITS) == Ping("x" * 64)
    assert parse(frame(type="ping", id=10 ** 18), LIMITS) == Ping(10 ** 18)
    assert parse(frame(type="ping", id=None), LIMITS) == Ping(None)


def test_frame_refused_message() -> None:
    e = refusal(frame(type="like", id="m", count=0), "invalid", "m")
    assert str(e) == e.refusal.message and e.refusal.message


# -- fuzz: parse answers a command or FrameRefused, nothing else -----------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 63), 2 ** 64 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def parse_or_refuse(raw: str | bytes) -> None:
    try:
        cmd = parse(raw, LIMITS)
    except FrameRefused as e:
        assert isinstance(e.refusal, Refusal)
        assert e.refusal.code in {"bad_frame", "unknown_type", "invalid", "empty", "too_long"}
        assert isinstance(e.refusal.message, str) and e.refusal.message
        orjson.dumps(e.refusal.to_dict())  # can always be sent back
    else:
        assert isinstance(cmd, COMMANDS)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_fuzz_any_json(value: Any) -> None:
    parse_or_refuse(orjson.dumps(value))
    parse_or_refuse(json.dumps(value))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=60), st.binary(max_size=60),
                 st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)))
def test_fuzz_any_text_or_bytes(raw: str | bytes) -> None:
    parse_or_refuse(raw)


field_values = st.one_of(
    json_values,
    st.text(max_size=600),
    st.text(alphabet=st.sampled_from(["劳", " ", "\n", "\u200b", "\u200d", "e", "\u0301", "\u3000", "\x00"]), max_size=600),
    st.integers(-5, 200),
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["comment", "question", "vote", "like", "ping"]),
    st.dictionaries(st.sampled_from(["id", "text", "nickname", "anonymous", "question", "up", "count"]),
                    field_values, max_size=7),
)
def test_fuzz_known_types(kind: str, fields: dict[str, Any]) -> None:
    raw = json.dumps({**fields, "type": kind})
    try:
        cmd = parse(raw, LIMITS)
    except FrameRefused as e:
        assert e.refusal.code in {"invalid", "empty", "too_long"}
        if e.refusal.extra.get("field") != "id":
            assert e.client_id == fields.get("id")  # the refusal can be acked to the right message
    else:
        assert type(cmd).__name__.lower().startswith({"comment": "post", "question": "ask"}.get(kind, kind))
        if isinstance(cmd, (PostComment, AskQuestion)):
            assert 1 <= len(cmd.text) <= (300 if kind == "comment" else 500)


# -- server frames ---------------------------------------------------------------------

def test_events_frame() -> None:
    events = [
        {"seq": 43, "kind": "comment.created",
         "data": {"id": "c43", "seq": 43, "text": "为劳模点赞！", "nickname": "晨", "created_at": "2026-11-21T05:06:54.123Z",
                  "featured": False, "state": "visible"}},
        {"seq": 44, "kind": "private"},
    ]
    raw = events_frame(iter(events))
    assert isinstance(raw, bytes)
    assert json.loads(raw) == {"type": "events", "events": events}
    assert "为劳模点赞" in raw.decode()  # UTF-8, not \\u escapes
    assert json.loads(events_frame([])) == {"type": "events", "events": []}


def test_counters_frame() -> None:
    stats = {"online": 812, "peak_online": 1204, "visits": 5120, "unique_viewers": 3011, "likes": 90211,
             "comments": 310, "questions": 41}
    assert json.loads(counters_frame(stats)) == {"type": "counters", **stats}
    assert list(json.loads(counters_frame(stats)))[0] == "type"


def test_votes_frame() -> None:
    assert json.loads(votes_frame({"q7": 31, "q12": 4})) == {"type": "votes", "votes": {"q7": 31, "q12": 4}}


def test_acks() -> None:
    record = {"id": "c45", "seq": 45}
    assert ack_ok("m-3", ref="c45", record=record) == {"type": "ack", "id": "m-3", "ok": True, "ref": "c45",
                                                       "record": record}
    assert ack_ok("m-5", likes=90230) == {"type": "ack", "id": "m-5", "ok": True, "likes": 90230}
    assert ack_ok("m-6", question="q7", votes=32, up=True) == {"type": "ack", "id": "m-6", "ok": True,
                                                              "question": "q7", "votes": 32, "up": True}
    refused = ack_refused("m-7", Refusal("rate_limited", "Too fast.", retry_after=1.4))
    assert refused == {"type": "ack", "id": "m-7", "ok": False,
                       "error": {"code": "rate_limited", "message": "Too fast.", "retry_after": 1.4}}
    assert json.loads(orjson.dumps(refused)) == refused


def test_error_frame() -> None:
    raw = error_frame(Refusal("bad_frame", "The frame is not valid JSON."))
    assert json.loads(raw) == {"type": "error", "error": {"code": "bad_frame", "message": "The frame is not valid JSON."}}
    with pytest.raises(FrameRefused) as e:
        parse("{", LIMITS)
    assert json.loads(error_frame(e.value.refusal))["error"]["code"] == "bad_frame"
