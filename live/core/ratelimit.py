"""Token buckets with an injected clock, so tests decide what time it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable

#: Tokens of slack for float rounding: a client that waited exactly the
#: ``retry_after`` it was given must not be refused again for 1e-16 of a token
#: (the error grows with the clock's magnitude: ~1e-9 s at 1e7 s of uptime).
_EPSILON = 1e-6


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: int


class Buckets:
    """One token bucket per key. ``take`` answers None when allowed, or the
    seconds to wait. Idle buckets that have refilled are forgotten, so memory
    follows the active senders, not everyone who ever sent."""

    def __init__(self, rate: Rate, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.clock = clock
        self._state: dict[Hashable, tuple[float, float]] = {}
        self._since_sweep = 0

    def take(self, key: Hashable, n: float = 1.0) -> float | None:
        now = self.clock()
        tokens, last = self._state.get(key, (float(self.rate.burst), now))
        tokens = min(float(self.rate.burst), tokens + (now - last) * self.rate.per_second)
        if n > tokens + _EPSILON:
            self._state[key] = (tokens, now)
            need = n - tokens
            return need / self.rate.per_second if self.rate.per_second > 0 else float("inf")
        self._state[key] = (max(0.0, tokens - n), now)
        self._maybe_sweep(now)
        return None

    def _maybe_sweep(self, now: float) -> None:
        self._since_sweep += 1
        if self._since_sweep < 10_000:
            return
        self._since_sweep = 0
        full_after = self.rate.burst / self.rate.per_second if self.rate.per_second > 0 else float("inf")
        self._state = {k: v for k, v in self._state.items() if now - v[1] < full_after}

    def __len__(self) -> int:
        return len(self._state)
