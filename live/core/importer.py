"""Importing a catalogue: a season's lectures from a spreadsheet or JSON.

Organisers keep their programme ("课单") in Excel. A CSV saved from it in
China is often GB18030, often starts with a byte-order mark, and has its
times as the hall reads them ("2024/5/1 19:30"), its speakers as one cell
("陈亮（全国劳模）；李建忠") and its tags as one cell ("劳模，工匠"). This
module reads such a file (or JSON: a list of objects, or
``{"lectures": [...]}``, which is what ``GET /api/v1/lectures`` answers),
checks every row with the same rules as the API and says, per row, what
will be created, what is already there and what is refused and why, with
the row number the organiser sees in their spreadsheet. It never writes:
the caller creates what ``plan`` says (live/web/catalogue.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

from live.core import catalogue, clock
from live.core.errors import Refusal
from live.core.lecture import Lecture, checked_fields
from live.core.words import skeleton

#: At most this many rows in one import (a season is ~90; five years ~1,000).
ROWS_MAX = 2000
#: At most this many bytes in one file.
BODY_MAX = 2 * 1024 * 1024

#: The columns and the other names a spreadsheet may give them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "题目", "课题", "讲座", "名称"),
    "description": ("简介", "介绍", "内容", "描述"),
    "speakers": ("嘉宾", "主讲", "主讲人", "宣讲人", "讲师", "speaker"),
    "starts_at": ("开始时间", "开始", "时间", "start", "starts"),
    "ends_at": ("结束时间", "结束", "end", "ends"),
    "timezone": ("时区", "zone", "time_zone"),
    "series": ("系列", "栏目"),
    "tags": ("标签", "tag"),
    "stream_url": ("直播地址", "直播链接", "stream"),
    "video_url": ("回放地址", "回放链接", "录像", "视频", "video"),
    "status": ("状态",),
    "settings": (),
}
#: Fields of an exported lecture record that the server sets itself (its
#: code, times it stamped, links): a JSON export from ``GET /api/v1/lectures``
#: imports as it is, without them.
SERVER_FIELDS = frozenset(Lecture.__dataclass_fields__).union({"urls", "stream_kind", "ingest_token"}) - set(COLUMNS)
STATUS_NAMES = {"scheduled": "scheduled", "未开始": "scheduled", "预告": "scheduled", "即将开始": "scheduled",
                "ended": "ended", "已结束": "ended", "结束": "ended", "往期": "ended"}


def _column_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", unicodedata.normalize("NFKC", name).strip().casefold())


_ALIASES = {_column_key(alias): column for column, aliases in COLUMNS.items() for alias in (column, *aliases)}


@dataclass(frozen=True)
class Row:
    #: Where the organiser sees it: the spreadsheet's row (the header is
    #: row 1), or the object's place in a JSON list (from 1).
    number: int
    cells: Mapping[str, Any]
    #: What makes the row unreadable as a lecture, found while reading.
    problem: Refusal | None = None


@dataclass(frozen=True)
class Planned:
    """A lecture to create: ``fields`` for ``create_lecture``, then, for a
    past lecture, ``after`` for ``update_lecture`` (its status and times)."""

    row: int
    fields: dict[str, Any]
    after: dict[str, Any] | None = None


@dataclass
class Plan:
    rows: int
    create: list[Planned] = field(default_factory=list)
    #: Rows already in the catalogue: ``{row, code, title}``.
    existing: list[dict[str, Any]] = field(default_factory=list)
    #: ``{row, field, code, message}``; a row may be refused for several fields.
    refused: list[dict[str, Any]] = field(default_factory=list)


# -- reading the file -------------------------------------------------------------

def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), UTF-16 with its mark (Excel's
    "Unicode text"), else GB18030 (Excel's CSV on a Chinese Windows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise Refusal("invalid", "The file is neither UTF-8 nor GB18030 text.", field="file") from None


def kind_of(data: bytes, content_type: str | None) -> str:
    """"json" or "csv": by the content type, else by the first character."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype.endswith("json"):
        return "json"
    if ctype in ("text/csv", "text/tab-separated-values", "application/csv", "application/vnd.ms-excel"):
        return "csv"
    head = decode(data[:64]).lstrip() if data else ""
    return "json" if head.startswith(("[", "{")) else "csv"


def read(data: bytes, kind: str) -> list[Row]:
    """The rows of a CSV or JSON file; a problem with the whole file (not
    text, not a table, an unknown column, too many rows) is a Refusal."""
    if len(data) > BODY_MAX:
        raise Refusal("too_large", f"The file is over {BODY_MAX // (1024 * 1024)} MiB: split it.",
                      limit=BODY_MAX)
    rows = _read_json(decode(data)) if kind == "json" else _read_csv(decode(data))
    if not rows:
        raise Refusal("empty", "The file holds no lectures.", field="file")
    if len(rows) > ROWS_MAX:
        raise Refusal("too_large", f"The file has {len(rows)} lectures; at most {ROWS_MAX} are imported at once: "
                      "split it.", field="file", limit=ROWS_MAX)
    return rows


def _read_json(text: str) -> list[Row]:
    try:
        data = json.loads(text)
    except ValueError as e:
        raise Refusal("bad_json", f"The file is not valid JSON: {e}.", field="file") from None
    if isinstance(data, Mapping):
        data = data.get("lectures")
    if not isinstance(data, list):
        raise Refusal("bad_json", "Send a list of lectures, or {\"lectures\": [...]}.", field="file")
    return [Row(i, item) if isinstance(item, Mapping) else
            Row(i, {}, Refusal("invalid", "Each lecture must be a JSON object {\"title\": ...}."))
            for i, item in enumerate(data, 1)]


def _delimiter(header: str) -> str:
    # Excel writes "," or, in some locales, ";"; its "Unicode text" uses tabs.
    for candidate in ("\t", ";"):
        if candidate in header and "," not in header:
            return candidate
    return ","


def _read_csv(text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        records = list(reader)
    except csv.Error as e:
        raise Refusal("invalid", f"The file is not valid CSV (line {reader.line_num}: {e}).",
                      field="file") from None
    header_at = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if header_at is None:
        return []
    header = [c.strip() for c in records[header_at]]
    columns: list[str | None] = []
    for name in header:
        column = _ALIASES.get(_column_key(name)) if name else None
        if name and column is None and _column_key(name) not in SERVER_FIELDS:
            raise Refusal("invalid", f"Unknown column '{name}'; the columns are "
                          f"{', '.join(c for c in COLUMNS if c != 'settings')}.", field=name, row=header_at + 1)
        if column is not None and column in columns:
            raise Refusal("invalid", f"The column '{column}' appears twice.", field=column,
                          row=header_at + 1)
        columns.append(column)
    if "title" not in columns:
        raise Refusal("invalid", "The header has no 'title' column (标题).", field="title",
                      row=header_at + 1)
    rows = []
    for i, record in enumerate(records[header_at + 1:], header_at + 2):
        if not any(c.strip() for c in record):
            continue  # a blank row between two seasons
        cells: dict[str, Any] = {column: value.strip() for column, value in zip(columns, record)
                                 if column is not None and value.strip()}
        extra = [c for c in record[len(columns):] if c.strip()]
        problem = Refusal("invalid", f"The row has {len(columns) + len(extra)} cells; the header names "
                          f"{len(columns)} columns.") if extra else None
        rows.append(Row(i, cells, problem))
    return rows


# -- checking a row ---------------------------------------------------------------

_LOCAL = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[Tt]?\s*(\d{1,2})\s*[:时点]\s*(\d{1,2})\s*(?:[:分]\s*(?:(\d{1,2})\s*秒?)?)?)?"
)


def parse_time(value: Any, zone: str, key: str) -> str:
    """An ISO 8601 time with a zone, or a local time read in ``zone``
    (``2024-05-01 19:30``, ``2024/5/1 19:30``, ``2024年5月1日 19:30``), as
    the record's UTC ISO time."""
    if not isinstance(value, str):
        raise Refusal("invalid", f"'{key}' must be a time like 2024-05-01 19:30.", field=key)
    text = unicodedata.normalize("NFKC", value).strip()
    try:
        return clock.iso(clock.parse_iso(text))
    except (ValueError, OverflowError, OSError):
        pass
    m = _LOCAL.fullmatch(text)
    if m is None:
        raise Refusal("invalid", f"'{key}' is not a time: '{value[:40]}'; write 2024-05-01 19:30 "
                      "or 2024-05-01T19:30:00+08:00.", field=key)
    if m.group(4) is None:
        raise Refusal("invalid", f"'{key}' has a date but no time of day: '{value[:40]}'.", field=key)
    y, mo, d, h, mi, s = (int(g or 0) for g in m.groups())
    try:
        local = datetime(y, mo, d, h, mi, s, tzinfo=ZoneInfo(zone))
    except ValueError:
        raise Refusal("invalid", f"'{key}' is not a real date and time: '{value[:40]}'.", field=key) from None
    return clock.iso(local.timestamp())


_OPENING, _CLOSING = "（(【[", "）)】]"


def _split_outside_brackets(text: str, separators: str) -> list[str]:
    parts, current, depth = [], [], 0
    for ch in text:
        if ch in _OPENING:
            depth += 1
        elif ch in _CLOSING:
            depth = max(0, depth - 1)
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


_TITLED = re.compile(r"(.+?)\s*[（(](.+)[）)]")


def _speaker(text: str) -> dict[str, Any]:
    """"陈亮（全国劳模）", "陈亮(全国劳模)", "陈亮:全国劳模" or "陈亮"."""
    m = _TITLED.fullmatch(text) or re.fullmatch(r"(.+?)\s*[:：]\s*(.*)", text)
    if m:
        return {"name": m.group(1), "title": m.group(2) or None}
    return {"name": text}


def parse_speakers(value: Any) -> list[Any]:
    """Speakers from one cell: ``陈亮（全国劳模）；李建忠``, ``name:title; name``,
    ``陈亮、李建忠`` or a JSON list; a JSON list in a JSON file as it is."""
    if isinstance(value, list):
        return [_speaker(s) if isinstance(s, str) else s for s in value]
    if not isinstance(value, str):
        raise Refusal("invalid", "'speakers' must be text such as 陈亮（全国劳模）；李建忠.", field="speakers")
    text = value.strip()
    if text.startswith("["):
        try:
            return parse_speakers(json.loads(text))
        except ValueError:
            raise Refusal("invalid", "'speakers' starts like a JSON list but is not one.", field="speakers") from None
    parts = _split_outside_brackets(text, ";；\n")
    if len(parts) == 1 and not re.search(r"[:：（(]", text):
        parts = _split_outside_brackets(text, "、,，/")
    return [_speaker(p) for p in parts]


def parse_tags(value: Any) -> Any:
    """Tags from one cell, separated by , ， 、 or ; (a list as it is)."""
    if isinstance(value, str):
        return [t for t in re.split(r"[,，、;；\n]+", value) if t.strip()]
    return value


def _status(value: Any) -> str:
    status = STATUS_NAMES.get(value.strip().casefold()) if isinstance(value, str) else None
    if status is None:
        raise Refusal("invalid", "'status' is scheduled (未开始) or ended (已结束): a live lecture is "
                      "started from its control page.", field="status")
    return status


def check_row(cells: Mapping[str, Any]) -> tuple[dict[str, Any], str, list[Refusal]]:
    """The lecture fields of a row (as ``checked_fields`` makes them), its
    status, and every refusal it earns: a row with one bad field says what is
    wrong with the others too."""
    refusals: list[Refusal] = []
    raw: dict[str, Any] = {}
    for key, value in cells.items():
        column = _ALIASES.get(_column_key(key))
        if column is None:
            if _column_key(key) not in SERVER_FIELDS:
                refusals.append(Refusal("invalid", f"Unknown field '{key}'.", field=key))
        elif value is not None and value != "":
            raw[column] = value

    def attempt(key: str, make: Any) -> None:
        try:
            raw[key] = make(raw[key])
        except Refusal as r:
            refusals.append(r)
            del raw[key]

    zone = clock.DEFAULT_ZONE
    if "timezone" in raw:
        try:
            zone = clock.checked_zone(raw["timezone"])
        except ValueError as e:
            refusals.append(Refusal("invalid", f"'timezone' must be an IANA zone such as Asia/Shanghai: {e}.",
                                    field="timezone"))
            del raw["timezone"]
    for key in ("starts_at", "ends_at"):
        if key in raw:
            attempt(key, lambda v, key=key: parse_time(v, zone, key))
    if "speakers" in raw:
        attempt("speakers", parse_speakers)
    if "tags" in raw:
        raw["tags"] = parse_tags(raw["tags"])
    if isinstance(raw.get("settings"), str):
        try:
            raw["settings"] = json.loads(raw["settings"])
        except ValueError:
            pass  # checked_fields says what 'settings' must be
    status = "scheduled"
    if "status" in raw:
        try:
            status = _status(raw.pop("status"))
        except Refusal as r:
            refusals.append(r)
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            fields.update(checked_fields({key: value}, partial=True))
        except Refusal as r:
            refusals.append(r)
    if "title" not in raw:
        refusals.append(Refusal("invalid", "'title' is required.", field="title"))
    if fields.get("starts_at") and fields.get("ends_at") and \
            clock.parse_iso(fields["ends_at"]) <= clock.parse_iso(fields["starts_at"]):
        refusals.append(Refusal("invalid", "'ends_at' is not after 'starts_at'.", field="ends_at"))
    if status == "ended" and "starts_at" not in raw and not any(r.extra.get("field") == "starts_at"
                                                                 for r in refusals):
        refusals.append(Refusal("invalid", "A past lecture (ended) needs its 'starts_at'.", field="starts_at"))
    return fields, status, refusals


def _identity(title: str, starts_at: str | None) -> tuple[str, float | None]:
    """What makes two lectures the same one: the title (as search folds
    it) and the start."""
    return skeleton(title) or title, clock.parse_iso(starts_at) if starts_at else None


def _after(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A past lecture's status and the times it went live and ended (its
    start, and its end or the start plus the default duration)."""
    return {"status": "ended", "went_live_at": fields["starts_at"],
            "ended_at": clock.iso(catalogue.end_of(fields["starts_at"], fields.get("ends_at")))}


def plan(rows: Iterable[Row], lectures: Iterable[Lecture]) -> Plan:
    """What importing ``rows`` into a catalogue holding ``lectures`` does."""
    rows = list(rows)
    out = Plan(rows=len(rows))
    known = {_identity(lec.title, lec.starts_at): lec for lec in lectures}
    seen: dict[tuple[str, float | None], int] = {}
    for row in rows:
        # An unreadable row (not an object) has nothing else to say.
        fields, status, refusals = check_row(row.cells) if row.cells or not row.problem else ({}, "scheduled", [])
        if row.problem is not None:
            refusals.insert(0, row.problem)
        if not refusals:
            fields = checked_fields(fields, partial=False)
            identity = _identity(fields["title"], fields.get("starts_at"))
            if identity in seen:
                refusals.append(Refusal("duplicate", f"Row {seen[identity]} has the same title and start.",
                                        field="title"))
            elif identity in known:
                lec = known[identity]
                out.existing.append({"row": row.number, "code": lec.code, "title": lec.title})
                seen[identity] = row.number
                continue
            else:
                seen[identity] = row.number
        if refusals:
            out.refused.extend({"row": row.number, "field": r.extra.get("field"), "code": r.code,
                                "message": r.message} for r in refusals)
            continue
        out.create.append(Planned(row.number, fields, _after(fields) if status == "ended" else None))
    return out


# -- the report, for people ---------------------------------------------------------

def report_text(report: Mapping[str, Any]) -> str:
    """The import's answer as the command line prints it, Chinese first."""
    created, existing, refused = report["created"], report["existing"], report["refused"]
    lines = []
    if report.get("dry_run"):
        lines.append("试运行：没有写入任何内容 (dry run: nothing was written)")
    lines.append(f"共 {report['rows']} 行 rows · "
                 f"{'将创建' if report.get('dry_run') else '已创建'} created {len(created)} · "
                 f"已存在 existing {len(existing)} · 未导入 refused {len({r['row'] for r in refused})}")
    for title, entries in (("创建 created", created), ("已存在，跳过 existing, skipped", existing)):
        if entries:
            lines.append("")
            lines.append(f"{title}:")
            lines.extend(f"  第 {e['row']} 行  {e.get('code') or '—':<6}  {e['title']}" for e in entries)
    if refused:
        lines.append("")
        lines.append("未导入 refused:")
        lines.extend(f"  第 {r['row']} 行  {r['field'] or '—'}: {r['message']} [{r['code']}]" for r in refused)
    return "\n".join(lines)
