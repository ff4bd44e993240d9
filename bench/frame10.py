"""Ten comments a frame: comment deliveries per server CPU-second when
every frame `live` writes carries ten comments (100 comments a second with
the 100 ms tick), the peers side by side (they write one frame per comment
whatever the rate).

    python -m bench frame10 --viewers 1000 --seconds 20
    python -m bench frame10 --server all --viewers 1000

The fan-out scenario (bench/fanout.py) at ``--rate 100`` by default; the
"comments / frame" column shows the batching actually reached. Target:
past 1,000,000 deliveries per server CPU-second.
"""

from __future__ import annotations

from bench.fanout import parser, report


def main(argv: list[str] | None = None) -> None:
    args = parser(100, __doc__).parse_args(argv)
    report(f"Ten comments a frame ({args.rate:g} comments/s, {args.tick_ms} ms tick)", args)


if __name__ == "__main__":
    main()
