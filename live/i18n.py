"""The interface's languages: one catalogue per language, zh-CN first."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Mapping

LANGUAGES = ("zh-CN", "en")
DEFAULT = "zh-CN"
_DIR = Path(__file__).parent / "i18n"


@functools.cache
def catalogue(lang: str) -> Mapping[str, str]:
    return json.loads((_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def _match(tag: str) -> str | None:
    tag = tag.strip().lower()
    if not tag:
        return None
    for lang in LANGUAGES:
        if tag == lang.lower() or tag.split("-")[0] == lang.lower().split("-")[0]:
            return lang
    return None


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then the remembered choice, then the browser's
    preference (in its quality order), then Chinese."""
    for explicit in (query, cookie):
        if explicit and (lang := _match(explicit)):
            return lang
    prefs = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        prefs.append((q, tag))
    for q, tag in sorted(prefs, key=lambda p: -p[0]):
        if q > 0 and (lang := _match(tag)):
            return lang
    return DEFAULT
