"""``GET /api/v1/lectures/{code}/replay`` and ``/l/{code}/replay`` on a real
server, on both backends: a lecture goes live, viewers comment a second
apart, a moderator hides one and the speakers answer questions, it ends;
the replay's times and contents come from that, and a popular replay is
served from one built, gzipped copy with an ETag."""

from __future__ import annotations

import asyncio
import gzip
import json
from typing import Any

from live.core import clock
from tests.conftest import Server, recv


async def say(ws: Any, n: int, kind: str = "comment", **fields: Any) -> str:
    await ws.send(json.dumps({"type": kind, "id": f"m{n}", **fields}))
    ack = await recv(ws, "ack")
    assert ack["ok"], ack
    return ack["ref"]


async def replay(server: Server, code: str) -> dict[str, Any]:
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/replay")
    assert status == 200, body
    return body


async def status(server: Server, code: str, value: str) -> dict[str, Any]:
    code_, body = await server.moderate(code, "status", {"status": value})
    assert code_ == 200, body
    return body


async def test_the_timeline_of_a_lecture(unlimited: Server) -> None:
    server = unlimited
    lec = await server.create_lecture(starts_at="2026-04-21T19:00:00+08:00")
    code = lec["code"]
    ws = await server.connect(code)
    await recv(ws, "welcome")
    early = await say(ws, 0, text="开播前占个座", nickname="晨")
    await asyncio.sleep(0.3)
    live = await status(server, code, "live")
    ids = []
    for n, text in enumerate(["第一条", "第二条，将被隐藏", "第三条"], 1):
        ids.append(await say(ws, n, text=text, nickname=f"观众{n}"))
        await asyncio.sleep(1.0)
    q_live = await say(ws, 10, "question", text="陈亮师傅，一线工人怎样成长？", nickname="一线技工")
    q_written = await say(ws, 11, "question", text="匿名的问题", anonymous=True)
    q_open = await say(ws, 12, "question", text="没有被回答的问题", nickname="梁溪职工")
    assert (await server.moderate(code, f"comments/{ids[1]}/hide"))[0] == 200
    assert (await server.moderate(code, f"comments/{ids[2]}/feature"))[0] == 200
    assert (await server.moderate(code, f"questions/{q_live}", {"state": "answering", "speaker": "陈亮"}))[0] == 200
    await asyncio.sleep(0.5)
    # Answered in writing: never "answering", so timed from when it was answered.
    assert (await server.moderate(code, f"questions/{q_written}",
                                  {"state": "answered", "answer": "书面回答", "speaker": "唐忠宝"}))[0] == 200
    ended = await status(server, code, "ended")

    out = await replay(server, code)
    start = clock.parse_iso(live["went_live_at"])
    assert out["code"] == code and out["title"] == lec["title"]
    assert out["video_url"] is None and out["stream_kind"] is None
    assert out["stream_start"] == live["went_live_at"] and out["offset_s"] == 0
    assert out["duration_s"] == round(clock.parse_iso(ended["ended_at"]) - start, 3)

    _, records = await server.request("GET", f"/api/v1/lectures/{code}/comments")
    created = {c["id"]: c["created_at"] for c in records["comments"]}
    assert [c["id"] for c in out["comments"]] == [early, ids[0], ids[2]]  # the hidden one is gone
    for c in out["comments"]:
        assert c["t"] == round(clock.parse_iso(created[c["id"]]) - start, 3)
    first, third = out["comments"][1]["t"], out["comments"][2]["t"]
    assert out["comments"][0]["t"] < 0 < first < 0.5  # pre-live chat keeps its negative time
    assert 1.9 < third - first < 2.6  # two comments a second apart, the middle one hidden
    assert [c["text"] for c in out["comments"]] == ["开播前占个座", "第一条", "第三条"]
    assert out["comments"][2]["featured"] is True and out["comments"][0]["nickname"] == "晨"

    _, qs = await server.request("GET", f"/api/v1/lectures/{code}/questions")
    by_id = {q["id"]: q for q in qs["questions"]}
    assert [q["id"] for q in out["questions"]] == [q_live, q_written]  # the open one is not in a replay
    assert q_open not in {q["id"] for q in out["questions"]}
    live_q, written_q = out["questions"]
    assert live_q["t"] == round(clock.parse_iso(by_id[q_live]["answering_at"]) - start, 3)
    assert written_q["t"] == round(clock.parse_iso(by_id[q_written]["answered_at"]) - start, 3)
    assert written_q["t"] - live_q["t"] >= 0.5
    assert live_q["speaker"] == "陈亮" and live_q["nickname"] == "一线技工" and live_q["state"] == "answering"
    assert written_q["nickname"] is None and written_q["answer"] == "书面回答"

    # Where the stream's start falls in the recording moves every time by as much.
    status_, _ = await server.request("PATCH", f"/api/v1/lectures/{code}",
                                      {"video_url": "https://media.example.org/2026/laomo.mp4",
                                       "settings": {"replay_offset_s": 90}}, token=server.admin_token)
    assert status_ == 200
    moved = await replay(server, code)
    assert moved["offset_s"] == 90 and moved["stream_kind"] == "video"
    assert moved["video_url"] == "https://media.example.org/2026/laomo.mp4"
    assert [c["t"] for c in moved["comments"]] == [round(c["t"] + 90, 3) for c in out["comments"]]
    assert [q["t"] for q in moved["questions"]] == [round(q["t"] + 90, 3) for q in out["questions"]]
    assert moved["duration_s"] == round(out["duration_s"] + 90, 3)


async def get(server: Server, path: str, **headers: str) -> tuple[int, Any, bytes]:
    """Status, headers and the body as sent (the client asks for gzip unless told otherwise)."""
    async with server.http.get(server.url + path, headers=headers, auto_decompress=False) as r:
        return r.status, r.headers, await r.read()


def decoded(headers: Any, body: bytes) -> Any:
    return json.loads(gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body)


async def test_a_replay_is_built_once_gzipped_and_revalidated_by_etag(server: Server) -> None:
    code = (await server.create_lecture())["code"]
    path = f"/api/v1/lectures/{code}/replay"
    await status(server, code, "live")
    ws = await server.connect(code)
    await recv(ws, "welcome")
    first = await say(ws, 1, text="为劳模点赞", nickname="小海")

    code_, headers, body = await get(server, path, **{"Accept-Encoding": "gzip"})
    assert code_ == 200 and headers["Content-Encoding"] == "gzip"
    assert headers["Cache-Control"] == "public, no-cache"  # live: ask every time
    data = decoded(headers, body)
    assert [c["id"] for c in data["comments"]] == [first]
    etag = headers["ETag"]
    code_, headers, body = await get(server, path, **{"If-None-Match": etag, "Accept-Encoding": "gzip"})
    assert code_ == 304 and body == b"" and headers["ETag"] == etag
    code_, headers, body = await get(server, path, **{"Accept-Encoding": "identity"})
    assert code_ == 200 and "Content-Encoding" not in headers and decoded(headers, body) == data
    assert headers["ETag"] == etag

    # Each change of the timeline is a new version: a comment, a moderator's action, the lecture's end.
    second = await say(ws, 2, text="向一线劳动者致敬", nickname="晨")
    seen = {etag}
    code_, headers, body = await get(server, path, **{"If-None-Match": etag})
    assert code_ == 200 and headers["ETag"] not in seen
    assert [c["id"] for c in decoded(headers, body)["comments"]] == [first, second]
    seen.add(headers["ETag"])
    assert (await server.moderate(code, f"comments/{first}/feature"))[0] == 200
    code_, headers, body = await get(server, path, **{"If-None-Match": headers["ETag"]})
    assert code_ == 200 and headers["ETag"] not in seen and decoded(headers, body)["comments"][0]["featured"] is True
    seen.add(headers["ETag"])
    assert (await server.moderate(code, f"comments/{second}/hide"))[0] == 200
    await status(server, code, "ended")
    code_, headers, body = await get(server, path, **{"If-None-Match": headers["ETag"]})
    assert code_ == 200 and headers["ETag"] not in seen
    assert [c["id"] for c in decoded(headers, body)["comments"]] == [first]
    assert headers["Cache-Control"] == "public, max-age=60"  # ended: changes only on moderation

    # Many viewers at once get the same bytes.
    bodies = await asyncio.gather(*(get(server, path) for _ in range(20)))
    assert {b for _, _, b in bodies} == {body}


async def test_an_unknown_lecture_is_a_404_in_json(server: Server) -> None:
    code_, body = await server.request("GET", "/api/v1/lectures/ZZZZZZ/replay")
    assert code_ == 404 and body["error"]["code"] == "not_found"
    code_, _ = await server.request("GET", "/l/ZZZZZZ/replay")
    assert code_ == 404


def directive(csp: str, name: str) -> str:
    return next(d for d in csp.split("; ") if d.split(" ", 1)[0] == name)


async def test_the_page_and_the_link_to_it(server: Server) -> None:
    lec = await server.create_lecture(video_url="http://192.168.1.20:8000/laomo.mp4")
    code = lec["code"]
    async with server.http.get(f"{server.url}/l/{code}/replay") as r:
        assert r.status == 200
        html = await r.text()
        csp = r.headers["Content-Security-Policy"]
    async with server.http.get(f"{server.url}/l/{code}") as r:
        base = r.headers["Content-Security-Policy"]  # the viewer page's
    assert 'src="/static/js/replay.js?v=' in html and 'data-video-kind="video"' in html
    assert f'data-api="/api/v1/lectures/{code}/replay"' in html
    # A recording on plain http plays from its own origin, and nothing else is let in.
    assert directive(csp, "media-src") == "media-src 'self' https: blob: http://192.168.1.20:8000"
    assert directive(csp, "script-src") == "script-src 'self'"

    # A host that would smuggle a directive in is not taken into the policy.
    patched = await server.request("PATCH", f"/api/v1/lectures/{code}", {"video_url": "http://a;script-src*@b/x.mp4"},
                                   token=server.admin_token)
    assert patched[0] == 200 and patched[1]["video_url"] == "http://a;script-src*@b/x.mp4"
    async with server.http.get(f"{server.url}/l/{code}/replay") as r:
        csp = r.headers["Content-Security-Policy"]
    assert directive(csp, "media-src") == "media-src 'self' https: blob:"
    assert directive(csp, "script-src") == "script-src 'self'" and len(csp.split("; ")) == len(base.split("; "))

    # The link is in the page from the start (the page shows it when the lecture ends), hidden until then.
    async with server.http.get(f"{server.url}/l/{code}") as r:
        assert f'href="/l/{code}/replay" hidden>' in await r.text()
    await status(server, code, "ended")
    async with server.http.get(f"{server.url}/l/{code}") as r:
        assert f'href="/l/{code}/replay">' in await r.text()
    async with server.http.get(f"{server.url}/l/{code}/replay?lang=en") as r:
        assert "<title>Replay · “劳模精神”大家谈 · live</title>" in await r.text()
