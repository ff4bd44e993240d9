"""Room: one lecture's state machine, command by command."""

from __future__ import annotations

from typing import Any

import pytest

from live.core.clock import iso
from live.core.errors import Refusal
from live.core.events import KINDS
from live.core.lecture import Lecture
from live.core.room import Room

T0 = 1_776_000_000.0


def make_lecture(**settings: Any) -> Lecture:
    lecture = Lecture(code="K7MXQ2", title="“劳模精神”大家谈", moderator_key="mk-secret", epoch="ep-1", created_at=iso(T0))
    return lecture.with_changes({"settings": settings}) if settings else lecture


def make_room(history_size: int = 10_000, **settings: Any) -> Room:
    return Room(make_lecture(**settings), history_size=history_size)


def set_settings(room: Room, **settings: Any) -> None:
    room.update_lecture({"settings": settings}, T0)


def refused(code: str, fn: Any, *args: Any, **kwargs: Any) -> Refusal:
    with pytest.raises(Refusal) as e:
        fn(*args, **kwargs)
    assert e.value.code == code, e.value.to_dict()
    return e.value


# -- comments ------------------------------------------------------------

def test_post_comment_visible() -> None:
    room = make_room()
    e = room.post_comment("v1", "为劳模点赞！", "晨", T0 + 1)
    assert e.seq == 1 and e.kind == "comment.created" and not e.private and e.author == "v1"
    assert e.data == {"id": "c1", "seq": 1, "text": "为劳模点赞！", "nickname": "晨", "created_at": iso(T0 + 1),
                      "featured": False, "state": "visible"}
    assert e.public() == {"seq": 1, "kind": "comment.created", "data": e.data}
    assert room.comment("c1") == e.data
    assert room.stats(0)["comments"] == 1


def test_post_comment_held() -> None:
    room = make_room(comment_mode="held")
    e = room.post_comment("v1", "等审核", None, T0)
    assert e.data["state"] == "held"
    assert e.private
    assert e.public() == {"seq": e.seq, "kind": "private"}
    assert e.full()["data"]["text"] == "等审核"
    assert room.stats(0)["comments"] == 0


def test_comment_refused_when_ended_or_closed() -> None:
    room = make_room(comments_open=False)
    refused("closed", room.post_comment, "v1", "hi", None, T0)
    room = make_room()
    room.update_lecture({"status": "ended"}, T0)
    seq = room.seq
    refused("closed", room.post_comment, "v1", "hi", None, T0)
    refused("closed", room.post_question, "v1", "hi?", None, False, T0)
    assert room.seq == seq  # a refusal writes nothing


# -- questions -----------------------------------------------------------

def test_post_question_approved() -> None:
    room = make_room()
    e = room.post_question("v1", "劳模精神\n是什么？", "小海", False, T0)
    assert e.kind == "question.created" and not e.private
    assert e.data == {"id": "q1", "seq": 1, "text": "劳模精神\n是什么？", "nickname": "小海", "anonymous": False,
                      "votes": 0, "state": "approved", "answer": None, "speaker": None,
                      "created_at": iso(T0), "updated_at": iso(T0)}


def test_post_question_pending_when_held() -> None:
    room = make_room(question_mode="held")
    e = room.post_question("v1", "问题", "小海", False, T0)
    assert e.data["state"] == "pending" and e.private
    assert e.public() == {"seq": 1, "kind": "private"}


def test_anonymous_question() -> None:
    room = make_room()
    e = room.post_question("v1", "问题", "小海", True, T0)
    assert e.data["nickname"] is None and e.data["anonymous"] is True
    assert room.author_of[e.data["id"]] == "v1"  # the store still knows, nobody is told
    assert "v1" not in str(e.public())


def test_anonymous_not_allowed() -> None:
    room = make_room(anonymous_questions=False)
    refused("forbidden", room.post_question, "v1", "问题", None, True, T0)
    assert room.post_question("v1", "问题", "小海", False, T0).data["state"] == "approved"


# -- moderation ------------------------------------------------------------

def comment_in(room: Room, state: str, featured: bool = False) -> str:
    """A comment brought to ``state`` (visible, held, hidden)."""
    held = state == "held"
    if held:
        set_settings(room, comment_mode="held")
    cid = room.post_comment("author", "评论", None, T0).data["id"]
    if held:
        set_settings(room, comment_mode="open")
    if featured:
        room.moderate_comment(cid, "feature", T0)
    if state == "hidden":
        room.moderate_comment(cid, "hide", T0)
    assert room.comments[cid]["state"] == state and room.comments[cid]["featured"] == featured
    return cid


# (state before, featured before, action) -> (kind, state after, featured after, private) or None
MODERATION = {
    ("visible", False, "hide"): ("comment.hidden", "hidden", False, False),
    ("visible", False, "restore"): None,
    ("visible", False, "approve"): None,
    ("visible", False, "feature"): ("comment.featured", "visible", True, False),
    ("visible", False, "unfeature"): None,
    ("visible", True, "unfeature"): ("comment.unfeatured", "visible", False, False),
    ("visible", True, "feature"): None,
    ("visible", True, "hide"): ("comment.hidden", "hidden", True, False),
    ("held", False, "hide"): ("comment.hidden", "hidden", False, True),  # rejecting a held comment
    ("held", False, "restore"): ("comment.restored", "visible", False, False),
    ("held", False, "approve"): ("comment.approved", "visible", False, False),
    ("held", False, "feature"): ("comment.featured", "held", True, True),
    ("held", False, "unfeature"): None,
    ("hidden", False, "hide"): None,
    ("hidden", False, "restore"): ("comment.restored", "visible", False, False),
    ("hidden", False, "approve"): ("comment.approved", "visible", False, False),
    ("hidden", False, "feature"): ("comment.featured", "hidden", True, True),
    ("hidden", True, "unfeature"): ("comment.unfeatured", "hidden", False, True),
    ("hidden", True, "restore"): ("comment.restored", "visible", True, False),
}


@pytest.mark.parametrize("case", sorted(MODERATION), ids=lambda c: f"{c[0]}{'*' if c[1] else ''}-{c[2]}")
def test_moderate_comment(case: tuple[str, bool, str]) -> None:
    state, featured, action = case
    room = make_room()
    cid = comment_in(room, state, featured)
    before, seq = dict(room.comments[cid]), room.seq
    event = room.moderate_comment(cid, action, T0 + 3)
    expected = MODERATION[case]
    if expected is None:
        assert event is None
        assert room.seq == seq and room.comments[cid] == before
        return
    kind, new_state, new_featured, private = expected
    assert event is not None
    assert event.kind == kind and event.seq == seq + 1
    assert event.data == {**before, "state": new_state, "featured": new_featured}
    assert event.private is private
    assert room.comments[cid] == event.data
    assert room.stats(0)["comments"] == sum(c["state"] == "visible" for c in room.comments.values())


def test_moderation_covers_every_comment_kind() -> None:
    kinds = {v[0] for v in MODERATION.values() if v}
    assert kinds == {k for k in KINDS if k.startswith("comment.")} - {"comment.created"}


def test_moderate_unknown_action_or_id() -> None:
    room = make_room()
    cid = comment_in(room, "visible")
    refused("not_found", room.moderate_comment, cid, "delete", T0)
    refused("not_found", room.moderate_comment, "c99", "hide", T0)
    refused("not_found", room.moderate_comment, "q1", "hide", T0)
    assert room.seq == 1


# -- votes ---------------------------------------------------------------------

def test_vote_rules() -> None:
    room = make_room()
    qid = room.post_question("author", "问题", None, False, T0).data["id"]
    assert room.vote("a", qid, True) == (True, 1)
    assert room.vote("a", qid, True) == (False, 1)  # once per viewer
    assert room.vote("b", qid, True) == (True, 2)
    assert room.vote("a", qid, False) == (True, 1)  # taken back
    assert room.vote("a", qid, False) == (False, 1)
    assert room.vote("c", qid, False) == (False, 1)  # taking back what was never given
    assert room.question(qid)["votes"] == 1
    assert room.tallies() == {qid: 1}
    assert room.snapshot("b", moderator=False, comments=100, online=0)["voted"] == [qid]
    assert room.snapshot("a", moderator=False, comments=100, online=0)["voted"] == []
    assert room.seq == 1  # votes are aggregates, not log events


def test_vote_on_hidden_or_unknown_question() -> None:
    room = make_room(question_mode="held")
    pending = room.post_question("author", "问题", None, False, T0).data["id"]
    refused("not_found", room.vote, "a", pending, True)
    refused("not_found", room.vote, "a", "q99", True)
    refused("not_found", room.vote, "a", "c1", True)
    room.update_question(pending, T0, state="approved")
    assert room.vote("a", pending, True) == (True, 1)
    room.update_question(pending, T0, state="dismissed")
    refused("not_found", room.vote, "b", pending, True)
    assert room.tallies() == {}


# -- the log -------------------------------------------------------------------

def run_mixed(room: Room) -> None:
    room.post_comment("v1", "a", None, T0)
    room.post_question("v1", "b", None, False, T0)
    try:
        room.moderate_comment("c9", "hide", T0)
    except Refusal:
        pass
    room.moderate_comment("c1", "hide", T0)
    room.moderate_comment("c1", "hide", T0)  # no-op
    set_settings(room, comment_mode="held", question_mode="held")
    room.post_comment("v2", "c", None, T0)
    room.post_question("v2", "d", None, True, T0)
    room.update_question("q2", T0, state="answering")
    room.vote("v3", "q2", True)
    room.like(5)
    try:
        room.update_question("q2", T0, state="pending")
    except Refusal:
        pass
    room.update_question("q6", T0, state="dismissed")


def test_seq_is_gapless_from_one() -> None:
    room = make_room()
    run_mixed(room)
    seqs = [e.seq for e in room.history]
    assert seqs == list(range(1, room.seq + 1))
    assert room.seq == 8
    assert [e.kind for e in room.history] == [
        "comment.created", "question.created", "comment.hidden", "lecture.updated",
        "comment.created", "question.created", "question.updated", "question.updated",
    ]
    assert [e.private for e in room.history] == [False, False, False, False, True, True, False, True]


def test_apply_refuses_a_gap() -> None:
    room = make_room()
    e = room.post_comment("v1", "a", None, T0)
    other = make_room()
    with pytest.raises(ValueError):
        other.apply(type(e)(2, e.kind, e.data))


def test_events_after_slices() -> None:
    room = make_room()
    for i in range(8):
        room.post_comment("v1", f"c{i}", None, T0)
    history = list(room.history)
    for since in range(0, 8):
        assert room.events_after(since) == history[since:]
    assert room.events_after(8) == []
    assert room.events_after(9) is None
    assert room.events_after(-1) is None


def test_events_after_past_the_history() -> None:
    room = make_room(history_size=5)
    for i in range(12):
        room.post_comment("v1", f"c{i}", None, T0)
    assert [e.seq for e in room.history] == [8, 9, 10, 11, 12]
    assert [e.seq for e in room.events_after(7)] == [8, 9, 10, 11, 12]
    assert [e.seq for e in room.events_after(10)] == [11, 12]
    assert room.events_after(6) is None
    assert room.events_after(0) is None
    assert room.events_after(12) == []
    assert room.events_after(13) is None


def test_events_after_on_an_empty_room() -> None:
    room = make_room()
    assert room.events_after(0) == []
    assert room.events_after(1) is None


# -- reading -------------------------------------------------------------------

def test_comments_after_pagination() -> None:
    room = make_room()
    for i in range(10):
        room.post_comment("v1", f"c{i}", None, T0)
    room.moderate_comment("c3", "hide", T0)
    set_settings(room, comment_mode="held")  # seq 12
    room.post_comment("v2", "held", None, T0)  # c13
    visible = [f"c{s}" for s in range(1, 11) if s != 3]

    def pages(moderator: bool, limit: int) -> list[list[str]]:
        out, after = [], 0
        while True:
            page = room.comments_after(after, limit, moderator=moderator)
            if not page:
                return out
            out.append([c["id"] for c in page])
            after = page[-1]["seq"]

    assert pages(False, 4) == [visible[0:4], visible[4:8], visible[8:]]
    assert pages(True, 5) == [["c1", "c2", "c3", "c4", "c5"], ["c6", "c7", "c8", "c9", "c10"], ["c13"]]
    assert [c["id"] for c in room.comments_after(5, 2, moderator=False)] == ["c6", "c7"]
    assert [c["id"] for c in room.comments_after(2, 1, moderator=False)] == ["c4"]
    assert room.comments_after(10, 100, moderator=False) == []
    assert room.comments_after(0, 100, moderator=False)[0]["id"] == "c1"


def test_questions_list_ordering() -> None:
    room = make_room()
    q = [room.post_question(f"a{i}", f"问题{i}", None, False, T0 + i).data["id"] for i in range(4)]
    room.vote("x", q[2], True)
    room.vote("y", q[2], True)
    room.vote("x", q[3], True)
    room.vote("z", q[1], True)
    # q2: 2 votes; q1 and q3: 1 each (q1 older); q0: none
    assert [r["id"] for r in room.questions_list(moderator=False)] == [q[2], q[1], q[3], q[0]]
    assert [r["votes"] for r in room.questions_list(moderator=False)] == [2, 1, 1, 0]
    room.update_question(q[2], T0, state="dismissed")
    assert [r["id"] for r in room.questions_list(moderator=False)] == [q[1], q[3], q[0]]
    assert [r["id"] for r in room.questions_list(moderator=True)] == [q[2], q[1], q[3], q[0]]
    assert [r["id"] for r in room.questions_list(moderator=True, state="dismissed")] == [q[2]]
    room.update_question(q[0], T0, state="answered")
    assert [r["id"] for r in room.questions_list(moderator=False, state="answered")] == [q[0]]


def test_stats() -> None:
    room = make_room()
    assert room.join("v1", resumed=False) is True
    assert room.join("v1", resumed=False) is False
    assert room.join("v1", resumed=True) is False
    assert room.join("v2", resumed=True) is True
    room.report_online(7)
    room.report_online(3)
    assert room.like(10) == 10
    assert room.like(5) == 15
    room.post_comment("v1", "a", None, T0)
    room.post_comment("v1", "b", None, T0)
    room.moderate_comment("c2", "hide", T0)
    set_settings(room, question_mode="held")
    room.post_question("v1", "q", None, False, T0)
    assert room.stats(4) == {"online": 4, "peak_online": 7, "visits": 2, "unique_viewers": 2, "likes": 15,
                             "comments": 1, "questions": 1, "answered_live": 0, "answered_written": 0}
    assert room.stats(9)["peak_online"] == 9


def test_answered_counts_tell_live_from_written() -> None:
    room = make_room()
    for text in ("a", "b", "c"):
        room.post_question("v1", text, None, False, T0)
    room.update_question("q1", T0, state="answered")
    room.update_question("q2", T0, state="answered", answer="In writing.")
    room.update_question("q3", T0, state="answered")
    room.update_question("q3", T0, answer="Written later.")
    assert room.content_counts() == {"comments": 0, "questions": 3, "answered_live": 1, "answered_written": 2}
    room.update_question("q1", T0, state="approved")
    assert room.content_counts()["answered_live"] == 0


def test_snapshot_contents() -> None:
    room = make_room()
    for i in range(5):
        room.post_comment("v1", f"c{i}", None, T0)  # c1..c5
    room.moderate_comment("c2", "hide", T0)  # 6
    set_settings(room, comment_mode="held", question_mode="held")  # 7
    room.post_comment("me", "mine, held", None, T0)  # c8
    room.post_question("me", "mine, pending", None, False, T0)  # q9
    room.post_question("other", "theirs, pending", None, False, T0)  # q10
    set_settings(room, comment_mode="open", question_mode="open")  # 11
    room.post_question("other", "approved", None, False, T0)  # q12
    room.post_question("me", "to dismiss", None, True, T0)  # q13
    room.update_question("q13", T0, state="dismissed")  # 14
    room.vote("me", "q12", True)

    snap = room.snapshot("me", moderator=False, comments=3, online=2)
    assert [c["id"] for c in snap["comments"]] == ["c3", "c4", "c5"]  # latest 3 visible, oldest first
    assert [q["id"] for q in snap["questions"]] == ["q12"]
    assert snap["questions"][0]["votes"] == 1
    assert [c["id"] for c in snap["mine"]["comments"]] == ["c8"]
    assert [q["id"] for q in snap["mine"]["questions"]] == ["q9", "q13"]
    assert snap["voted"] == ["q12"]
    assert snap["counters"] == room.stats(2)

    theirs = room.snapshot("other", moderator=False, comments=100, online=2)
    assert [c["id"] for c in theirs["comments"]] == ["c1", "c3", "c4", "c5"]
    assert theirs["mine"] == {"comments": [], "questions": [room.questions["q10"]]}
    assert theirs["voted"] == []
    stranger = room.snapshot("nobody", moderator=False, comments=100, online=2)
    assert stranger["mine"] == {"comments": [], "questions": []}

    mod = room.snapshot("mod", moderator=True, comments=100, online=2)
    assert [c["id"] for c in mod["comments"]] == ["c1", "c2", "c3", "c4", "c5", "c8"]
    assert [q["id"] for q in mod["questions"]] == ["q9", "q10", "q12", "q13"]

    room.moderate_comment("c8", "approve", T0)
    room.update_question("q9", T0, state="approved")
    snap = room.snapshot("me", moderator=False, comments=100, online=2)
    assert snap["mine"]["comments"] == []  # now visible to all, no longer only "mine"
    assert [q["id"] for q in snap["mine"]["questions"]] == ["q13"]
    assert [q["id"] for q in snap["questions"]] == ["q9", "q12"]


def test_snapshot_lists_are_not_the_rooms() -> None:
    room = make_room()
    room.post_comment("v1", "a", None, T0)
    snap = room.snapshot("v1", moderator=False, comments=100, online=0)
    snap["comments"].clear()
    assert room.snapshot("v1", moderator=False, comments=100, online=0)["comments"] != []
