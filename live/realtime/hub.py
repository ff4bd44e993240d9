"""Per-lecture fan-out on one node.

Events that the store publishes wait in their room until the next tick;
then one frame carrying all of them is encoded once per audience (viewers
see private events as placeholders, moderators see everything) and the same
bytes are written to every connection. Counters and vote tallies are
aggregates: sampled every ``counters_ms``, sent only when they changed, in
the same write as the next tick's events (one write per viewer per tick
is what a core can afford most of).

A connection joins in two steps so that it misses nothing and gets nothing
twice: ``attach`` before the store is asked for the welcome (events that
arrive meanwhile are buffered for it), ``go_live`` after the welcome and
resumed events are written (buffered events it already has are dropped).

A client that does not read (its transport buffer passes
``send_buffer_bytes``, on top of a kernel buffer kept to 64 KiB) is reset
at once: a broadcast never waits for the slowest phone, and memory never
grows without end. The client reconnects and resumes from its last seq.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

from aiohttp import web

from live import protocol
from live.core.events import Event
from live.metrics import Metrics
from live.realtime.store import Store
from live.realtime.wire import bound_kernel_buffer, reset, text_frame, transport_of

log = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)  # slots: ten thousand of them on a node
class Connection:
    ws: web.WebSocketResponse
    viewer: str
    moderator: bool = False
    #: A moderator's key generation; a rotation ends the connection. None: not
    #: a moderator, or the admin token.
    generation: int | None = None
    #: Where the viewer is (``page``, ``widget:ORIGIN``); None: a display
    #: (overlay, big screen), which is not a viewer and not counted.
    source: str | None = "page"
    #: The last seq this connection has; None while its welcome is being made.
    seq: int | None = None
    buffer: list[Event] = field(default_factory=list)
    room: "RoomHub | None" = None
    transport: asyncio.Transport | None = None
    metrics: Metrics = field(default_factory=Metrics)

    def write(self, frame: bytes, limit: int) -> bool:
        """Queue a whole frame; False (and the connection cut) when the
        client has stopped reading or is gone."""
        t = self.transport
        if t is None or t.is_closing():
            return False
        if t.get_write_buffer_size() > limit:
            log.info("cutting off a slow client of %s", self.viewer[:12])
            self.metrics.slow_consumers_cut += 1
            reset(t)
            return False
        t.write(frame)
        self.metrics.sent(len(frame))
        return True


class RoomHub:
    def __init__(self, hub: "Hub", code: str) -> None:
        self.hub = hub
        self.code = code
        self.conns: set[Connection] = set()
        #: This node's viewers by source, kept as they come and go: every
        #: welcome reads it, so a join storm must not count the room each time.
        self.counts: dict[str, int] = {}
        #: Connections whose welcome is being made: only they buffer events
        #: (a commit must not walk every viewer of the room).
        self.joining: set[Connection] = set()
        self.pending: list[Event] = []
        self.pending_votes: dict[str, int] = {}
        #: poll id -> (results, whether viewers may see them), latest wins.
        self.pending_polls: dict[str, tuple[dict[str, Any], bool]] = {}
        #: Aggregate frames waiting for the next tick, for viewers (False)
        #: and moderators (True): sent in the same write as its events.
        self.aggregates: dict[bool, bytes] = {}
        self.last_counters: dict[str, int] | None = None
        self.last_sample = 0

    def sources(self) -> dict[str, int]:
        return {source: n for source, n in self.counts.items() if n}

    def add(self, conn: Connection) -> None:
        if conn not in self.conns:
            self.conns.add(conn)
            conn.room = self
            if conn.seq is None:
                self.joining.add(conn)
            if conn.source is not None:
                self.counts[conn.source] = self.counts.get(conn.source, 0) + 1

    def discard(self, conn: Connection) -> None:
        self.joining.discard(conn)
        if conn in self.conns:
            self.conns.discard(conn)
            if conn.source is not None:
                self.counts[conn.source] -= 1

    # Listener: called by the store's broker, in seq order.
    def on_events(self, code: str, events: list[Event]) -> None:
        self.hub.metrics.events_delivered += len(events)
        self.pending.extend(events)
        for conn in self.joining:
            conn.buffer.extend(events)
        self.hub.dirty.add(self)
        for event in events:
            if event.kind == "lecture.updated":
                self._end_stale_sessions(event.data.get("key_generation", 0))

    def _end_stale_sessions(self, generation: int) -> None:
        """The moderator key was rotated: moderators on an older key are cut
        off (they reconnect as viewers until they sign in again)."""
        for conn in tuple(self.conns):
            if conn.generation is not None and conn.generation != generation:
                conn.generation = None
                self.hub._later(conn.ws.close(code=protocol.CLOSE_SESSION_ENDED, message=b"session ended"))

    def on_votes(self, code: str, tallies: dict[str, int]) -> None:
        self.pending_votes.update(tallies)

    def on_poll_results(self, code: str, results: dict[str, dict[str, Any]], shown: set[str]) -> None:
        for pid, r in results.items():
            self.pending_polls[pid] = (r, pid in shown)

    def on_reset(self, code: str) -> None:
        # Each client comes back with its last seq and gets exactly what it missed.
        for conn in tuple(self.conns):
            self.hub._later(conn.ws.close(code=1012, message=b"resync"))

    def flush_events(self) -> None:
        """One write per connection per tick: the new events, then the
        aggregates the counters round left (counters, tallies, poll results)."""
        events, self.pending = self.pending, []
        tails, self.aggregates = self.aggregates, {}
        if not events and not tails:
            return
        first, last = (events[0].seq, events[-1].seq) if events else (0, 0)
        # Authors see their own held items' events in full: those few
        # connections get a frame of their own, everyone else a shared one.
        owners = {e.author for e in events if e.private and e.author}
        shared: dict[bool, bytes] = {}
        limit = self.hub.send_buffer_bytes
        for conn in tuple(self.conns):
            if conn.seq is None:
                continue
            tail = tails.get(conn.moderator, b"")
            if conn.seq >= last:
                if tail:
                    conn.write(tail, limit)
                continue
            if conn.seq < first and (conn.moderator or conn.viewer not in owners):
                frame = shared.get(conn.moderator)
                if frame is None:
                    frame = shared[conn.moderator] = self.hub.events_frame(events, conn) + tail
            else:
                frame = self.hub.events_frame([e for e in events if e.seq > conn.seq], conn) + tail
            if conn.write(frame, limit):
                conn.seq = last

    async def flush_aggregates(self) -> None:
        """Counters and tallies when they changed, for the next tick to send."""
        store = self.hub.store
        await store.set_online(self.code, self.sources())
        stats = await store.stats(self.code)
        slot = int(time.time()) // self.hub.sample_every * self.hub.sample_every
        if slot != self.last_sample:
            self.last_sample = slot
            await store.record_sample(self.code, slot, stats)
        frames = []
        if stats != self.last_counters:
            self.last_counters = stats
            frames.append(text_frame(protocol.counters_frame(stats)))
        if self.pending_votes:
            votes, self.pending_votes = self.pending_votes, {}
            frames.append(text_frame(protocol.votes_frame(votes)))
        # Poll results, coalesced: however many answered since the last
        # round, one frame; moderators get every poll's, the rest the shown ones.
        polls, self.pending_polls = self.pending_polls, {}
        everyone = b"".join(frames)
        moderators = everyone
        if polls:
            shown = {pid: r for pid, (r, visible) in polls.items() if visible}
            moderators += text_frame(protocol.poll_results_frame({pid: r for pid, (r, _) in polls.items()}))
            if shown:
                everyone += text_frame(protocol.poll_results_frame(shown))
        for moderator, data in ((False, everyone), (True, moderators)):
            if data:
                self.aggregates[moderator] = self.aggregates.get(moderator, b"") + data
        if self.aggregates:
            self.hub.dirty.add(self)


class Hub:
    def __init__(self, store: Store, *, tick_ms: int, counters_ms: int, send_buffer_bytes: int,
                 metrics: Metrics | None = None, sample_s: int = 10) -> None:
        self.store = store
        self.metrics = metrics or Metrics()
        self.tick = tick_ms / 1000
        self.counters_every = counters_ms / 1000
        self.sample_every = sample_s
        self.send_buffer_bytes = send_buffer_bytes
        self.rooms: dict[str, RoomHub] = {}
        self.dirty: set[RoomHub] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._tick_loop(), name="hub-tick"),
            asyncio.create_task(self._counters_loop(), name="hub-counters"),
        ]

    def _later(self, coro: Any) -> None:
        """Work nobody waits for now, finished (or given up) before the hub stops."""
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._background:
            _, late = await asyncio.wait(self._background, timeout=2)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    @property
    def connections(self) -> int:
        return sum(len(r.conns) for r in self.rooms.values())

    def sources(self, code: str) -> dict[str, int]:
        """This node's viewers of a lecture by source."""
        room = self.rooms.get(code)
        return room.sources() if room else {}

    # -- joining and leaving -------------------------------------------------

    def attach(self, code: str, conn: Connection) -> None:
        room = self.rooms.get(code)
        if room is None:
            room = self.rooms[code] = RoomHub(self, code)
            self.store.subscribe(code, room)
        conn.transport = transport_of(conn.ws)
        bound_kernel_buffer(conn.transport)
        conn.metrics = self.metrics
        room.add(conn)

    @staticmethod
    def events_frame(events: list[Event], conn: Connection) -> bytes:
        return text_frame(protocol.events_frame(e.view(conn.viewer, conn.moderator) for e in events))

    def go_live(self, conn: Connection, seq: int) -> None:
        """Write what was buffered after ``seq`` and switch to the shared frames."""
        if conn.room is not None:
            conn.room.joining.discard(conn)
        missed = [e for e in conn.buffer if e.seq > seq]
        conn.buffer = []
        if missed:
            conn.write(self.events_frame(missed, conn), self.send_buffer_bytes)
            seq = missed[-1].seq
        conn.seq = seq

    def detach(self, code: str, conn: Connection) -> None:
        room = self.rooms.get(code)
        if room is None:
            return
        room.discard(conn)
        if not room.conns:
            self.store.unsubscribe(code, room)
            del self.rooms[code]
            self.dirty.discard(room)
            # A last count of zero, so "online" does not stay at the last viewer.
            self._later(self.store.set_online(code, {}))

    async def close_all(self, code: int, message: bytes = b"") -> None:
        """Close every connection with ``code``; one that does not answer the
        close handshake in 2 s is dropped, so a drain never waits on a phone."""
        async def close(conn: Connection) -> None:
            try:
                await asyncio.wait_for(conn.ws.close(code=code, message=message), 2)
            except (asyncio.TimeoutError, OSError, RuntimeError):
                if conn.transport is not None:
                    conn.transport.abort()

        conns = [c for r in self.rooms.values() for c in r.conns]
        await asyncio.gather(*(close(c) for c in conns), return_exceptions=True)

    # -- the loops -----------------------------------------------------------

    @staticmethod
    async def _every(period: float) -> AsyncIterator[None]:
        """Fixed deadlines: a round that runs long does not push every later
        one back (a 100 ms tick stays ten a second under load), and a round
        missed entirely is skipped rather than run twice in a row."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            due += period
            now = loop.time()
            if due < now:
                due = now
            await asyncio.sleep(due - now)
            yield

    async def _tick_loop(self) -> None:
        async for _ in self._every(self.tick):
            self.flush()

    def flush(self) -> None:
        started = time.perf_counter()
        dirty, self.dirty = self.dirty, set()
        for room in dirty:
            try:
                room.flush_events()
            except Exception:  # one broken room must not stop the others' fan-out
                log.exception("fan-out failed for %s", room.code)
        self.metrics.ticks += 1
        self.metrics.tick_seconds += time.perf_counter() - started

    async def _counters_loop(self) -> None:
        async for _ in self._every(self.counters_every):
            for room in tuple(self.rooms.values()):
                try:
                    await room.flush_aggregates()
                except Exception:
                    log.exception("counters failed for %s", room.code)

    def snapshot_state(self) -> dict[str, Any]:
        return {"rooms": len(self.rooms), "connections": self.connections, "frames_sent": self.metrics.frames_sent}
