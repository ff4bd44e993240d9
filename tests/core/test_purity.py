"""live/core/ is the pure domain: no event loop, no network, no database.

Every ``import`` and ``from ... import`` in every module under live/core/ is
read from the source with ``ast`` (so an import inside a function, or one
guarded by ``if TYPE_CHECKING``, counts too).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import live.core

CORE = Path(live.core.__file__).resolve().parent
FORBIDDEN = {"asyncio", "aiohttp", "redis", "websockets", "sqlite3", "socket"}
MODULES = sorted(CORE.rglob("*.py"))


def imported_roots(source: str) -> set[str]:
    """The top-level package of every absolute import in ``source``."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("__import__", "import_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            roots.add(node.args[0].value.split(".")[0])
    return roots


def test_core_has_modules() -> None:
    names = {p.name for p in MODULES}
    assert {"room.py", "text.py", "snapshot.py", "qa.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_is_pure(path: Path) -> None:
    bad = imported_roots(path.read_text(encoding="utf-8")) & FORBIDDEN
    assert not bad, f"{path.name} imports {sorted(bad)}: live/core must stay free of I/O"


@pytest.mark.parametrize(
    "source, found",
    [
        ("import asyncio", {"asyncio"}),
        ("import os, socket as s", {"os", "socket"}),
        ("from aiohttp import web", {"aiohttp"}),
        ("from redis.asyncio import Redis", {"redis"}),
        ("import websockets.client", {"websockets"}),
        ("def f():\n    import sqlite3\n", {"sqlite3"}),
        ("if TYPE_CHECKING:\n    from asyncio import Queue\n", {"asyncio"}),
        ("importlib.import_module('redis')", {"redis"}),
        ("__import__('socket')", {"socket"}),
        ("from . import qa\nfrom .room import Room", set()),
    ],
)
def test_the_checker_sees_imports(source: str, found: set[str]) -> None:
    """The check itself can fail: it finds every way of importing."""
    assert imported_roots(source) == found
