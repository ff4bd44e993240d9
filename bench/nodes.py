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
    for _ in range(100):
        try:
            urllib.request.urlopen(started.base + "/readyz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return started
