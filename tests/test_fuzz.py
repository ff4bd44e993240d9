"""Hostile input (issue "Survive faults and hostile input"): every JSON body,
query and path parameter of the HTTP API and every client WebSocket frame,
fuzzed with hypothesis against a real node. Whatever comes in, the node
answers a 2xx or a 4xx with the error shape (never a 5xx), answers each
frame with an ack or an error frame (never 1011), closes with 1008 only
past ``bad_frames_max`` unreadable frames and with 1009 only for a frame
over ``max_frame_bytes``, and logs no unhandled exception."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import quote

import aiohttp
import orjson
import pytest
import websockets
from yarl import URL
from hypothesis import HealthCheck, example, given, settings, strategies as st

from tests.conftest import ADMIN, UNLIMITED, Server, start_server, stop_server

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
                print_blob=False)
#: LIVE_FUZZ_SCALE=10 runs ten times the examples (a longer hunt than CI's).
SCALE = float(os.environ.get("LIVE_FUZZ_SCALE", "1"))
NO_LIMITS = dict(UNLIMITED, vote_rate=1e9, vote_burst=10**9, ip_message_rate=1e9, ip_message_burst=10**9)


# -- the node, with something in it to act on -------------------------------------

class Node:
    """A running node, its lecture and the ids the fuzzers aim at."""

    def __init__(self, server: Server) -> None:
        self.server = server
        # No cookie jar: a session one example starts must not change how the next is authorised.
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        self.ids: dict[str, str] = {}

    async def setup(self) -> None:
        lecture = await self.server.create_lecture(speakers=[{"name": "陈亮"}, {"name": "唐忠宝"}])
        code = lecture["code"]
        self.ids.update(code=code, key=lecture["moderator_key"], ingest=lecture["ingest_token"], speaker="陈亮")
        status, body = await self.request("POST", f"/api/v1/lectures/{code}/session",
                                          {"speaker": "陈亮", "token": ""}, token=None)
        assert status == 403, body
        # The speaker's token, from the moderators' session answer.
        status, body = await self.request("POST", f"/api/v1/lectures/{code}/session", {"key": self.ids["key"]})
        assert status == 201, body
        link = body["speaker_links"][0]["url"]
        self.ids["speaker_token"] = link.rsplit("t=", 1)[1]
        status, body = await self.request("POST", f"/api/v1/lectures/{code}/ingest", {"source": "fuzz", "messages": [
            {"id": "c", "author": "甲", "text": "直播间打卡！"},
            {"id": "q", "author": "乙", "text": "陈师傅怎么练成的？", "type": "question"},
            {"id": "q2", "author": "丙", "text": "第二个问题", "type": "question"},
        ]}, token=self.ids["ingest"])
        assert status == 200 and all(a["ok"] for a in body["acks"]), body
        self.ids.update(cid=body["acks"][0]["ref"], qid=body["acks"][1]["ref"], qid2=body["acks"][2]["ref"])
        for kind, extra in (("single", {"options": ["工匠精神", "劳模故事"]}), ("rating", {"scale": 5}),
                            ("text", {}), ("quiz", {"options": ["对", "错"], "correct": [0]}),
                            ("multiple", {"options": ["a", "b", "c"]})):
            status, poll = await self.request("POST", f"/api/v1/lectures/{code}/polls",
                                              {"kind": kind, "title": f"{kind}?", **extra}, token=ADMIN)
            assert status == 201, poll
            status, body = await self.request("POST", f"/api/v1/lectures/{code}/polls/{poll['id']}/open", {},
                                              token=ADMIN)
            assert status == 200, body
            self.ids[kind] = poll["id"]
        self.ids["pid"] = self.ids["single"]
        status, draft = await self.request("POST", f"/api/v1/lectures/{code}/polls",
                                           {"kind": "single", "title": "draft", "options": ["x", "y"]}, token=ADMIN)
        assert status == 201, draft
        self.ids["draft"] = draft["id"]
        other = await self.server.create_lecture(title="another")
        self.ids["other"] = other["code"]

    def fill(self, value: Any) -> Any:
        """Placeholders like ``<qid>`` replaced by the node's real ids (so
        examples can be written down before the node exists)."""
        if isinstance(value, str):
            for name, real in self.ids.items():
                value = value.replace(f"<{name}>", real)
            return value
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, dict):
            return {self.fill(k): self.fill(v) for k, v in value.items()}
        return value

    def token(self, name: str | None) -> str | None:
        if name is None:
            return None
        return {"admin": ADMIN, "key": self.ids["key"], "ingest": self.ids["ingest"]}.get(name, name)

    async def request(self, method: str, path: str, body: Any = None, *, token: str | None = ADMIN,
                      raw: bytes | None = None, encoded: bool = False) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        url = URL(self.server.url + path, encoded=encoded)
        async with self.http.request(method, url, data=data, headers=headers) as r:
            payload = await r.read()
            try:
                return r.status, orjson.loads(payload)
            except orjson.JSONDecodeError:
                return r.status, payload


def assert_clean_log(caplog: pytest.LogCaptureFixture) -> None:
    bad = [r for r in caplog.records
           if r.levelno >= logging.ERROR or r.exc_info or "Traceback" in r.getMessage()
           or "Error handling request" in r.getMessage() or "exception" in r.getMessage().lower()]
    assert not bad, [f"{r.name}: {r.getMessage()}" for r in bad]


@pytest.fixture
async def node(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Node]:
    caplog.set_level(logging.WARNING)
    server = await start_server(tmp_path / "fuzz", **NO_LIMITS, bad_frames_max=10**6)
    n = Node(server)
    try:
        await n.setup()
        yield n
    finally:
        await n.http.close()
        await stop_server(server)
    assert_clean_log(caplog)


def assert_answer(status: int, body: Any, what: Any, *, json_ok: bool = True) -> None:
    """A 2xx, or a 4xx with ``{"error": {"code": str, "message": str}}``."""
    assert 200 <= status < 300 or 400 <= status < 500, (status, body, what)
    if status >= 400:
        assert isinstance(body, dict) and set(body) == {"error"}, (status, body, what)
        err = body["error"]
        assert isinstance(err.get("code"), str) and err["code"], (status, body, what)
        assert isinstance(err.get("message"), str), (status, body, what)
    elif json_ok and status != 204:
        assert isinstance(body, (dict, list)), (status, body, what)


# -- values ------------------------------------------------------------------------

ODD = ["", " ", "\x00", "\n\r\t", "\u200b\u200d", "\u202e", "\ufeff", "%", "%00", "%2F", "..", "../", "/",
       "<script>", "'\"", "\\", "null", "true", "0", "-1", "1e400", "NaN", "😀\u200d😀", "Ａ１", "ǅ", "\U0010ffff"]
#: Every character, surrogates included (they cannot be UTF-8: encoded raw they make invalid bytes).
any_char = st.characters(codec=None, categories=None)
texts = st.one_of(
    st.text(max_size=20),
    st.text(any_char, max_size=12),
    st.sampled_from(ODD),
    st.builds(lambda c, n: c * n, st.sampled_from(["a", "汉", "\x00", "😀", " "]),
              st.sampled_from([31, 51, 61, 81, 201, 301, 501, 2001])),
)
ints = st.one_of(st.integers(-5, 20), st.integers(), st.sampled_from([2**31, 2**53, 2**63 - 1, 2**63, 2**64, -2**63 - 1,
                                                                      10**30, -(10**30)]))
floats = st.floats()  # nan and infinities included (json.dumps writes NaN / Infinity)
scalars = st.one_of(st.none(), st.booleans(), ints, floats, texts)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=10,
)
deep = st.integers(1, 3000).map(lambda n: "[" * n + "]" * n)  # nesting past a parser's limit


def field_bodies(fields: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with the real field names, each with a plausible value or any value."""
    return st.fixed_dictionaries(
        {}, optional={k: (json_values | v if v is not None else json_values) for k, v in fields.items()}
    ) | st.dictionaries((st.sampled_from(sorted(fields)) | texts) if fields else texts, json_values, max_size=4)


states = st.sampled_from(["pending", "approved", "answering", "answered", "dismissed", "draft", "open", "closed",
                          "APPROVED", ""])
ids = st.sampled_from(["<cid>", "<qid>", "<qid2>", "<pid>", "<draft>", "<rating>", "<text>", "<quiz>", "q1", "c1",
                       "p1", "", "q", "q99999999999999999999", "<code>", "<other>"])
settings_body = field_bodies({
    "comments_open": st.booleans(), "comment_mode": st.sampled_from(["open", "filtered", "first", "held"]),
    "question_mode": st.sampled_from(["open", "held"]), "questions_before_live": st.booleans(),
    "slow_mode_s": st.integers(-1, 4000), "anonymous_questions": st.booleans(),
    "embed_origins": st.lists(st.sampled_from(["https://mp.weixin.qq.com", "https://*.wuxi.gov.cn", "http://[::1]:8",
                                               "https://例子.中国", "ftp://x", "https://a.b/c"]) | texts, max_size=22),
})
lecture_body = field_bodies({
    "title": None, "description": None, "starts_at": st.sampled_from(["2026-04-21T19:00:00+08:00", "2026-13-45", "0"]),
    "ends_at": None, "stream_url": st.sampled_from(["https://example.org/live.m3u8", "javascript:alert(1)", ""]),
    "stream_kind": st.sampled_from(["video", "hls", "iframe", None, "x"]),
    "speakers": st.lists(field_bodies({"name": None, "title": None}) | json_values, max_size=3),
    "settings": settings_body, "status": st.sampled_from(["scheduled", "live", "ended"]), "key_generation": ints,
})
message = field_bodies({"id": json_values | texts, "author": texts, "text": texts,
                        "type": st.sampled_from(["comment", "question", "vote"])})
poll_body = field_bodies({
    "kind": st.sampled_from(["single", "multiple", "quiz", "rating", "text"]), "title": texts,
    "options": st.lists(texts | json_values, max_size=12), "correct": st.lists(ints | json_values, max_size=4),
    "scale": st.sampled_from([5, 10, 5.0, "5"]) | json_values, "allow_change": st.booleans(),
})
BODIES: dict[str, st.SearchStrategy[Any]] = {
    "lecture": lecture_body,
    "status": field_bodies({"status": st.sampled_from(["scheduled", "live", "ended", "LIVE"])}),
    "question": field_bodies({"state": states, "expect": states, "answer": texts, "speaker": texts | st.just("<speaker>"),
                              "merge_into": ids}),
    "words": field_bodies({"blocked": st.lists(texts | json_values, max_size=5),
                           "watch": st.lists(texts | json_values, max_size=5)}),
    "restrictions": field_bodies({"viewer": texts, "comment": ids, "question": ids,
                                  "mode": st.sampled_from(["banned", "muted", "none"])}),
    "session": field_bodies({"key": st.sampled_from(["<key>", "<ingest>", ADMIN]) | texts, "name": texts,
                             "speaker": st.just("<speaker>") | texts,
                             "token": st.just("<speaker_token>") | texts}),
    "ingest": field_bodies({"source": st.sampled_from(["weibo", "douyin", "wuxi-tv", "A", "x" * 33]) | texts,
                            "messages": st.lists(message | json_values, max_size=4)}),
    "poll": poll_body,
    "copy": field_bodies({"from": st.sampled_from(["<other>", "<code>", "zzzzzz"]) | texts}),
    "none": field_bodies({}),
}


@st.composite
def encoded(draw: st.DrawFn, body: st.SearchStrategy[Any]) -> bytes:
    """A body as the wire carries it: JSON (ASCII-escaped or raw UTF-8, lone
    surrogates then as invalid bytes), or anything else at all."""
    kind = draw(st.sampled_from(["json"] * 5 + ["utf8"] * 2 + ["bytes", "empty", "deep", "huge"]))
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    if kind == "empty":
        return b""
    if kind == "deep":
        return draw(deep).encode()
    value = draw(st.one_of(body, body, body, json_values))
    if kind == "huge":
        return json.dumps({"title": "x" * 70_000, "messages": value}).encode()
    return json.dumps(value, ensure_ascii=kind == "json").encode("utf-8", "surrogatepass")


tokens = st.sampled_from([None, "admin", "key", "ingest", "garbage", ""]) | st.text(
    st.characters(min_codepoint=33, max_codepoint=126), max_size=40)

# (method, path, body kind); `*` marks a path parameter the fuzzers also vary.
ROUTES = [
    ("POST", "/api/v1/lectures", "lecture"),
    ("PATCH", "/api/v1/lectures/<code>", "lecture"),
    ("POST", "/api/v1/lectures/<code>/status", "status"),
    ("POST", "/api/v1/lectures/<code>/comments/<cid>/hide", "none"),
    ("POST", "/api/v1/lectures/<code>/comments/<cid>/ban", "none"),
    ("POST", "/api/v1/lectures/<code>/questions/<qid>", "question"),
    ("PUT", "/api/v1/lectures/<code>/words", "words"),
    ("POST", "/api/v1/lectures/<code>/restrictions", "restrictions"),
    ("POST", "/api/v1/lectures/<code>/session", "session"),
    ("DELETE", "/api/v1/lectures/<code>/session", "none"),
    ("POST", "/api/v1/lectures/<code>/moderator-key", "none"),
    ("POST", "/api/v1/lectures/<code>/ingest", "ingest"),
    ("POST", "/api/v1/lectures/<code>/polls", "poll"),
    ("PATCH", "/api/v1/lectures/<code>/polls/<draft>", "poll"),
    ("POST", "/api/v1/lectures/<code>/polls/<pid>/close", "none"),
    ("POST", "/api/v1/lectures/<code>/polls/copy", "copy"),
]


# -- HTTP bodies ---------------------------------------------------------------------

def _fill_raw(node: Node, raw: bytes) -> bytes:
    for name, real in node.ids.items():
        raw = raw.replace(f"<{name}>".encode(), real.encode())
    return raw


cases = st.sampled_from(ROUTES).flatmap(lambda r: st.tuples(st.just(r), encoded(BODIES[r[2]])))


@settings(FUZZ, max_examples=int(2500 * SCALE))
@given(case=cases, token=tokens)
@example(case=(("POST", "/api/v1/lectures/<code>/polls", "poll"), b'{"kind": "rating", "title": "t", "scale": []}'),
         token="admin")
async def test_no_body_makes_a_500(node: Node, caplog: pytest.LogCaptureFixture,
                                   case: tuple[tuple[str, str, str], bytes], token: str | None) -> None:
    caplog.clear()
    (method, path, _), raw = case
    raw = _fill_raw(node, raw)
    if path.endswith("/moderator-key") and token in ("admin", "key"):
        token = "ingest"  # a rotation would leave the rest of the run without the moderator key
    status, body = await node.request(method, node.fill(path), token=node.token(token), raw=raw)
    assert_answer(status, body, (method, path, raw[:300], token))
    assert_clean_log(caplog)


# -- HTTP queries and path parameters ------------------------------------------------

def _q(value: str) -> str:
    return quote(value, safe="", errors="surrogatepass")


short_texts = st.one_of(st.text(max_size=20), st.text(any_char, max_size=12), st.sampled_from(ODD))
query_values = st.one_of(short_texts, st.sampled_from(["0", "1", "-1", "500", "501", "2147483648", str(2**64), "1e3", "0x10",
                                                 " 1", "１", "held", "visible", "pending", "json", "csv", "md",
                                                 "true", "speaker", "moderator"]))
QUERIES = [
    ("/api/v1/lectures/<code>/comments", ["after", "limit", "state"]),
    ("/api/v1/lectures/<code>/questions", ["state"]),
    ("/api/v1/lectures/<code>/audit", ["limit"]),
    ("/api/v1/lectures/<code>/export", ["format", "mask"]),
    ("/api/v1/lectures/<code>/session", ["role"]),
    ("/api/v1/lectures/<code>/polls", ["x"]),
    ("/l/<code>/qr.svg", ["view", "scale", "border", "download"]),
    ("/l/<code>/qr.png", ["view", "scale", "border"]),
    ("/embed/<code>", ["mode", "theme", "lang", "height", "readonly", "accent", "origin"]),
    ("/l/<code>/screen", ["rotate", "lang"]),
    ("/l/<code>", ["view", "lang"]),
]


@st.composite
def queries(draw: st.DrawFn) -> str:
    path, names = draw(st.sampled_from(QUERIES))
    # Short: a request line over 8 KiB is refused by aiohttp's parser (a plain 400) before any handler.
    pairs = draw(st.lists(st.tuples(st.sampled_from(names) | short_texts, query_values), max_size=4))
    return path + "?" + "&".join(f"{_q(k)}={_q(v)}" for k, v in pairs)


@settings(FUZZ, max_examples=int(600 * SCALE))
@given(url=queries(), token=st.sampled_from([None, "admin", "key", "garbage"]))
@example(url="/api/v1/lectures/<code>/comments?after=%ED%A0%80", token=None)
async def test_no_query_makes_a_500(node: Node, caplog: pytest.LogCaptureFixture, url: str, token: str | None) -> None:
    caplog.clear()
    status, body = await node.request("GET", node.fill(url), token=node.token(token), encoded=True)
    assert_answer(status, body, (url, token), json_ok=url.startswith("/api/") and "/export" not in url)
    assert_clean_log(caplog)


segments = st.one_of(st.sampled_from(["<code>", "<cid>", "<qid>", "<pid>", "<draft>", "<other>"]),
                     st.sampled_from(["hide", "restore", "feature", "unfeature", "approve", "reject", "ban", "mute",
                                      "lift", "open", "close", "show", "reveal", "screen", "unscreen", "delete",
                                      "leaderboard", "copy", "__class__", "keys", "get"]),
                     short_texts.filter(bool))
PATHS = [
    ("GET", "/api/v1/lectures/{0}"), ("PATCH", "/api/v1/lectures/{0}"), ("GET", "/api/v1/lectures/{0}/stats"),
    ("GET", "/api/v1/lectures/{0}/figures"), ("GET", "/api/v1/lectures/{0}/moderation"),
    ("POST", "/api/v1/lectures/<code>/comments/{0}/{1}"), ("POST", "/api/v1/lectures/{0}/comments/<cid>/{1}"),
    ("POST", "/api/v1/lectures/<code>/questions/{0}"), ("POST", "/api/v1/lectures/<code>/polls/{0}/{1}"),
    ("PATCH", "/api/v1/lectures/<code>/polls/{0}"), ("GET", "/api/v1/lectures/{0}/polls/leaderboard"),
    ("GET", "/api/v1/{0}"), ("DELETE", "/api/v1/lectures/{0}"), ("GET", "/ws/{0}"), ("GET", "/l/{0}"),
    ("GET", "/l/{0}/poster"), ("GET", "/overlay/{0}"), ("GET", "/embed/{0}"), ("GET", "/static/{0}"),
]


@settings(FUZZ, max_examples=int(600 * SCALE))
@given(route=st.sampled_from(PATHS), params=st.tuples(segments, segments), token=st.sampled_from([None, "admin", "key"]),
       body=st.sampled_from([b"", b"{}", b'{"state": "approved"}', b'{"title": "t"}']))
async def test_no_path_makes_a_500(node: Node, caplog: pytest.LogCaptureFixture, route: tuple[str, str],
                                   params: tuple[str, str], token: str | None, body: bytes) -> None:
    caplog.clear()
    method, template = route
    url = node.fill(template.format(*(_q(node.fill(p)) for p in params)))
    status, answer = await node.request(method, url, token=node.token(token), raw=body, encoded=True)
    api = url.startswith(("/api/", "/ws/"))
    assert_answer(status, answer if api else {"error": {"code": "page", "message": ""}} if status >= 400 else answer,
                  (method, url, token), json_ok=api)
    assert_clean_log(caplog)


# -- WebSocket frames -------------------------------------------------------------------

client_ids = st.one_of(st.none(), st.text(max_size=70), st.sampled_from(["m-1", "", "x" * 64, "x" * 65]), ints,
                       st.floats(), st.booleans(), json_values)
frame_types = st.one_of(st.sampled_from(["comment", "question", "vote", "like", "answer", "ping"]), texts, json_values)
frame_objects = st.fixed_dictionaries({"type": frame_types}, optional={
    "id": client_ids,
    "text": texts | json_values,
    "nickname": texts | json_values,
    "anonymous": st.booleans() | json_values,
    "question": ids | json_values,
    "up": st.booleans() | json_values,
    "count": st.integers(-2, 102) | json_values,
    "poll": st.sampled_from(["<single>", "<multiple>", "<rating>", "<text>", "<quiz>", "<draft>", "p0"]) | json_values,
    "choices": st.lists(st.sampled_from(["a", "b", "c", "z", ""]) | json_values, max_size=4) | json_values,
    "value": st.integers(-1, 11) | json_values,
})


@st.composite
def ws_frames(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A frame's bytes and whether it goes as a text frame (else binary). A
    text frame is always UTF-8 (one that is not closes the connection with
    1007, tested apart); a binary frame may hold anything."""
    kind = draw(st.sampled_from(["object"] * 6 + ["json", "untyped", "bytes", "text", "empty"]))
    if kind == "bytes":
        return draw(st.binary(max_size=64)), False
    if kind == "text":
        return draw(st.text(max_size=40)).encode(), True
    if kind == "empty":
        return b"", draw(st.booleans())
    value = {"object": frame_objects, "json": json_values,
             "untyped": st.dictionaries(texts, json_values, max_size=3)}[kind]
    payload = json.dumps(draw(value), ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    try:
        payload.decode()
    except UnicodeDecodeError:
        return payload, False
    return payload, draw(st.booleans())


def expected(payload: bytes) -> tuple[str, Any, Any]:
    """What the protocol promises for a frame: ("ack", id) for a readable
    frame with a valid id, ("bad", None) for one that cannot be read (an
    error frame, counted towards bad_frames_max), else ("noid", None); and
    the frame's type."""
    try:
        frame = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return "bad", None, None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return "bad", None, None
    cid = frame.get("id")
    if cid is None:
        return "noid", None, frame["type"]
    if isinstance(cid, bool) or not isinstance(cid, (str, int)) or len(str(cid)) > 64:
        return "bad", None, frame["type"]
    return "ack", cid, frame["type"]


async def exchange(ws: Any, payload: bytes, as_text: bool, sync: str) -> list[dict[str, Any]]:
    """Send one frame and then a ping with the id ``sync``; the frames the
    server answered in between (acks, errors, pongs). The server reads a
    connection's frames one at a time, so its answers come in order."""
    await ws.send(payload, text=as_text)
    await ws.send(json.dumps({"type": "ping", "id": sync}))
    got: list[dict[str, Any]] = []
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == "ack" and frame["id"] == sync:
            assert frame["ok"] is True, frame
            assert got and got[-1]["type"] == "pong", got
            return got[:-1]
        if frame["type"] in ("ack", "error", "pong"):
            got.append(frame)


def assert_error(error: Any, what: Any) -> None:
    assert isinstance(error, dict) and isinstance(error.get("code"), str) and error["code"], what
    assert isinstance(error.get("message"), str), what


@settings(FUZZ, max_examples=int(150 * SCALE))
@given(frames=st.lists(ws_frames(), min_size=1, max_size=8))
@example(frames=[(b'{"type": "answer", "id": 1, "poll": "<rating>", "value": 1e400}', True),
                 (b'{"type": "vote", "id": "v", "question": "<qid>", "up": 1}', True),
                 (b"\xff", False), (b"[]", True), (b'{"type": 7}', True), (b'{"type": "x", "id": 1.5}', True)])
async def test_every_frame_is_answered(node: Node, caplog: pytest.LogCaptureFixture,
                                       frames: list[tuple[bytes, bool]]) -> None:
    caplog.clear()
    ws = await node.server.connect(node.ids["code"])
    assert json.loads(await ws.recv())["type"] == "welcome"
    run = secrets.token_hex(4)
    for i, (payload, as_text) in enumerate(frames):
        payload = _fill_raw(node, payload)
        if len(payload) >= node.server.svc.settings.max_frame_bytes:
            continue  # oversized frames close the connection: test_oversized_frame_closes_with_1009
        what = (payload[:300], as_text)
        try:
            answers = await exchange(ws, payload, as_text, f"sync-{run}-{i}")
        except websockets.ConnectionClosed as closed:
            raise AssertionError(("closed", closed.rcvd and closed.rcvd.code, what)) from None
        acks = [a for a in answers if a["type"] == "ack"]
        errors = [a for a in answers if a["type"] == "error"]
        pongs = [a for a in answers if a["type"] == "pong"]
        outcome, cid, kind = expected(payload)
        if outcome == "ack":
            assert len(acks) == 1 and not errors, (answers, what)
            assert acks[0]["id"] == cid, (answers, what)
            if acks[0]["ok"] is not True:
                assert acks[0]["ok"] is False, (answers, what)
                assert_error(acks[0]["error"], (answers, what))
        elif outcome == "bad":
            assert len(errors) == 1 and not acks and not pongs, (answers, what)
            assert_error(errors[0]["error"], (answers, what))
        else:  # no id: nothing when it went through, else an error frame
            assert not acks and len(errors) <= 1, (answers, what)
            for e in errors:
                assert_error(e["error"], (answers, what))
        assert len(pongs) == (kind == "ping" and outcome != "bad"), (answers, what)
    await ws.close()
    assert_clean_log(caplog)


# -- closing: 1008, 1009, 1007 ------------------------------------------------------------

@pytest.fixture
async def strict(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Node]:
    """A node with the default bad_frames_max and max_frame_bytes."""
    caplog.set_level(logging.WARNING)
    server = await start_server(tmp_path / "strict", **NO_LIMITS)
    n = Node(server)
    try:
        lecture = await server.create_lecture()
        n.ids["code"] = lecture["code"]
        yield n
    finally:
        await n.http.close()
        await stop_server(server)
    assert_clean_log(caplog)


bad_frames = st.one_of(
    st.binary(max_size=40).map(lambda b: (b"\xff" + b, False)),
    st.text(max_size=30).map(lambda t: (("{" + t).encode(), True)),
    json_values.filter(lambda v: not isinstance(v, dict)).map(lambda v: (json.dumps(v).encode(), True)),
    st.dictionaries(texts.filter(lambda k: k != "type"), json_values, max_size=3).map(
        lambda v: (json.dumps(v).encode(), True)),
    st.fixed_dictionaries({"type": st.sampled_from(["comment", "ping", "vote"]), "id": st.one_of(
        st.booleans(), st.floats(), st.lists(st.integers(), max_size=2), st.text(min_size=65, max_size=80))}).map(
        lambda v: (json.dumps(v).encode(), True)),
).filter(lambda f: len(f[0]) < 8000 and expected(f[0])[0] == "bad") | st.sampled_from([
    # Readable, but refused before any id could be read: they count as bad frames too.
    (b'{"type": "nope"}', True), (b'{"type": "like", "count": 0}', True), (b'{"type": "vote"}', False)])
good_frames = st.one_of(
    st.integers(0, 10**6).map(lambda i: (json.dumps({"type": "ping", "id": f"g{i}"}).encode(), True)),
    st.integers(0, 10**6).map(lambda i: (json.dumps({"type": "like", "id": f"l{i}", "count": 1}).encode(), False)),
)


@settings(FUZZ, max_examples=int(40 * SCALE))
@given(data=st.data())
async def test_too_many_bad_frames_close_with_1008(strict: Node, caplog: pytest.LogCaptureFixture,
                                                   data: st.DataObject) -> None:
    caplog.clear()
    limit = strict.server.svc.settings.bad_frames_max
    bad = data.draw(st.lists(bad_frames, min_size=limit + 1, max_size=limit + 4), label="bad")
    good = data.draw(st.lists(good_frames, max_size=8, unique=True), label="good")
    frames = data.draw(st.permutations([("bad", f) for f in bad] + [("good", f) for f in good]), label="order")
    ws = await strict.server.connect(strict.ids["code"])
    assert json.loads(await ws.recv())["type"] == "welcome"
    seen_bad, expect_errors, expect_acks = 0, 0, set()
    for kind, (payload, as_text) in frames:
        if kind == "bad":
            seen_bad += 1
            if seen_bad > limit:
                break
            expect_errors += 1
        else:
            expect_acks.add(orjson.loads(payload)["id"])
    for _, (payload, as_text) in frames:
        try:
            await ws.send(payload, text=as_text)
        except websockets.ConnectionClosed:
            break
    errors, acks = 0, set()
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame["type"] == "error":
                errors += 1
                assert frame["error"]["code"] in ("bad_frame", "invalid", "unknown_type"), frame
            elif frame["type"] == "ack":
                acks.add(frame["id"])
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008, closed.value
    assert errors == expect_errors and acks == expect_acks, (errors, expect_errors, acks, expect_acks)
    assert_clean_log(caplog)


@settings(FUZZ, max_examples=int(20 * SCALE))
@given(extra=st.integers(1, 40_000), fill=st.sampled_from([b"x", b"\xff", "汉".encode(), b'{"type":"ping"}']),
       as_text=st.booleans(), before=st.integers(0, 3))
async def test_oversized_frame_closes_with_1009(strict: Node, caplog: pytest.LogCaptureFixture, extra: int,
                                                fill: bytes, as_text: bool, before: int) -> None:
    caplog.clear()
    size = strict.server.svc.settings.max_frame_bytes + extra
    payload = (fill * (size // len(fill) + 1))[:size]
    if as_text:
        payload = payload.decode(errors="ignore").encode()  # whole characters only
        payload += b" " * (size - len(payload))
    ws = await strict.server.connect(strict.ids["code"])
    assert json.loads(await ws.recv())["type"] == "welcome"
    for i in range(before):  # a connection in use, not only a fresh one
        assert await exchange(ws, b'{"type": "like", "count": 1}', True, f"s{i}") == []
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.send(payload, text=as_text)
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert frame["type"] not in ("ack", "error"), frame
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009, closed.value
    assert_clean_log(caplog)


async def test_a_frame_of_exactly_the_limit_is_read(strict: Node) -> None:
    size = strict.server.svc.settings.max_frame_bytes
    frame = b'{"type": "ping", "id": "edge", "pad": ""}'
    payload = frame[:-2] + b" " * (size - len(frame)) + frame[-2:]
    assert len(payload) == size
    ws = await strict.server.connect(strict.ids["code"])
    assert json.loads(await ws.recv())["type"] == "welcome"
    await ws.send(payload, text=True)
    assert (await recv_ack(ws, "edge"))["ok"] is True


async def recv_ack(ws: Any, cid: str) -> dict[str, Any]:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == "ack" and frame["id"] == cid:
            return frame


@settings(FUZZ, max_examples=int(10 * SCALE))
@given(payload=st.sampled_from([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]).flatmap(
    lambda bad: st.tuples(st.text(max_size=10), st.text(max_size=10)).map(
        lambda t: b'{"type": "comment", "id": "u", "text": "' + t[0].encode() + bad + t[1].encode() + b'"}')))
async def test_invalid_utf8_text_frame_closes_with_1007(strict: Node, caplog: pytest.LogCaptureFixture,
                                                        payload: bytes) -> None:
    """Invalid UTF-8 in a text frame breaks RFC 6455 itself: aiohttp closes
    with 1007 (invalid frame payload data), never 1011; the same bytes in a
    binary frame are only a bad frame."""
    caplog.clear()
    ws = await strict.server.connect(strict.ids["code"])
    assert json.loads(await ws.recv())["type"] == "welcome"
    answers = await exchange(ws, payload, False, "bin")
    assert [a["type"] for a in answers] == ["error"] and answers[0]["error"]["code"] == "bad_frame", answers
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.send(payload, text=True)
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert frame["type"] not in ("ack", "error"), frame
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007, closed.value
    assert_clean_log(caplog)
