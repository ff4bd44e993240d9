"""After the event: the featured comments ("精彩留言摘录"), the answered
questions and the figures, as JSON, CSV or Markdown."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson

FORMATS = ("json", "csv", "md")


def _reach(visits: int) -> str:
    """Visits the way the organisers' articles write them: 12万人次."""
    if visits >= 10_000:
        return f"{visits / 10_000:.1f}".rstrip("0").rstrip(".") + "万人次"
    return f"{visits}人次"


def _place(source: str) -> str:
    """A source as the report names it: the viewer page, or the site a widget was on."""
    if source == "page":
        return "观看页"
    site = source.split(":", 1)[1] if ":" in source else ""
    return f"嵌入 {site.split('://', 1)[-1]}" if site and site != "other" else "其他嵌入页面"


def mask(name: str | None) -> str | None:
    """A nickname fit to publish: its first character, the rest starred (张**)."""
    if not name:
        return name
    chars = list(name)
    return chars[0] + "*" * min(max(len(chars) - 1, 1), 4)


def masked(data: dict[str, Any]) -> dict[str, Any]:
    return {
        **data,
        "featured_comments": [{**c, "nickname": mask(c["nickname"])} for c in data["featured_comments"]],
        "answered_questions": [{**q, "nickname": mask(q["nickname"])} for q in data["answered_questions"]],
    }


#: What makes a spreadsheet read a cell as a formula (or, for tab and CR,
#: lets one hide in front of it): a text cell starting with one of these.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a text starting with a
    formula character gets a leading single quote (OWASP's advice for CSV
    injection). Numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _SafeWriter:
    """A csv writer whose every text cell goes through ``cell``."""

    def __init__(self, out: io.StringIO) -> None:
        self._w = csv.writer(out)

    def writerow(self, row: list[Any]) -> None:
        self._w.writerow([cell(v) for v in row])


def to_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    w = _SafeWriter(out)
    w.writerow(["section", "id", "time", "nickname", "text", "answer", "speaker", "votes"])
    for c in data["featured_comments"]:
        w.writerow(["featured_comment", c["id"], c["created_at"], c["nickname"] or "", c["text"], "", "", ""])
    for q in data["answered_questions"]:
        w.writerow(["answered_question", q["id"], q["created_at"], q["nickname"] or "", q["text"],
                    q["answer"] or "", q["speaker"] or "", q["votes"]])
    for key, value in data["stats"].items():
        w.writerow(["stat", key, "", "", value, "", "", ""])
    for source, counts in data.get("sources", {}).items():
        w.writerow(["source", source, "", "", counts["visits"], "", "", ""])
    return out.getvalue()


_MD_SPECIAL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "`": "\\`"})


def md(text: str | None) -> str:
    """Viewers' text as Markdown shows it and no more: no HTML, no links, no
    code spans (the report is published, maybe by a renderer that allows HTML)."""
    return (text or "").translate(_MD_SPECIAL)


def _poll_lines(poll: dict[str, Any]) -> list[str]:
    r = poll["results"]
    lines = [f"**{md(poll['title'])}**（{r['total']} 人作答）"]
    if poll.get("options"):
        right = set(poll.get("correct") or ()) if poll.get("revealed") else set()
        for o in poll["options"]:
            n = r["counts"].get(o["id"], 0)
            share = f"{n * 100 / r['total']:.0f}%" if r["total"] else "0%"
            lines.append(f"- {md(o['text'])}：{n}（{share}）" + ("　✓" if o["id"] in right else ""))
    elif poll["kind"] == "rating":
        lines.append(f"- 平均 {r['average'] if r['average'] is not None else '—'} 分（{poll['scale']['min']}–{poll['scale']['max']}）")
    else:
        lines.append("- " + "、".join(f"{md(w)}（{n}）" for w, n in list(r["counts"].items())[:20]))
    return lines


def to_markdown(data: dict[str, Any]) -> str:
    lecture, stats = data["lecture"], data["stats"]
    lines = [f"# {md(lecture['title'])}", ""]
    when = (lecture.get("starts_at") or lecture["created_at"])[:10]
    lines.append(f"日期：{when}")
    if lecture["speakers"]:
        guests = "、".join(md(s["name"]) + (f"（{md(s['title'])}）" if s.get("title") else "")
                          for s in lecture["speakers"])
        lines.append(f"嘉宾：{guests}")
    lines.append("")
    lines.append(
        f"吸引 {_reach(stats['visits'])}（{stats['unique_viewers']} 位观众），最高同时在线 {stats['peak_online']} 人，"
        f"点赞 {stats['likes']} 次，留言 {stats['comments']} 条，提问 {stats['questions']} 个"
        f"（现场回答 {stats.get('answered_live', 0)} 个，书面回答 {stats.get('answered_written', 0)} 个）。"
    )
    places = [f"{_place(s)} {_reach(n['visits'])}" for s, n in data.get("sources", {}).items() if n["visits"]]
    if len(places) > 1:
        lines.append(f"其中{'，'.join(places)}。")
    if data["featured_comments"]:
        lines += ["", "## 精彩留言摘录", ""]
        for c in data["featured_comments"]:
            who = md(c["nickname"]) or "网友"
            lines.append(f"“{who}”：{md(c['text'])}")
            lines.append("")
    if data["answered_questions"]:
        lines += ["", "## 问答", ""]
        for q in data["answered_questions"]:
            lines.append(f"**问**（{md(q['nickname']) or '匿名'}，{q['votes']} 票）：{md(q['text'])}")
            if q["answer"] or q["speaker"]:
                lines.append(f"**答**（{md(q['speaker'])}）：{md(q['answer'])}")
            lines.append("")
    if data.get("polls"):
        lines += ["", "## 投票", ""]
        for poll in data["polls"]:
            lines += _poll_lines(poll) + [""]
    return "\n".join(lines).rstrip() + "\n"


def render(data: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    if fmt == "csv":
        return ("\ufeff" + to_csv(data)).encode(), "text/csv"  # BOM: Excel reads the Chinese right
    if fmt == "md":
        return to_markdown(data).encode(), "text/markdown"
    return orjson.dumps(data, option=orjson.OPT_INDENT_2), "application/json"
