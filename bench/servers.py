"""Start the server under test: `live` (one node, or N on a local Redis)
or one of the peers in bench/peers/, each as its own process, and read its
CPU and memory from /proc."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench import nodes as nodes_mod
from bench.dialects import DIALECTS, Live, Plain, SocketIO

ROOT = Path(__file__).resolve().parent.parent
PEERS = {"socketio": "bench.peers.socketio_server", "aiohttp": "bench.peers.aiohttp_server"}


@dataclass
class Server:
    kind: str
    group: nodes_mod.Nodes
    #: The lecture every viewer joins (the peers have one room: any code).
    code: str

    @property
    def dialect(self) -> Live | SocketIO | Plain:
        return DIALECTS[self.kind]

    @property
    def path(self) -> str:
        return self.dialect.path(self.code)

    @property
    def ports(self) -> list[int]:
        return self.group.ports

    def cpu(self) -> float:
        return self.group.cpu()

    def rss(self) -> int:
        return self.group.rss()

    def stop(self) -> None:
        self.group.stop()

    def profile(self, path: str, seconds: float) -> subprocess.Popen[bytes]:
        """py-spy (``pip install py-spy``) sampling the (first) server process
        for ``seconds``: ``.svg`` a flame graph, ``.json`` speedscope,
        anything else raw folded stacks (a stack and its sample count a line)."""
        fmt = {".svg": "flamegraph", ".json": "speedscope"}.get(Path(path).suffix, "raw")
        return subprocess.Popen(["py-spy", "record", "--pid", str(self.group.pids[0]), "--nonblocking",
                                 "--duration", str(max(1, round(seconds))), "--format", fmt, "--output", path])


PROFILE_HELP = ("py-spy samples each server {what}, into PATH with the server and viewer count before the suffix "
                "(.svg flame graph, .json speedscope, else raw stacks)")


def profile_path(path: str, kind: str, viewers: int) -> str:
    p = Path(path)
    return str(p.with_name(f"{p.stem}-{kind}-{viewers}{p.suffix}"))


def start(kind: str, *, nodes: int = 1, tick_ms: int = 100, **env: str) -> Server:
    """``env``: settings for `live` (``LIVE_…``), ignored by the peers."""
    if kind == "live":
        group = nodes_mod.start(nodes, tick_ms, **env)
        try:
            code = group.call("POST", "/api/v1/lectures", {"title": "bench"})["code"]
        except BaseException:
            group.stop()
            raise
        return Server(kind, group, code)
    if nodes != 1:
        raise SystemExit(f"bench: the {kind} peer runs on one node only")
    return Server(kind, _peer(PEERS[kind]), "bench")


def _peer(module: str) -> nodes_mod.Nodes:
    from live import cluster

    port = cluster.free_port_block(1)
    log = tempfile.NamedTemporaryFile("w", prefix=f"{module.rsplit('.', 1)[1]}-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", module, "--port", str(port)], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)

    def stop() -> None:
        proc.terminate()
        proc.wait(15)
        log.close()

    started = nodes_mod.Nodes([proc.pid], [port], stop)
    for _ in range(100):
        try:
            urllib.request.urlopen(started.base + "/readyz", timeout=1)
            return started
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"bench: {module} exited; see {log.name}") from None
            time.sleep(0.1)
    stop()
    raise SystemExit(f"bench: {module} did not become ready; see {log.name}")
