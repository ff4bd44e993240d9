"""Static files from memory, gzip-compressed once at start.

Every page of a lecture loads the same few scripts and stylesheets, on
phones, often on a carrier network: they are read and compressed once when
the node starts, named by a hash of their content (``?v=``, cached for a
year by the middleware) and answered with an ETag otherwise. A node is
restarted to serve changed files (no build step, and nothing written to
the source tree).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

#: Kinds worth compressing (images and fonts already are).
COMPRESSED = {".js", ".css", ".svg", ".json", ".txt", ".html", ".map"}
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".json": "application/json"}


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes | None
    content_type: str
    version: str


class StaticFiles:
    def __init__(self, root: Path) -> None:
        self.files: dict[str, StaticFile] = {}
        for path in sorted(root.rglob("*")):
            if not path.is_file():
                continue
            body = path.read_bytes()
            packed = gzip.compress(body, 9, mtime=0) if path.suffix in COMPRESSED else None
            content_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self.files[path.relative_to(root).as_posix()] = StaticFile(
                body, packed if packed is not None and len(packed) < len(body) else None, content_type,
                hashlib.sha256(body).hexdigest()[:10])

    def versions(self) -> dict[str, str]:
        """A short content hash per file, for the pages' cache-busting URLs."""
        return {name: f.version for name, f in self.files.items()}

    async def handle(self, request: web.Request) -> web.Response:
        f = self.files.get(request.match_info["path"])
        if f is None:
            raise web.HTTPNotFound(text="No such file.")
        etag = f'"{f.version}"'
        headers = {"ETag": etag, "Vary": "Accept-Encoding"}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        charset = "utf-8" if f.content_type.startswith("text/") or f.content_type.endswith(("json", "+xml")) else None
        if f.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return web.Response(body=f.gzipped, content_type=f.content_type, charset=charset, headers=headers)
        return web.Response(body=f.body, content_type=f.content_type, charset=charset, headers=headers)
