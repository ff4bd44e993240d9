"""One total across places: viewer pages and widgets counted, by source;
displays (the overlay, the big screen) not counted at all."""

from __future__ import annotations

import asyncio

from tests.conftest import recv


async def test_visits_and_online_by_source_leave_displays_out(server, lecture):
    code = lecture["code"]
    conns = [
        await server.connect(code),
        await server.connect(code, source="widget", origin="https://mp.weixin.qq.com"),
        await server.connect(code, source="widget", origin="https://MP.weixin.qq.com:443/"),
        await server.connect(code, source="widget", origin="not an origin"),
        await server.connect(code, role="display"),
        await server.connect(code, role="display", source="widget", origin="https://x.example"),
    ]
    for ws in conns:
        await recv(ws, "welcome")
    expected = {"page": {"visits": 1, "online": 1}, "widget": {"visits": 1, "online": 1},
                "widget:https://mp.weixin.qq.com": {"visits": 2, "online": 2}}
    for _ in range(100):
        status, stats = await server.request("GET", f"/api/v1/lectures/{code}/stats")
        if stats["online"] == 4 and stats["sources"] == expected:
            break
        await asyncio.sleep(0.05)
    assert stats["online"] == 4 and stats["visits"] == 4 and stats["unique_viewers"] == 4
    assert stats["sources"] == expected
    # The counters frames stay small: the breakdown is in the stats API and the report.
    assert "sources" not in await recv(conns[0], "counters")
    status, report = await server.request("GET", f"/api/v1/lectures/{code}/export?format=json",
                                          token=server.admin_token)
    assert report["sources"]["widget:https://mp.weixin.qq.com"]["visits"] == 2
    async with server.http.get(f"{server.url}/api/v1/lectures/{code}/export?format=md",
                               headers={"Authorization": f"Bearer {server.admin_token}"}) as r:
        md = await r.text()
    assert "观看页 1人次" in md and "嵌入 mp.weixin.qq.com 2人次" in md
    for ws in conns[1:3]:
        await ws.close()
    for _ in range(100):
        status, stats = await server.request("GET", f"/api/v1/lectures/{code}/stats")
        if stats["sources"]["widget:https://mp.weixin.qq.com"]["online"] == 0:
            break
        await asyncio.sleep(0.05)
    assert stats["sources"]["widget:https://mp.weixin.qq.com"] == {"visits": 2, "online": 0}
    assert stats["online"] == 2
