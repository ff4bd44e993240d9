"""Polls end to end on both backends: drafts, answers once per viewer,
results as coalesced aggregates, quizzes and their leaderboard, word
clouds, copying, the export, and a voter on two nodes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.conftest import Server, recv, recv_events, start_server, stop_server

CHOICE = {"kind": "single", "title": "下一个话题？", "options": ["工匠精神", "劳模故事", "技能成才"]}
QUIZ = {"kind": "quiz", "title": "劳动节是哪天？", "options": ["五月一日", "十月一日"], "correct": [0]}


async def api(server: Server, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    return await server.request(method, path, body, token=server.admin_token)


async def make_poll(server: Server, code: str, body: dict[str, Any], *, open_it: bool = True) -> dict[str, Any]:
    status, poll = await api(server, "POST", f"/api/v1/lectures/{code}/polls", body)
    assert status == 201, poll
    if open_it:
        status, poll = await api(server, "POST", f"/api/v1/lectures/{code}/polls/{poll['id']}/open")
        assert status == 200 and poll["state"] == "open"
    return poll


async def viewer(server: Server, code: str, **params: Any) -> tuple[Any, dict[str, Any]]:
    ws = await server.connect(code, **params)
    return ws, await recv(ws, "welcome")


async def answer(ws: Any, cid: Any, poll: str, **payload: Any) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "answer", "id": cid, "poll": poll, **payload}))
    return await recv(ws, "ack")


async def test_drafts_are_the_moderators_and_bad_polls_are_refused(server, lecture):
    code = lecture["code"]
    for bad, field in (({"kind": "single", "title": "x", "options": ["only one"]}, "options"),
                       ({"kind": "quiz", "title": "x", "options": ["a", "b"]}, "correct"),
                       ({"kind": "quiz", "title": "x", "options": ["a", "b"], "correct": [5]}, "correct"),
                       ({"kind": "poll", "title": "x"}, "kind"), ({"kind": "rating", "title": "x", "scale": 7}, "scale")):
        status, body = await api(server, "POST", f"/api/v1/lectures/{code}/polls", bad)
        assert status == 400 and body["error"]["field"] == field, bad
    ws, _ = await viewer(server, code)
    quiz = await make_poll(server, code, QUIZ, open_it=False)
    assert quiz["state"] == "draft" and quiz["correct"] == ["a"] and quiz["allow_change"] is False
    assert (await recv_events(ws, 1))[0] == {"seq": quiz["seq"], "kind": "private"}
    status, seen = await server.request("GET", f"/api/v1/lectures/{code}/polls")
    assert seen["polls"] == []
    status, edited = await api(server, "PATCH", f"/api/v1/lectures/{code}/polls/{quiz['id']}", {"title": "劳动节是几月几日？"})
    assert status == 200 and edited["title"] == "劳动节是几月几日？"
    status, opened = await api(server, "POST", f"/api/v1/lectures/{code}/polls/{quiz['id']}/open")
    event = (await recv_events(ws, 2))[-1]
    assert event["kind"] == "poll.opened" and event["data"]["correct"] is None  # the answer stays secret
    status, body = await api(server, "PATCH", f"/api/v1/lectures/{code}/polls/{quiz['id']}", {"title": "no"})
    assert status == 409
    status, body = await api(server, "POST", f"/api/v1/lectures/{code}/polls/{quiz['id']}/reveal")
    assert status == 409  # close it first
    status, body = await server.request("POST", f"/api/v1/lectures/{code}/polls", CHOICE)
    assert status == 401


async def test_one_answer_per_viewer_and_results_only_when_shown(unlimited):
    server = unlimited
    code = (await server.create_lecture())["code"]
    poll = await make_poll(server, code, CHOICE)
    pid = poll["id"]
    alice, _ = await viewer(server, code)
    bob, _ = await viewer(server, code)
    mod = await server.connect(code, headers={"Authorization": f"Bearer {server.admin_token}"})
    await recv(mod, "welcome")
    ack = await answer(alice, 1, pid, choices=["a"])
    assert ack["ok"] and ack["answer"] == {"choices": ["a"]}
    assert (await answer(alice, 2, pid, choices=["b"]))["ok"]  # allowed: allow_change
    assert (await answer(bob, 3, pid, choices=["b"]))["ok"]
    for bad in ({"choices": ["z"]}, {"choices": ["a", "b"]}, {"value": 3}):
        assert (await answer(bob, f"x{bad}", pid, **bad))["error"]["code"] == "invalid", bad
    results = (await recv(mod, "poll_results"))["results"][pid]
    while results["counts"]["b"] != 2:
        results = (await recv(mod, "poll_results"))["results"][pid]
    assert results == {"total": 2, "counts": {"a": 0, "b": 2, "c": 0}}
    # Viewers get no results until they are shown.
    try:
        frame = await recv(alice, "poll_results", timeout=0.6)
        raise AssertionError(f"results leaked before they were shown: {frame}")
    except asyncio.TimeoutError:
        pass
    await api(server, "POST", f"/api/v1/lectures/{code}/polls/{pid}/show")
    assert (await recv(alice, "poll_results"))["results"][pid]["counts"]["b"] == 2
    again, welcome = await viewer(server, code, viewer=(await recv_welcome_token(server, code)))
    assert welcome["snapshot"]["poll_results"][pid]["total"] == 2
    await api(server, "POST", f"/api/v1/lectures/{code}/polls/{pid}/close")
    assert (await answer(bob, 4, pid, choices=["a"]))["error"]["code"] == "poll_closed"
    assert (await answer(bob, 5, "p999", choices=["a"]))["error"]["code"] == "not_found"


async def recv_welcome_token(server: Server, code: str) -> str:
    ws, welcome = await viewer(server, code)
    return welcome["viewer"]


async def test_a_burst_of_answers_is_counted_whole_in_few_frames(unlimited):
    server = unlimited
    code = (await server.create_lecture())["code"]
    pid = (await make_poll(server, code, CHOICE))["id"]
    await api(server, "POST", f"/api/v1/lectures/{code}/polls/{pid}/show")
    watcher, _ = await viewer(server, code)
    voters = [(await viewer(server, code))[0] for _ in range(60)]
    acks = await asyncio.gather(*(answer(ws, 1, pid, choices=["abc"[i % 3]]) for i, ws in enumerate(voters)))
    assert all(a["ok"] for a in acks)
    frames = 0
    while True:
        frames += 1
        results = (await recv(watcher, "poll_results"))["results"][pid]
        if results["total"] == 60:
            break
    assert results["counts"] == {"a": 20, "b": 20, "c": 20}
    assert frames < 30, f"{frames} frames for 60 answers: results must be coalesced"


async def test_rating_and_word_cloud(unlimited):
    server = unlimited
    code = (await server.create_lecture())["code"]
    await api(server, "PUT", f"/api/v1/lectures/{code}/words", {"blocked": ["禁词"], "watch": ["广告"]})
    rating = await make_poll(server, code, {"kind": "rating", "title": "打个分", "scale": 10})
    cloud = await make_poll(server, code, {"kind": "text", "title": "一个词形容劳模精神"})
    answers = ["爱岗敬业", "爱岗敬业、无私奉献", "无私奉献的精神", "看广告", "精益求精"]
    for i, text in enumerate(answers):
        ws, _ = await viewer(server, code)
        assert (await answer(ws, 1, rating["id"], value=[10, 9, 10, 0, 8][i]))["ok"]
        assert (await answer(ws, 2, cloud["id"], text=text))["ok"]
        if i == 0:
            assert (await answer(ws, 3, rating["id"], value=11))["error"]["code"] == "invalid"
            assert (await answer(ws, 4, cloud["id"], text="有禁词"))["error"]["code"] == "blocked"
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/polls", token=server.admin_token)
    stars = body["results"][rating["id"]]
    assert stars["total"] == 5 and stars["average"] == 7.4 and stars["counts"]["10"] == 2 and stars["counts"]["0"] == 1
    words = body["results"][cloud["id"]]
    assert words["total"] == 5  # the answer with a watch word is kept, not shown in the cloud
    assert words["counts"] == {"无私奉献": 2, "爱岗敬业": 2, "精益求精": 1, "精神": 1}


async def test_quiz_scoring_and_leaderboard(server, lecture):
    code = lecture["code"]
    quiz = await make_poll(server, code, QUIZ)
    second = await make_poll(server, code, {**QUIZ, "title": "劳模的“劳”是？", "options": ["劳动", "劳累"]})
    players = []
    for name, picks in (("小王", ["a", "a"]), ("小李", ["a", "b"]), ("小张", ["b", "b"])):
        ws, _ = await viewer(server, code)
        players.append(ws)
        assert (await answer(ws, 1, quiz["id"], choices=[picks[0]], nickname=name))["ok"]
        assert (await answer(ws, 2, second["id"], choices=[picks[1]], nickname=name))["ok"]
    assert (await answer(players[0], 3, quiz["id"], choices=["b"]))["error"]["code"] == "answered"
    status, board = await server.request("GET", f"/api/v1/lectures/{code}/polls/leaderboard")
    assert board["leaders"] == []  # nothing revealed yet
    for q in (quiz, second):
        await api(server, "POST", f"/api/v1/lectures/{code}/polls/{q['id']}/close")
        status, revealed = await api(server, "POST", f"/api/v1/lectures/{code}/polls/{q['id']}/reveal")
        assert revealed["revealed"] and revealed["correct"] == ["a"]
    status, board = await server.request("GET", f"/api/v1/lectures/{code}/polls/leaderboard")
    assert [(r["nickname"], r["correct"]) for r in board["leaders"]] == [("小王", 2), ("小李", 1)]
    status, seen = await server.request("GET", f"/api/v1/lectures/{code}/polls")
    assert all(p["correct"] == ["a"] for p in seen["polls"])


async def test_screen_copy_and_export(server, lecture):
    code = lecture["code"]
    first = await make_poll(server, code, CHOICE)
    second = await make_poll(server, code, {"kind": "rating", "title": "满意度"})
    await api(server, "POST", f"/api/v1/lectures/{code}/polls/{first['id']}/screen")
    status, rec = await api(server, "POST", f"/api/v1/lectures/{code}/polls/{second['id']}/screen")
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/polls")
    assert [p["id"] for p in body["polls"] if p["on_screen"]] == [second["id"]]  # one at a time
    other = await server.create_lecture(title="下一讲")
    status, copied = await api(server, "POST", f"/api/v1/lectures/{other['code']}/polls/copy", {"from": code})
    assert status == 201 and [(p["title"], p["state"]) for p in copied["polls"]] == [("下一个话题？", "draft"),
                                                                                     ("满意度", "draft")]
    ws, _ = await viewer(server, code)
    await answer(ws, 1, first["id"], choices=["c"])
    status, data = await api(server, "GET", f"/api/v1/lectures/{code}/export?format=json")
    assert data["polls"][0]["results"]["counts"]["c"] == 1
    async with server.http.get(f"{server.url}/api/v1/lectures/{code}/export?format=md",
                               headers={"Authorization": f"Bearer {server.admin_token}"}) as r:
        md = await r.text()
    assert "## 投票" in md and "**下一个话题？**（1 人作答）" in md and "- 技能成才：1（100%）" in md
    draft = await make_poll(server, code, CHOICE, open_it=False)
    status, _ = await api(server, "POST", f"/api/v1/lectures/{code}/polls/{draft['id']}/delete")
    assert status == 200
    status, _ = await api(server, "POST", f"/api/v1/lectures/{code}/polls/{first['id']}/delete")
    assert status == 409


async def test_a_voter_on_two_nodes_answers_once(tmp_path, redis_server):
    redis_server.flush()
    a = await start_server(tmp_path / "a", redis_url=redis_server.url)
    b = await start_server(tmp_path / "b", redis_url=redis_server.url)
    try:
        code = (await a.create_lecture())["code"]
        quiz = await make_poll(a, code, QUIZ)
        on_a, welcome = await viewer(a, code)
        on_b, _ = await viewer(b, code, viewer=welcome["viewer"])
        mod_b = await b.connect(code, headers={"Authorization": f"Bearer {b.admin_token}"})
        await recv(mod_b, "welcome")
        first, second = await asyncio.gather(answer(on_a, 1, quiz["id"], choices=["a"]),
                                             answer(on_b, 2, quiz["id"], choices=["b"]))
        assert sorted([first["ok"], second["ok"]]) == [False, True]
        assert (first if not first["ok"] else second)["error"]["code"] == "answered"
        results = (await recv(mod_b, "poll_results"))["results"][quiz["id"]]
        assert results["total"] == 1
    finally:
        await stop_server(a)
        await stop_server(b)


async def test_a_quiz_with_several_right_answers_says_so_before_the_reveal(server, lecture):
    code = lecture["code"]
    quiz = await make_poll(server, code, {"kind": "quiz", "title": "哪些是劳模精神？",
                                          "options": ["爱岗敬业", "争创一流", "随便应付"], "correct": [0, 1]})
    status, seen = await server.request("GET", f"/api/v1/lectures/{code}/polls")
    assert seen["polls"][0]["multiple"] is True and seen["polls"][0]["correct"] is None
    ws, _ = await viewer(server, code)
    assert (await answer(ws, 1, quiz["id"], choices=["a", "b"]))["ok"]
    single = await make_poll(server, code, QUIZ)
    assert (await answer(ws, 2, single["id"], choices=["a", "b"]))["error"]["code"] == "invalid"


async def test_a_burst_of_several_thousand_answers_is_counted_exactly(unlimited):
    """3,000 viewers answering at once, through the store the sockets use
    (no sockets: the burst is the point, not 3,000 clients), watched by a
    real viewer whose results frames stay few."""
    from live.core.identity import mint
    from live.protocol import Answer

    server = unlimited
    code = (await server.create_lecture())["code"]
    pid = (await make_poll(server, code, CHOICE))["id"]
    await api(server, "POST", f"/api/v1/lectures/{code}/polls/{pid}/show")
    watcher, _ = await viewer(server, code)
    store, secret = server.svc.store, server.svc.keys.secret
    viewers = [mint(secret) for _ in range(3000)]
    acks = await asyncio.gather(*(store.submit(code, v, Answer(1, pid, {"choices": ["abc"[i % 3]]}, None))
                                  for i, v in enumerate(viewers)))
    assert all(a["ok"] for a in acks)
    again = await asyncio.gather(*(store.submit(code, v, Answer(2, pid, {"choices": ["a"]}, None)) for v in viewers[:30]))
    assert all(a["ok"] for a in again)  # a change, allowed: moves 20 answers from b and c to a
    frames = 0
    while True:
        frames += 1
        results = (await recv(watcher, "poll_results", timeout=10))["results"][pid]
        if results["total"] == 3000 and results["counts"]["a"] == 1020:
            break
    assert results["counts"] == {"a": 1020, "b": 990, "c": 990}
    assert frames < 40, f"{frames} results frames for 3,030 answers"
