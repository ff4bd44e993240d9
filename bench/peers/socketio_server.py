"""python-socketio on aiohttp: viewers join a room, a comment is
``emit``ted to the room.

    python -m bench.peers.socketio_server --port 8092

``AsyncServer(async_mode="aiohttp")`` with its defaults (Engine.IO pings
every 25 s); every client joins the room ``lecture`` on connect; a
client's ``comment`` event is emitted to the room as ``comment`` with the
comment record. permessage-deflate: Engine.IO's aiohttp driver leaves
aiohttp's default, which only compresses when the client offers it, and
the load generator does not."""

from __future__ import annotations

from typing import Any

import socketio
from aiohttp import web

from bench.peers import record, serve

sio = socketio.AsyncServer(async_mode="aiohttp")
seq = 0


@sio.event
async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
    await sio.enter_room(sid, "lecture")


@sio.on("comment")
async def comment(sid: str, data: dict[str, Any]) -> None:
    global seq
    seq += 1
    await sio.emit("comment", record(seq, data["text"]), room="lecture")


if __name__ == "__main__":
    app = web.Application()
    sio.attach(app)
    serve(app, __doc__)
