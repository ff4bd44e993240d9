"""Moderator and speaker sessions: signed cookies, CSRF tokens, speaker links.

The control link carries the moderator key once; the page trades it for a
session cookie (HttpOnly, SameSite=Strict, one per lecture) and drops the
key from the address bar. Nothing is stored per session: the cookie is
signed with the node's secret and names the key generation it was made
under, so rotating the key ends every older session on every node at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from live.core.lecture import Lecture

_VERSION = "v1"
ROLES = {"m": "moderator", "s": "speaker"}


def _mac(secret: bytes, message: str, n: int = 32) -> str:
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()[:n]


def moderator_key(secret: bytes, lecture: Lecture) -> str:
    """The lecture's current moderator key. The first is random and stored;
    each rotation's is derived from the node secret and the generation, so
    every node knows it without the key ever entering the log."""
    if lecture.key_generation == 0:
        return lecture.moderator_key
    digest = hmac.new(secret, f"modkey|{lecture.code}|{lecture.key_generation}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def speaker_token(secret: bytes, lecture: Lecture, name: str) -> str:
    """The token in one guest's speaker link (ends with a key rotation too)."""
    return _mac(secret, f"speaker|{lecture.code}|{lecture.key_generation}|{name}", 24)


def ingest_token(secret: bytes, lecture: Lecture) -> str:
    """The token an adapter posts other platforms' comments with: it may
    only ingest, and a key rotation replaces it too."""
    return "ing_" + _mac(secret, f"ingest|{lecture.code}|{lecture.key_generation}", 32)


def cookie_name(code: str, role: str = "moderator") -> str:
    """One cookie per lecture and role: a moderator who opens a guest's
    link to check it stays signed in on the control page."""
    return f"live_session_{code}" if role == "moderator" else f"live_speaker_{code}"


@dataclass(frozen=True)
class Session:
    role: str  # "moderator" | "speaker"
    name: str  # shown in the audit log; a speaker's is their name on the programme
    sid: str
    generation: int
    expires: int

    def csrf(self, secret: bytes, code: str) -> str:
        """Sent back in X-CSRF-Token with every change the page makes: a
        cross-site form can make the browser send the cookie, never this."""
        return _mac(secret, f"csrf|{code}|{self.sid}")


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


def issue(secret: bytes, lecture: Lecture, role: str, name: str, hours: float) -> tuple[str, Session]:
    """A new session and its cookie value."""
    session = Session(role, name, secrets.token_urlsafe(9), lecture.key_generation, int(time.time() + hours * 3600))
    code = next(k for k, v in ROLES.items() if v == role)
    payload = f"{_VERSION}.{code}.{session.generation}.{session.expires}.{session.sid}.{_b64(name)}"
    return f"{payload}.{_mac(secret, f'session|{lecture.code}|{payload}')}", session


def read(secret: bytes, lecture: Lecture, value: str | None) -> Session | None:
    """The session a cookie holds, or None if it is forged, expired, of an
    older key generation or for another lecture."""
    if not value or len(value) > 512 or not value.isascii():
        return None
    payload, _, sig = value.rpartition(".")
    if not hmac.compare_digest(sig, _mac(secret, f"session|{lecture.code}|{payload}")):
        return None
    try:
        version, role, generation, expires, sid, name = payload.split(".")
        session = Session(ROLES[role], _unb64(name), sid, int(generation), int(expires))
    except (ValueError, KeyError, UnicodeDecodeError):
        return None
    if version != _VERSION or session.generation != lecture.key_generation or session.expires < time.time():
        return None
    return session
