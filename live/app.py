"""The application factory and the process lifecycle (start, drain, stop)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import Awaitable, Callable

from aiohttp import WSCloseCode, web

from live.config import Settings
from live.metrics import Metrics
from live.protocol import Limits
from live.realtime.embedded import EmbeddedStore
from live.realtime.hub import Hub
from live.realtime.store import Store
from live.routes import add_routes
from live.web import pages
from live.web.api import BODY_MAX
from live.web.auth import load_keys, share_keys
from live.web.context import SERVICES, Services
from live.web.middleware import errors, security_headers
from live.web.guard import AddressGuard
from live.web.retention import RETENTION, Retention
from live.web.statics import StaticFiles
from live.web.webhooks import WEBHOOKS, Webhooks

log = logging.getLogger("live")


def make_store(settings: Settings) -> Store:
    if settings.redis_url:
        from live.realtime.redis_store import RedisStore

        return RedisStore(settings)
    return EmbeddedStore(settings)


def build_app(settings: Settings) -> web.Application:
    store = make_store(settings)
    statics = StaticFiles(pages.STATIC_DIR)
    metrics = Metrics()
    svc = Services(
        settings=settings,
        store=store,
        hub=Hub(store, tick_ms=settings.tick_ms, counters_ms=settings.counters_ms,
                send_buffer_bytes=settings.send_buffer_bytes, metrics=metrics, sample_s=settings.sample_s),
        metrics=metrics,
        keys=load_keys(settings.data_path, settings.admin_token),
        templates=pages.templates(),
        limits=Limits(settings.comment_max, settings.question_max, settings.nickname_max),
        statics=statics,
        static_versions=statics.versions(),
        guard=AddressGuard(settings.ip_connections_max, settings.ip_message_rate, settings.ip_message_burst,
                           time.monotonic),
    )
    app = web.Application(middlewares=[security_headers, errors], client_max_size=BODY_MAX)
    app[SERVICES] = svc
    app[RETENTION] = Retention(store, settings.retention_check_s, metrics)
    if settings.webhook_urls:
        app[WEBHOOKS] = webhooks = Webhooks(settings, metrics)
        store.on_commit(webhooks.hook)
    add_routes(app)
    app.on_startup.append(_startup)
    app.on_shutdown.append(_shutdown)
    app.on_cleanup.append(_cleanup)
    return app


async def _startup(app: web.Application) -> None:
    svc = app[SERVICES]
    await svc.store.open()
    shared = getattr(svc.store, "shared", None)
    if shared is not None:
        svc.keys = await share_keys(svc.keys, svc.settings.admin_token, shared, svc.settings.data_path)
    svc.hub.start()
    if WEBHOOKS in app:
        app[WEBHOOKS].start()
    app[RETENTION].start()


async def _shutdown(app: web.Application) -> None:
    # Tell every client to go elsewhere (1012: service restart); they resume
    # from their last seq on whichever node answers.
    svc = app[SERVICES]
    svc.draining = True
    await svc.hub.close_all(WSCloseCode.SERVICE_RESTART, b"node restarting")


async def _cleanup(app: web.Application) -> None:
    svc = app[SERVICES]
    await app[RETENTION].stop()
    await svc.hub.stop()
    await svc.store.close()
    if WEBHOOKS in app:  # last: closing the store commits writes that may make webhooks
        await app[WEBHOOKS].stop()


def bound_port(runner: web.AppRunner) -> int:
    for site in runner.sites:
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            return server.sockets[0].getsockname()[1]
    raise RuntimeError("not listening")


async def serve(settings: Settings, on_ready: Callable[[web.Application, str], Awaitable[None]] | None = None) -> None:
    """Run a node until SIGTERM or SIGINT, then drain: stop accepting,
    close every WebSocket with 1012, flush what was accepted, return."""
    app = build_app(settings)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=max(settings.shutdown_s - 3, 1),
                           access_log=None)
    await runner.setup()
    # A reconnect or join storm brings thousands of handshakes at once; the
    # default backlog of 128 would have the kernel drop most of them.
    site = web.TCPSite(runner, settings.host, settings.port, reuse_address=True, backlog=4096)
    await site.start()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    base = settings.public_url or f"http://{host}:{bound_port(runner)}"
    svc = app[SERVICES]
    where = f"Redis at {settings.redis_url}" if settings.redis_url else f"embedded store in {settings.data_path.resolve()}"
    print(f"live: serving on {base} ({where})", flush=True)
    if svc.keys.generated:
        print(f"live: admin token (kept in {settings.data_path / 'admin_token'}): {svc.keys.admin_token}", flush=True)
    if on_ready is not None:
        await on_ready(app, base)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print("live: draining", flush=True)
    try:
        await asyncio.wait_for(runner.cleanup(), settings.shutdown_s)
    except asyncio.TimeoutError:
        log.error("drain took longer than %.0f s; flushing the store and exiting", settings.shutdown_s)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(svc.store.close(), 1.5)
    print("live: stopped", flush=True)


def run(coro: Awaitable[None]) -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)  # type: ignore[arg-type]
    else:
        uvloop.run(coro)  # type: ignore[arg-type]
