"""Token buckets, with a clock the test moves by hand."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from live.core.ratelimit import Buckets, Rate


class FakeClock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> None:
        self.t += dt


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def comments(clock: FakeClock) -> Buckets:
    # the default for comments: 1 every 2 s, bursts of 3
    return Buckets(Rate(per_second=0.5, burst=3), clock)


def test_burst_then_refused_with_retry_after(clock: FakeClock) -> None:
    b = comments(clock)
    assert [b.take("v1") for _ in range(3)] == [None, None, None]
    assert b.take("v1") == pytest.approx(2.0)
    clock.advance(0.5)
    assert b.take("v1") == pytest.approx(1.5)


def test_refill_over_time(clock: FakeClock) -> None:
    b = comments(clock)
    for _ in range(3):
        assert b.take("v1") is None
    clock.advance(1.9)
    assert b.take("v1") == pytest.approx(0.1)
    clock.advance(0.1)
    assert b.take("v1") is None  # one token back after 2 s
    assert b.take("v1") == pytest.approx(2.0)
    clock.advance(60)  # refills to the burst, never past it
    assert [b.take("v1") for _ in range(3)] == [None, None, None]
    assert b.take("v1") is not None


def test_a_refusal_costs_nothing(clock: FakeClock) -> None:
    b = comments(clock)
    for _ in range(3):
        b.take("v1")
    for _ in range(5):
        assert b.take("v1") == pytest.approx(2.0)
    clock.advance(2.0)
    assert b.take("v1") is None


def test_keys_are_independent(clock: FakeClock) -> None:
    b = comments(clock)
    for _ in range(3):
        assert b.take("v1") is None
    assert b.take("v1") is not None
    assert [b.take("v2") for _ in range(3)] == [None, None, None]
    assert b.take(("v3", "K7MXQ2")) is None
    assert len(b) == 3


def test_take_many_for_likes(clock: FakeClock) -> None:
    likes = Buckets(Rate(per_second=200, burst=200), clock)
    assert likes.take("v1", 100) is None
    assert likes.take("v1", 100) is None
    assert likes.take("v1", 1) == pytest.approx(1 / 200)
    assert likes.take("v1", 50) == pytest.approx(50 / 200)
    clock.advance(0.25)
    assert likes.take("v1", 51) == pytest.approx(1 / 200)
    assert likes.take("v1", 50) is None
    assert likes.take("v2", 100) is None  # another viewer


def test_take_many_is_all_or_nothing(clock: FakeClock) -> None:
    b = Buckets(Rate(per_second=10, burst=10), clock)
    assert b.take("v", 7) is None
    assert b.take("v", 4) == pytest.approx(0.1)  # 3 left, 4 wanted: nothing taken
    assert b.take("v", 3) is None


def test_zero_rate_never_refills(clock: FakeClock) -> None:
    b = Buckets(Rate(per_second=0, burst=1), clock)
    assert b.take("v") is None
    assert b.take("v") == float("inf")


def test_idle_buckets_are_forgotten(clock: FakeClock) -> None:
    b = Buckets(Rate(per_second=1, burst=2), clock)
    for i in range(5000):
        b.take(("old", i))
    clock.advance(10)  # every old bucket is full again
    for i in range(5001):
        b.take(("new", i))
    assert len(b) < 10_001
    assert all(k[0] == "new" for k in b._state)


@pytest.mark.parametrize(
    "per_second, burst, start, gap",
    [
        (0.1, 2, 0.0, 0.1),  # the question default: 1 every 10 s, bursts of 2
        (1 / 3, 1, 0.0, 0.7),
        (7, 1, 1000.0, 0.1),
        (7, 1, 12345.678, 0.013),
    ],
)
def test_waiting_retry_after_is_enough_examples(per_second: float, burst: int, start: float, gap: float) -> None:
    clock = FakeClock(start)
    b = Buckets(Rate(per_second, burst), clock)
    for _ in range(burst):
        assert b.take("v") is None
    clock.advance(gap)
    retry = b.take("v")
    assert retry is not None and retry > 0
    clock.advance(retry)
    assert b.take("v") is None


@settings(max_examples=200, deadline=None)
@given(
    per_second=st.floats(min_value=0.01, max_value=500, allow_nan=False),
    burst=st.integers(min_value=1, max_value=20),
    start=st.floats(min_value=0, max_value=1e7, allow_nan=False),
    gaps=st.lists(st.floats(min_value=0, max_value=3, allow_nan=False), max_size=30),
)
def test_waiting_retry_after_is_enough(per_second: float, burst: int, start: float, gaps: list[float]) -> None:
    """A client told to wait ``retry_after`` that sends again exactly then
    is let through (not refused again with a retry_after of 1e-16 s)."""
    clock = FakeClock(start)
    b = Buckets(Rate(per_second, burst), clock)
    for gap in gaps:
        clock.advance(gap)
        retry = b.take("v")
        if retry is not None:
            assert retry > 0
            clock.advance(retry)
            assert b.take("v") is None


@settings(max_examples=200, deadline=None)
@given(
    per_second=st.floats(min_value=0.1, max_value=50, allow_nan=False),
    burst=st.integers(min_value=1, max_value=10),
    gaps=st.lists(st.floats(min_value=0, max_value=2, allow_nan=False), min_size=1, max_size=60),
)
def test_never_more_than_burst_plus_rate(per_second: float, burst: int, gaps: list[float]) -> None:
    clock = FakeClock(0.0)
    b = Buckets(Rate(per_second, burst), clock)
    allowed = 0
    for gap in gaps:
        clock.advance(gap)
        allowed += b.take("v") is None
    assert allowed <= burst + clock.t * per_second + 1e-6
