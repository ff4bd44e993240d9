"""The catalogue on a real server, on both backends: import (API and
command line), the filtered API list, the home page's sections, search and
pages, the series and speaker pages, and the calendar feeds read back."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import icalendar

from live.core import importer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "catalogue.csv"
SERIES_2024 = "新时代 新思想 新宣讲 2024"


async def post_import(server: Any, data: bytes | str, content_type: str = "text/csv", *, token: str | None = "admin",
                      query: str = "") -> tuple[int, Any]:
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {server.admin_token if token == 'admin' else token}"
    body = data.encode() if isinstance(data, str) else data
    async with server.http.post(server.url + "/api/v1/import" + query, data=body, headers=headers) as r:
        return r.status, await r.json()


async def get(server: Any, path: str, **headers: str) -> tuple[int, Any, str]:
    async with server.http.get(server.url + path, headers=headers, allow_redirects=False) as r:
        return r.status, r.headers, await r.text()


async def lectures(server: Any, query: str = "") -> list[dict[str, Any]]:
    status, body = await server.request("GET", "/api/v1/lectures" + query)
    assert status == 200, body
    return body["lectures"]


async def test_import_then_list_then_import_again(server):
    status, report = await post_import(server, EXAMPLE.read_bytes())
    assert status == 200 and report["dry_run"] is False and report["refused"] == [] and report["rows"] == 4
    assert [(c["row"], c["status"]) for c in report["created"]] == [(2, "ended"), (3, "ended"), (4, "scheduled"),
                                                                    (5, "scheduled")]
    assert all(re.fullmatch(r"[2-9A-HJ-NP-Z]{6}", c["code"]) for c in report["created"])
    records = {lec["title"]: lec for lec in await lectures(server)}
    past = records["“劳模精神”大家谈"]
    assert past["status"] == "ended" and past["went_live_at"] == "2020-04-21T11:00:00.000Z"
    assert past["ended_at"] == "2020-04-21T11:50:00.000Z" and past["series"] == "新时代·新思想·新宣讲"
    assert past["speakers"][0]["name"] == "陈亮" and past["tags"] == ["劳模精神", "工匠精神", "五一"]
    assert "moderator_key" not in past

    # running it again is safe: everything is already there
    status, again = await post_import(server, EXAMPLE.read_bytes())
    assert status == 200 and again["created"] == [] and again["refused"] == []
    assert [(e["row"], e["code"]) for e in again["existing"]] == [(c["row"], c["code"]) for c in report["created"]]
    assert len(await lectures(server)) == 4


async def test_the_lists_own_answer_imports_as_it_is(server):
    await post_import(server, EXAMPLE.read_bytes())
    status, exported = await server.request("GET", "/api/v1/lectures")
    status, report = await post_import(server, json.dumps(exported, ensure_ascii=False), "application/json")
    assert status == 200 and report["refused"] == [] and report["created"] == [] and len(report["existing"]) == 4


async def test_list_filters(server):
    await post_import(server, EXAMPLE.read_bytes())
    assert {x["title"] for x in await lectures(server, "?series=" + quote("新时代新思想新宣讲2024"))} == {
        "何为“新质生产力”，职工该怎么干"}
    assert {x["title"] for x in await lectures(server, "?tag=" + quote("工匠精神"))} == {
        "“劳模精神”大家谈", "弘扬工匠精神，发展新兴产业，打造锡版新质生产力"}
    assert {x["title"] for x in await lectures(server, "?status=scheduled&q=" + quote("陈亮"))} == {
        "新质生产力——热盼科技创新和更多的大国工匠"}
    assert await lectures(server, "?q=" + quote("没有这场讲座")) == []
    assert len(await lectures(server, "?q=&tag=")) == 4
    status, body = await server.request("GET", "/api/v1/lectures?status=soon")
    assert status == 400 and body["error"]["field"] == "status"


async def test_import_needs_the_admin_token(server, lecture):
    status, body = await post_import(server, EXAMPLE.read_bytes(), token=None)
    assert status == 401 and body["error"]["code"] == "unauthorized"
    status, body = await post_import(server, EXAMPLE.read_bytes(), token=lecture["moderator_key"])
    assert status == 403 and body["error"]["code"] == "forbidden"
    assert [x["code"] for x in await lectures(server)] == [lecture["code"]]


async def test_dry_run_writes_nothing(server):
    status, report = await post_import(server, EXAMPLE.read_bytes(), query="?dry_run=1")
    assert status == 200 and report["dry_run"] is True and len(report["created"]) == 4
    assert all(c["code"] is None for c in report["created"])
    assert await lectures(server) == []


async def test_refused_rows_gb18030_and_json(server):
    text = ("标题,开始时间,标签,直播地址\r\n"
            "“劳模精神”大家谈,2026-04-21 19:00,劳模、工匠,\r\n"
            "时间不对,2026-02-30 19:00,,\r\n"
            ",2026-04-22 19:00,,\r\n"
            "链接不对,2026-04-23 19:00,,rtmp://example.org/live\r\n")
    status, report = await post_import(server, text.encode("gb18030"), "text/csv; charset=gb18030")
    assert status == 200
    assert [c["title"] for c in report["created"]] == ["“劳模精神”大家谈"]
    assert [(r["row"], r["field"], r["code"]) for r in report["refused"]] == [
        (3, "starts_at", "invalid"), (4, "title", "invalid"), (5, "stream_url", "invalid")]
    status, report = await post_import(server, json.dumps({"lectures": [
        {"title": "新质生产力", "starts_at": "2024-03-26T14:30:00+08:00", "status": "ended",
         "speakers": "林兰（上海社科院研究员）；王铭涛"}]}, ensure_ascii=False), "application/json")
    assert status == 200 and report["refused"] == []
    [record] = await lectures(server, "?status=ended")
    assert record["speakers"] == [{"name": "林兰", "title": "上海社科院研究员"}, {"name": "王铭涛", "title": None}]


async def test_whole_file_refusals_and_limits(server):
    status, body = await post_import(server, "titel,starts_at\nx,2026-04-21 19:00\n")
    assert status == 400 and (body["error"]["field"], body["error"]["row"]) == ("titel", 1)
    status, body = await post_import(server, "[{oops", "application/json")
    assert status == 400 and body["error"]["code"] == "bad_json"
    status, body = await post_import(server, "title\n" + "讲座\n" * (importer.ROWS_MAX + 1))
    assert status == 413 and body["error"]["limit"] == importer.ROWS_MAX
    status, body = await post_import(server, b"title\n" + b"x" * (importer.BODY_MAX + 10))
    assert status == 413 and body["error"]["code"] == "too_large"
    assert await lectures(server) == []


async def test_the_command_line_imports_and_reports(server, tmp_path):
    env = {**os.environ, "LIVE_ADMIN_TOKEN": server.admin_token}

    async def run(*args: str) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "live", "import", *args, "--server", server.url, cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode, out.decode(), err.decode()

    code, out, _ = await run(str(EXAMPLE), "--dry-run")
    assert code == 0 and out.startswith("试运行") and "将创建 created 4" in out and await lectures(server) == []
    code, out, _ = await run(str(EXAMPLE))
    assert code == 0 and "已创建 created 4" in out and "第 2 行" in out and "“劳模精神”大家谈" in out
    bad = tmp_path / "课单.csv"
    bad.write_bytes("title,starts_at\n好,2026-04-21 19:00\n坏,明天\n".encode("gb18030"))
    code, out, _ = await run(str(bad))
    assert code == 1 and "第 3 行  starts_at" in out and "已创建 created 1" in out
    bad.write_text("titel\nx\n")
    code, _, err = await run(str(bad))
    assert code == 1 and "第 1 行" in err and "titel" in err
    assert len(await lectures(server)) == 5


async def _many_past(server: Any, n: int) -> None:
    rows = "\n".join(f"往期第{i:02d}讲,2025-01-{i:02d} 19:00,已结束" for i in range(1, n + 1))
    status, report = await post_import(server, "title,starts_at,status\n" + rows)
    assert status == 200 and len(report["created"]) == n


async def test_home_page_sections_search_and_pages(server):
    await post_import(server, EXAMPLE.read_bytes())
    live = await server.create_lecture(title="桃园网课：科学种桃与乡村振兴", starts_at="2026-11-21T10:00:00+08:00")
    await server.moderate(live["code"], "status", {"status": "live"})
    status, _, html = await get(server, "/")
    assert status == 200
    live_at, upcoming_at, past_at = (html.index(f'id="shelf-{k}"') for k in ("live", "upcoming", "past"))
    assert live_at < upcoming_at < past_at
    # coming up soonest first, past newest first
    assert html.index("新质生产力——热盼") < html.index("弘扬工匠精神") and html.index("何为“新质") < html.index(
        "“劳模精神”大家谈")
    assert "2027-03-18 19:00–20:30" in html
    past_code = next(x["code"] for x in await lectures(server) if x["title"] == "“劳模精神”大家谈")
    assert f'href="/l/{past_code}/replay"' in html and f'href="/l/{past_code}/dashboard"' in html
    assert 'href="/speakers/%E9%99%88%E4%BA%AE"' in html  # 陈亮
    assert 'href="/series/' + quote(SERIES_2024, safe="") + '"' in html

    status, _, html = await get(server, "/?q=" + quote("陈 亮"))  # spaces do not matter
    assert "新质生产力——热盼" in html and "“劳模精神”大家谈" in html and "何为“新质" not in html
    status, _, html = await get(server, "/?q=" + quote("没有这场讲座"))
    assert status == 200 and "没有找到符合条件的讲座" in html and 'id="shelf-' not in html
    status, _, html = await get(server, "/?tag=" + quote("工匠精神") + "&lang=en")
    assert "Lectures found: 2" in html and "Tag: 工匠精神" in html

    await _many_past(server, 14)
    status, _, html = await get(server, "/")
    assert "第 1 / 2 页" in html and 'rel="next" href="/?page=2#past"' in html
    assert html.count('data-status="ended"') // 2 == 12  # badge and card, per card
    status, _, html = await get(server, "/?page=2")
    assert 'id="shelf-live"' not in html and 'id="shelf-upcoming"' not in html
    assert html.count('<article class="card lcard"') == 4 and "往期第01讲" in html
    status, _, html = await get(server, "/?page=99")
    assert "第 2 / 2 页" in html
    status, _, html = await get(server, "/?status=scheduled")
    assert 'id="shelf-past"' not in html and html.count('<article class="card lcard"') == 2

    status, headers, _ = await get(server, f"/?code={past_code.lower()}")
    assert status == 302 and headers["Location"] == f"/l/{past_code}"


async def test_series_and_speaker_pages(server):
    await post_import(server, EXAMPLE.read_bytes())
    await post_import(server, "title,speakers,starts_at,series\n"
                              "更早的一讲,陈亮:班组副班长,2024-03-01 19:00," + SERIES_2024 + "\n")
    status, _, html = await get(server, "/series/" + quote("新时代新思想新宣讲2024", safe=""))
    assert status == 200 and f"<h1 class=\"page-title\">{SERIES_2024}</h1>" in html
    assert html.index("更早的一讲") < html.index("何为“新质生产力”")  # in time order
    assert "webcal://" in html and quote(SERIES_2024, safe="") + "/calendar.ics" in html
    status, _, _ = await get(server, "/series/" + quote("没有这个系列", safe=""))
    assert status == 404

    status, _, html = await get(server, "/speakers/" + quote("陈亮", safe=""))
    assert status == 200 and "<h1 class=\"page-title\">陈亮</h1>" in html
    # the title of the latest lecture (2027), not of earlier ones
    assert '<p class="person-title">全国劳动模范，无锡微研股份有限公司加工中心班组副班长</p>' in html
    assert html.count('<article class="card lcard"') == 3
    status, _, _ = await get(server, "/speakers/" + quote("无名氏", safe=""))
    assert status == 404


def _events(text: str) -> list[Any]:
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


async def test_calendar_feeds(server):
    await post_import(server, EXAMPLE.read_bytes())
    undated = await server.create_lecture(title="时间待定")
    status, headers, text = await get(server, "/calendar.ics")
    assert status == 200 and headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = _events(text)
    assert len(events) == 4 and "时间待定" not in text  # no start, no event
    host = server.url.split("//")[1].split(":")[0]
    by_title = {str(e["SUMMARY"]): e for e in events}
    chen = by_title["新质生产力——热盼科技创新和更多的大国工匠"]
    assert chen.decoded("DTSTART") == datetime(2027, 3, 18, 11, 0, tzinfo=timezone.utc)
    assert str(chen["UID"]).endswith("@" + host) and str(chen["URL"]).endswith("/l/" + str(chen["UID"])[8:14])
    assert "嘉宾：陈亮（全国劳动模范" in str(chen["DESCRIPTION"])
    assert str(icalendar.Calendar.from_ical(text)["X-WR-CALNAME"]) == "讲座日历"

    status, _, series_text = await get(server, "/series/" + quote(SERIES_2024, safe="") + "/calendar.ics")
    [only] = _events(series_text)
    assert str(only["SUMMARY"]) == "何为“新质生产力”，职工该怎么干"
    assert str(icalendar.Calendar.from_ical(series_text)["X-WR-CALNAME"]) == SERIES_2024
    code = str(chen["UID"])[8:14]
    status, _, one = await get(server, f"/l/{code.lower()}/calendar.ics", **{"Accept-Language": "en"})
    [event] = _events(one)
    assert str(event["UID"]) == str(chen["UID"]) and "Speakers: 陈亮 (全国劳动模范" in str(event["DESCRIPTION"])
    status, _, tagged = await get(server, "/calendar.ics?tag=" + quote("工匠精神"))
    assert len(_events(tagged)) == 2
    assert (await get(server, f"/l/{undated['code']}/calendar.ics"))[0] == 404
    assert (await get(server, "/l/ZZZZZZ/calendar.ics"))[0] == 404
    assert (await get(server, "/series/" + quote("无", safe="") + "/calendar.ics"))[0] == 404
