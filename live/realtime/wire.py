"""Writing one pre-encoded WebSocket frame to many connections.

aiohttp's ``send_str`` builds a frame per call and is a coroutine per
viewer; fan-out instead builds the frame bytes once (server frames are not
masked, and permessage-deflate is declined, so they are the same for every
viewer) and writes them straight to each transport. aiohttp writes its own
frames to the same transport synchronously, whole, so the two never
interleave inside a frame.
"""

from __future__ import annotations

import asyncio
import socket
import struct

from aiohttp import web


def text_frame(payload: bytes) -> bytes:
    """An unmasked, final WebSocket text frame carrying ``payload``."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x81, n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x81, 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 127, n)
    return header + payload


def transport_of(ws: web.WebSocketResponse) -> asyncio.Transport:
    writer = ws._writer  # noqa: SLF001 - the one place that reaches into aiohttp
    if writer is None:
        raise RuntimeError("the WebSocket is not prepared")
    return writer.transport


#: The kernel's send buffer per viewer socket. Linux grows it on its own up to
#: ``tcp_wmem``'s 4 MiB, which a phone that stops reading would hold on to;
#: kept small, what a slow client costs is this plus ``send_buffer_bytes``
#: queued in the transport, and the cut comes that much sooner.
SNDBUF_BYTES = 64 * 1024


def bound_kernel_buffer(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SNDBUF_BYTES)


def reset(transport: asyncio.BaseTransport) -> None:
    """Drop a connection and what the kernel still holds for it (a plain
    abort leaves the queued bytes to drain to a client that is not reading)."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
