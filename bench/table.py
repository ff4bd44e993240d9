"""The Markdown table every benchmark prints (pasted into docs/benchmarks.md)."""

from __future__ import annotations

from typing import Any


def print_table(rows: list[dict[str, Any]]) -> None:
    keys = list(rows[0])
    print(f"| {' | '.join(keys)} |")
    print(f"|{'---|' * len(keys)}")
    for row in rows:
        print("| " + " | ".join(f"{row[k]:.3g}" if isinstance(row[k], float) else str(row[k]) for k in keys) + " |")
