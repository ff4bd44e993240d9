"""Who may moderate: the control link's key traded for a session cookie,
CSRF tokens, the moderators' socket, key rotation, speaker links."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
import websockets

from live.web import sessions
from tests.conftest import Server, recv


class Browser:
    """A moderator's browser: a cookie jar, and the CSRF token the page keeps."""

    def __init__(self, server: Server, code: str) -> None:
        self.server, self.code = server, code
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf: str | None = None

    async def call(self, method: str, path: str, body: Any = None, *, csrf: bool = True,
                   headers: dict[str, str] | None = None) -> tuple[int, Any]:
        headers = dict(headers or {})
        if csrf and self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        url = f"{self.server.url}/api/v1/lectures/{self.code}{path}"
        async with self.http.request(method, url, json=body, headers=headers) as r:
            text = await r.text()
            return r.status, (json.loads(text) if text else None)

    async def login(self, key: str, name: str = "主持人甲") -> dict[str, Any]:
        status, body = await self.call("POST", "/session", {"key": key, "name": name})
        assert status == 201, body
        self.csrf = body["csrf"]
        return body

    def cookie(self) -> str:
        return next(c.value for c in self.http.cookie_jar if c.key == sessions.cookie_name(self.code))

    async def close(self) -> None:
        await self.http.close()


@pytest.fixture
async def browsers(server: Server):
    made: list[Browser] = []

    def make(code: str) -> Browser:
        made.append(Browser(server, code))
        return made[-1]

    yield make
    for b in made:
        await b.close()


async def test_the_key_becomes_a_strict_httponly_session_cookie(server, lecture, browsers):
    code = lecture["code"]
    b = browsers(code)
    async with b.http.post(f"{server.url}/api/v1/lectures/{code}/session",
                           json={"key": lecture["moderator_key"], "name": "主持人甲"}) as r:
        assert r.status == 201
        header = r.headers["Set-Cookie"]
        body = await r.json()
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/" in header
    assert lecture["moderator_key"] not in header and lecture["moderator_key"] not in json.dumps(body)
    assert body["role"] == "moderator" and body["name"] == "主持人甲" and body["csrf"]
    b.csrf = body["csrf"]
    status, again = await b.call("GET", "/session")
    assert status == 200 and again["csrf"] == body["csrf"]
    # The session moderates: the held queue is visible, changes are accepted with the token.
    status, _ = await b.call("GET", "/moderation")
    assert status == 200
    status, rec = await b.call("PATCH", "", {"settings": {"slow_mode_s": 5}})
    assert status == 200 and rec["settings"]["slow_mode_s"] == 5


async def test_changes_without_the_csrf_token_or_from_another_site_are_refused(server, lecture, browsers):
    b = browsers(lecture["code"])
    await b.login(lecture["moderator_key"])
    status, body = await b.call("POST", "/status", {"status": "live"}, csrf=False)
    assert status == 403 and body["error"]["code"] == "csrf"
    status, body = await b.call("POST", "/status", {"status": "live"}, headers={"X-CSRF-Token": "0" * 32}, csrf=False)
    assert status == 403 and body["error"]["code"] == "csrf"
    status, body = await b.call("POST", "/status", {"status": "live"}, headers={"Origin": "https://evil.example"})
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, _ = await b.call("GET", f"")
    assert status == 200
    status, lec = await b.call("POST", "/status", {"status": "live"})
    assert status == 200 and lec["status"] == "live"


async def test_forged_foreign_and_viewer_credentials_never_moderate(server, lecture, browsers):
    code = lecture["code"]
    other = await server.create_lecture(title="另一场")
    b = browsers(code)
    await b.login(lecture["moderator_key"])
    good = b.cookie()
    payload, _, sig = good.rpartition(".")
    forged = [
        payload.replace(".m.", ".m.", 1) + "." + "0" * 32,  # bad signature
        payload.rsplit(".", 1)[0] + "." + sessions._b64("admin") + "." + sig,  # name changed
        "v1.m.0.99999999999.abc.YQ.deadbeef",
        "",
    ]
    for value in forged:
        probe = browsers(code)
        probe.http.cookie_jar.update_cookies({sessions.cookie_name(code): value})
        status, body = await probe.call("GET", "/moderation")
        assert status == 401 and body["error"]["code"] == "unauthorized", value
    # The cookie of one lecture does nothing for another.
    foreign = browsers(other["code"])
    foreign.http.cookie_jar.update_cookies({sessions.cookie_name(other["code"]): good})
    status, _ = await foreign.call("GET", "/moderation")
    assert status == 401
    # A viewer token, or another lecture's key, is not a moderator's.
    ws = await server.connect(code)
    viewer = json.loads(await ws.recv())["viewer"]
    for token in (viewer, other["moderator_key"]):
        status, body = await server.request("POST", f"/api/v1/lectures/{code}/comments/c1/hide", {}, token=token)
        assert status == 403
    status, body = await server.request("GET", f"/api/v1/lectures/{code}/moderation")
    assert status == 401


async def test_the_moderators_socket_takes_the_cookie_from_this_site_only(server, lecture, browsers):
    code = lecture["code"]
    b = browsers(code)
    await b.login(lecture["moderator_key"])
    cookie = f"{sessions.cookie_name(code)}={b.cookie()}"
    ws = await server.connect(code, headers={"Cookie": cookie, "Origin": server.url})
    welcome = json.loads(await ws.recv())
    assert welcome["role"] == "moderator" and "moderation" in welcome["snapshot"]
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        await server.connect(code, headers={"Cookie": cookie, "Origin": "https://evil.example"})
    assert refused.value.response.status_code == 403
    # Without the cookie the same page is a viewer.
    plain = await server.connect(code, headers={"Origin": server.url})
    assert json.loads(await plain.recv())["role"] == "viewer"


async def test_rotating_the_key_ends_every_older_session(server, lecture, browsers):
    code, old_key = lecture["code"], lecture["moderator_key"]
    a, b = browsers(code), browsers(code)
    await a.login(old_key, "甲")
    await b.login(old_key, "乙")
    ws = await server.connect(code, headers={"Cookie": f"{sessions.cookie_name(code)}={b.cookie()}",
                                             "Origin": server.url})
    assert json.loads(await ws.recv())["role"] == "moderator"
    status, rotated = await a.call("POST", "/moderator-key")
    assert status == 200
    new_key = rotated["moderator_key"]
    assert new_key != old_key and rotated["urls"]["control"].endswith("#key=" + new_key)
    # Old sessions, the old key, and the moderator socket on the old key all end.
    for browser in (a, b):
        status, body = await browser.call("GET", "/moderation")
        assert status == 401
    status, _ = await server.request("GET", f"/api/v1/lectures/{code}/moderation", token=old_key)
    assert status == 403
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd.code == 4001
    status, _ = await server.request("GET", f"/api/v1/lectures/{code}/moderation", token=new_key)
    assert status == 200
    await a.login(new_key)
    status, _ = await a.call("GET", "/moderation")
    assert status == 200
    # The admin token outlives rotations.
    status, _ = await server.request("GET", f"/api/v1/lectures/{code}/moderation", token=server.admin_token)
    assert status == 200


async def test_the_key_never_reaches_viewers(server, lecture):
    code, key = lecture["code"], lecture["moderator_key"]
    ws = await server.connect(code)
    welcome = await ws.recv()
    await server.moderate(code, "status", {"status": "live"})
    events = json.dumps(await recv(ws, "events"))
    for path in ("/api/v1/lectures", f"/api/v1/lectures/{code}", f"/l/{code}", f"/embed/{code}",
                 f"/overlay/{code}", f"/l/{code}/screen"):
        status, body = await server.request("GET", path)
        assert key not in (body if isinstance(body, str) else json.dumps(body)), path
    assert key not in welcome and key not in events


async def test_speaker_links_mark_only_their_own_questions(server, lecture, browsers):
    code = lecture["code"]
    mod = browsers(code)
    info = await mod.login(lecture["moderator_key"])
    links = {link["name"]: link["url"] for link in info["speaker_links"]}
    assert set(links) == {"陈亮", "唐忠宝"}
    fragment = parse_qs(urlsplit(links["陈亮"]).fragment)
    assert urlsplit(links["陈亮"]).path == f"/l/{code}/speaker"

    ws = await server.connect(code)
    await ws.recv()
    for i, text in enumerate(("给陈亮的问题", "给唐忠宝的问题")):
        await ws.send(json.dumps({"type": "question", "id": f"q{i}", "text": text}))
        await recv(ws, "ack")
    status, qs = await mod.call("GET", "/questions")
    ids = {q["text"]: q["id"] for q in qs["questions"]}
    await mod.call("POST", f"/questions/{ids['给陈亮的问题']}", {"speaker": "陈亮"})
    await mod.call("POST", f"/questions/{ids['给唐忠宝的问题']}", {"speaker": "唐忠宝"})

    guest = browsers(code)
    status, body = await guest.call("POST", "/session", {"speaker": "陈亮", "token": fragment["t"][0] + "x"})
    assert status == 403
    status, body = await guest.call("POST", "/session", {"speaker": "陈亮", "token": fragment["t"][0]})
    assert status == 201 and body["role"] == "speaker" and "speaker_links" not in body
    guest.csrf = body["csrf"]
    status, q = await guest.call("POST", f"/questions/{ids['给陈亮的问题']}", {"state": "answering"})
    assert status == 200 and q["state"] == "answering"
    status, body = await guest.call("POST", f"/questions/{ids['给唐忠宝的问题']}", {"state": "answering"})
    assert status == 403
    status, body = await guest.call("POST", f"/questions/{ids['给陈亮的问题']}", {"state": "dismissed"})
    assert status == 403
    status, body = await guest.call("GET", "/moderation")
    assert status == 403
    status, audit = await mod.call("GET", "/audit")
    assert audit["entries"][0]["by"] == "陈亮" and audit["entries"][0]["state"] == "answering"
    # A moderator who opens a guest's link in the same browser stays a moderator.
    status, body = await mod.call("POST", "/session", {"speaker": "陈亮", "token": fragment["t"][0]})
    assert status == 201
    status, _ = await mod.call("GET", "/moderation")
    assert status == 200
    status, body = await mod.call("GET", "/session?role=speaker")
    assert status == 200 and body["role"] == "speaker"


def test_no_key_token_or_cookie_reaches_the_log(live_server):
    """A node's whole output, after a moderator signs in, rotates the key and
    a bad key is tried, holds none of the secrets."""
    import urllib.error
    import urllib.request

    lecture = live_server.create_lecture(speakers=[{"name": "陈亮"}])
    code = lecture["code"]

    def post(path: str, body: dict, headers: dict | None = None) -> tuple[int, str, str]:
        req = urllib.request.Request(f"{live_server.url}/api/v1/lectures/{code}{path}", method="POST",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode(), r.headers.get("Set-Cookie", "")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), ""

    status, body, cookie = post("/session", {"key": lecture["moderator_key"], "name": "甲"})
    assert status == 201 and cookie
    secrets = [lecture["moderator_key"], lecture["ingest_token"], cookie.split(";")[0].split("=", 1)[1],
               json.loads(body)["csrf"], live_server.admin_token]
    assert post("/session", {"key": "wrong-" + lecture["moderator_key"]})[0] == 403
    rotated = live_server.moderate(code, "moderator-key")
    secrets += [rotated["moderator_key"], rotated["ingest_token"]]
    live_server.stop()
    log = live_server.output
    assert "serving on" in log  # the log is the node's real output
    for secret in secrets:
        assert secret not in log
