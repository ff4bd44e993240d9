"""Join storm: V viewers arriving within a window (10 s by default), each
at a random moment of it.

    python -m bench joinstorm --viewers 10000 --window 10
    python -m bench joinstorm --server all --viewers 2000

The lecture first gets ``--comments`` comments (100: a full snapshot of
the latest 100 in every `live` welcome). Every viewer opens a raw
WebSocket and waits for its welcome (`live`: the ``welcome`` frame with
the snapshot; python-socketio: the namespace's
``40{"sid":…}``; the plain aiohttp loop: its welcome frame). Printed:
viewers welcomed, failed (refused, or no welcome within 60 s), dropped
(welcomed, then closed by the server during the storm or the hold after
it), connect time from the first byte to the welcome (p50, p99, max), the
handshakes the host dropped because a listening socket's accept queue was
full (each costs its client a retry a second or more later), the server's
CPU and memory per connection, and the load generator's CPU.
Targets for `live`: 10,000 in 10 s all welcomed, p99 under 2 s, none
dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from bench import servers
from bench.dialects import SERVERS
from bench.fanout import UNLIMITED, publish
from bench.nodes import listen_drops
from bench.table import loadgen, pct, print_header, print_table
from bench.viewers import Crowd


def run(kind: str, viewers: int, window: float, hold: float, *, workers: int, nodes: int, tick_ms: int,
        comments: int = 100, profile: str | None = None) -> dict[str, Any]:
    server = servers.start(kind, nodes=nodes, tick_ms=tick_ms, **UNLIMITED)
    try:
        if comments:
            asyncio.run(publish(server, 500, comments / 500))
        rss0 = server.rss()
        crowd = Crowd(kind, server.ports, server.path, viewers, workers=workers, window=window)
        try:
            cpu0, drops0 = server.cpu(), listen_drops()
            spy = server.profile(profile, window) if profile else None
            joined = crowd.join()
            drops = listen_drops() - drops0
            if spy is not None:
                spy.wait(60)
            time.sleep(hold)
            rss1 = server.rss()
            crowd.measure()
            done = crowd.finish(0)
            cpu = server.cpu() - cpu0
        finally:
            crowd.close()
    finally:
        server.stop()
    t = joined.connect_times
    return {
        "server": kind,
        "nodes": nodes,
        "viewers": viewers,
        "window s": window,
        "welcomed": joined.welcomed,
        "failed": joined.failed,
        "dropped": done.dropped,
        "connect p50 ms": pct(t, 0.5) * 1000,
        "connect p99 ms": pct(t, 0.99) * 1000,
        "connect max ms": max(t) * 1000 if t else float("nan"),
        "join wall s": joined.wall,
        "listen drops (host)": drops,
        "server CPU s": cpu,
        "KiB / connection": (rss1 - rss0) / 1024 / max(joined.welcomed, 1),
        "loadgen CPU s": joined.cpu,
        "loadgen busy": loadgen(joined.busy),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", choices=[*SERVERS, "all"], default="live")
    p.add_argument("--viewers", type=int, nargs="+", default=[2000])
    p.add_argument("--window", type=float, default=10, help="seconds over which the viewers arrive")
    p.add_argument("--hold", type=float, default=3, help="seconds everyone stays after the last arrival")
    p.add_argument("--workers", type=int, default=2, help="load-generator processes")
    p.add_argument("--nodes", type=int, default=1, help="more than 1: `live` nodes on a local Redis")
    p.add_argument("--tick-ms", type=int, default=100)
    p.add_argument("--comments", type=int, default=100,
                   help="comments posted before the storm (the welcome's snapshot carries the latest 100)")
    p.add_argument("--profile", metavar="PATH", help=servers.PROFILE_HELP.format(what="during the storm"))
    args = p.parse_args(argv)
    print_header(f"Join storm ({args.window:g} s window)")
    kinds = SERVERS if args.server == "all" else (args.server,)
    print_table([run(k, v, args.window, args.hold, workers=args.workers, nodes=args.nodes if k == "live" else 1,
                     tick_ms=args.tick_ms, comments=args.comments,
                     profile=servers.profile_path(args.profile, k, v) if args.profile else None)
                 for v in args.viewers for k in kinds])


if __name__ == "__main__":
    main()
