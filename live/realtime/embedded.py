"""The embedded backend: one node, state in memory, durability in SQLite.

Each lecture that is in use has a ``Room`` in memory (rebuilt at first use
by replaying its stored log), so reads never wait on the disk; every change
is queued to the SQLite thread and acknowledged after its batch commits.
Fan-out is in-process: published events go straight to the local hub.

A crash can leave events that viewers saw (they are applied in memory at
once) but that were never committed. So the store marks itself running,
and a start that finds the mark (the last run did not close cleanly) gives
every lecture a new ``epoch``: clients then take a fresh snapshot instead
of trusting a ``seq`` that may now name another event.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from functools import partial
from typing import Any, Callable, Sequence

import orjson

from live.config import Settings
from live.core import clock as clockmod
from live.core import retention
from live.core.codes import new_code, new_secret
from live.core.errors import Refusal
from live.core.events import Event, viewer_handle
from live.core.lecture import Lecture
from live.core.ratelimit import Buckets, Rate
from live.core import polls
from live.core.room import PAGE, Room, source_key
from live.protocol import Answer, AskQuestion, Command, Like, PostComment, Vote
from live.realtime.sqlite import SqliteWriter, Statement
from live.realtime.store import Store, Welcome, created_ack

log = logging.getLogger(__name__)

ACKS_KEPT = 100_000  # per lecture: enough for any retry, bounded for memory


_INSERT_EVENT = "INSERT INTO events (code, seq, kind, data, private, author, at, by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def _event_values(code: str, e: Event) -> tuple[Any, ...]:
    return code, e.seq, e.kind, orjson.dumps(e.data).decode(), int(e.private), e.author, e.at, e.by


def _event_row(code: str, e: Event) -> Statement:
    return _INSERT_EVENT, _event_values(code, e)


def _event_rows(code: str, events: list[Event]) -> tuple[str, list[tuple[Any, ...]]]:
    return _INSERT_EVENT, [_event_values(code, e) for e in events]


def _lecture_row(lecture: Lecture) -> Statement:
    return ("UPDATE lectures SET data = ? WHERE code = ?", (orjson.dumps(lecture.to_row()).decode(), lecture.code))


def _load_room(conn: sqlite3.Connection, lecture: Lecture, history_size: int,
               base_words: tuple[list[str], list[str]]) -> Room:
    room = Room(lecture, history_size=history_size, base_words=base_words)
    for seq, kind, data, private, author, at, by in conn.execute(
        "SELECT seq, kind, data, private, author, at, by FROM events WHERE code = ? ORDER BY seq", (lecture.code,)
    ):
        room.apply(Event(seq, kind, orjson.loads(data), bool(private), author, at, by))
    room.lecture = lecture
    for question, viewer in conn.execute("SELECT question, viewer FROM votes WHERE code = ?", (lecture.code,)):
        room.votes[question].add(viewer)
        room.voted[viewer].add(question)
    room.viewers.update(v for (v,) in conn.execute("SELECT viewer FROM viewers WHERE code = ?", (lecture.code,)))
    room.sources.update(conn.execute("SELECT source, n FROM visits WHERE code = ?", (lecture.code,)).fetchall())
    for poll, viewer, data in conn.execute("SELECT poll, viewer, data FROM poll_answers WHERE code = ?", (lecture.code,)):
        given = orjson.loads(data)
        room.answers[poll][viewer] = given
        counts = room.poll_counts[poll]
        for key in given["keys"]:
            counts[key] = counts.get(key, 0) + 1
    rows = conn.execute(
        "SELECT viewer, cid, ack FROM acks WHERE code = ? ORDER BY at DESC LIMIT ?", (lecture.code, ACKS_KEPT)
    ).fetchall()
    for viewer, cid, ack in reversed(rows):
        room.acks[(viewer, cid)] = orjson.loads(ack)
    room.likes, room.visits, room.peak_online = conn.execute(
        "SELECT likes, visits, peak_online FROM lectures WHERE code = ?", (lecture.code,)
    ).fetchone()
    return room


def _load_lectures(conn: sqlite3.Connection) -> tuple[list[Lecture], dict[str, int], bool]:
    """The lectures, their viewers a purge forgot (a count), and whether the last run stopped uncleanly."""
    unclean = conn.execute("SELECT value FROM meta WHERE key = 'running'").fetchone() is not None
    rows = conn.execute("SELECT data, forgotten_viewers FROM lectures").fetchall()
    lectures = [Lecture.from_row(orjson.loads(d)) for d, _ in rows]
    forgotten = {lec.code: n for lec, (_, n) in zip(lectures, rows) if n}
    if unclean:
        for lecture in lectures:
            lecture.epoch = new_secret(9)
            conn.execute(*_lecture_row(lecture))
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('running', '1')")
    return lectures, forgotten, unclean


def _forget(conn: sqlite3.Connection, code: str, epoch: str) -> int:
    """Forget a lecture's viewers and hidden comments (``live.core.retention``),
    in the writer's transaction, so no write of the lecture lands halfway;
    returns how many viewers were forgotten."""
    events = [Event(seq, kind, orjson.loads(data), bool(private), author, at, by)
              for seq, kind, data, private, author, at, by in conn.execute(
                  "SELECT seq, kind, data, private, author, at, by FROM events WHERE code = ? ORDER BY seq", (code,))]
    dropped = retention.dropped_comments(retention.final_comments(events))
    # Changed rows are deleted and written anew, not updated: an update can
    # leave the old bytes in a page's unused space, where secure_delete does
    # not reach (a deletion it does).
    changed = [new for old, new in ((e, retention.scrubbed(e, dropped)) for e in events) if new != old]
    conn.executemany("DELETE FROM events WHERE code = ? AND seq = ?", [(code, e.seq) for e in changed])
    conn.executemany(*_event_rows(code, changed))
    (forgotten,) = conn.execute("SELECT count(*) FROM viewers WHERE code = ?", (code,)).fetchone()
    conn.execute("DELETE FROM viewers WHERE code = ?", (code,))
    (row,) = conn.execute("SELECT data FROM lectures WHERE code = ?", (code,)).fetchone()
    conn.execute("UPDATE lectures SET data = ?, forgotten_viewers = forgotten_viewers + ? WHERE code = ?",
                 (orjson.dumps({**orjson.loads(row), "epoch": epoch}).decode(), forgotten, code))
    votes = conn.execute("SELECT question, viewer FROM votes WHERE code = ?", (code,)).fetchall()
    conn.execute("DELETE FROM votes WHERE code = ?", (code,))
    conn.executemany("INSERT INTO votes (code, question, viewer) VALUES (?, ?, ?)",
                     [(code, q, v if retention.is_stand_in(v) else retention.stand_in()) for q, v in votes])
    answers = conn.execute("SELECT poll, viewer, data FROM poll_answers WHERE code = ?", (code,)).fetchall()
    conn.execute("DELETE FROM poll_answers WHERE code = ?", (code,))
    conn.executemany("INSERT INTO poll_answers (code, poll, viewer, data) VALUES (?, ?, ?, ?)",
                     [(code, poll, v if retention.is_stand_in(v) else retention.stand_in(),
                       orjson.dumps(retention.scrubbed_answer(orjson.loads(data))).decode())
                      for poll, v, data in answers])
    conn.execute("DELETE FROM acks WHERE code = ?", (code,))
    return forgotten


class EmbeddedStore(Store):
    def __init__(self, settings: Settings, clock: Callable[[], float] = clockmod.now) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.db = SqliteWriter(
            settings.data_path / "live.db", synchronous=settings.sqlite_synchronous, batch_max=settings.write_batch,
            on_failure=self._forget_rooms,
        )
        self._lectures: dict[str, Lecture] = {}
        self._rooms: dict[str, Room] = {}
        self._loading: dict[str, asyncio.Future[Room]] = {}
        self._online: dict[str, int] = {}
        self._online_sources: dict[str, dict[str, int]] = {}
        #: Viewers a purge forgot, by lecture: still counted as unique viewers.
        self._forgotten: dict[str, int] = {}
        self._purging = asyncio.Lock()
        self._buckets = {
            "comment": Buckets(Rate(settings.comment_rate, settings.comment_burst), clock),
            "question": Buckets(Rate(settings.question_rate, settings.question_burst), clock),
            "vote": Buckets(Rate(settings.vote_rate, settings.vote_burst), clock),
            "like": Buckets(Rate(settings.like_rate, settings.like_burst), clock),
        }
        self._background: set[asyncio.Future[Any]] = set()
        self.base_words = settings.base_words()
        self.recovered_from_crash = False

    # -- lifecycle -------------------------------------------------------

    async def open(self) -> None:
        await self.db.start()
        lectures, self._forgotten, self.recovered_from_crash = await self.db.read(_load_lectures)
        self._lectures = {lec.code: lec for lec in lectures}
        if self.recovered_from_crash:
            log.warning("the last run did not stop cleanly: every lecture gets a new epoch")

    async def close(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        self.db.write([("DELETE FROM meta WHERE key = 'running'", ())])
        await self.db.stop()

    async def ready(self) -> bool:
        try:
            await asyncio.wait_for(self.db.read(lambda conn: conn.execute("SELECT 1").fetchone()), 5)
        except (asyncio.TimeoutError, sqlite3.Error):
            return False
        return self.db.failed is None

    def metrics(self) -> dict[str, float]:
        return {"sqlite_commits_total": self.db.commits, "rooms": len(self._rooms)}

    # -- plumbing --------------------------------------------------------

    async def _room(self, code: str) -> Room:
        room = self._rooms.get(code)
        if room is not None:
            return room
        lecture = self._lectures.get(code)
        if lecture is None:
            raise Refusal("not_found", f"No lecture with code {code}.")
        loading = self._loading.get(code)
        if loading is None:
            loading = self.db.read(partial(_load_room, lecture=lecture, history_size=self.settings.history_size,
                                           base_words=self.base_words))
            self._loading[code] = loading
            loading.add_done_callback(lambda _: self._loading.pop(code, None))
        room = await asyncio.shield(loading)
        if code not in self._rooms:
            self._rooms[code] = room
            # Viewers counted while the room was loading may have set a new peak.
            self._note_peak(room, self._online.get(code, 0))
        return self._rooms[code]

    def _note_peak(self, room: Room, online: int) -> None:
        if online > room.peak_online:
            room.report_online(online)
            self._later([("UPDATE lectures SET peak_online = ? WHERE code = ?", (online, room.lecture.code))])

    def _forget_rooms(self) -> None:
        """A write failed: memory ran ahead of the disk. Every room is
        rebuilt from what was really committed when next used."""
        log.error("a write to the embedded store failed; rooms are reloaded from disk")
        self._rooms.clear()

    async def _commit(self, code: str, statements: list[Statement], on_commit: Callable[[], None] | None = None) -> None:
        try:
            await self.db.write(statements, on_commit)
        except sqlite3.Error as exc:
            log.warning("write refused for %s: %s", code, exc)
            raise Refusal("unavailable", "The store could not save this; nothing was kept. Try again.") from None

    def _later(self, statements: list[Statement]) -> None:
        """A write nobody waits for (visits, peaks): aggregates that may
        lag, flushed before the store closes."""
        future = self.db.write(statements)
        self._background.add(future)
        future.add_done_callback(self._background.discard)
        future.add_done_callback(lambda f: f.cancelled() or f.exception())

    def _announce(self, code: str, events: list[Event], before: Lecture) -> None:
        """Committed: to the hub, and to what hangs on this node's commits."""
        self._publish_events(code, events)
        self._committed(code, events, before)

    # -- lectures ----------------------------------------------------------

    async def create_lecture(self, fields: dict[str, Any]) -> Lecture:
        code = new_code()
        while code in self._lectures:
            code = new_code()
        lecture = Lecture(
            code=code,
            moderator_key=new_secret(),
            epoch=new_secret(9),
            created_at=clockmod.iso(self.clock()),
            **{k: v for k, v in fields.items() if k != "settings"},
        )
        lecture = lecture.with_changes({"settings": fields.get("settings", {})})
        self._lectures[code] = lecture
        try:
            await self._commit(code, [
                ("INSERT INTO lectures (code, data) VALUES (?, ?)", (code, orjson.dumps(lecture.to_row()).decode()))
            ])
        except Refusal:
            self._lectures.pop(code, None)
            raise
        return lecture

    async def lecture(self, code: str) -> Lecture | None:
        room = self._rooms.get(code)
        return room.lecture if room is not None else self._lectures.get(code)

    async def lectures(self) -> list[Lecture]:
        return sorted(
            (self._rooms[c].lecture if c in self._rooms else lec for c, lec in self._lectures.items()),
            key=lambda lec: lec.created_at,
            reverse=True,
        )

    async def update_lecture(self, code: str, changes: dict[str, Any], *, by: str | None = None) -> Lecture:
        room = await self._room(code)
        before = room.lecture
        event = room.update_lecture(changes, self.clock(), by)
        lecture = room.lecture
        self._lectures[code] = lecture
        await self._commit(code, [_event_row(code, event), _lecture_row(lecture)],
                           lambda: self._announce(code, [event], before))
        return lecture

    # -- viewers' messages -------------------------------------------------

    async def _recall(self, code: str, viewer: str, cid: str) -> dict[str, Any] | None:
        return (await self._room(code)).acks.get((viewer, cid))

    async def _take(self, code: str, viewer: str, kind: str, n: int) -> float | None:
        return self._buckets[kind].take((code, viewer), n)

    async def _write(self, code: str, viewer: str, command: Command, cid: str | None) -> dict[str, Any]:
        room = await self._room(code)
        now = self.clock()
        statements: list[Statement] = []
        events: list[Event] = []
        tallies: dict[str, int] = {}
        poll_changed: str | None = None
        if isinstance(command, (PostComment, AskQuestion)):
            if isinstance(command, PostComment):
                event = room.post_comment(viewer, command.text, command.nickname, now, command.source)
            else:
                event = room.post_question(viewer, command.text, command.nickname, command.anonymous, now,
                                           command.source)
            events.append(event)
            statements.append(_event_row(code, event))
            fields: dict[str, Any] = created_ack(event)
        elif isinstance(command, Vote):
            room.check_may_act(viewer)
            changed, tally = room.vote(viewer, command.question, command.up)
            if changed:
                tallies[command.question] = tally
                statements.append((
                    "INSERT OR IGNORE INTO votes (code, question, viewer) VALUES (?, ?, ?)" if command.up
                    else "DELETE FROM votes WHERE code = ? AND question = ? AND viewer = ?",
                    (code, command.question, viewer),
                ))
            fields = {"question": command.question, "votes": tally, "up": command.up}
        elif isinstance(command, Answer):
            answer, keys = room.checked_answer(viewer, command.poll, command.payload)
            if room.answer_poll(viewer, command.poll, answer, now, command.nickname, keys):
                statements.append(("INSERT OR REPLACE INTO poll_answers (code, poll, viewer, data) VALUES (?, ?, ?, ?)",
                                   (code, command.poll, viewer,
                                    orjson.dumps(room.answers[command.poll][viewer]).decode())))
                poll_changed = command.poll
            fields = {"poll": command.poll, "answer": answer}
        elif isinstance(command, Like):
            room.check_may_act(viewer)
            fields = {"likes": room.like(command.count)}
            statements.append(("UPDATE lectures SET likes = ? WHERE code = ?", (room.likes, code)))
        else:  # pragma: no cover - protocol.parse makes no other command with an effect
            raise TypeError(type(command).__name__)
        if cid is not None:
            statements.append((
                "INSERT OR REPLACE INTO acks (code, viewer, cid, ack, at) VALUES (?, ?, ?, ?, ?)",
                (code, viewer, cid, orjson.dumps(fields).decode(), now),
            ))

        def committed() -> None:
            if events:
                self._announce(code, events, room.lecture)
            if tallies:
                self._publish_votes(code, tallies)
            if poll_changed is not None:
                self._publish_poll(room, poll_changed)
            if cid is not None:
                room.acks[(viewer, cid)] = fields
                if len(room.acks) > ACKS_KEPT:
                    del room.acks[next(iter(room.acks))]

        await self._commit(code, statements, committed)
        return fields

    # -- moderation ----------------------------------------------------------

    async def _log(self, code: str, events: list[Event], extra: Sequence[Statement] = (),
                   on_commit: Callable[[], None] | None = None) -> None:
        """Commit the events a command made (and what else it changed), then publish them."""
        if not events and not extra:
            return
        lecture = self._lectures[code]

        def committed() -> None:
            if on_commit is not None:
                on_commit()
            if events:
                self._announce(code, events, lecture)

        await self._commit(code, [*(_event_row(code, e) for e in events), *extra], committed)

    async def moderate_comment(self, code: str, cid: str, action: str, *, by: str | None = None) -> dict[str, Any]:
        room = await self._room(code)
        event = room.moderate_comment(cid, action, self.clock(), by)
        await self._log(code, [event] if event else [])
        return room.for_moderators(room.comment(cid))

    async def update_question(
        self, code: str, qid: str, *, state: str | None, answer: str | None, speaker: str | None,
        by: str | None = None, expect: str | None = None, assigned_to: str | None = None,
    ) -> dict[str, Any]:
        room = await self._room(code)
        events = room.update_question(qid, self.clock(), state=state, answer=answer, speaker=speaker, by=by,
                                      expect=expect, assigned_to=assigned_to)
        await self._log(code, events)
        return room.for_moderators(room.question(qid))

    async def merge_question(self, code: str, source: str, target: str, *, by: str | None = None) -> dict[str, Any]:
        room = await self._room(code)
        room.question(source), room.question(target)  # both must exist before any vote moves
        moved = room.votes[source] - room.votes[target]
        events = room.merge_question(source, target, len(room.votes[target] | moved), self.clock(), by)
        if not events:
            return room.for_moderators(room.question(target))
        for viewer in moved:
            room.votes[target].add(viewer)
            room.voted[viewer].add(target)
        tallies = {target: len(room.votes[target])}
        await self._log(code, events, [
            ("INSERT OR IGNORE INTO votes (code, question, viewer) VALUES (?, ?, ?)", (code, target, v)) for v in moved
        ], lambda: self._publish_votes(code, tallies))
        return room.for_moderators(room.question(target))

    async def set_words(self, code: str, blocked: list[str], watch: list[str], *,
                        by: str | None = None) -> dict[str, Any]:
        room = await self._room(code)
        event = room.set_words(blocked, watch, self.clock(), by)
        await self._log(code, [event] if event else [])
        return room.moderation()

    async def restrict(self, code: str, mode: str, *, handle: str | None = None, item: str | None = None,
                       by: str | None = None) -> dict[str, Any]:
        room = await self._room(code)
        viewer = room.viewer_of(handle=handle, item=item)
        event = room.restrict(viewer, mode, self.clock(), by=by)
        await self._log(code, [event] if event else [])
        return room.restrictions.get(viewer) or {"viewer": viewer_handle(viewer), "mode": "none"}

    # -- polls -----------------------------------------------------------------

    def _publish_poll(self, room: Room, pid: str) -> None:
        rec = room.polls.get(pid)
        if rec is not None and rec["state"] != "draft":
            shown = {pid} if rec["results_shown"] else set()
            self._publish_poll_results(room.lecture.code, {pid: room.poll_results(pid)}, shown)

    async def create_poll(self, code: str, fields: dict[str, Any], *, by: str | None = None) -> dict[str, Any]:
        room = await self._room(code)
        event = room.create_poll(fields, self.clock(), by)
        await self._log(code, [event])
        return room.poll(event.data["id"])

    async def edit_poll(self, code: str, pid: str, fields: dict[str, Any], *,
                        by: str | None = None) -> dict[str, Any]:
        room = await self._room(code)
        event = room.edit_poll(pid, fields, self.clock(), by)
        await self._log(code, [event] if event else [])
        return room.poll(pid)

    async def poll_action(self, code: str, pid: str, action: str, *, by: str | None = None) -> dict[str, Any]:
        room = await self._room(code)
        events = room.poll_action(pid, action, self.clock(), by)
        await self._log(code, events, on_commit=lambda: self._publish_poll(room, pid))
        return room.polls.get(pid) or {"id": pid, "deleted": True}

    async def polls(self, code: str, *, moderator: bool) -> dict[str, Any]:
        room = await self._room(code)
        return {"polls": room.polls_seen(moderator),
                "results": {pid: room.poll_results(pid) for pid in room.results_seen(moderator)}}

    async def leaderboard(self, code: str) -> list[dict[str, Any]]:
        room = await self._room(code)
        return polls.leaderboard(room.polls.values(), room.answers)

    async def moderation(self, code: str) -> dict[str, Any]:
        return (await self._room(code)).moderation()

    async def audit(self, code: str, *, limit: int) -> list[dict[str, Any]]:
        # The room replays the whole stored log when loaded, so it holds the
        # latest AUDIT_KEPT entries; the log itself keeps every one.
        return list(reversed((await self._room(code)).audit))[:limit]

    async def record_sample(self, code: str, at: int, stats: dict[str, int]) -> None:
        self._later([("INSERT OR REPLACE INTO samples (code, t, data) VALUES (?, ?, ?)",
                      (code, at, orjson.dumps(stats).decode()))])

    async def samples(self, code: str) -> list[dict[str, int]]:
        rows = await self.db.read(lambda conn: conn.execute(
            "SELECT t, data FROM samples WHERE code = ? ORDER BY t", (code,)).fetchall())
        return [{"t": t, **orjson.loads(data)} for t, data in rows]

    # -- reading -------------------------------------------------------------

    async def join(self, code: str, viewer: str, *, since: int | None, epoch: str | None, moderator: bool,
                   snapshot_comments: int, source: str | None = PAGE) -> Welcome:
        room = await self._room(code)
        events = room.events_after(since) if since is not None and epoch == room.lecture.epoch else None
        resumed = events is not None
        new_viewer = room.join(viewer, resumed, source)
        statements: list[Statement] = []
        if not resumed and source is not None:
            key = source_key(source, room.sources)
            statements.append(("UPDATE lectures SET visits = ? WHERE code = ?", (room.visits, code)))
            statements.append(("INSERT OR REPLACE INTO visits (code, source, n) VALUES (?, ?, ?)",
                               (code, key, room.sources[key])))
        if new_viewer:
            statements.append(("INSERT OR IGNORE INTO viewers (code, viewer) VALUES (?, ?)", (code, viewer)))
        if statements:
            self._later(statements)
        snapshot = None
        if not resumed:
            snapshot = room.snapshot(viewer, moderator=moderator, comments=snapshot_comments,
                                     online=self._online.get(code, 0))
            snapshot["counters"] = self._stats(code, room)
            snapshot["poll_results"] = {pid: room.poll_results(pid) for pid in room.results_seen(moderator)}
            snapshot["my_answers"] = {pid: given[viewer]["answer"] for pid, given in room.answers.items()
                                      if viewer in given and pid in room.polls}
        return Welcome(room.seq, room.lecture.epoch, resumed, events, snapshot, room.lecture)

    async def set_online(self, code: str, sources: dict[str, int]) -> None:
        online = sum(sources.values())
        self._online[code] = online
        self._online_sources[code] = dict(sources)
        room = self._rooms.get(code)
        if room is not None:
            self._note_peak(room, online)

    async def sources(self, code: str) -> dict[str, dict[str, int]]:
        room = await self._room(code)
        online = self._online_sources.get(code, {})
        return {s: {"visits": room.sources.get(s, 0), "online": online.get(s, 0)}
                for s in sorted(set(room.sources) | set(online))}

    def _stats(self, code: str, room: Room) -> dict[str, int]:
        stats = room.stats(self._online.get(code, 0))
        stats["unique_viewers"] += self._forgotten.get(code, 0)
        return stats

    async def stats(self, code: str) -> dict[str, int]:
        return self._stats(code, await self._room(code))

    async def tallies(self, code: str) -> dict[str, int]:
        return (await self._room(code)).tallies()

    async def comments(self, code: str, *, after: int, limit: int, moderator: bool,
                       state: str | None = None) -> list[dict[str, Any]]:
        return (await self._room(code)).comments_after(after, limit, moderator=moderator, state=state)

    async def questions(self, code: str, *, state: str | None, moderator: bool) -> list[dict[str, Any]]:
        return (await self._room(code)).questions_list(moderator=moderator, state=state)

    async def export(self, code: str) -> dict[str, Any]:
        room = await self._room(code)
        return {
            "lecture": room.lecture.public(),
            "featured_comments": [c for c in room.comments.values() if c["featured"] and c["state"] == "visible"],
            "answered_questions": room.questions_list(moderator=False, state="answered"),
            "stats": self._stats(code, room),
            "polls": [{**p, "results": room.poll_results(p["id"])} for p in room.polls.values() if p["state"] != "draft"],
        }

    # -- keeping and letting go ----------------------------------------------

    async def purge(self, code: str, now: float) -> bool:
        async with self._purging:  # two at once would both find the lecture due
            lecture = await self.lecture(code)
            if lecture is None or not retention.is_due(lecture, now):
                return False
            await self._purge(code, now)
            return True

    async def _purge(self, code: str, now: float) -> None:
        # Loaded first: a load still reading would put back a room from before the purge.
        await self._room(code)
        epoch = new_secret(9)
        try:
            forgotten = await self.db.read(partial(_forget, code=code, epoch=epoch))
        except sqlite3.Error as exc:
            log.warning("the purge of %s failed: %s", code, exc)
            raise Refusal("unavailable", "The store could not purge this lecture now.") from None
        self._forgotten[code] = self._forgotten.get(code, 0) + forgotten
        self._lectures[code] = self._lectures[code].with_changes({"epoch": epoch})
        # The room is rebuilt from what is left; its connections resync.
        self._rooms.pop(code, None)
        self._publish_reset(code)
        # What was forgotten must not linger in the write-ahead log either
        # (secure_delete zeroes it in the database's own pages).
        await self.db.checkpoint()
        await self.update_lecture(code, {"purged_at": clockmod.iso(now)}, by=retention.ACTOR)
