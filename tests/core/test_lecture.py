"""Lecture validation and the public record."""

from __future__ import annotations

import json
from typing import Any

import pytest

from live.core.clock import iso
from live.core.errors import Refusal
from live.core.lecture import DEFAULT_SETTINGS, Lecture, checked_fields, checked_settings, checked_status, stream_kind

T0 = 1_776_000_000.0


def refused(body: Any, *, partial: bool = False) -> Refusal:
    with pytest.raises(Refusal) as e:
        checked_fields(body, partial=partial)
    return e.value


def make_lecture(**kw: Any) -> Lecture:
    base = dict(code="K7MXQ2", title="t", moderator_key="MODKEY-very-secret", epoch="EPOCH-6f1c", created_at=iso(T0))
    return Lecture(**{**base, **kw})


# -- checked_fields ----------------------------------------------------------------

def test_create_requires_title() -> None:
    for body in ({}, {"title": None}, {"title": "   "}, {"title": "\u200b"}, {"description": "x"}):
        e = refused(body)
        assert e.code == "invalid" and e.extra["field"] == "title"
    assert refused({"title": 5}).extra["field"] == "title"


def test_create_full() -> None:
    out = checked_fields(
        {"title": "  “劳模精神”大家谈 ", "description": "五一特辑\n\n第二段",
         "speakers": [{"name": "陈亮", "title": "全国劳动模范候选人"}, {"name": " 唐忠宝 "}],
         "starts_at": "2026-04-21T19:00:00+08:00", "ends_at": None, "stream_url": None,
         "settings": {"question_mode": "held"}},
        partial=False,
    )
    assert out == {
        "title": "“劳模精神”大家谈",
        "description": "五一特辑\n\n第二段",
        "speakers": [{"name": "陈亮", "title": "全国劳动模范候选人"}, {"name": "唐忠宝", "title": None}],
        "starts_at": "2026-04-21T11:00:00.000Z",
        "ends_at": None,
        "stream_url": None,
        "settings": {"question_mode": "held"},
    }


def test_partial_only_what_is_given() -> None:
    assert checked_fields({}, partial=True) == {}
    assert checked_fields({"description": None}, partial=True) == {"description": ""}
    assert checked_fields({"title": "新"}, partial=True) == {"title": "新"}
    assert refused({"title": ""}, partial=True).extra["field"] == "title"


def test_title_too_long() -> None:
    assert checked_fields({"title": "题" * 200}, partial=False)["title"] == "题" * 200
    e = refused({"title": "题" * 201})
    assert e.code == "invalid" and e.extra == {"field": "title", "limit": 200}


@pytest.mark.parametrize("body", [None, [], "title", 3, [{"title": "x"}]])
def test_body_must_be_an_object(body: Any) -> None:
    assert refused(body).code == "bad_json"


@pytest.mark.parametrize("key", ["titel", "status", "moderator_key", "epoch", "code"])
def test_unknown_field_refused(key: str) -> None:
    e = refused({"title": "t", key: "x"})
    assert e.code == "invalid" and e.extra["field"] == key
    assert refused({key: "x"}, partial=True).extra["field"] == key


@pytest.mark.parametrize(
    "speakers",
    [
        "陈亮",
        {"name": "陈亮"},
        [{"name": f"s{i}"} for i in range(21)],
        ["陈亮"],
        [{"title": "no name"}],
        [{"name": ""}],
        [{"name": None}],
        [{"name": 3}],
        [{"name": "x" * 61}],
        [{"name": "x", "title": "y" * 121}],
        [{"name": "x", "title": 5}],
    ],
)
def test_speakers_refused(speakers: Any) -> None:
    e = refused({"title": "t", "speakers": speakers})
    assert e.code == "invalid" and e.extra["field"] in ("speakers", "name", "title")


def test_speakers_accepted() -> None:
    out = checked_fields({"speakers": [{"name": f"s{i}", "title": ""} for i in range(20)]}, partial=True)
    assert out["speakers"][0] == {"name": "s0", "title": None}
    assert len(out["speakers"]) == 20
    assert checked_fields({"speakers": []}, partial=True) == {"speakers": []}


@pytest.mark.parametrize(
    "raw, normalised",
    [
        ("2026-04-21T19:00:00+08:00", "2026-04-21T11:00:00.000Z"),
        ("2026-04-21T11:00:00Z", "2026-04-21T11:00:00.000Z"),
        ("2026-04-21T11:00:00.5z", "2026-04-21T11:00:00.500Z"),
        ("2026-04-21T11:00:00.123456+00:00", "2026-04-21T11:00:00.123Z"),
        ("2026-04-20T23:30:00-11:30", "2026-04-21T11:00:00.000Z"),
    ],
)
def test_times_normalised_to_utc(raw: str, normalised: str) -> None:
    assert checked_fields({"starts_at": raw, "ends_at": raw}, partial=True) == {"starts_at": normalised,
                                                                                "ends_at": normalised}


@pytest.mark.parametrize(
    "raw", ["2026-04-21T19:00:00", "2026-04-21", "tomorrow", "", "2026-13-01T00:00:00Z", 1776000000, ["x"],
            "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"]
)
def test_bad_time_refused(raw: Any) -> None:
    e = refused({"title": "t", "starts_at": raw})
    assert e.code == "invalid" and e.extra["field"] == "starts_at"


def test_time_null_clears() -> None:
    assert checked_fields({"ends_at": None}, partial=True) == {"ends_at": None}


@pytest.mark.parametrize("url", ["https://example.org/live.m3u8", "http://10.0.0.1:8080/x", " https://x.org/a "])
def test_stream_url_accepted(url: str) -> None:
    assert checked_fields({"stream_url": url}, partial=True) == {"stream_url": url.strip()}


@pytest.mark.parametrize("url", ["", None])
def test_stream_url_cleared(url: Any) -> None:
    assert checked_fields({"stream_url": url}, partial=True) == {"stream_url": None}


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x.mp4", "javascript:alert(1)", "example.org/live.m3u8", "https://", "//x.org/a",
            "data:text/html,hi", 42, ["https://x.org"], "https://x.org/" + "a" * 2000]
)
def test_stream_url_refused(url: Any) -> None:
    e = refused({"title": "t", "stream_url": url})
    assert e.code == "invalid" and e.extra["field"] == "stream_url"


# -- settings -----------------------------------------------------------------------

def test_settings_accepted() -> None:
    body = {"comments_open": False, "comment_mode": "held", "question_mode": "open", "anonymous_questions": False}
    assert checked_settings(body) == body
    assert checked_fields({"settings": {}}, partial=True) == {"settings": {}}


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"slow_mode": True}, "settings.slow_mode"),
        ({"comments_open": "yes"}, "settings.comments_open"),
        ({"comments_open": 1}, "settings.comments_open"),
        ({"anonymous_questions": None}, "settings.anonymous_questions"),
        ({"comment_mode": "closed"}, "settings.comment_mode"),
        ({"comment_mode": True}, "settings.comment_mode"),
        ({"question_mode": ["open"]}, "settings.question_mode"),
        ({"question_mode": "HELD"}, "settings.question_mode"),
    ],
)
def test_settings_refused(settings: dict[str, Any], field: str) -> None:
    e = refused({"title": "t", "settings": settings})
    assert e.code == "invalid" and e.extra["field"] == field


@pytest.mark.parametrize("settings", [None, [], "held", 1])
def test_settings_must_be_an_object(settings: Any) -> None:
    assert refused({"title": "t", "settings": settings}).extra["field"] == "settings"


def test_checked_status() -> None:
    for s in ("scheduled", "live", "ended"):
        assert checked_status({"status": s}) == s
    for body in ({"status": "paused"}, {}, None, [], {"status": None}):
        with pytest.raises(Refusal) as e:
            checked_status(body)
        assert e.value.code == "invalid" and e.value.extra["field"] == "status"


# -- stream_kind --------------------------------------------------------------------

@pytest.mark.parametrize(
    "url, kind",
    [
        ("https://example.org/live.m3u8", "hls"),
        ("https://example.org/LIVE.M3U8?token=abc", "hls"),
        ("https://example.org/talk.mp4", "video"),
        ("https://example.org/talk.webm#t=10", "video"),
        ("https://example.org/talk.MP4", "video"),
        ("https://player.example.org/embed/123", "iframe"),
        ("https://example.org/?file=live.m3u8", "iframe"),
        ("https://example.org/live.m3u8.html", "iframe"),
        (None, None),
        ("", None),
    ],
)
def test_stream_kind(url: str | None, kind: str | None) -> None:
    assert stream_kind(url) == kind


# -- the record -----------------------------------------------------------------------

def test_public_never_has_the_secrets() -> None:
    lecture = make_lecture(stream_url="https://example.org/live.m3u8")
    public = lecture.public()
    assert "moderator_key" not in public and "epoch" not in public
    dumped = json.dumps(public)
    assert "MODKEY-very-secret" not in dumped and "EPOCH-6f1c" not in dumped
    assert public["stream_kind"] == "hls"
    assert public["settings"] == DEFAULT_SETTINGS
    assert set(public) == {"code", "title", "description", "speakers", "starts_at", "ends_at", "stream_url",
                           "stream_kind", "status", "settings", "created_at", "key_generation", "timezone",
                           "series", "tags", "video_url", "went_live_at", "ended_at", "purged_at"}
    row = lecture.to_row()
    assert row["moderator_key"] == "MODKEY-very-secret" and row["epoch"] == "EPOCH-6f1c"
    assert Lecture.from_row(row) == lecture


def test_public_is_a_copy() -> None:
    lecture = make_lecture(speakers=[{"name": "陈亮", "title": None}])
    public = lecture.public()
    public["settings"]["comment_mode"] = "held"
    public["speakers"][0]["name"] = "x"
    assert lecture.settings["comment_mode"] == "filtered"
    assert lecture.speakers[0]["name"] == "陈亮"


def test_with_changes_merges_settings() -> None:
    lecture = make_lecture()
    changed = lecture.with_changes({"title": "新标题", "settings": {"comment_mode": "held"}})
    assert changed.title == "新标题"
    assert changed.settings == {**DEFAULT_SETTINGS, "comment_mode": "held"}
    again = changed.with_changes({"settings": {"anonymous_questions": False}})
    assert again.settings == {**DEFAULT_SETTINGS, "comment_mode": "held", "anonymous_questions": False}
    assert lecture.settings == DEFAULT_SETTINGS and lecture.title == "t"  # the original is untouched
    assert again.moderator_key == lecture.moderator_key and again.epoch == lecture.epoch


def test_from_row_fills_default_settings() -> None:
    row = {**make_lecture().to_row(), "settings": {"comment_mode": "held"}, "stream_kind": "hls", "urls": {}}
    assert Lecture.from_row(row).settings == {**DEFAULT_SETTINGS, "comment_mode": "held"}


def test_a_lecture_keeps_its_time_zone_and_pages_show_times_in_it() -> None:
    from live.core.clock import local

    assert make_lecture().timezone == "Asia/Shanghai"
    assert checked_fields({"timezone": "Europe/Berlin"}, partial=True) == {"timezone": "Europe/Berlin"}
    for bad in ("Mars/Olympus", "../etc/passwd", "", 8):
        with pytest.raises(Refusal) as refused:
            checked_fields({"timezone": bad}, partial=True)
        assert refused.value.extra["field"] == "timezone"
    assert local("2026-04-21T11:00:00.000Z", "Asia/Shanghai") == "2026-04-21 19:00"
    assert local("2026-04-21T11:00:00.000Z", "Europe/Berlin") == "2026-04-21 13:00"


# -- the catalogue's fields and the times a status change records ----------------

def test_series_tags_and_recording_are_checked_and_normalised() -> None:
    out = checked_fields({"title": "t", "series": " 新时代 新思想 新宣讲 2024 ", "tags": ["#劳模", "劳模", "工匠"],
                          "video_url": "https://cdn.example.org/rec.mp4"}, partial=False)
    assert out["series"] == "新时代 新思想 新宣讲 2024"
    assert out["tags"] == ["劳模", "工匠"]
    assert out["video_url"] == "https://cdn.example.org/rec.mp4"
    assert checked_fields({"series": ""}, partial=True)["series"] is None


@pytest.mark.parametrize("body, field", [
    ({"tags": "劳模"}, "tags"),
    ({"tags": ["x" * 31]}, "tags"),
    ({"tags": [str(i) for i in range(11)]}, "tags"),
    ({"tags": [3]}, "tags"),
    ({"video_url": "ftp://example.org/a.mp4"}, "video_url"),
    ({"series": "s" * 101}, "series"),
])
def test_bad_catalogue_fields_are_refused_by_name(body: dict, field: str) -> None:
    with pytest.raises(Refusal) as e:
        checked_fields(body, partial=True)
    assert e.value.extra.get("field") == field


def test_going_live_stamps_the_stream_start_once_and_ending_stamps_the_end() -> None:
    lecture = make_lecture()
    assert lecture.stream_start() is None
    live = lecture.with_changes(lecture.stamped({"status": "live"}, 1_000.0))
    assert live.went_live_at == "1970-01-01T00:16:40.000Z" and live.stream_start() == live.went_live_at
    ended = live.with_changes(live.stamped({"status": "ended"}, 2_000.0))
    again = ended.with_changes(ended.stamped({"status": "live"}, 3_000.0))
    assert ended.ended_at == "1970-01-01T00:33:20.000Z"
    assert again.went_live_at == live.went_live_at  # the stream's start stays the first one
    assert again.with_changes(again.stamped({"status": "ended"}, 4_000.0)).ended_at == "1970-01-01T01:06:40.000Z"
    assert ended.stamped({"title": "x"}, 5_000.0) == {"title": "x"}
