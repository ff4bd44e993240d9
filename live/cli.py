"""``live``: serve a node, try it with a demo lecture, create lectures."""

from __future__ import annotations

import argparse
import json
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Sequence

from aiohttp import web

from live import __version__, config
from live.app import run, serve
from live.web.context import SERVICES


def _add_settings(parser: argparse.ArgumentParser) -> None:
    for s in config.SETTINGS:
        if s.flag:
            parser.add_argument(s.option, dest=s.name, type=s.parse, default=None,
                                help=f"{s.help} [{s.env}; default {s.default}]")


def _settings(args: argparse.Namespace) -> config.Settings:
    return config.load({s.name: getattr(args, s.name, None) for s in config.SETTINGS if s.flag})


def _lan_address() -> str | None:
    """The address a phone on the same network would use (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            return s.getsockname()[0]
    except OSError:
        return None


def cmd_serve(args: argparse.Namespace) -> None:
    run(serve(_settings(args)))


def cmd_demo(args: argparse.Namespace) -> None:
    from live.demo import ensure_demo
    from live.web.sessions import moderator_key

    settings = _settings(args)

    async def on_ready(app: web.Application, base: str) -> None:
        svc = app[SERVICES]
        code = await ensure_demo(svc.store, svc.keys.secret)
        lecture = await svc.store.lecture(code)
        assert lecture is not None
        print(f"\n  课单 catalogue:    {base}/", flush=True)
        print(f"  观众页 viewer:     {base}/l/{code}", flush=True)
        if settings.host in ("0.0.0.0", "::"):
            lan = _lan_address()
            if lan:
                print(f"  手机 on a phone:   http://{lan}:{base.rsplit(':', 1)[1]}/l/{code}", flush=True)
        else:
            print("  (add --host 0.0.0.0 to open it from a phone on the same network)", flush=True)
        print(f"  控制台 control:    {base}/l/{code}/control#key={moderator_key(svc.keys.secret, lecture)}",
              flush=True)
        print(f"  大屏 screen:       {base}/l/{code}/screen", flush=True)
        print(f"  接口 API:          {base}/api/v1/lectures/{code}\n", flush=True)

    run(serve(settings, on_ready))


def cmd_cluster(args: argparse.Namespace) -> None:
    from live.cluster import run as run_cluster

    run_cluster(args.nodes, base_port=args.base_port, data_dir=Path(args.data_dir), redis_url=args.redis_url)


def _admin_token(settings: config.Settings) -> str:
    if settings.admin_token:
        return settings.admin_token
    path = Path(settings.data_dir) / "admin_token"
    if path.exists():
        return path.read_text().strip()
    raise SystemExit(f"live: no admin token: set LIVE_ADMIN_TOKEN or run the server once with --data-dir {settings.data_dir}")


def _node(args: argparse.Namespace, settings: config.Settings) -> str:
    """The running node a command talks to."""
    return (args.server or settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def _post(server: str, path: str, data: bytes, content_type: str, token: str, timeout: float = 10) -> Any:
    """POST to a running node as the organiser: the JSON answer, or exit
    saying what went wrong (the error's code and message, and its row and
    field when it names them)."""
    request = urllib.request.Request(f"{server}{path}", data=data, method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        text = exc.read().decode(errors="replace")
        try:
            error = json.loads(text)["error"]
            where = "".join(part for key, part in (("row", f"第 {error.get('row')} 行 row {error.get('row')} · "),
                                                   ("field", f"{error.get('field')}: ")) if error.get(key))
            text = f"{error['code']}: {where}{error['message']}"
        except (ValueError, KeyError, TypeError):
            pass
        raise SystemExit(f"live: {exc.code} {text}") from None
    except urllib.error.URLError as exc:
        raise SystemExit(f"live: cannot reach {server} ({exc.reason}); is `live serve` running?") from None


def cmd_lecture_create(args: argparse.Namespace) -> None:
    settings = _settings(args)
    body: dict[str, Any] = {"title": args.title}
    if args.description:
        body["description"] = args.description
    if args.speaker:
        body["speakers"] = [dict(zip(("name", "title"), s.split(":", 1))) for s in args.speaker]
    for key in ("starts_at", "ends_at", "stream_url"):
        if getattr(args, key):
            body[key] = getattr(args, key)
    record = _post(_node(args, settings), "/api/v1/lectures", json.dumps(body).encode(), "application/json",
                   _admin_token(settings))
    if args.json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return
    print(f"code:      {record['code']}")
    for role, url in record["urls"].items():
        print(f"{role + ':':<10} {url}")
    print(f"moderator key: {record['moderator_key']}")


def cmd_import(args: argparse.Namespace) -> None:
    """Send a catalogue file to a running node and print what it did with each row."""
    from live.core.importer import report_text

    settings = _settings(args)
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SystemExit(f"live: cannot read {path}: {exc.strerror}") from None
    content_type = "application/json" if path.suffix.lower() == ".json" else "text/csv"
    report = _post(_node(args, settings), "/api/v1/import" + ("?dry_run=1" if args.dry_run else ""), data,
                   content_type, _admin_token(settings), timeout=300)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else report_text(report))
    if report["refused"]:
        sys.exit(1)


def cmd_bench(args: argparse.Namespace) -> None:
    """``python -m bench …`` from the source checkout: bench/ is not installed."""
    import os
    import shlex
    import subprocess

    root = Path(__file__).resolve().parent.parent
    if not (root / "bench" / "__main__.py").exists():
        raise SystemExit("live: `live bench` runs from a source checkout (bench/ beside live/)")
    env = {**os.environ, "LIVE_BENCH_COMMAND": shlex.join(["live", "bench", *args.args])}
    raise SystemExit(subprocess.call([sys.executable, "-m", "bench", *args.args], cwd=root, env=env))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="live", description="A livestream lecture companion: comment wall, likes, Q&A.")
    p.add_argument("--version", action="version", version=f"live {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run a node")
    _add_settings(s)
    s.set_defaults(func=cmd_serve)

    d = sub.add_parser("demo", help="run a node with a sample lecture and print its links")
    _add_settings(d)
    d.set_defaults(func=cmd_demo)

    cl = sub.add_parser("cluster", help="run several nodes on one Redis on this machine (no Docker)")
    cl.add_argument("--nodes", type=int, default=3)
    cl.add_argument("--base-port", type=int, default=8080, help="node i listens on base-port + i - 1")
    cl.add_argument("--data-dir", default="./data-cluster", help="one folder per node, and Redis's")
    cl.add_argument("--redis-url", default=None,
                    help="an existing Redis; unset: start redis-server on base-port + nodes (AOF on)")
    cl.set_defaults(func=cmd_cluster)

    lec = sub.add_parser("lecture", help="manage lectures on a running node")
    lsub = lec.add_subparsers(dest="lecture_command", required=True)
    c = lsub.add_parser("create", help="create a lecture and print its links")
    _add_settings(c)
    c.add_argument("--server", help="the node's URL (default: from --host/--port or LIVE_PUBLIC_URL)")
    c.add_argument("--title", required=True)
    c.add_argument("--description")
    c.add_argument("--speaker", action="append", metavar="NAME[:TITLE]", help="repeat for each speaker")
    c.add_argument("--starts-at", dest="starts_at", metavar="ISO8601")
    c.add_argument("--ends-at", dest="ends_at", metavar="ISO8601")
    c.add_argument("--stream-url", dest="stream_url")
    c.add_argument("--json", action="store_true", help="print the whole record as JSON")
    c.set_defaults(func=cmd_lecture_create)

    im = sub.add_parser("import", help="import a catalogue (CSV or JSON) into a running node",
                        description="Create the lectures of a CSV or JSON file on a running node and report, per "
                                    "row, what was created, what was already there and what was refused. Columns: "
                                    "title, description, speakers, starts_at, ends_at, timezone, series, tags, "
                                    "stream_url, video_url, status (docs/protocol.md, \"Import\").")
    _add_settings(im)
    im.add_argument("file", help="a .csv (UTF-8 or GB18030, as Excel saves it) or a .json file")
    im.add_argument("--server", help="the node's URL (default: from --host/--port or LIVE_PUBLIC_URL)")
    im.add_argument("--dry-run", dest="dry_run", action="store_true", help="check every row, create nothing")
    im.add_argument("--json", action="store_true", help="print the report as JSON")
    im.set_defaults(func=cmd_import)

    # Everything after `bench` goes to `python -m bench` as it is (no option is this parser's).
    be = sub.add_parser("bench", help="run a benchmark: fanout, frame10, joinstorm, likes, slow, … (docs/benchmarks.md)",
                        add_help=False, prefix_chars="\0")
    be.add_argument("args", nargs=argparse.REMAINDER)
    be.set_defaults(func=cmd_bench)
    return p


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main(sys.argv[1:])
