"""The WebSocket endpoint ``/ws/{code}`` (docs/protocol.md)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, WSMsgType, web

from live import protocol
from live.core import identity
from live.core.codes import normalise_code
from live.core.errors import Refusal
from live.protocol import FrameRefused, Ping
from live.core.lecture import checked_origin
from live.core.room import PAGE
from live.realtime.hub import Connection
from live.realtime.wire import text_frame
from live.web.auth import actor
from live.web.context import SERVICES, Services

log = logging.getLogger(__name__)

#: What a node that is full tells a newcomer (seconds before trying again).
SHED_RETRY_S = 5


def origin_allowed(svc: Services, request: web.Request) -> bool:
    """Browsers send Origin; other clients (tests, bots, apps) do not, and
    cannot be told apart by it anyway."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return _origin(origin) in _own(svc, request) or _origin(origin) in {o.lower() for o in svc.settings.allowed_origins}


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def _own(svc: Services, request: web.Request) -> set[str]:
    own = {f"{request.scheme}://{request.host}".lower()}
    if svc.settings.public_url:
        own.add(_origin(svc.settings.public_url))
    return own


def source_of(request: web.Request) -> str | None:
    """Where a connection comes from, for the counters: ``role=display``
    (the overlay, the big screen) is not a viewer; ``source=widget`` with
    the embedding page's ``origin`` counts apart per site."""
    if request.query.get("role") == "display":
        return None
    if request.query.get("source") != "widget":
        return PAGE
    try:
        return "widget:" + checked_origin(request.query.get("origin", ""))
    except ValueError:
        return "widget"


def _since(request: web.Request) -> int | None:
    raw = request.query.get("since")
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if value >= 0 else None


async def websocket(request: web.Request) -> web.StreamResponse:
    svc = request.app[SERVICES]
    code = normalise_code(request.match_info["code"])
    lecture = await svc.store.lecture(code)
    if lecture is None:
        raise Refusal("not_found", f"No lecture with code {code}.")
    if not origin_allowed(svc, request):
        raise Refusal("forbidden", "This origin may not connect.")
    if svc.draining:
        raise Refusal("unavailable", "This node is shutting down; connect again.")

    viewer = request.query.get("viewer")
    if not identity.verify(svc.keys.secret, viewer):
        viewer = identity.mint(svc.keys.secret)
    try:
        who = actor(svc.keys, request, lecture, svc.settings.public_url)
    except Refusal:
        who = None  # a token that moderates nothing: the socket is a viewer's
    if who is not None and who.session is not None and "Origin" in request.headers \
            and _origin(request.headers["Origin"]) not in _own(svc, request):
        # A session cookie opens the moderators' socket only from this site's own pages.
        raise Refusal("forbidden", "A moderator session connects only from this site.")
    moderator = who is not None and who.role != "speaker"

    ws = web.WebSocketResponse(
        max_msg_size=svc.settings.max_frame_bytes + 1,  # aiohttp refuses a message *of* its limit
        heartbeat=svc.settings.heartbeat_s,
        compress=False,
    )
    address = request.remote or "?"
    if not svc.guard.admit(address):
        raise Refusal("rate_limited", "Too many connections from this address; try again later.", retry_after=30)
    try:
        await ws.prepare(request)
    except BaseException:
        svc.guard.release(address)
        raise
    if svc.hub.connections >= svc.settings.connections_max:
        # Full: shed politely. 1013 with a hint; the client backs off (with
        # jitter) and comes back, here or to another node.
        svc.guard.release(address)
        await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=f"full; retry in {SHED_RETRY_S} s".encode())
        return ws
    conn = Connection(ws, viewer, moderator, generation=who.generation if moderator and who else None,
                      source=source_of(request))
    svc.hub.attach(code, conn)
    try:
        try:
            await _welcome(svc, request, conn, code)
        except Refusal as refusal:
            # The store could not answer now: 1013 tells the client to come
            # back after its backoff, resuming from what it has.
            await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=refusal.code.encode())
            return ws
        await _serve(svc, conn, code, address)
    finally:
        svc.hub.detach(code, conn)
        svc.guard.release(address)
    return ws


async def _welcome(svc: Services, request: web.Request, conn: Connection, code: str) -> None:
    await svc.store.set_online(code, svc.hub.sources(code))
    welcome = await svc.store.join(
        code,
        conn.viewer,
        since=_since(request),
        epoch=request.query.get("epoch"),
        moderator=conn.moderator,
        snapshot_comments=svc.settings.snapshot_comments,
        source=conn.source,
    )
    limit = svc.settings.send_buffer_bytes
    conn.write(text_frame(protocol.encode({
        "type": "welcome",
        "viewer": conn.viewer,
        "seq": welcome.seq,
        "epoch": welcome.epoch,
        "resumed": welcome.resumed,
        "role": "moderator" if conn.moderator else "viewer",
        "lecture": svc.lecture_record(request, welcome.lecture),
        "snapshot": welcome.snapshot,
    })), limit)
    if welcome.events:
        conn.write(svc.hub.events_frame(welcome.events, conn), limit)
    # A snapshot already carries the counters: no second trip to the store on a join.
    stats = welcome.snapshot["counters"] if welcome.snapshot is not None else await svc.store.stats(code)
    conn.write(text_frame(protocol.counters_frame(stats)), limit)
    if welcome.resumed:
        conn.write(text_frame(protocol.votes_frame(await svc.store.tallies(code))), limit)
    svc.hub.go_live(conn, welcome.seq)


def _send(svc: Services, conn: Connection, frame: dict[str, Any]) -> None:
    if frame.get("type") == "ack":
        svc.metrics.acks["ok" if frame["ok"] else frame["error"]["code"]] += 1
    conn.write(text_frame(protocol.encode(frame)), svc.settings.send_buffer_bytes)


async def _serve(svc: Services, conn: Connection, code: str, address: str) -> None:
    ws = conn.ws
    bad_frames = 0
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            data: str | bytes = msg.data
        elif msg.type == WSMsgType.BINARY:
            data = msg.data  # tolerated: UTF-8 JSON in a binary frame
        else:
            break
        try:
            command = protocol.parse(data, svc.limits)
        except FrameRefused as refused:
            if refused.client_id is None:
                bad_frames += 1
                if bad_frames > svc.settings.bad_frames_max:
                    await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"too many bad frames")
                    break
                conn.write(text_frame(protocol.error_frame(refused.refusal)), svc.settings.send_buffer_bytes)
            else:
                _send(svc, conn, protocol.ack_refused(refused.client_id, refused.refusal))
            continue
        if isinstance(command, Ping):
            conn.write(text_frame(protocol.PONG), svc.settings.send_buffer_bytes)
            if command.id is not None:
                _send(svc, conn, protocol.ack_ok(command.id))
            continue
        wait = svc.guard.take(address)
        try:
            if wait is not None:  # the address's backstop, before any store work
                raise Refusal("rate_limited", f"Too fast from this address: wait {wait:.1f} s.", retry_after=round(wait, 2))
            ack = await svc.store.submit(code, conn.viewer, command)
        except Refusal as refusal:
            if command.id is None:
                conn.write(text_frame(protocol.error_frame(refusal)), svc.settings.send_buffer_bytes)
            else:
                _send(svc, conn, protocol.ack_refused(command.id, refusal))
            continue
        if command.id is not None:
            _send(svc, conn, ack)
