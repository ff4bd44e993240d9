"""Time as the protocol writes it."""

from __future__ import annotations

import time
from datetime import datetime, timezone


def now() -> float:
    return time.time()


def iso(ts: float) -> str:
    """``2026-11-21T05:06:54.123Z``: what every record's time looks like."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> float:
    """An ISO 8601 time with a zone (``Z`` or an offset) as a POSIX time."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError("a time needs a zone, e.g. 2026-04-21T19:00:00+08:00")
    return dt.timestamp()
