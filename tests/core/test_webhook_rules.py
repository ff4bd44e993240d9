"""The webhook rules: which events are sent, the signature, the retries."""

from __future__ import annotations

import hashlib
import hmac
from email.utils import formatdate

from live.core import webhooks
from live.core.clock import iso
from live.core.lecture import Lecture
from live.core.room import Room

T0 = 1_776_000_000.0


def fresh() -> Room:
    lec = Lecture(code="K7MXQ2", title="“劳模精神”大家谈", moderator_key="k", epoch="e", created_at=iso(T0))
    return Room(lec.with_changes({"settings": {"comment_mode": "open"}}))


def test_status_changes_are_sent_once_each() -> None:
    room = fresh()
    before = room.lecture
    live = room.update_lecture({"status": "live"}, T0 + 10, by="主持人")
    [hook] = webhooks.hooks("K7MXQ2", [live], before)
    assert (hook.id, hook.type, hook.at) == (f"K7MXQ2-{live.seq}", "lecture.live", iso(T0 + 10))
    assert hook.data == {"status": "live", "previous": "scheduled", "went_live_at": iso(T0 + 10), "ended_at": None}
    assert hook.lecture["status"] == "live"
    # A settings change of a live lecture is no status change.
    before = room.lecture
    assert webhooks.hooks("K7MXQ2", [room.update_lecture({"settings": {"slow_mode_s": 5}}, T0 + 20)], before) == []
    before = room.lecture
    [ended] = webhooks.hooks("K7MXQ2", [room.update_lecture({"status": "ended"}, T0 + 30)], before)
    assert ended.type == "lecture.ended" and ended.data["ended_at"] == iso(T0 + 30)
    # Back to scheduled is no event anyone subscribes to.
    before = room.lecture
    assert webhooks.hooks("K7MXQ2", [room.update_lecture({"status": "scheduled"}, T0 + 40)], before) == []


def test_featured_comments_but_nothing_private() -> None:
    room = fresh()
    room.post_comment("v1.a.s", "说得好", "阿丽", T0)
    featured = room.moderate_comment("c1", "feature", T0 + 1, by="m")
    [hook] = webhooks.hooks("K7MXQ2", [featured], room.lecture)
    assert hook.type == "comment.featured" and hook.data["text"] == "说得好" and "viewer" not in hook.data
    room.moderate_comment("c1", "hide", T0 + 2, by="m")
    room.moderate_comment("c1", "unfeature", T0 + 3, by="m")
    hidden_featured = room.moderate_comment("c1", "feature", T0 + 4, by="m")
    assert hidden_featured is not None and hidden_featured.private
    assert webhooks.hooks("K7MXQ2", [hidden_featured], room.lecture) == []


def test_a_question_is_answered_once() -> None:
    room = fresh()
    room.post_question("v1.a.s", "劳模精神是什么？", "阿丽", False, T0)
    room.post_question("v1.b.s", "怎么练成的？", None, True, T0 + 1)
    answering = room.update_question("q1", T0 + 2, state="answering")
    assert webhooks.hooks("K7MXQ2", answering, room.lecture) == []
    # Taking up q2 moves q1 to answered: that counts.
    displaced = room.update_question("q2", T0 + 3, state="answering")
    [hook] = webhooks.hooks("K7MXQ2", displaced, room.lecture)
    assert (hook.type, hook.data["id"], hook.data["state"]) == ("question.answered", "q1", "answered")
    answered = room.update_question("q2", T0 + 4, state="answered", answer="勤学苦练")
    [hook] = webhooks.hooks("K7MXQ2", answered, room.lecture)
    assert hook.data["answer"] == "勤学苦练" and "votes" not in hook.data
    # Editing the answer, or answering again later, is not a new answer.
    assert webhooks.hooks("K7MXQ2", room.update_question("q2", T0 + 5, answer="更正"), room.lecture) == []
    room.update_question("q2", T0 + 6, state="approved")
    assert webhooks.hooks("K7MXQ2", room.update_question("q2", T0 + 7, state="answered"), room.lecture) == []


def test_body_and_signature() -> None:
    room = fresh()
    before = room.lecture
    [hook] = webhooks.hooks("K7MXQ2", [room.update_lecture({"status": "live"}, T0)], before)
    body = webhooks.body(hook, {"viewer": "https://live.example.org/l/K7MXQ2"})
    assert set(body) == {"id", "type", "at", "lecture", "data"}
    assert body["lecture"]["code"] == "K7MXQ2" and body["lecture"]["urls"]["viewer"].endswith("/l/K7MXQ2")
    raw = b'{"id":"K7MXQ2-1"}'
    sig = webhooks.signature(b"s3cret", 1_776_000_000, raw)
    t, v1 = (part.split("=", 1)[1] for part in sig.split(","))
    assert t == "1776000000"
    assert v1 == hmac.new(b"s3cret", b"1776000000." + raw, hashlib.sha256).hexdigest()
    assert webhooks.signature(b"other", 1_776_000_000, raw) != sig


def test_what_is_retried() -> None:
    for status in (None, 500, 502, 503, 408, 429):
        assert webhooks.retryable(status)
    for status in (400, 401, 403, 404, 410, 301):
        assert not webhooks.retryable(status)


def test_backoff_doubles_with_jitter_and_gives_up() -> None:
    lowest = lambda a, b: a  # noqa: E731
    highest = lambda a, b: b  # noqa: E731
    assert [webhooks.next_wait(500, n, 5, 2.0, None, highest) for n in range(1, 6)] == [2.0, 4.0, 8.0, 16.0, None]
    assert webhooks.next_wait(None, 3, 5, 2.0, None, lowest) == 4.0
    assert webhooks.next_wait(400, 1, 5, 2.0, None) is None
    assert webhooks.next_wait(500, 40, 99, 2.0, None, highest) == webhooks.WAIT_MAX_S
    # Retry-After wins over the backoff, within the same ceiling.
    assert webhooks.next_wait(429, 1, 5, 2.0, 7.0) == 7.0
    assert webhooks.next_wait(503, 1, 5, 2.0, 10 ** 6) == webhooks.WAIT_MAX_S


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert webhooks.retry_after("120", T0) == 120.0
    assert webhooks.retry_after(formatdate(T0 + 30, usegmt=True), T0) == 30.0
    assert webhooks.retry_after(formatdate(T0 - 30, usegmt=True), T0) == 0.0
    for bad in (None, "", "soon", "-5"):
        assert webhooks.retry_after(bad, T0) is None
