"""When the disk refuses a write: the client is told `unavailable`, and
nothing of it is kept or shown, in memory or on disk."""

from __future__ import annotations

import json
import sqlite3

from tests.conftest import recv


async def test_a_failed_commit_is_refused_and_leaves_no_trace(embedded_unlimited):
    server = embedded_unlimited
    code = (await server.create_lecture())["code"]
    ws, watcher = await server.connect(code), await server.connect(code)
    await recv(ws, "welcome"), await recv(watcher, "welcome")
    await ws.send(json.dumps({"type": "comment", "id": "ok-1", "text": "第一条"}))
    assert (await recv(ws, "ack"))["ok"]

    db = server.svc.store.db
    real_write = db.write

    def failing_write(statements, on_commit=None):
        # A statement the disk refuses, in the same transaction as the real ones.
        return real_write([*statements, ("INSERT INTO no_such_table VALUES (1)", ())], on_commit)

    db.write = failing_write
    await ws.send(json.dumps({"type": "comment", "id": "lost", "text": "写不进去"}))
    ack = await recv(ws, "ack")
    assert ack["ok"] is False and ack["error"]["code"] == "unavailable"
    db.write = real_write

    await ws.send(json.dumps({"type": "comment", "id": "ok-2", "text": "第二条"}))
    ack = await recv(ws, "ack")
    assert ack["ok"] and ack["record"]["seq"] == 2  # the failed one's seq was not spent
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/comments")
    assert [c["text"] for c in body["comments"]] == ["第一条", "第二条"]
    events = []
    while len(events) < 2:
        events += (await recv(watcher, "events"))["events"]
    assert [e["data"]["text"] for e in events] == ["第一条", "第二条"]
    # the retry of the refused message, now that the disk works, goes through once
    await ws.send(json.dumps({"type": "comment", "id": "lost", "text": "写不进去"}))
    assert (await recv(ws, "ack"))["ok"]
    rows = sqlite3.connect(server.svc.settings.data_path / "live.db").execute(
        "SELECT seq FROM events WHERE code = ? ORDER BY seq", (code,)).fetchall()
    assert rows == [(1,), (2,), (3,)]


async def test_writes_queued_behind_a_failure_fail_too_so_seq_stays_gapless(embedded_unlimited):
    """Writes in flight behind a failed one were given the seqs after it;
    committing them would leave a hole in the log. They are refused too,
    and everything acknowledged is on disk without a gap."""
    import asyncio

    server = embedded_unlimited
    code = (await server.create_lecture())["code"]
    clients = [await server.connect(code) for _ in range(8)]
    for ws in clients:
        await recv(ws, "welcome")
    db = server.svc.store.db
    real_write = db.write
    failed_once = False

    def fail_first(statements, on_commit=None):
        nonlocal failed_once
        if not failed_once and any("INSERT INTO events" in sql for sql, _ in statements):
            failed_once = True
            # Slow, then failing: meanwhile the others queue writes behind it.
            slow = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
                    "SELECT count(*) FROM c", ())
            statements = [*statements, slow, ("INSERT INTO no_such_table VALUES (1)", ())]
        return real_write(statements, on_commit)

    db.write = fail_first
    await clients[0].send(json.dumps({"type": "comment", "id": "first", "text": "first"}))
    await asyncio.sleep(0.05)  # its batch is running (slowly) on the writer thread
    for round_ in range(5):
        for i, ws in enumerate(clients):
            await ws.send(json.dumps({"type": "comment", "id": f"{round_}-{i}", "text": f"{round_}-{i}"}))
    acks = [await recv(clients[0], "ack")]
    acks += [await recv(ws, "ack") for _ in range(5) for ws in clients]
    db.write = real_write
    ok = sorted(a["record"]["seq"] for a in acks if a["ok"])
    refused = [a for a in acks if not a["ok"]]
    assert refused and all(a["error"]["code"] == "unavailable" for a in refused)
    rows = sqlite3.connect(server.svc.settings.data_path / "live.db").execute(
        "SELECT seq, data FROM events WHERE code = ? ORDER BY seq", (code,)).fetchall()
    assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1)), "a gap in the stored log"
    assert ok == [seq for seq, _ in rows], "every ok ack is on disk, and nothing else is"
