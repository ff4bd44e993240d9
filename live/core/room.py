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
from typing import Any, Iterable, Iterator, Mapping

from live.core import cloud, policy, polls, qa
from live.core.clock import iso, parse_iso
from live.core.codes import comment_id, question_id
from live.core.errors import Refusal
from live.core.events import MUTED, Event, as_author_sees, audit_entry, viewer_handle
from live.core.lecture import Lecture
from live.core.policy import Poster
from live.core.words import EMPTY, WordLists

COMMENT_ACTIONS: dict[str, str] = {
    "hide": "comment.hidden",
    "reject": "comment.hidden",
    "restore": "comment.restored",
    "approve": "comment.approved",
    "feature": "comment.featured",
    "unfeature": "comment.unfeatured",
}

#: Featured comments a snapshot carries (newest kept).
FEATURED_KEPT = 50
#: Audit entries kept in memory (the store keeps them all).
AUDIT_KEPT = 1000
#: Held comments a moderator's snapshot carries (oldest first: the queue).
HELD_KEPT = 1000
RESTRICTIONS = ("banned", "muted", "none")

#: Where a visit comes from: the viewer page, or a widget on a site.
PAGE = "page"
#: Distinct sources counted apart; more (a flood of made-up origins) share one.
SOURCES_MAX = 50
OTHER_SOURCE = "widget:other"


def source_key(source: str, known: Mapping[str, Any]) -> str:
    return source if source in known or len(known) < SOURCES_MAX else OTHER_SOURCE


def _changed_comment(rec: dict[str, Any], action: str) -> dict[str, Any]:
    new = dict(rec)
    if action in ("hide", "reject"):
        new["state"] = "hidden"
    elif action in ("restore", "approve"):
        new["state"] = "visible"
    else:
        new["featured"] = action == "feature"
    return new


class Room:
    def __init__(self, lecture: Lecture, *, history_size: int = 10_000,
                 base_words: tuple[Iterable[str], Iterable[str]] = ((), ())) -> None:
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
        #: Answered questions: without a written answer (answered live) and with one.
        self.answered = {"live": 0, "written": 0}
        self.likes = 0
        self.visits = 0
        self.peak_online = 0
        #: Visits by where they came from (``PAGE``, ``widget:ORIGIN``).
        self.sources: dict[str, int] = {}
        #: (viewer, client id) -> the ack it got; a repeated id gets it again.
        self.acks: dict[tuple[str, str], dict[str, Any]] = {}
        self.posters: dict[str, Poster] = defaultdict(Poster)
        #: viewer -> the viewer.restricted record now in force.
        self.restrictions: dict[str, dict[str, Any]] = {}
        self.handles: dict[str, str] = {}
        #: The node's default lists (a file) and the lecture's own.
        self.base_words = (tuple(base_words[0]), tuple(base_words[1]))
        self.own_words: dict[str, list[str]] = {"blocked": [], "watch": []}
        self.words: WordLists = EMPTY
        self._rebuild_words()
        self.audit: deque[dict[str, Any]] = deque(maxlen=AUDIT_KEPT)
        #: Polls, whole records (a quiz's answer too), in creation order.
        self.polls: dict[str, dict[str, Any]] = {}
        #: Answers, where the store keeps them in memory: poll -> viewer ->
        #: {"answer", "at", "nickname", "keys"} (what it adds one to).
        self.answers: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.poll_counts: dict[str, dict[str, int]] = defaultdict(dict)
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
        restrictions: Iterable[dict[str, Any]] = (),
        words: dict[str, list[str]] | None = None,
        audit: Iterable[dict[str, Any]] = (),
        base_words: tuple[Iterable[str], Iterable[str]] = ((), ()),
        poll_records: Iterable[dict[str, Any]] = (),
    ) -> "Room":
        """A room from its current records rather than its whole log (a
        shared store keeps only the recent log)."""
        room = cls(lecture, history_size=history_size, base_words=base_words)
        for rec in sorted(comments, key=lambda r: r["seq"]):
            room._put_comment(rec, authors.get(rec["id"]), parse_iso(rec["created_at"]))
        for rec in sorted(questions, key=lambda r: r["seq"]):
            room._put_question(rec, authors.get(rec["id"]))
        for rec in restrictions:
            if rec["viewer"] in authors:
                room._put_restriction(rec, authors[rec["viewer"]])
        if words:
            room._put_words(words)
        room.audit.extend(audit)
        for rec in sorted((p for p in poll_records if "kind" in p), key=lambda p: p["seq"]):
            room.polls[rec["id"]] = rec  # a deleted poll's record is just its id
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
        if event.by:
            self.audit.append(audit_entry(event, self.lecture.public()))
        if event.kind.startswith("comment."):
            self._put_comment(event.data, event.author, event.at)
        elif event.kind.startswith("question."):
            self._put_question(event.data, event.author)
        elif event.kind == "lecture.updated":
            self.lecture = Lecture.from_row({**self.lecture.to_row(), **event.data})
        elif event.kind == "words.updated":
            self._put_words(event.data)
        elif event.kind == "viewer.restricted" and event.author:
            self._put_restriction(event.data, event.author)
        elif event.kind == "poll.deleted":
            self.polls.pop(event.data["id"], None)
        elif event.kind.startswith("poll."):
            self.polls[event.data["id"]] = event.data

    def _put_comment(self, rec: dict[str, Any], author: str | None, at: float) -> None:
        old = self.comments.get(rec["id"])
        if old is None:
            self._comment_seqs.append(rec["seq"])
            if author:
                self.author_of[rec["id"]] = author
                self.by_author[author].append(rec["id"])
                self.posters[author].remember(at, rec["text"])
        else:
            self.visible_comments -= old["state"] == "visible"
        self.visible_comments += rec["state"] == "visible"
        if rec["state"] == "visible" and author is None:
            author = self.author_of.get(rec["id"])
        if rec["state"] == "visible" and author:
            self.posters[author].trusted = True
        self.comments[rec["id"]] = rec

    def _put_words(self, lists: dict[str, Any]) -> None:
        self.own_words = {"blocked": list(lists.get("blocked", ())), "watch": list(lists.get("watch", ()))}
        self._rebuild_words()

    def _rebuild_words(self) -> None:
        self.words = WordLists.build([*self.base_words[0], *self.own_words["blocked"]],
                                     [*self.base_words[1], *self.own_words["watch"]])

    def _put_restriction(self, rec: dict[str, Any], viewer: str) -> None:
        self.handles[rec["viewer"]] = viewer
        if rec["mode"] == "none":
            self.restrictions.pop(viewer, None)
            self.posters[viewer].restriction = None
        else:
            self.restrictions[viewer] = rec
            self.posters[viewer].restriction = rec["mode"]

    def _put_question(self, rec: dict[str, Any], author: str | None) -> None:
        old = self.questions.get(rec["id"])
        if old is None and author:
            self.author_of[rec["id"]] = author
            self.by_author[author].append(rec["id"])
        if old is not None and old["state"] == "answered":
            self.answered["written" if old["answer"] else "live"] -= 1
        if rec["state"] == "answered":
            self.answered["written" if rec["answer"] else "live"] += 1
        self.questions[rec["id"]] = rec
        if rec["state"] == "answering":
            self.answering = rec["id"]
        elif self.answering == rec["id"]:
            self.answering = None

    def _emit(self, kind: str, data: dict[str, Any], *, private: bool, author: str | None, at: float,
              by: str | None = None) -> Event:
        if self._plan is not None:
            event = Event(self.seq + 1 + len(self._plan), kind, data, private, author, at, by)
            self._plan.append(event)
        else:
            event = Event(self.seq + 1, kind, data, private, author, at, by)
            self.apply(event)
        return event

    # -- commands ------------------------------------------------------

    def post_comment(self, viewer: str, text: str, nickname: str | None, now: float,
                     source: str | None = None) -> Event:
        state = policy.comment_state(self.lecture, self.words, self.posters.get(viewer, policy.NOBODY), text, now)
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
        if source:
            rec["source"] = source
        return self._emit("comment.created", rec, private=state != "visible", author=viewer, at=now)

    def post_question(self, viewer: str, text: str, nickname: str | None, anonymous: bool, now: float,
                      source: str | None = None) -> Event:
        state = policy.question_state(self.lecture, self.words, self.posters.get(viewer, policy.NOBODY), text,
                                      anonymous)
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
        if source:
            rec["source"] = source
        return self._emit("question.created", rec, private=not qa.is_visible(state), author=viewer, at=now)

    def moderate_comment(self, cid: str, action: str, now: float, by: str | None = None) -> Event | None:
        """The event the action makes, or None when it changes nothing."""
        if action not in COMMENT_ACTIONS:
            raise Refusal("not_found", f"No comment action '{action}'.")
        rec = self.comment(cid)
        new = _changed_comment(rec, action)
        if new == rec:
            return None
        private = rec["state"] != "visible" and new["state"] != "visible"
        return self._emit(COMMENT_ACTIONS[action], new, private=private, author=self.author_of.get(cid), at=now,
                          by=by)

    def update_question(
        self, qid: str, now: float, *, state: str | None = None, answer: str | None = None,
        speaker: str | None = None, by: str | None = None, expect: str | None = None,
        assigned_to: str | None = None,
    ) -> list[Event]:
        """Change a question's state, written answer or speaker; an empty
        ``answer`` or ``speaker`` clears it. Returns the events, none when
        nothing changed."""
        rec = self.question(qid)
        if assigned_to is not None and rec["speaker"] != assigned_to:
            raise Refusal("forbidden", "That question is not assigned to you.")
        if expect is not None and rec["state"] != expect:
            # The page acted on a state another moderator has changed since.
            raise Refusal("conflict", f"The question is {rec['state']} now, not {expect}.", state=rec["state"])
        new = dict(rec)
        displaced: dict[str, Any] | None = None
        if state is not None and state != rec["state"]:
            if not qa.allowed(rec["state"], state):
                raise Refusal("conflict", f"A question cannot go from {rec['state']} to {state}.", state=rec["state"])
            if state == "answering" and self.answering not in (None, qid):
                displaced = {**self.questions[self.answering], "state": qa.DISPLACED, "updated_at": iso(now)}
                displaced.setdefault(qa.ANSWER_STAMPS[qa.DISPLACED], iso(now))
            new["state"] = state
            if state in qa.ANSWER_STAMPS:
                # When it was answered, for the replay: the first time only.
                new.setdefault(qa.ANSWER_STAMPS[state], iso(now))
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
                                     author=self.author_of.get(displaced["id"]), at=now, by=by))
        new["updated_at"] = iso(now)
        new["votes"] = len(self.votes[qid])
        private = not qa.is_visible(rec["state"]) and not qa.is_visible(new["state"])
        events.append(self._emit("question.updated", new, private=private, author=self.author_of.get(qid), at=now,
                                 by=by))
        return events

    def merge_question(self, source: str, target: str, votes: int, now: float, by: str | None = None) -> list[Event]:
        """Fold a duplicate into another question: the duplicate is
        dismissed and points at the target, which lists it and carries
        ``votes``, the tally of both (the store unites their voters)."""
        src, dst = self.question(source), self.question(target)
        if source == target:
            raise Refusal("invalid", "A question cannot be merged into itself.", field="merge_into")
        if dst["state"] == "dismissed":
            raise Refusal("conflict", "Cannot merge into a dismissed question.", state=dst["state"])
        if src.get("merged_into") == target:
            return []
        if src["state"] == "dismissed" and src.get("merged_into"):
            raise Refusal("conflict", f"That question is already merged into {src['merged_into']}.", state=src["state"])
        stamp = iso(now)
        events = []
        gone = {**src, "state": "dismissed", "merged_into": target, "updated_at": stamp}
        events.append(self._emit("question.updated", gone, private=not qa.is_visible(src["state"]),
                                 author=self.author_of.get(source), at=now, by=by))
        kept = {**dst, "merged": [*dst.get("merged", []), source], "votes": votes, "updated_at": stamp}
        events.append(self._emit("question.updated", kept, private=not qa.is_visible(dst["state"]),
                                 author=self.author_of.get(target), at=now, by=by))
        return events

    def update_lecture(self, changes: dict[str, Any], now: float, by: str | None = None) -> Event:
        public = self.lecture.with_changes(self.lecture.stamped(changes, now)).public()
        return self._emit("lecture.updated", public, private=False, author=None, at=now, by=by)

    def set_words(self, blocked: list[str], watch: list[str], now: float, by: str | None = None) -> Event | None:
        """Replace the lecture's own word lists (the node's defaults stay)."""
        lists = {"blocked": blocked, "watch": watch}
        if lists == self.own_words:
            return None
        return self._emit("words.updated", lists, private=True, author=None, at=now, by=by)

    def viewer_of(self, *, handle: str | None = None, item: str | None = None) -> str:
        """The viewer behind a handle moderators saw, or who wrote an item."""
        viewer = self.handles.get(handle) if handle else self.author_of.get(item or "")
        if viewer is None and handle:
            viewer = next((v for v in self.by_author if viewer_handle(v) == handle), None)
            if viewer is not None:
                self.handles[handle] = viewer
        if viewer is None:
            raise Refusal("not_found", "No such viewer in this lecture.")
        return viewer

    def restrict(self, viewer: str, mode: str, now: float, *, nickname: str | None = None,
                 by: str | None = None) -> Event | None:
        """Ban or mute a viewer for this lecture, or lift either (``none``)."""
        if mode not in RESTRICTIONS:
            raise Refusal("invalid", f"'mode' must be one of {', '.join(RESTRICTIONS)}.", field="mode")
        current = self.restrictions.get(viewer, {}).get("mode", "none")
        if current == mode:
            return None
        if nickname is None:
            nickname = next((self._nickname(i) for i in reversed(self.by_author.get(viewer, ())) if self._nickname(i)),
                            None)
        rec = {"viewer": viewer_handle(viewer), "mode": mode, "nickname": nickname, "at": iso(now)}
        return self._emit("viewer.restricted", rec, private=True, author=viewer, at=now, by=by)

    # -- polls -------------------------------------------------------------

    def poll(self, pid: str) -> dict[str, Any]:
        rec = self.polls.get(pid)
        if rec is None:
            raise Refusal("not_found", f"No poll '{pid}'.")
        return rec

    def create_poll(self, fields: dict[str, Any], now: float, by: str | None = None) -> Event:
        seq = self.seq + 1 + (len(self._plan) if self._plan is not None else 0)
        rec = polls.draft(f"p{seq}", seq, fields, iso(now))
        return self._emit("poll.created", rec, private=True, author=None, at=now, by=by)

    def edit_poll(self, pid: str, fields: dict[str, Any], now: float, by: str | None = None) -> Event | None:
        rec = self.poll(pid)
        if rec["state"] != "draft":
            raise Refusal("conflict", "Only a draft can be edited.", state=rec["state"])
        changes = dict(fields)
        if "correct" in changes and "options" not in changes and rec["options"]:
            ids = {o["id"] for o in rec["options"]}
            if not set(changes["correct"]) <= ids:
                raise Refusal("invalid", "'correct' names an option that does not exist.", field="correct")
        new = polls.consistent({**rec, **changes})
        return None if new == rec else self._emit("poll.updated", new, private=True, author=None, at=now, by=by)

    def poll_action(self, pid: str, action: str, now: float, by: str | None = None) -> list[Event]:
        """Open, close, show or hide results, reveal, put on or off the big
        screen (one poll at a time), delete a draft."""
        rec = self.poll(pid)
        new = polls.acted(rec, action, iso(now))
        if new is None:
            return []
        events = []
        if action == "screen":
            for other in self.polls.values():
                if other["on_screen"] and other["id"] != pid:
                    events.append(self._emit("poll.updated", {**other, "on_screen": False},
                                             private=other["state"] == "draft", author=None, at=now, by=by))
        kind = polls.ACTION_EVENTS[action]
        data = {"id": pid} if action == "delete" else new
        events.append(self._emit(kind, data, private=new["state"] == "draft", author=None, at=now, by=by))
        return events

    def answer_poll(self, viewer: str, pid: str, answer: dict[str, Any], at: float, nickname: str | None,
                    keys: list[str]) -> bool:
        """Record a viewer's answer (the store has checked it); returns
        whether the results changed. ``keys``: what the answer counts for."""
        rec = polls.open_for_answers(self.polls.get(pid))
        mine = self.answers[pid].get(viewer)
        if mine is not None:
            if mine["answer"] == answer:
                return False
            if not rec["allow_change"]:
                raise Refusal("answered", "You have already answered this poll.")
        counts = self.poll_counts[pid]
        for key in mine["keys"] if mine else ():
            counts[key] = counts.get(key, 0) - 1
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
        self.answers[pid][viewer] = {"answer": answer, "at": at, "nickname": nickname, "keys": keys}
        return True

    def checked_answer(self, viewer: str, pid: str, payload: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """A viewer's answer as it will be kept, and what it counts for: a
        text answer's words (none when it has a watch word; refused with a
        blocked one)."""
        self.check_may_act(viewer)
        rec = polls.open_for_answers(self.polls.get(pid))
        answer = polls.checked_answer(rec, payload)
        words: list[str] = []
        if "text" in answer:
            verdict = self.words.verdict(answer["text"]) if self.words else None
            if verdict is not None and verdict.kind == "blocked":
                raise Refusal("blocked", "This answer contains a word that is not allowed here.")
            words = [] if verdict is not None else cloud.words(answer["text"])
        return answer, polls.tally_keys(rec, answer, words)

    def poll_results(self, pid: str) -> dict[str, Any]:
        return polls.results(self.polls[pid], self.poll_counts.get(pid, {}), len(self.answers.get(pid, ())))

    def polls_seen(self, moderator: bool) -> list[dict[str, Any]]:
        """The polls a connection knows: moderators all of them, whole."""
        if moderator:
            return list(self.polls.values())
        return [polls.public(p) for p in self.polls.values() if p["state"] != "draft"]

    def results_seen(self, moderator: bool) -> list[str]:
        """The polls whose results a connection gets."""
        return [pid for pid, p in self.polls.items()
                if (moderator and p["state"] != "draft") or (p["results_shown"] and p["state"] != "draft")]

    def _nickname(self, item: str) -> str | None:
        rec = self.comments.get(item) or self.questions.get(item)
        return rec.get("nickname") if rec else None

    def check_may_act(self, viewer: str) -> None:
        """Votes and likes: a banned viewer's are refused too."""
        poster = self.posters.get(viewer)
        if poster is not None and poster.restriction == "banned":
            raise Refusal("banned", "You can no longer take part in this lecture.")

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

    def join(self, viewer: str, resumed: bool, source: str | None = PAGE) -> bool:
        """Count a visit from ``source`` (None: a display, which counts for
        nothing); returns whether the viewer is new to the lecture."""
        if source is None:
            return False
        if not resumed:
            self.visits += 1
            key = source_key(source, self.sources)
            self.sources[key] = self.sources.get(key, 0) + 1
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

    def for_moderators(self, rec: dict[str, Any]) -> dict[str, Any]:
        """A record with its author's handle and standing (moderators ban by it)."""
        author = self.author_of.get(rec["id"])
        if author is None:
            return rec
        restricted = self.restrictions.get(author)
        return {**rec, "viewer": viewer_handle(author), "restricted": restricted["mode"] if restricted else None}

    def comments_after(self, after: int, limit: int, *, moderator: bool,
                       state: str | None = None) -> list[dict[str, Any]]:
        start = bisect.bisect_right(self._comment_seqs, after)
        out: list[dict[str, Any]] = []
        for seq in islice(self._comment_seqs, start, None):
            rec = self.comments[comment_id(seq)]
            if (moderator or rec["state"] == "visible") and (state is None or rec["state"] == state):
                out.append(self.for_moderators(rec) if moderator else rec)
                if len(out) >= limit:
                    break
        return out

    def questions_list(self, *, moderator: bool, state: str | None = None) -> list[dict[str, Any]]:
        items = [
            self.for_moderators(self.question_view(q)) if moderator else self.question_view(q)
            for q in self.questions.values()
            if (moderator or qa.is_visible(q["state"])) and (state is None or q["state"] == state)
        ]
        items.sort(key=lambda q: (-q["votes"], q["seq"]))
        return items

    def tallies(self, qids: Iterable[str] | None = None) -> dict[str, int]:
        ids = self.questions if qids is None else qids
        return {q: len(self.votes[q]) if q in self.votes else 0 for q in ids if q in self.questions
                and qa.is_visible(self.questions[q]["state"])}

    def content_counts(self) -> dict[str, int]:
        """The counters the log decides (the rest are kept beside it)."""
        return {
            "comments": self.visible_comments,
            "questions": len(self.questions),
            "answered_live": self.answered["live"],
            "answered_written": self.answered["written"],
        }

    def stats(self, online: int) -> dict[str, int]:
        return {
            "online": online,
            "peak_online": max(self.peak_online, online),
            "visits": self.visits,
            "unique_viewers": len(self.viewers),
            "likes": self.likes,
            **self.content_counts(),
        }

    def snapshot(self, viewer: str, *, moderator: bool, comments: int, online: int) -> dict[str, Any]:
        recent: list[dict[str, Any]] = []
        for rec in reversed(self.comments.values()):
            if len(recent) >= comments:
                break
            if moderator:
                recent.append(self.for_moderators(rec))
            elif rec["state"] == "visible":
                recent.append(rec)
            elif rec["state"] == MUTED and self.author_of.get(rec["id"]) == viewer:
                recent.append(as_author_sees(rec))
        recent.reverse()
        own = self.by_author.get(viewer, ())
        snap = {
            "comments": recent,
            # Featured comments stay on show however old they are.
            "featured": [c for c in self.comments.values() if c["featured"] and c["state"] == "visible"][-FEATURED_KEPT:],
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
            "polls": self.polls_seen(moderator),
        }
        if moderator:
            snap["questions"] = [self.for_moderators(q) for q in snap["questions"]]
            snap["moderation"] = self.moderation()
        return snap

    def moderation(self) -> dict[str, Any]:
        """What only moderators see: the held queue, restrictions, word lists, audit."""
        held = [self.for_moderators(c) for c in self.comments.values() if c["state"] == "held"]
        return {
            "held": held[:HELD_KEPT],
            "held_count": len(held),
            "restrictions": list(self.restrictions.values()),
            "words": dict(self.own_words),
            "default_words": {"blocked": len(self.base_words[0]), "watch": len(self.base_words[1])},
            "audit": list(self.audit)[-100:],
        }
