"""Clients that stop reading or die silently cannot hold the server's memory."""

from __future__ import annotations

import asyncio
import base64
import os
import socket

from live.core.identity import mint
from live.protocol import PostComment
from tests.conftest import Server, start_server, stop_server


async def silent_client(server: Server, code: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads
    again (a phone in a tunnel, a hung tab): a tiny receive buffer, so the
    server's own buffer is what fills."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", int(server.url.rsplit(":", 1)[1])))
    key = base64.b64encode(os.urandom(16)).decode()
    await loop.sock_sendall(sock, (f"GET /ws/{code} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                                   f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = await loop.sock_recv(sock, 1024)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


async def until(predicate, seconds: float) -> bool:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


async def test_a_client_that_stops_reading_is_cut_off_not_buffered(tmp_path):
    server = await start_server(tmp_path / "data", send_buffer_bytes=64 * 1024, heartbeat_s=600.0,
                                comment_rate=1e6, comment_burst=10**6)
    try:
        code = (await server.create_lecture())["code"]
        sock = await silent_client(server, code)
        hub, store = server.svc.hub, server.svc.store
        assert await until(lambda: hub.connections == 1, 5)
        author, text = mint(server.svc.keys.secret), "劳模精神" * 70  # ~840 bytes a frame
        sent = 0
        while hub.connections and sent < 20_000:
            await asyncio.gather(*(store.submit(code, author, PostComment(None, f"{text}{sent + i}", None))
                                   for i in range(200)))
            sent += 200
            await asyncio.sleep(0.05)  # ticks go out
        assert hub.connections == 0, f"still connected after {sent} comments"
        assert hub.metrics.slow_consumers_cut == 1
        # The wall went on for everyone else: a new viewer gets it at once.
        ws = await server.connect(code)
        assert "welcome" in await asyncio.wait_for(ws.recv(), 5)
        sock.close()
    finally:
        await stop_server(server)


async def test_a_dead_connection_is_found_by_the_heartbeat_and_freed(tmp_path):
    server = await start_server(tmp_path / "data", heartbeat_s=0.3)
    try:
        code = (await server.create_lecture())["code"]
        sock = await silent_client(server, code)  # never answers a ping
        hub = server.svc.hub
        assert await until(lambda: hub.connections == 1, 5)
        assert await until(lambda: hub.connections == 0, 5), "the silent connection was never dropped"
        status, stats = await server.request("GET", f"/api/v1/lectures/{code}/stats")
        assert stats["online"] == 0
        sock.close()
    finally:
        await stop_server(server)
