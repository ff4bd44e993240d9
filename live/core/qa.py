"""The life of a question, as a table.

    pending ──► approved ◄──► answering ──► answered
       │            │              │            │
       └────────────┴──► dismissed ◄┴────────────┘

A question starts ``pending`` when questions are held for moderation, else
``approved``. Any visible state may go to any other visible state (a
moderator may take back "answered"); ``dismissed`` comes back only through
``approved``. Only one question is ``answering`` at a time: choosing another
moves the previous one to ``answered``. The table is the whole rule; code
asks it and never adds an ``if`` of its own.
"""

from __future__ import annotations

STATES = ("pending", "approved", "answering", "answered", "dismissed")
VISIBLE = frozenset({"approved", "answering", "answered"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"approved", "answering", "answered", "dismissed"}),
    "approved": frozenset({"answering", "answered", "dismissed"}),
    "answering": frozenset({"approved", "answered", "dismissed"}),
    "answered": frozenset({"approved", "answering", "dismissed"}),
    "dismissed": frozenset({"approved"}),
}

#: What becomes of the question answering now when another one takes its place.
DISPLACED = "answered"

#: The time a question records, once, on reaching each of these states: the
#: replay shows it from when the speaker took it up.
ANSWER_STAMPS = {"answering": "answering_at", "answered": "answered_at"}


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def is_visible(state: str) -> bool:
    return state in VISIBLE
