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


def to_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "id", "time", "nickname", "text", "answer", "speaker", "votes"])
    for c in data["featured_comments"]:
        w.writerow(["featured_comment", c["id"], c["created_at"], c["nickname"] or "", c["text"], "", "", ""])
    for q in data["answered_questions"]:
        w.writerow(["answered_question", q["id"], q["created_at"], q["nickname"] or "", q["text"],
                    q["answer"] or "", q["speaker"] or "", q["votes"]])
    for key, value in data["stats"].items():
        w.writerow(["stat", key, "", "", value, "", "", ""])
    return out.getvalue()


def to_markdown(data: dict[str, Any]) -> str:
    lecture, stats = data["lecture"], data["stats"]
    lines = [f"# {lecture['title']}", ""]
    lines.append(
        f"吸引 {_reach(stats['visits'])}（{stats['unique_viewers']} 位观众），最高同时在线 {stats['peak_online']} 人，"
        f"点赞 {stats['likes']} 次，留言 {stats['comments']} 条，提问 {stats['questions']} 个。"
    )
    if data["featured_comments"]:
        lines += ["", "## 精彩留言摘录", ""]
        for c in data["featured_comments"]:
            who = c["nickname"] or "网友"
            lines.append(f"“{who}”：{c['text']}")
            lines.append("")
    if data["answered_questions"]:
        lines += ["", "## 问答", ""]
        for q in data["answered_questions"]:
            lines.append(f"**问**（{q['nickname'] or '匿名'}，{q['votes']} 票）：{q['text']}")
            if q["answer"] or q["speaker"]:
                lines.append(f"**答**（{q['speaker'] or ''}）：{q['answer'] or ''}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render(data: dict[str, Any], fmt: str) -> tuple[bytes, str]:
    if fmt == "csv":
        return ("\ufeff" + to_csv(data)).encode(), "text/csv"  # BOM: Excel reads the Chinese right
    if fmt == "md":
        return to_markdown(data).encode(), "text/markdown"
    return orjson.dumps(data, option=orjson.OPT_INDENT_2), "application/json"
