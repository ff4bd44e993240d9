"""Time as the protocol writes it."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Where the organisers are, unless a lecture says otherwise.
DEFAULT_ZONE = "Asia/Shanghai"


def now() -> float:
    return time.time()


def iso(ts: float) -> str:
    """``2026-11-21T05:06:54.123Z``: what every record's time looks like."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def local(value: str, zone: str) -> str:
    """An ISO time as people in ``zone`` read it: ``2026-04-21 19:00``."""
    return datetime.fromtimestamp(parse_iso(value), tz=ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def checked_zone(value: object) -> str:
    """An IANA time zone name (``Asia/Shanghai``), or ValueError."""
    if not isinstance(value, str) or not value or len(value) > 64 or value.startswith(("/", ".")) or ".." in value:
        raise ValueError("not a time zone name")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{value}'") from None
    return value


def parse_iso(value: str) -> float:
    """An ISO 8601 time with a zone (``Z`` or an offset) as a POSIX time."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError("a time needs a zone, e.g. 2026-04-21T19:00:00+08:00")
    return dt.timestamp()
