"""``live demo``'s catalogue, on both backends: what it makes, that the past
lectures' records are dated inside their streams, and that running it again
adds nothing."""

from __future__ import annotations

from typing import Any

from live.core import clock
from live.demo import PAST, TITLE, UPCOMING, ensure_demo
from tests.conftest import Server


async def _catalogue(server: Server) -> dict[str, dict[str, Any]]:
    status, body = await server.request("GET", "/api/v1/lectures")
    assert status == 200
    return {lec["title"]: lec for lec in body["lectures"]}


async def test_the_demo_builds_a_small_catalogue_once(server: Server) -> None:
    svc = server.svc
    code = await ensure_demo(svc.store, svc.keys.secret)
    lectures = await _catalogue(server)
    assert len(lectures) == 1 + len(PAST) + len(UPCOMING)
    assert lectures[TITLE]["code"] == code and lectures[TITLE]["status"] == "live"
    for _, fields in UPCOMING:
        upcoming = lectures[fields["title"]]
        assert upcoming["status"] == "scheduled" and clock.parse_iso(upcoming["starts_at"]) > clock.now()
    assert {lec["series"] for lec in lectures.values()} == {p.fields["series"] for p in PAST}

    assert await ensure_demo(svc.store, svc.keys.secret) == code
    assert len(await _catalogue(server)) == len(lectures)


async def test_a_past_demo_lecture_is_dated_inside_its_stream(server: Server) -> None:
    await ensure_demo(server.svc.store, server.svc.keys.secret)
    past = PAST[0]
    lecture = (await _catalogue(server))[past.fields["title"]]
    code, start = lecture["code"], clock.parse_iso(past.starts_at)
    end = start + past.minutes * 60
    assert lecture["status"] == "ended"
    assert lecture["went_live_at"] == past.starts_at and clock.parse_iso(lecture["ended_at"]) == end

    status, stats = await server.request("GET", f"/api/v1/lectures/{code}/stats")
    assert status == 200
    assert (stats["visits"], stats["peak_online"], stats["likes"]) == (past.visits, past.peak, past.likes)
    assert stats["comments"] == len(past.comments)  # the hidden one is not counted

    status, body = await server.request("GET", f"/api/v1/lectures/{code}/comments")
    shown = [(round((clock.parse_iso(c["created_at"]) - start) / 60, 1), c["text"]) for c in body["comments"]]
    assert shown == [(m, text) for m, _, text, _ in past.comments]

    status, body = await server.request("GET", f"/api/v1/lectures/{code}/questions")
    answered = {q["text"]: q for q in body["questions"]}
    for asked, _, text, at, speaker, answer in past.questions:
        q = answered[text]
        assert q["state"] == "answered" and q["speaker"] == speaker and q["answer"] == answer
        assert clock.parse_iso(q["answered_at"]) == start + at * 60
        assert clock.parse_iso(q["created_at"]) == start + asked * 60

    status, figures = await server.request("GET", f"/api/v1/lectures/{code}/figures")
    samples = figures["samples"]
    assert len(samples) == past.minutes + 1 and samples[0]["t"] == start and samples[-1]["t"] == end
    assert max(s["online"] for s in samples) == past.peak
