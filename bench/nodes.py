"""Real `live serve` nodes for the benchmarks: one process, or N on a local
Redis through `live cluster`'s code; CPU and memory read from /proc."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

TOKEN = "bench-admin"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def send_queue_max(ports: list[int]) -> int:
    """The most bytes one of the servers' connections (local port in
    ``ports``) holds in its kernel send queue, written by the server and not
    yet taken by the client: what a client that stops reading costs below
    the server's own buffer."""
    wanted = {f"{p:04X}" for p in ports}
    most = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].rsplit(":", 1)[1] in wanted:
                most = max(most, int(fields[4].split(":", 1)[0], 16))
    return most


def listen_drops() -> int:
    """Connections this host's listening sockets dropped because their
    accept queue was full (TcpExt ListenDrops: the whole host, every port).
    A dropped handshake is retried by the client's kernel a second or more
    later, which is where a join storm's slow tail comes from."""
    lines = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines() if line.startswith("TcpExt:")]
    return int(dict(zip(lines[0], lines[1])).get("ListenDrops", 0))


@dataclass
class Nodes:
    pids: list[int]
    ports: list[int]
    stop: Callable[[], None]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"

    def cpu(self) -> float:
        return sum(cpu_seconds(p) for p in self.pids)

    def rss(self) -> int:
        return sum(rss_bytes(p) for p in self.pids)

    def metric(self, name: str) -> float:
        """A counter of ``GET /metrics``, summed over the nodes."""
        total = 0.0
        for port in self.ports:
            text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            total += sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                         if line.startswith(name) and line[len(name):len(name) + 1] in (" ", "{"))
        return total

    def call(self, method: str, path: str, body: Any = None) -> Any:
        req = urllib.request.Request(self.base + path, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {TOKEN}"}, method=method)
        return json.load(urllib.request.urlopen(req))


def start(nodes: int, tick_ms: int, **env_extra: str) -> Nodes:
    """Start the nodes, wait until they are ready."""
    from live import cluster

    port = cluster.free_port_block(nodes + 1)
    data = tempfile.mkdtemp(prefix="live-bench-")
    # Every simulated viewer comes from 127.0.0.1: the per-address backstop is lifted.
    env = {**os.environ, "LIVE_ADMIN_TOKEN": TOKEN, "LIVE_TICK_MS": str(tick_ms), "LIVE_SQLITE_SYNCHRONOUS": "NORMAL",
           "LIVE_IP_CONNECTIONS_MAX": "1000000", "LIVE_CONNECTIONS_MAX": "1000000", "LIVE_IP_MESSAGE_RATE": "1e9", "LIVE_IP_MESSAGE_BURST": "1000000000",
           **env_extra}
    if nodes > 1:
        group = cluster.start(nodes, base_port=port, data_dir=Path(data), env=env, quiet=True)
        started = Nodes([p.pid for p in group.procs] + ([group.redis.pid] if group.redis else []),
                        [int(u.rsplit(":", 1)[1]) for u in group.urls], group.stop)
    else:
        log = open(Path(data) / "serve.log", "w")
        server = subprocess.Popen([sys.executable, "-m", "live", "serve", "--port", str(port), "--data-dir", data],
                                  env=env, stdout=log, stderr=subprocess.STDOUT)

        def stop() -> None:
            server.terminate()
            server.wait(15)

        started = Nodes([server.pid], [port], stop)
    for _ in range(300):
        try:
            urllib.request.urlopen(started.base + "/readyz", timeout=1)
            return started
        except OSError:
            time.sleep(0.1)
    started.stop()
    raise SystemExit(f"bench: the nodes did not become ready in 30 s; see the logs in {data}")
