"""The store and broker, one interface for every backend.

A store keeps lectures and their durable logs, assigns each event its
``seq``, answers idempotent writes, rate-limits viewers and carries new
events and vote tallies to every subscriber (the hub of each node that has
viewers of the lecture). ``embedded`` keeps one node's state in SQLite;
a Redis backend shares it between nodes. Both pass ``tests/realtime``.

Every write is acknowledged only after it is committed, and its events are
published only after that too, so no viewer ever sees an event that a
crash could take back.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from live.core.errors import Refusal
from live.core.events import Event, as_author_sees
from live.core.lecture import Lecture
from live.protocol import Answer, AskQuestion, Command, Like, PostComment, Vote, ack_ok

log = logging.getLogger(__name__)

#: Told of the events this node commits: the lecture's code, the events, and
#: the lecture as it was when they were decided.
CommitHook = Callable[[str, list[Event], Lecture], None]


class Listener(Protocol):
    def on_events(self, code: str, events: list[Event]) -> None: ...

    def on_votes(self, code: str, tallies: dict[str, int]) -> None: ...

    def on_poll_results(self, code: str, results: dict[str, dict[str, Any]], shown: set[str]) -> None:
        """Polls' results changed; ``shown``: those viewers may see."""

    def on_reset(self, code: str) -> None:
        """The store lost track of the lecture's log (it is being reloaded):
        connections must resume to be sure they miss nothing."""


@dataclass(frozen=True)
class Welcome:
    seq: int
    epoch: str
    resumed: bool
    #: On a resume, the events after ``since``; else None.
    events: list[Event] | None
    #: Without a resume, the state to start from; else None.
    snapshot: dict[str, Any] | None
    lecture: Lecture


def created_ack(event: Event) -> dict[str, Any]:
    """The ack of a new comment or question, as its author may see it (a
    muted viewer's comment looks shown, and is not called held)."""
    fields: dict[str, Any] = {"ref": event.data["id"], "record": as_author_sees(event.data)}
    if event.data["state"] in ("held", "pending"):
        fields["held"] = True
    return fields


RATE_KINDS = {PostComment: "comment", AskQuestion: "question", Vote: "vote", Like: "like", Answer: "vote"}


class Store(abc.ABC):
    """What the web layer and the hub need from a backend."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[Listener]] = {}
        self._inflight: dict[tuple[str, str, str], asyncio.Future[dict[str, Any]]] = {}
        self._commit_hooks: list[CommitHook] = []

    # -- lifecycle -------------------------------------------------------

    @abc.abstractmethod
    async def open(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None:
        """Flush every accepted write, then release the backend."""

    @abc.abstractmethod
    async def ready(self) -> bool: ...

    def metrics(self) -> dict[str, float]:
        """The backend's own figures for /metrics."""
        return {}

    # -- broker ------------------------------------------------------------

    def subscribe(self, code: str, listener: Listener) -> None:
        self._listeners.setdefault(code, set()).add(listener)

    def unsubscribe(self, code: str, listener: Listener) -> None:
        listeners = self._listeners.get(code)
        if listeners is not None:
            listeners.discard(listener)
            if not listeners:
                del self._listeners[code]

    def _publish_events(self, code: str, events: list[Event]) -> None:
        for listener in tuple(self._listeners.get(code, ())):
            listener.on_events(code, events)

    def _publish_votes(self, code: str, tallies: dict[str, int]) -> None:
        for listener in tuple(self._listeners.get(code, ())):
            listener.on_votes(code, tallies)

    def _publish_poll_results(self, code: str, results: dict[str, dict[str, Any]], shown: set[str]) -> None:
        for listener in tuple(self._listeners.get(code, ())):
            listener.on_poll_results(code, results, shown)

    def _publish_reset(self, code: str) -> None:
        for listener in tuple(self._listeners.get(code, ())):
            listener.on_reset(code)

    def on_commit(self, hook: CommitHook) -> None:
        """Have ``hook`` told of every event this node commits, once, after
        the commit. Unlike listeners it never hears what other nodes
        committed (which a node's listeners get too): what must happen once
        per event in a cluster, such as a webhook, hangs here."""
        self._commit_hooks.append(hook)

    def _committed(self, code: str, events: list[Event], before: Lecture) -> None:
        for hook in self._commit_hooks:
            try:
                hook(code, events, before)
            except Exception:  # a hook's fault must not undo a committed write
                log.exception("a commit hook failed for %s", code)

    # -- lectures ----------------------------------------------------------

    @abc.abstractmethod
    async def create_lecture(self, fields: dict[str, Any]) -> Lecture: ...

    @abc.abstractmethod
    async def lecture(self, code: str) -> Lecture | None: ...

    @abc.abstractmethod
    async def lectures(self) -> list[Lecture]: ...

    @abc.abstractmethod
    async def update_lecture(self, code: str, changes: dict[str, Any], *, by: str | None = None) -> Lecture: ...

    # -- viewers' messages -------------------------------------------------

    async def submit(self, code: str, viewer: str, command: Command) -> dict[str, Any]:
        """Carry out a viewer's message and return its ack. The same client
        id from the same viewer gets the same ack and changes nothing twice,
        even while the first is still being written."""
        cid = command.id
        if cid is None:
            return await self._carry_out(code, viewer, command, None)
        key = (code, viewer, str(cid))
        known = await self._recall(code, viewer, str(cid))
        if known is not None:
            return ack_ok(cid, **known)
        pending = self._inflight.get(key)
        if pending is not None:
            return {**await asyncio.shield(pending), "id": cid}
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            ack = await self._carry_out(code, viewer, command, str(cid))
            future.set_result(ack)
            return ack
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: a refusal is the caller's to report
            raise
        finally:
            del self._inflight[key]

    async def _carry_out(self, code: str, viewer: str, command: Command, cid: str | None) -> dict[str, Any]:
        kind = RATE_KINDS[type(command)]
        wait = await self._take(code, viewer, kind, command.count if isinstance(command, Like) else 1)
        if wait is not None:
            raise Refusal("rate_limited", f"Too fast: wait {wait:.1f} s.", retry_after=round(wait, 2))
        fields = await self._write(code, viewer, command, cid)
        return ack_ok(command.id, **fields)

    @abc.abstractmethod
    async def _recall(self, code: str, viewer: str, cid: str) -> dict[str, Any] | None:
        """The ok ack an earlier message with this id got, if any."""

    @abc.abstractmethod
    async def _take(self, code: str, viewer: str, kind: str, n: int) -> float | None:
        """Rate limit: None when allowed, else the seconds to wait."""

    @abc.abstractmethod
    async def _write(self, code: str, viewer: str, command: Command, cid: str | None) -> dict[str, Any]:
        """Apply and commit the command (remembering its ack under ``cid``);
        returns the ack's fields."""

    # -- moderation ----------------------------------------------------------
    # ``by`` names the moderator for the audit log.

    @abc.abstractmethod
    async def moderate_comment(self, code: str, cid: str, action: str, *, by: str | None = None) -> dict[str, Any]: ...

    @abc.abstractmethod
    async def update_question(
        self, code: str, qid: str, *, state: str | None, answer: str | None, speaker: str | None,
        by: str | None = None, expect: str | None = None, assigned_to: str | None = None,
    ) -> dict[str, Any]:
        """``expect``: the state the moderator saw; another one is a conflict.
        ``assigned_to``: a speaker acting, who may move only their own questions."""

    @abc.abstractmethod
    async def merge_question(self, code: str, source: str, target: str, *, by: str | None = None) -> dict[str, Any]:
        """Fold ``source`` into ``target`` (their voters united); returns the target."""

    @abc.abstractmethod
    async def set_words(self, code: str, blocked: list[str], watch: list[str], *,
                        by: str | None = None) -> dict[str, Any]:
        """Replace the lecture's word lists; returns the moderation state."""

    @abc.abstractmethod
    async def restrict(self, code: str, mode: str, *, handle: str | None = None, item: str | None = None,
                       by: str | None = None) -> dict[str, Any]:
        """Ban, mute or lift (``none``) the viewer behind a handle or who
        wrote an item; returns the restriction record."""

    @abc.abstractmethod
    async def moderation(self, code: str) -> dict[str, Any]:
        """The held queue, restrictions, word lists and recent audit."""

    @abc.abstractmethod
    async def audit(self, code: str, *, limit: int) -> list[dict[str, Any]]:
        """The latest moderator actions, newest first, from the whole history."""

    # -- polls -------------------------------------------------------------------

    @abc.abstractmethod
    async def create_poll(self, code: str, fields: dict[str, Any], *, by: str | None = None) -> dict[str, Any]: ...

    @abc.abstractmethod
    async def edit_poll(self, code: str, pid: str, fields: dict[str, Any], *,
                        by: str | None = None) -> dict[str, Any]: ...

    @abc.abstractmethod
    async def poll_action(self, code: str, pid: str, action: str, *, by: str | None = None) -> dict[str, Any]:
        """Open, close, show, hide, reveal, screen, unscreen or delete; returns the record."""

    @abc.abstractmethod
    async def polls(self, code: str, *, moderator: bool) -> dict[str, Any]:
        """``{"polls": [...], "results": {id: results}}`` as this reader may see them."""

    @abc.abstractmethod
    async def leaderboard(self, code: str) -> list[dict[str, Any]]: ...

    # -- figures over time -------------------------------------------------

    @abc.abstractmethod
    async def record_sample(self, code: str, at: int, stats: dict[str, int]) -> None:
        """Keep the counters at ``at`` (whole seconds, a multiple of the sampling step)."""

    @abc.abstractmethod
    async def samples(self, code: str) -> list[dict[str, int]]:
        """Every sample kept, oldest first: ``{"t": ..., "online": ..., ...}``."""

    # -- reading -------------------------------------------------------------

    @abc.abstractmethod
    async def join(self, code: str, viewer: str, *, since: int | None, epoch: str | None, moderator: bool,
                   snapshot_comments: int, source: str | None = "page") -> Welcome:
        """Count the visit (from ``source``; None: a display, not counted)
        and say how the connection starts: a resume with the events since,
        or a snapshot."""

    @abc.abstractmethod
    async def set_online(self, code: str, sources: dict[str, int]) -> None:
        """This node's viewers of the lecture, by source (displays left out)."""

    @abc.abstractmethod
    async def sources(self, code: str) -> dict[str, dict[str, int]]:
        """``{source: {"visits": n, "online": n}}``: where the viewers are."""

    @abc.abstractmethod
    async def stats(self, code: str) -> dict[str, int]: ...

    @abc.abstractmethod
    async def tallies(self, code: str) -> dict[str, int]: ...

    @abc.abstractmethod
    async def comments(self, code: str, *, after: int, limit: int, moderator: bool,
                       state: str | None = None) -> list[dict[str, Any]]: ...

    @abc.abstractmethod
    async def questions(self, code: str, *, state: str | None, moderator: bool) -> list[dict[str, Any]]: ...

    @abc.abstractmethod
    async def export(self, code: str) -> dict[str, Any]:
        """Featured comments, answered questions and the stats."""

    # -- keeping and letting go ----------------------------------------------

    @abc.abstractmethod
    async def purge(self, code: str, now: float) -> bool:
        """If the lecture's retention time has passed (``live.core.retention``),
        forget its viewers and its hidden comments, keep its figures, give it
        a new epoch (connections resync) and stamp ``purged_at`` (audited as
        ``retention``). Safe to run twice, and on several nodes at once;
        returns whether this call purged."""
