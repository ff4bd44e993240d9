"""``live demo``'s catalogue, on both backends: what it makes, that the past
lectures' records are dated inside their streams, and that running it again
adds nothing."""

from __future__ import annotations

import html
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from live.core import clock
from live.demo import PAST, TITLE, UPCOMING, ensure_demo
from tests.conftest import ROOT, Server, free_port


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


async def test_a_past_demo_lecture_replays_and_adds_up(server: Server) -> None:
    await ensure_demo(server.svc.store, server.svc.keys.secret)
    past = PAST[0]
    code = (await _catalogue(server))[past.fields["title"]]["code"]

    status, replay = await server.request("GET", f"/api/v1/lectures/{code}/replay")
    assert status == 200
    assert [(c["t"], c["text"]) for c in replay["comments"]] == [(m * 60, text) for m, _, text, _ in past.comments]
    # A question shows from when it was taken up: four minutes before it was answered.
    assert sorted(q["t"] for q in replay["questions"]) == sorted((at - 4) * 60 for *_, at, _, _ in past.questions)
    assert replay["duration_s"] == past.minutes * 60

    status, figures = await server.request("GET", f"/api/v1/lectures/{code}/dashboard")
    assert status == 200
    assert (figures["visits"], figures["peak_online"]) == (past.visits, past.peak)
    assert figures["comments"] == {"received": len(past.comments) + len(past.hidden), "shown": len(past.comments)}
    assert figures["questions"]["answered"] == len(past.questions)
    assert figures["top_questions"] and figures["hot_words"]

    status, totals = await server.request("GET", "/api/v1/figures?series=" + past.fields["series"])
    assert status == 200 and [row["code"] for row in totals["lectures"]] == [code]
    assert totals["totals"]["visits"] == past.visits


def test_live_demo_serves_the_catalogue_and_prints_its_links(tmp_path: Path) -> None:
    """The README's first command, as a user runs it."""
    port = free_port()
    log_path = tmp_path / "demo.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "live", "demo", "--port", str(port), "--data-dir",
                                 str(tmp_path / "data")], stdout=log, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"}, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while "接口 API" not in log_path.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log_path.read_text()
            time.sleep(0.1)
        printed = log_path.read_text()
        assert f"课单 catalogue:    http://127.0.0.1:{port}/" in printed, printed
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            home = response.read().decode()
        for title in [TITLE, *(p.fields["title"] for p in PAST), *(f["title"] for _, f in UPCOMING)]:
            assert html.escape(title, quote=False) in home or html.escape(title) in home, title
        code = re.search(r"/l/([A-Z0-9]{6})\b", printed.split("观众页 viewer:", 1)[1]).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/l/{code}", timeout=10) as response:
            assert response.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
