"""The replay's timeline (live/core/replay.py): times from the stream's
start plus the offset, the order, what is left out, and what shows when."""

from __future__ import annotations

from typing import Any

from live.core import clock
from live.core.lecture import Lecture, default_settings
from live.core.replay import recording_kind, shown, timeline

LIVE = "2026-04-21T11:00:00.000Z"  # 19:00 in Wuxi


def lecture(**fields: Any) -> Lecture:
    offset = fields.pop("offset", 0)
    base: dict[str, Any] = dict(code="K7MXQ2", title="“劳模精神”大家谈", moderator_key="k", epoch="e1",
                                created_at="2026-04-20T08:00:00.000Z", starts_at="2026-04-21T10:55:00.000Z",
                                went_live_at=LIVE, ended_at="2026-04-21T12:30:00.000Z",
                                settings={**default_settings(), "replay_offset_s": offset})
    base.update(fields)
    return Lecture(**base)


def at(seconds: float) -> str:
    """The ISO time ``seconds`` after going live (negative: before)."""
    return clock.iso(clock.parse_iso(LIVE) + seconds)


def comment(seq: int, seconds: float, state: str = "visible", **more: Any) -> dict[str, Any]:
    return {"id": f"c{seq}", "seq": seq, "text": f"评论 {seq}", "nickname": f"观众{seq}", "created_at": at(seconds),
            "featured": False, "state": state, **more}


def question(seq: int, state: str, *, created: float = 0, updated: float = 0, answering: float | None = None,
             answered: float | None = None, **more: Any) -> dict[str, Any]:
    rec = {"id": f"q{seq}", "seq": seq, "text": f"问题 {seq}", "nickname": "一线技工", "anonymous": False,
           "votes": 3, "state": state, "answer": None, "speaker": "陈亮", "created_at": at(created),
           "updated_at": at(updated), **more}
    if answering is not None:
        rec["answering_at"] = at(answering)
    if answered is not None:
        rec["answered_at"] = at(answered)
    return rec


def test_times_count_from_going_live_plus_the_offset():
    comments = [comment(1, 12.5), comment(2, 75)]
    assert [c["t"] for c in timeline(lecture(), comments, [])["comments"]] == [12.5, 75.0]
    # The recording began 90 s before the stream went live: everything is 90 s later in it.
    out = timeline(lecture(offset=90), comments, [])
    assert [c["t"] for c in out["comments"]] == [102.5, 165.0]
    assert out["offset_s"] == 90 and out["stream_start"] == LIVE
    # …or 30 s after: the first minute of chat lands before the recording's start.
    assert [c["t"] for c in timeline(lecture(offset=-30), comments, [])["comments"]] == [-17.5, 45.0]


def test_without_going_live_the_scheduled_start_then_the_creation_counts():
    comments = [comment(1, 0)]
    scheduled = timeline(lecture(went_live_at=None), comments, [])
    assert scheduled["stream_start"] == "2026-04-21T10:55:00.000Z"
    assert scheduled["comments"][0]["t"] == 300.0
    never = timeline(lecture(went_live_at=None, starts_at=None, created_at="2026-04-21T10:00:00.000Z"), comments, [])
    assert never["comments"][0]["t"] == 3600.0


def test_pre_live_chat_keeps_its_negative_time_and_shows_from_the_start():
    out = timeline(lecture(), [comment(1, -40), comment(2, 5)], [])
    assert [c["t"] for c in out["comments"]] == [-40.0, 5.0]
    assert [c["id"] for c in shown(out["comments"], 0)] == ["c1"]


def test_comments_come_in_time_order_then_as_posted():
    comments = [comment(4, 30), comment(2, 10), comment(3, 10), comment(1, 20)]
    out = timeline(lecture(), comments, [])
    assert [c["id"] for c in out["comments"]] == ["c2", "c3", "c1", "c4"]


def test_only_visible_comments_with_the_fields_a_replay_needs():
    comments = [comment(1, 1), comment(2, 2, "hidden"), comment(3, 3, "held"), comment(4, 4, "muted"),
                comment(5, 5, featured=True, source="douyin")]
    out = timeline(lecture(), comments, [])["comments"]
    assert [c["id"] for c in out] == ["c1", "c5"]
    assert out[0] == {"id": "c1", "t": 1.0, "text": "评论 1", "nickname": "观众1", "featured": False, "source": None}
    assert out[1]["featured"] is True and out[1]["source"] == "douyin"


def test_questions_taken_up_only_timed_from_when_a_speaker_took_them_up():
    questions = [
        question(1, "answered", created=-100, updated=900, answering=300, answered=600),
        question(2, "answered", created=10, updated=800, answered=700),  # answered in writing, never "answering"
        question(3, "answering", created=20, updated=400),  # a record from before the stamps
        question(4, "approved", created=5, updated=5),
        question(5, "pending", created=6, updated=6),
        question(6, "dismissed", created=7, updated=7),
    ]
    out = timeline(lecture(offset=10), [], questions)["questions"]
    assert [(q["id"], q["t"]) for q in out] == [("q1", 310.0), ("q3", 410.0), ("q2", 710.0)]
    assert out[0] == {"id": "q1", "t": 310.0, "text": "问题 1", "nickname": "一线技工", "answer": None,
                      "speaker": "陈亮", "votes": 3, "state": "answered"}


def test_an_anonymous_question_has_no_nickname():
    q = question(1, "answered", answering=60, nickname="被隐藏的名字", anonymous=True)
    assert timeline(lecture(), [], [q])["questions"][0]["nickname"] is None


def test_the_duration_runs_to_the_end_or_to_the_last_item():
    assert timeline(lecture(), [comment(1, 10)], [])["duration_s"] == 5400.0  # 11:00 to 12:30
    assert timeline(lecture(offset=90), [], [])["duration_s"] == 5490.0
    late = timeline(lecture(), [comment(1, 6000)], [question(1, "answered", answering=5000)])
    assert late["duration_s"] == 6000.0
    still_live = timeline(lecture(ended_at=None), [comment(1, 42.25)], [question(1, "answered", answering=50)])
    assert still_live["duration_s"] == 50.0
    assert timeline(lecture(ended_at=None), [], [])["duration_s"] == 0.0


def test_what_shows_at_a_time_is_every_item_up_to_it():
    out = timeline(lecture(), [comment(i, float(t)) for i, t in enumerate([-5, 0, 10, 10, 20.5, 50], 1)], [])
    items = out["comments"]
    assert [c["id"] for c in shown(items, -10)] == []
    assert [c["id"] for c in shown(items, 0)] == ["c1", "c2"]
    assert [c["id"] for c in shown(items, 9.999)] == ["c1", "c2"]
    assert [c["id"] for c in shown(items, 10)] == ["c1", "c2", "c3", "c4"]
    assert [c["id"] for c in shown(items, 20.5)] == ["c1", "c2", "c3", "c4", "c5"]
    assert len(shown(items, 10_000)) == 6
    # Seeking back and forth is only ever the same rule at another time.
    assert shown(items, 50) == items and shown(items, 10) == items[:4]
    assert shown([], 5) == []


def test_a_recording_plays_in_video_when_it_is_a_media_file_sound_only_too():
    assert recording_kind("https://media.example.org/2026/laomo.mp4") == "video"
    assert recording_kind("http://192.168.1.20:8000/laomo.WAV?download=1") == "video"
    assert recording_kind("https://media.example.org/laomo.mp3") == "video"
    assert recording_kind("https://media.example.org/live/laomo.m3u8") == "hls"
    assert recording_kind("https://v.example.org/player?id=42") == "iframe"
    assert recording_kind(None) is None
