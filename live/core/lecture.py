"""Lectures: validating what an organiser sends, and the public record."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from live.core import clock
from live.core.errors import Refusal
from live.core.text import normalise

STATUSES = ("scheduled", "live", "ended")

EMBED_ORIGINS_MAX = 20


@dataclass(frozen=True)
class ListOf:
    """A list-typed setting: at most ``limit`` items, each checked and
    normalised by ``item`` (which raises ValueError with the reason);
    duplicates (after normalisation) are dropped, the order is kept."""

    item: Callable[[Any], str]
    limit: int

    def check(self, key: str, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise Refusal("invalid", f"Setting '{key}' must be a list.", field=f"settings.{key}")
        if len(value) > self.limit:
            raise Refusal("invalid", f"Setting '{key}' holds at most {self.limit} items.",
                          field=f"settings.{key}", limit=self.limit)
        out: list[str] = []
        for i, raw in enumerate(value):
            try:
                item = self.item(raw)
            except ValueError as e:
                raise Refusal("invalid", f"Setting '{key}', item {i + 1}: {e}", field=f"settings.{key}") from None
            if item not in out:
                out.append(item)
        return out


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_IPV6 = re.compile(r"^\[[0-9a-f:.]+\]$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def checked_origin(value: Any) -> str:
    """A web origin as CSP ``frame-ancestors`` takes it: ``http(s)://host[:port]``,
    lowercased, the default port dropped, no path (one trailing slash is
    forgiven), no user, query or fragment. ``https://*.example.org``
    allows every subdomain."""
    if not isinstance(value, str):
        raise ValueError("an origin must be a string like https://example.org.")
    raw = value.strip()
    if not raw or len(raw) > 300 or any(c in raw for c in "?#@ \t\\;,'\"") or any(ord(c) < 32 for c in raw):
        raise ValueError(f"'{raw[:60]}' is not an origin like https://example.org.")
    scheme, sep, rest = raw.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in _DEFAULT_PORTS:
        raise ValueError(f"'{raw[:60]}' must start with https:// or http://.")
    if rest.endswith("/"):
        rest = rest[:-1]
    if "/" in rest:
        raise ValueError(f"'{raw[:60]}' has a path; give only scheme, host and port.")
    host, port = rest, None
    if not _IPV6.match(rest.lower()) and ":" in rest:
        host, _, port_text = rest.rpartition(":")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"'{raw[:60]}' has an invalid port.")
        port = int(port_text)
    host = host.lower()
    wildcard = host.startswith("*.")
    if wildcard:
        host = host[2:]
    if not _IPV6.match(host):
        try:
            host = host.encode("idna").decode("ascii")  # 例子.中国 → xn--fsqu00a.xn--fiqs8s
        except UnicodeError:
            raise ValueError(f"'{raw[:60]}' has an invalid host name.") from None
        labels = host.split(".")
        if not all(_LABEL.match(label) for label in labels) or len(host) > 253:
            raise ValueError(f"'{raw[:60]}' has an invalid host name.")
        if wildcard and len(labels) < 2:
            raise ValueError(f"'{raw[:60]}': a wildcard needs a domain under it (https://*.example.org).")
    elif wildcard:
        raise ValueError(f"'{raw[:60]}': a wildcard needs a domain name.")
    netloc = ("*." if wildcard else "") + host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


@dataclass(frozen=True)
class Between:
    """A whole-number setting from ``low`` to ``high``."""

    low: int
    high: int

    def check(self, key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            raise Refusal("invalid", f"Setting '{key}' must be a whole number from {self.low} to {self.high}.",
                          field=f"settings.{key}")
        return value


#: The lecture settings, their defaults and the values each may take.
#: Booleans are marked with ``bool``; enumerations with a tuple of choices;
#: lists with a ``ListOf``; numbers with a ``Between``.
SETTING_CHOICES: dict[str, Any] = {
    "comments_open": bool,
    # open: shown at once, word lists not applied; filtered: blocked words
    # refused, watch words held; first: filtered, and each viewer's first
    # comment held until one is approved; held: every comment held.
    "comment_mode": ("open", "filtered", "first", "held"),
    "question_mode": ("open", "held"),
    "questions_before_live": bool,
    # Seconds a viewer waits between two comments (0: no slow mode).
    "slow_mode_s": Between(0, 3600),
    "anonymous_questions": bool,
    # The sites allowed to embed the lecture's pages (widget, viewer page,
    # overlay) in a frame; empty: any site.
    "embed_origins": ListOf(checked_origin, EMBED_ORIGINS_MAX),
    # Days after the lecture ends before viewer identities and hidden
    # comments are purged (the figures stay); 0 keeps everything.
    "retention_days": Between(0, 3650),
    # Where the stream's start falls in the recording (``video_url``), in
    # seconds: a recording that begins 90 s before going live says 90.
    "replay_offset_s": Between(-36000, 36000),
}
DEFAULT_SETTINGS: dict[str, Any] = {
    "comments_open": True,
    "comment_mode": "filtered",
    "question_mode": "open",
    "questions_before_live": True,
    "slow_mode_s": 0,
    "anonymous_questions": True,
    "embed_origins": [],
    "retention_days": 0,
    "replay_offset_s": 0,
}



def default_settings() -> dict[str, Any]:
    """A fresh copy of the defaults (lists are not shared between lectures)."""
    return {k: list(v) if isinstance(v, list) else v for k, v in DEFAULT_SETTINGS.items()}


_VIDEO_SUFFIXES = (".mp4", ".webm", ".m4v", ".mov", ".ogv")
TITLE_MAX, DESCRIPTION_MAX, SPEAKERS_MAX, NAME_MAX, SPEAKER_TITLE_MAX, URL_MAX = 200, 5000, 20, 60, 120, 2000
SERIES_MAX, TAGS_MAX, TAG_MAX = 100, 10, 30


@dataclass
class Lecture:
    code: str
    title: str
    moderator_key: str
    epoch: str
    created_at: str
    description: str = ""
    speakers: list[dict[str, str | None]] = field(default_factory=list)
    starts_at: str | None = None
    ends_at: str | None = None
    stream_url: str | None = None
    status: str = "scheduled"
    settings: dict[str, Any] = field(default_factory=default_settings)
    #: Raised when the moderator key is rotated: keys and sessions of an
    #: older generation stop working.
    key_generation: int = 0
    #: Where times are shown as the hall reads them (pages, the poster, the report).
    timezone: str = clock.DEFAULT_ZONE
    #: The series it belongs to in the catalogue ("新时代 新思想 新宣讲 2024").
    series: str | None = None
    tags: list[str] = field(default_factory=list)
    #: The recording, played by the replay page once the lecture is over.
    video_url: str | None = None
    #: Stamped by the server: when the lecture first went live (the stream's
    #: start, which replay times count from) and when it last ended.
    went_live_at: str | None = None
    ended_at: str | None = None
    #: Stamped by the server when the retention purge (``retention_days``)
    #: has forgotten the viewers' identities and the hidden comments.
    purged_at: str | None = None

    def public(self) -> dict[str, Any]:
        """The record anyone may see: no moderator key, no epoch."""
        return {
            "code": self.code,
            "title": self.title,
            "description": self.description,
            "speakers": [dict(s) for s in self.speakers],
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "stream_url": self.stream_url,
            "stream_kind": stream_kind(self.stream_url),
            "status": self.status,
            "settings": {k: list(v) if isinstance(v, list) else v for k, v in self.settings.items()},
            "created_at": self.created_at,
            "key_generation": self.key_generation,
            "timezone": self.timezone,
            "series": self.series,
            "tags": list(self.tags),
            "video_url": self.video_url,
            "went_live_at": self.went_live_at,
            "ended_at": self.ended_at,
            "purged_at": self.purged_at,
        }

    def to_row(self) -> dict[str, Any]:
        """Everything, for the store."""
        return {**self.public(), "moderator_key": self.moderator_key, "epoch": self.epoch}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "Lecture":
        keep = {k: row[k] for k in cls.__dataclass_fields__ if k in row}
        keep["settings"] = {**default_settings(), **(row.get("settings") or {})}
        return cls(**keep)

    def with_changes(self, changes: Mapping[str, Any]) -> "Lecture":
        changes = dict(changes)
        if "settings" in changes:
            changes["settings"] = {**self.settings, **changes["settings"]}
        return replace(self, **changes)

    def stamped(self, changes: Mapping[str, Any], now: float) -> dict[str, Any]:
        """``changes`` with the times a status change records: the first
        going live (the stream's start) and the latest end."""
        out = dict(changes)
        status = out.get("status")
        if status == "live" and self.went_live_at is None and "went_live_at" not in out:
            out["went_live_at"] = clock.iso(now)
        if status == "ended" and self.status != "ended" and "ended_at" not in out:
            out["ended_at"] = clock.iso(now)
        return out

    def stream_start(self) -> str | None:
        """Where replay times count from: going live, else the scheduled start."""
        return self.went_live_at or self.starts_at


def stream_kind(url: str | None) -> str | None:
    """How a page shows the stream: a file for <video>, an HLS playlist, or
    an embeddable player page."""
    if not url:
        return None
    path = urlsplit(url).path.lower()
    if path.endswith(".m3u8"):
        return "hls"
    if path.endswith(_VIDEO_SUFFIXES):
        return "video"
    return "iframe"


def _text(body: Mapping[str, Any], key: str, limit: int, *, required: bool = False, multiline: bool = False) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise Refusal("invalid", f"'{key}' must be a string.", field=key)
    text = normalise(value, multiline=multiline)
    if required and not text:
        raise Refusal("invalid", f"'{key}' is required.", field=key)
    if len(text) > limit:
        raise Refusal("invalid", f"'{key}' is longer than {limit} characters.", field=key, limit=limit)
    return text


def _time(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Refusal("invalid", f"'{key}' must be an ISO 8601 time.", field=key)
    try:
        return clock.iso(clock.parse_iso(value))
    except (ValueError, OverflowError, OSError):
        raise Refusal("invalid", f"'{key}' must be an ISO 8601 time with a zone.", field=key) from None


def _speakers(value: Any) -> list[dict[str, str | None]]:
    if not isinstance(value, list) or len(value) > SPEAKERS_MAX:
        raise Refusal("invalid", f"'speakers' must be a list of at most {SPEAKERS_MAX}.", field="speakers")
    out = []
    for item in value:
        if not isinstance(item, Mapping):
            raise Refusal("invalid", "Each speaker must be an object {name, title?}.", field="speakers")
        name = _text(item, "name", NAME_MAX, required=True)
        title = _text(item, "title", SPEAKER_TITLE_MAX) or None
        out.append({"name": name, "title": title})
    return out


def _url(value: Any, key: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > URL_MAX:
        raise Refusal("invalid", f"'{key}' must be an http(s) URL.", field=key)
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Refusal("invalid", f"'{key}' must be an http(s) URL.", field=key)
    return value.strip()


def _tags(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > TAGS_MAX:
        raise Refusal("invalid", f"'tags' must be a list of at most {TAGS_MAX}.", field="tags")
    out: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise Refusal("invalid", "Each tag must be a string.", field="tags")
        tag = normalise(item).lstrip("#")
        if not tag or len(tag) > TAG_MAX:
            raise Refusal("invalid", f"A tag has 1 to {TAG_MAX} characters.", field="tags", limit=TAG_MAX)
        if tag not in out:
            out.append(tag)
    return out


def checked_settings(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise Refusal("invalid", "'settings' must be an object.", field="settings")
    out: dict[str, Any] = {}
    for key, v in value.items():
        kind = SETTING_CHOICES.get(key)
        if kind is None:
            raise Refusal("invalid", f"Unknown setting '{key}'.", field=f"settings.{key}")
        if kind is bool and not isinstance(v, bool):
            raise Refusal("invalid", f"Setting '{key}' must be true or false.", field=f"settings.{key}")
        if isinstance(kind, tuple) and v not in kind:
            raise Refusal("invalid", f"Setting '{key}' must be one of {', '.join(kind)}.", field=f"settings.{key}")
        if isinstance(kind, (ListOf, Between)):
            v = kind.check(key, v)
        out[key] = v
    return out


def checked_fields(body: Any, *, partial: bool) -> dict[str, Any]:
    """The lecture fields in a create (``partial=False``) or PATCH body,
    validated and normalised. Unknown fields are refused so that a typo
    does not silently do nothing."""
    if not isinstance(body, Mapping):
        raise Refusal("bad_json", "The body must be a JSON object.")
    known = {"title", "description", "speakers", "starts_at", "ends_at", "stream_url", "settings", "timezone",
             "series", "tags", "video_url"}
    unknown = sorted(set(body) - known)
    if unknown:
        raise Refusal("invalid", f"Unknown field '{unknown[0]}'.", field=unknown[0])
    out: dict[str, Any] = {}
    if "title" in body or not partial:
        out["title"] = _text(body, "title", TITLE_MAX, required=True)
    if "description" in body:
        out["description"] = _text(body, "description", DESCRIPTION_MAX, multiline=True)
    if "speakers" in body:
        out["speakers"] = _speakers(body["speakers"])
    for key in ("starts_at", "ends_at"):
        if key in body:
            out[key] = _time(body, key)
    for key in ("stream_url", "video_url"):
        if key in body:
            out[key] = _url(body[key], key)
    if "series" in body:
        out["series"] = _text(body, "series", SERIES_MAX) or None
    if "tags" in body:
        out["tags"] = _tags(body["tags"])
    if "timezone" in body:
        try:
            out["timezone"] = clock.checked_zone(body["timezone"])
        except ValueError as e:
            raise Refusal("invalid", f"'timezone' must be an IANA zone such as Asia/Shanghai: {e}.",
                          field="timezone") from None
    if "settings" in body:
        out["settings"] = checked_settings(body["settings"])
    return out


def checked_status(body: Any) -> str:
    status = body.get("status") if isinstance(body, Mapping) else None
    if status not in STATUSES:
        raise Refusal("invalid", f"'status' must be one of {', '.join(STATUSES)}.", field="status")
    return status
