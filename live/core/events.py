"""Entries of a lecture's durable log."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from live.core import polls
from live.core.clock import iso

#: Every kind the log holds; clients ignore kinds they do not know.
KINDS = (
    "comment.created",
    "comment.hidden",
    "comment.restored",
    "comment.featured",
    "comment.unfeatured",
    "comment.approved",
    "question.created",
    "question.updated",
    "lecture.updated",
    # Moderators only (private): the word lists, a viewer banned or muted.
    "words.updated",
    "viewer.restricted",
    # Polls (a draft's events are private).
    "poll.created",
    "poll.updated",
    "poll.opened",
    "poll.closed",
    "poll.results_shown",
    "poll.results_hidden",
    "poll.revealed",
    "poll.deleted",
)

#: A comment only its author and the moderators see, shown to its author as
#: if it were visible: a muted viewer is not told.
MUTED = "muted"


_AUTHORED = ("comment.", "question.")


def viewer_handle(viewer: str) -> str:
    """What moderators see of a viewer: stable per viewer, but not the
    token itself (which would let them post as that viewer)."""
    return hashlib.sha256(viewer.encode()).hexdigest()[:10]


def as_author_sees(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "state": "visible"} if record.get("state") == MUTED else record


@dataclass(slots=True, frozen=True)
class Event:
    seq: int
    kind: str
    data: dict[str, Any]
    #: Only moderators may see it (a held comment, a pending question);
    #: everyone else gets ``{"seq": N, "kind": "private"}`` so seq stays gapless.
    private: bool = False
    #: The viewer the event is about (who wrote the comment or question, who
    #: was banned); its author sees even its private events. Kept by the
    #: store, never sent: moderators get its handle.
    author: str | None = None
    at: float = 0.0
    #: The moderator who made the change (the audit log), or None for a viewer's own act.
    by: str | None = None

    def full(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "data": self.data}

    def public(self) -> dict[str, Any]:
        if self.private:
            return {"seq": self.seq, "kind": "private"}
        if self.kind.startswith("poll.") and "kind" in self.data:
            return {"seq": self.seq, "kind": self.kind, "data": polls.public(self.data)}
        return self.full()

    def for_moderators(self) -> dict[str, Any]:
        out = self.full()
        if self.author:
            out["viewer"] = viewer_handle(self.author)
        if self.by:
            out["by"] = self.by
        return out

    def view(self, viewer: str | None, moderator: bool) -> dict[str, Any]:
        """The event as one connection may see it."""
        if moderator:
            return self.for_moderators()
        # An author sees their own held or muted items; never that they were
        # banned or muted (``viewer.restricted`` is about them too).
        if self.private and viewer is not None and viewer == self.author and self.kind.startswith(_AUTHORED):
            return {"seq": self.seq, "kind": self.kind, "data": as_author_sees(self.data)}
        return self.public()


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The fields a lecture change touched; settings one by one (``settings.slow_mode_s``)."""
    out = [k for k in after if k not in ("settings", "key_generation") and before.get(k) != after[k]]
    out += [f"settings.{k}" for k, v in after.get("settings", {}).items() if before.get("settings", {}).get(k) != v]
    if before.get("key_generation") != after.get("key_generation"):
        out.append("moderator_key")
    return sorted(out)


def audit_entry(event: Event, before: dict[str, Any] | None = None) -> dict[str, Any]:
    """One line of the audit log: who did what to which item, and when.
    ``before``: for a lecture change, the public record it changed."""
    data = event.data
    entry: dict[str, Any] = {"seq": event.seq, "at": iso(event.at), "by": event.by, "kind": event.kind}
    if event.kind.startswith(("comment.", "question.")):
        entry["target"] = data.get("id")
        entry["text"] = (data.get("text") or "")[:80]
        if event.kind == "question.updated":
            entry["state"] = data.get("state")
            if data.get("merged_into"):
                entry["merged_into"] = data["merged_into"]
    elif event.kind == "viewer.restricted":
        entry["target"] = data.get("viewer")
        entry["mode"] = data.get("mode")
        entry["nickname"] = data.get("nickname")
    elif event.kind == "words.updated":
        entry["blocked"] = len(data.get("blocked", ()))
        entry["watch"] = len(data.get("watch", ()))
    elif event.kind.startswith("poll."):
        entry["target"] = data.get("id")
        entry["text"] = (data.get("title") or "")[:80]
    elif event.kind == "lecture.updated":
        entry["status"] = data.get("status")
        if before is not None:
            entry["changed"] = _changed(before, data)
    return entry
