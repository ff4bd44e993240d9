"""Figures over time, from the samples a node keeps every ``sample_s``."""

from __future__ import annotations

from typing import Any, Sequence

RATES = ("comments", "questions", "likes", "visits")


def per_minute(samples: Sequence[dict[str, Any]], now: dict[str, int], at: float) -> dict[str, float]:
    """How many comments, questions, likes and visits came in the last
    minute, from the newest sample at least a minute old (or the oldest one,
    scaled to a minute, early in a lecture)."""
    past = [s for s in samples if s["t"] <= at - 60]
    base = past[-1] if past else (samples[0] if samples else None)
    if base is None or at - base["t"] <= 0:
        return {k: 0.0 for k in RATES}
    minutes = (at - base["t"]) / 60
    return {k: round(max(0, now.get(k, 0) - base.get(k, 0)) / minutes, 1) for k in RATES}
