"""Errors as JSON with a code, and the security headers of every response."""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Mapping

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
    "csrf": 403,
    "answered": 409,
    "poll_closed": 409,
    "banned": 403,
    "blocked": 422,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "closed": 409,
    "too_large": 413,
    "rate_limited": 429,
    "slow_mode": 429,
    "repeated": 429,
    "not_live": 409,
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
_PAGE_CSP_BASE = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
    "media-src 'self' https: blob:; frame-src https:; connect-src 'self' ws: wss:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'"
)


def page_csp(frame_ancestors: str = "'self'") -> str:
    return f"{_PAGE_CSP_BASE}; frame-ancestors {frame_ancestors}"


# Who may put a page in a frame (clickjacking), decided here and only here:
# - a lecture's public pages (the widget, the viewer page, the overlay) as
#   the lecture's `embed_origins` setting says: ourselves and the sites
#   listed, or any site when the list is empty;
# - moderator pages (the control page) never;
# - every other page only ourselves (the default below).
PAGE_CSP = page_csp("'self'")
NEVER_FRAMED_CSP = page_csp("'none'")


def lecture_frame_ancestors(settings: Mapping[str, Any]) -> str:
    origins = settings.get("embed_origins") or []
    return " ".join(["'self'", *origins]) if origins else "'self' *"


def lecture_page_csp(settings: Mapping[str, Any]) -> str:
    """The CSP of a lecture page that may be embedded (given the lecture's settings)."""
    return page_csp(lecture_frame_ancestors(settings))


def _private_page(path: str) -> bool:
    """The moderators' and the guests' pages: never framed, cached, indexed
    or named in a Referer."""
    return path.rstrip("/").endswith(("/control", "/speaker")) or path.startswith("/admin")


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if isinstance(response, web.WebSocketResponse) or response.prepared:
        return response
    h = response.headers
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.content_type == "text/html":
        if _private_page(request.path):
            h["Content-Security-Policy"] = NEVER_FRAMED_CSP
            h["X-Frame-Options"] = "DENY"
            h["Cache-Control"] = "no-store"
            h["Referrer-Policy"] = "no-referrer"
            h["X-Robots-Tag"] = "noindex, nofollow"
        else:
            h.setdefault("Content-Security-Policy", PAGE_CSP)
    if request.path.startswith("/static/"):
        versioned = "v" in request.query
        h["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
    elif request.path.startswith("/api/"):
        h.setdefault("Cache-Control", "no-store")
    return response
