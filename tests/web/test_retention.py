"""The retention purge end to end, on both backends: after it no viewer
token (or the moderators' handle for one) and no hidden comment is left
anywhere in the SQLite file or in Redis, the figures are what they were,
and a lecture that keeps everything, or is not due yet, is untouched."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
import redis.asyncio as aioredis

from live.core import clock, identity
from live.core.events import viewer_handle
from live.protocol import AskQuestion, PostComment, Vote
from live.web.retention import RETENTION
from tests.conftest import Server, recv, start_server, stop_server

DAY = 86_400


def secret_texts(tag: str) -> list[str]:
    """The texts of a lecture's hidden, held and muted comments."""
    return [f"被隐藏的留言{tag}", f"待审的秘密留言{tag}", f"禁言者的留言{tag}"]


@pytest.fixture
async def node(tmp_path: Path, backend: dict[str, Any]) -> AsyncIterator[Server]:
    s = await start_server(tmp_path / "data", **backend, sample_s=1)
    try:
        yield s
    finally:
        await stop_server(s)


async def joined(server: Server, code: str, **params: Any) -> tuple[Any, str]:
    ws = await server.connect(code, **params)
    return ws, (await recv(ws, "welcome"))["viewer"]


async def send(ws: Any, msg: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps(msg))
    ack = await recv(ws, "ack")
    assert ack["ok"], ack
    return ack


async def api(server: Server, method: str, path: str, body: Any = None) -> Any:
    status, answer = await server.request(method, path, body, token=server.admin_token)
    assert status in (200, 201), answer
    return answer


async def busy_lecture(server: Server, retention_days: int, tag: str = "甲") -> tuple[str, list[str], dict[str, str]]:
    """A lecture with every kind of record, ended; returns its code, its
    viewers' tokens and the ids of its comments by what became of them."""
    hidden_text, held_text, muted_text = secret_texts(tag)
    code = (await server.create_lecture(settings={"retention_days": retention_days}))["code"]
    base = f"/api/v1/lectures/{code}"
    (alice, a), (bob, b), (carol, c) = [await joined(server, code) for _ in range(3)]
    shown = (await send(alice, {"type": "comment", "id": 1, "text": "劳模精神值得学习", "nickname": "阿丽"}))["ref"]
    hidden = (await send(bob, {"type": "comment", "id": 1, "text": hidden_text, "nickname": "阿博"}))["ref"]
    await api(server, "POST", f"{base}/comments/{hidden}/hide")
    await api(server, "PUT", f"{base}/words", {"blocked": [], "watch": ["秘密"]})
    held = (await send(carol, {"type": "comment", "id": 1, "text": held_text, "nickname": "小卡"}))["ref"]
    await api(server, "POST", f"{base}/restrictions", {"comment": held, "mode": "muted"})
    muted = (await send(carol, {"type": "comment", "id": 2, "text": muted_text, "nickname": "小卡"}))["ref"]
    await api(server, "POST", f"{base}/restrictions", {"comment": hidden, "mode": "banned"})
    await api(server, "POST", f"{base}/comments/{shown}/feature")
    question = (await send(alice, {"type": "question", "id": 2, "text": "怎么练成的？", "nickname": "阿丽"}))["ref"]
    await send(alice, {"type": "vote", "id": 3, "question": question, "up": True})
    await send(carol, {"type": "vote", "id": 3, "question": question, "up": True})
    await send(alice, {"type": "like", "id": 4, "count": 7})
    poll = await api(server, "POST", f"{base}/polls", {"kind": "quiz", "title": "劳动节是哪天？",
                                                       "options": ["五月一日", "十月一日"], "correct": [0]})
    await api(server, "POST", f"{base}/polls/{poll['id']}/open")
    await send(alice, {"type": "answer", "id": 5, "poll": poll["id"], "choices": ["a"], "nickname": "阿丽"})
    await send(carol, {"type": "answer", "id": 4, "poll": poll["id"], "choices": ["b"], "nickname": "小卡"})
    await api(server, "POST", f"{base}/polls/{poll['id']}/close")
    await api(server, "POST", f"{base}/polls/{poll['id']}/reveal")
    await api(server, "POST", f"{base}/questions/{question}", {"state": "answered", "answer": "勤学苦练"})
    await asyncio.sleep(1.2)  # a sample or two of the figures
    await api(server, "POST", f"{base}/status", {"status": "live"})
    await api(server, "POST", f"{base}/status", {"status": "ended"})
    for ws in (alice, bob, carol):
        await ws.close()
    return code, [a, b, c], {"shown": shown, "hidden": hidden, "held": held, "muted": muted}


async def settled(server: Server) -> None:
    """No connection left, so the figures stop moving (no new sample)."""
    deadline = time.monotonic() + 5
    while server.svc.hub.rooms and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)


async def figures(server: Server, code: str) -> dict[str, Any]:
    base = f"/api/v1/lectures/{code}"
    stats = await api(server, "GET", f"{base}/stats")
    stats.pop("online")
    exported = await api(server, "GET", f"{base}/export?format=json")
    questions = (await api(server, "GET", f"{base}/questions"))["questions"]
    return {
        "stats": stats,
        "votes": [(q["id"], q["votes"], q["state"]) for q in questions],
        "polls": (await api(server, "GET", f"{base}/polls"))["results"],
        "samples": (await api(server, "GET", f"{base}/figures"))["samples"],
        "export": {k: exported[k] for k in ("featured_comments", "answered_questions", "stats", "polls", "sources")},
    }


async def stored(server: Server, tmp_path: Path) -> bytes:
    """Every byte the backend keeps: the SQLite file and its log read raw,
    or every Redis key with its whole value."""
    if not server.svc.settings.redis_url:
        data = tmp_path / "data"
        return b"".join(p.read_bytes() for p in sorted(data.glob("live.db*")))
    r = aioredis.from_url(server.svc.settings.redis_url)
    out: list[bytes] = []
    try:
        async for key in r.scan_iter("*"):
            out.append(key)
            kind = (await r.type(key)).decode()
            if kind == "string":
                out.append(await r.get(key))
            elif kind == "hash":
                out += [x for kv in (await r.hgetall(key)).items() for x in kv]
            elif kind == "set":
                out += list(await r.smembers(key))
            elif kind == "list":
                out += await r.lrange(key, 0, -1)
            elif kind == "zset":
                out += await r.zrange(key, 0, -1)
            elif kind == "stream":
                out += [x for i, f in await r.xrange(key) for x in (i, *f.keys(), *f.values())]
            out.append(await r.dump(key) or b"")
    finally:
        await r.aclose()
    return b"\n".join(out)


def traces(tokens: list[str]) -> list[bytes]:
    """What would identify a viewer: the token, and the handle moderators see."""
    return [t.encode() for t in tokens] + [viewer_handle(t).encode() for t in tokens]


async def test_a_purge_forgets_who_and_what_was_hidden_and_keeps_the_figures(node, tmp_path):
    code, tokens, ids = await busy_lecture(node, retention_days=30)
    # Two lectures the purge must leave alone: one keeps everything, one has not ended.
    kept, kept_tokens, kept_ids = await busy_lecture(node, retention_days=0, tag="乙")
    running = (await node.create_lecture(settings={"retention_days": 1}))["code"]
    ws, running_token = await joined(node, running)
    await send(ws, {"type": "comment", "id": 1, "text": "还在直播"})
    await ws.close()
    await settled(node)
    before = await figures(node, code)
    kept_before = await figures(node, kept)
    raw = await stored(node, tmp_path)
    assert all(t in raw for t in traces(tokens)[:3])  # the check below can fail
    assert all(text.encode() in raw for text in secret_texts("甲"))

    retention = node.app[RETENTION]
    assert await retention.run_once(now=time.time() + 29 * DAY) == []  # not due yet
    assert await retention.run_once(now=time.time() + 31 * DAY) == [code]

    raw = await stored(node, tmp_path)
    for trace in traces(tokens):
        assert trace not in raw, trace
    for text in secret_texts("甲"):
        assert text.encode() not in raw, text
    after = await figures(node, code)
    assert after == before
    assert after["stats"]["unique_viewers"] == 3 and after["stats"]["likes"] == 7

    base = f"/api/v1/lectures/{code}"
    lecture = await api(node, "GET", base)
    assert lecture["purged_at"] is not None and lecture["status"] == "ended"
    comments = (await api(node, "GET", f"{base}/comments?limit=500"))["comments"]
    assert [c["id"] for c in comments] == [ids["shown"]] and "viewer" not in comments[0]
    assert comments[0]["nickname"] == "阿丽"  # published with the comment: stays
    moderation = await api(node, "GET", f"{base}/moderation")
    assert moderation["held"] == [] and moderation["restrictions"] == []
    audit = (await api(node, "GET", f"{base}/audit?limit=1000"))["entries"]
    assert audit[0]["by"] == "retention" and audit[0]["changed"] == ["purged_at"]
    assert not {e.get("target") for e in audit} & {ids["hidden"], ids["held"], ids["muted"]}
    assert {"purged", "viewer.restricted", "comment.featured"} <= {e["kind"] for e in audit}
    published = json.dumps([moderation, audit, await api(node, "GET", f"{base}/export?format=json")],
                           ensure_ascii=False)
    for text in secret_texts("甲"):
        assert text not in published
    for trace in traces(tokens):
        assert trace.decode() not in published
    status, csv = await node.request("GET", f"{base}/export?format=csv", token=node.admin_token)
    assert status == 200 and "劳模精神值得学习" in csv and not any(t in csv for t in secret_texts("甲"))
    leaders = await api(node, "GET", f"{base}/polls/leaderboard")
    assert leaders["leaders"] == []  # it ranked people

    # The others: untouched, their viewers and hidden comments still there.
    assert await figures(node, kept) == kept_before
    assert (await api(node, "GET", f"/api/v1/lectures/{kept}"))["purged_at"] is None
    kept_comments = (await api(node, "GET", f"/api/v1/lectures/{kept}/comments?limit=500"))["comments"]
    assert {c["id"] for c in kept_comments} == set(kept_ids.values())
    assert all(t in raw for t in traces(kept_tokens)[:3] + [running_token.encode()])
    assert all(text.encode() in raw for text in secret_texts("乙"))

    # Twice is once.
    assert await retention.run_once(now=time.time() + 400 * DAY) == []
    assert await figures(node, code) == before


async def test_nothing_is_left_at_scale(node, tmp_path):
    """Thousands of viewers: enough rows that the SQLite tables span many
    pages (where an updated key can linger in free space), and many keys in Redis."""
    store = node.svc.store
    code = (await node.create_lecture(settings={"retention_days": 1, "comment_mode": "held"}))["code"]
    asker = identity.mint(node.svc.keys.secret)
    await store.join(code, asker, since=None, epoch=None, moderator=False, snapshot_comments=0)
    await api(node, "PATCH", f"/api/v1/lectures/{code}", {"settings": {"question_mode": "open"}})
    questions = [(await store.submit(code, asker, AskQuestion(f"q{i}", f"问题 {i}", None, True)))["ref"]
                 for i in range(2)]
    tokens = [identity.mint(node.svc.keys.secret) for _ in range(2000)]

    async def take_part(i: int, token: str) -> None:
        await store.join(code, token, since=None, epoch=None, moderator=False, snapshot_comments=0)
        await store.submit(code, token, Vote(f"v{i}", questions[i % 2], True))
        await store.submit(code, token, PostComment(f"c{i}", f"待审留言 {i} " + "长" * (i % 200), None))

    for start in range(0, len(tokens), 200):
        await asyncio.gather(*(take_part(i, t) for i, t in enumerate(tokens[start:start + 200], start)))
    await api(node, "POST", f"/api/v1/lectures/{code}/status", {"status": "ended"})
    pattern = re.compile(rb"v1\.[A-Za-z0-9_-]{16}\.[0-9a-f]{24}")
    assert len(set(pattern.findall(await stored(node, tmp_path))) & {t.encode() for t in tokens}) == len(tokens)
    before = await figures(node, code)
    assert await node.app[RETENTION].run_once(now=time.time() + 2 * DAY) == [code]
    raw = await stored(node, tmp_path)
    assert not set(pattern.findall(raw)) & {t.encode() for t in [asker, *tokens]}
    assert "待审留言".encode() not in raw
    after = await figures(node, code)
    assert after == before and after["stats"]["unique_viewers"] == 2001
    assert sorted(v for _, v, _ in after["votes"]) == [1000, 1000]


async def test_connections_resync_with_what_is_left(node):
    code, _, ids = await busy_lecture(node, retention_days=1)
    mod = await node.connect(code, headers={"Authorization": f"Bearer {node.admin_token}"})
    welcome = await recv(mod, "welcome")
    assert {c["id"] for c in welcome["snapshot"]["comments"]} == set(ids.values())
    assert await node.app[RETENTION].run_once(now=time.time() + 2 * DAY) == [code]
    await asyncio.wait_for(mod.wait_closed(), 5)
    assert mod.close_code == 1012
    again = await node.connect(code, headers={"Authorization": f"Bearer {node.admin_token}"},
                               since=welcome["seq"], epoch=welcome["epoch"])
    fresh = await recv(again, "welcome")
    assert not fresh["resumed"] and fresh["epoch"] != welcome["epoch"]
    assert [c["id"] for c in fresh["snapshot"]["comments"]] == [ids["shown"]]
    assert fresh["snapshot"]["moderation"]["held"] == [] and fresh["snapshot"]["moderation"]["restrictions"] == []
    assert fresh["lecture"]["purged_at"] is not None


async def test_the_server_purges_on_its_own(tmp_path, backend):
    server = await start_server(tmp_path / "data", **backend, retention_check_s=0.1)
    try:
        code = (await server.create_lecture(settings={"retention_days": 7}))["code"]
        kept = (await server.create_lecture(settings={"retention_days": 0}))["code"]
        for c in (code, kept):
            await api(server, "POST", f"/api/v1/lectures/{c}/status", {"status": "ended"})
            # As if the lecture had ended eight days ago.
            await server.svc.store.update_lecture(c, {"ended_at": clock.iso(time.time() - 8 * DAY)})
        deadline = time.monotonic() + 10
        while "live_retention_purges_total 1" not in (await server.request("GET", "/metrics"))[1]:
            assert time.monotonic() < deadline, "not purged"
            await asyncio.sleep(0.1)
        assert (await api(server, "GET", f"/api/v1/lectures/{code}"))["purged_at"] is not None
        assert (await api(server, "GET", f"/api/v1/lectures/{kept}"))["purged_at"] is None
    finally:
        await stop_server(server)


async def test_two_nodes_purge_once_and_both_forget(tmp_path, redis_server):
    redis_server.flush()
    a = await start_server(tmp_path / "a", redis_url=redis_server.url)
    b = await start_server(tmp_path / "b", redis_url=redis_server.url)
    try:
        code, tokens, ids = await busy_lecture(a, retention_days=1)
        # Node b has the lecture loaded, with the hidden comments, for a moderator.
        mod = await b.connect(code, headers={"Authorization": f"Bearer {b.admin_token}"})
        await recv(mod, "welcome")
        later = time.time() + 2 * DAY
        done = await asyncio.gather(a.app[RETENTION].run_once(now=later), b.app[RETENTION].run_once(now=later))
        assert sorted(done) == [[], [code]]
        audit = (await api(a, "GET", f"/api/v1/lectures/{code}/audit"))["entries"]
        assert [e["by"] for e in audit].count("retention") == 1
        await asyncio.wait_for(mod.wait_closed(), 5)  # b saw the new epoch and reloaded
        comments = (await api(b, "GET", f"/api/v1/lectures/{code}/comments?limit=500"))["comments"]
        assert [c["id"] for c in comments] == [ids["shown"]]
        raw = await stored(a, tmp_path)
        for trace in traces(tokens):
            assert trace not in raw
    finally:
        await stop_server(a)
        await stop_server(b)
