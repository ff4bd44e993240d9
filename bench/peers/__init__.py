"""The peers `live` is measured against: the same fan-out the way a Python
team builds it today. Each runs as its own process (bench/servers.py)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from live.app import run


def record(seq: int, text: str) -> dict[str, Any]:
    """A comment as a peer broadcasts it: the fields `live` sends."""
    return {"id": f"c{seq}", "seq": seq, "text": text, "nickname": "", "state": "visible", "featured": False,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")}


def serve(app: web.Application, description: str) -> None:
    """Parse ``--port``, add ``/readyz``, serve until killed (uvloop when
    available, as `live serve`)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--port", type=int, required=True)
    port = p.parse_args().port

    async def ready(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_get("/readyz", ready)

    async def main() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port, reuse_address=True).start()
        await asyncio.Event().wait()

    run(main())
