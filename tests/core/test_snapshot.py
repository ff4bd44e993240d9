"""Resume is right: an old snapshot plus the events since equals a fresh
snapshot, for every event kind (Zulip's habit). And replaying the log into
a new Room rebuilds the same state (what the store does on restart)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings, strategies as st

from live.core.clock import iso
from live.core.errors import Refusal
from live.core.events import KINDS
from live.core.lecture import Lecture
from live.core.room import Room
from live.core.snapshot import apply_event

T0 = 1_776_000_000.0
VIEWERS = ["v0", "v1", "v2", "v3"]
ME = "v0"
BIG = 10_000
STATES = ["pending", "approved", "answering", "answered", "dismissed"]
ACTIONS = ["hide", "restore", "approve", "feature", "unfeature"]


def make_lecture() -> Lecture:
    return Lecture(code="K7MXQ2", title="“劳模精神”大家谈", moderator_key="mk", epoch="ep", created_at=iso(T0))


def view(room: Room) -> dict[str, Any]:
    """What a viewer's page holds: the snapshot and the lecture."""
    snap = room.snapshot(ME, moderator=False, comments=BIG, online=0)
    return {"comments": snap["comments"], "questions": snap["questions"], "polls": snap["polls"],
            "lecture": room.lecture.public()}


def without_votes(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in q.items() if k != "votes"} for q in questions]


def caught_up(room: Room, old: dict[str, Any], old_seq: int) -> dict[str, Any]:
    """The old view with every public event since applied, as a client does."""
    state = copy.deepcopy(old)
    events = room.events_after(old_seq)
    assert events is not None
    assert [e.seq for e in events] == list(range(old_seq + 1, room.seq + 1))
    last = old_seq
    for event in events:
        frame = event.public()
        assert frame["seq"] == last + 1
        last = frame["seq"]
        if frame["kind"] == "private":
            assert set(frame) == {"seq", "kind"}
        apply_event(state, frame)
    return state


def assert_same(room: Room, old: dict[str, Any], old_seq: int) -> None:
    got = caught_up(room, old, old_seq)
    fresh = view(room)
    assert got["comments"] == fresh["comments"]
    assert without_votes(got["questions"]) == without_votes(fresh["questions"])
    assert got["lecture"] == fresh["lecture"] == room.lecture.public()
    assert got["polls"] == fresh["polls"]
    assert all(p["correct"] is None or p["revealed"] for p in fresh["polls"])  # a quiz's answer stays secret


# -- commands, as data -----------------------------------------------------------------

def run(room: Room, op: tuple[Any, ...], now: float) -> None:
    """One command; refusals (closed, conflict, not_found...) are part of life."""
    kind = op[0]
    comments = list(room.comments)
    questions = list(room.questions)
    try:
        if kind == "comment":
            room.post_comment(VIEWERS[op[1]], f"评论 {now}", op[2], now)
        elif kind == "question":
            room.post_question(VIEWERS[op[1]], f"问题 {now}", "小海", op[2], now)
        elif kind == "moderate" and comments:
            room.moderate_comment(comments[op[1] % len(comments)], op[2], now)
        elif kind == "transition" and questions:
            room.update_question(questions[op[1] % len(questions)], now, state=op[2], answer=op[3], speaker=op[4])
        elif kind == "lecture":
            room.update_lecture(op[1], now)
        elif kind == "vote" and questions:
            room.vote(VIEWERS[op[1]], questions[op[2] % len(questions)], op[3])
    except Refusal:
        pass


viewer = st.integers(0, len(VIEWERS) - 1)
index = st.integers(0, 50)
lecture_changes = st.one_of(
    st.fixed_dictionaries({}, optional={
        "comments_open": st.booleans(),
        "comment_mode": st.sampled_from(["open", "held"]),
        "question_mode": st.sampled_from(["open", "held"]),
        "anonymous_questions": st.booleans(),
    }).map(lambda s: {"settings": s}),
    st.sampled_from([{"settings": {"comment_mode": "held"}}, {"settings": {"question_mode": "held"}},
                     {"settings": {"comment_mode": "open", "question_mode": "open", "comments_open": True}}]),
    st.sampled_from([{"status": "live"}, {"status": "scheduled"}, {"status": "ended"}, {"title": "新标题"},
                     {"stream_url": "https://example.org/live.m3u8"}, {"description": "改了"}]),
)
#: One command, as data. Posting and moderating are listed more than once so
#: that they come up more often than the lecture changes that close things.
ops = st.one_of(
    st.tuples(st.just("comment"), viewer, st.sampled_from([None, "晨"])),
    st.tuples(st.just("comment"), viewer, st.none()),
    st.tuples(st.just("comment"), viewer, st.none()),
    st.tuples(st.just("question"), viewer, st.booleans()),
    st.tuples(st.just("question"), viewer, st.booleans()),
    st.tuples(st.just("moderate"), index, st.sampled_from(ACTIONS)),
    st.tuples(st.just("moderate"), index, st.sampled_from(ACTIONS)),
    st.tuples(st.just("moderate"), index, st.sampled_from(ACTIONS)),
    st.tuples(st.just("transition"), index, st.sampled_from(STATES + [None]),
              st.sampled_from([None, "", "回答"]), st.sampled_from([None, "", "陈亮"])),
    st.tuples(st.just("transition"), index, st.sampled_from(STATES), st.none(), st.none()),
    st.tuples(st.just("transition"), index, st.sampled_from(STATES), st.none(), st.none()),
    st.tuples(st.just("lecture"), lecture_changes),
    st.tuples(st.just("vote"), viewer, index, st.booleans()),
)
commands = st.lists(ops, min_size=20, max_size=80)


@settings(max_examples=100, deadline=None)
@given(commands, st.data())
def test_old_snapshot_plus_events_equals_fresh_snapshot(commands: list[tuple[Any, ...]], data: Any) -> None:
    room = Room(make_lecture())
    split = data.draw(st.integers(0, len(commands)), label="split")
    for i, op in enumerate(commands[:split]):
        run(room, op, T0 + i)
    old_seq, old = room.seq, copy.deepcopy(view(room))
    for i, op in enumerate(commands[split:], start=split):
        run(room, op, T0 + i)
    assert_same(room, old, old_seq)


@settings(max_examples=100, deadline=None)
@given(commands)
def test_replaying_the_history_rebuilds_the_room(commands: list[tuple[Any, ...]]) -> None:
    lecture = make_lecture()
    room = Room(lecture)
    for i, op in enumerate(commands):
        run(room, op, T0 + i)
    again = Room(lecture)
    for event in room.history:
        again.apply(event)
    assert again.seq == room.seq
    assert again.comments == room.comments
    assert list(again.comments) == list(room.comments)
    assert again.questions == room.questions
    assert again.answering == room.answering
    assert again.lecture.public() == room.lecture.public()
    assert again.lecture.to_row() == room.lecture.to_row()
    assert again.author_of == room.author_of
    assert dict(again.by_author) == {k: v for k, v in room.by_author.items() if v}
    assert again.stats(0)["comments"] == room.stats(0)["comments"]
    assert again.stats(0)["questions"] == room.stats(0)["questions"]
    assert again.comments_after(0, BIG, moderator=True) == room.comments_after(0, BIG, moderator=True)
    # and the invariant the room keeps: at most one question answering, and it is the one noted
    answering = [q for q, r in room.questions.items() if r["state"] == "answering"]
    assert answering == ([room.answering] if room.answering else [])


def test_every_kind_explicitly() -> None:
    """Each kind in turn, checking old-snapshot-plus-events against a fresh
    snapshot from every earlier point."""
    room = Room(make_lecture())
    points: list[tuple[int, dict[str, Any]]] = [(0, copy.deepcopy(view(room)))]

    def step(fn: Any, *args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        for seq, old in points:
            assert_same(room, old, seq)
        points.append((room.seq, copy.deepcopy(view(room))))
        return result

    step(room.post_comment, "v1", "为劳模点赞！", "晨", T0)  # c1 comment.created
    step(room.post_comment, "v2", "第二条", None, T0)  # c2
    step(room.moderate_comment, "c1", "hide", T0)  # comment.hidden
    step(room.moderate_comment, "c1", "restore", T0)  # comment.restored
    step(room.moderate_comment, "c2", "feature", T0)  # comment.featured
    step(room.moderate_comment, "c2", "unfeature", T0)  # comment.unfeatured
    step(room.update_lecture, {"settings": {"comment_mode": "held", "question_mode": "held"}}, T0)  # lecture.updated
    step(room.post_comment, ME, "held", None, T0)  # c8: private
    step(room.moderate_comment, "c8", "feature", T0)  # private
    step(room.moderate_comment, "c8", "approve", T0)  # comment.approved, now visible
    step(room.post_question, ME, "pending", None, False, T0)  # q11: private
    step(room.update_question, "q11", T0, state="approved")  # question.updated, appears
    step(room.update_lecture, {"settings": {"question_mode": "open"}, "status": "live"}, T0)
    step(room.post_question, "v2", "approved", "小海", False, T0)  # q14 question.created
    step(room.post_question, "v3", "anonymous", None, True, T0)  # q15
    step(room.update_question, "q14", T0, state="answering")
    step(room.update_question, "q15", T0, state="answering", speaker="陈亮")  # displaces q14
    step(room.update_question, "q15", T0, state="answered", answer="答")
    step(room.update_question, "q14", T0, state="dismissed")  # disappears
    step(room.update_question, "q14", T0, state="approved")  # reappears in place
    step(room.moderate_comment, "c8", "hide", T0)  # a visible comment hidden: disappears
    step(room.update_lecture, {"title": "新标题", "stream_url": "https://example.org/talk.mp4"}, T0)
    step(room.set_words, ["禁词"], ["关注"], T0)  # words.updated: private
    step(room.restrict, "v3", "banned", T0)  # viewer.restricted: private
    step(room.moderate_comment, "c2", "feature", T0)
    step(room.moderate_comment, "c1", "feature", T0)  # the featured list keeps seq order
    quiz = step(room.create_poll, {"kind": "quiz", "title": "劳模节是哪天？", "options": [
        {"id": "a", "text": "五一"}, {"id": "b", "text": "十一"}], "correct": ["a"]}, T0).data["id"]  # poll.created
    step(room.edit_poll, quiz, {"title": "劳动节是哪天？"}, T0)  # poll.updated, a draft: private
    step(room.poll_action, quiz, "open", T0)  # poll.opened: appears, its answer hidden
    step(room.poll_action, quiz, "show", T0)  # poll.results_shown
    step(room.poll_action, quiz, "hide", T0)  # poll.results_hidden
    step(room.poll_action, quiz, "close", T0)  # poll.closed
    step(room.poll_action, quiz, "reveal", T0)  # poll.revealed
    gone = step(room.create_poll, {"kind": "rating", "title": "打分"}, T0).data["id"]
    step(room.poll_action, gone, "delete", T0)  # poll.deleted

    kinds = {e.kind for e in room.history}
    assert kinds == set(KINDS)
    assert any(e.private for e in room.history)
    # the end state, to be sure the steps did something
    final = view(room)
    assert [c["id"] for c in final["comments"]] == ["c1", "c2"]
    assert [(q["id"], q["state"]) for q in final["questions"]] == [("q11", "approved"), ("q14", "approved"),
                                                                   ("q15", "answered")]
    assert final["lecture"]["stream_kind"] == "video"


def test_apply_event_places_by_seq_and_removes() -> None:
    snap: dict[str, Any] = {"comments": [], "questions": []}
    c = lambda seq, state="visible": {"id": f"c{seq}", "seq": seq, "state": state}  # noqa: E731
    apply_event(snap, {"seq": 5, "kind": "comment.created", "data": c(5)})
    apply_event(snap, {"seq": 9, "kind": "comment.created", "data": c(9)})
    apply_event(snap, {"seq": 10, "kind": "comment.restored", "data": c(7)})
    assert [x["id"] for x in snap["comments"]] == ["c5", "c7", "c9"]
    apply_event(snap, {"seq": 11, "kind": "comment.hidden", "data": c(7, "hidden")})
    assert [x["id"] for x in snap["comments"]] == ["c5", "c9"]
    apply_event(snap, {"seq": 12, "kind": "comment.hidden", "data": c(8, "hidden")})  # not there: nothing
    apply_event(snap, {"seq": 13, "kind": "private"})
    apply_event(snap, {"seq": 14, "kind": "poll.created", "data": {"id": "p1"}})  # unknown kinds are ignored
    assert [x["id"] for x in snap["comments"]] == ["c5", "c9"]
    featured = {**c(5), "featured": True}
    apply_event(snap, {"seq": 15, "kind": "comment.featured", "data": featured})
    assert snap["comments"][0] == featured
    apply_event(snap, {"seq": 16, "kind": "comment.created", "data": c(16)}, comment_limit=2)
    assert [x["id"] for x in snap["comments"]] == ["c9", "c16"]
    q = {"id": "q3", "seq": 3, "state": "pending"}
    apply_event(snap, {"seq": 17, "kind": "question.updated", "data": q})
    assert snap["questions"] == []
    apply_event(snap, {"seq": 18, "kind": "question.updated", "data": {**q, "state": "answering"}})
    assert snap["questions"] == [{**q, "state": "answering"}]
    apply_event(snap, {"seq": 19, "kind": "question.updated", "data": {**q, "state": "dismissed"}})
    assert snap["questions"] == []
