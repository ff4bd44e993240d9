"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from aiohttp import web

from live import metrics
from live.web.context import SERVICES


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def readyz(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    store_ok = await svc.store.ready()
    ok = store_ok and not svc.draining
    body = {"ok": ok, "store": store_ok, "draining": svc.draining, **svc.hub.snapshot_state()}
    return web.json_response(body, status=200 if ok else 503)


async def metrics_text(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    body = metrics.render(svc.metrics, connections=svc.hub.connections, lectures=len(svc.hub.rooms),
                          store=svc.store.metrics())
    return web.Response(text=body, content_type="text/plain", charset="utf-8",
                        headers={"X-Content-Type-Options": "nosniff"})
