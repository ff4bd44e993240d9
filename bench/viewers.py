"""A crowd of viewers spread over worker processes.

Each worker holds its share of raw WebSocket clients (bench/rawws.py) on
its own event loop. The parent steps every worker through the same phases:
``join`` (connect everyone: at once, 200 at a time, or arrivals spread
over a window), ``measure`` (counters reset, CPU clock read, the slow
viewers stop reading), ``finish`` (wait until every viewer has every
comment sent, or a drain timeout; report). Every viewer counts the comments
it receives; one in ``sample`` also times each from its publish time.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import time
from dataclasses import dataclass, field
from typing import Any

from bench.dialects import DIALECTS
from bench.rawws import RawClient, connect

#: How long a viewer may wait for its welcome before it counts as failed.
WELCOME_TIMEOUT_S = 60.0


@dataclass
class Plan:
    kind: str
    ports: list[int]
    path: str
    viewers: int
    sample: int
    index: int
    #: Arrivals spread uniformly over this many seconds; 0: all at once, 200 at a time.
    window: float = 0.0
    #: How many of this worker's viewers stop reading while measuring.
    slow: int = 0
    #: The slow viewers' socket receive buffer (small: the server's buffer fills, not the kernel's).
    rcvbuf: int = 16 * 1024
    drain_s: float = 10.0


@dataclass
class Joined:
    welcomed: int = 0
    failed: int = 0
    connect_times: list[float] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    busy: float = 0.0


@dataclass
class Done:
    delivered: int = 0
    frames: int = 0
    delays: list[float] = field(default_factory=list)
    dropped: int = 0
    #: Per slow viewer: what became of it ("close N": a close frame; "reset"; "eof": the
    #: connection closed without a close frame; "open") and the bytes it had read.
    slow: list[tuple[str, int]] = field(default_factory=list)
    cpu: float = 0.0
    #: The busiest worker's CPU share of its wall time while measuring.
    busy: float = 0.0


async def poll(event: Any) -> None:
    # mp.Event.wait() would block the loop: pings and late frames must still be read.
    while not event.is_set():
        await asyncio.sleep(0.05)


def _worker(plan: Plan, go: Any, measure: Any, stop: Any, sent: Any, out: Any) -> None:
    from live.app import run

    dialect = DIALECTS[plan.kind]

    async def main() -> None:
        n = plan.viewers
        counts, frames = [0] * n, [0] * n
        delays: list[float] = []
        slow_ids = set(range(n - plan.slow, n))
        clients: dict[int, RawClient] = {}
        connect_times: list[float] = []
        failed = 0

        def handler(i: int):
            sampled = i % plan.sample == 0 and i not in slow_ids

            def on_frame(client: RawClient, payload: bytes) -> None:
                if dialect.control(client, payload):
                    return
                if not client.welcomed.done():
                    if dialect.welcome(payload):
                        client.welcomed.set_result(time.perf_counter())
                    return
                if sampled:
                    stamps = dialect.stamps(payload)
                    if stamps:
                        now = time.time()
                        counts[i] += len(stamps)
                        frames[i] += 1
                        delays.extend(now - t for t in stamps)
                else:
                    c = dialect.count(payload)
                    if c:
                        counts[i] += c
                        frames[i] += 1
            return on_frame

        # All at once: 200 at a time (a listen queue holds 128); arrivals at a pace: no cap.
        sem = asyncio.Semaphore(200 if not plan.window else max(n, 1))
        rng = random.Random(plan.index)

        async def one(i: int) -> None:
            nonlocal failed
            if plan.window:
                await asyncio.sleep(rng.random() * plan.window)
            async with sem:
                t0 = time.perf_counter()
                try:
                    port = plan.ports[(plan.index + i) % len(plan.ports)]
                    c = await connect("127.0.0.1", port, plan.path, handler(i),
                                      rcvbuf=plan.rcvbuf if i in slow_ids else None)
                    at = await asyncio.wait_for(asyncio.shield(c.welcomed), WELCOME_TIMEOUT_S)
                except (OSError, asyncio.TimeoutError):
                    failed += 1
                    return
                connect_times.append(at - t0)
                clients[i] = c

        await poll(go)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        out.put(("joined", Joined(len(clients), failed, connect_times, wall, cpu, cpu / wall if wall else 0.0)))

        await poll(measure)
        counts[:], frames[:] = [0] * n, [0] * n
        delays.clear()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for i in slow_ids & clients.keys():
            clients[i].transport.pause_reading()

        await poll(stop)
        readers = [i for i in clients if i not in slow_ids]
        deadline = time.perf_counter() + plan.drain_s
        while time.perf_counter() < deadline and any(counts[i] < sent.value for i in readers
                                                     if not clients[i].closed.done()):
            await asyncio.sleep(0.05)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0

        slow = []
        for i in slow_ids & clients.keys():
            c = clients[i]
            if not c.transport.is_closing():
                c.transport.resume_reading()
        await asyncio.sleep(0.5 if slow_ids else 0)  # a reset or a close frame shows once reading resumes
        for i in slow_ids & clients.keys():
            c = clients[i]
            fate = (f"close {c.close_code}" if c.close_code is not None else
                    "reset" if c.lost is not None else "eof" if c.closed.done() else "open")
            slow.append((fate, c.received))
        out.put(("done", Done(
            delivered=sum(counts[i] for i in readers),
            frames=sum(frames[i] for i in readers),
            delays=delays,
            dropped=sum(clients[i].closed.done() for i in readers),
            slow=slow,
            cpu=cpu,
            busy=cpu / wall if wall else 0.0,
        )))
        for c in clients.values():
            c.transport.close()

    run(main())


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


class Crowd:
    """The viewers of one run, in ``workers`` processes."""

    def __init__(self, kind: str, ports: list[int], path: str, viewers: int, *, workers: int = 2, sample: int = 20,
                 window: float = 0.0, slow: int = 0, drain_s: float = 10.0) -> None:
        self.go, self.measuring, self.stop = mp.Event(), mp.Event(), mp.Event()
        self.sent = mp.Value("q", 0)
        self.out: Any = mp.Queue()
        plans = [Plan(kind, ports, path, v, sample, i, window=window, slow=s, drain_s=drain_s)
                 for i, (v, s) in enumerate(zip(split(viewers, workers), split(slow, workers)))]
        self.procs = [mp.Process(target=_worker, args=(p, self.go, self.measuring, self.stop, self.sent, self.out))
                      for p in plans]
        for p in self.procs:
            p.start()

    def _collect(self, tag: str, timeout: float) -> list[Any]:
        got = []
        for _ in self.procs:
            kind, value = self.out.get(timeout=timeout)
            assert kind == tag, (kind, tag)
            got.append(value)
        return got

    def join(self, timeout: float = 600) -> Joined:
        self.go.set()
        total = Joined()
        for j in self._collect("joined", timeout):
            total.welcomed += j.welcomed
            total.failed += j.failed
            total.connect_times += j.connect_times
            total.wall = max(total.wall, j.wall)
            total.cpu += j.cpu
            total.busy = max(total.busy, j.busy)
        return total

    def measure(self) -> None:
        self.measuring.set()

    def finish(self, sent: int, timeout: float = 300) -> Done:
        """Every viewer should now get ``sent`` comments; wait for them (up
        to the drain timeout) and sum up."""
        self.sent.value = sent
        self.stop.set()
        total = Done()
        for d in self._collect("done", timeout):
            total.delivered += d.delivered
            total.frames += d.frames
            total.delays += d.delays
            total.dropped += d.dropped
            total.slow += d.slow
            total.cpu += d.cpu
            total.busy = max(total.busy, d.busy)
        for p in self.procs:
            p.join(10)
        return total

    def close(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.terminate()
                p.join(5)


def add_load_options(p: argparse.ArgumentParser, sample: str = "one viewer in SAMPLE times every comment") -> None:
    """The options every scenario with viewers shares: how the load is spread and sampled, and the tick."""
    p.add_argument("--workers", type=int, default=2, help="load-generator processes")
    p.add_argument("--sample", type=int, default=20, help=sample)
    p.add_argument("--tick-ms", type=int, default=100)
