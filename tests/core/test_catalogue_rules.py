"""The catalogue's rules without a server: search, filters, the three
sections and their order, pages, the series and speaker indexes."""

from __future__ import annotations

from typing import Any

import pytest

from live.core import catalogue
from live.core.lecture import Lecture

_made = iter(range(10**6))


def lec(title: str, **fields: Any) -> Lecture:
    n = next(_made)
    fields.setdefault("created_at", f"2026-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}.000Z")
    return Lecture(code=f"C{n:05d}", title=title, moderator_key="k", epoch="e", **fields)


CHEN = {"name": "陈亮", "title": "全国劳动模范候选人"}
TANG = {"name": "唐忠宝", "title": "江南大学马克思主义学院教授"}


@pytest.fixture
def shelf() -> list[Lecture]:
    return [
        lec("“劳模精神”大家谈", description="五一特辑：弘扬劳模精神、劳动精神、工匠精神", speakers=[CHEN, TANG],
            series="新时代·新思想·新宣讲", tags=["劳模精神", "五一"], starts_at="2020-04-21T11:00:00.000Z",
            status="ended"),
        lec("何为“新质生产力”，职工该怎么干", speakers=[{"name": "林兰", "title": None}],
            series="新时代 新思想 新宣讲 2024", tags=["新质生产力"], starts_at="2024-03-26T06:30:00.000Z",
            status="ended"),
        lec("新质生产力——热盼科技创新和更多的大国工匠", speakers=[{"name": "陈亮", "title": "全国劳动模范"}],
            series="新时代 新思想 新宣讲 2024", tags=["新质生产力", "大国工匠"],
            starts_at="2027-03-18T11:00:00.000Z", status="scheduled"),
        lec("Python for Workers", description="An evening class", tags=["AI"], status="scheduled"),
        lec("桃园网课：科学种桃与乡村振兴", speakers=[{"name": "赵逸人", "title": "江苏省劳动模范"}],
            starts_at="2026-11-21T02:00:00.000Z", status="live"),
    ]


def titles(lectures: list[Lecture]) -> list[str]:
    return [x.title for x in lectures]


def test_names_are_the_same_whatever_their_case_width_and_spaces() -> None:
    assert catalogue.name_key("新时代 新思想 新宣讲 2024") == catalogue.name_key("新时代新思想新宣讲２０２４")
    assert catalogue.name_key("AI") == catalogue.name_key(" ａｉ ")
    assert catalogue.name_key("新时代·新思想·新宣讲") != catalogue.name_key("新时代 新思想 新宣讲")


@pytest.mark.parametrize("q, expected", [
    ("劳模精神", ["“劳模精神”大家谈"]),                          # title, inside quotes
    ("劳模 精神", ["“劳模精神”大家谈"]),                         # spaces do not matter
    ("工匠精神", ["“劳模精神”大家谈"]),                          # description
    ("唐忠宝", ["“劳模精神”大家谈"]),                            # a speaker's name
    ("陈亮", ["“劳模精神”大家谈", "新质生产力——热盼科技创新和更多的大国工匠"]),
    ("大国工匠", ["新质生产力——热盼科技创新和更多的大国工匠"]),   # title and tag
    ("新宣讲2024", ["何为“新质生产力”，职工该怎么干", "新质生产力——热盼科技创新和更多的大国工匠"]),  # series
    ("ＰＹＴＨＯＮ", ["Python for Workers"]),                    # full width, upper case
    ("ai", ["Python for Workers"]),                             # a tag, any case
    ("陈亮 五一", ["“劳模精神”大家谈"]),                          # every word must match
    ("陈亮 Python", []),
    ("全国劳动模范", []),                                          # speakers' titles are not searched
    ("“”!", None),                                              # no letters: no filter
])
def test_search_forgives_case_width_spaces_and_punctuation(shelf: list[Lecture], q: str, expected: Any) -> None:
    found = titles(catalogue.select(shelf, q=q))
    assert found == (titles(shelf) if expected is None else expected)


def test_a_term_does_not_match_across_two_fields() -> None:
    one = lec("工匠", description="精神")
    assert catalogue.select([one], q="工匠精神") == []
    assert catalogue.select([one], q="工匠 精神") == [one]


def test_filters_by_series_tag_status_and_speaker(shelf: list[Lecture]) -> None:
    assert titles(catalogue.select(shelf, series="新时代新思想新宣讲2024")) == [
        "何为“新质生产力”，职工该怎么干", "新质生产力——热盼科技创新和更多的大国工匠"]
    assert titles(catalogue.select(shelf, series="新时代 新思想 新宣讲 2024", status="scheduled")) == [
        "新质生产力——热盼科技创新和更多的大国工匠"]
    assert titles(catalogue.select(shelf, tag="新质生产力", q="林兰")) == ["何为“新质生产力”，职工该怎么干"]
    assert titles(catalogue.select(shelf, tag="ai")) == ["Python for Workers"]
    assert titles(catalogue.select(shelf, speaker="陈亮")) == [
        "“劳模精神”大家谈", "新质生产力——热盼科技创新和更多的大国工匠"]
    assert catalogue.select(shelf, series="没有这个系列") == []
    assert catalogue.select(shelf, q="", series="", tag=None) == shelf


def test_sections_live_then_soonest_then_newest(shelf: list[Lecture]) -> None:
    later = lec("更晚的预告", starts_at="2027-05-01T11:00:00.000Z")
    sooner = lec("更早的预告", starts_at="2026-12-01T11:00:00.000Z")
    old = lec("最早的往期", starts_at="2019-01-01T11:00:00.000Z", status="ended")
    undated_past = lec("没有时间的往期", ended_at="2025-01-01T00:00:00.000Z", status="ended")
    s = catalogue.sections([*shelf, later, sooner, old, undated_past])
    assert titles(s.live) == ["桃园网课：科学种桃与乡村振兴"]
    # soonest first; a lecture without a time comes after every dated one
    assert titles(s.upcoming) == ["更早的预告", "新质生产力——热盼科技创新和更多的大国工匠", "更晚的预告",
                                  "Python for Workers"]
    # newest first: by start, else by end
    assert titles(s.past) == ["没有时间的往期", "何为“新质生产力”，职工该怎么干", "“劳模精神”大家谈", "最早的往期"]
    assert s.total == 9


def test_pages_are_clamped_and_page_numbers_forgiving() -> None:
    items = [lec(f"第{i}讲") for i in range(25)]
    first, last = catalogue.page_of(items, 1, 12), catalogue.page_of(items, 3, 12)
    assert (len(first.items), first.pages, first.previous, first.next) == (12, 3, None, 2)
    assert (titles(last.items), last.previous, last.next) == (["第24讲"], 2, None)
    assert catalogue.page_of(items, 99, 12).number == 3
    assert catalogue.page_of([], 5, 12) == catalogue.Page([], 1, 1, 0)
    assert [catalogue.page_number(v) for v in (None, "", "2", "0", "-3", "x", "1.5")] == [1, 1, 2, 1, 1, 1, 1]


def test_series_and_speaker_indexes(shelf: list[Lecture]) -> None:
    series = catalogue.series_index(shelf)
    assert [(s.name, s.count) for s in series] == [("新时代 新思想 新宣讲 2024", 2), ("新时代·新思想·新宣讲", 1)]
    speakers = catalogue.speaker_index(shelf)
    assert (speakers[0].name, speakers[0].count) == ("陈亮", 2)
    # the title of the latest lecture: people are promoted
    assert speakers[0].title == "全国劳动模范"
    assert catalogue.find(speakers, " 陈亮 ") == speakers[0]
    assert catalogue.find(series, "新时代新思想新宣讲2024") == series[0]
    assert catalogue.find(series, "nothing") is None
    assert [t.name for t in catalogue.tag_index(shelf)][0] == "新质生产力"


def test_the_spelling_of_the_latest_lecture_wins() -> None:
    lectures = [lec("一", series="Wuxi Talks", starts_at="2024-01-01T00:00:00.000Z"),
                lec("二", series="WUXI  talks", starts_at="2025-01-01T00:00:00.000Z")]
    [only] = catalogue.series_index(lectures)
    assert (only.name, only.count) == ("WUXI  talks", 2)


def test_a_speaker_without_a_title_on_the_latest_lecture_keeps_the_earlier_one() -> None:
    lectures = [lec("一", speakers=[{"name": "陈亮", "title": "班组副班长"}], starts_at="2024-01-01T00:00:00.000Z"),
                lec("二", speakers=[{"name": "陈亮", "title": None}], starts_at="2025-01-01T00:00:00.000Z")]
    assert catalogue.speaker_index(lectures)[0].title == "班组副班长"


def test_times_are_labelled_in_the_lectures_zone() -> None:
    assert catalogue.time_label(lec("x")) is None
    assert catalogue.time_label(lec("x", starts_at="2026-04-21T11:00:00.000Z")) == "2026-04-21 19:00"
    assert catalogue.time_label(lec("x", starts_at="2026-04-21T11:00:00.000Z",
                                    ends_at="2026-04-21T11:50:00.000Z")) == "2026-04-21 19:00–19:50"
    assert catalogue.time_label(lec("x", starts_at="2026-04-21T11:00:00.000Z", ends_at="2026-04-21T17:00:00.000Z",
                                    timezone="Europe/Berlin")) == "2026-04-21 13:00–19:00"
    assert catalogue.time_label(lec("x", starts_at="2026-04-21T15:00:00.000Z",
                                    ends_at="2026-04-21T17:00:00.000Z")) == "2026-04-21 23:00–2026-04-22 01:00"
    # an end before the start is not shown (and calendars use the default length)
    bad = lec("x", starts_at="2026-04-21T11:00:00.000Z", ends_at="2026-04-21T10:00:00.000Z")
    assert catalogue.time_label(bad) == "2026-04-21 19:00"
    assert catalogue.end_ts(bad) == catalogue.start_ts(bad) + catalogue.DEFAULT_DURATION_S
