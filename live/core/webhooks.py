"""Outbound webhooks, the rules: which committed events another system
hears of, what it is sent, how it can check the sender, and when to try
again. The sending is ``live.web.webhooks``.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Iterable

from live.core import qa
from live.core.clock import iso
from live.core.events import Event
from live.core.lecture import Lecture

TYPES = ("lecture.live", "lecture.ended", "comment.featured", "question.answered")

#: Statuses worth another attempt besides 5xx (and no answer at all).
RETRY_STATUSES = frozenset({408, 429})
#: The longest wait between two attempts, whatever the backoff or the
#: receiver's ``Retry-After`` says.
WAIT_MAX_S = 3600.0


@dataclass(frozen=True)
class Hook:
    #: The delivery id: the lecture and the seq of the event, the same on
    #: every attempt (a receiver drops a repeat by it).
    id: str
    type: str
    at: str
    #: The lecture's public record after the event.
    lecture: dict[str, Any]
    data: dict[str, Any]


def hooks(code: str, events: Iterable[Event], before: Lecture) -> list[Hook]:
    """The webhooks a batch of committed events makes. ``before``: the
    lecture as it was when the batch was decided (a status change is told
    from it). Nothing private is ever sent."""
    out: list[Hook] = []
    lecture = before.public()
    for event in events:
        if event.private:
            continue
        kind: str | None = None
        data = event.data
        if event.kind == "lecture.updated":
            previous, lecture = lecture["status"], event.data
            if lecture["status"] != previous and lecture["status"] in ("live", "ended"):
                kind = "lecture." + lecture["status"]
                data = {"status": lecture["status"], "previous": previous,
                        "went_live_at": lecture.get("went_live_at"), "ended_at": lecture.get("ended_at")}
        elif event.kind == "comment.featured":
            kind = "comment.featured"
        elif event.kind == "question.updated" and _first_answered(event.data):
            kind = "question.answered"
            # A record's tally is that of the moment it was decided, which a
            # node on Redis does not hold: the tallies are shared counters.
            data = {k: v for k, v in event.data.items() if k != "votes"}
        if kind is not None:
            out.append(Hook(f"{code}-{event.seq}", kind, iso(event.at), lecture, data))
    return out


def _first_answered(rec: dict[str, Any]) -> bool:
    """The update that answered the question for the first time: its
    ``answered_at`` is stamped once, with the update's own time (a later
    edit of the answer, or answering again, keeps the first stamp)."""
    stamp = qa.ANSWER_STAMPS["answered"]
    return rec.get("state") == "answered" and rec.get(stamp) is not None and rec.get(stamp) == rec.get("updated_at")


def body(hook: Hook, urls: dict[str, str]) -> dict[str, Any]:
    lec = hook.lecture
    return {
        "id": hook.id,
        "type": hook.type,
        "at": hook.at,
        "lecture": {"code": lec["code"], "title": lec["title"], "status": lec["status"],
                    "starts_at": lec.get("starts_at"), "series": lec.get("series"), "urls": urls},
        "data": hook.data,
    }


def signature(secret: bytes, t: int, raw: bytes) -> str:
    """``X-Live-Signature``: ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">``."""
    mac = hmac.new(secret, str(t).encode() + b"." + raw, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def retryable(status: int | None) -> bool:
    """None: no answer (refused, reset, timed out)."""
    return status is None or status >= 500 or status in RETRY_STATUSES


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def backoff(attempt: int, base_s: float, rand: Callable[[float, float], float] = random.uniform) -> float:
    """The wait after failed attempt ``attempt`` (1, 2, ...): doubling from
    ``base_s``, with jitter (between half and all of it) so that receivers
    coming back are not hit by every sender at once."""
    full = min(WAIT_MAX_S, base_s * 2 ** (attempt - 1))
    return rand(full / 2, full)


def next_wait(status: int | None, attempt: int, attempts: int, base_s: float, told_s: float | None,
              rand: Callable[[float, float], float] = random.uniform) -> float | None:
    """After failed attempt ``attempt`` of ``attempts``: the seconds to wait
    before the next, or None to give up (not worth retrying, or the last)."""
    if not retryable(status) or attempt >= attempts:
        return None
    if told_s is not None:
        return min(WAIT_MAX_S, told_s)
    return backoff(attempt, base_s, rand)
