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
