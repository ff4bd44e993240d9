"""Viewer tokens: random identities the server signs, so a client can keep
one across visits but cannot make one up."""

from __future__ import annotations

import hashlib
import hmac
import secrets

_PREFIX = "v1."


def _sign(secret: bytes, ident: str) -> str:
    return hmac.new(secret, ident.encode(), hashlib.sha256).hexdigest()[:24]


def mint(secret: bytes) -> str:
    ident = secrets.token_urlsafe(12)
    return f"{_PREFIX}{ident}.{_sign(secret, ident)}"


def verify(secret: bytes, token: str | None) -> bool:
    # Every token minted here is ASCII; anything else (which compare_digest
    # and encode() would raise on) is simply not one of ours.
    if not token or not token.isascii() or not token.startswith(_PREFIX) or len(token) > 64:
        return False
    ident, _, sig = token[len(_PREFIX):].rpartition(".")
    return bool(ident) and hmac.compare_digest(sig, _sign(secret, ident))
