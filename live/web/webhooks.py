"""Outbound webhooks, the sending: a signed JSON POST to every
``webhook_urls`` when a lecture goes live or ends, a comment is featured or
a question answered (the rules: ``live.core.webhooks``; docs/webhooks.md).

Deliveries hang on the store's commit hook, so an event is sent by the node
that committed it and by no other (the others only follow the log). The hook
only queues; a few workers send, so the request that made the change never
waits on a receiver. A failed attempt is tried again after a backoff, on a
timer, so one slow or broken receiver does not hold up the rest.

Pending deliveries (queued, or waiting to be tried again) are kept in this
node's memory: on a stop the queue gets ``STOP_GRACE_S`` to drain, and
whatever is left then is lost (and logged).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Callable

import aiohttp
import orjson
from aiohttp import web

from live.config import Settings
from live.core import webhooks
from live.core.events import Event
from live.core.lecture import Lecture
from live.metrics import Metrics
from live.web.context import lecture_urls

log = logging.getLogger(__name__)

#: Deliveries sent at once.
WORKERS = 4
#: Deliveries a node holds at most (a receiver down for hours must not fill
#: the memory); past it new ones are dropped, logged and counted.
PENDING_MAX = 10_000
#: On a stop, how long what is queued may take to go out.
STOP_GRACE_S = 2.0


@dataclass(eq=False)
class Delivery:
    id: str
    type: str
    url: str
    body: bytes
    attempt: int = 0


class Webhooks:
    def __init__(self, settings: Settings, metrics: Metrics, clock: Callable[[], float] = time.time) -> None:
        if not settings.webhook_secret:
            raise SystemExit("LIVE_WEBHOOK_URLS needs LIVE_WEBHOOK_SECRET: receivers check the signature with it.")
        self.urls = settings.webhook_urls
        self.secret = settings.webhook_secret.encode()
        self.attempts = settings.webhook_attempts
        self.backoff_s = settings.webhook_backoff_s
        self.timeout_s = settings.webhook_timeout_s
        self.base = (settings.public_url or "").rstrip("/")
        self.metrics = metrics
        self.clock = clock
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._retries: dict[Delivery, asyncio.TimerHandle] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None
        #: Queued, being sent, or waiting to be tried again.
        self.pending = 0

    # -- the store's commit hook ---------------------------------------------

    def hook(self, code: str, events: list[Event], before: Lecture) -> None:
        for hook in webhooks.hooks(code, events, before):
            raw = orjson.dumps(webhooks.body(hook, lecture_urls(self.base, code)))
            for url in self.urls:
                self._put(Delivery(hook.id, hook.type, url, raw))

    def _put(self, delivery: Delivery) -> None:
        if self.pending >= PENDING_MAX:
            self.metrics.webhooks["dropped"] += 1
            log.error("webhook %s (%s) to %s dropped: %d deliveries are pending already",
                      delivery.id, delivery.type, delivery.url, self.pending)
            return
        self.pending += 1
        self._queue.put_nowait(delivery)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        self._workers = [asyncio.create_task(self._work(), name=f"webhooks-{i}") for i in range(WORKERS)]

    async def stop(self) -> None:
        for handle in self._retries.values():
            handle.cancel()
        waiting = len(self._retries)
        self._retries.clear()
        try:
            await asyncio.wait_for(self._queue.join(), STOP_GRACE_S)
        except asyncio.TimeoutError:
            pass
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
        if self._session is not None:
            await self._session.close()
        if self.pending:
            log.warning("webhooks: %d deliveries not sent before the stop are lost (%d were waiting for a retry)",
                        self.pending, waiting)

    # -- sending ---------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            delivery = await self._queue.get()
            try:
                await self._attempt(delivery)
            except Exception:  # a bug must not stop the worker
                log.exception("webhook %s to %s failed", delivery.id, delivery.url)
                self._done(delivery, "failed")
            finally:
                self._queue.task_done()

    async def _attempt(self, delivery: Delivery) -> None:
        assert self._session is not None
        delivery.attempt += 1
        t = int(self.clock())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "live-webhooks/1",
            "X-Live-Event": delivery.type,
            "X-Live-Delivery": delivery.id,
            "X-Live-Signature": webhooks.signature(self.secret, t, delivery.body),
        }
        status: int | None = None
        told: float | None = None
        try:
            async with self._session.post(delivery.url, data=delivery.body, headers=headers,
                                          allow_redirects=False) as response:
                status = response.status
                told = webhooks.retry_after(response.headers.get("Retry-After"), self.clock())
            why = f"HTTP {status}"
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            why = type(exc).__name__ + (f": {exc}" if str(exc) else "")
        if status is not None and 200 <= status < 300:
            self._done(delivery, "delivered")
            return
        wait = webhooks.next_wait(status, delivery.attempt, self.attempts, self.backoff_s, told)
        if wait is None:
            log.warning("webhook %s (%s) to %s given up after %d attempt(s): %s", delivery.id, delivery.type,
                        delivery.url, delivery.attempt, why)
            self._done(delivery, "failed")
            return
        self.metrics.webhooks["retried"] += 1
        log.info("webhook %s to %s: %s; attempt %d in %.1f s", delivery.id, delivery.url, why,
                 delivery.attempt + 1, wait)
        self._retries[delivery] = asyncio.get_running_loop().call_later(wait, self._again, delivery)

    def _again(self, delivery: Delivery) -> None:
        del self._retries[delivery]
        self._queue.put_nowait(delivery)

    def _done(self, delivery: Delivery, result: str) -> None:
        self.pending -= 1
        self.metrics.webhooks[result] += 1


WEBHOOKS = web.AppKey("webhooks", Webhooks)
