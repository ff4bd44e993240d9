"""Several nodes on one Redis: one lecture, one log, one count."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import urllib.request

import pytest
import websockets

from tests.conftest import UNLIMITED, RedisServer, free_port, recv, recv_events, spawn, start_server, stop_server


@pytest.fixture
async def nodes(tmp_path, redis_server):
    redis_server.flush()
    started = [await start_server(tmp_path / f"node{i}", redis_url=redis_server.url, **UNLIMITED) for i in range(3)]
    try:
        yield started
    finally:
        for node in started:
            await stop_server(node)


async def test_a_comment_on_one_node_reaches_viewers_on_the_others(nodes):
    a, b, c = nodes
    lec = await a.create_lecture()
    code = lec["code"]
    watchers = [await node.connect(code) for node in (b, c)]
    for ws in watchers:
        await recv(ws, "welcome")
    author = await a.connect(code)
    await recv(author, "welcome")
    await author.send(json.dumps({"type": "comment", "id": 1, "text": "跨节点的留言"}))
    ack = await recv(author, "ack")
    for ws in watchers:
        [event] = await recv_events(ws, 1)
        assert event["data"] == ack["record"]


async def test_concurrent_posts_on_three_nodes_are_gapless_and_in_one_order(nodes):
    code = (await nodes[0].create_lecture())["code"]
    watchers = [await node.connect(code) for node in nodes]
    for ws in watchers:
        await recv(ws, "welcome")
    posters = [[await node.connect(code) for _ in range(3)] for node in nodes]
    for group in posters:
        for ws in group:
            await recv(ws, "welcome")
    per_client = 10
    for n in range(per_client):
        for i, group in enumerate(posters):
            for j, ws in enumerate(group):
                await ws.send(json.dumps({"type": "comment", "id": n, "text": f"节点{i}-{j}-{n}"}))
    total = per_client * 9
    for group in posters:
        for ws in group:
            acks = [await recv(ws, "ack") for _ in range(per_client)]
            assert all(a["ok"] for a in acks)
    seen = [await recv_events(ws, total, timeout=15) for ws in watchers]
    for events in seen:
        assert [e["seq"] for e in events] == list(range(1, total + 1))
    assert seen[0] == seen[1] == seen[2]
    status, body = await nodes[1].request("GET", f"/api/v1/lectures/{code}/comments?limit=500")
    assert len(body["comments"]) == total


async def test_a_viewer_moves_to_another_node_and_misses_nothing(nodes):
    a, b, _ = nodes
    code = (await a.create_lecture())["code"]
    viewer = await a.connect(code)
    welcome = await recv(viewer, "welcome")
    poster = await b.connect(code)
    await recv(poster, "welcome")
    await poster.send(json.dumps({"type": "comment", "id": 0, "text": "第一条"}))
    assert (await recv(poster, "ack"))["id"] == 0
    seen = await recv_events(viewer, 1)
    await viewer.close()
    for i in range(1, 6):
        await poster.send(json.dumps({"type": "comment", "id": i, "text": f"第{i + 1}条"}))
        assert (await recv(poster, "ack"))["id"] == i
    await b.moderate(code, "comments/c1/feature")
    moved = await b.connect(code, since=seen[-1]["seq"], epoch=welcome["epoch"], viewer=welcome["viewer"])
    w = await recv(moved, "welcome")
    assert w["resumed"] is True and w["viewer"] == welcome["viewer"]
    events = await recv_events(moved, 6)
    assert [e["seq"] for e in events] == [2, 3, 4, 5, 6, 7]
    assert events[-1]["kind"] == "comment.featured"


async def test_one_vote_per_viewer_across_nodes_and_tallies_everywhere(nodes):
    a, b, c = nodes
    code = (await a.create_lecture())["code"]
    asker = await a.connect(code)
    first = await recv(asker, "welcome")
    await asker.send(json.dumps({"type": "question", "id": 1, "text": "跨节点投票？"}))
    qid = (await recv(asker, "ack"))["ref"]
    watcher = await c.connect(code)
    await recv(watcher, "welcome")
    # the same viewer on two nodes
    on_a = await a.connect(code, viewer=first["viewer"])
    on_b = await b.connect(code, viewer=first["viewer"])
    await recv(on_a, "welcome"), await recv(on_b, "welcome")
    await on_a.send(json.dumps({"type": "vote", "id": "x", "question": qid}))
    await on_b.send(json.dumps({"type": "vote", "id": "y", "question": qid}))
    assert (await recv(on_a, "ack"))["votes"] == 1
    assert (await recv(on_b, "ack"))["votes"] == 1

    async def tally_reaches_other_node():
        while (await recv(watcher, "votes"))["votes"].get(qid) != 1:
            pass
    await asyncio.wait_for(tally_reaches_other_node(), 5)
    status, body = await b.request("GET", f"/api/v1/lectures/{code}/questions")
    assert body["questions"][0]["votes"] == 1


async def test_rate_limits_are_shared_between_nodes(tmp_path, redis_server):
    redis_server.flush()
    a = await start_server(tmp_path / "a", redis_url=redis_server.url)
    b = await start_server(tmp_path / "b", redis_url=redis_server.url)
    try:
        code = (await a.create_lecture())["code"]
        first = await a.connect(code)
        viewer = (await recv(first, "welcome"))["viewer"]
        second = await b.connect(code, viewer=viewer)
        await recv(second, "welcome")
        results = []
        for i in range(4):  # the burst is 3 for the viewer, wherever it posts
            ws = (first, second)[i % 2]
            await ws.send(json.dumps({"type": "comment", "id": i, "text": f"快{i}"}))
            results.append((await recv(ws, "ack"))["ok"])
        assert results == [True, True, True, False]
    finally:
        await stop_server(a)
        await stop_server(b)


async def test_moderation_on_two_nodes_at_once_gives_one_consistent_result(nodes):
    a, b, _ = nodes
    code = (await a.create_lecture())["code"]
    ws = await a.connect(code)
    await recv(ws, "welcome")
    for i in range(2):
        await ws.send(json.dumps({"type": "question", "id": i, "text": f"问题{i}"}))
        await recv(ws, "ack")
    watcher = await b.connect(code)
    await recv(watcher, "welcome")
    # both nodes put a different question "answering now" at the same moment
    results = await asyncio.gather(
        a.moderate(code, "questions/q1", {"state": "answering"}),
        b.moderate(code, "questions/q2", {"state": "answering"}),
    )
    assert [status for status, _ in results] == [200, 200]
    status, qs = await a.request("GET", f"/api/v1/lectures/{code}/questions")
    states = sorted(q["state"] for q in qs["questions"])
    assert states == ["answered", "answering"]  # exactly one is being answered
    status, qs_b = await b.request("GET", f"/api/v1/lectures/{code}/questions")
    assert {q["id"]: q["state"] for q in qs["questions"]} == {q["id"]: q["state"] for q in qs_b["questions"]}
    events = await recv_events(watcher, 3)
    assert [e["seq"] for e in events] == [3, 4, 5]


async def test_online_is_the_sum_over_nodes_and_a_dead_node_drops_out(tmp_path, redis_server):
    redis_server.flush()
    env = {"LIVE_REDIS_URL": redis_server.url, "LIVE_ONLINE_STALE_S": "2", "LIVE_COUNTERS_MS": "100"}
    n1, n2 = spawn(tmp_path / "n1", **env), spawn(tmp_path / "n2", **env)
    try:
        code = n1.create_lecture()["code"]
        socks = [await websockets.connect(f"ws://127.0.0.1:{n.url.rsplit(':', 1)[1]}/ws/{code}")
                 for n in (n1, n1, n2, n2, n2)]
        for ws in socks:
            await recv(ws, "welcome")

        async def online_becomes(n: int, node) -> float:
            started = time.monotonic()
            while node.call("GET", f"/api/v1/lectures/{code}/stats")["online"] != n:
                await asyncio.sleep(0.1)
            return time.monotonic() - started

        await asyncio.wait_for(online_becomes(5, n1), 10)
        n2.stop(signal.SIGKILL)
        took = await asyncio.wait_for(online_becomes(2, n1), 15)
        assert took < 10
        assert n1.call("GET", f"/api/v1/lectures/{code}/stats")["peak_online"] == 5
    finally:
        n1.stop()
        n2.stop(signal.SIGKILL)


async def test_redis_down_then_back_keeps_viewers_refuses_writes_and_loses_nothing(tmp_path):
    redis = RedisServer(free_port(), tmp_path / "redis-aof")
    aof = ("--appendonly", "yes", "--appendfsync", "always")
    redis.start(*aof)
    try:
        server = await start_server(tmp_path / "node", redis_url=redis.url, **UNLIMITED)
        try:
            code = (await server.create_lecture())["code"]
            ws = await server.connect(code)
            welcome = await recv(ws, "welcome")
            watcher = await server.connect(code)
            await recv(watcher, "welcome")
            for i in range(5):
                await ws.send(json.dumps({"type": "comment", "id": i, "text": f"之前{i}"}))
                assert (await recv(ws, "ack"))["ok"]
            await recv_events(watcher, 5)
            redis.stop()
            status, body = await server.request("GET", "/readyz")
            assert status == 503
            await ws.send(json.dumps({"type": "comment", "id": "down", "text": "Redis 不在"}))
            ack = await recv(ws, "ack", timeout=15)
            assert ack["ok"] is False and ack["error"]["code"] == "unavailable"
            await ws.send(json.dumps({"type": "ping"}))
            await recv(ws, "pong")  # still connected
            newcomer = await server.connect(code)  # the node knows the lecture, but cannot welcome now
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(newcomer.recv(), 15)
            assert newcomer.close_code == 1013
            redis.start(*aof)
            deadline = time.monotonic() + 15
            while (await server.request("GET", "/readyz"))[0] != 200:
                assert time.monotonic() < deadline, "the node did not recover by itself"
                await asyncio.sleep(0.2)
            await ws.send(json.dumps({"type": "comment", "id": "down", "text": "Redis 不在"}))
            assert (await recv(ws, "ack", timeout=10))["ok"]
            events = await recv_events(watcher, 1, timeout=10)
            assert events[0]["seq"] == 6 and events[0]["data"]["text"] == "Redis 不在"
            status, body = await server.request("GET", f"/api/v1/lectures/{code}/comments")
            assert [c["text"] for c in body["comments"]] == [f"之前{i}" for i in range(5)] + ["Redis 不在"]
            assert welcome["epoch"] == (await recv(await server.connect(code), "welcome"))["epoch"]
        finally:
            await stop_server(server)
    finally:
        redis.stop()


def test_live_cluster_runs_nodes_on_its_own_redis_and_stops_them(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    from live.cluster import free_port_block

    base = free_port_block(3)  # two nodes and their redis-server
    proc = subprocess.Popen([sys.executable, "-m", "live", "cluster", "--nodes", "2", "--base-port", str(base),
                             "--data-dir", str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        while not lines or "node 2:" not in lines[-1]:
            line = proc.stdout.readline()
            assert line, f"live cluster ended early: {lines}"
            lines.append(line)
        assert any("live cluster: 2 nodes" in line for line in lines), lines
        token = (tmp_path / "node1" / "admin_token").read_text().strip()
        req = urllib.request.Request(f"http://127.0.0.1:{base}/api/v1/lectures", data=b'{"title": "two nodes"}',
                                     headers={"Authorization": f"Bearer {token}"}, method="POST")
        code = json.load(urllib.request.urlopen(req, timeout=10))["code"]
        other = json.load(urllib.request.urlopen(f"http://127.0.0.1:{base + 1}/api/v1/lectures/{code}", timeout=10))
        assert other["title"] == "two nodes"
        assert (tmp_path / "redis" / "appendonlydir").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
