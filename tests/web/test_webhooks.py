"""Outbound webhooks against a real receiver (an aiohttp server in the
test): signed, retried with backoff, given up, sent once per event however
many nodes follow the lecture, and never in the way of the moderator."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import pytest
from aiohttp import web

from tests.conftest import Server, free_port, recv, start_server, stop_server

SECRET = "whsec-劳模-2026"
DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def _documented_verify() -> Callable[..., bool]:
    """The receiver's check exactly as docs/webhooks.md gives it (its first Python block)."""
    snippet = DOC.read_text(encoding="utf-8").split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, Any] = {}
    exec(snippet, scope)
    return scope["verify"]


verify = _documented_verify()


@dataclass
class Receiver:
    """A webhook receiver: answers each POST with the next planned status
    (then 200), after ``delay`` seconds; keeps every attempt."""

    plan: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    delay: float = 0.0
    attempts: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.attempts.append({"headers": dict(request.headers), "raw": raw, "body": json.loads(raw),
                              "at": time.monotonic()})
        if self.delay:
            await asyncio.sleep(self.delay)
        status, headers = self.plan.popleft() if self.plan else (200, {})
        return web.Response(status=status, headers=headers, text="ok" if status < 300 else "no")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hooks", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/hooks"

    def delivered(self) -> dict[str, dict[str, Any]]:
        """Deliveries the receiver accepted, by id: the receiver's own dedup."""
        return {a["headers"]["X-Live-Delivery"]: a["body"] for a in self.attempts}

    async def wait_for(self, n: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.attempts) < n:
            assert time.monotonic() < deadline, f"{len(self.attempts)} of {n} attempts arrived"
            await asyncio.sleep(0.02)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    try:
        yield r
    finally:
        assert r.runner is not None
        await r.runner.cleanup()


def hook_settings(*urls: str, **extra: Any) -> dict[str, Any]:
    return {"webhook_urls": urls, "webhook_secret": SECRET, "webhook_backoff_s": 0.05, "webhook_attempts": 4,
            "webhook_timeout_s": 5.0, **extra}


@pytest.fixture
async def node(tmp_path, backend, receiver) -> AsyncIterator[Server]:
    s = await start_server(tmp_path / "data", **backend, **hook_settings(receiver.url))
    try:
        yield s
    finally:
        await stop_server(s)


async def api(server: Server, path: str, body: Any = None, method: str = "POST") -> Any:
    status, answer = await server.request(method, path, body, token=server.admin_token)
    assert status in (200, 201), answer
    return answer


async def post(server: Server, code: str, kind: str, text: str) -> str:
    ws = await server.connect(code)
    await recv(ws, "welcome")
    await ws.send(json.dumps({"type": kind, "id": 1, "text": text, "nickname": "阿丽"}))
    ack = await recv(ws, "ack")
    assert ack["ok"], ack
    await ws.close()
    return ack["ref"]


async def metric(server: Server, result: str) -> int:
    _, text = await server.request("GET", "/metrics")
    line = next(line for line in text.splitlines() if line.startswith(f'live_webhooks_total{{result="{result}"}}'))
    return int(line.split()[-1])


async def test_the_four_events_signed_and_verifiable(node, receiver):
    lecture = await node.create_lecture(title="“劳模精神”大家谈", series="五一特辑")
    code, base = lecture["code"], f"/api/v1/lectures/{lecture['code']}"
    comment = await post(node, code, "comment", "劳模精神值得学习")
    question = await post(node, code, "question", "怎么练成的？")
    await api(node, f"{base}/status", {"status": "live"})
    await api(node, f"{base}/comments/{comment}/feature")
    await api(node, f"{base}/comments/{comment}/feature")  # already featured: no event, no webhook
    await api(node, f"{base}/questions/{question}", {"state": "answered", "answer": "勤学苦练"})
    await api(node, f"{base}/questions/{question}", {"answer": "更正：勤学苦练，久久为功"})  # an edit is no new answer
    await api(node, f"{base}/status", {"status": "ended"})
    await receiver.wait_for(4)
    await asyncio.sleep(0.3)
    assert len(receiver.attempts) == 4
    by_type = {a["body"]["type"]: a for a in receiver.attempts}
    assert set(by_type) == {"lecture.live", "comment.featured", "question.answered", "lecture.ended"}
    for attempt in receiver.attempts:
        headers, body = attempt["headers"], attempt["body"]
        signature = headers["X-Live-Signature"]
        assert verify(SECRET, signature, attempt["raw"])
        assert not verify("another secret", signature, attempt["raw"])
        assert not verify(SECRET, signature, attempt["raw"] + b" ")
        t = int(signature.split(",")[0][2:])
        assert abs(t - time.time()) < 10
        # Played again an hour later, the same request is refused.
        old = t - 3600
        mac = hmac.new(SECRET.encode(), f"{old}.".encode() + attempt["raw"], hashlib.sha256).hexdigest()
        assert not verify(SECRET, f"t={old},v1={mac}", attempt["raw"])
        assert headers["X-Live-Event"] == body["type"] and headers["X-Live-Delivery"] == body["id"]
        assert headers["Content-Type"] == "application/json"
        assert set(body) == {"id", "type", "at", "lecture", "data"}
        assert body["lecture"]["code"] == code and body["lecture"]["title"] == "“劳模精神”大家谈"
        assert body["lecture"]["series"] == "五一特辑" and body["lecture"]["urls"]["viewer"] == f"/l/{code}"
    assert by_type["lecture.live"]["body"]["data"]["previous"] == "scheduled"
    assert by_type["lecture.ended"]["body"]["lecture"]["status"] == "ended"
    featured = by_type["comment.featured"]["body"]["data"]
    assert featured["id"] == comment and featured["text"] == "劳模精神值得学习" and "viewer" not in featured
    answered = by_type["question.answered"]["body"]["data"]
    assert (answered["id"], answered["answer"]) == (question, "勤学苦练")
    assert len(receiver.delivered()) == 4 and await metric(node, "delivered") == 4


async def test_retried_after_500_and_429_then_delivered_once(node, receiver):
    receiver.plan.extend([(500, {}), (429, {"Retry-After": "1"})])
    code = (await node.create_lecture())["code"]
    await api(node, f"/api/v1/lectures/{code}/status", {"status": "live"})
    await receiver.wait_for(3)
    first, second, third = receiver.attempts
    assert first["headers"]["X-Live-Delivery"] == second["headers"]["X-Live-Delivery"] == \
        third["headers"]["X-Live-Delivery"]
    assert first["raw"] == second["raw"] == third["raw"]  # the same body, signed anew each time
    assert third["at"] - second["at"] >= 0.95  # Retry-After was honoured
    await asyncio.sleep(0.5)
    assert len(receiver.attempts) == 3 and len(receiver.delivered()) == 1
    assert (await metric(node, "retried"), await metric(node, "delivered"), await metric(node, "failed")) == (2, 1, 0)


async def test_given_up_after_the_attempts(node, receiver):
    receiver.plan.extend([(503, {})] * 10)
    code = (await node.create_lecture())["code"]
    await api(node, f"/api/v1/lectures/{code}/status", {"status": "live"})
    await receiver.wait_for(4)
    await asyncio.sleep(1.0)  # backoff 0.05 doubling: a fifth attempt would have come by now
    assert len(receiver.attempts) == 4
    assert await metric(node, "failed") == 1 and await metric(node, "retried") == 3


async def test_a_client_error_is_not_retried(node, receiver):
    receiver.plan.append((400, {}))
    code = (await node.create_lecture())["code"]
    await api(node, f"/api/v1/lectures/{code}/status", {"status": "live"})
    await receiver.wait_for(1)
    await asyncio.sleep(0.5)
    assert len(receiver.attempts) == 1
    assert await metric(node, "failed") == 1 and await metric(node, "retried") == 0


async def test_an_unreachable_receiver_is_retried_then_given_up(tmp_path, receiver):
    dead = f"http://127.0.0.1:{free_port()}/hooks"  # nobody listens
    server = await start_server(tmp_path / "data", **hook_settings(dead, receiver.url, webhook_attempts=3))
    try:
        code = (await server.create_lecture())["code"]
        await api(server, f"/api/v1/lectures/{code}/status", {"status": "live"})
        deadline = time.monotonic() + 10
        while await metric(server, "failed") < 1:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        # Each URL has its own delivery: the live receiver had it at once.
        assert len(receiver.attempts) == 1
        assert await metric(server, "retried") == 2 and await metric(server, "delivered") == 1
    finally:
        await stop_server(server)


async def test_a_slow_receiver_does_not_slow_the_moderator(node, receiver):
    receiver.delay = 3.0
    code = (await node.create_lecture())["code"]
    started = time.monotonic()
    await api(node, f"/api/v1/lectures/{code}/status", {"status": "live"})
    await api(node, f"/api/v1/lectures/{code}/status", {"status": "ended"})
    assert time.monotonic() - started < 1.0
    await receiver.wait_for(2)  # both on their way at once, neither waiting for the other
    assert receiver.attempts[1]["at"] - receiver.attempts[0]["at"] < 1.0
    deadline = time.monotonic() + 10
    while await metric(node, "delivered") < 2:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)


async def test_one_delivery_per_event_across_nodes(tmp_path, redis_server, receiver):
    redis_server.flush()
    a, b = [await start_server(tmp_path / name, redis_url=redis_server.url, **hook_settings(receiver.url))
            for name in ("a", "b")]
    try:
        code = (await a.create_lecture())["code"]
        base = f"/api/v1/lectures/{code}"
        # Viewers on both nodes: each follows the lecture's log and hears every event.
        watchers = []
        for server in (a, b):
            ws = await server.connect(code)
            await recv(ws, "welcome")
            watchers.append(ws)
        comment = await post(a, code, "comment", "跨节点的留言")
        question = await post(b, code, "question", "跨节点的提问")
        await api(a, f"{base}/status", {"status": "live"})
        await api(b, f"{base}/comments/{comment}/feature")
        await api(a, f"{base}/questions/{question}", {"state": "answering"})
        await api(b, f"{base}/questions/{question}", {"state": "answered"})
        await api(b, f"{base}/status", {"status": "ended"})
        await receiver.wait_for(4)
        await asyncio.sleep(1.0)  # time enough for a second copy from the other node
        types = sorted(a["body"]["type"] for a in receiver.attempts)
        assert types == ["comment.featured", "lecture.ended", "lecture.live", "question.answered"]
        assert len(receiver.delivered()) == 4
        # Each change was sent by the node that committed it: a went live; b featured, answered, ended.
        assert (await metric(a, "delivered"), await metric(b, "delivered")) == (1, 3)
    finally:
        await stop_server(a)
        await stop_server(b)
