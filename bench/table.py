"""What every benchmark prints (pasted into docs/benchmarks.md): the
machine and the command, then a Markdown table."""

from __future__ import annotations

import os
import platform
import shlex
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

#: Past this share of one core a load-generator process is the bottleneck, not the server.
SATURATED = 0.9


def print_table(rows: list[dict[str, Any]]) -> None:
    keys = list(rows[0])
    print(f"| {' | '.join(keys)} |")
    print(f"|{'---|' * len(keys)}")
    for row in rows:
        print("| " + " | ".join(f"{row[k]:.3g}" if isinstance(row[k], float) else str(row[k]) for k in keys) + " |")


def machine() -> str:
    """Cores, CPU, Python and the versions that shape the numbers."""
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), "")
    versions = []
    for name in ("live", "aiohttp", "uvloop", "orjson", "python-socketio", "python-engineio", "redis"):
        try:
            versions.append(f"{'redis-py' if name == 'redis' else name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return (f"{os.cpu_count()} cores ({model or platform.machine()}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; " + ", ".join(versions))


def print_header(title: str) -> None:
    command = os.environ.get("LIVE_BENCH_COMMAND") or shlex.join(["python", *sys.argv])
    print(f"## {title}\n")
    print(f"- machine: {machine()}")
    print(f"- command: `{command}`\n", flush=True)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def loadgen(busy: float) -> str:
    """The busiest load-generator process's CPU share, flagged when it is
    the bottleneck (then the server's figures are a lower bound)."""
    return f"{busy:.0%}" + (" SATURATED" if busy >= SATURATED else "")
