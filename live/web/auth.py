"""Who is asking: the organiser's admin token, a lecture's moderator key."""

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


def is_moderator(keys: Keys, token: str | None, lecture: Lecture) -> bool:
    return token is not None and (_same(token, keys.admin_token) or _same(token, lecture.moderator_key))


def require_admin(keys: Keys, request: web.Request) -> None:
    token = bearer(request)
    if token is None:
        raise Refusal("unauthorized", "This call needs the admin token: Authorization: Bearer <token>.")
    if not is_admin(keys, token):
        raise Refusal("forbidden", "That token is not the admin token.")


def require_moderator(keys: Keys, request: web.Request, lecture: Lecture) -> None:
    token = bearer(request)
    if token is None:
        raise Refusal("unauthorized", "This call needs the lecture's moderator key: Authorization: Bearer <key>.")
    if not is_moderator(keys, token, lecture):
        raise Refusal("forbidden", "That token cannot moderate this lecture.")
