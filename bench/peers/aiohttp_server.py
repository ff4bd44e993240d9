"""The plain aiohttp loop: a set of sockets, and for each comment one
``await ws.send_str(...)`` per viewer.

    python -m bench.peers.aiohttp_server --port 8091

``/ws``: a ``{"type":"welcome"}`` on connect; a client's
``{"type":"comment","text":…}`` is broadcast to everyone as
``{"type":"comment","comment":{…}}``, encoded once. Same WebSocket
heartbeat as `live` (30 s); permessage-deflate declined."""

from __future__ import annotations

import json

from aiohttp import WSMsgType, web

from bench.peers import record, serve

sockets: set[web.WebSocketResponse] = set()
seq = 0


async def websocket(request: web.Request) -> web.WebSocketResponse:
    global seq
    ws = web.WebSocketResponse(heartbeat=30.0, compress=False)
    await ws.prepare(request)
    await ws.send_str('{"type":"welcome"}')
    sockets.add(ws)
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            data = json.loads(msg.data)
            if data.get("type") == "comment":
                seq += 1
                payload = json.dumps({"type": "comment", "comment": record(seq, data["text"])},
                                     ensure_ascii=False, separators=(",", ":"))
                for other in tuple(sockets):
                    if not other.closed:
                        await other.send_str(payload)
    finally:
        sockets.discard(ws)
    return ws


if __name__ == "__main__":
    app = web.Application()
    app.router.add_get("/ws", websocket)
    serve(app, __doc__)
