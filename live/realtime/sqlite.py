"""One SQLite connection on its own thread: writes batched into one commit.

The event loop never waits on the disk. Callers queue statements; the
thread takes everything queued (up to ``batch_max``), runs it in one
transaction, commits, and only then resolves the callers' futures, in
order, on the loop (running each ``on_commit`` first, so events reach the
broker in seq order). A read queued behind writes sees them.

Writers apply a change in memory before it is queued, so a write queued
behind a failed one may build on it (the next seq). A failed batch
therefore fails every write queued until the loop has heard of the failure
(``on_failure`` runs there first and discards what memory ran ahead with);
writes are told apart by the ``generation`` they were queued in.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

Statement = tuple[str, Sequence[Any]]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lectures (
    code TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    likes INTEGER NOT NULL DEFAULT 0,
    visits INTEGER NOT NULL DEFAULT 0,
    peak_online INTEGER NOT NULL DEFAULT 0,
    forgotten_viewers INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS events (
    code TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL,
    private INTEGER NOT NULL, author TEXT, at REAL NOT NULL, by TEXT,
    PRIMARY KEY (code, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS votes (
    code TEXT NOT NULL, question TEXT NOT NULL, viewer TEXT NOT NULL,
    PRIMARY KEY (code, question, viewer)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS viewers (
    code TEXT NOT NULL, viewer TEXT NOT NULL, PRIMARY KEY (code, viewer)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS samples (
    code TEXT NOT NULL, t INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (code, t)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS visits (
    code TEXT NOT NULL, source TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (code, source)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS poll_answers (
    code TEXT NOT NULL, poll TEXT NOT NULL, viewer TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (code, poll, viewer)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS acks (
    code TEXT NOT NULL, viewer TEXT NOT NULL, cid TEXT NOT NULL, ack TEXT NOT NULL, at REAL NOT NULL,
    PRIMARY KEY (code, viewer, cid)
);
"""


@dataclass
class _Job:
    future: asyncio.Future[Any]
    statements: Sequence[Statement] = ()
    read: Callable[[sqlite3.Connection], Any] | None = None
    #: Run after the batch's commit, outside any transaction (a checkpoint).
    after: Callable[[sqlite3.Connection], Any] | None = None
    on_commit: Callable[[], None] | None = None
    generation: int = 0
    result: Any = None
    error: BaseException | None = field(default=None)


_STOP = object()


class SqliteWriter:
    def __init__(self, path: Path, *, synchronous: str = "FULL", batch_max: int = 512,
                 on_failure: Callable[[], None] | None = None) -> None:
        self.path = path
        self.synchronous = synchronous
        self.batch_max = batch_max
        self.on_failure = on_failure
        #: Loop side: the generation new writes are queued in.
        self.generation = 0
        #: Thread side: writes of this generation or older fail unrun.
        self._failed_generation = -1
        self._failure: BaseException | None = None
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.failed: BaseException | None = None
        self.commits = 0

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        ready: asyncio.Future[None] = self._loop.create_future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="live-sqlite", daemon=True)
        self._thread.start()
        await ready

    def write(self, statements: Sequence[Statement], on_commit: Callable[[], None] | None = None) -> asyncio.Future[Any]:
        assert self._loop is not None
        job = _Job(self._loop.create_future(), statements=statements, on_commit=on_commit,
                   generation=self.generation)
        self._queue.put(job)
        return job.future

    def read(self, fn: Callable[[sqlite3.Connection], Any]) -> asyncio.Future[Any]:
        assert self._loop is not None
        job = _Job(self._loop.create_future(), read=fn)
        self._queue.put(job)
        return job.future

    def checkpoint(self) -> asyncio.Future[Any]:
        """Copy the write-ahead log into the database and empty it, once
        everything queued before is committed."""
        assert self._loop is not None
        job = _Job(self._loop.create_future(),
                   after=lambda conn: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
        self._queue.put(job)
        return job.future

    async def stop(self) -> None:
        """Commit everything queued so far, then close the connection."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join)
        self._thread = None

    # -- the thread ----------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        conn.execute("PRAGMA busy_timeout=5000")
        # Deleted content is overwritten, not left in free space: a retention
        # purge must really forget.
        conn.execute("PRAGMA secure_delete=ON")
        conn.executescript(SCHEMA)
        _migrate(conn)
        return conn

    def _run(self, ready: asyncio.Future[None]) -> None:
        assert self._loop is not None
        try:
            conn = self._connect()
        except BaseException as exc:  # reported to start(), which raises it
            self._loop.call_soon_threadsafe(ready.set_exception, exc)
            return
        self._loop.call_soon_threadsafe(ready.set_result, None)
        stopping = False
        while not stopping:
            batch = [self._queue.get()]
            while len(batch) < self.batch_max:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if _STOP in batch:
                stopping = True
                batch = [job for job in batch if job is not _STOP]
            if batch:
                self._run_batch(conn, batch)
        conn.close()

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        assert self._loop is not None
        stale = [job for job in batch if job.read is None and job.after is None
                 and job.generation <= self._failed_generation]
        for job in stale:
            job.error = self._failure
        batch_run = [job for job in batch if job.error is None and job.after is None]
        if batch_run:
            self._commit(conn, batch_run)
        for job in batch:
            if job.after is not None:
                try:
                    job.result = job.after(conn)
                except sqlite3.Error as exc:
                    job.error = exc
        self._loop.call_soon_threadsafe(self._settle, batch)

    def _commit(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        try:
            conn.execute("BEGIN")
            for job in batch:
                if job.read is not None:
                    job.result = job.read(conn)
                else:
                    for sql, params in job.statements:
                        conn.execute(sql, params)
            conn.execute("COMMIT")
            self.commits += 1
            self.failed = None
        except BaseException as exc:  # a failed batch fails every job in it: nothing half-written is acknowledged
            self.failed = self._failure = exc
            self._failed_generation = max(job.generation for job in batch)
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            for job in batch:
                job.error = exc

    def _settle(self, batch: list[_Job]) -> None:
        if any(job.error is not None for job in batch) and self.generation <= self._failed_generation:
            if self.on_failure is not None:
                self.on_failure()
            self.generation = self._failed_generation + 1
        _resolve(batch)


def _resolve(batch: list[_Job]) -> None:
    for job in batch:
        # What was committed is published even if its caller has gone away.
        if job.error is None and job.on_commit is not None:
            job.on_commit()
        if job.future.cancelled():
            continue
        if job.error is not None:
            job.future.set_exception(job.error)
        else:
            job.future.set_result(job.result)


def _migrate(conn: sqlite3.Connection) -> None:
    """Columns added since a data directory was first made."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
    if "by" not in columns:
        conn.execute("ALTER TABLE events ADD COLUMN by TEXT")
        conn.commit()
    columns = {row[1] for row in conn.execute("PRAGMA table_info(lectures)")}
    if "forgotten_viewers" not in columns:
        conn.execute("ALTER TABLE lectures ADD COLUMN forgotten_viewers INTEGER NOT NULL DEFAULT 0")
