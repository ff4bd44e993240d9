"""The figures afterwards, end to end on both backends: viewers on real
WebSockets comment, ask, vote and like; the dashboard's numbers are then
what they did; the catalogue's CSV parses back and its totals add up."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any, AsyncIterator
from urllib.parse import quote

import pytest

from tests.conftest import UNLIMITED, Server, recv, start_server, stop_server

SERIES = "新时代 新思想 新宣讲 2024"


@pytest.fixture
async def node(tmp_path: Path, backend: dict[str, Any]) -> AsyncIterator[Server]:
    """A node sampling every second, whose viewers are not rate-limited."""
    s = await start_server(tmp_path / "data", **backend, **UNLIMITED, sample_s=1)
    try:
        yield s
    finally:
        await stop_server(s)


async def viewer(server: Server, code: str, **params: Any) -> tuple[Any, str]:
    ws = await server.connect(code, **params)
    return ws, (await recv(ws, "welcome"))["viewer"]


async def send(ws: Any, msg: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps(msg, ensure_ascii=False))
    ack = await recv(ws, "ack")
    assert ack["id"] == msg["id"]
    return ack


async def live(server: Server, **fields: Any) -> str:
    code = (await server.create_lecture(**fields))["code"]
    status, _ = await server.moderate(code, "status", {"status": "live"})
    assert status == 200
    return code


async def settled(server: Server, code: str, **expected: int) -> dict[str, Any]:
    """The stats once they say ``expected`` and a sample has caught up with the visits."""
    for _ in range(150):
        _, stats = await server.request("GET", f"/api/v1/lectures/{code}/stats")
        _, figures = await server.request("GET", f"/api/v1/lectures/{code}/figures")
        samples = figures["samples"]
        if all(stats[k] == v for k, v in expected.items()) and samples and samples[-1]["visits"] == stats["visits"]:
            return stats
        await asyncio.sleep(0.1)
    raise AssertionError(f"stats never became {expected}: {stats}")


async def test_the_dashboard_says_what_the_viewers_did(node):
    server = node
    code = await live(server, title="“劳模精神”大家谈", series=SERIES, speakers=[{"name": "陈亮"}])
    status, _ = await server.request("PUT", f"/api/v1/lectures/{code}/words", {"blocked": ["垃圾"], "watch": ["广告"]},
                                     token=server.admin_token)
    assert status == 200
    (a, token_a), (b, _), (c, _) = [await viewer(server, code) for _ in range(3)]
    again, same = await viewer(server, code, viewer=token_a)  # the same viewer again: one more visit, not a new viewer
    assert same == token_a

    await send(a, {"type": "comment", "id": "c1", "text": "劳模精神就是爱岗敬业", "nickname": "无锡新歌"})
    await send(b, {"type": "comment", "id": "c2", "text": "弘扬劳模精神", "nickname": "晨"})
    await send(c, {"type": "comment", "id": "c3", "text": "我觉得是奉献", "nickname": "海棠"})
    watched = await send(a, {"type": "comment", "id": "c4", "text": "劳模精神，加微信看广告", "nickname": "无锡新歌"})
    assert watched["held"]
    refused = await send(b, {"type": "comment", "id": "c5", "text": "垃圾", "nickname": "晨"})
    assert refused["error"]["code"] == "blocked"  # refused: never received as a comment
    hidden = await send(c, {"type": "comment", "id": "c6", "text": "工匠精神", "nickname": "海棠"})
    assert (await server.moderate(code, f"comments/{watched['ref']}/approve"))[0] == 200
    assert (await server.moderate(code, f"comments/{hidden['ref']}/hide"))[0] == 200

    q1 = (await send(a, {"type": "question", "id": "q1", "text": "一线工人怎样成长为技术骨干？", "nickname": "一线技工"}))["ref"]
    q2 = (await send(b, {"type": "question", "id": "q2", "text": "产业工人队伍建设改革意味着什么？", "nickname": "梁溪职工"}))["ref"]
    q3 = (await send(c, {"type": "question", "id": "q3", "text": "<script>alert(1)</script>", "anonymous": True}))["ref"]
    q4 = (await send(c, {"type": "question", "id": "q4", "text": "重复的问题", "anonymous": True}))["ref"]
    for ws, qs in ((a, (q2, q3)), (b, (q1,)), (c, (q1, q2))):
        for q in qs:
            assert (await send(ws, {"type": "vote", "id": f"v{q}", "question": q, "up": True}))["ok"]
    assert (await server.moderate(code, f"questions/{q3}", {"state": "answered", "answer": "从每一个零件做起。",
                                                            "speaker": "陈亮"}))[0] == 200
    assert (await server.moderate(code, f"questions/{q4}", {"state": "dismissed"}))[0] == 200
    await send(a, {"type": "like", "id": "l1", "count": 30})
    await send(b, {"type": "like", "id": "l2", "count": 12})

    stats = await settled(server, code, likes=42, visits=4, unique_viewers=3)
    status, f = await server.request("GET", f"/api/v1/lectures/{code}/dashboard")
    assert status == 200
    assert f["lecture"]["code"] == code and f["lecture"]["series"] == SERIES and f["lecture"]["status"] == "live"
    assert (f["visits"], f["unique_viewers"], f["likes"]) == (4, 3, 42)
    assert f["peak_online"] == stats["peak_online"] >= 3 and f["peak_at"] is not None
    assert f["comments"] == {"received": 5, "shown": 4} and stats["comments"] == 4
    assert f["questions"]["asked"] == 4 == stats["questions"] and f["questions"]["answered"] == 1
    assert f["questions"]["answered_written"] == 1
    # Top questions: most votes first, equal votes the earlier first; a dismissed one never.
    top = f["top_questions"]
    assert [(q["id"], q["votes"]) for q in top] == [(q1, 2), (q2, 2), (q3, 1)]
    assert top[2]["state"] == "answered" and top[2]["answer"] == "从每一个零件做起。" and top[2]["speaker"] == "陈亮"
    assert top[2]["nickname"] is None and "viewer" not in top[0]
    # Hot words: visible comments only, without stop words, without the comment with a watch word.
    words = {w["word"]: w["count"] for w in f["hot_words"]}
    assert words == {"劳模": 2, "精神": 2, "爱岗敬业": 1, "弘扬": 1, "奉献": 1}
    # Per minute, from the stream's start: every comment and question received, once.
    pm = f["per_minute"]
    assert pm["start"] == f["lecture"]["stream_start"] and pm["minutes"] == 1
    assert pm["before"]["comments"] + sum(b["comments"] for b in pm["buckets"]) == 5
    assert pm["before"]["questions"] + sum(b["questions"] for b in pm["buckets"]) == 4
    assert pm["before"]["visits"] + sum(b["visits"] for b in pm["buckets"]) == 4
    _, figures = await server.request("GET", f"/api/v1/lectures/{code}/figures")
    points = f["online_over_time"]["points"]
    assert f["online_over_time"]["every_s"] == 1 and 1 <= len(points) <= len(figures["samples"])
    assert points == [{"t": s["t"], "online": s["online"]} for s in figures["samples"][:len(points)]]
    assert f["sources"] == [{"source": "page", "site": None, "visits": 4, "online": f["sources"][0]["online"],
                             "share": 1.0}]
    for ws in (a, b, c, again):
        await ws.close()


async def test_the_dashboard_page_escapes_and_shows_the_report_to_moderators(node):
    server = node
    code = await live(server, title="<b>劳模</b>精神", speakers=[{"name": "陈<i>亮</i>"}])
    ws, _ = await viewer(server, code)
    await send(ws, {"type": "comment", "id": "c1", "text": "<img src=x onerror=alert(1)>劳模精神", "nickname": "<u>晨</u>"})
    await send(ws, {"type": "question", "id": "q1", "text": "<script>alert(1)</script>怎样成长？", "nickname": "<b>工</b>"})
    await settled(server, code, comments=1, questions=1)
    async with server.http.get(f"{server.url}/l/{code.lower()}/dashboard") as r:
        assert r.status == 200 and r.content_type == "text/html"
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        html = await r.text()
    assert "<b>劳模</b>" not in html and "&lt;b&gt;劳模&lt;/b&gt;精神" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;怎样成长？" in html
    assert "<img" not in html and "<i>亮" not in html
    assert 'id="chart-online"' in html and 'id="chart-comments"' in html and 'id="chart-questions"' in html
    assert f'href="/l/{code}"' in html and "js/dashboard.js" in html  # live: the figures refresh
    assert "/export?format=md" not in html  # the report is the moderators'
    async with server.http.get(f"{server.url}/l/{code}/dashboard?lang=en",
                               headers={"Authorization": f"Bearer {server.admin_token}"}) as r:
        html = await r.text()
    assert f"/api/v1/lectures/{code}/export?format=md" in html and "Viewers online over time" in html
    await server.moderate(code, "status", {"status": "ended"})
    async with server.http.get(f"{server.url}/l/{code}/dashboard") as r:
        html = await r.text()
    assert "js/dashboard.js" not in html and f'href="/l/{code}/replay"' in html
    async with server.http.get(f"{server.url}/l/ZZZZZZ/dashboard") as r:
        assert r.status == 404
    status, body = await server.request("GET", "/api/v1/lectures/ZZZZZZ/dashboard")
    assert status == 404 and body["error"]["code"] == "not_found"
    await ws.close()


async def test_the_catalogue_figures_add_up_and_the_csv_parses_back(node):
    server = node
    first = await live(server, title="=HYPERLINK(\"http://x\")第一讲", series=SERIES)
    second = await live(server, title="第二讲：工匠精神", series=SERIES)
    other = await live(server, title="劳模讲堂", series="劳模讲堂")
    coming = (await server.create_lecture(title="下一讲", series=SERIES))["code"]  # scheduled, unvisited: left out
    done = {first: (2, 5, 2, 1), second: (1, 3, 1, 0), other: (1, 0, 0, 0)}  # viewers, likes, comments, questions
    sockets = []
    for code, (viewers, likes, comments, questions) in done.items():
        for i in range(viewers):
            ws, _ = await viewer(server, code)
            sockets.append(ws)
        ws = sockets[-1]
        if likes:
            await send(ws, {"type": "like", "id": "l", "count": likes})
        for i in range(comments):
            await send(ws, {"type": "comment", "id": f"c{i}", "text": f"第{i}条评论"})
        for i in range(questions):
            q = (await send(ws, {"type": "question", "id": f"q{i}", "text": f"第{i}个提问"}))["ref"]
            await server.moderate(code, f"questions/{q}", {"state": "answered"})
    await server.moderate(second, "status", {"status": "ended"})
    for code, (viewers, likes, comments, questions) in done.items():
        await settled(server, code, visits=viewers, likes=likes, comments=comments, questions=questions)

    status, body = await server.request("GET", f"/api/v1/figures?series={quote(SERIES)}")
    assert status == 200 and body["series"] == SERIES and body["series_names"] == sorted([SERIES, "劳模讲堂"])
    assert [r["code"] for r in body["lectures"]] == [first, second]
    assert coming not in {r["code"] for r in body["lectures"]}
    totals = body["totals"]
    assert (totals["lectures"], totals["visits"], totals["likes"], totals["comments"], totals["questions"],
            totals["answered"]) == (2, 3, 8, 3, 1, 1)
    assert totals["peak_code"] == first and totals["unique_viewers_sum"] == 3
    status, whole = await server.request("GET", "/api/v1/figures?sort=visits&order=desc")
    assert [r["code"] for r in whole["lectures"]][0] == first and whole["totals"]["lectures"] == 3

    async with server.http.get(f"{server.url}/api/v1/figures?series={quote(SERIES)}&format=csv") as r:
        assert r.status == 200 and r.content_type == "text/csv" and r.charset == "utf-8"
        disposition = r.headers["Content-Disposition"]
        raw = await r.read()
    assert disposition.startswith("attachment;") and f"filename*=UTF-8''{quote('figures-' + SERIES + '.csv')}" in disposition
    assert raw.startswith("\ufeff".encode())  # the BOM: Excel reads the Chinese right
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["code"] for r in rows] == [first, second, "total"]
    assert rows[0]["title"].startswith("'=HYPERLINK")  # a formula stays text in a spreadsheet
    assert rows[1]["title"] == "第二讲：工匠精神" and rows[1]["series"] == SERIES and rows[1]["status"] == "ended"
    lectures, total = rows[:-1], rows[-1]
    for column in ("visits", "likes", "comments", "questions", "answered"):
        assert int(total[column]) == sum(int(r[column]) for r in lectures) == totals[column], column
    assert int(total["peak_online"]) == max(int(r["peak_online"]) for r in lectures)
    assert total["unique_viewers"] == ""  # unique viewers do not add up across lectures

    async with server.http.get(f"{server.url}/api/v1/figures?format=csv") as r:
        assert r.headers["Content-Disposition"] == 'attachment; filename="figures.csv"'
    for query, field in (("format=xlsx", "format"), ("sort=moderator_key", "sort"), ("order=up", "order")):
        status, body = await server.request("GET", f"/api/v1/figures?{query}")
        assert status == 400 and body["error"]["code"] == "invalid" and body["error"]["field"] == field

    async with server.http.get(f"{server.url}/figures?series={quote(SERIES)}&sort=likes&order=desc") as r:
        assert r.status == 200
        html = await r.text()
    assert "第二讲：工匠精神" in html and "劳模讲堂</a></td>" not in html and 'aria-sort="descending"' in html
    assert html.index(f'data-code="{first}"') < html.index(f'data-code="{second}"')
    async with server.http.get(f"{server.url}/figures?sort=nonsense", allow_redirects=False) as r:
        assert r.status == 302 and r.headers["Location"] == "/figures"
    for ws in sockets:
        await ws.close()
