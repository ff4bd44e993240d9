"""The catalogue ("课单"): finding, ordering and grouping lectures.

Organisers publish some eighty lectures a season and a thousand over the
years, so the home page, the series and speaker pages and the API answer
from here: a search that forgives case, full-width letters, spaces and
punctuation ("劳模精神" finds "“劳模 精神”大家谈"), filters by series, tag
and status, and the three sections people look for: live now, coming up
(soonest first), and past (newest first, a page at a time).
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from live.core import clock
from live.core.lecture import Lecture
from live.core.words import skeleton

#: How long a lecture without an end time is taken to last (calendars, past lectures).
DEFAULT_DURATION_S = 90 * 60


@functools.lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """Two spellings of one series, tag or speaker name are the same when
    they differ only in case, width or spaces: "新时代 新思想 新宣讲 2024" is
    "新时代新思想新宣讲２０２４"."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


# A home page with a thousand lectures reads every one's times and folds
# every one's text on each request: both are remembered (they are pure).
_ts = functools.lru_cache(maxsize=16384)(clock.parse_iso)


def start_ts(lecture: Lecture) -> float | None:
    return _ts(lecture.starts_at) if lecture.starts_at else None


def end_of(starts_at: str, ends_at: str | None) -> float:
    """When a lecture starting at ``starts_at`` ends: ``ends_at`` if it is
    after the start, else the start plus the default duration."""
    start = _ts(starts_at)
    end = _ts(ends_at) if ends_at else None
    return end if end is not None and end > start else start + DEFAULT_DURATION_S


def end_ts(lecture: Lecture) -> float | None:
    return end_of(lecture.starts_at, lecture.ends_at) if lecture.starts_at else None


def _haystack(lecture: Lecture) -> str:
    return _folded((lecture.title, lecture.description, lecture.series or "", *lecture.tags,
                    *(s["name"] or "" for s in lecture.speakers)))


@functools.lru_cache(maxsize=4096)
def _folded(fields: tuple[str, ...]) -> str:
    # One skeleton per field, joined by a character no skeleton holds, so a
    # term never matches across the end of one field and the start of another.
    return "\n".join(skeleton(f) for f in fields)


def query_terms(q: str | None) -> list[str]:
    """The search's terms: each word of the query as a skeleton (NFKC,
    casefolded, letters and digits only); words that hold neither are dropped."""
    return [t for t in (skeleton(word) for word in (q or "").split()) if t]


def matches(lecture: Lecture, terms: Sequence[str]) -> bool:
    """Every term is in the title, description, series, a tag or a speaker's name."""
    hay = _haystack(lecture)
    return all(t in hay for t in terms)


def select(lectures: Iterable[Lecture], *, q: str | None = None, series: str | None = None,
           tag: str | None = None, status: str | None = None, speaker: str | None = None) -> list[Lecture]:
    """The lectures that pass every filter given (None or "": no filter), in the order given."""
    terms = query_terms(q)
    series_key = name_key(series) if series else None
    tag_key = name_key(tag) if tag else None
    speaker_key = name_key(speaker) if speaker else None
    out = []
    for lec in lectures:
        if status and lec.status != status:
            continue
        if series_key is not None and name_key(lec.series or "") != series_key:
            continue
        if tag_key is not None and tag_key not in {name_key(t) for t in lec.tags}:
            continue
        if speaker_key is not None and speaker_key not in {name_key(s["name"] or "") for s in lec.speakers}:
            continue
        if terms and not matches(lec, terms):
            continue
        out.append(lec)
    return out


def _created(lecture: Lecture) -> float:
    return _ts(lecture.created_at)


def in_time_order(lectures: Iterable[Lecture]) -> list[Lecture]:
    """Earliest start first; lectures without a start last, in the order they were created."""
    return sorted(lectures, key=lambda lec: (lec.starts_at is None, start_ts(lec) or 0.0, _created(lec)))


def newest_first(lectures: Iterable[Lecture]) -> list[Lecture]:
    """Latest first, by start, else by end, else by creation."""
    def when(lec: Lecture) -> float:
        for value in (lec.starts_at, lec.ended_at):
            if value:
                return _ts(value)
        return _created(lec)
    return sorted(lectures, key=when, reverse=True)


@dataclass(frozen=True)
class Sections:
    """The catalogue as people read it."""

    live: list[Lecture]
    upcoming: list[Lecture]
    past: list[Lecture]

    @property
    def total(self) -> int:
        return len(self.live) + len(self.upcoming) + len(self.past)


def sections(lectures: Iterable[Lecture]) -> Sections:
    """Live now (earliest start first), scheduled (soonest first, undated
    last) and ended (newest first), by each lecture's status."""
    by_status: dict[str, list[Lecture]] = {"live": [], "scheduled": [], "ended": []}
    for lec in lectures:
        by_status[lec.status].append(lec)
    return Sections(live=in_time_order(by_status["live"]), upcoming=in_time_order(by_status["scheduled"]),
                    past=newest_first(by_status["ended"]))


@dataclass(frozen=True)
class Page:
    items: list[Lecture]
    number: int
    pages: int
    total: int

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def page_of(items: Sequence[Lecture], number: int, size: int) -> Page:
    """Page ``number`` (from 1, clamped to the pages there are) of ``size`` items."""
    pages = max(1, -(-len(items) // size))
    number = min(max(1, number), pages)
    return Page(list(items[(number - 1) * size:number * size]), number, pages, len(items))


def page_number(raw: str | None) -> int:
    """``?page=`` as people type or mangle it: anything but a positive whole number is page 1."""
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


@dataclass(frozen=True)
class Named:
    """A series, tag or speaker as the catalogue knows it: the spelling of
    its latest lecture, and how many lectures it has."""

    name: str
    count: int
    #: A speaker's title on their latest lecture.
    title: str | None = None


def _index(lectures: Iterable[Lecture], names: Callable[[Lecture], list[tuple[str, str | None]]]) -> list[Named]:
    seen: dict[str, list[Any]] = {}  # key -> [name, count, title]
    # Newest first, so each entry keeps the spelling (and title) of its latest lecture.
    for lec in newest_first(lectures):
        for name, title in names(lec):
            key = name_key(name)
            if not key:
                continue
            known = seen.get(key)
            if known is None:
                seen[key] = [name, 1, title]
            else:
                known[1] += 1
                known[2] = known[2] or title
    return sorted((Named(*entry) for entry in seen.values()), key=lambda n: -n.count)


def series_index(lectures: Iterable[Lecture]) -> list[Named]:
    """Every series, those with the most lectures first."""
    return _index(lectures, lambda lec: [(lec.series, None)] if lec.series else [])


def tag_index(lectures: Iterable[Lecture]) -> list[Named]:
    return _index(lectures, lambda lec: [(t, None) for t in lec.tags])


def speaker_index(lectures: Iterable[Lecture]) -> list[Named]:
    """Every speaker, those with the most lectures first, with the title of
    their latest lecture (people are promoted)."""
    return _index(lectures, lambda lec: [(s["name"], s.get("title")) for s in lec.speakers if s["name"]])


def find(index: Iterable[Named], name: str) -> Named | None:
    key = name_key(name)
    return next((n for n in index if name_key(n.name) == key), None)


def time_label(lecture: Lecture) -> str | None:
    """``2026-04-21 19:00–20:30`` in the lecture's zone (the end's date too
    when it ends on another day); None without a start."""
    if not lecture.starts_at:
        return None
    start = clock.local(lecture.starts_at, lecture.timezone)
    if not lecture.ends_at or _ts(lecture.ends_at) <= _ts(lecture.starts_at):
        return start
    end = clock.local(lecture.ends_at, lecture.timezone)
    return f"{start}–{end[11:] if end[:10] == start[:10] else end}"
