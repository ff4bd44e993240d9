"""The figures' arithmetic, without a server: buckets per minute and their
edges, the peak and when, the online series, top questions, hot words,
sources, and the totals over a catalogue."""

from __future__ import annotations

from typing import Any

import pytest

from live.core import dashboard as d
from live.core.clock import iso, parse_iso
from live.core.lecture import Lecture
from live.core.words import WordLists

START = parse_iso("2026-04-21T19:00:00+08:00")


def lecture(code: str = "ABCDEF", **fields: Any) -> Lecture:
    fields.setdefault("title", "“劳模精神”大家谈")
    return Lecture(code=code, moderator_key="k", epoch="e", created_at=iso(START - 86400), **fields)


def rec(at: float, state: str = "visible", **fields: Any) -> dict[str, Any]:
    return {"created_at": iso(at), "state": state, **fields}


def comment(at: float, text: str = "好", state: str = "visible") -> dict[str, Any]:
    return rec(at, state, text=text)


def question(at: float, votes: int = 0, state: str = "approved", seq: int = 0, **fields: Any) -> dict[str, Any]:
    return rec(at, state, **{"id": f"q{seq}", "seq": seq, "text": f"问题{seq}", "nickname": None, "votes": votes,
                             "answer": None, "speaker": None, **fields})


# -- per minute ------------------------------------------------------------------

def test_records_fall_in_the_minute_they_were_made_and_the_edges_in_the_later_one():
    records = [comment(START), comment(START + 59.999), comment(START + 60), comment(START + 125), comment(START - 0.001)]
    pm = d.per_minute(START, START + 125, records, [question(START + 61)], [])
    assert pm["start"] == iso(START) and pm["minutes"] == 1
    assert [b["comments"] for b in pm["buckets"]] == [2, 1, 1]
    assert [b["questions"] for b in pm["buckets"]] == [0, 1, 0]
    assert [b["t"] for b in pm["buckets"]] == [int(START), int(START) + 60, int(START) + 120]
    # Before the stream's start (questions collected in advance): counted apart, not in a bar.
    assert pm["before"] == {"comments": 1, "questions": 0, "visits": None}
    assert all(b["visits"] is None for b in pm["buckets"])  # no samples: no visits per minute


def test_visits_per_minute_are_the_rises_of_the_sampled_counter():
    t0 = int(START)
    samples = [{"t": t0 - 20, "visits": 2}, {"t": t0, "visits": 5}, {"t": t0 + 50, "visits": 9},
               {"t": t0 + 60, "visits": 9}, {"t": t0 + 100, "visits": 8}, {"t": t0 + 110, "visits": 12}]
    pm = d.per_minute(START, START + 120, [], [], samples, every_s=10)
    # A sample at t was read during [t, t + 10): the rise is placed at t + 10.
    assert pm["before"]["visits"] == 2
    assert [b["visits"] for b in pm["buckets"]] == [3, 4, 3]
    # The rises add up to the last count: a dip (never expected) is not counted twice.
    assert pm["before"]["visits"] + sum(b["visits"] for b in pm["buckets"]) == 12


def test_a_long_span_gets_wider_buckets_and_never_more_than_the_maximum():
    assert d.bucket_minutes(179 * 60) == 1
    assert d.bucket_minutes(180 * 60) == 2
    assert d.bucket_minutes(4 * 3600) == 2
    assert d.bucket_minutes(400 * 86400) == 400 * 1440 // d.BUCKETS_MAX + 1
    pm = d.per_minute(START, START + 4 * 3600, [comment(START + 4 * 3600), comment(START + 119)], [], [])
    assert pm["minutes"] == 2 and len(pm["buckets"]) == 121
    assert pm["buckets"][0]["comments"] == 1 and pm["buckets"][-1]["comments"] == 1
    for span in (0, 59, 3 * 3600 - 1, 3 * 3600, 86400, 30 * 86400, 400 * 86400):
        assert 1 <= len(d.per_minute(START, START + span, [], [], [])["buckets"]) <= d.BUCKETS_MAX


def test_without_a_start_there_are_no_buckets():
    pm = d.per_minute(None, 0, [], [], [])
    assert pm["buckets"] == [] and pm["start"] is None


# -- the peak and the online series --------------------------------------------------

def test_the_peak_is_the_counter_and_when_is_the_first_sample_that_saw_it():
    samples = [{"t": 100, "online": 5, "peak_online": 5}, {"t": 110, "online": 9, "peak_online": 12},
               {"t": 120, "online": 12, "peak_online": 12}, {"t": 130, "online": 3, "peak_online": 12}]
    # The peak happened between two samples: the one after it says so through peak_online.
    assert d.peak({"peak_online": 12}, samples) == (12, 110)
    # A peak later than every sample: known, but not when.
    assert d.peak({"peak_online": 15}, samples) == (15, None)
    assert d.peak({"peak_online": 0}, []) == (0, None)
    assert d.peak({}, [{"t": 1, "online": 4}]) == (4, 1)


def test_dense_samples_are_merged_keeping_each_groups_highest():
    samples = [{"t": 1000 + 10 * i, "online": i % 97} for i in range(2000)]
    samples[1234]["online"] = 5000
    points, step = d.online_series(samples, 10)
    assert len(points) <= d.POINTS_MAX and step % 10 == 0 and step > 10
    assert max(p["online"] for p in points) == 5000
    assert [p["t"] for p in points] == sorted(p["t"] for p in points)
    assert all((p["t"] - 1000) % step == 0 for p in points)
    few = [{"t": 0, "online": 1}, {"t": 10, "online": 2}]
    assert d.online_series(few, 10) == ([{"t": 0, "online": 1}, {"t": 10, "online": 2}], 10)


def test_duration_runs_from_going_live_to_the_end_or_to_now():
    went = iso(START)
    assert d.duration_s(lecture(status="ended", went_live_at=went, ended_at=iso(START + 3725)), 0) == 3725
    assert d.duration_s(lecture(status="live", went_live_at=went), START + 90) == 90
    assert d.duration_s(lecture(status="scheduled"), START) is None
    assert d.duration_s(lecture(status="ended", ended_at=iso(START)), START) is None


# -- questions, words, sources ---------------------------------------------------------

def test_top_questions_by_votes_then_the_earlier_and_only_the_visible():
    qs = [question(START + 5, votes=3, seq=5), question(START + 1, votes=3, seq=2),
          question(START + 9, votes=7, seq=9, state="answered", answer="从每一个零件做起。", speaker="陈亮"),
          question(START + 2, votes=50, seq=3, state="pending"), question(START + 3, votes=40, seq=4, state="dismissed"),
          question(START + 4, votes=0, seq=6, state="answering")]
    top = d.top_questions(qs)
    assert [q["id"] for q in top] == ["q9", "q2", "q5", "q6"]
    assert top[0] == {"id": "q9", "text": "问题9", "nickname": None, "votes": 7, "state": "answered",
                      "answer": "从每一个零件做起。", "speaker": "陈亮", "created_at": iso(START + 9)}
    assert len(d.top_questions([question(START + i, seq=i) for i in range(30)])) == d.TOP_QUESTIONS


def test_hot_words_count_each_visible_comment_once_without_stop_words():
    comments = [comment(START, "劳模精神就是爱岗敬业"), comment(START, "精神！精神！精神！"),
                comment(START, "我觉得是奉献"), comment(START, "劳模精神", state="hidden"),
                comment(START, "劳模劳模", state="held"), comment(START, "的了吗？！……")]
    words = {w["word"]: w["count"] for w in d.hot_words(comments)}
    assert words == {"精神": 2, "劳模": 1, "爱岗敬业": 1, "奉献": 1}
    # Most first; of equal counts, the first seen first.
    assert [w["word"] for w in d.hot_words(comments)] == ["精神", "劳模", "爱岗敬业", "奉献"]
    assert len(d.hot_words([comment(START, f"词语{i}号 编号{i}") for i in range(200)])) == d.HOT_WORDS


def test_a_comment_with_a_blocked_or_watch_word_gives_no_words_as_in_polls():
    lists = WordLists.build(["垃圾"], ["广告"])
    assert d.comment_words("劳模精神就是爱岗敬业", lists) == ("劳模", "精神", "爱岗敬业")
    assert d.comment_words("劳模精神，加微信看广告", lists) == ()
    assert d.comment_words("劳模精神 垃圾", lists) == ()
    comments = [comment(START, "劳模精神"), comment(START, "劳模精神，广告")]
    assert d.hot_words(comments, lambda text: d.comment_words(text, lists)) == [
        {"word": "劳模", "count": 1}, {"word": "精神", "count": 1}]


def test_sources_are_named_and_shared_out():
    rows = d.source_rows({"page": {"visits": 30, "online": 2}, "widget:https://mp.weixin.qq.com": {"visits": 60, "online": 5},
                          "widget": {"visits": 5, "online": 0}, "widget:other": {"visits": 5, "online": 1}})
    assert [(r["site"], r["visits"], r["share"]) for r in rows] == [
        ("mp.weixin.qq.com", 60, 0.6), (None, 30, 0.3), ("", 5, 0.05), ("", 5, 0.05)]
    assert d.source_rows({}) == []


# -- one lecture, whole --------------------------------------------------------------

def test_an_empty_lecture_has_figures_of_nothing():
    f = d.lecture_figures(lecture(), stats={}, samples=[], comments=[], questions=[], sources={}, now=START,
                          every_s=10)
    assert f["visits"] == f["likes"] == f["unique_viewers"] == f["peak_online"] == 0
    assert f["peak_at"] is None and f["duration_s"] is None
    assert f["comments"] == {"received": 0, "shown": 0}
    assert f["questions"]["asked"] == f["questions"]["answered"] == 0
    assert f["online_over_time"] == {"every_s": 10, "points": [], "highest": None}
    assert f["per_minute"]["buckets"] == [] and f["top_questions"] == [] and f["hot_words"] == [] and f["sources"] == []


def test_a_lecture_counts_what_it_received_and_what_it_showed():
    lec = lecture(status="ended", went_live_at=iso(START), ended_at=iso(START + 1800))
    comments = [comment(START + 10, "向劳动者致敬"), comment(START + 70, "垃圾", state="hidden"),
                comment(START + 80, "待审", state="held")]
    questions = [question(START + 20, votes=2, seq=1, state="answered"), question(START + 30, seq=2, state="pending")]
    samples = [{"t": int(START), "online": 3, "peak_online": 3, "visits": 4}]
    f = d.lecture_figures(lec, stats={"visits": 4, "peak_online": 3, "unique_viewers": 3, "likes": 9, "answered_live": 1},
                          samples=samples, comments=comments, questions=questions, sources={}, now=START + 7200,
                          every_s=10)
    assert f["comments"] == {"received": 3, "shown": 1}
    assert f["questions"]["asked"] == 2 and f["questions"]["answered"] == 1
    assert f["peak_online"] == 3 and f["peak_at"] == iso(int(START)) and f["duration_s"] == 1800
    assert [b["comments"] for b in f["per_minute"]["buckets"]] == [1, 2]
    assert [b["questions"] for b in f["per_minute"]["buckets"]] == [2, 0]
    assert [b["visits"] for b in f["per_minute"]["buckets"]] == [4, 0]
    assert [w["word"] for w in f["hot_words"]] == ["劳动者", "致敬"]
    assert [q["id"] for q in f["top_questions"]] == ["q1"]


def test_without_a_stream_start_the_minutes_count_from_the_first_record():
    f = d.lecture_figures(lecture(), stats={}, samples=[], comments=[comment(START + 80), comment(START + 30)],
                          questions=[], sources={}, now=START + 9999, every_s=10)
    assert f["per_minute"]["start"] == iso(START + 30)
    assert [b["comments"] for b in f["per_minute"]["buckets"]] == [2]


# -- a set of lectures -------------------------------------------------------------------

def stats(visits: int, peak: int = 0, unique: int = 0, likes: int = 0, comments: int = 0, questions: int = 0,
          live: int = 0, written: int = 0) -> dict[str, int]:
    return {"visits": visits, "peak_online": peak, "unique_viewers": unique, "likes": likes, "comments": comments,
            "questions": questions, "answered_live": live, "answered_written": written, "online": 0}


def test_totals_add_up_over_lectures_and_unique_viewers_are_only_a_labelled_sum():
    s24 = "新时代 新思想 新宣讲 2024"
    entries = [
        (lecture("AAAAAA", title="第一讲", series=s24, status="ended", went_live_at=iso(START)),
         stats(120_000, peak=9000, unique=50_000, likes=300_000, comments=800, questions=40, live=5, written=3)),
        (lecture("BBBBBB", title="第二讲", series=s24, status="ended", went_live_at=iso(START + 7 * 86400)),
         stats(80_000, peak=9000, unique=40_000, likes=100, comments=200, questions=10, live=1)),
        (lecture("CCCCCC", title="另一系列", series="劳模讲堂", status="live", starts_at=iso(START - 86400)),
         stats(5, peak=2, unique=4)),
        # Still to come and not visited: not part of the figures.
        (lecture("DDDDDD", title="下一讲", series=s24, status="scheduled", starts_at=iso(START + 30 * 86400)), stats(0)),
        # Scheduled, but viewers came (a lecture never set live): counted.
        (lecture("EEEEEE", title="未开播", series=s24, status="scheduled", starts_at=iso(START - 3 * 86400)), stats(7)),
    ]
    whole = d.catalogue_figures(entries)
    assert [r["code"] for r in whole["lectures"]] == ["EEEEEE", "CCCCCC", "AAAAAA", "BBBBBB"]
    t = whole["totals"]
    assert t["lectures"] == 4 and t["visits"] == 200_012 and t["likes"] == 300_100
    assert t["comments"] == 1000 and t["questions"] == 50 and t["answered"] == 9
    # Equal peaks: the earlier lecture's.
    assert (t["peak_online"], t["peak_code"], t["peak_title"]) == (9000, "AAAAAA", "第一讲")
    assert t["unique_viewers_sum"] == 90_004 and "unique_viewers" not in t

    series = d.catalogue_figures(entries, s24)
    assert [r["code"] for r in series["lectures"]] == ["EEEEEE", "AAAAAA", "BBBBBB"]
    assert series["series"] == s24 and series["totals"]["visits"] == 200_007
    row = series["lectures"][1]
    assert row["date"] == "2026-04-21" and row["answered"] == 8 and row["comments"] == 800
    assert d.catalogue_figures(entries, "没有这个系列") == {
        "series": "没有这个系列", "lectures": [],
        "totals": {"lectures": 0, "visits": 0, "likes": 0, "comments": 0, "questions": 0, "answered": 0,
                   "peak_online": 0, "peak_code": None, "peak_title": None, "unique_viewers_sum": 0}}


def test_the_table_sorts_by_any_column_equal_values_in_date_order():
    entries = [(lecture(c, title=c, status="ended", went_live_at=iso(START + i * 86400)), stats(v, peak=p))
               for i, (c, v, p) in enumerate([("AAAAAA", 10, 5), ("BBBBBB", 30, 5), ("CCCCCC", 20, 9)])]
    codes = lambda by, desc=False: [r["code"] for r in d.catalogue_figures(entries, by=by, descending=desc)["lectures"]]
    assert codes("date") == ["AAAAAA", "BBBBBB", "CCCCCC"]
    assert codes("date", True) == ["CCCCCC", "BBBBBB", "AAAAAA"]
    assert codes("visits", True) == ["BBBBBB", "CCCCCC", "AAAAAA"]
    assert codes("peak_online") == ["AAAAAA", "BBBBBB", "CCCCCC"]
    assert codes("peak_online", True) == ["CCCCCC", "AAAAAA", "BBBBBB"]
    assert codes("title", True) == ["CCCCCC", "BBBBBB", "AAAAAA"]
    with pytest.raises(ValueError):
        d.sorted_rows([], "moderator_key")
