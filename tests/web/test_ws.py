"""The WebSocket protocol against the real server, through real clients."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from tests.conftest import ADMIN, recv, recv_events


async def test_welcome_has_snapshot_identity_and_counters(server, lecture):
    ws = await server.connect(lecture["code"])
    welcome = json.loads(await ws.recv())
    assert welcome["type"] == "welcome"
    assert welcome["resumed"] is False and welcome["role"] == "viewer"
    assert welcome["seq"] == 0 and welcome["epoch"]
    assert welcome["viewer"].startswith("v1.")
    assert welcome["lecture"]["code"] == lecture["code"]
    assert "moderator_key" not in welcome["lecture"]
    snap = welcome["snapshot"]
    assert snap["comments"] == [] and snap["questions"] == [] and snap["voted"] == []
    assert snap["counters"]["online"] == 1
    counters = await recv(ws, "counters")
    assert counters["visits"] == 1 and counters["unique_viewers"] == 1 and counters["online"] == 1


async def test_comment_reaches_every_viewer_once_in_one_frame_per_tick(server, lecture):
    code = lecture["code"]
    a, c, b = await server.connect(code), await server.connect(code), await server.connect(code)
    for ws in (a, b, c):
        await recv(ws, "welcome")
    for i in range(3):  # the burst a viewer is allowed
        await a.send(json.dumps({"type": "comment", "id": f"m{i}", "text": f" 为劳模点赞 {i} ", "nickname": "晨"}))
        await c.send(json.dumps({"type": "comment", "id": f"m{i}", "text": f"为工匠喝彩 {i}"}))
    acks = [await recv(a, "ack") for _ in range(3)]
    assert [x["id"] for x in acks] == [f"m{i}" for i in range(3)]
    assert all(x["ok"] for x in acks)
    assert acks[0]["record"]["text"] == "为劳模点赞 0" and acks[0]["record"]["nickname"] == "晨"
    events = await recv_events(b, 6)
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert [e["kind"] for e in events] == ["comment.created"] * 6
    assert acks[0]["record"] in [e["data"] for e in events]
    assert {"id", "text", "nickname", "created_at", "featured"} <= set(events[0]["data"])


async def test_same_client_id_gives_same_ack_and_creates_once(server, lecture):
    code = lecture["code"]
    ws = await server.connect(code)
    welcome = await recv(ws, "welcome")
    msg = json.dumps({"type": "comment", "id": "dup-1", "text": "只发一次"})
    await ws.send(msg)
    await ws.send(msg)
    first, second = await recv(ws, "ack"), await recv(ws, "ack")
    assert first == second and first["ok"]
    # across a reconnect with the same identity, too
    await ws.close()
    again = await server.connect(code, viewer=welcome["viewer"])
    await recv(again, "welcome")
    await again.send(msg)
    assert await recv(again, "ack") == first
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/comments")
    assert [c["text"] for c in body["comments"]] == ["只发一次"]


async def test_concurrent_duplicates_still_create_once(server, lecture):
    code = lecture["code"]
    ws = await server.connect(code)
    await recv(ws, "welcome")
    for _ in range(3):
        await ws.send(json.dumps({"type": "question", "id": "q-same", "text": "同一个问题？"}))
    acks = [await recv(ws, "ack") for _ in range(3)]
    assert len({a["ref"] for a in acks}) == 1
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/questions")
    assert len(body["questions"]) == 1


async def test_resume_delivers_every_missed_event_in_order_exactly_once(unlimited):
    server = unlimited
    code = (await server.create_lecture())["code"]
    reader = await server.connect(code)
    welcome = await recv(reader, "welcome")
    writer = await server.connect(code)
    await recv(writer, "welcome")
    await writer.send(json.dumps({"type": "comment", "id": "a", "text": "一"}))
    assert (await recv(writer, "ack"))["id"] == "a"
    seen = await recv_events(reader, 1)
    last = seen[-1]["seq"]
    await reader.close()
    for i in range(30):
        await writer.send(json.dumps({"type": "comment", "id": f"b{i}", "text": f"第{i}条"}))
        assert (await recv(writer, "ack"))["id"] == f"b{i}"
    await server.moderate(code, "comments/c2/hide")
    back = await server.connect(code, since=last, epoch=welcome["epoch"], viewer=welcome["viewer"])
    w2 = await recv(back, "welcome")
    assert w2["resumed"] is True and w2["snapshot"] is None and w2["viewer"] == welcome["viewer"]
    assert w2["seq"] == 32
    # right after the welcome, in this order: the missed events, the counters, every tally
    frames = [json.loads(await asyncio.wait_for(back.recv(), 5)) for _ in range(3)]
    assert [f["type"] for f in frames] == ["events", "counters", "votes"]
    assert frames[2]["votes"] == {}
    events = frames[0]["events"]
    assert [e["seq"] for e in events] == list(range(2, 33))
    assert events[-1]["kind"] == "comment.hidden" and events[-1]["data"]["id"] == "c2", [(e["seq"], e["kind"], e["data"].get("id"), e["data"].get("text")) for e in events[-4:]]
    # and nothing more follows: the next event is the next seq
    await writer.send(json.dumps({"type": "comment", "id": "z", "text": "后来的"}))
    nxt = await recv_events(back, 1)
    assert [e["seq"] for e in nxt] == [33]


async def test_resume_with_wrong_epoch_or_too_old_since_gets_snapshot(tmp_path, backend):
    from tests.conftest import start_server, stop_server

    server = await start_server(tmp_path / "d", history_size=5, **backend)
    try:
        lec = await server.create_lecture()
        code = lec["code"]
        ws = await server.connect(code)
        welcome = await recv(ws, "welcome")
        for i in range(8):
            await ws.send(json.dumps({"type": "like", "id": f"l{i}", "count": 1}))
            await recv(ws, "ack")
        for i in range(8):
            await server.moderate(code, "status", {"status": "live" if i % 2 == 0 else "scheduled"})
        stale = await server.connect(code, since=1, epoch=welcome["epoch"])
        w = await recv(stale, "welcome")
        assert w["resumed"] is False and w["snapshot"] is not None and w["seq"] == 8
        other = await server.connect(code, since=7, epoch="not-the-epoch")
        w = await recv(other, "welcome")
        assert w["resumed"] is False
        fresh = await server.connect(code, since=7, epoch=welcome["epoch"])
        w = await recv(fresh, "welcome")
        assert w["resumed"] is True
        assert [e["seq"] for e in await recv_events(fresh, 1)] == [8]
    finally:
        await stop_server(server)


async def test_held_comment_is_private_to_viewers_full_to_moderators(server):
    lec = await server.create_lecture(settings={"comment_mode": "held"})
    code = lec["code"]
    viewer = await server.connect(code)
    await recv(viewer, "welcome")
    mod = await server.connect(code, headers={"Authorization": f"Bearer {lec['moderator_key']}"})
    assert (await recv(mod, "welcome"))["role"] == "moderator"
    author = await server.connect(code)
    a_welcome = await recv(author, "welcome")
    await author.send(json.dumps({"type": "comment", "id": "h", "text": "请审核我"}))
    ack = await recv(author, "ack")
    assert ack["ok"] and ack["held"] is True and ack["record"]["state"] == "held"
    assert await recv_events(viewer, 1) == [{"seq": 1, "kind": "private"}]
    [full] = await recv_events(mod, 1)
    assert full["data"]["text"] == "请审核我"
    # the author still sees it after a reload; others do not
    again = await server.connect(code, viewer=a_welcome["viewer"])
    snap = (await recv(again, "welcome"))["snapshot"]
    assert [c["text"] for c in snap["mine"]["comments"]] == ["请审核我"] and snap["comments"] == []
    status, _ = await server.moderate(code, f"comments/{ack['ref']}/approve")
    assert status == 200
    [approved] = await recv_events(viewer, 1)
    assert approved["kind"] == "comment.approved" and approved["data"]["state"] == "visible"


async def test_votes_one_per_viewer_and_tallies_as_aggregates(server, lecture):
    code = lecture["code"]
    asker = await server.connect(code)
    await recv(asker, "welcome")
    await asker.send(json.dumps({"type": "question", "id": "q", "text": "劳模精神如何传承？", "nickname": "小海"}))
    qid = (await recv(asker, "ack"))["ref"]
    voters = [await server.connect(code) for _ in range(3)]
    for v in voters:
        await recv(v, "welcome")
    for i, v in enumerate(voters):
        for _ in range(2):  # the second changes nothing
            await v.send(json.dumps({"type": "vote", "id": f"v{i}-{_}", "question": qid, "up": True}))
            ack = await recv(v, "ack")
            assert ack["ok"] and ack["question"] == qid and ack["up"] is True
    assert ack["votes"] == 3
    await voters[0].send(json.dumps({"type": "vote", "id": "undo", "question": qid, "up": False}))
    assert (await recv(voters[0], "ack"))["votes"] == 2
    async def final_tally():
        while True:
            votes = (await recv(asker, "votes"))["votes"]
            if votes.get(qid) == 2:
                return votes
    await asyncio.wait_for(final_tally(), 5)
    await voters[1].send(json.dumps({"type": "vote", "id": "x", "question": "q999", "up": True}))
    assert (await recv(voters[1], "ack"))["error"]["code"] == "not_found"
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/questions")
    assert body["questions"][0]["votes"] == 2


async def test_likes_are_counted_and_broadcast_as_counters(server, lecture):
    code = lecture["code"]
    a, b = await server.connect(code), await server.connect(code)
    await recv(a, "welcome"), await recv(b, "welcome")
    await a.send(json.dumps({"type": "like", "id": "l1", "count": 40}))
    await a.send(json.dumps({"type": "like", "id": "l2", "count": 2}))
    assert (await recv(a, "ack"))["likes"] == 40
    assert (await recv(a, "ack"))["likes"] == 42
    async def likes_seen():
        while (await recv(b, "counters"))["likes"] != 42:
            pass
    await asyncio.wait_for(likes_seen(), 5)
    for bad in (0, 101, 2.5, "3", True):
        await a.send(json.dumps({"type": "like", "id": f"bad{bad}", "count": bad}))
        assert (await recv(a, "ack"))["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    "frame,code",
    [
        ({"type": "comment", "id": 1, "text": "   "}, "empty"),
        ({"type": "comment", "id": 2, "text": "字" * 301}, "too_long"),
        ({"type": "comment", "id": 3, "text": "ok", "nickname": "名" * 25}, "too_long"),
        ({"type": "comment", "id": 4, "text": 5}, "invalid"),
        ({"type": "question", "id": 5, "text": "问" * 501}, "too_long"),
        ({"type": "question", "id": 6, "text": "ok", "anonymous": "yes"}, "invalid"),
        ({"type": "vote", "id": 7}, "invalid"),
        ({"type": "dance", "id": 8}, "unknown_type"),
    ],
)
async def test_every_refusal_has_a_code_and_keeps_the_connection(server, lecture, frame, code):
    ws = await server.connect(lecture["code"])
    await recv(ws, "welcome")
    await ws.send(json.dumps(frame))
    ack = await recv(ws, "ack")
    assert ack["id"] == frame["id"] and ack["ok"] is False
    assert ack["error"]["code"] == code and ack["error"]["message"]
    await ws.send(json.dumps({"type": "ping"}))
    await recv(ws, "pong")


async def test_text_is_normalised(server, lecture):
    ws = await server.connect(lecture["code"])
    await recv(ws, "welcome")
    await ws.send(json.dumps({"type": "comment", "id": 1, "text": "\u3000 e\u0301\u200b\u202e好\x07  ", "nickname": " 晨\n"}))
    ack = await recv(ws, "ack")
    assert ack["record"]["text"] == "é好" and ack["record"]["nickname"] == "晨"


async def test_rate_limit_answers_with_seconds_to_wait(server, lecture):
    ws = await server.connect(lecture["code"])
    await recv(ws, "welcome")
    results = []
    for i in range(4):
        await ws.send(json.dumps({"type": "comment", "id": i, "text": f"快{i}"}))
        results.append(await recv(ws, "ack"))
    assert [r["ok"] for r in results] == [True, True, True, False]
    err = results[3]["error"]
    assert err["code"] == "rate_limited" and 0 < err["retry_after"] <= 2
    # a refused message was not remembered: the same id may be sent again later
    await ws.send(json.dumps({"type": "comment", "id": 0, "text": "快0"}))
    assert (await recv(ws, "ack"))["ref"] == results[0]["ref"]


async def test_ended_lecture_refuses_with_closed(server, lecture):
    code = lecture["code"]
    ws = await server.connect(code)
    await recv(ws, "welcome")
    status, body = await server.request("POST", f"/api/v1/lectures/{code}/status", {"status": "ended"},
                                        token=lecture["moderator_key"])
    assert status == 200 and body["status"] == "ended"
    [ev] = await recv_events(ws, 1)
    assert ev["kind"] == "lecture.updated" and ev["data"]["status"] == "ended"
    for kind in ("comment", "question"):
        await ws.send(json.dumps({"type": kind, "id": kind, "text": "还能发吗"}))
        assert (await recv(ws, "ack"))["error"]["code"] == "closed"


async def test_unreadable_frames_get_error_frames_then_1008(server, lecture):
    ws = await server.connect(lecture["code"])
    await recv(ws, "welcome")
    for raw in ("not json", "[1,2]", '{"no": "type"}'):
        await ws.send(raw)
        err = await recv(ws, "error")
        assert err["error"]["code"] == "bad_frame"
    for _ in range(30):
        try:
            await ws.send("{{{")
        except websockets.ConnectionClosed:
            break
    with pytest.raises(websockets.ConnectionClosed):
        for _ in range(100):
            await asyncio.wait_for(ws.recv(), 5)
    assert ws.close_code == 1008


async def test_a_1mb_frame_closes_with_1009_and_the_server_is_unharmed(server, lecture):
    code = lecture["code"]
    ws = await server.connect(code)
    await recv(ws, "welcome")
    await ws.send(json.dumps({"type": "comment", "id": 1, "text": "x" * (1024 * 1024)}))
    with pytest.raises(websockets.ConnectionClosed):
        for _ in range(100):
            await asyncio.wait_for(ws.recv(), 5)
    assert ws.close_code == 1009
    other = await server.connect(code)
    await recv(other, "welcome")
    await other.send(json.dumps({"type": "comment", "id": 1, "text": "我还好"}))
    assert (await recv(other, "ack"))["ok"]


async def test_origin_check(server, lecture):
    code = lecture["code"]
    with pytest.raises(websockets.InvalidStatus) as refused:
        await server.connect(code, headers={"Origin": "https://evil.example"})
    assert refused.value.response.status_code == 403
    ok = await server.connect(code, headers={"Origin": server.url})
    assert (await recv(ok, "welcome"))["type"] == "welcome"


async def test_unknown_lecture_is_404_before_upgrade(server):
    with pytest.raises(websockets.InvalidStatus) as refused:
        await server.connect("ZZZZZZ")
    assert refused.value.response.status_code == 404


async def test_forged_viewer_token_is_replaced(server, lecture):
    ws = await server.connect(lecture["code"], viewer="v1.made-up.0000")
    welcome = await recv(ws, "welcome")
    assert welcome["viewer"] != "v1.made-up.0000"


async def test_moderator_key_of_another_lecture_is_a_viewer(server, lecture):
    other = await server.create_lecture(title="另一场")
    ws = await server.connect(lecture["code"], headers={"Authorization": f"Bearer {other['moderator_key']}"})
    assert (await recv(ws, "welcome"))["role"] == "viewer"
    admin = await server.connect(lecture["code"], headers={"Authorization": f"Bearer {ADMIN}"})
    assert (await recv(admin, "welcome"))["role"] == "moderator"


async def test_online_counts_connections_and_peak_stays(server, lecture):
    code = lecture["code"]
    socks = [await server.connect(code) for _ in range(4)]
    for s in socks:
        await recv(s, "welcome")
    async def online_is(n):
        while True:
            status, stats = await server.request("GET", f"/api/v1/lectures/{code}/stats")
            if stats["online"] == n:
                return stats
            await asyncio.sleep(0.02)
    await asyncio.wait_for(online_is(4), 5)
    for s in socks[:3]:
        await s.close()
    stats = await asyncio.wait_for(online_is(1), 5)
    assert stats["peak_online"] == 4 and stats["visits"] == 4 and stats["unique_viewers"] == 4


async def test_authors_follow_their_own_held_items(server):
    lec = await server.create_lecture(settings={"comment_mode": "held", "question_mode": "held"})
    code = lec["code"]
    author, other = await server.connect(code), await server.connect(code)
    await recv(author, "welcome"), await recv(other, "welcome")
    await author.send(json.dumps({"type": "comment", "id": 1, "text": "待审核的留言"}))
    cid = (await recv(author, "ack"))["ref"]
    await author.send(json.dumps({"type": "question", "id": 2, "text": "待审核的问题"}))
    qid = (await recv(author, "ack"))["ref"]
    await server.moderate(code, f"comments/{cid}/hide")          # rejected
    await server.moderate(code, f"questions/{qid}", {"state": "dismissed"})
    mine = await recv_events(author, 4)
    assert [(e["kind"], e["data"]["state"]) for e in mine] == [
        ("comment.created", "held"), ("question.created", "pending"),
        ("comment.hidden", "hidden"), ("question.updated", "dismissed"),
    ]
    assert await recv_events(other, 4) == [{"seq": n, "kind": "private"} for n in (1, 2, 3, 4)]


async def test_the_backend_under_test_is_the_one_named(server, backend):
    from live.realtime.embedded import EmbeddedStore
    from live.realtime.redis_store import RedisStore

    expected = RedisStore if backend else EmbeddedStore
    assert type(server.svc.store) is expected
