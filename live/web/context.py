"""What every handler reaches through ``request.app[SERVICES]``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import jinja2
from aiohttp import web

from live.config import Settings
from live.core.lecture import Lecture
from live.metrics import Metrics
from live.protocol import Limits
from live.realtime.hub import Hub
from live.realtime.store import Store
from live.web.auth import Keys
from live.web.guard import AddressGuard
from live.web.statics import StaticFiles


def lecture_urls(base: str, code: str) -> dict[str, str]:
    """A lecture's links under ``base`` (a node's address; "" gives paths)."""
    return {
        "viewer": f"{base}/l/{code}",
        "control": f"{base}/l/{code}/control",
        "screen": f"{base}/l/{code}/screen",
        "widget": f"{base}/embed/{code}",
        "overlay": f"{base}/overlay/{code}",
    }


@dataclass
class Services:
    settings: Settings
    store: Store
    hub: Hub
    keys: Keys
    templates: jinja2.Environment
    limits: Limits
    statics: StaticFiles
    guard: AddressGuard
    #: static path -> short content hash, for cache-busting URLs.
    static_versions: dict[str, str] = field(default_factory=dict)
    metrics: Metrics = field(default_factory=Metrics)
    draining: bool = False

    def base_url(self, request: web.Request) -> str:
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        return f"{request.scheme}://{request.host}"

    def urls(self, request: web.Request, code: str) -> dict[str, str]:
        return lecture_urls(self.base_url(request), code)

    def lecture_record(self, request: web.Request, lecture: Lecture) -> dict[str, Any]:
        return {**lecture.public(), "urls": self.urls(request, lecture.code)}


SERVICES = web.AppKey("services", Services)
