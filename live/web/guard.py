"""A loose backstop per network address: connections and messages.

Limits are per viewer first (the store's rate limits); per address only
generously, because a lecture hall, a company or a carrier network puts
hundreds of viewers behind one address. The backstop stops one machine
from opening tens of thousands of sockets or flooding from many made-up
identities. Behind a proxy every viewer has the proxy's address: the proxy
enforces it there (deploy/nginx.conf)."""

from __future__ import annotations

from collections import Counter
from typing import Callable

from live.core.ratelimit import Buckets, Rate


class AddressGuard:
    def __init__(self, connections_max: int, message_rate: float, message_burst: int,
                 clock: Callable[[], float]) -> None:
        self.connections_max = connections_max
        self.connections: Counter[str] = Counter()
        self.messages = Buckets(Rate(message_rate, message_burst), clock)

    def admit(self, address: str) -> bool:
        """Count a new connection from ``address``; False when it has too many."""
        if self.connections[address] >= self.connections_max:
            return False
        self.connections[address] += 1
        return True

    def release(self, address: str) -> None:
        self.connections[address] -= 1
        if self.connections[address] <= 0:
            del self.connections[address]

    def take(self, address: str) -> float | None:
        """One message from ``address``: None when allowed, else the seconds to wait."""
        return self.messages.take(address)
