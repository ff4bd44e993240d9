"""Lectures: validating what an organiser sends, and the public record."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping
from urllib.parse import urlsplit

from live.core import clock
from live.core.errors import Refusal
from live.core.text import normalise

STATUSES = ("scheduled", "live", "ended")

#: The lecture settings, their defaults and the values each may take.
#: Booleans are marked with ``bool``; enumerations with a tuple of choices.
SETTING_CHOICES: dict[str, Any] = {
    "comments_open": bool,
    "comment_mode": ("open", "held"),
    "question_mode": ("open", "held"),
    "anonymous_questions": bool,
}
DEFAULT_SETTINGS: dict[str, Any] = {
    "comments_open": True,
    "comment_mode": "open",
    "question_mode": "open",
    "anonymous_questions": True,
}

_VIDEO_SUFFIXES = (".mp4", ".webm", ".m4v", ".mov", ".ogv")
TITLE_MAX, DESCRIPTION_MAX, SPEAKERS_MAX, NAME_MAX, SPEAKER_TITLE_MAX, URL_MAX = 200, 5000, 20, 60, 120, 2000


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
    settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))

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
            "settings": dict(self.settings),
            "created_at": self.created_at,
        }

    def to_row(self) -> dict[str, Any]:
        """Everything, for the store."""
        return {**self.public(), "moderator_key": self.moderator_key, "epoch": self.epoch}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> "Lecture":
        keep = {k: row[k] for k in cls.__dataclass_fields__ if k in row}
        keep["settings"] = {**DEFAULT_SETTINGS, **(row.get("settings") or {})}
        return cls(**keep)

    def with_changes(self, changes: Mapping[str, Any]) -> "Lecture":
        changes = dict(changes)
        if "settings" in changes:
            changes["settings"] = {**self.settings, **changes["settings"]}
        return replace(self, **changes)


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


def _stream_url(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > URL_MAX:
        raise Refusal("invalid", "'stream_url' must be an http(s) URL.", field="stream_url")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Refusal("invalid", "'stream_url' must be an http(s) URL.", field="stream_url")
    return value.strip()


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
        out[key] = v
    return out


def checked_fields(body: Any, *, partial: bool) -> dict[str, Any]:
    """The lecture fields in a create (``partial=False``) or PATCH body,
    validated and normalised. Unknown fields are refused so that a typo
    does not silently do nothing."""
    if not isinstance(body, Mapping):
        raise Refusal("bad_json", "The body must be a JSON object.")
    known = {"title", "description", "speakers", "starts_at", "ends_at", "stream_url", "settings"}
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
    if "stream_url" in body:
        out["stream_url"] = _stream_url(body["stream_url"])
    if "settings" in body:
        out["settings"] = checked_settings(body["settings"])
    return out


def checked_status(body: Any) -> str:
    status = body.get("status") if isinstance(body, Mapping) else None
    if status not in STATUSES:
        raise Refusal("invalid", f"'status' must be one of {', '.join(STATUSES)}.", field="status")
    return status
