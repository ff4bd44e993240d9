"""Moderation end to end on both backends: modes, word lists, bans and
mutes, flood control, merging, the audit log, figures, the report, and two
moderators acting on the same item at once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.conftest import Server, recv, recv_events, start_server, stop_server


async def joined(server: Server, code: str) -> Any:
    ws = await server.connect(code)
    await recv(ws, "welcome")
    return ws


async def send(ws: Any, msg: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps(msg))
    return await recv(ws, "ack")


async def settings(server: Server, code: str, **values: Any) -> None:
    status, body = await server.request("PATCH", f"/api/v1/lectures/{code}", {"settings": values},
                                        token=server.admin_token)
    assert status == 200, body


async def test_comment_modes_filter_first_and_held(server, lecture):
    code = lecture["code"]
    await settings(server, code, comment_mode="first")
    ws = await joined(server, code)
    ack = await send(ws, {"type": "comment", "id": 1, "text": "第一条"})
    assert ack["ok"] and ack["held"] and ack["record"]["state"] == "held"
    status, held = await server.request("GET", f"/api/v1/lectures/{code}/comments?state=held",
                                        token=server.admin_token)
    assert [c["text"] for c in held["comments"]] == ["第一条"] and held["comments"][0]["viewer"]
    status, _ = await server.moderate(code, f"comments/{ack['ref']}/approve")
    assert status == 200
    ack = await send(ws, {"type": "comment", "id": 2, "text": "第二条"})
    assert ack["ok"] and "held" not in ack  # trusted after one approved comment
    await settings(server, code, comment_mode="held")
    ack = await send(ws, {"type": "comment", "id": 3, "text": "第三条"})
    assert ack["held"]
    status, _ = await server.moderate(code, f"comments/{ack['ref']}/reject")
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/comments?state=held",
                                        token=server.admin_token)
    assert body["comments"] == []
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/comments?state=held")
    assert status == 403


async def test_word_lists_block_and_hold_through_evasions(unlimited):
    server = unlimited
    code = (await server.create_lecture())["code"]
    status, body = await server.request("PUT", f"/api/v1/lectures/{code}/words",
                                        {"blocked": ["法轮功", "ＦＵＣＫ"], "watch": ["广告"]}, token=server.admin_token)
    assert status == 200 and body["blocked"] == ["法轮功", "FUCK"] and body["watch"] == ["广告"]
    ws = await joined(server, code)
    for i, text in enumerate(["法 轮 功", "fa lun gong", "f.u.c.k you"]):
        ack = await send(ws, {"type": "comment", "id": f"b{i}", "text": text})
        assert not ack["ok"] and ack["error"]["code"] == "blocked", text
    ack = await send(ws, {"type": "question", "id": "bq", "text": "FaLunGong?"})
    assert ack["error"]["code"] == "blocked"
    ack = await send(ws, {"type": "comment", "id": "w", "text": "加微信看广.告"})
    assert ack["ok"] and ack["held"]
    ack = await send(ws, {"type": "question", "id": "wq", "text": "有广告吗"})
    assert ack["ok"] and ack["held"] and ack["record"]["state"] == "pending"
    # In "open" mode the lists do not apply to comments.
    await settings(server, code, comment_mode="open")
    ack = await send(ws, {"type": "comment", "id": "o", "text": "法轮功"})
    assert ack["ok"] and "held" not in ack
    status, body = await server.request("PUT", f"/api/v1/lectures/{code}/words", {"blocked": [""]},
                                        token=server.admin_token)
    assert status == 400 and body["error"]["field"] == "blocked"
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/words")
    assert status == 401


async def test_slow_mode_flood_control_and_questions_before_live(unlimited):
    server = unlimited
    code = (await server.create_lecture())["code"]
    await settings(server, code, slow_mode_s=30, questions_before_live=False)
    ws = await joined(server, code)
    assert (await send(ws, {"type": "comment", "id": 1, "text": "你好"}))["ok"]
    ack = await send(ws, {"type": "comment", "id": 2, "text": "再来"})
    assert ack["error"]["code"] == "slow_mode" and 0 < ack["error"]["retry_after"] <= 30
    await settings(server, code, slow_mode_s=0)
    ack = await send(ws, {"type": "comment", "id": 3, "text": "你 好！"})
    assert ack["error"]["code"] == "repeated"
    ack = await send(ws, {"type": "question", "id": 4, "text": "开讲前能问吗？"})
    assert ack["error"]["code"] == "not_live"
    await server.moderate(code, "status", {"status": "live"})
    assert (await send(ws, {"type": "question", "id": 5, "text": "开讲前能问吗？"}))["ok"]
    await settings(server, code, comments_open=False)
    assert (await send(ws, {"type": "comment", "id": 6, "text": "关了"}))["error"]["code"] == "closed"


async def test_ban_refuses_everything_and_lifting_restores(server, lecture):
    code = lecture["code"]
    await server.moderate(code, "status", {"status": "live"})
    troll, other = await joined(server, code), await joined(server, code)
    ack = await send(other, {"type": "question", "id": "q", "text": "好问题"})
    qid = ack["ref"]
    ack = await send(troll, {"type": "comment", "id": 1, "text": "捣乱", "nickname": "小黑"})
    status, rec = await server.moderate(code, f"comments/{ack['ref']}/ban")
    assert status == 200 and rec["mode"] == "banned" and rec["nickname"] == "小黑"
    for msg in ({"type": "comment", "id": 2, "text": "还在"}, {"type": "question", "id": 3, "text": "?"},
                {"type": "vote", "id": 4, "question": qid, "up": True}, {"type": "like", "id": 5, "count": 3}):
        ack = await send(troll, msg)
        assert ack["error"]["code"] == "banned", msg
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/restrictions", token=server.admin_token)
    assert [r["viewer"] for r in body["restrictions"]] == [rec["viewer"]]
    status, lifted = await server.moderate(code, "restrictions", {"viewer": rec["viewer"], "mode": "none"})
    assert status == 200 and lifted["mode"] == "none"
    assert (await send(troll, {"type": "comment", "id": 6, "text": "我改"}))["ok"]
    status, body = await server.moderate(code, "restrictions", {"viewer": "nobody1234", "mode": "banned"})
    assert status == 404


async def test_a_muted_viewer_sees_their_comments_and_nobody_else_does(server, lecture):
    code = lecture["code"]
    muted = await server.connect(code)
    token = (await recv(muted, "welcome"))["viewer"]
    other = await joined(server, code)
    ack = await send(muted, {"type": "comment", "id": 1, "text": "第一次"})
    await recv_events(other, 1)
    status, _ = await server.moderate(code, f"comments/{ack['ref']}/mute")
    assert status == 200
    ack = await send(muted, {"type": "comment", "id": 2, "text": "没人看见"})
    assert ack["ok"] and "held" not in ack and ack["record"]["state"] == "visible"
    got = await recv_events(muted, 2)
    assert "viewer.restricted" not in {e["kind"] for e in got}  # not told
    mine = [e for e in got if e["kind"] == "comment.created"]
    assert mine[-1]["data"]["state"] == "visible" and mine[-1]["data"]["text"] == "没人看见"
    seen = await recv_events(other, 2)
    assert all(e["kind"] == "private" for e in seen)
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/comments")
    assert [c["text"] for c in body["comments"]] == ["第一次"]
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/comments", token=server.admin_token)
    assert body["comments"][-1]["state"] == "muted" and body["comments"][-1]["restricted"] == "muted"
    # After a reload the muted viewer still sees their own comment on the wall; others do not.
    again = await server.connect(code, viewer=token)
    wall = (await recv(again, "welcome"))["snapshot"]["comments"]
    assert [(c["text"], c["state"]) for c in wall] == [("第一次", "visible"), ("没人看见", "visible")]
    fresh = await server.connect(code)
    assert [c["text"] for c in (await recv(fresh, "welcome"))["snapshot"]["comments"]] == ["第一次"]


async def test_merging_a_duplicate_adds_its_votes(server, lecture):
    code = lecture["code"]
    await server.moderate(code, "status", {"status": "live"})
    viewers = [await joined(server, code) for _ in range(3)]
    a = (await send(viewers[0], {"type": "question", "id": "a", "text": "劳模怎么评？"}))["ref"]
    b = (await send(viewers[1], {"type": "question", "id": "b", "text": "劳模是怎么评出来的？"}))["ref"]
    for i, ws in enumerate(viewers):
        await send(ws, {"type": "vote", "id": f"va{i}", "question": a, "up": True})
    await send(viewers[2], {"type": "vote", "id": "vb2", "question": b, "up": True})
    await send(viewers[1], {"type": "vote", "id": "vb1", "question": b, "up": True})
    status, target = await server.moderate(code, f"questions/{b}", {"merge_into": a})
    assert status == 200 and target["id"] == a and target["votes"] == 3 and target["merged"] == [b]
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/questions")
    assert [(q["id"], q["votes"]) for q in body["questions"]] == [(a, 3)]
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/questions?state=dismissed",
                                        token=server.admin_token)
    assert body["questions"][0]["merged_into"] == a
    status, body = await server.moderate(code, f"questions/{a}", {"merge_into": a})
    assert status == 400


async def test_two_moderators_on_the_same_item_act_once(server, lecture):
    code = lecture["code"]
    await server.moderate(code, "status", {"status": "live"})
    watcher = await server.connect(code)
    await recv(watcher, "welcome")
    ws = await joined(server, code)
    c = (await send(ws, {"type": "comment", "id": 1, "text": "精彩"}))["ref"]
    q = (await send(ws, {"type": "question", "id": 2, "text": "问"}))["ref"]
    await recv_events(watcher, 2)
    path = f"/api/v1/lectures/{code}"
    results = await asyncio.gather(*(
        server.request("POST", f"{path}/comments/{c}/feature", {}, token=server.admin_token) for _ in range(2)))
    assert [s for s, _ in results] == [200, 200] and all(r["featured"] for _, r in results)
    results = await asyncio.gather(*(
        server.request("POST", f"{path}/questions/{q}", {"state": target, "expect": "approved"},
                       token=server.admin_token) for target in ("answering", "dismissed")))
    statuses = sorted(s for s, _ in results)
    assert statuses == [200, 409], results
    loser = next(body for s, body in results if s == 409)
    assert loser["error"]["code"] == "conflict" and loser["error"]["state"] in ("answering", "dismissed")
    events = await recv_events(watcher, 2)
    assert [e["kind"] for e in events] == ["comment.featured", "question.updated"]
    with pytest.raises(asyncio.TimeoutError):
        await recv(watcher, "events", timeout=0.5)


async def test_the_audit_log_names_who_did_what(server, lecture):
    code = lecture["code"]
    ws = await joined(server, code)
    c = (await send(ws, {"type": "comment", "id": 1, "text": "要隐藏的"}))["ref"]
    await server.request("POST", f"/api/v1/lectures/{code}/comments/{c}/hide", {}, token=server.admin_token)
    async with server.http.post(f"{server.url}/api/v1/lectures/{code}/status", json={"status": "live"},
                                headers={"Authorization": f"Bearer {lecture['moderator_key']}",
                                         "X-Moderator-Name": "导播小王"}) as r:
        assert r.status == 200
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/audit", token=server.admin_token)
    entries = body["entries"]
    assert entries[0]["by"] == "导播小王" and entries[0]["status"] == "live"
    assert entries[1]["by"] == "admin" and entries[1]["kind"] == "comment.hidden" and entries[1]["target"] == c
    # Moderators' sockets see who acted; viewers do not.
    mod = await server.connect(code, headers={"Authorization": f"Bearer {server.admin_token}"})
    welcome = await recv(mod, "welcome")
    assert welcome["snapshot"]["moderation"]["audit"][-1]["by"] == "导播小王"
    await server.request("POST", f"/api/v1/lectures/{code}/comments/{c}/restore", {}, token=server.admin_token)
    event = (await recv_events(mod, 1))[0]
    assert event["by"] == "admin" and event["viewer"]
    event = (await recv_events(ws, 1))[-1]
    assert "by" not in event and "viewer" not in event


async def test_figures_are_sampled_and_the_report_masks_nicknames(tmp_path, backend):
    server = await start_server(tmp_path / "data", sample_s=1, **backend)
    try:
        lec = await server.create_lecture(speakers=[{"name": "陈亮", "title": "劳模"}])
        code = lec["code"]
        ws = await joined(server, code)
        c = (await send(ws, {"type": "comment", "id": 1, "text": "向劳模致敬", "nickname": "张三丰"}))["ref"]
        await server.moderate(code, f"comments/{c}/feature")
        await asyncio.sleep(2.3)
        status, figures = await server.request("GET", f"/api/v1/lectures/{code}/figures")
        assert status == 200 and figures["every_s"] == 1 and len(figures["samples"]) >= 2
        assert figures["samples"][-1]["online"] == 1 and figures["samples"][-1]["comments"] == 1
        ts = [s["t"] for s in figures["samples"]]
        assert ts == sorted(ts) and len(set(ts)) == len(ts)
        async with server.http.get(f"{server.url}/api/v1/lectures/{code}/export?format=md&mask=1",
                                   headers={"Authorization": f"Bearer {server.admin_token}"}) as r:
            md = await r.text()
        assert "张**" in md and "张三丰" not in md and "嘉宾：陈亮（劳模）" in md and "精彩留言摘录" in md
        status, data = await server.request("GET", f"/api/v1/lectures/{code}/export?format=json",
                                            token=server.admin_token)
        assert data["featured_comments"][0]["nickname"] == "张三丰" and data["samples"]
    finally:
        await stop_server(server)


async def test_another_node_loads_word_lists_bans_and_the_audit_from_redis(tmp_path, redis_server):
    redis_server.flush()
    first = await start_server(tmp_path / "a", redis_url=redis_server.url)
    try:
        code = (await first.create_lecture())["code"]
        ws = await first.connect(code)
        token = (await recv(ws, "welcome"))["viewer"]
        c = (await send(ws, {"type": "comment", "id": 1, "text": "捣乱", "nickname": "小黑"}))["ref"]
        await first.request("PUT", f"/api/v1/lectures/{code}/words", {"blocked": ["禁词"], "watch": ["广告"]},
                            token=first.admin_token)
        await first.moderate(code, f"comments/{c}/ban")
    finally:
        await stop_server(first)
    second = await start_server(tmp_path / "b", redis_url=redis_server.url)
    try:
        status, body = await second.request("GET", f"/api/v1/lectures/{code}/words", token=second.admin_token)
        assert body["blocked"] == ["禁词"] and body["watch"] == ["广告"]
        status, body = await second.request("GET", f"/api/v1/lectures/{code}/restrictions", token=second.admin_token)
        assert [(r["mode"], r["nickname"]) for r in body["restrictions"]] == [("banned", "小黑")]
        status, body = await second.request("GET", f"/api/v1/lectures/{code}/audit", token=second.admin_token)
        assert [e["kind"] for e in body["entries"]] == ["viewer.restricted", "words.updated"]
        other = await joined(second, code)
        assert (await send(other, {"type": "comment", "id": 2, "text": "禁 词"}))["error"]["code"] == "blocked"
        # The banned viewer, coming back with their token, is still banned on this node.
        back = await second.connect(code, viewer=token)
        await recv(back, "welcome")
        assert (await send(back, {"type": "comment", "id": 3, "text": "我又来了"}))["error"]["code"] == "banned"
    finally:
        await stop_server(second)
