"""A real `live serve` process: drain on SIGTERM, state across restarts and crashes."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time

import websockets

from tests.conftest import ROOT, recv, recv_events, spawn


def ws_url(proc, code, **params):
    from urllib.parse import urlencode

    return proc.url.replace("http", "ws", 1) + f"/ws/{code}" + ("?" + urlencode(params) if params else "")


async def test_sigterm_closes_every_websocket_with_1012_and_exits_0(live_server):
    lec = live_server.create_lecture()
    clients = [await websockets.connect(ws_url(live_server, lec["code"])) for _ in range(5)]
    for ws in clients:
        await recv(ws, "welcome")
    await clients[0].send(json.dumps({"type": "comment", "id": 1, "text": "最后一条"}))
    assert (await recv(clients[0], "ack"))["ok"]
    started = time.monotonic()
    live_server.proc.send_signal(signal.SIGTERM)
    for ws in clients:
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed:
            pass
        assert ws.close_code == 1012
    code = await asyncio.get_running_loop().run_in_executor(None, live_server.proc.wait, 10)
    assert code == 0
    assert time.monotonic() - started < 10
    assert "draining" in live_server.output


async def test_state_survives_a_restart_and_seq_continues(tmp_path):
    data = tmp_path / "data"
    first = spawn(data)
    try:
        lec = first.create_lecture(speakers=[{"name": "陈亮"}])
        code = lec["code"]
        a = await websockets.connect(ws_url(first, code))
        welcome = await recv(a, "welcome")
        b = await websockets.connect(ws_url(first, code))
        await recv(b, "welcome")
        await a.send(json.dumps({"type": "comment", "id": "c", "text": "重启前的留言", "nickname": "晨"}))
        ack_comment = await recv(a, "ack")
        await a.send(json.dumps({"type": "question", "id": "q", "text": "重启后还在吗？"}))
        qid = (await recv(a, "ack"))["ref"]
        await b.send(json.dumps({"type": "vote", "id": "v", "question": qid}))
        await recv(b, "ack")
        await a.send(json.dumps({"type": "like", "id": "l", "count": 12}))
        await recv(a, "ack")
        first.moderate(code, "comments/c1/feature")
        await recv_events(a, 3)
        before = first.call("GET", f"/api/v1/lectures/{code}/stats")
        await a.close(), await b.close()
    finally:
        assert first.stop() == 0
    second = spawn(data, port=None)
    try:
        after = second.call("GET", f"/api/v1/lectures/{code}/stats")
        for key in ("visits", "unique_viewers", "likes", "comments", "questions", "peak_online"):
            assert after[key] == before[key], key
        assert after["likes"] == 12 and after["unique_viewers"] == 2
        # resume across the restart: same epoch, the seq it had
        ws = await websockets.connect(ws_url(second, code, since=1, epoch=welcome["epoch"], viewer=welcome["viewer"]))
        w = await recv(ws, "welcome")
        assert w["resumed"] is True and w["seq"] == 3 and w["epoch"] == welcome["epoch"]
        assert [e["seq"] for e in await recv_events(ws, 2)] == [2, 3]
        # the same client id is still remembered
        await ws.send(json.dumps({"type": "comment", "id": "c", "text": "重启前的留言", "nickname": "晨"}))
        assert await recv(ws, "ack") == ack_comment
        await ws.send(json.dumps({"type": "comment", "id": "new", "text": "重启后的留言"}))
        assert (await recv(ws, "ack"))["ref"] == "c4"
        questions = second.call("GET", f"/api/v1/lectures/{code}/questions")["questions"]
        assert questions[0]["votes"] == 1
        fresh = await websockets.connect(ws_url(second, code, viewer=welcome["viewer"]))
        snap = (await recv(fresh, "welcome"))["snapshot"]
        assert [c["text"] for c in snap["comments"]] == ["重启前的留言", "重启后的留言"]
        assert snap["comments"][0]["featured"] is True
        await ws.close(), await fresh.close()
    finally:
        assert second.stop() == 0


async def test_a_crash_loses_no_acknowledged_write_and_changes_the_epoch(tmp_path):
    data = tmp_path / "data"
    first = spawn(data)
    lec = first.create_lecture()
    code = lec["code"]
    clients = [await websockets.connect(ws_url(first, code)) for _ in range(4)]
    welcomes = [await recv(ws, "welcome") for ws in clients]
    acked = []
    for round_ in range(3):
        for i, ws in enumerate(clients):
            await ws.send(json.dumps({"type": "comment", "id": f"{round_}-{i}", "text": f"第{round_}轮 {i}"}))
        for ws in clients:
            ack = await recv(ws, "ack")
            assert ack["ok"]
            acked.append(ack["record"]["text"])
    first.stop(signal.SIGKILL)
    for ws in clients:
        await ws.close()
    second = spawn(data)
    try:
        texts = [c["text"] for c in second.call("GET", f"/api/v1/lectures/{code}/comments")["comments"]]
        assert sorted(texts) == sorted(acked)
        ws = await websockets.connect(ws_url(second, code, since=12, epoch=welcomes[0]["epoch"]))
        w = await recv(ws, "welcome")
        assert w["epoch"] != welcomes[0]["epoch"] and w["resumed"] is False
        assert len(w["snapshot"]["comments"]) == 12
        await ws.close()
    finally:
        assert second.stop() == 0


def test_admin_token_is_generated_once_printed_once_and_kept(tmp_path):
    data = tmp_path / "data"
    first = spawn(data, admin_token=None)
    token = (data / "admin_token").read_text().strip()
    first.admin_token = token
    assert token and f"admin token" in first.output and token in first.output
    assert first.create_lecture(title="令牌测试")["code"]
    assert first.stop() == 0
    second = spawn(data, admin_token=None)
    try:
        assert second.output.count(token) == 1  # only the first run's line
        second.admin_token = token
        assert second.call("GET", "/api/v1/lectures")["lectures"][0]["title"] == "令牌测试"
    finally:
        second.stop()


def test_lecture_create_command_prints_the_links(live_server):
    out = subprocess.run(
        [sys.executable, "-m", "live", "lecture", "create", "--server", live_server.url, "--title", "工匠精神",
         "--speaker", "陈亮:班组副班长", "--speaker", "唐忠宝", "--starts-at", "2026-05-01T19:00:00+08:00"],
        capture_output=True, text=True, cwd=ROOT, timeout=30,
        env={"LIVE_ADMIN_TOKEN": live_server.admin_token, "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    assert "viewer:" in out.stdout and "/l/" in out.stdout and "moderator key:" in out.stdout
    [lec] = live_server.call("GET", "/api/v1/lectures")["lectures"]
    assert lec["speakers"] == [{"name": "陈亮", "title": "班组副班长"}, {"name": "唐忠宝", "title": None}]
    bad = subprocess.run(
        [sys.executable, "-m", "live", "lecture", "create", "--server", live_server.url, "--title", "x"],
        capture_output=True, text=True, cwd=ROOT, timeout=30,
        env={"LIVE_ADMIN_TOKEN": "wrong", "PATH": "/usr/bin:/bin"},
    )
    assert bad.returncode != 0 and "forbidden" in bad.stderr


def test_readyz_and_healthz_on_a_process(live_server):
    assert live_server.call("GET", "/healthz") == {"ok": True}
    assert live_server.call("GET", "/readyz")["ok"] is True
