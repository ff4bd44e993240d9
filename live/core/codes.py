"""Join codes, secrets and record ids."""

from __future__ import annotations

import secrets

# No 0/O and no 1/I: a code is read aloud in a hall and typed on a phone.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """Codes are typed in any case; only the upper case form is stored."""
    return code.strip().upper()


def is_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code)


def new_secret(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


def comment_id(seq: int) -> str:
    return f"c{seq}"


def question_id(seq: int) -> str:
    return f"q{seq}"
