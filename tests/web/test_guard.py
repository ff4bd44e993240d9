"""The per-address backstop: connections and messages from one address."""

from __future__ import annotations

import json

import pytest
import websockets

from tests.conftest import recv, start_server, stop_server


async def test_one_address_cannot_hold_too_many_sockets_or_flood(tmp_path):
    server = await start_server(tmp_path / "data", ip_connections_max=3, ip_message_rate=1.0, ip_message_burst=4,
                                comment_rate=1e6, comment_burst=10**6)
    try:
        code = (await server.create_lecture())["code"]
        socks = [await server.connect(code) for _ in range(3)]
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            await server.connect(code)
        assert refused.value.response.status_code == 429
        await socks.pop().close()
        for _ in range(50):  # the server notices the close
            try:
                socks.append(await server.connect(code))
                break
            except websockets.exceptions.InvalidStatus:
                import asyncio
                await asyncio.sleep(0.05)
        ws = socks[0]
        await recv(ws, "welcome")
        codes = []
        for i in range(6):  # many viewers behind one address share its allowance
            await ws.send(json.dumps({"type": "comment", "id": i, "text": f"第{i}条"}))
            ack = await recv(ws, "ack")
            codes.append("ok" if ack["ok"] else ack["error"]["code"])
        assert codes[:4] == ["ok"] * 4 and codes[4:] == ["rate_limited"] * 2
    finally:
        await stop_server(server)
