"""``live cluster``: several nodes on one Redis on this machine, without Docker.

For trying a cluster, tests and benchmarks: it starts a local redis-server
(append-only file on, in the data directory) unless ``--redis-url`` names
one, then N ``live serve`` processes on consecutive ports, and stops them
all (SIGTERM: each drains) on Ctrl-C or SIGTERM. Put any load balancer in
front; no sticky sessions are needed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port_block(n: int) -> int:
    """The first of n free consecutive ports, below the ephemeral range so
    that client sockets opened meanwhile cannot take one of them."""
    import random

    while True:
        base = random.randrange(15000, 30000)
        try:
            for port in range(base, base + n):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"live cluster: {what} exited (code {proc.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.3):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"live cluster: {what} did not listen on {port} in {timeout:.0f} s")


def start_redis(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise SystemExit("live cluster: redis-server is not installed (apt-get install redis-server), "
                         "or pass --redis-url")
    redis_dir = data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(redis_dir), "--appendonly", "yes",
         "--appendfsync", "everysec", "--save", "", "--logfile", str(redis_dir / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    _wait_port(port, proc, "redis-server")
    return proc


@dataclass
class Cluster:
    redis_url: str
    urls: list[str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    redis: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        if self.redis is not None and self.redis.poll() is None:
            self.redis.send_signal(signal.SIGTERM)
            self.redis.wait(15)


def start(nodes: int, *, base_port: int, data_dir: Path, redis_url: str | None = None,
          env: dict[str, str] | None = None, quiet: bool = False) -> Cluster:
    redis = None
    if not redis_url:
        redis_port = base_port + nodes
        redis = start_redis(data_dir, redis_port)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
    cluster = Cluster(redis_url, [], redis=redis)
    environ = {**os.environ, **(env or {}), "LIVE_REDIS_URL": redis_url}
    try:
        for i in range(nodes):
            port = base_port + i
            node_dir = data_dir / f"node{i + 1}"
            node_dir.mkdir(parents=True, exist_ok=True)
            out = subprocess.DEVNULL if quiet else None
            proc = subprocess.Popen([sys.executable, "-m", "live", "serve", "--port", str(port),
                                     "--data-dir", str(node_dir)], env=environ, stdout=out, stderr=out)
            cluster.procs.append(proc)
            _wait_port(port, proc, f"node {i + 1}")
            cluster.urls.append(f"http://127.0.0.1:{port}")
    except BaseException:
        cluster.stop()
        raise
    return cluster


def run(nodes: int, *, base_port: int, data_dir: Path, redis_url: str | None) -> None:
    cluster = start(nodes, base_port=base_port, data_dir=data_dir, redis_url=redis_url)
    print(f"live cluster: {nodes} nodes on {cluster.redis_url}", flush=True)
    for i, url in enumerate(cluster.urls, 1):
        print(f"  node {i}: {url}", flush=True)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping and all(p.poll() is None for p in cluster.procs):
            time.sleep(0.2)
    finally:
        print("live cluster: stopping", flush=True)
        cluster.stop()
