"""The JSON API of the contract, its errors, and that no input makes a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ADMIN, recv


async def test_create_needs_the_admin_token(server):
    status, body = await server.request("POST", "/api/v1/lectures", {"title": "x"})
    assert status == 401 and body["error"]["code"] == "unauthorized"
    status, body = await server.request("POST", "/api/v1/lectures", {"title": "x"}, token="wrong")
    assert status == 403 and body["error"]["code"] == "forbidden"


async def test_create_returns_code_key_and_links(server):
    lec = await server.create_lecture(
        description="五一特辑", speakers=[{"name": "陈亮", "title": "班组副班长"}],
        starts_at="2026-04-21T19:00:00+08:00", stream_url="https://example.org/live/index.m3u8",
        settings={"question_mode": "held"},
    )
    assert len(lec["code"]) == 6 and not set(lec["code"]) & set("01OI")
    assert lec["moderator_key"] and lec["status"] == "scheduled"
    assert lec["starts_at"] == "2026-04-21T11:00:00.000Z"
    assert lec["stream_kind"] == "hls"
    assert lec["settings"]["question_mode"] == "held" and lec["settings"]["comments_open"] is True
    assert set(lec["urls"]) == {"viewer", "control", "screen", "widget", "overlay"}
    assert lec["urls"]["viewer"] == f"{server.url}/l/{lec['code']}"
    assert lec["urls"]["control"].endswith(f"#key={lec['moderator_key']}")


async def test_catalogue_and_record_never_show_the_moderator_key(server, lecture):
    status, body = await server.request("GET", "/api/v1/lectures")
    assert status == 200 and [lec["code"] for lec in body["lectures"]] == [lecture["code"]]
    status, one = await server.request("GET", f"/api/v1/lectures/{lecture['code'].lower()}")
    assert status == 200 and one["title"] == lecture["title"]
    for record in (body["lectures"][0], one):
        assert "moderator_key" not in json.dumps(record) and lecture["moderator_key"] not in json.dumps(record)
        assert "?key=" not in record["urls"]["control"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": 3}, "title"),
        ({"title": "t", "colour": "red"}, "colour"),
        ({"title": "t", "speakers": "陈亮"}, "speakers"),
        ({"title": "t", "speakers": [{"title": "no name"}]}, "name"),
        ({"title": "t", "starts_at": "tomorrow"}, "starts_at"),
        ({"title": "t", "starts_at": "2026-04-21T19:00:00"}, "starts_at"),
        ({"title": "t", "stream_url": "javascript:alert(1)"}, "stream_url"),
        ({"title": "t", "settings": {"comment_mode": "sometimes"}}, "settings.comment_mode"),
        ({"title": "t", "settings": {"no_such": True}}, "settings.no_such"),
    ],
)
async def test_create_refuses_bad_fields_with_the_field_named(server, body, field):
    status, resp = await server.request("POST", "/api/v1/lectures", body, token=ADMIN)
    assert status == 400, resp
    assert resp["error"]["code"] == "invalid" and resp["error"]["field"] == field


async def test_bad_json_and_too_large_bodies(server):
    status, body = await server.request("POST", "/api/v1/lectures", raw=b"{nope", token=ADMIN)
    assert status == 400 and body["error"]["code"] == "bad_json"
    status, body = await server.request("POST", "/api/v1/lectures", raw=b"[1]", token=ADMIN)
    assert status == 400 and body["error"]["code"] == "bad_json"
    status, body = await server.request("POST", "/api/v1/lectures", raw=b'{"title": "' + b"x" * 70000 + b'"}',
                                        token=ADMIN)
    assert status == 413 and body["error"]["code"] == "too_large"


async def test_unknown_things_are_json_404s(server, lecture):
    for path in ("/api/v1/lectures/ZZZZZZ", "/api/v1/lectures/ZZZZZZ/comments", "/api/v1/nothing"):
        status, body = await server.request("GET", path)
        assert status == 404 and body["error"]["code"] == "not_found", path
    status, body = await server.moderate(lecture["code"], "comments/c999/hide")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = await server.moderate(lecture["code"], "comments/c1/explode")
    assert status == 404
    status, body = await server.request("DELETE", "/api/v1/lectures")
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


async def test_moderator_calls_refuse_viewers_and_other_lectures_keys(server, lecture):
    other = await server.create_lecture(title="另一场")
    code = lecture["code"]
    calls = [
        ("POST", f"/api/v1/lectures/{code}/status", {"status": "live"}),
        ("PATCH", f"/api/v1/lectures/{code}", {"title": "新"}),
        ("POST", f"/api/v1/lectures/{code}/comments/c1/hide", {}),
        ("POST", f"/api/v1/lectures/{code}/questions/q1", {"state": "approved"}),
        ("GET", f"/api/v1/lectures/{code}/export", None),
    ]
    for method, path, body in calls:
        status, resp = await server.request(method, path, body)
        assert status == 401, path
        status, resp = await server.request(method, path, body, token=other["moderator_key"])
        assert status == 403 and resp["error"]["code"] == "forbidden", path


async def test_status_and_patch_emit_lecture_updated(server, lecture):
    code, key = lecture["code"], lecture["moderator_key"]
    ws = await server.connect(code)
    await recv(ws, "welcome")
    status, body = await server.request("POST", f"/api/v1/lectures/{code}/status", {"status": "live"}, token=key)
    assert status == 200 and body["status"] == "live"
    status, body = await server.request("POST", f"/api/v1/lectures/{code}/status", {"status": "over"}, token=key)
    assert status == 400 and body["error"]["field"] == "status"
    status, body = await server.request("PATCH", f"/api/v1/lectures/{code}",
                                        {"title": "新标题", "settings": {"anonymous_questions": False}}, token=key)
    assert status == 200 and body["title"] == "新标题"
    assert body["settings"]["anonymous_questions"] is False and body["settings"]["comment_mode"] == "filtered"
    first = (await recv(ws, "events"))["events"]
    events = first if len(first) == 2 else first + (await recv(ws, "events"))["events"]
    assert [e["kind"] for e in events] == ["lecture.updated", "lecture.updated"]
    assert events[1]["data"]["title"] == "新标题"
    await ws.send(json.dumps({"type": "question", "id": 1, "text": "匿名可以吗", "anonymous": True}))
    assert (await recv(ws, "ack"))["error"]["code"] == "forbidden"


async def test_comments_paging_and_moderation(unlimited):
    server = unlimited
    lec = await server.create_lecture()
    code = lec["code"]
    ws = await server.connect(code)
    await recv(ws, "welcome")
    for i in range(7):
        await ws.send(json.dumps({"type": "comment", "id": i, "text": f"留言{i}", "nickname": "晨"}))
        await recv(ws, "ack")
    status, page = await server.request("GET", f"/api/v1/lectures/{code}/comments?limit=3")
    assert [c["text"] for c in page["comments"]] == ["留言0", "留言1", "留言2"] and page["next"] == 3
    status, page = await server.request("GET", f"/api/v1/lectures/{code}/comments?after=3&limit=3")
    assert [c["seq"] for c in page["comments"]] == [4, 5, 6]
    status, page = await server.request("GET", f"/api/v1/lectures/{code}/comments?after=6&limit=3")
    assert [c["seq"] for c in page["comments"]] == [7] and page["next"] is None
    for bad in ("limit=0", "limit=501", "after=-1", "after=x"):
        status, body = await server.request("GET", f"/api/v1/lectures/{code}/comments?{bad}")
        assert status == 400 and body["error"]["code"] == "invalid", bad

    status, rec = await server.moderate(code, "comments/c2/hide")
    assert status == 200 and rec["state"] == "hidden"
    status, rec = await server.moderate(code, "comments/c2/hide")  # again: no change, no event
    assert status == 200
    status, rec = await server.moderate(code, "comments/c3/feature")
    assert rec["featured"] is True
    status, page = await server.request("GET", f"/api/v1/lectures/{code}/comments")
    assert "c2" not in [c["id"] for c in page["comments"]]
    status, page = await server.request("GET", f"/api/v1/lectures/{code}/comments", token=lec["moderator_key"])
    assert "c2" in [c["id"] for c in page["comments"]]
    status, rec = await server.moderate(code, "comments/c2/restore")
    assert rec["state"] == "visible"
    events = []
    while len(events) < 10:
        events += (await recv(ws, "events"))["events"]
    assert [e["kind"] for e in events[7:]] == ["comment.hidden", "comment.featured", "comment.restored"]
    assert [e["seq"] for e in events] == list(range(1, 11))
    status, stats = await server.request("GET", f"/api/v1/lectures/{code}/stats")
    assert stats["comments"] == 7


async def test_question_lifecycle_over_the_api(server):
    lec = await server.create_lecture(settings={"question_mode": "held"})
    code = lec["code"]
    asker, ws = await server.connect(code), await server.connect(code)
    await recv(asker, "welcome"), await recv(ws, "welcome")
    await asker.send(json.dumps({"type": "question", "id": 1, "text": "如何培养工匠？", "nickname": "小海"}))
    ack = await recv(asker, "ack")
    assert ack["held"] is True
    qid = ack["ref"]
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/questions")
    assert body["questions"] == []
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/questions?state=pending")
    assert status == 403
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/questions?state=pending",
                                        token=lec["moderator_key"])
    assert [q["id"] for q in body["questions"]] == [qid]
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/questions?state=weird")
    assert status == 400
    status, q = await server.moderate(code, f"questions/{qid}", {"state": "approved"})
    assert status == 200 and q["state"] == "approved"
    status, q = await server.moderate(code, f"questions/{qid}", {"state": "answering", "speaker": "陈亮"})
    assert q["state"] == "answering" and q["speaker"] == "陈亮"
    status, q = await server.moderate(code, f"questions/{qid}", {"state": "answered", "answer": "  在岗位上\n钻研。 "})
    assert q["state"] == "answered" and q["answer"] == "在岗位上\n钻研。"
    status, body = await server.moderate(code, f"questions/{qid}", {"state": "pending"})
    assert status == 400 and body["error"]["field"] == "state"
    status, q = await server.moderate(code, f"questions/{qid}", {"state": "dismissed"})
    status, body = await server.moderate(code, f"questions/{qid}", {"state": "answered"})
    assert status == 409 and body["error"]["code"] == "conflict"
    status, body = await server.moderate(code, f"questions/{qid}", {"mood": "happy"})
    assert status == 400
    events = []
    while len(events) < 5:
        events += (await recv(ws, "events"))["events"]
    assert events[0] == {"seq": 1, "kind": "private"}
    assert [e["data"]["state"] for e in events[1:]] == ["approved", "answering", "answered", "dismissed"]


async def test_export_in_three_formats(server):
    lec = await server.create_lecture(title="“劳模精神”大家谈")
    code = lec["code"]
    ws = await server.connect(code)
    await recv(ws, "welcome")
    await ws.send(json.dumps({"type": "comment", "id": 1, "text": "中国加油，没有什么是我们战胜不了的", "nickname": "海棠无常"}))
    await recv(ws, "ack")
    await ws.send(json.dumps({"type": "question", "id": 2, "text": "劳模精神怎么学？"}))
    qid = (await recv(ws, "ack"))["ref"]
    await server.moderate(code, "comments/c1/feature")
    await server.moderate(code, f"questions/{qid}", {"state": "answered", "answer": "从身边做起", "speaker": "陈亮"})
    headers = {"Authorization": f"Bearer {lec['moderator_key']}"}
    async with server.http.get(f"{server.url}/api/v1/lectures/{code}/export", headers=headers) as r:
        data = await r.json()
    assert [c["text"] for c in data["featured_comments"]] == ["中国加油，没有什么是我们战胜不了的"]
    assert data["answered_questions"][0]["answer"] == "从身边做起" and data["stats"]["visits"] == 1
    async with server.http.get(f"{server.url}/api/v1/lectures/{code}/export?format=md", headers=headers) as r:
        md = await r.text()
    assert "## 精彩留言摘录" in md and "“海棠无常”：中国加油" in md and "吸引 1人次" in md
    async with server.http.get(f"{server.url}/api/v1/lectures/{code}/export?format=csv", headers=headers) as r:
        csv_text = await r.text()
        assert r.headers["Content-Disposition"].endswith(f'lecture-{code}.csv"')
    assert "featured_comment" in csv_text and "从身边做起" in csv_text
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/export?format=pdf", token=ADMIN)
    assert status == 400


async def test_health_and_readiness(server):
    status, body = await server.request("GET", "/healthz")
    assert status == 200 and body["ok"] is True
    status, body = await server.request("GET", "/readyz")
    assert status == 200 and body["ok"] is True and body["store"] is True


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=12,
)
lecture_like = st.fixed_dictionaries(
    {},
    optional={
        "title": json_values, "description": json_values, "speakers": json_values, "starts_at": json_values,
        "ends_at": json_values, "stream_url": json_values, "settings": json_values, "status": json_values,
        "state": json_values, "answer": json_values, "speaker": json_values,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(json_values, lecture_like))
async def test_no_json_body_makes_a_500(server, lecture, body):
    code = lecture["code"]
    for method, path in (
        ("POST", "/api/v1/lectures"),
        ("PATCH", f"/api/v1/lectures/{code}"),
        ("POST", f"/api/v1/lectures/{code}/status"),
        ("POST", f"/api/v1/lectures/{code}/questions/q1"),
    ):
        status, resp = await server.request(method, path, body, token=ADMIN)
        assert status < 500, (method, path, body, resp)
        if status >= 400:
            assert resp["error"]["code"] and resp["error"]["message"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(after=st.text(max_size=8), limit=st.text(max_size=8), state=st.text(max_size=10))
async def test_no_query_makes_a_500(server, lecture, after, limit, state):
    from urllib.parse import quote

    code = lecture["code"]
    for path in (
        f"/api/v1/lectures/{code}/comments?after={quote(after)}&limit={quote(limit)}",
        f"/api/v1/lectures/{code}/questions?state={quote(state)}",
        f"/api/v1/lectures/{quote(state, safe='')}/stats",
    ):
        status, resp = await server.request("GET", path)
        assert status < 500, (path, resp)


async def test_metrics_in_prometheus_text(server, lecture):
    ws = await server.connect(lecture["code"])
    await recv(ws, "welcome")
    await ws.send(json.dumps({"type": "comment", "id": 1, "text": "指标"}))
    await ws.send(json.dumps({"type": "comment", "id": 2, "text": ""}))
    await recv(ws, "ack"), await recv(ws, "ack")
    async with server.http.get(server.url + "/metrics") as r:
        assert r.status == 200 and r.content_type == "text/plain"
        text = await r.text()
    values = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines() if not line.startswith("#")}
    assert values["live_connections"] == 1 and values["live_lectures_followed"] == 1
    assert values['live_acks_total{result="ok"}'] == 1 and values['live_acks_total{result="empty"}'] == 1
    assert values["live_frames_sent_total"] >= 3 and values["live_bytes_sent_total"] > 100
    assert "live_tick_seconds_count" in values
    assert any(k.startswith("live_store_") for k in values)
