"""The benchmark harness itself (bench/) works end to end, at tiny sizes:
real servers in their own processes, real sockets, load-generator worker
processes. Numbers are not checked here (docs/benchmarks.md has them);
what is checked is that every scenario runs and counts what it claims."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import fanout, joinstorm, likes, slow

ROOT = Path(__file__).resolve().parent.parent


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


@pytest.mark.parametrize("kind", ["live", "socketio"])
def test_fanout_delivers_every_comment_to_every_viewer(kind: str) -> None:
    row = fanout.run(kind, 20, 10, 2, sample=2, settle=0.3)
    assert (row["server"], row["viewers"], row["failed"], row["dropped"], row["sent"]) == (kind, 20, 0, 0, 20)
    assert row["delivered/expected"] == 1
    assert 0 < row["p50 ms"] <= row["p99 ms"] <= row["max ms"] < 5000
    assert row["comments / frame"] >= 1


def test_live_bench_runs_the_plain_aiohttp_peer_and_prints_the_table() -> None:
    out = subprocess.run([sys.executable, "-m", "live", "bench", "fanout", "--server", "aiohttp", "--viewers", "20",
                          "--rate", "10", "--seconds", "2", "--sample", "2"],
                         capture_output=True, text=True, timeout=60, check=True, cwd=ROOT / "tests").stdout
    assert "- command: `live bench fanout --server aiohttp" in out and " cores (" in out and "Python 3." in out
    header, _, first = [line for line in out.splitlines() if line.startswith("|")]
    row = dict(zip(_cells(header), _cells(first)))
    assert (row["server"], row["viewers"], row["sent"], row["delivered/expected"]) == ("aiohttp", "20", "20", "1")


def test_fanout_ratios_compare_live_with_each_peer() -> None:
    # A peer that did not welcome every viewer is still compared with the run that asked for as many.
    rows = [{"server": "live", "viewers": 20, "failed": 0, "deliveries / CPU-s": 300.0},
            {"server": "socketio", "viewers": 18, "failed": 2, "deliveries / CPU-s": 10.0},
            {"server": "aiohttp", "viewers": 20, "failed": 0, "deliveries / CPU-s": 60.0},
            {"server": "aiohttp", "viewers": 40, "failed": 0, "deliveries / CPU-s": 99.0}]
    assert fanout.ratios(rows) == [
        "- 20 viewers: live / socketio: 30.0× comment deliveries per server CPU-second",
        "- 20 viewers: live / aiohttp: 5.0× comment deliveries per server CPU-second",
    ]


def test_joinstorm_welcomes_everyone() -> None:
    row = joinstorm.run("live", 30, 1.0, 0.3, workers=2, nodes=1, tick_ms=100)
    assert (row["welcomed"], row["failed"], row["dropped"]) == (30, 0, 0)
    assert 0 < row["connect p50 ms"] <= row["connect p99 ms"]


def test_likes_are_all_counted_and_coalesced() -> None:
    row = likes.run(20, 5, 2, flush_ms=200, workers=2, sample=5, nodes=1, tick_ms=100, tail=1.5)
    assert row["viewers"] == 20 and row["refused"] == 0
    assert row["all counted"] == "yes" and row["counted"] == row["likes sent"] > 0
    assert row["acked"] == round(row["messages / s"] * 2)
    assert row["saw final"] == "4/4"
    assert row["frames / viewer / s"] < 5  # the counters are coalesced: fewer frames than likes


def test_slow_viewer_is_set_apart_from_the_others() -> None:
    row = slow.run(20, 1, 50, 1, 64, chars=300, workers=2, sample=2, tick_ms=100, settle=0.3)
    assert row["viewers"] == 20 and row["slow"] == 1 and row["sent"] == 50
    assert row["others delivered/expected"] == 1 and row["others dropped"] == 0
    assert row["slow fate"] in {"1× open", "1× eof", "1× reset"} or row["slow fate"].startswith("1× close")
