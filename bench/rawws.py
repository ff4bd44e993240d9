"""A minimal WebSocket client for load generation: asyncio protocols, no
per-frame coroutines, so one process can hold thousands of viewers without
becoming the bottleneck it is meant to measure. Text frames from the server
only (unmasked, unfragmented), which is all the servers under test send."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
from typing import Callable

OnFrame = Callable[["RawClient", bytes], None]


def _masked(payload: bytes, key: bytes) -> bytes:
    # XOR as one big integer: a byte loop in Python would cost more than the
    # server's work for a like or a comment.
    n = len(payload)
    keys = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(keys, "little")).to_bytes(n, "little")


class RawClient(asyncio.Protocol):
    def __init__(self, path: str, host: str, on_frame: OnFrame) -> None:
        self.path, self.host, self.on_frame = path, host, on_frame
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.upgraded = False
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        #: Set by whoever reads the frames once the server has welcomed this client.
        self.welcomed: asyncio.Future[float] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.close_code: int | None = None
        #: Why the connection ended: None (still open or closed cleanly) or the error (a reset).
        self.lost: Exception | None = None
        self.received = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        key = base64.b64encode(os.urandom(16)).decode()
        self.transport.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        buf = self.buf
        buf += data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buf[:12])
            del buf[: end + 4]
            if b" 101" not in status:
                self.opened.set_exception(ConnectionError(status.decode(errors="replace")))
                self.transport.close()  # type: ignore[union-attr]
                return
            self.upgraded = True
            self.opened.set_result(None)
        # Parse every whole frame, then cut the buffer once: many small frames
        # often arrive in one read.
        pos, end = 0, len(buf)
        while end - pos >= 2:
            opcode, n = buf[pos] & 0x0F, buf[pos + 1] & 0x7F
            start = pos + 2
            if n == 126:
                if end - pos < 4:
                    break
                n, start = struct.unpack_from("!H", buf, pos + 2)[0], pos + 4
            elif n == 127:
                if end - pos < 10:
                    break
                n, start = struct.unpack_from("!Q", buf, pos + 2)[0], pos + 10
            if end < start + n:
                break
            payload = bytes(buf[start : start + n])
            pos = start + n
            if opcode == 1:
                self.on_frame(self, payload)
            elif opcode == 8:
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                self.transport.close()  # type: ignore[union-attr]
            elif opcode == 9:
                self.send(payload, opcode=0xA)
        if pos:
            del buf[:pos]

    def send(self, payload: bytes, opcode: int = 1) -> None:
        t = self.transport
        if t is None or t.is_closing():
            return
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        t.write(header + mask + _masked(payload, mask))

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = exc
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during handshake"))
        if not self.welcomed.done():
            self.welcomed.set_exception(exc or ConnectionError("closed before the welcome"))
            self.welcomed.exception()  # retrieved: nobody may be waiting any more
        if not self.closed.done():
            self.closed.set_result(None)


async def connect(host: str, port: int, path: str, on_frame: OnFrame, rcvbuf: int | None = None) -> RawClient:
    """Open a WebSocket; ``rcvbuf`` shrinks the socket's receive buffer, so
    that a client that stops reading stops the server's writes soon (the
    kernel would otherwise soak up megabytes on loopback)."""
    loop = asyncio.get_running_loop()
    factory = lambda: RawClient(path, f"{host}:{port}", on_frame)  # noqa: E731
    if rcvbuf is None:
        _, client = await loop.create_connection(factory, host, port)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, (host, port))
        except OSError:
            sock.close()
            raise
        _, client = await loop.create_connection(factory, sock=sock)
    await client.opened
    return client
