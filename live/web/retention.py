"""The retention purge, run by the server on its own: every
``retention_check_s`` each node looks for ended lectures whose
``retention_days`` have passed (``live.core.retention``) and purges them
(``Store.purge``: with several nodes, one of them does it; doing it twice
changes nothing)."""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from aiohttp import web

from live.core import clock as clockmod
from live.core import retention
from live.core.errors import Refusal
from live.metrics import Metrics
from live.realtime.store import Store

log = logging.getLogger(__name__)


class Retention:
    def __init__(self, store: Store, every_s: float, metrics: Metrics,
                 clock: Callable[[], float] = clockmod.now) -> None:
        self.store = store
        self.every_s = every_s
        self.metrics = metrics
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="retention")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run_once(self, now: float | None = None) -> list[str]:
        """Purge every lecture that is due at ``now``; returns the codes this node purged."""
        now = self.clock() if now is None else now
        purged = []
        for lecture in retention.due(await self.store.lectures(), now):
            try:
                if await self.store.purge(lecture.code, now):
                    purged.append(lecture.code)
                    self.metrics.purges += 1
                    log.info("retention: purged lecture %s (%d days after it ended)", lecture.code,
                             lecture.settings["retention_days"])
            except Refusal as exc:  # the store is away: the next round tries again
                log.warning("retention: the purge of %s is put off: %s", lecture.code, exc.message)
        return purged

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Refusal as exc:
                log.warning("retention: could not list the lectures: %s", exc.message)
            except Exception:  # a bug must not end the task for good
                log.exception("retention: the round failed")
            await asyncio.sleep(self.every_s)


RETENTION = web.AppKey("retention", Retention)
