"""The calendar feeds, read back with the ``icalendar`` package: what a
phone's calendar sees, line folding at 75 octets that never splits a
Chinese character, TEXT escaping, UTC times and UIDs that stay put."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import icalendar
import pytest

from live.core import catalogue, ical
from live.core.lecture import Lecture

BASE = "https://live.example.org"
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=timezone.utc).timestamp()
LONG_TITLE = "弘扬新时代劳模精神、劳动精神、工匠精神，打造高素质产业工人队伍——“劳模精神”大家谈五一特辑"


def lec(code: str, title: str, **fields: Any) -> Lecture:
    fields.setdefault("created_at", "2026-03-01T08:00:00.000Z")
    return Lecture(code=code, title=title, moderator_key="k", epoch="e", **fields)


@pytest.fixture
def lectures() -> list[Lecture]:
    return [
        lec("K7MXQ2", LONG_TITLE, starts_at="2026-04-21T11:00:00.000Z", ends_at="2026-04-21T11:50:00.000Z",
            description="以访谈形式进行。\n四位嘉宾, 分别从不同视角; 畅谈 C:\\思考",
            speakers=[{"name": "陈亮", "title": "全国劳动模范候选人、“全国十佳最美职工”"}, {"name": "唐忠宝", "title": None}],
            tags=["劳模精神", "五一, 特辑"], series="新时代·新思想·新宣讲", status="ended",
            video_url="https://example.org/replay.mp4", went_live_at="2026-04-21T11:02:00.000Z",
            ended_at="2026-04-21T11:52:00.000Z"),
        lec("ABCDEF", "新质生产力", starts_at="2027-03-18T11:00:00.000Z", timezone="Europe/Berlin"),
        lec("GHJKLM", "时间待定的讲座"),
    ]


def feed(lectures: list[Lecture], now: float = NOW, **kw: Any) -> str:
    kw.setdefault("name", "新时代·新思想·新宣讲")
    kw.setdefault("zone", "Asia/Shanghai")
    return ical.calendar(lectures, base_url=BASE, now=now, **kw)


def events(text: str) -> list[Any]:
    return [c for c in icalendar.Calendar.from_ical(text).walk("VEVENT")]


def test_the_feed_parses_back_with_every_field(lectures: list[Lecture]) -> None:
    text = feed(lectures)
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["VERSION"]) == "2.0" and str(cal["X-WR-CALNAME"]) == "新时代·新思想·新宣讲"
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Shanghai" and str(cal["METHOD"]) == "PUBLISH"
    first, second = events(text)  # the lecture without a start is left out
    assert str(first["UID"]) == "lecture-K7MXQ2@live.example.org"
    assert str(first["SUMMARY"]) == LONG_TITLE
    assert first.decoded("DTSTART") == datetime(2026, 4, 21, 11, 0, tzinfo=timezone.utc)
    assert first.decoded("DTEND") == datetime(2026, 4, 21, 11, 50, tzinfo=timezone.utc)
    assert first.decoded("DTSTAMP") == datetime.fromtimestamp(NOW, tz=timezone.utc)
    assert first.decoded("LAST-MODIFIED") == datetime(2026, 4, 21, 11, 52, tzinfo=timezone.utc)  # it ended then
    assert str(first["URL"]) == f"{BASE}/l/K7MXQ2"
    description = str(first["DESCRIPTION"])
    assert description.startswith("以访谈形式进行。\n四位嘉宾, 分别从不同视角; 畅谈 C:\\思考\n\n")
    assert "嘉宾：陈亮（全国劳动模范候选人、“全国十佳最美职工”）、唐忠宝" in description
    assert f"观看与互动：{BASE}/l/K7MXQ2" in description and f"回放：{BASE}/l/K7MXQ2/replay" in description
    assert [str(c) for c in first["CATEGORIES"].cats] == ["劳模精神", "五一, 特辑"]
    # no end: the default length; times are UTC whatever the lecture's zone
    assert second.decoded("DTSTART") == datetime(2027, 3, 18, 11, 0, tzinfo=timezone.utc)
    assert second.decoded("DTEND") - second.decoded("DTSTART") == timedelta(seconds=catalogue.DEFAULT_DURATION_S)
    assert "CATEGORIES" not in second and "回放" not in str(second["DESCRIPTION"])


def test_lines_end_in_crlf_and_fold_at_75_octets_between_characters(lectures: list[Lecture]) -> None:
    raw = feed(lectures).encode("utf-8")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    folded = [line for line in lines if line.startswith(b" ")]
    assert len(folded) >= 3  # the long title and description were folded
    for line in lines:
        line.decode("utf-8")  # each physical line is whole characters: none was cut in two
    unfolded = raw.replace(b"\r\n ", b"").decode("utf-8")
    assert f"SUMMARY:{LONG_TITLE}\r\n" in unfolded


@pytest.mark.parametrize("text", ["", "a" * 74, "a" * 75, "a" * 76, "劳" * 40, "a" + "劳" * 40, "😀" * 30,
                                  "ab" + "工匠" * 60])
def test_folding_keeps_the_text_and_every_line_short(text: str) -> None:
    folded = ical.fold("X:" + text)
    lines = folded.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "".join(line[1:] if i else line for i, line in enumerate(lines)) == "X:" + text


def test_text_is_escaped() -> None:
    assert ical.escape("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"
    tricky = lec("K7MXQ2", "A, B; C \\ D", starts_at="2026-04-21T11:00:00.000Z", description="一\n二\r\n三")
    [event] = events(feed([tricky]))
    assert str(event["SUMMARY"]) == "A, B; C \\ D"
    assert str(event["DESCRIPTION"]).startswith("一\n二\n三\n\n")


def test_uids_are_stable_and_one_per_lecture(lectures: list[Lecture]) -> None:
    now_uids = [str(e["UID"]) for e in events(feed(lectures))]
    later_uids = [str(e["UID"]) for e in events(feed(list(reversed(lectures)), now=NOW + 86400, name="全部"))]
    assert now_uids == later_uids and len(set(now_uids)) == 2


def test_an_empty_catalogue_is_still_a_calendar() -> None:
    cal = icalendar.Calendar.from_ical(feed([lec("GHJKLM", "时间待定")], name="讲座日历"))
    assert str(cal["X-WR-CALNAME"]) == "讲座日历" and events(cal.to_ical().decode()) == []


def test_labels_follow_the_readers_language(lectures: list[Lecture]) -> None:
    labels = ical.Labels(speakers="Speakers: ", watch="Watch: ", replay="Replay: ", separator=", ",
                         titled="{name} ({title})")
    [event, _] = events(feed(lectures, labels=labels))
    assert "Speakers: 陈亮 (全国劳动模范候选人、“全国十佳最美职工”), 唐忠宝" in str(event["DESCRIPTION"])
