"""Comments from other platforms: the ingest API, on both backends."""

from __future__ import annotations

from typing import Any

from tests.conftest import Server, recv, recv_events


async def ingest(server: Server, code: str, token: str, body: Any) -> tuple[int, Any]:
    return await server.request("POST", f"/api/v1/lectures/{code}/ingest", body, token=token)


async def test_ingested_comments_are_moderated_counted_and_shown_like_the_rest(unlimited):
    server = unlimited
    lec = await server.create_lecture(settings={"question_mode": "held"})
    code, token = lec["code"], lec["ingest_token"]
    await server.request("PUT", f"/api/v1/lectures/{code}/words", {"blocked": ["禁词"]}, token=server.admin_token)
    ws = await server.connect(code)
    await recv(ws, "welcome")
    messages = [
        {"id": "wb-1", "author": "微博网友甲", "text": "直播间打卡！"},
        {"id": "wb-2", "author": "微博网友乙", "text": "陈师傅怎么练成的？", "type": "question"},
        {"id": "wb-3", "author": "微博网友丙", "text": "含禁词的留言"},
        {"id": "wb-4", "author": "微博网友丙", "text": ""},
        {"author": "no id", "text": "x"},
        {"id": "wb-5", "author": "微博网友丁", "text": "点赞", "type": "like"},
    ]
    status, body = await ingest(server, code, token, {"source": "weibo", "messages": messages})
    assert status == 200
    acks = body["acks"]
    assert [a["id"] for a in acks] == ["wb-1", "wb-2", "wb-3", "wb-4", None, "wb-5"]
    assert acks[0]["ok"] and acks[0]["record"]["source"] == "weibo" and acks[0]["record"]["nickname"] == "微博网友甲"
    assert acks[1]["ok"] and acks[1]["held"] and acks[1]["record"]["state"] == "pending"
    assert [a["error"]["code"] for a in acks[2:]] == ["blocked", "empty", "invalid", "invalid"]
    events = await recv_events(ws, 2)
    assert events[0]["data"]["text"] == "直播间打卡！" and events[0]["data"]["source"] == "weibo"
    assert events[1]["kind"] == "private"
    # A retry of the same batch creates nothing twice.
    status, again = await ingest(server, code, token, {"source": "weibo", "messages": messages[:2]})
    assert [a["ref"] for a in again["acks"]] == [acks[0]["ref"], acks[1]["ref"]]
    status, stats = await server.request("GET", f"/api/v1/lectures/{code}/stats")
    assert stats["comments"] == 1 and stats["questions"] == 1
    # Moderators ban an external author like a viewer.
    status, _ = await server.moderate(code, f"comments/{acks[0]['ref']}/ban")
    assert status == 200
    status, body = await ingest(server, code, token, {"source": "weibo", "messages": [
        {"id": "wb-9", "author": "微博网友甲", "text": "我又来了"}, {"id": "wb-10", "author": "别人", "text": "我没事"}]})
    assert [a["ok"] for a in body["acks"]] == [False, True] and body["acks"][0]["error"]["code"] == "banned"


async def test_only_the_ingest_token_or_a_moderator_may_ingest(server, lecture):
    code = lecture["code"]
    msg = {"source": "douyin", "messages": [{"id": 1, "author": "抖音用户", "text": "来了"}]}
    for token, expected in ((None, 401), ("nope", 403), (lecture["moderator_key"], 200), (server.admin_token, 200)):
        status, _ = await ingest(server, code, token, msg)
        assert status == expected, token
    other = await server.create_lecture(title="另一场")
    status, _ = await ingest(server, code, other["ingest_token"], msg)
    assert status == 403
    for bad in ({"source": "Weibo!", "messages": msg["messages"]}, {"source": "weibo", "messages": []},
                {"source": "weibo", "messages": "x"}):
        status, body = await ingest(server, code, lecture["ingest_token"], bad)
        assert status == 400, bad
    # A key rotation replaces the ingest token too.
    status, rotated = await server.moderate(code, "moderator-key")
    status, _ = await ingest(server, code, lecture["ingest_token"], msg)
    assert status == 403
    status, _ = await ingest(server, code, rotated["ingest_token"], msg)
    assert status == 200


async def test_the_example_adapter_replays_a_chat_file(server, lecture):
    import asyncio
    from pathlib import Path

    from examples.ingest_replay import replay

    chat = Path(__file__).resolve().parents[2] / "examples" / "weibo-chat.jsonl"
    counts = await asyncio.to_thread(replay, server.url, lecture["code"], lecture["ingest_token"], "weibo", chat, 0)
    status, body = await server.request("GET", f"/api/v1/lectures/{lecture['code']}/comments")
    assert [c["nickname"] for c in body["comments"]] == ["微博网友甲", "梁溪小李", "工匠之家"]
    assert {c["source"] for c in body["comments"]} == {"weibo"}
    status, body = await server.request("GET", f"/api/v1/lectures/{lecture['code']}/questions")
    assert [q["text"] for q in body["questions"]] == ["一线工人怎样才能成长为技术骨干？"]
    # The fifth repeats the first author's text: flood control refuses it.
    assert counts == {"sent": 5, "ok": 4, "held": 0, "refused": 1}
