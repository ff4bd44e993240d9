"""Applying log events to a snapshot, the way every client does.

This is the reference for the client library in ``static/js/lib/live.js``
and the proof that resume is right: an old snapshot plus the events since
equals a fresh snapshot (``tests/core/test_snapshot.py``).
"""

from __future__ import annotations

import bisect
from typing import Any

from live.core import qa


def _place(items: list[dict[str, Any]], rec: dict[str, Any], keep: bool) -> None:
    seqs = [i["seq"] for i in items]
    at = bisect.bisect_left(seqs, rec["seq"])
    present = at < len(items) and items[at]["id"] == rec["id"]
    if present:
        if keep:
            items[at] = rec
        else:
            del items[at]
    elif keep:
        items.insert(at, rec)


def apply_event(snapshot: dict[str, Any], event: dict[str, Any], *, comment_limit: int | None = None) -> None:
    """Apply one event as sent to a viewer (``{"seq", "kind", "data"}``)."""
    kind, data = event["kind"], event.get("data")
    if kind.startswith("comment."):
        _place(snapshot["comments"], data, data["state"] == "visible")
        if comment_limit is not None:
            del snapshot["comments"][:-comment_limit]
        if "featured" in snapshot:
            _place(snapshot["featured"], data, data["state"] == "visible" and data["featured"])
    elif kind.startswith("question."):
        _place(snapshot["questions"], data, qa.is_visible(data["state"]))
    elif kind == "lecture.updated":
        snapshot["lecture"] = data
    elif kind.startswith("poll.") and "polls" in snapshot:
        keep = kind != "poll.deleted" and data.get("state") != "draft"
        _place(snapshot["polls"], data, keep)
