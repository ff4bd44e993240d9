"""One lecture's state, decided in memory.

The room turns commands into events and folds events into state through
one path (``apply``), so that replaying the stored log rebuilds exactly the
state that was left. It never touches a socket or a file: the store around
it persists the events it emits and hands them to the broker.
"""

from __future__ import annotations

import bisect
from collections import defaultdict, deque
from contextlib import contextmanager
from itertools import islice
from typing import Any, Iterable, Iterator

from live.core import policy, qa
from live.core.clock import iso
from live.core.codes import comment_id, question_id
from live.core.errors import Refusal
from live.core.events import Event
from live.core.lecture import Lecture

COMMENT_ACTIONS: dict[str, str] = {
    "hide": "comment.hidden",
    "restore": "comment.restored",
    "approve": "comment.approved",
    "feature": "comment.featured",
    "unfeature": "comment.unfeatured",
}


def _changed_comment(rec: dict[str, Any], action: str) -> dict[str, Any]:
    new = dict(rec)
    if action == "hide":
        new["state"] = "hidden"
    elif action in ("restore", "approve"):
        new["state"] = "visible"
    else:
        new["featured"] = action == "feature"
    return new


class Room:
    def __init__(self, lecture: Lecture, *, history_size: int = 10_000) -> None:
        self.lecture = lecture
        self.seq = 0
        self.history: deque[Event] = deque(maxlen=history_size)
        self.comments: dict[str, dict[str, Any]] = {}
        self._comment_seqs: list[int] = []
        self.questions: dict[str, dict[str, Any]] = {}
        self.answering: str | None = None
        self.author_of: dict[str, str] = {}
        self.by_author: dict[str, list[str]] = defaultdict(list)
        self.votes: dict[str, set[str]] = defaultdict(set)
        self.voted: dict[str, set[str]] = defaultdict(set)
        self.viewers: set[str] = set()
        self.visible_comments = 0
        self.likes = 0
        self.visits = 0
        self.peak_online = 0
        #: (viewer, client id) -> the ack it got; a repeated id gets it again.
        self.acks: dict[tuple[str, str], dict[str, Any]] = {}
        self._plan: list[Event] | None = None

    @classmethod
    def restore(
        cls,
        lecture: Lecture,
        *,
        seq: int,
        comments: Iterable[dict[str, Any]],
        questions: Iterable[dict[str, Any]],
        authors: dict[str, str],
        history: Iterable[Event],
        history_size: int,
    ) -> "Room":
        """A room from its current records rather than its whole log (a
        shared store keeps only the recent log)."""
        room = cls(lecture, history_size=history_size)
        for rec in sorted(comments, key=lambda r: r["seq"]):
            room._put_comment(rec, authors.get(rec["id"]))
        for rec in sorted(questions, key=lambda r: r["seq"]):
            room._put_question(rec, authors.get(rec["id"]))
        room.seq = seq
        room.history.extend(history)
        return room

    @contextmanager
    def planning(self) -> Iterator[list[Event]]:
        """Commands inside decide their events without applying them, for a
        store that must get them accepted elsewhere first and applies them
        when they come back in order."""
        self._plan = planned = []
        try:
            yield planned
        finally:
            self._plan = None

    # -- the one way state changes -------------------------------------

    def apply(self, event: Event) -> None:
        if event.seq != self.seq + 1:
            raise ValueError(f"event {event.seq} does not follow {self.seq}")
        self.seq = event.seq
        self.history.append(event)
        if event.kind.startswith("comment."):
            self._put_comment(event.data, event.author)
        elif event.kind.startswith("question."):
            self._put_question(event.data, event.author)
        elif event.kind == "lecture.updated":
            self.lecture = Lecture.from_row({**self.lecture.to_row(), **event.data})

    def _put_comment(self, rec: dict[str, Any], author: str | None) -> None:
        old = self.comments.get(rec["id"])
        if old is None:
            self._comment_seqs.append(rec["seq"])
            if author:
                self.author_of[rec["id"]] = author
                self.by_author[author].append(rec["id"])
        else:
            self.visible_comments -= old["state"] == "visible"
        self.visible_comments += rec["state"] == "visible"
        self.comments[rec["id"]] = rec

    def _put_question(self, rec: dict[str, Any], author: str | None) -> None:
        if rec["id"] not in self.questions and author:
            self.author_of[rec["id"]] = author
            self.by_author[author].append(rec["id"])
        self.questions[rec["id"]] = rec
        if rec["state"] == "answering":
            self.answering = rec["id"]
        elif self.answering == rec["id"]:
            self.answering = None

    def _emit(self, kind: str, data: dict[str, Any], *, private: bool, author: str | None, at: float) -> Event:
        if self._plan is not None:
            event = Event(self.seq + 1 + len(self._plan), kind, data, private, author, at)
            self._plan.append(event)
        else:
            event = Event(self.seq + 1, kind, data, private, author, at)
            self.apply(event)
        return event

    # -- commands ------------------------------------------------------

    def post_comment(self, viewer: str, text: str, nickname: str | None, now: float) -> Event:
        state = policy.comment_state(self.lecture)
        seq = self.seq + 1
        rec = {
            "id": comment_id(seq),
            "seq": seq,
            "text": text,
            "nickname": nickname,
            "created_at": iso(now),
            "featured": False,
            "state": state,
        }
        return self._emit("comment.created", rec, private=state != "visible", author=viewer, at=now)

    def post_question(self, viewer: str, text: str, nickname: str | None, anonymous: bool, now: float) -> Event:
        state = policy.question_state(self.lecture, anonymous)
        seq = self.seq + 1
        rec = {
            "id": question_id(seq),
            "seq": seq,
            "text": text,
            "nickname": None if anonymous else nickname,
            "anonymous": anonymous,
            "votes": 0,
            "state": state,
            "answer": None,
            "speaker": None,
            "created_at": iso(now),
            "updated_at": iso(now),
        }
        return self._emit("question.created", rec, private=not qa.is_visible(state), author=viewer, at=now)

    def moderate_comment(self, cid: str, action: str, now: float) -> Event | None:
        """The event the action makes, or None when it changes nothing."""
        if action not in COMMENT_ACTIONS:
            raise Refusal("not_found", f"No comment action '{action}'.")
        rec = self.comment(cid)
        new = _changed_comment(rec, action)
        if new == rec:
            return None
        private = rec["state"] != "visible" and new["state"] != "visible"
        return self._emit(COMMENT_ACTIONS[action], new, private=private, author=self.author_of.get(cid), at=now)

    def update_question(
        self, qid: str, now: float, *, state: str | None = None, answer: str | None = None, speaker: str | None = None
    ) -> list[Event]:
        """Change a question's state, written answer or speaker; an empty
        ``answer`` or ``speaker`` clears it. Returns the events, none when
        nothing changed."""
        rec = self.question(qid)
        new = dict(rec)
        displaced: dict[str, Any] | None = None
        if state is not None and state != rec["state"]:
            if not qa.allowed(rec["state"], state):
                raise Refusal("conflict", f"A question cannot go from {rec['state']} to {state}.", state=rec["state"])
            if state == "answering" and self.answering not in (None, qid):
                displaced = {**self.questions[self.answering], "state": qa.DISPLACED, "updated_at": iso(now)}
            new["state"] = state
        if answer is not None:
            new["answer"] = answer or None
        if speaker is not None:
            new["speaker"] = speaker or None
        if new == rec:
            return []
        events = []
        if displaced is not None:
            displaced["votes"] = len(self.votes[displaced["id"]])
            events.append(self._emit("question.updated", displaced, private=False,
                                     author=self.author_of.get(displaced["id"]), at=now))
        new["updated_at"] = iso(now)
        new["votes"] = len(self.votes[qid])
        private = not qa.is_visible(rec["state"]) and not qa.is_visible(new["state"])
        events.append(self._emit("question.updated", new, private=private, author=self.author_of.get(qid), at=now))
        return events

    def update_lecture(self, changes: dict[str, Any], now: float) -> Event:
        public = self.lecture.with_changes(changes).public()
        return self._emit("lecture.updated", public, private=False, author=None, at=now)

    def vote_target(self, qid: str) -> dict[str, Any]:
        """The question a vote is for: it must exist and be visible."""
        rec = self.questions.get(qid)
        if rec is None or not qa.is_visible(rec["state"]):
            raise Refusal("not_found", f"No open question '{qid}'.")
        return rec

    def vote(self, viewer: str, qid: str, up: bool) -> tuple[bool, int]:
        """Set a viewer's vote; returns (whether it changed, the tally)."""
        self.vote_target(qid)
        voters = self.votes[qid]
        changed = (viewer in voters) != up
        if changed:
            (voters.add if up else voters.discard)(viewer)
            (self.voted[viewer].add if up else self.voted[viewer].discard)(qid)
        return changed, len(voters)

    def join(self, viewer: str, resumed: bool) -> bool:
        """Count a visit; returns whether the viewer is new to the lecture."""
        if not resumed:
            self.visits += 1
        if viewer in self.viewers:
            return False
        self.viewers.add(viewer)
        return True

    def like(self, count: int) -> int:
        self.likes += count
        return self.likes

    def report_online(self, online: int) -> None:
        self.peak_online = max(self.peak_online, online)

    # -- reading -------------------------------------------------------

    def comment(self, cid: str) -> dict[str, Any]:
        rec = self.comments.get(cid)
        if rec is None:
            raise Refusal("not_found", f"No comment '{cid}'.")
        return rec

    def question(self, qid: str) -> dict[str, Any]:
        rec = self.questions.get(qid)
        if rec is None:
            raise Refusal("not_found", f"No question '{qid}'.")
        return self.question_view(rec)

    def question_view(self, rec: dict[str, Any]) -> dict[str, Any]:
        """A question with its current tally (events keep the tally of their time)."""
        return {**rec, "votes": len(self.votes[rec["id"]])} if rec["id"] in self.votes else rec

    def events_after(self, since: int) -> list[Event] | None:
        """Every event after ``since``, or None when they are no longer all
        in the history (or ``since`` is from the future)."""
        if since > self.seq or since < 0:
            return None
        if since == self.seq:
            return []
        oldest = self.history[0].seq if self.history else self.seq + 1
        if since + 1 < oldest:
            return None
        return list(islice(self.history, since + 1 - oldest, None))

    def comments_after(self, after: int, limit: int, *, moderator: bool) -> list[dict[str, Any]]:
        start = bisect.bisect_right(self._comment_seqs, after)
        out: list[dict[str, Any]] = []
        for seq in islice(self._comment_seqs, start, None):
            rec = self.comments[comment_id(seq)]
            if moderator or rec["state"] == "visible":
                out.append(rec)
                if len(out) >= limit:
                    break
        return out

    def questions_list(self, *, moderator: bool, state: str | None = None) -> list[dict[str, Any]]:
        items = [
            self.question_view(q)
            for q in self.questions.values()
            if (moderator or qa.is_visible(q["state"])) and (state is None or q["state"] == state)
        ]
        items.sort(key=lambda q: (-q["votes"], q["seq"]))
        return items

    def tallies(self, qids: Iterable[str] | None = None) -> dict[str, int]:
        ids = self.questions if qids is None else qids
        return {q: len(self.votes[q]) if q in self.votes else 0 for q in ids if q in self.questions
                and qa.is_visible(self.questions[q]["state"])}

    def stats(self, online: int) -> dict[str, int]:
        return {
            "online": online,
            "peak_online": max(self.peak_online, online),
            "visits": self.visits,
            "unique_viewers": len(self.viewers),
            "likes": self.likes,
            "comments": self.visible_comments,
            "questions": len(self.questions),
        }

    def snapshot(self, viewer: str, *, moderator: bool, comments: int, online: int) -> dict[str, Any]:
        recent: list[dict[str, Any]] = []
        for rec in reversed(self.comments.values()):
            if len(recent) >= comments:
                break
            if moderator or rec["state"] == "visible":
                recent.append(rec)
        recent.reverse()
        own = self.by_author.get(viewer, ())
        return {
            "comments": recent,
            "questions": [
                self.question_view(q) for q in self.questions.values() if moderator or qa.is_visible(q["state"])
            ],
            "counters": self.stats(online),
            "mine": {
                "comments": [self.comments[i] for i in own if i in self.comments and self.comments[i]["state"] == "held"],
                "questions": [
                    self.question_view(self.questions[i])
                    for i in own
                    if i in self.questions and not qa.is_visible(self.questions[i]["state"])
                ],
            },
            "voted": sorted(self.voted.get(viewer, ())),
        }
