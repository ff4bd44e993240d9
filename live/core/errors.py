"""A refusal: the one way the domain says no, with a code a client can act on."""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A request that is refused. ``code`` is part of the protocol
    (docs/protocol.md lists them); ``extra`` travels with it to the client,
    e.g. ``retry_after`` or ``limit``."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}
