"""Faults on a cluster of real `live serve` processes sharing one real
redis-server: a node killed, Redis restarted with its append-only file,
Redis coming back empty, a reconnect storm. The clients here reconnect the
way ``static/js/lib/live.js`` does (full-jitter backoff, resume with
``since``, ``epoch`` and ``viewer``) and check what each one saw: every
acknowledged comment exactly once, in seq order, with no gap.

Each test prints one line of figures (``pytest -s`` shows them)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import time
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest
import websockets
import websockets.exceptions

from tests.conftest import RedisServer, free_port, spawn

FAST = {"LIVE_COMMENT_RATE": "1000000", "LIVE_COMMENT_BURST": "1000000", "LIVE_TICK_MS": "50",
        "LIVE_COUNTERS_MS": "200"}
BACKOFF_BASE, BACKOFF_CAP = 0.5, 15.0  # live.js: backoffBase 500, backoffCap 15000 (ms), full jitter
CLOSED = (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException)


def jitter(attempt: int) -> float:
    """live.js ``jitter``: full jitter, capped."""
    return random.random() * min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)


def ws_url(http_url: str, code: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return http_url.replace("http", "ws", 1) + f"/ws/{code}" + (f"?{query}" if query else "")


class Viewer:
    """A viewer that reconnects like live.js: after a close it waits a
    full-jitter backoff and comes back (to the next node, as a load
    balancer would send it) with its last seq, epoch and viewer token. It
    keeps every event it is sent, duplicates and gaps included, so the test
    can see them; it follows a snapshot only where the server gives one."""

    def __init__(self, urls: list[str], code: str, node: int) -> None:
        self.urls, self.code, self.node = urls, code, node
        self.viewer: str | None = None
        self.epoch: str | None = None
        self.seq = 0
        self.base = 0  # the seq of the last snapshot: events are checked from there
        self.events: list[tuple[int, str | None]] = []  # (seq, comment id) as received
        self.duplicates = 0
        self.gaps: list[tuple[int, int]] = []
        self.welcomes: list[dict[str, Any]] = []  # {"resumed", "epoch", "seq", "at", "node"}
        self.closes = 0
        self.attempt = 0
        self.tries: list[float] = []  # when each connection attempt started
        self.connected = asyncio.Event()

    def url(self) -> str:
        resume = {"since": self.seq, "epoch": self.epoch} if self.epoch is not None else {}
        return ws_url(self.urls[self.node], self.code, viewer=self.viewer, **resume)

    async def run(self) -> None:
        while True:
            code = None
            self.tries.append(time.monotonic())
            try:
                async with websockets.connect(self.url(), max_queue=None, open_timeout=5, ping_interval=None,
                                              close_timeout=1) as ws:
                    async for raw in ws:
                        self.frame(json.loads(raw))
                code = ws.close_code
            except CLOSED:
                pass
            self.closes += 1
            self.connected.clear()
            self.attempt += 1
            self.node = (self.node + 1) % len(self.urls)
            # live.js: after 1012 (the node restarts) 100-1000 ms, else full jitter
            await asyncio.sleep(0.1 + random.random() * 0.9 if code == 1012 else jitter(self.attempt - 1))

    def frame(self, f: dict[str, Any]) -> None:
        if f["type"] == "welcome":
            self.welcomes.append({"resumed": f["resumed"], "epoch": f["epoch"], "seq": f["seq"],
                                  "at": time.monotonic(), "node": self.node})
            self.viewer = f["viewer"]
            if not f["resumed"]:  # a snapshot: start again from it
                self.epoch, self.seq, self.base = f["epoch"], f["seq"], f["seq"]
                self.events, self.duplicates, self.gaps = [], 0, []
            self.attempt = 0
            self.connected.set()
        elif f["type"] == "events":
            for e in f["events"]:
                if e["seq"] <= self.seq:
                    self.duplicates += 1
                    continue
                if e["seq"] != self.seq + 1:
                    self.gaps.append((self.seq, e["seq"]))
                self.seq = e["seq"]
                self.events.append((e["seq"], (e.get("data") or {}).get("id")))


class Publisher:
    """Posts comments one after another, each with a fresh id, and keeps
    every acknowledged one. A refusal with ``unavailable`` or a lost
    connection sends the same message again with the same id (after
    reconnecting, to the next node, as the same viewer), as live.js does."""

    def __init__(self, urls: list[str], code: str, node: int, name: str, interval: float = 0.01) -> None:
        self.urls, self.code, self.node, self.name, self.interval = urls, code, node, name, interval
        self.viewer: str | None = None
        self.acked: dict[str, dict[str, Any]] = {}  # message id -> the acknowledged record
        self.acked_at: dict[str, float] = {}
        self.unavailable = 0
        self.other_refusals: list[dict[str, Any]] = []
        self.stopping = False
        self.n = 0

    async def run(self) -> None:
        pending: str | None = None
        attempt = 0
        while not self.stopping or pending is not None:
            try:
                async with websockets.connect(ws_url(self.urls[self.node], self.code, viewer=self.viewer),
                                              max_queue=None, open_timeout=5, close_timeout=1) as ws:
                    while True:
                        f = json.loads(await asyncio.wait_for(ws.recv(), 10))
                        if f["type"] == "welcome":
                            self.viewer = f["viewer"]
                            break
                    attempt = 0
                    while not self.stopping or pending is not None:
                        if pending is None:
                            self.n += 1
                            pending = f"{self.name}-{self.n}"
                        await ws.send(json.dumps({"type": "comment", "id": pending, "text": f"留言 {pending}"}))
                        while True:
                            f = json.loads(await asyncio.wait_for(ws.recv(), 10))
                            if f["type"] == "ack" and f["id"] == pending:
                                break
                        if f["ok"]:
                            self.acked[pending] = f["record"]
                            self.acked_at[pending] = time.monotonic()
                            pending = None
                            await asyncio.sleep(self.interval)
                        elif f["error"]["code"] == "unavailable":
                            self.unavailable += 1
                            await asyncio.sleep(0.1)
                        else:
                            self.other_refusals.append(f)
                            pending = None
            except CLOSED:
                attempt += 1
                self.node = (self.node + 1) % len(self.urls)
                await asyncio.sleep(jitter(attempt - 1))


async def comments_of(http: aiohttp.ClientSession, url: str, code: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = 0
    while True:
        async with http.get(f"{url}/api/v1/lectures/{code}/comments?after={after}&limit=500") as r:
            assert r.status == 200, await r.text()
            body = await r.json()
        out += body["comments"]
        if body["next"] is None:
            return out
        after = body["next"]


async def ready(http: aiohttp.ClientSession, url: str) -> int:
    try:
        async with http.get(url + "/readyz", timeout=aiohttp.ClientTimeout(total=5)) as r:
            return r.status
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return 0


async def wait_for(predicate: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not await predicate():
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout} s"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def spawn_nodes(tmp_path: Any, n: int, redis_url: str, **env: str) -> list[Any]:
    return list(await asyncio.gather(*(
        asyncio.to_thread(spawn, tmp_path / f"node{i}", LIVE_REDIS_URL=redis_url, **FAST, **env) for i in range(n))))


def kill_all(nodes: list[Any]) -> None:
    for node in nodes:
        if node.proc.poll() is None:
            node.proc.kill()
            node.proc.wait(10)


async def cancel(tasks: list[asyncio.Task[Any]]) -> None:
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def check_exactly_once(viewers: list[Viewer], reference: list[dict[str, Any]]) -> None:
    """Every viewer saw every comment after its snapshot exactly once, in
    seq order, with the ids every node agrees on."""
    by_seq = {c["seq"]: c["id"] for c in reference}
    last = max(by_seq)
    for i, v in enumerate(viewers):
        if v.gaps or v.duplicates:
            print("VIEWER", i, "gaps", v.gaps, "dups", v.duplicates, "welcomes", v.welcomes)
    for i, v in enumerate(viewers):
        assert v.duplicates == 0, f"viewer {i} was sent {v.duplicates} events twice"
        assert v.gaps == [], f"viewer {i} missed events: {v.gaps[:5]}"
        expected = [(s, by_seq.get(s)) for s in range(v.base + 1, last + 1)]
        assert v.events == expected, f"viewer {i} saw other events than the log holds"


@contextlib.asynccontextmanager
async def scene(tmp_path: Path, redis_dir: Path, n_nodes: int, n_viewers: int,
                *redis_args: str) -> AsyncIterator[tuple[Any, list[Any], list[str], str, list["Viewer"], list[Any]]]:
    """A Redis of the test's own, nodes on it, a lecture and viewers spread
    over the nodes, all connected; torn down whatever the test did. Tasks the
    test adds to the list it gets are cancelled at the end too."""
    redis = RedisServer(free_port(), redis_dir)
    redis.start(*redis_args)
    nodes: list[Any] = []
    tasks: list[asyncio.Task[Any]] = []
    try:
        nodes = await spawn_nodes(tmp_path, n_nodes, redis.url)
        urls = [n.url for n in nodes]
        code = (await asyncio.to_thread(nodes[0].create_lecture))["code"]
        viewers = [Viewer(urls, code, i % n_nodes) for i in range(n_viewers)]
        tasks += [asyncio.create_task(v.run()) for v in viewers]
        await asyncio.wait_for(asyncio.gather(*(v.connected.wait() for v in viewers)), 20)
        yield redis, nodes, urls, code, viewers, tasks
    finally:
        await cancel(tasks)
        kill_all(nodes)
        redis.stop()


@pytest.fixture
def redis_dir(tmp_path):
    return tmp_path / "redis"


async def test_a_node_killed_mid_stream_its_viewers_resume_elsewhere_and_miss_nothing(tmp_path, redis_dir):
    async with scene(tmp_path, redis_dir, 3, 150) as (redis, nodes, urls, code, viewers, tasks):
        victim = 2
        moved = [v for v in viewers if v.node == victim]
        # one publisher on a node that stays, one on the node that dies
        pubs = [Publisher(urls, code, 0, "a"), Publisher(urls, code, victim, "b")]
        tasks += [asyncio.create_task(p.run()) for p in pubs]
        await asyncio.sleep(1.5)
        before = sum(len(p.acked) for p in pubs)
        nodes[victim].proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        await asyncio.sleep(2.0)
        for p in pubs:
            p.stopping = True
        await asyncio.wait_for(asyncio.gather(*tasks[len(viewers):]), 20)

        async with aiohttp.ClientSession() as http:
            reference = await comments_of(http, urls[0], code)
            assert reference == await comments_of(http, urls[1], code)
        last = max(c["seq"] for c in reference)
        await wait_for(lambda: asyncio.sleep(0, all(v.seq >= last for v in viewers)), 15,
                       "every viewer reaches the last seq")
        await cancel(tasks[:len(viewers)])

        # the log: gapless, every acknowledged comment in it once, no message created twice
        assert [c["seq"] for c in reference] == list(range(1, last + 1))
        texts = [c["text"] for c in reference]
        assert len(texts) == len(set(texts)), "a message sent again after the crash was created twice"
        acked = {rec["id"]: rec for p in pubs for rec in p.acked.values()}
        in_log = {c["id"]: c for c in reference}
        assert all(in_log.get(cid) == rec for cid, rec in acked.items()), "an acknowledged comment is missing"
        assert not any(p.other_refusals for p in pubs), [p.other_refusals[:3] for p in pubs]
        assert len(pubs[1].acked) > 0 and sum(len(p.acked) for p in pubs) > before  # posting went on after the kill

        check_exactly_once(viewers, reference)
        for v in viewers:
            assert all(w["resumed"] for w in v.welcomes[1:]), "a viewer lost its place (a snapshot on resume)"
            assert len({w["epoch"] for w in v.welcomes}) == 1
        assert all(v.welcomes[-1]["node"] != victim and len(v.welcomes) == 2 for v in moved)
        back = max(v.welcomes[-1]["at"] for v in moved) - killed_at
        assert back < 5
        lost = sum(len(set(acked) - {cid for _, cid in v.events}) for v in viewers)
        print(f"\nnode killed: {len(moved)} of {len(viewers)} viewers back on other nodes in {back:.2f} s, "
              f"{len(acked)} acked comments (seq 1..{last}), {lost} lost, "
              f"{sum(v.duplicates for v in viewers)} duplicated")


AOF = ("--appendonly", "yes", "--appendfsync", "always")


async def test_redis_restarted_with_its_append_only_file_loses_nothing_acknowledged(tmp_path, redis_dir):
    async with scene(tmp_path, redis_dir, 2, 20, *AOF) as (redis, nodes, urls, code, viewers, tasks):
        epoch = viewers[0].epoch
        pubs = [Publisher(urls, code, i, "ab"[i]) for i in range(2)]
        tasks += [asyncio.create_task(p.run()) for p in pubs]
        async with aiohttp.ClientSession() as http:
            await asyncio.sleep(1.0)
            redis.stop()  # SIGTERM: Redis writes its AOF out and exits
            down_at = time.monotonic()
            # stop() blocked this loop while Redis exited: acks of what it
            # committed before it went are still in the sockets. Read them first.
            await asyncio.sleep(0.3)
            acked_before = {k for p in pubs for k in p.acked}
            refused_before = sum(p.unavailable for p in pubs)

            async def all_ready(status: int) -> bool:
                return all([await ready(http, u) == status for u in urls])

            await wait_for(lambda: all_ready(503), 10, "readyz 503 while Redis is down")
            await asyncio.sleep(1.0)
            acked_while_down = {k for p in pubs for k in p.acked} - acked_before
            refused = sum(p.unavailable for p in pubs) - refused_before
            redis.start(*AOF)
            took = await wait_for(lambda: all_ready(200), 20, "the nodes recover by themselves")
            outage = time.monotonic() - down_at
            await asyncio.sleep(1.0)
            for p in pubs:
                p.stopping = True
            await asyncio.wait_for(asyncio.gather(*tasks[len(viewers):]), 20)
            reference = await comments_of(http, urls[0], code)
            assert reference == await comments_of(http, urls[1], code)
        last = max(c["seq"] for c in reference)
        await wait_for(lambda: asyncio.sleep(0, all(v.seq >= last for v in viewers)), 15,
                       "every viewer reaches the last seq")
        await cancel(tasks[:len(viewers)])

        assert refused > 0, "posts while Redis was down were not refused"
        assert not acked_while_down, f"acked while Redis was down: {sorted(acked_while_down)[:5]}"
        assert [c["seq"] for c in reference] == list(range(1, last + 1))
        texts = [c["text"] for c in reference]
        assert len(texts) == len(set(texts)), "a message sent again was created twice"
        acked = {rec["id"]: rec for p in pubs for rec in p.acked.values()}
        in_log = {c["id"]: c for c in reference}
        assert all(in_log.get(cid) == rec for cid, rec in acked.items()), "an acknowledged comment is missing"
        assert len(acked) == len(reference)  # every message was acked in the end, once
        assert not any(p.other_refusals for p in pubs)
        check_exactly_once(viewers, reference)
        for v in viewers:
            assert {w["epoch"] for w in v.welcomes} == {epoch}, "the epoch changed though Redis kept everything"
            assert all(w["resumed"] for w in v.welcomes[1:])
        print(f"\nredis restarted (AOF): down {outage:.2f} s, nodes ready {took:.2f} s after it was back, "
              f"{refused} posts refused with unavailable, 0 acked while down, {len(acked)} acked comments "
              f"(seq 1..{last}, no gap), 0 lost, 0 duplicated, viewers reconnected "
              f"{sum(v.closes for v in viewers)} times")


async def test_redis_back_empty_changes_the_epoch_and_keeps_what_is_acked_after(tmp_path, redis_dir):
    """Redis restarted without persistence, later flushed: each time every
    viewer gets a fresh snapshot under a new epoch (never a resume that
    skips or repeats events), and every comment acknowledged after the loss
    is in the log, seq going on without a gap and without reusing ids."""
    async with scene(tmp_path, redis_dir, 2, 20) as (redis, nodes, urls, code, viewers, tasks):
        epochs = [viewers[0].epoch]
        pubs = [Publisher(urls, code, i, "ab"[i], interval=0.02) for i in range(2)]
        tasks += [asyncio.create_task(p.run()) for p in pubs]
        figures = []
        async with aiohttp.ClientSession() as http:
            for how in ("restart", "flushall"):
                await asyncio.sleep(0.8)
                seq_before = max(rec["seq"] for p in pubs for rec in p.acked.values())
                if how == "restart":
                    redis.stop()
                    redis.start()  # no AOF, no RDB: empty
                else:
                    redis.flush()
                # The calls above blocked this loop: acks of what Redis took
                # just before the loss are still in the sockets. Read them first,
                # so that "after the loss" means after it.
                await asyncio.sleep(0.3)
                lost_at = time.monotonic()

                async def everyone_on_a_new_epoch() -> bool:
                    return all(v.connected.is_set() and v.epoch not in epochs for v in viewers)

                took = await wait_for(everyone_on_a_new_epoch, 15, f"{how}: every viewer on a new epoch")
                assert len({v.epoch for v in viewers}) == 1
                epochs.append(viewers[0].epoch)
                for v in viewers:  # the new epoch came with a snapshot, never as a resume
                    first_new = next(w for w in v.welcomes if w["epoch"] == epochs[-1])
                    assert first_new["resumed"] is False
                figures.append((how, took, seq_before))
            await asyncio.sleep(0.8)
            for p in pubs:
                p.stopping = True
            await asyncio.wait_for(asyncio.gather(*tasks[len(viewers):]), 20)
            reference = await comments_of(http, urls[0], code)
            assert reference == await comments_of(http, urls[1], code)
            status = await ready(http, urls[0])
        last = max(c["seq"] for c in reference)
        await wait_for(lambda: asyncio.sleep(0, all(v.seq >= last for v in viewers)), 15,
                       "every viewer reaches the last seq")
        await cancel(tasks[:len(viewers)])

        assert status == 200
        # what was acked after the last loss is all there, the seq went on past the old one
        acked_after = {cid: rec for p in pubs for cid, rec in p.acked.items() if p.acked_at[cid] > lost_at}
        assert acked_after, "nothing was acknowledged after the loss"
        in_log = {c["id"]: c for c in reference}
        assert all(in_log.get(rec["id"]) == rec for rec in acked_after.values()), "acked after the loss, then lost"
        first = min(c["seq"] for c in reference)
        assert first > figures[-1][2], "seq started again: ids of the lost history are reused"
        assert [c["seq"] for c in reference] == list(range(first, last + 1))
        check_exactly_once(viewers, reference)
        for v in viewers:
            assert v.epoch == epochs[-1]
        print("\nredis back empty: " + ", ".join(
            f"{how}: all {len(viewers)} viewers on a new epoch with a snapshot in {took:.2f} s (seq went on past "
            f"{seq}, no id reused)" for how, took, seq in figures)
            + f"; {len(acked_after)} acked after the loss, 0 lost, 0 duplicated")


async def test_reconnect_storm_after_a_node_restart_is_spread_and_fully_served(tmp_path, redis_dir):
    """500 viewers on one node; it restarts (SIGTERM: 1012, then a new
    process on the same port). With live.js's backoff they all come back,
    resuming where they were, and not all in the same 100 ms."""
    redis = RedisServer(free_port(), redis_dir)
    redis.start()
    node = None
    tasks: list[asyncio.Task[Any]] = []
    try:
        port = free_port()
        env = {"LIVE_REDIS_URL": redis.url, "LIVE_SHUTDOWN_S": "2", **FAST}
        node = await asyncio.to_thread(spawn, tmp_path / "node", port, **env)
        code = (await asyncio.to_thread(node.create_lecture))["code"]
        viewers = [Viewer([node.url], code, 0) for _ in range(500)]
        tasks += [asyncio.create_task(v.run()) for v in viewers]
        await asyncio.wait_for(asyncio.gather(*(v.connected.wait() for v in viewers)), 30)
        pub = Publisher([node.url], code, 0, "p", interval=0.05)
        tasks.append(asyncio.create_task(pub.run()))
        await asyncio.sleep(0.5)
        stopped_at = time.monotonic()
        assert await asyncio.to_thread(node.stop) == 0  # SIGTERM: drains with 1012
        node = await asyncio.to_thread(spawn, tmp_path / "node", port, **env)
        up_at = time.monotonic()

        async def all_back() -> bool:
            return all(v.connected.is_set() and len(v.welcomes) >= 2 for v in viewers)

        await wait_for(all_back, 40, "every viewer comes back")
        pub.stopping = True
        await asyncio.wait_for(tasks[-1], 20)
        async with aiohttp.ClientSession() as http:
            reference = await comments_of(http, node.url, code)
        last = max(c["seq"] for c in reference)
        await wait_for(lambda: asyncio.sleep(0, all(v.seq >= last for v in viewers)), 15,
                       "every viewer reaches the last seq")
        await cancel(tasks)

        back = sorted(v.welcomes[1]["at"] for v in viewers)
        assert all(w["resumed"] for v in viewers for w in v.welcomes[1:])  # served, and from where they were
        check_exactly_once(viewers, reference)
        # the busiest 100 ms of the comeback
        busiest = max(sum(1 for t in back[i:] if t < start + 0.1) for i, start in enumerate(back))
        assert busiest < len(viewers) // 2, f"{busiest} of {len(viewers)} came back within 100 ms"
        tries = [t for v in viewers for t in v.tries if t > stopped_at]
        print(f"\nreconnect storm: node down {up_at - stopped_at:.2f} s, all {len(viewers)} back "
              f"{back[-1] - up_at:.2f} s after it was up (first {back[0] - up_at:.2f} s), busiest 100 ms: "
              f"{busiest} welcomes, {len(tries)} connection attempts ({len(tries) / len(viewers):.1f} each), "
              f"0 lost, 0 duplicated")
    finally:
        await cancel(tasks)
        if node is not None:
            kill_all([node])
        redis.stop()


async def test_word_lists_bans_and_polls_survive_redis_coming_back_empty(tmp_path, redis_dir):
    """The rules that keep a lecture safe are not lost with Redis's data:
    the node puts them back from memory with the lecture."""
    async with scene(tmp_path, redis_dir, 1, 2) as (redis, nodes, urls, code, viewers, tasks):
        node = nodes[0]
        await asyncio.to_thread(node.call, "PUT", f"/api/v1/lectures/{code}/words", {"blocked": ["禁词"]})
        async with websockets.connect(f"{urls[0].replace('http', 'ws')}/ws/{code}") as troll:
            welcome = json.loads(await troll.recv())
            await troll.send(json.dumps({"type": "comment", "id": 1, "text": "捣乱", "nickname": "小黑"}))
            ack = json.loads(await troll.recv())
            while ack.get("type") != "ack":
                ack = json.loads(await troll.recv())
        await asyncio.to_thread(node.moderate, code, f"comments/{ack['ref']}/ban")
        poll = await asyncio.to_thread(node.call, "POST", f"/api/v1/lectures/{code}/polls",
                                       {"kind": "rating", "title": "满意度"})
        epoch = viewers[0].epoch
        redis.flush()

        async def new_epoch() -> bool:
            return all(v.connected.is_set() and v.epoch != epoch for v in viewers)

        await wait_for(new_epoch, 15, "the lecture restored under a new epoch")
        words = await asyncio.to_thread(node.call, "GET", f"/api/v1/lectures/{code}/words")
        assert words["blocked"] == ["禁词"]
        bans = await asyncio.to_thread(node.call, "GET", f"/api/v1/lectures/{code}/restrictions")
        assert [(r["mode"], r["nickname"]) for r in bans["restrictions"]] == [("banned", "小黑")]
        polls = await asyncio.to_thread(node.call, "GET", f"/api/v1/lectures/{code}/polls")
        assert [p["id"] for p in polls["polls"]] == [poll["id"]]
        async with websockets.connect(f"{urls[0].replace('http', 'ws')}/ws/{code}?viewer={welcome['viewer']}") as back:
            await back.recv()
            await back.send(json.dumps({"type": "comment", "id": 2, "text": "我又来了"}))
            reply = json.loads(await back.recv())
            while reply.get("type") != "ack":
                reply = json.loads(await back.recv())
            assert reply["error"]["code"] == "banned"
