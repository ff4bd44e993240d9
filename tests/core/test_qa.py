"""The Q&A lifecycle: the transition table, exercised through Room.update_question."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest

from live.core import qa
from live.core.clock import iso
from live.core.errors import Refusal
from live.core.lecture import Lecture
from live.core.room import Room

T0 = 1_776_000_000.0

#: docs/protocol.md, written out again by hand: the table in the code must match it.
DOC_TABLE = {
    "pending": {"approved", "answering", "answered", "dismissed"},
    "approved": {"answering", "answered", "dismissed"},
    "answering": {"approved", "answered", "dismissed"},
    "answered": {"approved", "answering", "dismissed"},
    "dismissed": {"approved"},
}
STATES = list(DOC_TABLE)
VISIBLE = {"approved", "answering", "answered"}


def make_room(**settings: Any) -> Room:
    lecture = Lecture(code="K7MXQ2", title="t", moderator_key="mk", epoch="ep", created_at=iso(T0))
    if settings:
        lecture = lecture.with_changes({"settings": settings})
    return Room(lecture)


def question_in(room: Room, state: str, viewer: str = "v1") -> str:
    """A new question brought to ``state`` by allowed steps."""
    if state == "pending":
        room.lecture = room.lecture.with_changes({"settings": {"question_mode": "held"}})
    qid = room.post_question(viewer, "问题", "小海", False, T0).data["id"]
    room.lecture = room.lecture.with_changes({"settings": {"question_mode": "open"}})
    if state not in ("pending", "approved"):
        room.update_question(qid, T0, state=state)
    assert room.questions[qid]["state"] == state
    return qid


def test_table_matches_the_protocol() -> None:
    assert set(qa.STATES) == set(DOC_TABLE)
    assert {k: set(v) for k, v in qa.TRANSITIONS.items()} == DOC_TABLE
    assert set(qa.VISIBLE) == VISIBLE
    assert qa.DISPLACED == "answered"
    for state in STATES:
        assert qa.is_visible(state) == (state in VISIBLE)
    assert not qa.allowed("nonsense", "approved")
    assert not qa.allowed("approved", "nonsense")


@pytest.mark.parametrize("current, target", [(a, b) for a, b in product(STATES, STATES) if a != b])
def test_every_transition(current: str, target: str) -> None:
    room = make_room()
    qid = question_in(room, current)
    before = dict(room.questions[qid])
    seq = room.seq
    if target in DOC_TABLE[current]:
        events = room.update_question(qid, T0 + 5, state=target)
        assert [e.kind for e in events] == ["question.updated"]
        (event,) = events
        assert event.seq == seq + 1
        assert event.data["id"] == qid
        assert event.data["state"] == target
        assert event.data["updated_at"] == iso(T0 + 5)
        assert event.private == (current not in VISIBLE and target not in VISIBLE)
        assert room.questions[qid]["state"] == target
        assert room.answering == (qid if target == "answering" else None)
    else:
        with pytest.raises(Refusal) as e:
            room.update_question(qid, T0 + 5, state=target)
        assert e.value.code == "conflict"
        assert e.value.extra["state"] == current
        assert room.seq == seq
        assert room.questions[qid] == before


@pytest.mark.parametrize("state", STATES)
def test_same_state_is_a_no_op(state: str) -> None:
    room = make_room()
    qid = question_in(room, state)
    seq = room.seq
    assert room.update_question(qid, T0 + 5, state=state) == []
    assert room.update_question(qid, T0 + 5) == []
    assert room.seq == seq


def test_unknown_state_is_a_conflict() -> None:
    room = make_room()
    qid = question_in(room, "approved")
    with pytest.raises(Refusal) as e:
        room.update_question(qid, T0, state="closed")
    assert e.value.code == "conflict"


def test_unknown_question_is_not_found() -> None:
    room = make_room()
    with pytest.raises(Refusal) as e:
        room.update_question("q99", T0, state="approved")
    assert e.value.code == "not_found"


@pytest.mark.parametrize("second_from", ["pending", "approved", "answered"])
def test_a_second_answering_moves_the_first_to_answered(second_from: str) -> None:
    room = make_room()
    first = question_in(room, "answering")
    second = question_in(room, second_from)
    assert room.answering == first
    events = room.update_question(second, T0 + 9, state="answering")
    assert [(e.kind, e.data["id"], e.data["state"]) for e in events] == [
        ("question.updated", first, "answered"),
        ("question.updated", second, "answering"),
    ]
    assert events[0].seq + 1 == events[1].seq == room.seq
    assert not events[0].private and not events[1].private
    assert events[0].data["updated_at"] == iso(T0 + 9)
    assert room.questions[first]["state"] == "answered"
    assert room.questions[second]["state"] == "answering"
    assert room.answering == second
    assert sum(q["state"] == "answering" for q in room.questions.values()) == 1


def test_leaving_answering_clears_it() -> None:
    room = make_room()
    first = question_in(room, "answering")
    room.update_question(first, T0, state="dismissed")
    assert room.answering is None
    second = question_in(room, "approved")
    events = room.update_question(second, T0, state="answering")
    assert len(events) == 1  # nobody to displace
    assert room.questions[first]["state"] == "dismissed"


def test_answer_and_speaker_set_and_cleared() -> None:
    room = make_room()
    qid = question_in(room, "approved")
    (e,) = room.update_question(qid, T0 + 1, state="answered", answer="劳模精神就是…", speaker="陈亮")
    assert (e.data["state"], e.data["answer"], e.data["speaker"]) == ("answered", "劳模精神就是…", "陈亮")
    (e,) = room.update_question(qid, T0 + 2, answer="改过的回答")
    assert (e.data["state"], e.data["answer"], e.data["speaker"]) == ("answered", "改过的回答", "陈亮")
    (e,) = room.update_question(qid, T0 + 3, answer="")
    assert e.data["answer"] is None and e.data["speaker"] == "陈亮"
    (e,) = room.update_question(qid, T0 + 4, speaker="")
    assert e.data["answer"] is None and e.data["speaker"] is None
    assert room.questions[qid]["speaker"] is None
    # clearing what is already clear, or setting what is already set, is nothing
    assert room.update_question(qid, T0 + 5, answer="", speaker="") == []
    room.update_question(qid, T0 + 6, speaker="唐忠宝")
    assert room.update_question(qid, T0 + 7, speaker="唐忠宝", state="answered") == []


def test_answer_on_a_hidden_question_is_private() -> None:
    room = make_room()
    qid = question_in(room, "dismissed")
    (e,) = room.update_question(qid, T0, answer="不公开")
    assert e.private
    assert e.public() == {"seq": e.seq, "kind": "private"}


def test_update_carries_the_current_tally() -> None:
    room = make_room()
    qid = question_in(room, "approved")
    room.vote("a", qid, True)
    room.vote("b", qid, True)
    (e,) = room.update_question(qid, T0, state="answering")
    assert e.data["votes"] == 2
    other = question_in(room, "approved")
    room.vote("c", qid, True)
    displaced, _ = room.update_question(other, T0, state="answering")
    assert displaced.data["id"] == qid and displaced.data["votes"] == 3


def test_a_question_records_when_it_was_taken_up_and_answered_once() -> None:
    room = make_room()
    a = room.post_question("v1", "first?", None, False, 100.0).data["id"]
    b = room.post_question("v2", "second?", None, False, 101.0).data["id"]
    room.update_question(a, 200.0, state="answering")
    room.update_question(b, 300.0, state="answering")  # displaces a: answered now
    room.update_question(a, 400.0, state="answering")
    q = room.question(a)
    assert q["answering_at"] == iso(200.0) and q["answered_at"] == iso(300.0)
    assert room.question(b)["answering_at"] == iso(300.0) and room.question(b)["answered_at"] == iso(400.0)
