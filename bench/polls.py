"""Poll storm: V viewers of one lecture answer one poll within S seconds.

    python -m bench.polls --viewers 2000 5000 --seconds 10
    python -m bench.polls --nodes 2 --viewers 4000     # two nodes on one Redis

A real `live serve` node (or N on a local Redis) and raw WebSocket viewers
spread over worker processes. A moderator opens a four-option poll and shows
its results; every viewer answers once at a random moment of the S seconds.
Printed: answers acknowledged and counted (the final total), results frames
per viewer (coalesced: far fewer than answers), and how long after the last
answer each sampled viewer saw the final total on its screen (target: under
a second), with the server's CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import random
import time

from bench import nodes as nodes_mod
from bench.rawws import connect
from bench.table import print_header, print_table

ACK = b'"ack"'
RESULTS = b'"poll_results"'


def _worker(ports: list[int], code: str, pid: str, viewers: int, expected: int, seconds: float, sample: int,
            index: int, go: mp.Event, out: mp.Queue) -> None:
    import uvloop

    async def main() -> None:
        acks = frames = 0
        final_at: dict[int, float] = {}
        clients = []
        sem = asyncio.Semaphore(200)

        def handler(i: int):
            def on_frame(client, payload: bytes) -> None:
                nonlocal acks, frames
                if ACK in payload[:20] and b'"ok":true' in payload:
                    acks += 1
                elif RESULTS in payload[:30]:
                    frames += 1
                    if i % sample == 0 and i not in final_at:
                        total = json.loads(payload)["results"][pid]["total"]
                        if total >= expected:
                            final_at[i] = time.time()
            return on_frame

        async def join(i: int) -> None:
            async with sem:
                try:
                    clients.append((i, await connect("127.0.0.1", ports[(index + i) % len(ports)], f"/ws/{code}",
                                                     handler(i))))
                except OSError:
                    pass

        await asyncio.gather(*(join(i) for i in range(viewers)))
        out.put(("connected", len(clients)))
        go.wait()
        start = time.time()
        rng = random.Random(index)
        last_sent = 0.0

        async def vote(i: int, client) -> None:
            nonlocal last_sent
            await asyncio.sleep(rng.random() * seconds)
            client.send(json.dumps({"type": "answer", "id": 1, "poll": pid, "choices": ["abcd"[i % 4]]}).encode())
            last_sent = max(last_sent, time.time())

        await asyncio.gather(*(vote(i, c) for i, c in clients))
        deadline = time.time() + 15
        sampled = [i for i, _ in clients if i % sample == 0]
        while time.time() < deadline and (len(final_at) < len(sampled) or acks < len(clients)):
            await asyncio.sleep(0.05)
        out.put(("done", acks, frames, last_sent, [final_at.get(i) for i in sampled], start))
        for _, c in clients:
            c.transport.close()

    uvloop.run(main())


def run(viewers: int, seconds: float, workers: int, sample: int, tick_ms: int, nodes: int) -> dict[str, float]:
    group = nodes_mod.start(nodes, tick_ms, LIVE_VOTE_RATE="100", LIVE_VOTE_BURST="100")
    try:
        code = group.call("POST", "/api/v1/lectures", {"title": "poll storm"})["code"]
        poll = group.call("POST", f"/api/v1/lectures/{code}/polls",
                          {"kind": "single", "title": "下一个话题？", "options": ["工匠", "劳模", "技能", "创新"]})
        for action in ("open", "show"):
            group.call("POST", f"/api/v1/lectures/{code}/polls/{poll['id']}/{action}")
        go, out = mp.Event(), mp.Queue()
        per = [viewers // workers + (1 if i < viewers % workers else 0) for i in range(workers)]
        procs = [mp.Process(target=_worker, args=(group.ports, code, poll["id"], n, viewers, seconds, sample, i, go,
                                                  out)) for i, n in enumerate(per)]
        for p in procs:
            p.start()
        connected = sum(out.get(timeout=300)[1] for _ in procs)
        time.sleep(1.0)
        cpu0 = group.cpu()
        go.set()
        acks = frames = 0
        last_sent = 0.0
        seen: list[float | None] = []
        for _ in procs:
            _, a, f, last, finals, _start = out.get(timeout=seconds + 60)
            acks, frames, last_sent = acks + a, frames + f, max(last_sent, last)
            seen += finals
        cpu1 = group.cpu()
        for p in procs:
            p.join(10)
        counted = group.call("GET", f"/api/v1/lectures/{code}/polls")["results"][poll["id"]]["total"]
        delays = sorted(max(0.0, t - last_sent) for t in seen if t is not None)

        def pct(q: float) -> float:
            return delays[min(len(delays) - 1, int(q * len(delays)))] * 1000 if delays else float("nan")

        return {
            "nodes": nodes,
            "viewers": connected,
            "seconds": seconds,
            "acked": acks,
            "counted": counted,
            "frames / viewer": frames / max(connected, 1),
            "saw final": f"{len(delays)}/{len(seen)}",
            "final after last p50 ms": pct(0.5),
            "final after last p99 ms": pct(0.99),
            "server CPU s": cpu1 - cpu0,
        }
    finally:
        group.stop()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--viewers", type=int, nargs="+", default=[1000, 5000])
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--sample", type=int, default=10, help="one viewer in SAMPLE times when the final total arrives")
    p.add_argument("--tick-ms", type=int, default=100)
    p.add_argument("--nodes", type=int, default=1)
    args = p.parse_args(argv)
    print_header("Poll storm")
    print_table([run(v, args.seconds, args.workers, args.sample, args.tick_ms, args.nodes) for v in args.viewers])


if __name__ == "__main__":
    main()
