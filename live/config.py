"""Every setting of a node, in one table.

The table feeds the command line (each setting is a flag and a ``LIVE_*``
variable; the flag wins), ``docs/configuration.md`` and a test that fails when
a setting is undocumented. Domain limits live here too so that an operator
can see and change them in one place.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from live.core.words import parse_word_file


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str
    #: Shown on the command line as a flag; the rest are variables only.
    flag: bool = False

    @property
    def env(self) -> str:
        return "LIVE_" + self.name.upper()

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


def _origins(value: str) -> tuple[str, ...]:
    return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())


def _urls(value: str) -> tuple[str, ...]:
    urls = tuple(u.strip() for u in value.split(",") if u.strip())
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"'{url}' is not an http(s) URL")
    return urls


def _s(default: Any, help: str, parse: Callable[[str], Any] = str, flag: bool = False) -> Any:
    return field(default=default, metadata={"help": help, "parse": parse, "flag": flag})


@dataclass(frozen=True)
class Settings:
    host: str = _s("127.0.0.1", "Address to listen on (0.0.0.0 for every interface).", flag=True)
    port: int = _s(8080, "TCP port to listen on (0 picks a free one).", int, flag=True)
    data_dir: str = _s("./data", "Directory for the embedded store, the admin token and the secret.", flag=True)
    redis_url: str | None = _s(None, "Redis URL; unset runs the embedded store (one node).", flag=True)
    admin_token: str | None = _s(None, "The organiser's token; unset: generated on first start, kept in the data directory.")
    public_url: str | None = _s(None, "Base URL for links (e.g. https://live.example.org); unset: taken from each request.")
    allowed_origins: tuple[str, ...] = _s((), "Comma-separated origins, besides the service's own, allowed to open WebSockets.", _origins)
    tick_ms: int = _s(100, "Fan-out tick in milliseconds: new events reach viewers at most this often.", int)
    counters_ms: int = _s(500, "How often counters and vote tallies are broadcast, in milliseconds.", int)
    history_size: int = _s(10_000, "Events per lecture kept for resume; an older `since` gets a fresh snapshot.", int)
    snapshot_comments: int = _s(100, "Visible comments in a welcome snapshot.", int)
    comment_max: int = _s(300, "Longest comment, in characters.", int)
    question_max: int = _s(500, "Longest question, in characters.", int)
    nickname_max: int = _s(24, "Longest nickname, in characters.", int)
    comment_rate: float = _s(0.5, "Comments per second per viewer, sustained.", float)
    comment_burst: int = _s(3, "Comments a viewer may send at once before the rate applies.", int)
    question_rate: float = _s(0.1, "Questions per second per viewer, sustained.", float)
    question_burst: int = _s(2, "Questions a viewer may send at once.", int)
    like_rate: float = _s(200.0, "Likes per second per viewer, sustained.", float)
    like_burst: int = _s(400, "Likes a viewer may send at once.", int)
    vote_rate: float = _s(2.0, "Votes per second per viewer, sustained.", float)
    vote_burst: int = _s(10, "Votes a viewer may send at once.", int)
    max_frame_bytes: int = _s(16 * 1024, "Largest client WebSocket frame; a larger one closes with 1009.", int)
    bad_frames_max: int = _s(20, "Unreadable frames a connection may send before it is closed with 1008.", int)
    send_buffer_bytes: int = _s(256 * 1024, "Bytes queued to one slow client (beyond a 64 KiB kernel buffer) before it is reset; it then reconnects and resumes.", int)
    heartbeat_s: float = _s(30.0, "WebSocket ping interval; a client that does not answer is dropped.", float)
    sqlite_synchronous: str = _s("FULL", "SQLite synchronous mode: FULL survives power loss, NORMAL only a process crash.", str.upper)
    write_batch: int = _s(512, "Most writes committed in one SQLite transaction.", int)
    redis_connections: int = _s(64, "With Redis: connections each node keeps to it at most (callers queue beyond).", int)
    online_stale_s: int = _s(30, "With Redis: a node that has not reported its viewers for this long is left out of online.", int)
    connections_max: int = _s(20000, "WebSockets this node holds at most; past it a newcomer is closed with 1013 and told when to come back.", int)
    ip_connections_max: int = _s(5000, "WebSockets one network address may hold at once (a loose backstop: a hall shares one address).", int)
    ip_message_rate: float = _s(500.0, "Messages per second from one network address, sustained, over all its viewers (a backstop).", float)
    ip_message_burst: int = _s(2000, "Messages one network address may send at once before its rate applies.", int)
    word_list: str | None = _s(None, "A word-list file applied to every lecture: one word per line, `?word` for a watch word, `#` comments.")
    session_hours: float = _s(12.0, "How long a moderator's or speaker's session cookie lasts.", float)
    sample_s: int = _s(10, "Seconds between two samples of a lecture's figures (online over time).", int)
    shutdown_s: float = _s(8.0, "Seconds a SIGTERM drain may take before the process exits anyway.", float)
    retention_check_s: float = _s(3600.0, "Seconds between two looks for lectures whose `retention_days` have passed (they are purged then).", float)
    webhook_urls: tuple[str, ...] = _s((), "Comma-separated http(s) URLs sent a signed POST when a lecture goes live or ends, a comment is featured, a question answered (docs/webhooks.md).", _urls)
    webhook_secret: str | None = _s(None, "The shared secret that signs webhooks (`X-Live-Signature`); required with `webhook_urls`.")
    webhook_attempts: int = _s(8, "Attempts per webhook delivery before it is given up (connection errors, timeouts, 5xx, 408, 429 are retried).", int)
    webhook_backoff_s: float = _s(2.0, "Wait after a webhook's first failed attempt, doubled after each (with jitter; a `Retry-After` wins).", float)
    webhook_timeout_s: float = _s(10.0, "Seconds a webhook receiver has to answer one attempt.", float)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    def base_words(self) -> tuple[list[str], list[str]]:
        """The node's default (blocked, watch) lists, from ``word_list``."""
        if not self.word_list:
            return [], []
        try:
            return parse_word_file(Path(self.word_list).read_text(encoding="utf-8"))
        except OSError as exc:
            raise SystemExit(f"{self.word_list}: {exc.strerror}") from None

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(f.name, f.default, f.metadata["help"], f.metadata["parse"], f.metadata["flag"])
    for f in dataclasses.fields(Settings)
)
_BY_NAME = {s.name: s for s in SETTINGS}


def load(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from defaults, then ``LIVE_*`` variables, then ``overrides``
    (the command line's flags; a ``None`` there means "not given")."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for s in SETTINGS:
        raw = environ.get(s.env)
        if raw is not None and raw != "":
            try:
                values[s.name] = s.parse(raw)
            except ValueError as exc:
                raise SystemExit(f"{s.env}: {exc}") from None
    for name, value in (overrides or {}).items():
        if value is not None:
            if name not in _BY_NAME:
                raise KeyError(name)
            values[name] = value
    return Settings(**values)


def markdown_table() -> str:
    """The reference table for ``docs/configuration.md``."""
    rows = ["| setting | flag | variable | default | what it does |", "| --- | --- | --- | --- | --- |"]
    for s in SETTINGS:
        default = "unset" if s.default is None else ("none" if s.default == () else f"`{s.default}`")
        rows.append(f"| `{s.name}` | {'`' + s.option + '`' if s.flag else ''} | `{s.env}` | {default} | {s.help} |")
    return "\n".join(rows)
