"""How the load generator speaks to each server under test: where it
connects, when it is welcomed, how a comment is sent and how the comments in
a received frame are counted and timed. A comment's publish time rides in
its text (``… t=UNIX``), so every server carries it unchanged."""

from __future__ import annotations

import json

from bench.rawws import RawClient


class Live:
    """A `live` node: ``/ws/{code}``, the ``welcome`` frame, then one
    ``events`` frame per tick carrying every new comment."""

    name = "live"
    MARK = b'"comment.created"'

    def path(self, code: str) -> str:
        return f"/ws/{code}"

    def control(self, client: RawClient, payload: bytes) -> bool:
        return False  # pings are WebSocket pings, answered by the client itself

    def welcome(self, payload: bytes) -> bool:
        return payload.startswith(b'{"type":"welcome"')

    def count(self, payload: bytes) -> int:
        return payload.count(self.MARK)

    def stamps(self, payload: bytes) -> list[float]:
        frame = json.loads(payload)
        if frame.get("type") != "events":
            return []
        return [_stamp(e["data"]["text"]) for e in frame["events"] if e["kind"] == "comment.created"]

    def comment(self, text: str) -> bytes:
        return json.dumps({"type": "comment", "text": text}).encode()


class SocketIO:
    """python-socketio over Engine.IO v4, websocket transport only: the
    server opens with ``0{…}``, the client joins the default namespace with
    ``40``, the server answers ``40{"sid":…}``; events are ``42[name, data]``;
    the server pings with ``2``, the client answers ``3``."""

    name = "socketio"
    EVENT = b'42["comment"'

    def path(self, code: str) -> str:
        return "/socket.io/?EIO=4&transport=websocket"

    def control(self, client: RawClient, payload: bytes) -> bool:
        if payload == b"2":
            client.send(b"3")
            return True
        if payload[:1] == b"0":
            client.send(b"40")
            return True
        return False

    def welcome(self, payload: bytes) -> bool:
        return payload.startswith(b"40")

    def count(self, payload: bytes) -> int:
        return 1 if payload.startswith(self.EVENT) else 0

    def stamps(self, payload: bytes) -> list[float]:
        if not payload.startswith(self.EVENT):
            return []
        return [_stamp(json.loads(payload[2:])[1]["text"])]

    def comment(self, text: str) -> bytes:
        return b"42" + json.dumps(["comment", {"text": text}]).encode()


class Plain:
    """The plain aiohttp loop (bench/peers/aiohttp_server.py): a welcome on
    connect, then one ``{"type":"comment",…}`` frame per comment."""

    name = "aiohttp"
    MARK = b'{"type":"comment"'

    def path(self, code: str) -> str:
        return "/ws"

    def control(self, client: RawClient, payload: bytes) -> bool:
        return False

    def welcome(self, payload: bytes) -> bool:
        return payload.startswith(b'{"type":"welcome"')

    def count(self, payload: bytes) -> int:
        return 1 if payload.startswith(self.MARK) else 0

    def stamps(self, payload: bytes) -> list[float]:
        if not payload.startswith(self.MARK):
            return []
        return [_stamp(json.loads(payload)["comment"]["text"])]

    def comment(self, text: str) -> bytes:
        return json.dumps({"type": "comment", "text": text}).encode()


def _stamp(text: str) -> float:
    return float(text.rsplit("t=", 1)[1])


DIALECTS = {d.name: d for d in (Live(), SocketIO(), Plain())}
SERVERS = tuple(DIALECTS)
