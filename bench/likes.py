"""Like storm: V viewers each liking L times a second for S seconds.

    python -m bench likes --viewers 5000 --likes 5 --seconds 20

A real `live serve` node (or N on a local Redis) and raw WebSocket viewers
spread over worker processes. Each viewer sends its likes the way the
viewer page does (static/js/lib/live.js): gathered and flushed at most once
a second as one ``{"type":"like","count":…}`` with an id (``--flush-ms``
smaller sends them more often, down to one message per like), each at its
own phase. Printed: like messages and likes sent, acknowledged, refused,
and counted (the server's total at the end: everything counted when it
equals the likes sent); frames per viewer per second (everything but the
viewer's own acks: the counters are coalesced, so far fewer than likes);
and how far the like counter on sampled screens lags the truth. The truth
is the total the acks report as they arrive; a screen showing D lags, until
its next counters frame, by the time since the truth first passed D (p50,
p99, max over every frame of every sampled screen), and "final after last"
is when the last sampled screen showed the final total, from the last like
sent. Target: lag at most a second, no frame per like.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import multiprocessing as mp
import random
import time
from dataclasses import dataclass, field
from typing import Any

from bench import servers
from bench.rawws import RawClient, connect
from bench.table import loadgen, pct, print_header, print_table
from bench.viewers import add_load_options, poll, split

ACK = b'{"type":"ack"'
COUNTERS = b'{"type":"counters"'


@dataclass
class Storm:
    messages: int = 0
    likes: int = 0
    acked: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    #: (arrival time, the lecture's total the ack reports), every ack.
    acks: list[tuple[float, int]] = field(default_factory=list)
    frames: int = 0
    #: Seconds from the first like to the last like loop's end (the frames' window).
    window: float = 0.0
    #: Per sampled viewer: (arrival time, counters.likes) of every counters frame.
    screens: list[list[tuple[float, int]]] = field(default_factory=list)
    last_sent: float = 0.0
    end: float = 0.0
    cpu: float = 0.0
    busy: float = 0.0


def _worker(ports: list[int], path: str, viewers: int, index: int, per_s: float, flush_ms: int, sample: int,
            tail: float, go: Any, stop: Any, out: Any) -> None:
    from live.app import run

    async def main() -> None:
        s = Storm()
        storming = False
        clients: dict[int, RawClient] = {}
        screens: dict[int, list[tuple[float, int]]] = {i: [] for i in range(0, viewers, sample)}

        def handler(i: int):
            screen = screens.get(i)

            def on_frame(client: RawClient, payload: bytes) -> None:
                if not client.welcomed.done():
                    if payload.startswith(b'{"type":"welcome"'):
                        client.welcomed.set_result(time.perf_counter())
                    return
                if payload.startswith(ACK):
                    ack = json.loads(payload)
                    if ack["ok"]:
                        s.acked += 1
                        s.acks.append((time.time(), ack["likes"]))
                    else:
                        code = ack["error"]["code"]
                        s.refused[code] = s.refused.get(code, 0) + 1
                    return
                if storming:
                    s.frames += 1
                if screen is not None and payload.startswith(COUNTERS):
                    screen.append((time.time(), json.loads(payload)["likes"]))
            return on_frame

        sem = asyncio.Semaphore(200)

        async def join(i: int) -> None:
            async with sem:
                try:
                    c = await connect("127.0.0.1", ports[(index + i) % len(ports)], path, handler(i))
                    await asyncio.wait_for(asyncio.shield(c.welcomed), 60)
                except (OSError, asyncio.TimeoutError):
                    return
                clients[i] = c

        await asyncio.gather(*(join(i) for i in range(viewers)))
        out.put(("joined", len(clients)))
        await poll(go)
        storming = True
        cpu0, wall0 = time.process_time(), time.perf_counter()
        rng = random.Random(index)
        every = flush_ms / 1000
        count = max(1, round(per_s * every))

        async def like(i: int, c: RawClient) -> None:
            await asyncio.sleep(rng.random() * every)
            k = 0
            while not stop.is_set() and not c.transport.is_closing():
                k += 1
                c.send(b'{"type":"like","id":"%d-%d-%d","count":%d}' % (index, i, k, count))
                s.messages += 1
                s.likes += count
                s.last_sent = time.time()
                await asyncio.sleep(every)

        await asyncio.gather(*(like(i, c) for i, c in clients.items()))
        storming = False
        s.window = time.perf_counter() - wall0
        await asyncio.sleep(tail)  # the last acks and counters rounds
        s.end = time.time()
        s.cpu = time.process_time() - cpu0
        s.busy = s.cpu / (time.perf_counter() - wall0)
        s.screens = [screens[i] for i in screens if i in clients]
        out.put(("done", s))
        for c in clients.values():
            c.transport.close()

    run(main())


def lags(screens: list[list[tuple[float, int]]], acks: list[tuple[float, int]], end: float) -> list[float]:
    """For every counters frame on every screen: how long, until the next
    one replaced it, the value shown was behind the truth."""
    acks = sorted(acks)
    times = [t for t, _ in acks]
    truth, best = [], 0
    for _, total in acks:
        best = max(best, total)
        truth.append(best)
    out = []
    for frames in screens:
        for j, (_, shown) in enumerate(frames):
            until = frames[j + 1][0] if j + 1 < len(frames) else end
            k = bisect.bisect_right(truth, shown)  # the first ack past what the screen shows
            out.append(max(0.0, until - times[k]) if k < len(times) else 0.0)
    return out


def run(viewers: int, per_s: float, seconds: float, *, flush_ms: int, workers: int, sample: int, nodes: int,
        tick_ms: int, tail: float = 3.0) -> dict[str, Any]:
    """``tail``: how long, after the last like, the viewers wait for their
    acks and the final counters."""
    server = servers.start("live", nodes=nodes, tick_ms=tick_ms)
    go, stop, out = mp.Event(), mp.Event(), mp.Queue()
    procs = [mp.Process(target=_worker, args=(server.ports, server.path, n, i, per_s, flush_ms, sample, tail, go,
                                              stop, out)) for i, n in enumerate(split(viewers, workers))]
    try:
        for p in procs:
            p.start()
        connected = sum(out.get(timeout=600)[1] for _ in procs)
        time.sleep(1.0)
        cpu0 = server.cpu()
        go.set()
        time.sleep(seconds)
        stop.set()
        total = Storm()
        for _ in procs:
            _, s = out.get(timeout=120)
            total.messages += s.messages
            total.likes += s.likes
            total.acked += s.acked
            for code, n in s.refused.items():
                total.refused[code] = total.refused.get(code, 0) + n
            total.acks += s.acks
            total.frames += s.frames
            total.window = max(total.window, s.window)
            total.screens += s.screens
            total.last_sent = max(total.last_sent, s.last_sent)
            total.end = max(total.end, s.end)
            total.cpu += s.cpu
            total.busy = max(total.busy, s.busy)
        cpu = server.cpu() - cpu0
        counted = server.group.call("GET", f"/api/v1/lectures/{server.code}/stats")["likes"]
    finally:
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.terminate()
        server.stop()
    lag = lags(total.screens, total.acks, total.end)
    finals = [next((t for t, shown in frames if shown >= counted), None) for frames in total.screens]
    seen = [t - total.last_sent for t in finals if t is not None]
    return {
        "nodes": nodes,
        "viewers": connected,
        "likes / viewer / s": per_s,
        "messages / s": total.messages / seconds,
        "likes sent": total.likes,
        "acked": total.acked,
        "refused": ", ".join(f"{k} {v}" for k, v in total.refused.items()) or 0,
        "counted": counted,
        "all counted": "yes" if counted == total.likes else "NO",
        "frames / viewer / s": total.frames / max(connected, 1) / total.window if total.window else float("nan"),
        "lag p50 ms": pct(lag, 0.5) * 1000,
        "lag p99 ms": pct(lag, 0.99) * 1000,
        "lag max ms": max(lag) * 1000 if lag else float("nan"),
        "saw final": f"{len(seen)}/{len(finals)}",
        "final after last ms": max(seen) * 1000 if seen else float("nan"),
        "server CPU s": cpu,
        "loadgen CPU s": total.cpu,
        "loadgen busy": loadgen(total.busy),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--viewers", type=int, nargs="+", default=[5000])
    p.add_argument("--likes", type=float, default=5, help="likes per viewer per second")
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--flush-ms", type=int, default=1000, help="how often a viewer sends its gathered likes")
    add_load_options(p, "one viewer in SAMPLE records its screen's counter")
    p.add_argument("--nodes", type=int, default=1, help="more than 1: nodes on a local Redis")
    args = p.parse_args(argv)
    print_header(f"Like storm ({args.likes:g} likes per viewer per second, sent every {args.flush_ms} ms)")
    print_table([run(v, args.likes, args.seconds, flush_ms=args.flush_ms, workers=args.workers, sample=args.sample,
                     nodes=args.nodes, tick_ms=args.tick_ms) for v in args.viewers])


if __name__ == "__main__":
    main()
