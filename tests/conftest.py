"""Fixtures that run the real server: in this test's event loop on a real
port (``server``), or as a real ``live serve`` process (``live_server``)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import weakref
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Iterator
from urllib.parse import urlencode

import aiohttp
import pytest
import websockets
from aiohttp import web

from live import config
from live.app import bound_port, build_app
from live.web.context import SERVICES, Services

ADMIN = "test-admin-token"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Server:
    """A node running in the test's event loop, reached over real sockets."""

    url: str
    app: web.Application
    runner: web.AppRunner
    http: aiohttp.ClientSession
    admin_token: str = ADMIN
    sockets: list[Any] = field(default_factory=list)

    @property
    def svc(self) -> Services:
        return self.app[SERVICES]

    def ws_url(self, code: str, **params: Any) -> str:
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return self.url.replace("http", "ws", 1) + f"/ws/{code}" + (f"?{query}" if query else "")

    async def connect(self, code: str, *, headers: dict[str, str] | None = None, **params: Any) -> Any:
        # max_queue=None: a test that stops reading must not make websockets
        # stop reading the socket too, or the close handshake waits 10 s.
        ws = await websockets.connect(self.ws_url(code, **params), additional_headers=headers, max_size=2**24,
                                      max_queue=None)
        self.sockets.append(ws)
        return ws

    async def request(self, method: str, path: str, body: Any = None, token: str | None = None,
                      raw: bytes | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        async with self.http.request(method, self.url + path, data=data, headers=headers) as r:
            text = await r.text()
            try:
                return r.status, json.loads(text)
            except ValueError:
                return r.status, text

    async def create_lecture(self, **fields: Any) -> dict[str, Any]:
        fields.setdefault("title", "“劳模精神”大家谈")
        status, body = await self.request("POST", "/api/v1/lectures", fields, token=self.admin_token)
        assert status == 201, body
        return body

    async def moderate(self, code: str, path: str, body: Any = None) -> tuple[int, Any]:
        return await self.request("POST", f"/api/v1/lectures/{code}/{path}", body or {}, token=self.admin_token)


def settings_for(data_dir: Path, **overrides: Any) -> config.Settings:
    base = dict(host="127.0.0.1", port=0, data_dir=str(data_dir), admin_token=ADMIN, tick_ms=20, counters_ms=50,
                sqlite_synchronous="NORMAL")
    base.update(overrides)
    return config.Settings(**base)


# -- a real redis-server ---------------------------------------------------------

@dataclass
class RedisServer:
    port: int
    dir: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, *extra: str) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server): the Redis tests need it")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
             "--appendonly", "no", "--logfile", str(self.dir / "redis.log"), *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:  # e.g. the port was taken meanwhile
                raise RuntimeError(f"redis-server exited: {(self.dir / 'redis.log').read_text()[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    # Ask for the pid: a Redis of someone else's on this port must not pass for ours.
                    s.sendall(b"INFO server\r\n")
                    if f"process_id:{self.proc.pid}".encode() in s.recv(65536):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on {self.port}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(10)
        self.proc = None

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
            s.sendall(b"FLUSHALL\r\n")
            assert s.recv(16).startswith(b"+OK")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(free_port(), tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


BACKENDS = ["embedded", "redis"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings that choose a backend: every contract test runs on both."""
    if request.param == "embedded":
        return {}
    redis = request.getfixturevalue("redis_server")
    redis.flush()
    return {"redis_url": redis.url}


async def start_server(data_dir: Path, **overrides: Any) -> Server:
    app = build_app(settings_for(data_dir, **overrides))
    runner = web.AppRunner(app, shutdown_timeout=2, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return Server(f"http://127.0.0.1:{bound_port(runner)}", app, runner, aiohttp.ClientSession())


async def stop_server(server: Server) -> None:
    """Stop a test node. Teardown is not what is under test (the drain has
    its own tests): a client's close handshake or a request handler that
    does not finish must not hang the suite, so each step is bounded and,
    past the bound, the app's own cleanup runs directly and what was still
    pending is logged."""
    import asyncio
    import logging

    closing = [asyncio.ensure_future(ws.close()) for ws in server.sockets]
    if closing:
        _, late = await asyncio.wait(closing, timeout=3)
        for task in late:
            task.cancel()
        for ws in server.sockets:
            if ws.transport is not None and not ws.transport.is_closing():
                ws.transport.abort()
    await server.http.close()
    try:
        await asyncio.wait_for(server.runner.cleanup(), 15)
    except asyncio.TimeoutError:
        pending = [t.get_coro() for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        logging.getLogger("tests").warning("server cleanup did not finish in 15 s; still pending: %s", pending)
        svc = server.svc
        await asyncio.wait_for(svc.hub.stop(), 5)
        await asyncio.wait_for(svc.store.close(), 5)


UNLIMITED = dict(comment_rate=1e6, comment_burst=10**6, question_rate=1e6, question_burst=10**6,
                 like_rate=1e9, like_burst=10**9)


@pytest.fixture
async def server(tmp_path: Path, backend: dict[str, Any]) -> AsyncIterator[Server]:
    s = await start_server(tmp_path / "data", **backend)
    try:
        yield s
    finally:
        await stop_server(s)


@pytest.fixture
async def unlimited(tmp_path: Path, backend: dict[str, Any]) -> AsyncIterator[Server]:
    """A server whose viewers are not rate-limited, for tests that send many messages."""
    s = await start_server(tmp_path / "data-unlimited", **backend, **UNLIMITED)
    try:
        yield s
    finally:
        await stop_server(s)


@pytest.fixture
async def embedded_unlimited(tmp_path: Path) -> AsyncIterator[Server]:
    """For tests of the embedded store's own machinery."""
    s = await start_server(tmp_path / "data-embedded", **UNLIMITED)
    try:
        yield s
    finally:
        await stop_server(s)


@pytest.fixture
async def lecture(server: Server) -> dict[str, Any]:
    return await server.create_lecture(
        speakers=[{"name": "陈亮", "title": "全国劳动模范候选人"}, {"name": "唐忠宝"}],
        starts_at="2026-04-21T19:00:00+08:00",
    )


_skipped: "weakref.WeakKeyDictionary[Any, list[dict[str, Any]]]" = weakref.WeakKeyDictionary()


async def recv(ws: Any, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next frame of this type. Frames of other types read on the way
    are kept, in order, for later calls: an events frame that arrives just
    before an ack must not be lost to the test that waits for the ack."""
    import asyncio

    kept = _skipped.setdefault(ws, [])
    for i, frame in enumerate(kept):
        if frame["type"] == kind:
            return kept.pop(i)

    async def wait() -> dict[str, Any]:
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame
            kept.append(frame)

    return await asyncio.wait_for(wait(), timeout)


async def recv_events(ws: Any, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while len(events) < count:
        events.extend((await recv(ws, "events", timeout))["events"])
    return events


# -- a real `live serve` process -----------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveProcess:
    url: str
    data_dir: Path
    proc: subprocess.Popen[str]
    admin_token: str = ADMIN

    @property
    def output(self) -> str:
        return (self.data_dir / "serve.log").read_text()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.admin_token}", "Content-Type": "application/json"},
            method=method,
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def create_lecture(self, **fields: Any) -> dict[str, Any]:
        fields.setdefault("title", "“劳模精神”大家谈")
        return self.call("POST", "/api/v1/lectures", fields)

    def moderate(self, code: str, path: str, body: Any = None) -> Any:
        return self.call("POST", f"/api/v1/lectures/{code}/{path}", body or {})

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout)


def spawn(data_dir: Path, port: int | None = None, *, admin_token: str | None = ADMIN, **env: str) -> LiveProcess:
    port = port or free_port()
    environ = {**os.environ, "LIVE_TICK_MS": "50", "PYTHONUNBUFFERED": "1", **env}
    environ.pop("LIVE_ADMIN_TOKEN", None)
    if admin_token:
        environ["LIVE_ADMIN_TOKEN"] = admin_token
    data_dir.mkdir(parents=True, exist_ok=True)
    log = open(data_dir / "serve.log", "a")  # a file, not a pipe nobody reads: the server never blocks on it
    proc = subprocess.Popen(
        [sys.executable, "-m", "live", "serve", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=log, stderr=subprocess.STDOUT, text=True, env=environ, cwd=ROOT,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"live serve exited early:\n{(data_dir / 'serve.log').read_text()}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=1):
                return LiveProcess(url, data_dir, proc, admin_token or "")
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("live serve did not become ready in 20 s")


@contextmanager
def spawned(data_dir: Path, **env: str) -> Iterator[LiveProcess]:
    """A ``live serve`` process for the length of a test, killed if it is still up."""
    process = spawn(data_dir, **env)
    try:
        yield process
    finally:
        if process.proc.poll() is None:
            process.proc.kill()
            process.proc.wait()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveProcess]:
    with spawned(tmp_path / "live-data") as process:
        yield process
