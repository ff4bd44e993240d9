"""Slow consumers: a few viewers stop reading during a comment burst.

    python -m bench slow --viewers 2000 --slow 3 --rate 100 --seconds 10
    python -m bench slow --viewers 200 --slow 3 --rate 500 --seconds 10   # past the kernel's buffers

Two runs of the same burst on a fresh `live serve` each: without slow
viewers, then with ``--slow`` of them, which stop reading (their socket's
receive buffer shrunk to 16 KiB, so the server's own buffer fills rather
than the kernel's) when the comments start, and read again after the burst
to see what the server did to them. Comments are 300 characters long by
default (the longest allowed), so that a short burst fills the buffers. ``--buffer-kib`` sets the server's
bound (LIVE_SEND_BUFFER_BYTES). Printed per run: everyone else's delivery
and publish-to-receive delay (p50, p99, max), the slow viewers' fate
("close N": a close frame with code N; "reset": a TCP reset; "eof":
the connection closed without a close frame; "open": never cut) and what they had read, how many the server reports
cutting (``live_slow_consumers_total``), the most bytes one connection
held in the server's kernel send queue (/proc/net/tcp: memory a slow
client costs below the server's own buffer), and the server's peak memory
growth during the burst. Targets: the slow viewers cost at most the bound
and are then cut or resynced; everyone else's p99 is the same in both runs.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from bench import servers
from bench.fanout import UNLIMITED, burst
from bench.table import loadgen, pct, print_header, print_table
from bench.viewers import add_load_options


def run(viewers: int, slow: int, rate: float, seconds: float, buffer_kib: int, *, chars: int, workers: int,
        sample: int, tick_ms: int, settle: float = 1.5) -> dict[str, Any]:
    server = servers.start("live", tick_ms=tick_ms, LIVE_SEND_BUFFER_BYTES=str(buffer_kib * 1024), **UNLIMITED)
    try:
        b = burst(server, viewers, rate, seconds, workers=workers, sample=sample, chars=chars, slow=slow,
                  settle=settle)
        cut = server.group.metric("live_slow_consumers_total")
    finally:
        server.stop()
    d = b.done
    readers = b.joined.welcomed - len(d.slow)
    expected = b.sent * readers
    fates = Counter(fate for fate, _ in d.slow)
    return {
        "viewers": b.joined.welcomed,
        "slow": len(d.slow),
        "buffer KiB": buffer_kib,
        "sent": b.sent,
        "others delivered/expected": d.delivered / expected if expected else float("nan"),
        "others dropped": d.dropped,
        "others p50 ms": pct(d.delays, 0.5) * 1000,
        "others p99 ms": pct(d.delays, 0.99) * 1000,
        "others max ms": max(d.delays) * 1000 if d.delays else float("nan"),
        "slow fate": ", ".join(f"{n}× {fate}" for fate, n in fates.items()) or "-",
        "slow read KiB (max)": max((n for _, n in d.slow), default=0) / 1024,
        "cut by server": int(cut),
        "kernel queue max KiB": b.queued / 1024,
        "server RSS peak growth MiB": (b.rss[2] - b.rss[1]) / 2**20,
        "server CPU s": b.server_cpu,
        "loadgen busy": loadgen(d.busy),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--viewers", type=int, default=2000)
    p.add_argument("--slow", type=int, default=3, help="viewers that stop reading")
    p.add_argument("--rate", type=float, default=100, help="comments per second in the burst")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--buffer-kib", type=int, default=256, help="the server's send buffer bound per connection")
    p.add_argument("--text-chars", type=int, default=300, help="each comment's length (300: the longest allowed)")
    add_load_options(p)
    args = p.parse_args(argv)
    print_header(f"Slow consumers ({args.rate:g} comments/s for {args.seconds:g} s)")
    print_table([run(args.viewers, slow, args.rate, args.seconds, args.buffer_kib, chars=args.text_chars,
                     workers=args.workers,
                     sample=args.sample, tick_ms=args.tick_ms) for slow in (0, args.slow)])


if __name__ == "__main__":
    main()
