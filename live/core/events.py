"""Entries of a lecture's durable log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
)


@dataclass(slots=True, frozen=True)
class Event:
    seq: int
    kind: str
    data: dict[str, Any]
    #: Only moderators may see it (a held comment, a pending question);
    #: everyone else gets ``{"seq": N, "kind": "private"}`` so seq stays gapless.
    private: bool = False
    #: The viewer whose comment or question the event is about (its author,
    #: who sees even its private events); kept by the store, never sent.
    author: str | None = None
    at: float = 0.0

    def full(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "data": self.data}

    def public(self) -> dict[str, Any]:
        if self.private:
            return {"seq": self.seq, "kind": "private"}
        return self.full()

    def view(self, viewer: str | None, moderator: bool) -> dict[str, Any]:
        """The event as one connection may see it."""
        if moderator or (self.private and viewer is not None and viewer == self.author):
            return self.full()
        return self.public()
