"""What a node counts about itself, for ``GET /metrics`` (Prometheus text)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Metrics:
    frames_sent: int = 0
    bytes_sent: int = 0
    slow_consumers_cut: int = 0
    ticks: int = 0
    tick_seconds: float = 0.0
    events_delivered: int = 0
    #: acks by result: "ok" or the error code
    acks: Counter[str] = field(default_factory=Counter)
    #: webhook deliveries by result: delivered, retried (an attempt that
    #: failed and will be tried again), failed (given up), dropped
    webhooks: Counter[str] = field(default_factory=Counter)
    #: lectures this node purged (retention)
    purges: int = 0

    def sent(self, nbytes: int) -> None:
        self.frames_sent += 1
        self.bytes_sent += nbytes


def _line(out: list[str], name: str, kind: str, help_: str, samples: list[tuple[str, float]]) -> None:
    out.append(f"# HELP {name} {help_}")
    out.append(f"# TYPE {name} {kind}")
    for labels, value in samples:
        out.append(f"{name}{labels} {value:g}" if isinstance(value, float) else f"{name}{labels} {value}")


def render(m: Metrics, *, connections: int, lectures: int, store: dict[str, float]) -> str:
    out: list[str] = []
    _line(out, "live_connections", "gauge", "WebSocket connections on this node.", [("", connections)])
    _line(out, "live_lectures_followed", "gauge", "Lectures this node has viewers of.", [("", lectures)])
    _line(out, "live_frames_sent_total", "counter", "Frames written to clients.", [("", m.frames_sent)])
    _line(out, "live_bytes_sent_total", "counter", "Bytes written to clients.", [("", m.bytes_sent)])
    _line(out, "live_events_delivered_total", "counter", "Log events this node's hub received.",
          [("", m.events_delivered)])
    _line(out, "live_acks_total", "counter", "Acks sent, by result (ok or the error code).",
          [(f'{{result="{k}"}}', v) for k, v in sorted(m.acks.items())] or [('{result="ok"}', 0)])
    _line(out, "live_slow_consumers_total", "counter", "Clients cut off for not reading.", [("", m.slow_consumers_cut)])
    _line(out, "live_tick_seconds", "summary", "Time spent in fan-out ticks.",
          [("_sum", m.tick_seconds), ("_count", m.ticks)])
    _line(out, "live_webhooks_total", "counter", "Webhook deliveries by result (delivered, retried, failed, dropped).",
          [(f'{{result="{k}"}}', m.webhooks[k]) for k in ("delivered", "retried", "failed", "dropped")])
    _line(out, "live_retention_purges_total", "counter", "Lectures this node purged (retention).", [("", m.purges)])
    for name, value in sorted(store.items()):
        _line(out, f"live_store_{name}", "counter" if name.endswith("_total") else "gauge", f"Store: {name}.",
              [("", value)])
    return "\n".join(out) + "\n"
