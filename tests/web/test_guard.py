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


async def test_a_full_node_sheds_newcomers_with_1013_and_a_hint(tmp_path):
    server = await start_server(tmp_path / "data", connections_max=2)
    try:
        code = (await server.create_lecture())["code"]
        kept = [await server.connect(code) for _ in range(2)]
        for ws in kept:
            await recv(ws, "welcome")
        extra = await server.connect(code)
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            await extra.recv()
        assert closed.value.rcvd.code == 1013 and "retry in 5 s" in closed.value.rcvd.reason
        await kept[0].close()
        import asyncio
        for _ in range(50):
            again = await server.connect(code)
            try:
                assert json.loads(await again.recv())["type"] == "welcome"
                break
            except websockets.exceptions.ConnectionClosed:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError("a place freed up but newcomers are still shed")
    finally:
        await stop_server(server)
