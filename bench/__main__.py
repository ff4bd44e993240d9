"""``python -m bench SCENARIO [options]`` (or ``live bench …``): one entry
point for every benchmark; ``python -m bench SCENARIO --help`` for its
options. Each prints the machine, the command and a Markdown table."""

from __future__ import annotations

import importlib
import os
import shlex
import sys

SCENARIOS = {
    "fanout": ("bench.fanout", "V viewers, comments at R/s: delay, delivery, CPU per delivery, memory; --server all"),
    "frame10": ("bench.frame10", "deliveries per server CPU-second when a frame carries ten comments"),
    "joinstorm": ("bench.joinstorm", "V viewers arriving within 10 s: welcomed, connect p50/p99, dropped"),
    "likes": ("bench.likes", "a like storm: the counter's lag on screens, frames per viewer, everything counted"),
    "slow": ("bench.slow", "viewers that stop reading in a burst: their buffer, everyone else's p99"),
    "polls": ("bench.polls", "a poll storm: every viewer answers within S seconds"),
    "words": ("bench.words", "the word lists' cost per comment"),
    "pageload": ("bench.pageload", "the viewer page on a slow phone (Chromium)"),
}


def usage() -> str:
    lines = ["usage: python -m bench SCENARIO [options]   (SCENARIO --help for its options)", "", "scenarios:"]
    lines += [f"  {name:<10} {about}" for name, (_, about) in SCENARIOS.items()]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in SCENARIOS:
        print(usage(), file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        raise SystemExit(0 if argv and argv[0] in ("-h", "--help") else 2)
    os.environ.setdefault("LIVE_BENCH_COMMAND", shlex.join(["python", "-m", "bench", *argv]))
    sys.argv[0] = f"bench {argv[0]}"  # argparse's usage line
    module = importlib.import_module(SCENARIOS[argv[0]][0])
    module.main(argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
