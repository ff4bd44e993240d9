"""The figures afterwards: one lecture's (the dashboard) and a set of
lectures' (the catalogue, a series), as plain arithmetic over what the store
keeps: the counters, their samples over time and the records.

Series over time carry ``t`` in Unix seconds, like the samples; single
instants (``peak_at``, ``start``) are ISO times, like the records."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Callable, Iterable, Mapping, Sequence

from live.core import cloud, qa
from live.core.clock import iso, local, parse_iso
from live.core.lecture import Lecture
from live.core.words import EMPTY, WordLists

TOP_QUESTIONS = 10
HOT_WORDS = 40
#: Bars per chart at most: a longer lecture gets wider buckets.
BUCKETS_MAX = 180
#: Bucket widths tried in order, in minutes.
BUCKET_MINUTES = (1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440)
#: Points of the online chart at most: denser samples are merged, each group keeping its highest.
POINTS_MAX = 360
QUESTION_FIELDS = ("id", "text", "nickname", "votes", "state", "answer", "speaker", "created_at")


def _at(record: Mapping[str, Any]) -> float:
    return parse_iso(record["created_at"])


# -- one lecture -------------------------------------------------------------------

def peak(stats: Mapping[str, int], samples: Sequence[Mapping[str, int]]) -> tuple[int, int | None]:
    """The highest number online and the sample that first saw it (within
    one sampling step of the moment); None when no sample has seen it yet."""
    top = max([stats.get("peak_online", 0), *(s.get("online", 0) for s in samples)])
    if top > 0:
        for s in samples:
            if max(s.get("peak_online", 0), s.get("online", 0)) >= top:
                return top, s["t"]
    return top, None


def online_series(samples: Sequence[Mapping[str, int]], every_s: int) -> tuple[list[dict[str, int]], int]:
    """Online viewers over time and the step between points. Past
    ``POINTS_MAX`` points, samples are merged into wider steps, each keeping
    its highest (a peak never disappears from the chart)."""
    points = [{"t": s["t"], "online": s.get("online", 0)} for s in samples]
    if len(points) <= POINTS_MAX:
        return points, every_s
    first = points[0]["t"]
    step = every_s * math.ceil((points[-1]["t"] - first) / every_s / (POINTS_MAX - 1))
    merged: dict[int, dict[str, int]] = {}
    for p in points:
        slot = first + (p["t"] - first) // step * step
        kept = merged.setdefault(slot, {"t": slot, "online": 0})
        kept["online"] = max(kept["online"], p["online"])
    return list(merged.values()), step


def bucket_minutes(span_s: float) -> int:
    """The narrowest bucket that fits ``span_s`` in ``BUCKETS_MAX`` bars."""
    for minutes in BUCKET_MINUTES:
        if span_s < minutes * 60 * BUCKETS_MAX:
            return minutes
    return int(span_s // (60 * BUCKETS_MAX)) + 1


def per_minute(start: float | None, end: float, comments: Iterable[Mapping[str, Any]],
               questions: Iterable[Mapping[str, Any]], samples: Sequence[Mapping[str, int]],
               every_s: int = 0) -> dict[str, Any]:
    """Comments and questions (by their ``created_at``) and visits (the rise
    of the sampled counter, None without samples) per bucket from ``start``;
    what came before ``start`` is counted apart. A bucket covers
    ``[t, t + minutes)``; ``end`` is the last moment to cover. A sample
    named ``t`` was read during ``[t, t + every_s)``: its rise is placed at
    the end of that, the moment by which it had surely happened."""
    comments, questions = list(comments), list(questions)
    sampled = bool(samples)
    before: dict[str, int | None] = {"comments": 0, "questions": 0, "visits": 0 if sampled else None}
    if start is None:
        return {"start": None, "minutes": 1, "before": before, "buckets": []}
    minutes = bucket_minutes(max(0.0, end - start))
    width = minutes * 60
    count = int((end - start) // width) + 1 if end >= start else 0
    buckets: list[dict[str, Any]] = [
        {"t": int(start + i * width), "comments": 0, "questions": 0, "visits": 0 if sampled else None}
        for i in range(count)
    ]

    def slot(t: float) -> dict[str, Any] | None:
        if t < start:
            return before
        i = int((t - start) // width)
        return buckets[i] if i < count else None  # after ``end``: not asked for

    for key, records in (("comments", comments), ("questions", questions)):
        for rec in records:
            into = slot(_at(rec))
            if into is not None:
                into[key] += 1
    seen = 0
    for s in samples:
        # A sample at ``t`` closes the interval since the one before it: its rise happened then.
        visits = s.get("visits", 0)
        into = slot(s["t"] + every_s)
        if into is not None:
            into["visits"] += max(0, visits - seen)
        seen = max(seen, visits)
    return {"start": iso(start), "minutes": minutes, "before": before, "buckets": buckets}


def duration_s(lecture: Lecture, now: float) -> int | None:
    """From going live to the end (or to now while live); None if it never went live."""
    if lecture.went_live_at is None:
        return None
    if lecture.status == "live":
        end = now
    elif lecture.status == "ended" and lecture.ended_at is not None:
        end = parse_iso(lecture.ended_at)
    else:
        return None
    return max(0, round(end - parse_iso(lecture.went_live_at)))


def top_questions(questions: Iterable[Mapping[str, Any]], n: int = TOP_QUESTIONS) -> list[dict[str, Any]]:
    """The visible questions with the most votes; of equal votes, the earlier first."""
    shown = [q for q in questions if qa.is_visible(q["state"])]
    shown.sort(key=lambda q: (-q.get("votes", 0), q["created_at"], q.get("seq", 0)))
    return [{k: q.get(k) for k in QUESTION_FIELDS} for q in shown[:n]]


def comment_words(text: str, lists: WordLists = EMPTY) -> tuple[str, ...]:
    """The words a comment gives the cloud: none when it has a blocked or
    watch word (as a text poll's answer), else its distinct words."""
    if lists and lists.verdict(text) is not None:
        return ()
    return tuple(cloud.words(text))


def hot_words(comments: Iterable[Mapping[str, Any]], words: Callable[[str], Sequence[str]] = comment_words,
              n: int = HOT_WORDS) -> list[dict[str, Any]]:
    """The words of the most visible comments (a word counts once per
    comment); of equal counts, the first seen first."""
    counts: Counter[str] = Counter()
    for c in comments:
        if c["state"] == "visible":
            counts.update(words(c["text"]))
    return [{"word": w, "count": k} for w, k in counts.most_common(n)]


def site_of(source: str) -> str | None:
    """None for the viewer page; the host of the site a widget was on; ""
    for a widget on a site not named (or past the number counted apart)."""
    if source == "page":
        return None
    _, _, origin = source.partition(":")
    return "" if origin in ("", "other") else origin.split("://", 1)[-1]


def source_rows(sources: Mapping[str, Mapping[str, int]]) -> list[dict[str, Any]]:
    """Where the visits came from, most first, with each one's share."""
    total = sum(v.get("visits", 0) for v in sources.values())
    rows = [{"source": s, "site": site_of(s), "visits": v.get("visits", 0), "online": v.get("online", 0),
             "share": round(v.get("visits", 0) / total, 4) if total else 0.0} for s, v in sources.items()]
    rows.sort(key=lambda r: (-r["visits"], r["source"]))
    return rows


def lecture_figures(
    lecture: Lecture, *, stats: Mapping[str, int], samples: Sequence[Mapping[str, int]],
    comments: Sequence[Mapping[str, Any]], questions: Sequence[Mapping[str, Any]],
    sources: Mapping[str, Mapping[str, int]], now: float, every_s: int,
    words: Callable[[str], Sequence[str]] = comment_words,
) -> dict[str, Any]:
    """Everything the dashboard shows. ``comments`` and ``questions``: every
    record (held and hidden too: they were received), of which only the
    visible ones are shown or counted into words."""
    top, top_t = peak(stats, samples)
    points, step = online_series(samples, every_s)
    stream_start = lecture.stream_start()
    records = [*comments, *questions]
    if stream_start is not None:
        start: float | None = parse_iso(stream_start)
    else:
        start = min((_at(r) for r in records), default=None)
    ends = [_at(r) for r in records] + [s["t"] + every_s for s in samples] + ([now] if lecture.status == "live" else [])
    end = max(ends, default=start or 0.0)
    return {
        "lecture": {"code": lecture.code, "title": lecture.title, "status": lecture.status,
                    "timezone": lecture.timezone, "series": lecture.series, "stream_start": stream_start,
                    "ended_at": lecture.ended_at},
        "online": stats.get("online", 0),
        "peak_online": top,
        "peak_at": iso(top_t) if top_t is not None else None,
        "visits": stats.get("visits", 0),
        "unique_viewers": stats.get("unique_viewers", 0),
        "likes": stats.get("likes", 0),
        "comments": {"received": len(comments), "shown": sum(c["state"] == "visible" for c in comments)},
        "questions": {"asked": len(questions), "answered": sum(q["state"] == "answered" for q in questions),
                      "answered_live": stats.get("answered_live", 0),
                      "answered_written": stats.get("answered_written", 0)},
        "duration_s": duration_s(lecture, now),
        # The highest point drawn (the chart's marker), the first of equals.
        "online_over_time": {"every_s": step, "points": points,
                             "highest": max(points, key=lambda p: p["online"], default=None)},
        "per_minute": per_minute(start, end, comments, questions, samples, every_s),
        "top_questions": top_questions(questions),
        "hot_words": hot_words(comments, words),
        "sources": source_rows(sources),
    }


# -- a set of lectures -------------------------------------------------------------

#: The columns of the table per lecture that add up across lectures.
SUMMED = ("visits", "likes", "comments", "questions", "answered")
SORTS = ("date", "title", "series", "visits", "peak_online", "unique_viewers", "likes", "comments", "questions",
         "answered")


def counts_in_figures(lecture: Lecture, stats: Mapping[str, int]) -> bool:
    """A lecture still to come, nobody having visited yet, is no part of the figures."""
    return lecture.status != "scheduled" or stats.get("visits", 0) > 0


def catalogue_row(lecture: Lecture, stats: Mapping[str, int]) -> dict[str, Any]:
    """One lecture's line in the table: ``comments`` are the ones shown."""
    at = lecture.stream_start() or lecture.created_at
    return {
        "code": lecture.code, "title": lecture.title, "at": at, "date": local(at, lecture.timezone)[:10],
        "series": lecture.series, "status": lecture.status,
        "visits": stats.get("visits", 0), "peak_online": stats.get("peak_online", 0),
        "unique_viewers": stats.get("unique_viewers", 0), "likes": stats.get("likes", 0),
        "comments": stats.get("comments", 0), "questions": stats.get("questions", 0),
        "answered": stats.get("answered_live", 0) + stats.get("answered_written", 0),
    }


def catalogue_totals(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What adds up across lectures, and the largest peak (the earliest
    lecture's of equal peaks). Unique viewers do not add up (one person at
    three lectures is one viewer, not three): their plain sum is given as
    ``unique_viewers_sum``, to be labelled as such."""
    top = max(rows, key=lambda r: (r["peak_online"], -parse_iso(r["at"])), default=None)
    return {
        "lectures": len(rows),
        **{k: sum(r[k] for r in rows) for k in SUMMED},
        "peak_online": top["peak_online"] if top else 0,
        "peak_code": top["code"] if top else None,
        "peak_title": top["title"] if top else None,
        "unique_viewers_sum": sum(r["unique_viewers"] for r in rows),
    }


def sorted_rows(rows: Iterable[Mapping[str, Any]], by: str = "date", descending: bool = False) -> list[dict[str, Any]]:
    """The table ordered by a column; equal values in date order."""
    if by not in SORTS:
        raise ValueError(f"cannot sort by {by!r}")
    out = sorted((dict(r) for r in rows), key=lambda r: parse_iso(r["at"]))
    if by == "date":
        return out[::-1] if descending else out
    return sorted(out, key=lambda r: r[by] if r[by] is not None else "", reverse=descending)


def catalogue_figures(entries: Iterable[tuple[Lecture, Mapping[str, int]]], series: str | None = None,
                      by: str = "date", descending: bool = False) -> dict[str, Any]:
    """The totals and the table of the lectures (of one series, if given)
    that have taken place or been visited."""
    rows = [catalogue_row(lec, stats) for lec, stats in entries
            if (series is None or lec.series == series) and counts_in_figures(lec, stats)]
    return {"series": series, "totals": catalogue_totals(rows), "lectures": sorted_rows(rows, by, descending)}
