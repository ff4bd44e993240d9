"""Replay another platform's chat into a lecture through the ingest API.

A starting point for a real adapter (a platform's chat webhook or polling
loop would call ``post`` the same way). The file has one JSON message per
line, as the platform gave them:

    {"at": 0.0, "id": "wb-1", "author": "微博网友甲", "text": "直播间打卡！"}
    {"at": 2.5, "id": "wb-2", "author": "微博网友乙", "text": "陈师傅怎么练成的？", "type": "question"}

``at`` is seconds from the start; messages are sent in batches as their
time comes (``--speed 10`` replays ten times faster, ``--speed 0`` at once).
Only the standard library: copy it anywhere.

    python examples/ingest_replay.py --url http://127.0.0.1:8080 --lecture K7MXQ2 \\
        --token ing_… --source weibo chat.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

BATCH = 200


def post(url: str, code: str, token: str, source: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send one batch; returns the acks, one per message, in order. A batch
    may be sent again after a failure: message ids make it safe."""
    body = json.dumps({"source": source, "messages": messages}).encode()
    request = urllib.request.Request(f"{url.rstrip('/')}/api/v1/lectures/{code}/ingest", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    for attempt in range(5):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())["acks"]
        except urllib.error.HTTPError as e:
            if e.code < 500:
                raise SystemExit(f"refused: {e.code} {e.read().decode(errors='replace')}") from None
        except OSError:
            pass
        time.sleep(min(2 ** attempt, 10))  # the server is restarting or unreachable: the same batch again
    raise SystemExit("the service did not answer; nothing more was sent")


def batches(lines: Iterator[str], speed: float) -> Iterator[list[dict[str, Any]]]:
    """Messages grouped by when they are due (at most ``BATCH`` a request)."""
    start = time.monotonic()
    batch: list[dict[str, Any]] = []
    for line in lines:
        if not line.strip():
            continue
        message = json.loads(line)
        due = float(message.pop("at", 0)) / speed if speed else 0
        if batch and (len(batch) >= BATCH or due > time.monotonic() - start):
            yield batch
            batch = []
        wait = due - (time.monotonic() - start)
        if wait > 0:
            time.sleep(wait)
        batch.append(message)
    if batch:
        yield batch


def replay(url: str, code: str, token: str, source: str, path: Path, speed: float = 1.0) -> dict[str, int]:
    counts = {"sent": 0, "ok": 0, "held": 0, "refused": 0}
    with path.open(encoding="utf-8") as f:
        for batch in batches(f, speed):
            for ack in post(url, code, token, source, batch):
                counts["sent"] += 1
                if not ack["ok"]:
                    counts["refused"] += 1
                    print(f"  {ack['id']}: {ack['error']['code']} ({ack['error']['message']})", file=sys.stderr)
                else:
                    counts["held" if ack.get("held") else "ok"] += 1
    return counts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", required=True, help="the service, e.g. http://127.0.0.1:8080")
    p.add_argument("--lecture", required=True, help="the lecture's code")
    p.add_argument("--token", required=True, help="the lecture's ingest token (or its moderator key)")
    p.add_argument("--source", required=True, help="the platform's label, e.g. weibo")
    p.add_argument("--speed", type=float, default=1.0, help="replay speed; 0 sends everything at once")
    p.add_argument("file", type=Path)
    args = p.parse_args()
    counts = replay(args.url, args.lecture, args.token, args.source, args.file, args.speed)
    print(f"sent {counts['sent']}: {counts['ok']} shown, {counts['held']} held, {counts['refused']} refused")


if __name__ == "__main__":
    main()
