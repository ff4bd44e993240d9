"""Calendar feeds of the catalogue (iCalendar, RFC 5545).

A viewer subscribes to a lecture, a series or the whole catalogue and
their phone's calendar reminds them; when the organiser moves a lecture,
the calendar follows on its next refresh: every lecture keeps one UID, and
LAST-MODIFIED moves when it changes state. Times are written in UTC (no
VTIMEZONE to get wrong); X-WR-TIMEZONE tells calendar apps where the
organiser is. Lectures without a start time are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable
from urllib.parse import urlsplit

from live.core import catalogue, clock
from live.core.lecture import Lecture

CRLF = "\r\n"
#: A content line's length, line break excluded (RFC 5545 §3.1).
LINE_OCTETS = 75
PRODID = "-//live//lecture catalogue//ZH"
#: How often a subscribed calendar should look again (RFC 7986 REFRESH-INTERVAL).
REFRESH = "PT1H"


@dataclass(frozen=True)
class Labels:
    """The words a feed's descriptions use, in the reader's language."""

    speakers: str = "嘉宾："
    watch: str = "观看与互动："
    replay: str = "回放："
    separator: str = "、"
    #: A speaker with a title: "{name}（{title}）".
    titled: str = "{name}（{title}）"


def escape(text: str) -> str:
    """A TEXT value (§3.3.11): backslash, semicolon, comma and line breaks escaped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded into lines of at most 75 octets (§3.1): each
    continuation starts with a space, which counts; a UTF-8 character is
    never split."""
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return line
    parts: list[bytes] = []
    start, limit = 0, LINE_OCTETS
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            end -= 1
        parts.append(data[start:end])
        start, limit = end, LINE_OCTETS - 1
    parts.append(data[start:])
    return "\r\n ".join(p.decode("utf-8") for p in parts)


def utc(ts: float) -> str:
    """A DATE-TIME in UTC: ``20260421T110000Z``."""
    d = datetime.fromtimestamp(ts, tz=timezone.utc)
    return f"{d.year:04d}{d.month:02d}{d.day:02d}T{d.hour:02d}{d.minute:02d}{d.second:02d}Z"


def uid(lecture: Lecture, host: str) -> str:
    """The same for a lecture in every feed and at every refresh (a calendar
    subscribed to a series and to the whole catalogue shows it once)."""
    return f"lecture-{lecture.code}@{host}"


def _modified(lecture: Lecture) -> float:
    return max(clock.parse_iso(t) for t in (lecture.created_at, lecture.went_live_at, lecture.ended_at) if t)


def _description(lecture: Lecture, base_url: str, labels: Labels) -> str:
    parts = [lecture.description] if lecture.description else []
    if lecture.speakers:
        names = [labels.titled.format(name=s["name"], title=s["title"]) if s.get("title") else s["name"]
                 for s in lecture.speakers]
        parts.append(labels.speakers + labels.separator.join(n for n in names if n))
    parts.append(labels.watch + f"{base_url}/l/{lecture.code}")
    if lecture.status == "ended" and lecture.video_url:
        parts.append(labels.replay + f"{base_url}/l/{lecture.code}/replay")
    return "\n\n".join(parts)


def event(lecture: Lecture, *, base_url: str, host: str, now: float, labels: Labels) -> list[str]:
    """The VEVENT of a lecture that has a start time, as unfolded content lines."""
    start, end = catalogue.start_ts(lecture), catalogue.end_ts(lecture)
    assert start is not None and end is not None, "a lecture without a start has no event"
    link = f"{base_url}/l/{lecture.code}"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid(lecture, host)}",
        f"DTSTAMP:{utc(now)}",
        f"DTSTART:{utc(start)}",
        f"DTEND:{utc(end)}",
        f"SUMMARY:{escape(lecture.title)}",
        f"DESCRIPTION:{escape(_description(lecture, base_url, labels))}",
        f"URL:{link}",
        f"LOCATION:{escape(link)}",
        f"CREATED:{utc(clock.parse_iso(lecture.created_at))}",
        f"LAST-MODIFIED:{utc(_modified(lecture))}",
        "STATUS:CONFIRMED",
    ]
    if lecture.tags:
        lines.append("CATEGORIES:" + ",".join(escape(t) for t in lecture.tags))
    lines.append("END:VEVENT")
    return lines


def calendar(lectures: Iterable[Lecture], *, name: str, zone: str, base_url: str, now: float,
             labels: Labels = Labels()) -> str:
    """A whole feed: the lectures that have a start time, earliest first."""
    base_url = base_url.rstrip("/")
    host = urlsplit(base_url).hostname or "localhost"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape(name)}",
        f"X-WR-CALNAME:{escape(name)}",
        f"X-WR-TIMEZONE:{zone}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]
    for lec in catalogue.in_time_order(lec for lec in lectures if lec.starts_at):
        lines.extend(event(lec, base_url=base_url, host=host, now=now, labels=labels))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
