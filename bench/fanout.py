"""Fan-out benchmark: V viewers of one lecture on one node, comments at R
per second for S seconds. Prints a table: publish-to-receive delay (p50,
p99, max), delivered / expected, server CPU per million deliveries, server
memory per connection, connect times, and the load generator's own CPU.

    python -m bench.fanout --viewers 2000 --rate 20 --seconds 20
    python -m bench.fanout --nodes 2 --viewers 4000     # two nodes on one Redis

The server runs as real `live serve` processes (with --nodes N, N nodes on
a local redis-server via `live cluster`'s code; viewers are spread over the
nodes, the publisher posts on the first, CPU and memory are summed over
the nodes and Redis); viewers are raw WebSocket
clients spread over worker processes. Every viewer counts the comments it
receives; one in ``--sample`` also parses every frame and times each
comment from its publish time (carried in its text) to its arrival.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import statistics
import time

from bench import nodes as nodes_mod
from bench.rawws import connect
from bench.table import print_table

MARK = b'"comment.created"'


def _worker(ports: list[int], code: str, viewers: int, sample: int, index: int, go: mp.Event, stop: mp.Event,
            out: mp.Queue) -> None:
    import uvloop

    async def main() -> None:
        counts = [0] * viewers
        delays: list[float] = []
        connect_times: list[float] = []
        failures = 0

        def make_handler(i: int, sampled: bool):
            def on_frame(client, payload: bytes) -> None:
                if sampled:
                    frame = json.loads(payload)
                    if frame.get("type") == "events":
                        now = time.time()
                        for e in frame["events"]:
                            if e["kind"] == "comment.created":
                                counts[i] += 1
                                delays.append(now - float(e["data"]["text"].split("t=", 1)[1]))
                else:
                    counts[i] += payload.count(MARK)
            return on_frame

        clients = []
        sem = asyncio.Semaphore(200)

        async def one(i: int) -> None:
            nonlocal failures
            async with sem:
                t0 = time.perf_counter()
                try:
                    port = ports[(index + i) % len(ports)]
                    c = await connect("127.0.0.1", port, f"/ws/{code}", make_handler(i, i % sample == 0))
                except OSError:
                    failures += 1
                    return
                connect_times.append(time.perf_counter() - t0)
                clients.append(c)

        go.wait()
        await asyncio.gather(*(one(i) for i in range(viewers)))
        out.put(("connected", index, len(clients), failures, connect_times))
        while not stop.is_set():
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # the last tick in flight
        cpu = time.process_time()
        out.put(("done", index, sum(counts), delays, cpu))
        for c in clients:
            c.transport.close()

    uvloop.run(main())


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run(viewers: int, rate: float, seconds: float, workers: int, sample: int, tick_ms: int,
        nodes: int = 1) -> dict[str, float]:
    group = nodes_mod.start(nodes, tick_ms, LIVE_COMMENT_RATE="1000000", LIVE_COMMENT_BURST="1000000")
    ports, port = group.ports, group.ports[0]
    try:
        code = group.call("POST", "/api/v1/lectures", {"title": "bench"})["code"]
        rss0 = group.rss()
        go, stop, out = mp.Event(), mp.Event(), mp.Queue()
        per = [viewers // workers + (1 if i < viewers % workers else 0) for i in range(workers)]
        procs = [mp.Process(target=_worker, args=(ports, code, n, sample, i, go, stop, out)) for i, n in enumerate(per)]
        for p in procs:
            p.start()
        t_join = time.perf_counter()
        go.set()
        connected, failures, connect_times = 0, 0, []
        for _ in procs:
            _, _, n, f, ct = out.get(timeout=300)
            connected, failures = connected + n, failures + f
            connect_times += ct
        join_wall = time.perf_counter() - t_join
        time.sleep(1.5)  # let the counters settle
        rss1 = group.rss()
        cpu0 = group.cpu()

        async def publish() -> int:
            import websockets

            sent = 0
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/{code}") as ws:
                await ws.recv()
                t0 = time.time()
                n = int(rate * seconds)
                for i in range(n):
                    due = t0 + i / rate
                    await asyncio.sleep(max(0.0, due - time.time()))
                    await ws.send(json.dumps({"type": "comment", "text": f"弘扬劳模精神 #{i} t={time.time():.6f}"}))
                    sent += 1
                await asyncio.sleep(0.5)
            return sent

        sent = asyncio.run(publish())
        stop.set()
        delivered, delays, gen_cpu = 0, [], 0.0
        for _ in procs:
            _, _, count, d, cpu = out.get(timeout=120)
            delivered += count
            delays += d
            gen_cpu += cpu
        cpu1 = group.cpu()
        for p in procs:
            p.join(10)
        expected = sent * connected
        server_cpu = cpu1 - cpu0
        return {
            "nodes": nodes,
            "viewers": connected,
            "failed": failures,
            "sent": sent,
            "delivered/expected": delivered / expected if expected else float("nan"),
            "p50 ms": _pct(delays, 0.5) * 1000,
            "p99 ms": _pct(delays, 0.99) * 1000,
            "max ms": max(delays) * 1000 if delays else float("nan"),
            "server CPU s": server_cpu,
            "CPU s / 1M deliveries": server_cpu / delivered * 1e6 if delivered else float("nan"),
            "KiB / connection": (rss1 - rss0) / 1024 / max(connected, 1),
            "join p50 ms": _pct(connect_times, 0.5) * 1000,
            "join p99 ms": _pct(connect_times, 0.99) * 1000,
            "join wall s": join_wall,
            "loadgen CPU s": gen_cpu,
        }
    finally:
        group.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--viewers", type=int, nargs="+", default=[1000])
    p.add_argument("--rate", type=float, default=20)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--sample", type=int, default=20, help="one viewer in SAMPLE times every comment")
    p.add_argument("--tick-ms", type=int, default=100)
    p.add_argument("--nodes", type=int, default=1, help="more than 1: nodes on a local Redis")
    args = p.parse_args()
    rows = [run(v, args.rate, args.seconds, args.workers, args.sample, args.tick_ms, args.nodes)
            for v in args.viewers]
    print_table(rows)


if __name__ == "__main__":
    main()
