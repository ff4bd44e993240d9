"""Errors as JSON with a code, and the security headers of every response."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

import orjson
from aiohttp import web

from live.core.errors import Refusal

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATUS = {
    "bad_json": 400,
    "invalid": 400,
    "empty": 400,
    "too_long": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "closed": 409,
    "too_large": 413,
    "rate_limited": 429,
    "unavailable": 503,
}

_HTTP_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               413: "too_large", 429: "rate_limited"}


def error_response(refusal: Refusal) -> web.Response:
    return web.Response(
        body=orjson.dumps({"error": refusal.to_dict()}),
        status=STATUS.get(refusal.code, 400),
        content_type="application/json",
    )


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Refusal as refusal:
        return error_response(refusal)
    except web.HTTPException as exc:
        if exc.status < 400 or not request.path.startswith(("/api/", "/ws/")):
            raise
        code = _HTTP_CODES.get(exc.status, "invalid")
        return error_response(Refusal(code, exc.reason))
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return web.Response(
            body=orjson.dumps({"error": {"code": "internal", "message": "The server failed; this was logged."}}),
            status=500,
            content_type="application/json",
        )


# Pages show a stream from elsewhere (an iframe player, a video file), so
# frames and media may come from any https origin; scripts only from here.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
    "media-src 'self' https: blob:; frame-src https:; connect-src 'self' ws: wss:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if isinstance(response, web.WebSocketResponse) or response.prepared:
        return response
    h = response.headers
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.content_type == "text/html":
        h.setdefault("Content-Security-Policy", PAGE_CSP)
    if request.path.startswith("/static/"):
        versioned = "v" in request.query
        h["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
    elif request.path.startswith("/api/"):
        h.setdefault("Cache-Control", "no-store")
    return response
