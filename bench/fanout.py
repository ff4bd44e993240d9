"""Fan-out: V viewers of one lecture, comments at R per second for S
seconds, on `live` and on its peers side by side.

    python -m bench fanout --viewers 2000 --rate 20 --seconds 20
    python -m bench fanout --server all --viewers 1000 --rate 50 --seconds 20
    python -m bench fanout --nodes 2 --viewers 4000      # two nodes on one Redis
    python -m bench frame10 --server all --viewers 1000  # ten comments a frame

The server runs as its own process: `live serve` (with --nodes N, N nodes
on a local redis-server via `live cluster`'s code; viewers are spread over
the nodes, the publisher posts on the first, CPU and memory are summed over
the nodes and Redis), or a peer from bench/peers/ (python-socketio
broadcasting to a room; the plain aiohttp loop awaiting ``send_str`` per
viewer). Viewers are raw WebSocket clients spread over worker processes
(bench/viewers.py); a publisher posts the comments. Printed per server:
publish-to-receive delay (p50, p99, max, from one viewer in ``--sample``),
delivered / expected, server CPU per million deliveries and deliveries per
server CPU-second, comments per frame, server memory per connection,
connect times, and the load generator's own CPU. With several servers, the
ratios of `live`'s deliveries per CPU-second to each peer's.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Any

from bench import servers
from bench.dialects import SERVERS
from bench.nodes import send_queue_max
from bench.rawws import connect
from bench.table import loadgen, pct, print_header, print_table
from bench.viewers import Crowd, Done, Joined, add_load_options

#: Comments are not rate-limited in a benchmark: the publisher is one viewer.
UNLIMITED = {"LIVE_COMMENT_RATE": "1000000", "LIVE_COMMENT_BURST": "1000000"}


async def publish(server: servers.Server, rate: float, seconds: float, chars: int = 0,
                  sent_all: threading.Event | None = None, until: threading.Event | None = None) -> int:
    """Post ``rate × seconds`` comments on the first node, each carrying its
    publish time (padded to ``chars`` characters); the publisher reads (and
    drops) what it is sent, as any viewer must. ``sent_all`` is set after
    the last one; the connection then stays open until ``until`` is set (a
    server that has fallen behind may drop what a closed connection sent)."""
    dialect = server.dialect

    def on_frame(client: Any, payload: bytes) -> None:
        if not dialect.control(client, payload) and not client.welcomed.done() and dialect.welcome(payload):
            client.welcomed.set_result(time.perf_counter())

    client = await connect("127.0.0.1", server.ports[0], server.path, on_frame)
    await asyncio.wait_for(client.welcomed, 30)
    t0 = time.time()
    n = int(rate * seconds)
    for i in range(n):
        await asyncio.sleep(max(0.0, t0 + i / rate - time.time()))
        text = f"弘扬劳模精神 #{i} "
        client.send(dialect.comment(f"{text}{'劳' * (chars - len(text) - 20)} t={time.time():.6f}"))
    if sent_all is not None:
        sent_all.set()
    await asyncio.sleep(0.2)
    while until is not None and not until.is_set():
        await asyncio.sleep(0.05)
    client.transport.close()
    return n


@dataclass
class Burst:
    joined: Joined
    done: Done
    sent: int
    server_cpu: float
    publisher_cpu: float
    #: Server memory: before the viewers joined, after, and the peak while publishing.
    rss: tuple[int, int, int]
    #: The most bytes one connection held in the server's kernel send queue (when watched).
    queued: int = 0


def burst(server: servers.Server, viewers: int, rate: float, seconds: float, *, workers: int, sample: int,
          chars: int = 0, slow: int = 0, drain_s: float = 10.0, settle: float = 1.5,
          profile: str | None = None) -> Burst:
    """Join ``viewers`` (``slow`` of whom stop reading once the comments
    start), publish, wait for every delivery. With slow viewers, the
    kernel's send queues are watched too; with ``profile``, py-spy samples
    the (first) server process while the comments are published."""
    rss0 = server.rss()
    crowd = Crowd(server.kind, server.ports, server.path, viewers, workers=workers, sample=sample, slow=slow,
                  drain_s=drain_s)
    try:
        joined = crowd.join()
        time.sleep(settle)  # let the joins' counters settle
        rss1 = peak = server.rss()
        cpu0 = server.cpu()
        crowd.measure()
        time.sleep(0.2)  # the workers see it (they poll every 50 ms)
        watching_done = threading.Event()

        queued = 0

        def watch() -> None:
            nonlocal peak, queued
            while not watching_done.is_set():
                peak = max(peak, server.rss())
                if slow:
                    queued = max(queued, send_queue_max(server.ports))
                time.sleep(0.25)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        spy = server.profile(profile, seconds) if profile else None
        p0 = time.process_time()
        sent_all, delivered = threading.Event(), threading.Event()
        publisher = threading.Thread(target=lambda: asyncio.run(publish(server, rate, seconds, chars, sent_all,
                                                                        delivered)), daemon=True)
        publisher.start()
        while not sent_all.wait(0.1):
            if not publisher.is_alive():
                raise RuntimeError("the publisher stopped before sending every comment")
        done = crowd.finish(int(rate * seconds))
        delivered.set()
        publisher.join(10)
        publisher_cpu = time.process_time() - p0  # this process: the publisher and the watcher
        if spy is not None:
            spy.wait(60)
        watching_done.set()
        watcher.join()
        return Burst(joined, done, int(rate * seconds), server.cpu() - cpu0, publisher_cpu, (rss0, rss1, peak),
                     queued)
    finally:
        crowd.close()


def row(kind: str, nodes: int, b: Burst) -> dict[str, Any]:
    d, j = b.done, b.joined
    expected = b.sent * j.welcomed
    return {
        "server": kind,
        "nodes": nodes,
        "viewers": j.welcomed,
        "failed": j.failed,
        "dropped": d.dropped,
        "sent": b.sent,
        "delivered/expected": d.delivered / expected if expected else float("nan"),
        "p50 ms": pct(d.delays, 0.5) * 1000,
        "p99 ms": pct(d.delays, 0.99) * 1000,
        "max ms": max(d.delays) * 1000 if d.delays else float("nan"),
        "server CPU s": b.server_cpu,
        "CPU s / 1M deliveries": b.server_cpu / d.delivered * 1e6 if d.delivered else float("nan"),
        "deliveries / CPU-s": d.delivered / b.server_cpu if b.server_cpu else float("nan"),
        "comments / frame": d.delivered / d.frames if d.frames else float("nan"),
        "KiB / connection": (b.rss[1] - b.rss[0]) / 1024 / max(j.welcomed, 1),
        "server peak MiB": b.rss[2] / 2**20,
        "join p50 ms": pct(j.connect_times, 0.5) * 1000,
        "join p99 ms": pct(j.connect_times, 0.99) * 1000,
        "join wall s": j.wall,
        "loadgen CPU s": d.cpu + b.publisher_cpu,
        "loadgen busy": loadgen(d.busy),
    }


def run(kind: str, viewers: int, rate: float, seconds: float, *, workers: int = 2, sample: int = 20,
        tick_ms: int = 100, nodes: int = 1, chars: int = 0, drain_s: float = 10.0, settle: float = 1.5,
        profile: str | None = None) -> dict[str, Any]:
    server = servers.start(kind, nodes=nodes, tick_ms=tick_ms, **UNLIMITED)
    try:
        return row(kind, nodes, burst(server, viewers, rate, seconds, workers=workers, sample=sample, chars=chars,
                                      drain_s=drain_s, settle=settle, profile=profile))
    finally:
        server.stop()


def ratios(rows: list[dict[str, Any]]) -> list[str]:
    """`live`'s comment deliveries per server CPU-second over each peer's, per viewer count."""
    lines = []
    for r in rows:
        if r["server"] == "live":
            for peer in rows:
                # The same run asked both for as many viewers (a peer may not welcome them all).
                asked = peer["viewers"] + peer["failed"] == r["viewers"] + r["failed"]
                if peer["server"] != "live" and asked and peer["deliveries / CPU-s"]:
                    lines.append(f"- {r['viewers']} viewers: live / {peer['server']}: "
                                 f"{r['deliveries / CPU-s'] / peer['deliveries / CPU-s']:.1f}× "
                                 "comment deliveries per server CPU-second")
    return lines


def parser(rate: float, description: str = __doc__) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", choices=[*SERVERS, "all"], default="live")
    p.add_argument("--viewers", type=int, nargs="+", default=[1000])
    p.add_argument("--rate", type=float, default=rate, help="comments per second")
    p.add_argument("--seconds", type=float, default=20)
    add_load_options(p)
    p.add_argument("--nodes", type=int, default=1, help="more than 1: `live` nodes on a local Redis")
    p.add_argument("--text-chars", type=int, default=0, help="pad each comment's text to this many characters")
    p.add_argument("--drain", type=float, default=10, help="seconds after the last comment to wait for deliveries")
    p.add_argument("--profile", metavar="PATH", help=servers.PROFILE_HELP.format(what="while publishing"))
    return p


def report(title: str, args: argparse.Namespace) -> None:
    print_header(title)
    kinds = SERVERS if args.server == "all" else (args.server,)
    rows = [run(k, v, args.rate, args.seconds, workers=args.workers, sample=args.sample, tick_ms=args.tick_ms,
                nodes=args.nodes if k == "live" else 1, chars=args.text_chars, drain_s=args.drain,
                profile=servers.profile_path(args.profile, k, v) if args.profile else None)
            for v in args.viewers for k in kinds]
    print_table(rows)
    lines = ratios(rows)
    if lines:
        print("\n" + "\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    report("Fan-out", parser(20).parse_args(argv))


if __name__ == "__main__":
    main()
