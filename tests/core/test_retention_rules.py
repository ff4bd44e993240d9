"""The retention rules: when a lecture is due, and what a purge leaves."""

from __future__ import annotations

from typing import Any

from live.core import polls, retention
from live.core.clock import iso
from live.core.events import Event, audit_entry
from live.core.lecture import Lecture
from live.core.room import Room

T0 = 1_776_000_000.0
DAY = 86_400


def lecture(**kw: Any) -> Lecture:
    settings = {"retention_days": kw.pop("days", 30)}
    base = dict(code="K7MXQ2", title="t", moderator_key="k", epoch="e", created_at=iso(T0), status="ended",
                ended_at=iso(T0))
    return Lecture(**{**base, **kw}).with_changes({"settings": settings})


# -- which lectures are due ----------------------------------------------------------

def test_due_n_days_after_the_end() -> None:
    lec = lecture(days=30)
    assert retention.due_at(lec) == T0 + 30 * DAY
    assert not retention.is_due(lec, T0 + 30 * DAY - 1)
    assert retention.is_due(lec, T0 + 30 * DAY)
    assert retention.is_due(lec, T0 + 400 * DAY)


def test_zero_keeps_everything() -> None:
    lec = lecture(days=0)
    assert retention.due_at(lec) is None and not retention.is_due(lec, T0 + 10_000 * DAY)


def test_only_an_ended_lecture_is_due() -> None:
    for status in ("scheduled", "live"):
        assert not retention.is_due(lecture(status=status), T0 + 100 * DAY)
    assert not retention.is_due(lecture(ended_at=None), T0 + 100 * DAY)


def test_once_per_end() -> None:
    purged = lecture(days=1, purged_at=iso(T0 + 2 * DAY))
    assert not retention.is_due(purged, T0 + 100 * DAY)
    # Live again and ended again after the purge: due again, N days after the new end.
    again = purged.with_changes({"ended_at": iso(T0 + 5 * DAY)})
    assert retention.due_at(again) == T0 + 6 * DAY
    assert not retention.is_due(again, T0 + 6 * DAY - 1) and retention.is_due(again, T0 + 6 * DAY)


def test_due_picks_from_a_catalogue() -> None:
    lectures = [lecture(code="AAAAAA", days=1), lecture(code="BBBBBB", days=0), lecture(code="CCCCCC", days=90),
                lecture(code="DDDDDD", days=1, status="live")]
    assert [lec.code for lec in retention.due(lectures, T0 + 2 * DAY)] == ["AAAAAA"]


# -- what a purge leaves --------------------------------------------------------------

ALICE, BOB = "v1.alice.sig", "v1.bob.sig"


def busy_room() -> tuple[Room, list[Event]]:
    """A room with every kind of comment, a question, votes, a ban and a quiz."""
    room = Room(lecture(days=1, status="live", ended_at=None).with_changes(
        {"settings": {"comment_mode": "open", "retention_days": 1}}))
    events: list[Event] = []

    def keep(e: Event | list[Event] | None) -> None:
        events.extend(e if isinstance(e, list) else [e] if e else [])

    keep(room.post_comment(ALICE, "shown", "阿丽", T0))  # c1 stays
    keep(room.post_comment(BOB, "hidden later", "阿博", T0 + 1))  # c2 hidden
    keep(room.moderate_comment("c2", "hide", T0 + 2, by="主持人"))
    keep(room.post_comment(BOB, "hidden then restored", "阿博", T0 + 3))  # c4 restored: stays
    keep(room.moderate_comment("c4", "hide", T0 + 4, by="主持人"))
    keep(room.moderate_comment("c4", "restore", T0 + 5, by="主持人"))
    keep(room.post_question(ALICE, "a question", "阿丽", False, T0 + 6))  # q7
    keep(room.restrict(BOB, "muted", T0 + 7, by="主持人"))  # seq 8
    keep(room.post_comment(BOB, "muted one", "阿博", T0 + 8))  # c9: muted
    keep(room.moderate_comment("c1", "feature", T0 + 9, by="主持人"))
    return room, events


def replayed(events: list[Event]) -> Room:
    room = Room(lecture(days=1))
    for e in events:
        room.apply(e)
    return room


def test_dropped_are_the_comments_nobody_was_shown() -> None:
    room, events = busy_room()
    assert retention.dropped_comments(retention.final_comments(events)) == {"c2", "c9"}
    assert retention.final_comments(events) == list(room.comments.values())


def test_scrubbed_log_has_no_viewer_and_keeps_seq_and_counts() -> None:
    room, events = busy_room()
    dropped = retention.dropped_comments(room.comments.values())
    clean = [retention.scrubbed(e, dropped) for e in events]
    assert [e.seq for e in clean] == [e.seq for e in events]
    assert all(e.author is None for e in clean)
    text = repr([(e.kind, e.data) for e in clean])
    assert "v1." not in text and "hidden later" not in text and "muted one" not in text
    # A nickname stays where it was published (c4), not where it named whom a mute was for.
    muted = next(e for e in clean if e.kind == "viewer.restricted")
    assert muted.data["viewer"] is None and muted.data["nickname"] is None and muted.data["mode"] == "muted"
    # Tombstones: private, empty, the moderator kept.
    hidden = next(e for e in clean if e.seq == 3)
    assert (hidden.kind, hidden.data, hidden.private, hidden.by) == (retention.TOMBSTONE, {}, True, "主持人")
    # Replayed, the log gives the same counts and visible records, and nobody's identity.
    after = replayed(clean)
    assert after.content_counts() == room.content_counts()
    assert set(after.comments) == {"c1", "c4"} and after.comments["c1"] == room.comments["c1"]
    assert after.questions == room.questions
    assert not after.author_of and not after.restrictions and not after.by_author
    assert after.for_moderators(after.comments["c1"]) == room.comments["c1"]  # no handle any more


def test_scrubbing_twice_changes_nothing() -> None:
    _, events = busy_room()
    dropped = {"c2", "c9"}
    once = [retention.scrubbed(e, dropped) for e in events]
    assert [retention.scrubbed(e, dropped) for e in once] == once


def test_scrubbed_audit_matches_the_scrubbed_log() -> None:
    room, events = busy_room()
    dropped = retention.dropped_comments(room.comments.values())
    before = room.lecture.public()
    for e in events:
        if e.by:
            assert retention.scrubbed_audit(audit_entry(e, before), dropped) == \
                audit_entry(retention.scrubbed(e, dropped), before)
    ban = next(audit_entry(e) for e in events if e.kind == "viewer.restricted")
    assert ban["target"] and retention.scrubbed_audit(ban, dropped)["target"] is None


def test_a_scrubbed_answer_counts_but_ranks_nobody() -> None:
    quiz = {"id": "p1", "kind": "quiz", "revealed": True, "correct": ["a"], "opened_at": iso(T0)}
    kept = {"answer": {"choices": ["a"]}, "at": T0 + 3, "nickname": "阿丽", "keys": ["a"], "raw": '{"choices":["a"]}'}
    assert polls.leaderboard([quiz], {"p1": {ALICE: kept}})[0]["nickname"] == "阿丽"
    scrubbed = retention.scrubbed_answer(kept)
    assert scrubbed["keys"] == ["a"] and scrubbed["nickname"] is None and scrubbed["raw"] == ""
    assert polls.leaderboard([quiz], {"p1": {retention.stand_in(): scrubbed}}) == []
    assert "raw" not in retention.scrubbed_answer({"answer": {}, "at": 0, "nickname": None, "keys": []})


def test_stand_ins_are_random_and_never_tokens() -> None:
    a, b = retention.stand_in(), retention.stand_in()
    assert a != b and retention.is_stand_in(a) and not retention.is_stand_in(ALICE)
