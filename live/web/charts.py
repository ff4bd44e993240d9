"""Charts as SVG made on the server: a line of online viewers over time and
bars per minute, inline in the page (no script, no library).

Text must stay readable on a phone and on a wide screen alike, so a chart
is not one scaled picture: the outer SVG is laid out in CSS pixels
vertically and in percent across (labels, grid lines, the peak marker), and
the data is drawn in an inner SVG stretched to the plot (lines keep their
width with ``vector-effect``). Every text is escaped; the numbers are also
in a table beside the chart for screen readers (the page's job)."""

from __future__ import annotations

import math
from datetime import datetime
from html import escape
from typing import Any, Mapping, Sequence
from zoneinfo import ZoneInfo

from markupsafe import Markup

from live.core.clock import iso, local

HEIGHT = 220
TOP = 22  # room for the peak label above the plot
BOTTOM = 24  # the time labels
PLOT_H = HEIGHT - TOP - BOTTOM
PLOT_W = 1000  # the inner drawing's width, stretched to the chart's
BAR_MAX = PLOT_W / 24
#: Time between two ticks, in seconds: the first that gives at most ``TICKS_MAX`` ticks.
TIME_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800)
TICKS_MAX = 5
DAY = 86400


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def _num(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def nice_max(value: float) -> tuple[int, int]:
    """The top of the y axis and the step between its ticks: 1, 2 or 5
    times a power of ten, about four steps up to ``value`` or past it."""
    if value <= 0:
        return 1, 1
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next((m * power for m in (1, 2, 5, 10) if m * power >= raw), 10 * power)
    return int(step * math.ceil(value / step)), int(step)


def time_ticks(t0: float, t1: float, zone: str) -> list[tuple[float, str]]:
    """Ticks on round local times between ``t0`` and ``t1``, labelled as the
    hall reads them (``19:30``; a date once the step is a day or more).
    A span too short for two of them is labelled at its ends."""
    span = max(t1 - t0, 1)
    longest = TIME_STEPS[-1]
    step = next((s for s in TIME_STEPS if span / s <= TICKS_MAX), longest * math.ceil(span / longest / TICKS_MAX))
    # Round in local time: the offset from UTC at t0 (the ticks of one chart never straddle much).
    offset = _offset(t0, zone)
    first = math.ceil((t0 + offset) / step) * step - offset

    def label(t: float) -> str:
        when = local(iso(t), zone)  # 2026-04-21 19:30
        return when[5:10] if step >= DAY else (when[5:] if span >= DAY else when[11:])

    ticks = []
    t = first
    while t <= t1 + 1e-6:
        ticks.append((t, label(t)))
        t += step
    if len(ticks) < 2:
        ends = [(t0, label(t0)), (t1, label(t1))]
        return ends if ends[0][1] != ends[1][1] else ends[:1]
    return ticks


def _offset(t: float, zone: str) -> int:
    delta = datetime.fromtimestamp(t, tz=ZoneInfo(zone)).utcoffset()
    return int(delta.total_seconds()) if delta else 0


def _x(t: float, t0: float, t1: float) -> float:
    """Where ``t`` falls across the plot, from 0 to 1."""
    return (t - t0) / (t1 - t0) if t1 > t0 else 0.5


def _y(v: float, top: int) -> float:
    """A value's height in the inner drawing (0 at the top)."""
    return PLOT_H - v / top * PLOT_H


def _anchor(x: float) -> str:
    return "start" if x < 0.06 else "end" if x > 0.94 else "middle"


def _frame(chart_id: str, kind: str, title: str, desc: str, t0: float, t1: float, top: int, step: int,
           zone: str, drawing: str, overlay: str = "") -> Markup:
    parts = [
        f'<svg class="chart chart-{_a(kind)}" id="{_a(chart_id)}" role="img" focusable="false" '
        f'aria-labelledby="{_a(chart_id)}-t {_a(chart_id)}-d" width="100%" height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{_a(chart_id)}-t">{_a(title)}</title><desc id="{_a(chart_id)}-d">{_a(desc)}</desc>',
        '<g class="grid">',
    ]
    for v in range(0, top + 1, step):
        y = TOP + _y(v, top)
        parts.append(f'<line x1="0" x2="100%" y1="{_num(y)}" y2="{_num(y)}"/>')
    parts.append('</g><g class="ax ax-x">')
    for t, label in time_ticks(t0, t1, zone):
        x = _x(t, t0, t1)
        parts.append(f'<line class="tick" x1="{_num(x * 100)}%" x2="{_num(x * 100)}%" y1="{TOP + PLOT_H}" '
                     f'y2="{TOP + PLOT_H + 4}"/>'
                     f'<text x="{_num(x * 100)}%" y="{HEIGHT - 6}" text-anchor="{_anchor(x)}">{_a(label)}</text>')
    parts.append("</g>")
    parts.append(f'<svg class="plot" x="0" y="{TOP}" width="100%" height="{PLOT_H}" viewBox="0 0 {PLOT_W} {PLOT_H}" '
                 f'preserveAspectRatio="none">{drawing}</svg>')
    # The values' labels over the drawing (with a halo), so that a bar never hides one.
    parts.append('<g class="ax ax-y">')
    for v in range(step, top + 1, step):
        parts.append(f'<text x="2" y="{_num(TOP + _y(v, top) - 4)}">{_a(f"{v:,}")}</text>')
    parts.append("</g>")
    parts.append(overlay)
    parts.append("</svg>")
    return Markup("".join(parts))


def _pairs(rows: Sequence[Mapping[str, Any]], key: str) -> list[tuple[float, int]]:
    return [(r["t"], r[key] or 0) for r in rows]


def line_chart(rows: Sequence[Mapping[str, Any]], key: str, *, every_s: int, zone: str, title: str, desc: str,
               chart_id: str, peak: tuple[float, int] | None = None, peak_label: str = "") -> Markup:
    """A value over time (``rows``: ``{"t": Unix time, key: value}``, in
    order, at least one): an area under a line, broken where no sample was
    kept (nobody connected, or the node down), and the peak marked with
    ``peak_label``."""
    points = _pairs(rows, key)
    t0, t1 = points[0][0], points[-1][0]
    if t1 <= t0:
        t0, t1 = t0 - every_s, t1 + every_s
    top, step = nice_max(max(v for _, v in points))
    segments: list[list[tuple[float, int]]] = []
    for t, v in points:
        if not segments or t - segments[-1][-1][0] > 2.5 * every_s:
            segments.append([])
        segments[-1].append((t, v))
    drawing = []
    overlay = []
    for seg in segments:
        xy = [(_x(t, t0, t1) * PLOT_W, _y(v, top)) for t, v in seg]
        line = " ".join(f"{_num(x)},{_num(y)}" for x, y in xy)
        floor = f"{_num(xy[-1][0])},{PLOT_H} {_num(xy[0][0])},{PLOT_H}"
        drawing.append(f'<polygon class="area" points="{line} {floor}"/>'
                       f'<polyline class="line" points="{line}" vector-effect="non-scaling-stroke"/>')
        if len(seg) == 1:  # a lone sample draws no line: a dot shows it
            overlay.append(f'<circle class="dot" cx="{_num(_x(seg[0][0], t0, t1) * 100)}%" '
                           f'cy="{_num(TOP + xy[0][1])}" r="2.5"/>')
    if peak is not None:
        x, y = _x(peak[0], t0, t1), TOP + _y(peak[1], top)
        overlay.append(f'<g class="peak"><line x1="{_num(x * 100)}%" x2="{_num(x * 100)}%" y1="{_num(y)}" '
                       f'y2="{TOP + PLOT_H}"/><circle cx="{_num(x * 100)}%" cy="{_num(y)}" r="4.5"/>'
                       f'<text x="{_num(x * 100)}%" y="{_num(max(y - 9, 13))}" text-anchor="{_anchor(x)}">'
                       f'{_a(peak_label)}</text></g>')
    return _frame(chart_id, "line", title, desc, t0, t1, top, step, zone, "".join(drawing), "".join(overlay))


def bar_chart(rows: Sequence[Mapping[str, Any]], key: str, *, width_s: int, zone: str, title: str, desc: str,
              chart_id: str, kind: str = "bars") -> Markup:
    """One bar per bucket (``rows``: ``{"t": its start in Unix time, key:
    its count}``, at least one), an empty bucket a bar of no height."""
    bars = _pairs(rows, key)
    t0 = bars[0][0]
    t1 = bars[-1][0] + width_s
    top, step = nice_max(max(v for _, v in bars))
    slot = PLOT_W / len(bars)
    # A few buckets make slim bars in the middle of theirs, not slabs.
    width = min(slot - min(slot * 0.2, 4), BAR_MAX)
    drawing = []
    for t, v in bars:
        x = _x(t, t0, t1) * PLOT_W + (slot - width) / 2
        y = _y(v, top)
        drawing.append(f'<rect class="bar" x="{_num(x)}" y="{_num(y)}" width="{_num(width)}" '
                       f'height="{_num(PLOT_H - y)}" data-n="{int(v)}"/>')
    return _frame(chart_id, kind, title, desc, t0, t1, top, step, zone, "".join(drawing))
