"""Who is asking: the organiser's admin token, a lecture's moderator key
(as a bearer token, or traded for a session cookie: ``sessions``), a
speaker's link."""

from __future__ import annotations

import hmac
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from live.core.codes import new_secret
from live.core.errors import Refusal
from live.core.lecture import Lecture
from live.core.text import normalise
from live.web import sessions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Keys:
    admin_token: str
    #: Signs viewer tokens; kept in the data directory so identities survive restarts.
    secret: bytes
    #: The admin token was made just now (print it once).
    generated: bool = False


def _read_or_create(path: Path, make: str) -> tuple[str, bool]:
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(make + "\n")
    return make, True


def load_keys(data_dir: Path, admin_token: str | None) -> Keys:
    secret, _ = _read_or_create(data_dir / "secret", new_secret(32))
    generated = False
    if not admin_token:
        admin_token, generated = _read_or_create(data_dir / "admin_token", new_secret())
    return Keys(admin_token=admin_token, secret=secret.encode(), generated=generated)


async def share_keys(keys: Keys, configured_admin_token: str | None, shared: Any, data_dir: Path) -> Keys:
    """With several nodes, every one must sign viewer tokens alike and know
    the same admin token: the values kept in the shared store win (and the
    admin token is written to this node's data directory, where the CLI
    looks for it)."""
    secret, _ = await shared("secret", keys.secret.decode())
    if configured_admin_token:
        return Keys(admin_token=configured_admin_token, secret=secret.encode())
    admin, created = await shared("admin_token", keys.admin_token)
    (data_dir / "admin_token").write_text(admin + "\n")
    return Keys(admin_token=admin, secret=secret.encode(), generated=created)


def bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def is_admin(keys: Keys, token: str | None) -> bool:
    return token is not None and _same(token, keys.admin_token)


def key_role(keys: Keys, token: str | None, lecture: Lecture) -> str | None:
    """"admin" for the admin token, "moderator" for the lecture's current key."""
    if token is None:
        return None
    if _same(token, keys.admin_token):
        return "admin"
    if _same(token, sessions.moderator_key(keys.secret, lecture)):
        return "moderator"
    return None


def is_moderator(keys: Keys, token: str | None, lecture: Lecture) -> bool:
    return key_role(keys, token, lecture) is not None


@dataclass(frozen=True)
class Actor:
    """Who makes a request: how they proved it, and the name the audit log gives them."""

    role: str  # "admin" | "moderator" | "speaker"
    name: str
    #: The cookie session it came with; None for a bearer token.
    session: sessions.Session | None = None
    #: The key generation it holds, which a rotation ends; None for the admin token.
    generation: int | None = None


UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NAME_MAX = 40


def actor_name(value: str | None, default: str) -> str:
    name = normalise(value or "")[:NAME_MAX]
    return name or default


def own_origin(request: web.Request, public_url: str | None) -> set[str]:
    own = {f"{request.scheme}://{request.host}".lower()}
    if public_url:
        own.add(public_url.rstrip("/").lower())
    return own


def actor(keys: Keys, request: web.Request, lecture: Lecture, public_url: str | None = None) -> Actor | None:
    """Who the request comes from, or None for a viewer or nobody. A bearer
    token wins; else the lecture's session cookie, which on a change must
    come with its CSRF token and, when the browser says, from this site."""
    token = bearer(request)
    if token is not None:
        role = key_role(keys, token, lecture)
        if role is None:
            raise Refusal("forbidden", "That token cannot moderate this lecture.")
        # An API client may say who it is, for the audit log.
        name = actor_name(request.headers.get("X-Moderator-Name"), "admin" if role == "admin" else "API")
        return Actor(role, name, generation=None if role == "admin" else lecture.key_generation)
    for role in sessions.ROLES.values():  # a moderator's cookie first
        session = sessions.read(keys.secret, lecture, request.cookies.get(sessions.cookie_name(lecture.code, role)))
        if session is not None:
            break
    else:
        return None
    if request.method in UNSAFE:
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() not in own_origin(request, public_url):
            raise Refusal("forbidden", "Changes come only from this site's own pages.")
        sent = request.headers.get("X-CSRF-Token", "")
        if not sent.isascii() or not hmac.compare_digest(sent, session.csrf(keys.secret, lecture.code)):
            raise Refusal("csrf", "This change needs the page's CSRF token (X-CSRF-Token); reload the page.")
    return Actor(session.role, session.name, session, session.generation)


def require_admin(keys: Keys, request: web.Request) -> None:
    token = bearer(request)
    if token is None:
        raise Refusal("unauthorized", "This call needs the admin token: Authorization: Bearer <token>.")
    if not is_admin(keys, token):
        raise Refusal("forbidden", "That token is not the admin token.")


def require_moderator(keys: Keys, request: web.Request, lecture: Lecture, public_url: str | None = None) -> Actor:
    who = actor(keys, request, lecture, public_url)
    if who is None:
        raise Refusal("unauthorized", "This call needs the lecture's moderator key (Authorization: Bearer <key>) "
                                      "or a moderator session.")
    if who.role == "speaker":
        raise Refusal("forbidden", "A speaker's link cannot do this.")
    return who
