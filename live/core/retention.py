"""Keeping and letting go: when a lecture's retention time has passed, and
what a purge leaves of its records.

A lecture's ``retention_days`` (0: keep everything) counts from when it last
ended. Once that time has passed the server forgets who the viewers were and
the comments nobody was shown, and keeps the figures.

"Who" is the opaque viewer token: it ties one person's comments, questions,
votes and poll answers together, and the moderators' handle for a viewer is
a hash of it. The nicknames on visible comments and questions were
published with them and stay, like the text.

What goes: every comment not visible to everyone (hidden, held and never
approved, muted), wherever it is (its events become tombstones, so ``seq``
stays gapless); the author of every event; bans and mutes; acks; the set of
viewers (its size is kept); each vote and poll answer's viewer (a random
stand-in takes its place, one per row, so the tallies and results stay
exact but nothing links two rows to one person). A quiz's leaderboard ranks
people, so it goes too; the poll results stay.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any, Iterable

from live.core.clock import parse_iso
from live.core.events import Event
from live.core.lecture import Lecture

DAY_S = 86_400

#: Who the audit log says made the ``purged_at`` change.
ACTOR = "retention"

#: The kind of an event whose comment was purged: moderators see it as
#: such, everyone else as a ``private`` placeholder (it is private).
TOMBSTONE = "purged"

#: How a stand-in begins; a viewer token never does (tokens begin "v1.").
STAND_IN = "~"


def due_at(lecture: Lecture) -> float | None:
    """When the lecture's purge falls due (a POSIX time), or None when it
    keeps everything, has not ended, or was purged since it last ended."""
    days = lecture.settings.get("retention_days") or 0
    if not days or lecture.status != "ended" or not lecture.ended_at:
        return None
    ended = parse_iso(lecture.ended_at)
    if lecture.purged_at and parse_iso(lecture.purged_at) >= ended:
        return None
    return ended + days * DAY_S


def is_due(lecture: Lecture, now: float) -> bool:
    at = due_at(lecture)
    return at is not None and now >= at


def due(lectures: Iterable[Lecture], now: float) -> list[Lecture]:
    return [lec for lec in lectures if is_due(lec, now)]


def dropped_comments(records: Iterable[dict[str, Any]]) -> set[str]:
    """The comments a purge removes: every one not visible to everyone."""
    return {rec["id"] for rec in records if rec["state"] != "visible"}


def final_comments(events: Iterable[Event]) -> list[dict[str, Any]]:
    """Each comment's record as the log leaves it (an event carries the whole record)."""
    last: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.kind.startswith("comment."):
            last[event.data["id"]] = event.data
    return list(last.values())


def scrubbed(event: Event, dropped: set[str]) -> Event:
    """The event with no viewer in it: a tombstone for a dropped comment's
    events (its moderator stays, for the audit); no author on any other; a
    ban or mute that no longer says whom it was about."""
    if event.kind.startswith("comment.") and event.data.get("id") in dropped:
        return Event(event.seq, TOMBSTONE, {}, True, None, event.at, event.by)
    if event.kind == "viewer.restricted":
        return replace(event, data={**event.data, "viewer": None, "nickname": None}, author=None)
    return replace(event, author=None) if event.author is not None else event


def scrubbed_audit(entry: dict[str, Any], dropped: set[str]) -> dict[str, Any]:
    """An audit line as ``live.core.events.audit_entry`` writes it for the
    scrubbed event (where the audit is kept apart from the log)."""
    if entry.get("kind", "").startswith("comment.") and entry.get("target") in dropped:
        return {"seq": entry["seq"], "at": entry["at"], "by": entry["by"], "kind": TOMBSTONE}
    if entry.get("kind") == "viewer.restricted":
        return {**entry, "target": None, "nickname": None}
    return entry


def scrubbed_answer(kept: dict[str, Any]) -> dict[str, Any]:
    """A poll answer reduced to what the results count (``keys``): no answer
    text, time or nickname, so no leaderboard ranks its author."""
    out = {"answer": {}, "at": 0.0, "nickname": None, "keys": list(kept.get("keys", ()))}
    if "raw" in kept:
        out["raw"] = ""
    return out


def is_stand_in(viewer: str) -> bool:
    return viewer.startswith(STAND_IN)


def stand_in() -> str:
    """A random viewer no token can be, for one vote or answer row."""
    return STAND_IN + secrets.token_hex(8)
