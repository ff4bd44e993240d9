"""The replay's timeline: when each comment and answered question shows,
in seconds of the recording.

A time ``t`` counts from the stream's start (going live, else the scheduled
start, else the lecture's creation) plus the lecture's ``replay_offset_s``,
the place of that start in the recording. Chat from before the start keeps
its negative ``t``: at any time from 0 it is already "shown", so the page
has it at the very start. One rule says what is shown at a time, here and
in the page (static/js/replay.js): every item with ``t <= at``.
"""

from __future__ import annotations

import bisect
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from live.core import clock
from live.core.lecture import Lecture, stream_kind

#: The questions a replay shows: those a speaker took up.
SHOWN_QUESTIONS = frozenset({"answering", "answered"})

#: Sound-only recordings (a talk recorded for radio): a <video> plays them too.
_AUDIO_SUFFIXES = (".mp3", ".m4a", ".aac", ".wav", ".oga", ".ogg", ".opus", ".flac")


def recording_kind(url: str | None) -> str | None:
    """How the replay page plays the recording: as ``stream_kind`` says,
    and a sound file in <video> like a video file."""
    if url and urlsplit(url).path.lower().endswith(_AUDIO_SUFFIXES):
        return "video"
    return stream_kind(url)


def anchor(lecture: Lecture) -> str:
    """The time replay seconds count from."""
    return lecture.stream_start() or lecture.created_at


def seconds(at: str, start: float, offset_s: float) -> float:
    """``at`` (ISO) as seconds of the recording, to the millisecond the records keep."""
    return round(clock.parse_iso(at) - start + offset_s, 3)


def _question_time(rec: Mapping[str, Any]) -> str:
    # From when a speaker took it up; older records (or one answered in
    # writing, never "answering") have only the later stamps.
    return rec.get("answering_at") or rec.get("answered_at") or rec["updated_at"]


def comment_item(rec: Mapping[str, Any], start: float, offset_s: float) -> dict[str, Any]:
    return {
        "id": rec["id"],
        "t": seconds(rec["created_at"], start, offset_s),
        "text": rec["text"],
        "nickname": rec.get("nickname"),
        "featured": bool(rec.get("featured")),
        "source": rec.get("source"),
    }


def question_item(rec: Mapping[str, Any], start: float, offset_s: float) -> dict[str, Any]:
    return {
        "id": rec["id"],
        "t": seconds(_question_time(rec), start, offset_s),
        "text": rec["text"],
        "nickname": None if rec.get("anonymous") else rec.get("nickname"),
        "answer": rec.get("answer"),
        "speaker": rec.get("speaker"),
        "votes": rec.get("votes", 0),
        "state": rec["state"],
    }


def timeline(lecture: Lecture, comments: Iterable[Mapping[str, Any]],
             questions: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The replay of ``lecture`` from its comment and question records (any
    states, any order): the visible comments and the questions taken up,
    each with its ``t``, in the order they show (by ``t``, then as posted),
    and the length of the timeline."""
    start_at = anchor(lecture)
    start = clock.parse_iso(start_at)
    offset = lecture.settings.get("replay_offset_s", 0)
    c_items = _in_order((comment_item(c, start, offset), c.get("seq", 0))
                        for c in comments if c.get("state") == "visible")
    q_items = _in_order((question_item(q, start, offset), q.get("seq", 0))
                        for q in questions if q.get("state") in SHOWN_QUESTIONS)
    return {
        "stream_start": start_at,
        "offset_s": offset,
        "duration_s": duration(lecture, start, offset, [*c_items, *q_items]),
        "comments": c_items,
        "questions": q_items,
    }


def _in_order(pairs: Iterable[tuple[dict[str, Any], int]]) -> list[dict[str, Any]]:
    """Items by time, then in the order they were posted (their ``seq``)."""
    return [item for item, _ in sorted(pairs, key=lambda pair: (pair[0]["t"], pair[1]))]


def duration(lecture: Lecture, start: float, offset_s: float, items: Iterable[Mapping[str, Any]]) -> float:
    """Up to the end of the stream, or the last item if one comes later
    (never below 0): the length the page's own player plays."""
    end = seconds(lecture.ended_at, start, offset_s) if lecture.ended_at else 0.0
    return max(0.0, end, max((item["t"] for item in items), default=0.0))


def shown(items: Sequence[Mapping[str, Any]], at: float) -> Sequence[Mapping[str, Any]]:
    """The items (in timeline order) shown at ``at`` seconds of the recording."""
    return items[:bisect.bisect_right(items, at, key=lambda item: item["t"])]
