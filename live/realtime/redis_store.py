"""The Redis backend: many nodes, one lecture, one log.

Redis holds the truth: each lecture's log in a capped Stream (resume from
any node), its current comments and questions in hashes, votes, viewers and
counters in sets and hashes, acks and rate limits in keys every node sees.
Lua scripts (``redis_scripts``) make each change atomic.

Every node also keeps, for each lecture it serves, the same in-memory
``Room`` as the embedded store, so the domain rules are decided by the same
code. A change is planned on the room, then appended by a script; a new
comment or question gets its seq in the script (so posts from many nodes
never conflict), while moderation and Q&A transitions carry the seq they
were decided at and are planned again if another node got there first.
Rooms follow their streams (one XREAD for all of a node's lectures) and
apply what comes back, in seq order, exactly once; that is also when the
node's hub is told. A lecture is followed while it has local viewers or
was used in the last minute.

While Redis cannot be reached, viewers stay connected to what the node
has, writes are refused with ``unavailable`` (never accepted and then
dropped), ``ready()`` is false, and the follower picks up from the last
seq it applied once Redis is back.

Redis may also come back empty (restarted without persistence, flushed).
Then a node's room is ahead of a log that starts again from nothing, and a
client resuming with its seq would silently skip or repeat events. So the
rule: a lecture's record in Redis is the mark that its history is whole.
A node finds it gone (APPEND answers ``lost``; and the follower checks the
records of its rooms every ``CHECK_S`` seconds and after any Redis error),
puts the record back from its memory with a NEW epoch and the seq it had
(``RESTORE``: the first node wins, ids are never reused), and reloads the
room, closing its viewers with 1012 so they come back, resume with the old
epoch and get a fresh snapshot (``resumed: false``). A node that finds the
record with another epoch than its room's reloads the same way. What Redis
lost (comments, questions, counters, acks, poll answers) stays lost, but
the lecture's word lists, bans, mutes and polls go back from memory; what
is acknowledged after the loss is kept. The values every node shares
(``shared``) are put
back from memory too. A lecture no node has loaded cannot be put back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any, Callable

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError, WatchError

from live.config import Settings
from live.core import clock as clockmod
from live.core.codes import new_code, new_secret
from live.core.errors import Refusal
from live.core import polls, retention
from live.core.events import Event, audit_entry, viewer_handle
from live.core.lecture import Lecture
from live.core.room import AUDIT_KEPT, OTHER_SOURCE, PAGE, SOURCES_MAX, Room
from live.protocol import Answer, AskQuestion, Command, Like, PostComment, Vote
from live.realtime import redis_scripts
from live.realtime.store import Store, Welcome, created_ack

log = logging.getLogger(__name__)

SEQ = b"\x01"  # where a script writes the seq it assigns (see redis_scripts)
ACK_TTL = 7 * 24 * 3600
IDLE_UNFOLLOW_S = 60
CHECK_S = 1.0  # how often the follower checks that Redis still has its rooms' lectures
PLAN_RETRIES = 20
#: How long one node may hold a lecture's purge before another may try.
PURGE_LOCK_S = 300

UNAVAILABLE = "The shared store cannot be reached; nothing was kept. Try again."


def _prefix(code: str) -> str:
    return f"live:{{{code}}}:"


def _template(rec: dict[str, Any], prefix: str) -> bytes:
    """A new record's JSON with its id and seq left for the script."""
    rest = orjson.dumps({k: v for k, v in rec.items() if k not in ("id", "seq")})
    return b'{"id":"' + prefix.encode() + SEQ + b'","seq":' + SEQ + (b"," + rest[1:] if rest != b"{}" else b"}")


def _filled(template: bytes, seq: int) -> dict[str, Any]:
    return orjson.loads(template.replace(SEQ, str(seq).encode()))


def _event(entry_id: bytes, fields: dict[bytes, bytes]) -> Event:
    return Event(
        int(entry_id.split(b"-", 1)[0]),
        fields[b"k"].decode(),
        orjson.loads(fields[b"d"]),
        fields[b"p"] == b"1",
        fields[b"a"].decode() or None,
        float(fields[b"t"]),
        fields.get(b"b", b"").decode() or None,
    )


class _Gap(Exception):
    """The log moved past what a room can catch up with: reload it."""


class _Lost(Exception):
    """Redis lost the lecture's record; it was put back: plan again."""


class RedisStore(Store):
    def __init__(self, settings: Settings, clock: Callable[[], float] = clockmod.now) -> None:
        super().__init__()
        assert settings.redis_url
        self.settings = settings
        self.clock = clock
        self.node = uuid.uuid4().hex[:12]
        # A blocking pool: under a join storm callers wait their turn for a
        # connection rather than fail with "too many connections".
        pool = aioredis.BlockingConnectionPool.from_url(
            settings.redis_url, max_connections=settings.redis_connections, timeout=5,
            socket_timeout=5, socket_connect_timeout=2, health_check_interval=10,
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self._append = self.redis.register_script(redis_scripts.APPEND)
        self._vote = self.redis.register_script(redis_scripts.VOTE)
        self._like = self.redis.register_script(redis_scripts.LIKE)
        self._take_script = self.redis.register_script(redis_scripts.TAKE)
        self._online_script = self.redis.register_script(redis_scripts.ONLINE)
        self._merge_votes = self.redis.register_script(redis_scripts.MERGE_VOTES)
        self._count_source = self.redis.register_script(redis_scripts.COUNT_SOURCE)
        self._answer = self.redis.register_script(redis_scripts.ANSWER)
        self._restore = self.redis.register_script(redis_scripts.RESTORE)
        self._release = self.redis.register_script(redis_scripts.RELEASE)
        self._shared: dict[str, str] = {}  # what shared() agreed on, to put back if Redis loses it
        self._seen_polls: dict[str, dict[str, tuple[dict[str, Any], bool]]] = {}
        self.base_words = settings.base_words()
        self._rooms: dict[str, Room] = {}
        self._loading: dict[str, asyncio.Future[Room]] = {}
        self._used: dict[str, float] = {}
        self._online_total: dict[str, int] = {}
        self._online_sources: dict[str, dict[str, int]] = {}
        self._seen_tallies: dict[str, dict[str, int]] = {}
        self._rates = {
            "comment": (settings.comment_rate, settings.comment_burst),
            "question": (settings.question_rate, settings.question_burst),
            "vote": (settings.vote_rate, settings.vote_burst),
            "like": (settings.like_rate, settings.like_burst),
        }
        self._follower: asyncio.Task[None] | None = None
        self._closed = False
        self.healthy = False
        #: Redis round trips, for /metrics: count and total seconds.
        self.round_trips = 0
        self.round_trip_seconds = 0.0

    # -- lifecycle -------------------------------------------------------

    async def open(self) -> None:
        try:
            await self.redis.ping()
            self.healthy = True
        except RedisError as exc:  # a node may start before Redis; it serves once Redis answers
            log.warning("Redis is not reachable yet: %s", exc)
        self._follower = asyncio.create_task(self._follow(), name="redis-follower")

    async def shared(self, name: str, candidate: str) -> tuple[str, bool]:
        """A value every node must agree on (the secret that signs viewer
        tokens, a generated admin token): the first node's candidate wins.
        Returns it and whether it was this node's."""
        key = f"live:shared:{name}"
        created = bool(await self._call(self.redis.set(key, candidate, nx=True)))
        value = await self._call(self.redis.get(key))
        self._shared[key] = value.decode()
        return value.decode(), created

    async def close(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
            await asyncio.gather(self._follower, return_exceptions=True)
        for code in list(self._rooms):
            try:
                await asyncio.wait_for(self._report_online(code, {}), 2)
            except (RedisError, OSError, asyncio.TimeoutError):
                pass  # the count drops out by itself after online_stale_s
        self._closed = True
        await self.redis.aclose(close_connection_pool=True)

    async def ready(self) -> bool:
        try:
            await asyncio.wait_for(self._timed(self.redis.ping()), 3)
            self.healthy = True
        except (RedisError, asyncio.TimeoutError, OSError):
            self.healthy = False
        return self.healthy

    async def _timed(self, awaitable: Any) -> Any:
        started = time.perf_counter()
        try:
            return await awaitable
        finally:
            self.round_trips += 1
            self.round_trip_seconds += time.perf_counter() - started

    async def _call(self, awaitable: Any) -> Any:
        """A Redis call whose failure the client hears as ``unavailable``."""
        if self._closed:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise Refusal("unavailable", "This node is shutting down.")
        try:
            return await self._timed(awaitable)
        except (RedisError, OSError) as exc:
            self.healthy = False
            log.warning("Redis call failed: %s", exc)
            raise Refusal("unavailable", UNAVAILABLE) from None

    def metrics(self) -> dict[str, float]:
        return {
            "redis_round_trips_total": self.round_trips,
            "redis_round_trip_seconds_total": self.round_trip_seconds,
            "redis_up": int(self.healthy),
            "rooms": len(self._rooms),
        }

    # -- rooms: loading, following, applying -----------------------------

    async def _room(self, code: str) -> Room:
        self._used[code] = time.monotonic()
        room = self._rooms.get(code)
        if room is not None:
            return room
        loading = self._loading.get(code)
        if loading is None:
            loading = asyncio.ensure_future(self._load(code))
            self._loading[code] = loading
            loading.add_done_callback(lambda _: self._loading.pop(code, None))
        room = await asyncio.shield(loading)
        return self._rooms.setdefault(code, room)

    async def _load(self, code: str) -> Room:
        p = _prefix(code)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(p + "lecture").get(p + "seq").hvals(p + "comments").hvals(p + "questions")
            pipe.hgetall(p + "authors").xrevrange(p + "log", count=self.settings.history_size)
            pipe.hvals(p + "restrictions").hget(p + "state", "words").lrange(p + "audit", -AUDIT_KEPT, -1)
            pipe.hvals(p + "polls")
            row, seq, comments, questions, authors, entries, restrictions, words, audit, poll_records = await self._call(
                pipe.execute())
        if row is None:
            raise Refusal("not_found", f"No lecture with code {code}.")
        return Room.restore(
            Lecture.from_row(orjson.loads(row)),
            seq=int(seq or 0),
            comments=[orjson.loads(c) for c in comments],
            questions=[orjson.loads(q) for q in questions],
            authors={k.decode(): v.decode() for k, v in authors.items()},
            history=[_event(i, f) for i, f in reversed(entries)],
            history_size=self.settings.history_size,
            restrictions=[orjson.loads(r) for r in restrictions],
            words=orjson.loads(words) if words else None,
            audit=[orjson.loads(a) for a in audit],
            base_words=self.base_words,
            poll_records=[orjson.loads(r) for r in poll_records],
        )

    def _advance(self, code: str, room: Room, events: list[Event]) -> None:
        """Apply events that follow the room's seq, and tell the hub."""
        applied = []
        for event in events:
            if event.seq <= room.seq:
                continue
            if event.seq != room.seq + 1:
                raise _Gap(f"{code}: event {event.seq} after {room.seq}")
            room.apply(event)
            applied.append(event)
        if applied:
            self._publish_events(code, applied)

    async def _catch_up(self, code: str, room: Room) -> None:
        entries = await self._call(self.redis.xrange(_prefix(code) + "log", min=f"({room.seq}-1", max="+"))
        try:
            self._advance(code, room, [_event(i, f) for i, f in entries])
        except _Gap:
            self._reload(code)
            raise Refusal("unavailable", "The lecture was out of step and is being reloaded; try again.") from None

    async def _fresh(self, code: str) -> Room:
        """The room with everything Redis has: an API read on this node then
        shows a change another node has already acknowledged."""
        room = await self._room(code)
        await self._catch_up(code, room)
        return room

    def _reload(self, code: str) -> None:
        """Forget a room that cannot catch up (its log was trimmed past it);
        the next use loads it afresh. Its viewers resume from their seq or,
        if that is gone too, get a snapshot."""
        log.warning("reloading %s from Redis", code)
        self._rooms.pop(code, None)
        self._publish_reset(code)

    async def _recover(self, code: str, room: Room) -> None:
        """Redis lost this lecture's record: put it back from the room with a
        new epoch (unless another node just did) and reload the room."""
        lecture = room.lecture.with_changes({"epoch": new_secret(9)})
        restored = await self._call(self._restore(args=[_prefix(code), orjson.dumps(lecture.to_row()), room.seq]))
        if restored:
            log.warning("Redis lost lecture %s: restored from memory with a new epoch, from seq %d", code, room.seq)
            await self._call(self.redis.zadd("live:lectures", {code: clockmod.parse_iso(lecture.created_at)}, nx=True))
            await self._put_back_shared()
            await self._put_back_rules(code, room)
        if self._rooms.get(code) is room:
            self._reload(code)

    async def _put_back_rules(self, code: str, room: Room) -> None:
        """What keeps a lecture safe outlives the loss: its word lists, its
        bans and mutes, and its polls (their answers are gone) go back from
        memory, where the reloaded room reads them."""
        p = _prefix(code)
        async with self.redis.pipeline(transaction=True) as pipe:
            if room.own_words["blocked"] or room.own_words["watch"]:
                pipe.hset(p + "state", "words", orjson.dumps(room.own_words))
            for viewer, rec in room.restrictions.items():
                pipe.hset(p + "restrictions", rec["viewer"], orjson.dumps(rec)).hsetnx(p + "authors", rec["viewer"], viewer)
            for pid, poll in room.polls.items():
                pipe.hset(p + "polls", pid, orjson.dumps(poll))
            await self._call(pipe.execute())

    async def _put_back_shared(self) -> None:
        for key, value in self._shared.items():
            await self._call(self.redis.set(key, value, nx=True))

    async def _check_rooms(self) -> None:
        """Redis still has each loaded room's lecture, with the room's epoch."""
        rooms = list(self._rooms.items())
        keys = [_prefix(c) + "lecture" for c, _ in rooms]
        rows = await self._call(self.redis.mget(keys + list(self._shared)))
        if any(v is None for v in rows[len(keys):]):
            await self._put_back_shared()
        for (code, room), row in zip(rooms, rows):
            if self._rooms.get(code) is not room:
                continue
            if row is None:
                await self._recover(code, room)
            elif orjson.loads(row).get("epoch") != room.lecture.epoch:
                self._reload(code)

    async def _follow(self) -> None:
        backoff = 0.2
        checked = 0.0
        while True:
            self._forget_idle()
            streams = {_prefix(c) + "log": f"{r.seq}-1" for c, r in self._rooms.items()}
            if not streams:
                await asyncio.sleep(0.05)
                continue
            if time.monotonic() - checked >= CHECK_S:
                try:
                    await self._check_rooms()
                    checked = time.monotonic()
                except Refusal:
                    pass  # Redis is not there: the XREAD below fails and backs off
                continue
            try:
                # A short block: a room loaded meanwhile joins the next round.
                reply = await self.redis.xread(streams, count=1000, block=100)
                self.healthy = True
                backoff = 0.2
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self.healthy = False
                log.warning("following the logs failed (%s); retrying in %.1f s", exc, backoff)
                checked = 0.0  # Redis may come back empty: check first thing
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            for key, entries in reply or ():
                code = key.decode().split("{", 1)[1].split("}", 1)[0]
                room = self._rooms.get(code)
                if room is None:
                    continue
                try:
                    self._advance(code, room, [_event(i, f) for i, f in entries])
                except _Gap:
                    self._reload(code)

    def _forget_idle(self) -> None:
        now = time.monotonic()
        for code in [c for c in self._rooms if c not in self._listeners]:
            if now - self._used.get(code, 0) > IDLE_UNFOLLOW_S:
                del self._rooms[code]

    def subscribe(self, code: str, listener: Any) -> None:
        super().subscribe(code, listener)
        self._used[code] = time.monotonic()

    # -- appending ---------------------------------------------------------

    async def _append_planned(self, code: str, plan: Callable[[Room], list[Event]],
                              lecture: Lecture | None = None) -> Room:
        """Plan on the room, append where the plan was made; if another node
        appended first, catch up and plan again."""
        room = await self._room(code)
        for _ in range(PLAN_RETRIES):
            with room.planning() as planned:
                plan(room)
            if not planned:
                return room
            before, seq = room.lecture, room.seq
            args: list[Any] = [_prefix(code), str(seq), "", "", ACK_TTL, "", self.clock(), self.settings.history_size]
            changed_lecture = None
            for e in planned:
                args += [e.kind, int(e.private), e.author or "", orjson.dumps(e.data), *self._record_target(e),
                         e.by or "", orjson.dumps(audit_entry(e, room.lecture.public())) if e.by else ""]
                if e.kind == "lecture.updated":
                    changed_lecture = Lecture.from_row({**room.lecture.to_row(), **e.data})
            if changed_lecture is not None:
                args[5] = orjson.dumps(changed_lecture.to_row())
            reply = await self._call(self._append(args=args))
            if reply[0] == b"ok":
                self._advance(code, room, planned)
                self._committed(code, planned, before)
                return room
            if reply[0] == b"lost":
                await self._recover(code, room)
                room = await self._room(code)
                continue
            await self._catch_up(code, room)
        raise Refusal("unavailable", "The lecture is too busy to change this now; try again.")

    @staticmethod
    def _record_target(event: Event) -> tuple[str, bytes]:
        """The hash (and field) that keeps the current record an event changes."""
        if event.kind.startswith("comment."):
            return "comments", event.data["id"].encode()
        if event.kind.startswith("question."):
            return "questions", event.data["id"].encode()
        if event.kind == "viewer.restricted":
            return "restrictions", event.data["viewer"].encode()
        if event.kind == "words.updated":
            return "state", b"words"
        if event.kind.startswith("poll."):
            return "polls", event.data["id"].encode()
        return "", b""

    async def _append_created(self, code: str, room: Room, event: Event, cid: str | None,
                              viewer: str) -> dict[str, Any]:
        """Append a new comment or question; the script gives it its seq."""
        prefix = "c" if event.kind.startswith("comment.") else "q"
        template = _template(event.data, prefix)
        seen = created_ack(event)
        ack = b'{"ref":"' + prefix.encode() + SEQ + b'","record":' + _template(seen["record"], prefix)
        ack += b',"held":true}' if seen.get("held") else b"}"
        target = "comments" if prefix == "c" else "questions"
        reply = await self._call(self._append(args=[
            _prefix(code), "", f"{viewer}:{cid}" if cid is not None else "", ack, ACK_TTL, "", event.at,
            self.settings.history_size, event.kind, int(event.private), viewer, template, target,
            prefix.encode() + SEQ, "", "",
        ]))
        if reply[0] == b"dup":
            return orjson.loads(reply[1])
        if reply[0] == b"lost":
            await self._recover(code, room)
            raise _Lost(code)
        first = int(reply[1])
        fields = _filled(ack, first)
        made = Event(first, event.kind, _filled(template, first), event.private, viewer, event.at)
        if room.seq == first - 1:
            self._advance(code, room, [made])
        elif room.seq < first:  # others' events came first: read them, in order
            await self._catch_up(code, room)
        self._committed(code, [made], room.lecture)
        return fields

    # -- lectures ----------------------------------------------------------

    async def create_lecture(self, fields: dict[str, Any]) -> Lecture:
        now = self.clock()
        for _ in range(10):
            lecture = Lecture(
                code=new_code(),
                moderator_key=new_secret(),
                epoch=new_secret(9),
                created_at=clockmod.iso(now),
                **{k: v for k, v in fields.items() if k != "settings"},
            ).with_changes({"settings": fields.get("settings", {})})
            p = _prefix(lecture.code)
            if await self._call(self.redis.set(p + "lecture", orjson.dumps(lecture.to_row()), nx=True)):
                await self._call(self.redis.zadd("live:lectures", {lecture.code: now}))
                return lecture
        raise Refusal("unavailable", "Could not find a free lecture code; try again.")

    async def lecture(self, code: str) -> Lecture | None:
        room = self._rooms.get(code)
        if room is not None:
            return room.lecture
        row = await self._call(self.redis.get(_prefix(code) + "lecture"))
        return Lecture.from_row(orjson.loads(row)) if row else None

    async def lectures(self) -> list[Lecture]:
        codes = [c.decode() for c in await self._call(self.redis.zrevrange("live:lectures", 0, -1))]
        if not codes:
            return []
        rows = await self._call(self.redis.mget([_prefix(c) + "lecture" for c in codes]))
        return [self._rooms[c].lecture if c in self._rooms else Lecture.from_row(orjson.loads(r))
                for c, r in zip(codes, rows) if r]

    async def update_lecture(self, code: str, changes: dict[str, Any], *, by: str | None = None) -> Lecture:
        room = await self._append_planned(code, lambda r: [r.update_lecture(changes, self.clock(), by)])
        return room.lecture

    # -- viewers' messages -------------------------------------------------

    async def _recall(self, code: str, viewer: str, cid: str) -> dict[str, Any] | None:
        ack = await self._call(self.redis.get(f"{_prefix(code)}ack:{viewer}:{cid}"))
        return orjson.loads(ack) if ack else None

    async def _take(self, code: str, viewer: str, kind: str, n: int) -> float | None:
        rate, burst = self._rates[kind]
        wait = await self._call(self._take_script(keys=[f"{_prefix(code)}rl:{kind}:{viewer}"], args=[rate, burst, n]))
        return float(wait) if wait else None

    async def _write(self, code: str, viewer: str, command: Command, cid: str | None) -> dict[str, Any]:
        room = await self._room(code)
        ack_key = f"{viewer}:{cid}" if cid is not None else ""
        if isinstance(command, (PostComment, AskQuestion)):
            for _ in range(2):  # once more on the restored lecture if Redis had lost it
                with room.planning() as planned:
                    if isinstance(command, PostComment):
                        room.post_comment(viewer, command.text, command.nickname, self.clock(), command.source)
                    else:
                        room.post_question(viewer, command.text, command.nickname, command.anonymous, self.clock(),
                                           command.source)
                try:
                    return await self._append_created(code, room, planned[0], cid, viewer)
                except _Lost:
                    room = await self._room(code)
            raise Refusal("unavailable", UNAVAILABLE)
        if isinstance(command, Vote):
            room.check_may_act(viewer)
            room.vote_target(command.question)
            reply = await self._call(self._vote(args=[_prefix(code), ack_key, ACK_TTL, command.question, viewer,
                                                      int(command.up)]))
            if reply[0] == b"dup":
                return orjson.loads(reply[1])
            changed, tally = int(reply[1]), int(reply[2])
            if changed:
                self._publish_votes(code, {command.question: tally})
            return {"question": command.question, "votes": tally, "up": command.up}
        if isinstance(command, Answer):
            answer, keys = room.checked_answer(viewer, command.poll, command.payload)
            raw = orjson.dumps(answer)
            kept = orjson.dumps({"answer": answer, "at": self.clock(), "nickname": command.nickname, "keys": keys,
                                 "raw": raw.decode()})
            reply = await self._call(self._answer(args=[
                _prefix(code), ack_key, ACK_TTL, command.poll, viewer, raw, kept,
                int(room.polls[command.poll]["allow_change"]), *keys]))
            if reply[0] == b"dup":
                return orjson.loads(reply[1])
            if reply[0] == b"answered":
                raise Refusal("answered", "You have already answered this poll.")
            # The results reach every node's viewers on the next counters round (coalesced).
            return {"poll": command.poll, "answer": answer}
        if isinstance(command, Like):
            room.check_may_act(viewer)
            reply = await self._call(self._like(args=[_prefix(code), ack_key, ACK_TTL, command.count]))
            return orjson.loads(reply[1]) if reply[0] == b"dup" else {"likes": int(reply[1])}
        raise TypeError(type(command).__name__)  # pragma: no cover - protocol.parse makes no other command

    # -- moderation ----------------------------------------------------------

    @staticmethod
    def _one(event: Event | None) -> list[Event]:
        return [event] if event is not None else []

    async def moderate_comment(self, code: str, cid: str, action: str, *, by: str | None = None) -> dict[str, Any]:
        room = await self._append_planned(code, lambda r: self._one(r.moderate_comment(cid, action, self.clock(), by)))
        return room.for_moderators(room.comment(cid))

    async def update_question(
        self, code: str, qid: str, *, state: str | None, answer: str | None, speaker: str | None,
        by: str | None = None, expect: str | None = None, assigned_to: str | None = None,
    ) -> dict[str, Any]:
        room = await self._append_planned(
            code, lambda r: r.update_question(qid, self.clock(), state=state, answer=answer, speaker=speaker, by=by,
                                              expect=expect, assigned_to=assigned_to)
        )
        return await self._with_tallies(code, room.for_moderators(room.question(qid)))

    async def merge_question(self, code: str, source: str, target: str, *, by: str | None = None) -> dict[str, Any]:
        room = await self._fresh(code)
        with room.planning():  # refused here, before any vote moves
            room.merge_question(source, target, 0, self.clock())
        # Voters first: a retry after a failed append unites them again, harmlessly.
        tally = int(await self._call(self._merge_votes(args=[_prefix(code), source, target])))
        room = await self._append_planned(code, lambda r: r.merge_question(source, target, tally, self.clock(), by))
        self._publish_votes(code, {target: tally})
        return await self._with_tallies(code, room.for_moderators(room.question(target)))

    async def set_words(self, code: str, blocked: list[str], watch: list[str], *,
                        by: str | None = None) -> dict[str, Any]:
        room = await self._append_planned(code, lambda r: self._one(r.set_words(blocked, watch, self.clock(), by)))
        return room.moderation()

    async def restrict(self, code: str, mode: str, *, handle: str | None = None, item: str | None = None,
                       by: str | None = None) -> dict[str, Any]:
        room = await self._fresh(code)
        viewer = room.viewer_of(handle=handle, item=item)
        room = await self._append_planned(code, lambda r: self._one(r.restrict(viewer, mode, self.clock(), by=by)))
        return room.restrictions.get(viewer) or {"viewer": viewer_handle(viewer), "mode": "none"}

    async def moderation(self, code: str) -> dict[str, Any]:
        return (await self._fresh(code)).moderation()

    # -- polls -----------------------------------------------------------------

    async def create_poll(self, code: str, fields: dict[str, Any], *, by: str | None = None) -> dict[str, Any]:
        made: list[str] = []

        def plan(r: Room) -> list[Event]:
            event = r.create_poll(fields, self.clock(), by)
            made[:] = [event.data["id"]]
            return [event]

        room = await self._append_planned(code, plan)
        return room.poll(made[0])

    async def edit_poll(self, code: str, pid: str, fields: dict[str, Any], *,
                        by: str | None = None) -> dict[str, Any]:
        room = await self._append_planned(code, lambda r: self._one(r.edit_poll(pid, fields, self.clock(), by)))
        return room.poll(pid)

    async def poll_action(self, code: str, pid: str, action: str, *, by: str | None = None) -> dict[str, Any]:
        room = await self._append_planned(code, lambda r: r.poll_action(pid, action, self.clock(), by))
        return room.polls.get(pid) or {"id": pid, "deleted": True}

    async def _poll_results(self, code: str, room: Room, pids: list[str]) -> dict[str, dict[str, Any]]:
        """Results from the shared counts, one round trip for all of them."""
        if not pids:
            return {}
        p = _prefix(code)
        async with self.redis.pipeline(transaction=False) as pipe:
            for pid in pids:
                pipe.hgetall(p + "pc:" + pid).hlen(p + "pa:" + pid)
            replies = await self._call(pipe.execute())
        return {pid: polls.results(room.polls[pid], {k.decode(): int(v) for k, v in counts.items()}, total)
                for pid, counts, total in zip(pids, replies[::2], replies[1::2])}

    async def polls(self, code: str, *, moderator: bool) -> dict[str, Any]:
        room = await self._fresh(code)
        return {"polls": room.polls_seen(moderator),
                "results": await self._poll_results(code, room, room.results_seen(moderator))}

    async def leaderboard(self, code: str) -> list[dict[str, Any]]:
        room = await self._fresh(code)
        quizzes = [q for q in room.polls.values() if q["kind"] == "quiz" and q["revealed"]]
        async with self.redis.pipeline(transaction=False) as pipe:
            for quiz in quizzes:
                pipe.hgetall(_prefix(code) + "pa:" + quiz["id"])
            replies = await self._call(pipe.execute()) if quizzes else []
        answers = {q["id"]: {v.decode(): orjson.loads(d) for v, d in given.items()} for q, given in zip(quizzes, replies)}
        return polls.leaderboard(quizzes, answers)

    async def _publish_poll_changes(self, code: str, room: Room) -> None:
        """Answers taken on any node reach this node's viewers here, on the
        hub's counters round: the open polls' and the shown ones' results,
        when they (or whether they are shown) changed."""
        watched = [pid for pid, p in room.polls.items()
                   if p["state"] == "open" or (p["results_shown"] and p["state"] != "draft")]
        seen = self._seen_polls.setdefault(code, {})
        changed: dict[str, dict[str, Any]] = {}
        shown: set[str] = set()
        for pid, r in (await self._poll_results(code, room, watched)).items():
            visible = room.polls[pid]["results_shown"]
            if seen.get(pid) != (r, visible):
                seen[pid] = (r, visible)
                changed[pid] = r
                if visible:
                    shown.add(pid)
        if changed:
            self._publish_poll_results(code, changed, shown)

    async def audit(self, code: str, *, limit: int) -> list[dict[str, Any]]:
        await self._room(code)
        entries = await self._call(self.redis.lrange(_prefix(code) + "audit", -limit, -1))
        return [orjson.loads(e) for e in reversed(entries)]

    async def record_sample(self, code: str, at: int, stats: dict[str, int]) -> None:
        # Every node serving the lecture samples the same shared counters:
        # the last one to write a slot wins, with the same figures.
        await self._call(self.redis.hset(_prefix(code) + "samples", str(at), orjson.dumps(stats)))

    async def samples(self, code: str) -> list[dict[str, int]]:
        rows = await self._call(self.redis.hgetall(_prefix(code) + "samples"))
        return sorted(({"t": int(t), **orjson.loads(d)} for t, d in rows.items()), key=lambda r: r["t"])

    # -- reading -------------------------------------------------------------

    async def _aggregates(self, code: str, viewer: str | None = None) -> tuple[dict[str, int], dict[str, int], list[str]]:
        """Counters, tallies and (for a viewer) the questions they voted for, in one round trip."""
        p = _prefix(code)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(p + "counters").scard(p + "viewers").hgetall(p + "tally")
            if viewer is not None:
                pipe.smembers(p + "voted:" + viewer)
            replies = await self._call(pipe.execute())
        counters = {k.decode(): int(v) for k, v in replies[0].items()}
        # Viewers a purge forgot are counted, not kept.
        counters["unique_viewers"] = replies[1] + counters.get("forgotten_viewers", 0)
        tallies = {k.decode(): int(v) for k, v in replies[2].items()}
        voted = sorted(q.decode() for q in replies[3]) if viewer is not None else []
        return counters, tallies, voted

    def _stats(self, code: str, room: Room, counters: dict[str, int]) -> dict[str, int]:
        online = self._online_total.get(code, 0)
        return {
            "online": online,
            "peak_online": max(counters.get("peak_online", 0), online),
            "visits": counters.get("visits", 0),
            "unique_viewers": counters.get("unique_viewers", 0),
            "likes": counters.get("likes", 0),
            **room.content_counts(),
        }

    @staticmethod
    def _tallied(questions: list[dict[str, Any]], tallies: dict[str, int]) -> list[dict[str, Any]]:
        return [{**q, "votes": tallies.get(q["id"], 0)} for q in questions]

    async def _with_tallies(self, code: str, question: dict[str, Any]) -> dict[str, Any]:
        tally = await self._call(self.redis.hget(_prefix(code) + "tally", question["id"]))
        return {**question, "votes": int(tally or 0)}

    async def join(self, code: str, viewer: str, *, since: int | None, epoch: str | None, moderator: bool,
                   snapshot_comments: int, source: str | None = PAGE) -> Welcome:
        room = await self._room(code)
        # The seq (and lecture) the welcome names must be those the events or
        # the snapshot were taken at: the follower may advance the room during
        # the awaits below, and the hub sends this connection only what comes
        # after the welcome's seq (what arrives meanwhile waits in its buffer).
        seq, lecture = room.seq, room.lecture
        events = room.events_after(since) if since is not None and epoch == lecture.epoch else None
        resumed = events is not None
        p = _prefix(code)
        if source is not None:  # a display counts for nothing
            async with self.redis.pipeline(transaction=False) as pipe:
                if not resumed:
                    pipe.hincrby(p + "counters", "visits", 1)
                    await self._count_source(keys=[p + "sources"], args=[source, SOURCES_MAX, OTHER_SOURCE],
                                             client=pipe)  # queued: runs with the pipeline
                pipe.sadd(p + "viewers", viewer)
                await self._call(pipe.execute())
        snapshot = None
        if not resumed:
            counters, tallies, voted = await self._aggregates(code, viewer)
            seq, lecture = room.seq, room.lecture
            snapshot = room.snapshot(viewer, moderator=moderator, comments=snapshot_comments,
                                     online=self._online_total.get(code, 0))
            snapshot["questions"] = self._tallied(snapshot["questions"], tallies)
            snapshot["mine"]["questions"] = self._tallied(snapshot["mine"]["questions"], tallies)
            snapshot["voted"] = voted
            snapshot["counters"] = self._stats(code, room, counters)
            snapshot["poll_results"] = await self._poll_results(code, room, room.results_seen(moderator))
            snapshot["my_answers"] = await self._my_answers(code, room, viewer)
        return Welcome(seq, lecture.epoch, resumed, events, snapshot, lecture)

    async def _my_answers(self, code: str, room: Room, viewer: str) -> dict[str, Any]:
        pids = [pid for pid, p in room.polls.items() if p["state"] != "draft"]
        if not pids:
            return {}
        async with self.redis.pipeline(transaction=False) as pipe:
            for pid in pids:
                pipe.hget(_prefix(code) + "pa:" + pid, viewer)
            replies = await self._call(pipe.execute())
        return {pid: orjson.loads(kept)["answer"] for pid, kept in zip(pids, replies) if kept}

    async def _report_online(self, code: str, sources: dict[str, int]) -> None:
        p = _prefix(code)
        total, _peak, by_source = await self._online_script(
            keys=[p + "online", p + "counters"],
            args=[self.node, self.settings.online_stale_s, orjson.dumps(sources)])
        self._online_total[code] = int(total)
        self._online_sources[code] = orjson.loads(by_source)

    async def set_online(self, code: str, sources: dict[str, int]) -> None:
        await self._call(self._report_online(code, sources))

    async def sources(self, code: str) -> dict[str, dict[str, int]]:
        visits = {k.decode(): int(v) for k, v in
                  (await self._call(self.redis.hgetall(_prefix(code) + "sources"))).items()}
        online = self._online_sources.get(code, {})
        return {s: {"visits": visits.get(s, 0), "online": int(online.get(s, 0))}
                for s in sorted(set(visits) | set(online))}

    async def stats(self, code: str) -> dict[str, int]:
        room = await self._room(code)
        counters, tallies, _ = await self._aggregates(code)
        # Votes taken on other nodes reach this node's viewers here, on the
        # hub's counters tick: tallies are aggregates, latest value wins.
        seen = self._seen_tallies.setdefault(code, {})
        changed = {q: n for q, n in tallies.items() if seen.get(q) != n}
        if changed:
            seen.update(changed)
            self._publish_votes(code, changed)
        if room.polls:
            await self._publish_poll_changes(code, room)
        return self._stats(code, room, counters)

    async def tallies(self, code: str) -> dict[str, int]:
        room = await self._room(code)
        _, tallies, _ = await self._aggregates(code)
        return {q: tallies.get(q, 0) for q in room.tallies()}

    async def comments(self, code: str, *, after: int, limit: int, moderator: bool,
                       state: str | None = None) -> list[dict[str, Any]]:
        return (await self._fresh(code)).comments_after(after, limit, moderator=moderator, state=state)

    async def questions(self, code: str, *, state: str | None, moderator: bool) -> list[dict[str, Any]]:
        room = await self._fresh(code)
        _, tallies, _ = await self._aggregates(code)
        items = self._tallied(room.questions_list(moderator=moderator, state=state), tallies)
        items.sort(key=lambda q: (-q["votes"], q["seq"]))
        return items

    async def export(self, code: str) -> dict[str, Any]:
        room = await self._fresh(code)
        shown = [p for p in room.polls.values() if p["state"] != "draft"]
        counters, tallies, _ = await self._aggregates(code)
        return {
            "lecture": room.lecture.public(),
            "featured_comments": [c for c in room.comments.values() if c["featured"] and c["state"] == "visible"],
            "answered_questions": self._tallied(room.questions_list(moderator=False, state="answered"), tallies),
            "stats": self._stats(code, room, counters),
            "polls": [{**p, "results": r} for p, r in zip(shown, (await self._poll_results(
                code, room, [p["id"] for p in shown])).values())],
        }

    # -- keeping and letting go ----------------------------------------------

    async def purge(self, code: str, now: float) -> bool:
        p = _prefix(code)
        # One node at a time; the work itself is also safe to do twice.
        if not await self._call(self.redis.set(p + "purging", self.node, nx=True, ex=PURGE_LOCK_S)):
            return False
        try:
            row = await self._call(self.redis.get(p + "lecture"))
            if row is None or not retention.is_due(Lecture.from_row(orjson.loads(row)), now):
                return False  # another node has just done it
            # Loaded first: a load still reading would put back a room from before the purge.
            await self._room(code)
            for _ in range(PLAN_RETRIES):
                if await self._call(self._scrub(code)):
                    break
            else:
                raise Refusal("unavailable", "The lecture kept changing during its purge; it is put off.")
            self._reload(code)
            await self.update_lecture(code, {"purged_at": clockmod.iso(now)}, by=retention.ACTOR)
            return True
        finally:
            with contextlib.suppress(Refusal):  # else it expires by itself
                await self._call(self._release(keys=[p + "purging"], args=[self.node]))

    async def _scan(self, pattern: str) -> list[bytes]:
        return [key async for key in self.redis.scan_iter(match=pattern, count=1000)]

    async def _scrub(self, code: str) -> bool:
        """One attempt at the purge's rewrite, in one transaction; False when
        a write of the lecture came in between (then it is tried again).
        Other nodes see the new epoch within ``CHECK_S`` and reload."""
        p = _prefix(code)
        vote_keys, answer_keys = await self._scan(p + "votes:*"), await self._scan(p + "pa:*")
        gone = [*await self._scan(p + "voted:*"), *await self._scan(p + "ack:*"), *await self._scan(p + "rl:*")]
        async with self.redis.pipeline(transaction=True) as pipe:
            await pipe.watch(p + "seq", p + "lecture", p + "comments", p + "viewers", p + "audit", *vote_keys,
                             *answer_keys)
            row = await pipe.get(p + "lecture")
            if row is None:
                return True  # lost: nothing left to purge
            comments = [orjson.loads(c) for c in await pipe.hvals(p + "comments")]
            dropped = retention.dropped_comments(comments)
            entries = await pipe.xrange(p + "log")
            audit = await pipe.lrange(p + "audit", 0, -1)
            viewers = await pipe.scard(p + "viewers")
            votes = {key: await pipe.smembers(key) for key in vote_keys}
            answers = {key: await pipe.hgetall(key) for key in answer_keys}
            pipe.multi()
            if dropped:
                pipe.hdel(p + "comments", *dropped)
            pipe.delete(p + "authors", p + "restrictions", p + "viewers", *gone)
            pipe.hincrby(p + "counters", "forgotten_viewers", viewers)
            if entries:
                pipe.delete(p + "log")
                for entry_id, fields in entries:
                    e = retention.scrubbed(_event(entry_id, fields), dropped)
                    pipe.xadd(p + "log", {"k": e.kind, "d": orjson.dumps(e.data), "p": int(e.private),
                                          "a": e.author or "", "t": fields[b"t"], "b": e.by or ""}, id=entry_id)
            if audit:
                pipe.delete(p + "audit")
                pipe.rpush(p + "audit", *(orjson.dumps(retention.scrubbed_audit(orjson.loads(a), dropped))
                                          for a in audit))
            for key, members in votes.items():
                if members:
                    pipe.delete(key)
                    pipe.sadd(key, *(m if retention.is_stand_in(m.decode()) else retention.stand_in()
                                     for m in members))
            for key, given in answers.items():
                if given:
                    pipe.delete(key)
                    pipe.hset(key, mapping={
                        v if retention.is_stand_in(v.decode()) else retention.stand_in():
                            orjson.dumps(retention.scrubbed_answer(orjson.loads(kept)))
                        for v, kept in given.items()})
            pipe.set(p + "lecture", orjson.dumps({**orjson.loads(row), "epoch": new_secret(9)}))
            try:
                await pipe.execute()
            except WatchError:
                return False
        return True
