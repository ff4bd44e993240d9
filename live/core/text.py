"""Normalising what people type before it is checked or stored."""

from __future__ import annotations

import re
import unicodedata

from live.core.errors import Refusal

# Cc (controls) and Cf (format: zero-width joiners, bidi overrides) make text
# that looks empty or reorders what others see; newlines and tabs are
# handled apart because questions may keep line breaks.
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_SPACES = re.compile(r"[ \t\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_KEEP_FORMAT = {"\u200d"}  # zero-width joiner: part of emoji sequences
# ... but only between two visible characters: alone it is invisible text.
_STRAY_ZWJ = re.compile(r"(?<!\S)\u200d+|\u200d+(?!\S)")


def _strip_controls(text: str, keep_newlines: bool) -> str:
    out = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch in "\t\n":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch not in _KEEP_FORMAT:
            continue
        else:
            out.append(ch)
    return "".join(out)


def normalise(text: str, *, multiline: bool = False) -> str:
    """NFC, controls removed, runs of spaces folded, ends trimmed."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _strip_controls(text, keep_newlines=multiline)
    text = _STRAY_ZWJ.sub("", text)
    if multiline:
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = _BLANK_LINES.sub("\n\n", "\n".join(lines))
    else:
        text = _SPACES.sub(" ", text)
    # NFC last: removing a character may join a letter and a combining mark.
    return unicodedata.normalize("NFC", text.strip())


def checked_text(value: object, *, field: str, limit: int, multiline: bool = False) -> str:
    """The normalised text, or a refusal: ``invalid`` (not a string),
    ``empty`` or ``too_long``."""
    if not isinstance(value, str):
        raise Refusal("invalid", f"'{field}' must be a string.", field=field)
    text = normalise(value, multiline=multiline)
    if not text:
        raise Refusal("empty", f"'{field}' is empty.", field=field)
    if len(text) > limit:
        raise Refusal("too_long", f"'{field}' is longer than {limit} characters.", field=field, limit=limit)
    return text


def checked_nickname(value: object, *, limit: int) -> str | None:
    """A nickname, or None when none was given (the page shows a default)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Refusal("invalid", "'nickname' must be a string.", field="nickname")
    name = normalise(value)
    if len(name) > limit:
        raise Refusal("too_long", f"'nickname' is longer than {limit} characters.", field="nickname", limit=limit)
    return name or None
