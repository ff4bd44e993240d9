"""Importing a catalogue without a server: files as Excel and people make
them (GB18030, a byte-order mark, local times, one cell of speakers), and
every refusal with the row number the organiser sees in their spreadsheet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from live.core import importer
from live.core.errors import Refusal
from live.core.lecture import TAGS_MAX, Lecture

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "catalogue.csv"
HEADER = "title,speakers,starts_at,ends_at,series,tags,stream_url,video_url,status"


def plan(text: str | bytes, kind: str = "csv", existing: tuple[Lecture, ...] = ()) -> importer.Plan:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return importer.plan(importer.read(data, kind), existing)


def refused(p: importer.Plan) -> list[tuple[int, str | None, str]]:
    return [(r["row"], r["field"], r["code"]) for r in p.refused]


def test_the_example_file_imports_cleanly() -> None:
    p = plan(EXAMPLE.read_bytes())
    assert p.refused == [] and p.rows == 4
    # the first lecture's description spans three lines in one cell: rows are the spreadsheet's
    assert [c.row for c in p.create] == [2, 3, 4, 5]
    first = p.create[0]
    assert first.fields["title"] == "“劳模精神”大家谈"
    assert first.fields["starts_at"] == "2020-04-21T11:00:00.000Z"  # 19:00 in Shanghai
    assert first.fields["speakers"][0] == {"name": "陈亮", "title": "2020年全国劳动模范候选人、“全国十佳最美职工”"}
    assert [s["name"] for s in first.fields["speakers"]] == ["陈亮", "李建忠", "唐忠宝", "张鸣年"]
    assert first.fields["tags"] == ["劳模精神", "工匠精神", "五一"]
    assert first.fields["description"].count("\n") == 3
    assert first.after == {"status": "ended", "went_live_at": "2020-04-21T11:00:00.000Z",
                           "ended_at": "2020-04-21T11:50:00.000Z"}
    # a title holding brackets of its own
    assert p.create[1].fields["speakers"][2] == {"name": "孙华芹",
                                                 "title": "全国人大代表、SK海力士半导体（中国）有限公司高级工程师"}
    assert p.create[2].after is None and p.create[2].fields["stream_url"].endswith(".m3u8")
    assert p.create[3].fields["starts_at"] == "2027-03-25T11:00:00.000Z"  # 2027/3/25 19:00


def test_gb18030_and_a_byte_order_mark_are_read() -> None:
    text = "标题,嘉宾,开始时间,标签\r\n“劳模精神”大家谈,陈亮；唐忠宝,2026-04-21 19:00,劳模、工匠\r\n"
    for data in (text.encode("gb18030"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("utf-8"),
                 text.encode("utf-16")):
        p = plan(data)
        assert p.refused == [], data[:8]
        [one] = p.create
        assert one.fields["title"] == "“劳模精神”大家谈" and one.fields["tags"] == ["劳模", "工匠"]
        assert [s["name"] for s in one.fields["speakers"]] == ["陈亮", "唐忠宝"]
    assert importer.decode("标题".encode("gb18030")) == "标题"
    with pytest.raises(Refusal) as e:
        importer.decode(b"\x81\x30\xff\xff")
    assert e.value.extra["field"] == "file"


def test_excel_unicode_text_and_semicolons_are_tables_too() -> None:
    tsv = "title\tstarts_at\r\n新质生产力\t2024/5/1 19:30\r\n".encode("utf-16")
    [one] = plan(tsv).create
    assert one.fields["starts_at"] == "2024-05-01T11:30:00.000Z"
    [two] = plan("title;tags\r\n工匠;a,b\r\n").create
    assert two.fields["tags"] == ["a", "b"]


def test_bad_times_are_refused_on_their_row() -> None:
    p = plan("\n".join([HEADER,
                        "好,,2026-04-21 19:00,,,,,,",
                        "月份不对,,2026-13-01 19:00,,,,,,",
                        "没有钟点,,2026-04-21,,,,,,",
                        "不是时间,,明天晚上,,,,,,",
                        "结束在开始之前,,2026-04-21 19:00,2026-04-21 18:00,,,,,"]))
    assert [c.row for c in p.create] == [2]
    assert refused(p) == [(3, "starts_at", "invalid"), (4, "starts_at", "invalid"), (5, "starts_at", "invalid"),
                          (6, "ends_at", "invalid")]
    assert "no time of day" in p.refused[1]["message"]


@pytest.mark.parametrize("value, zone, expected", [
    ("2026-04-21 19:00", None, "2026-04-21T11:00:00.000Z"),
    ("2026/4/21 19:00", None, "2026-04-21T11:00:00.000Z"),
    ("2026年4月21日 19:00", None, "2026-04-21T11:00:00.000Z"),
    ("2026年4月21日19时30分", None, "2026-04-21T11:30:00.000Z"),
    ("２０２６－０４－２１　１９：００", None, "2026-04-21T11:00:00.000Z"),
    ("2026-04-21T19:00", None, "2026-04-21T11:00:00.000Z"),
    ("2026-04-21 19:00:30", None, "2026-04-21T11:00:30.000Z"),
    ("2026-04-21T19:00:00+02:00", None, "2026-04-21T17:00:00.000Z"),  # a zone given wins
    ("2026-04-21T11:00:00Z", "Europe/Berlin", "2026-04-21T11:00:00.000Z"),
    ("2026-04-21 19:00", "Europe/Berlin", "2026-04-21T17:00:00.000Z"),  # summer time
    ("2026-01-21 19:00", "Europe/Berlin", "2026-01-21T18:00:00.000Z"),
])
def test_local_times_are_read_in_the_rows_zone(value: str, zone: str | None, expected: str) -> None:
    cells = {"title": "x", "starts_at": value, **({"timezone": zone} if zone else {})}
    fields, _, refusals = importer.check_row(cells)
    assert refusals == [] and fields["starts_at"] == expected


def test_an_unknown_column_refuses_the_file_at_its_header() -> None:
    with pytest.raises(Refusal) as e:
        plan("\n\ntitel,starts_at\nx,2026-04-21 19:00\n")
    assert (e.value.code, e.value.extra["field"], e.value.extra["row"]) == ("invalid", "titel", 3)
    with pytest.raises(Refusal) as e:
        plan("speakers,starts_at\n陈亮,2026-04-21 19:00\n")
    assert (e.value.extra["field"], e.value.extra["row"]) == ("title", 1)
    with pytest.raises(Refusal) as e:
        plan("title,标题\nx,y\n")
    assert e.value.extra["field"] == "title" and "twice" in e.value.message


def test_column_names_forgive_case_spaces_and_take_chinese() -> None:
    [one] = plan("Title, Starts At ,系列,回放地址,状态\nx,2020-01-01 10:00,系列一,https://v.example/x.mp4,已结束\n").create
    assert one.fields["series"] == "系列一" and one.fields["video_url"] == "https://v.example/x.mp4"
    assert one.after is not None


def test_missing_title_too_many_tags_bad_urls_and_bad_status() -> None:
    tags = "，".join(f"标签{i}" for i in range(TAGS_MAX + 1))
    p = plan("\n".join([HEADER,
                        ",陈亮,2026-04-21 19:00,,,,,,",
                        f"太多标签,,2026-04-21 19:00,,,\"{tags}\",,,",
                        "坏链接,,2026-04-21 19:00,,,,ftp://example.org/x,javascript:alert(1),",
                        "直播中,,2026-04-21 19:00,,,,,,live",
                        "往期没有时间,,,,,,,,已结束",
                        "",
                        "空行之后,,2026-04-22 19:00,,,,,,"]))
    assert refused(p) == [(2, "title", "invalid"), (3, "tags", "invalid"), (4, "stream_url", "invalid"),
                          (4, "video_url", "invalid"), (5, "status", "invalid"), (6, "starts_at", "invalid")]
    # the blank row counts: the spreadsheet shows it
    assert [c.row for c in p.create] == [8]


def test_every_problem_of_a_row_is_reported() -> None:
    p = plan(HEADER + "\n,,soon,,,,not a url,,maybe\n")
    assert sorted(f for _, f, _ in refused(p)) == ["starts_at", "status", "stream_url", "title"]
    assert {r for r, _, _ in refused(p)} == {2}


def test_duplicate_rows_and_lectures_already_there() -> None:
    there = Lecture(code="K7MXQ2", title="“劳模精神”大家谈", moderator_key="k", epoch="e",
                    created_at="2026-01-01T00:00:00.000Z", starts_at="2020-04-21T11:00:00.000Z")
    p = plan("\n".join(["title,starts_at",
                        "“劳模精神”大家谈,2020-04-21 19:00",   # already in the catalogue
                        "新质生产力,2024-05-01 19:30",
                        "新质生产力,2024-05-01T11:30:00Z",      # the same start, written otherwise
                        "新质生产力,2024-05-02 19:30",          # another day: another lecture
                        "“劳模精神”大家谈,2020-04-21 19:00"]), existing=(there,))
    assert p.existing == [{"row": 2, "code": "K7MXQ2", "title": "“劳模精神”大家谈"}]
    assert [c.row for c in p.create] == [3, 5]
    assert refused(p) == [(4, "title", "duplicate"), (6, "title", "duplicate")]
    assert p.refused[0]["message"] == "Row 3 has the same title and start."


@pytest.mark.parametrize("cell, expected", [
    ("陈亮（全国劳模）；李建忠", [{"name": "陈亮", "title": "全国劳模"}, {"name": "李建忠"}]),
    ("陈亮(全国劳模); 李建忠", [{"name": "陈亮", "title": "全国劳模"}, {"name": "李建忠"}]),
    ("陈亮:全国劳模; 李建忠：教授", [{"name": "陈亮", "title": "全国劳模"}, {"name": "李建忠", "title": "教授"}]),
    ("陈亮、李建忠、唐忠宝", [{"name": "陈亮"}, {"name": "李建忠"}, {"name": "唐忠宝"}]),
    ("陈亮:全国劳动模范候选人、“全国十佳最美职工”", [{"name": "陈亮", "title": "全国劳动模范候选人、“全国十佳最美职工”"}]),
    ("陈亮\n李建忠", [{"name": "陈亮"}, {"name": "李建忠"}]),
    ('[{"name": "陈亮", "title": "全国劳模"}, "李建忠"]', [{"name": "陈亮", "title": "全国劳模"}, {"name": "李建忠"}]),
])
def test_speakers_in_one_cell(cell: str, expected: list[dict[str, Any]]) -> None:
    assert importer.parse_speakers(cell) == expected


def test_a_broken_json_list_of_speakers_is_refused() -> None:
    _, _, refusals = importer.check_row({"title": "x", "speakers": "[{oops"})
    assert [r.extra["field"] for r in refusals] == ["speakers"]


def test_json_shapes() -> None:
    rows = [{"title": "新质生产力", "starts_at": "2024-05-01 19:30", "tags": ["新质生产力"],
             "speakers": [{"name": "陈亮", "title": "全国劳模"}]},
            {"title": "往期", "starts_at": "2020-01-01T19:00:00+08:00", "status": "ended"}]
    for body in (rows, {"lectures": rows}):
        p = plan(json.dumps(body, ensure_ascii=False), "json")
        assert [c.fields["title"] for c in p.create] == ["新质生产力", "往期"] and p.refused == []
    # an export of GET /api/v1/lectures imports as it is: server-made fields are ignored
    export = {"lectures": [{"code": "K7MXQ2", "title": "导出的", "created_at": "2026-01-01T00:00:00.000Z",
                            "urls": {"viewer": "x"}, "stream_kind": None, "key_generation": 0,
                            "went_live_at": None, "ended_at": None, "status": "scheduled",
                            "settings": {"question_mode": "held"}, "speakers": [], "tags": []}]}
    [one] = plan(json.dumps(export), "json").create
    assert one.fields["settings"] == {"question_mode": "held"}
    p = plan(json.dumps([{"title": "好"}, "不是对象", {"title": "x", "colour": "red"}, {"title": 3}, {}]), "json")
    assert refused(p) == [(2, None, "invalid"), (3, "colour", "invalid"), (4, "title", "invalid"),
                          (5, "title", "invalid")]
    for bad in ("{oops", '{"items": []}', '"text"'):
        with pytest.raises(Refusal) as e:
            plan(bad, "json")
        assert e.value.code == "bad_json"


def test_the_kind_of_file() -> None:
    assert importer.kind_of(b"[]", "application/json; charset=utf-8") == "json"
    assert importer.kind_of(b"[]", "text/csv") == "csv"
    assert importer.kind_of(b"\xef\xbb\xbf  {\"lectures\": []}", None) == "json"
    assert importer.kind_of(b"title\n", "application/octet-stream") == "csv"


def test_limits() -> None:
    with pytest.raises(Refusal) as e:
        plan("title\n" + "讲座\n" * (importer.ROWS_MAX + 1))
    assert e.value.code == "too_large" and e.value.extra["limit"] == importer.ROWS_MAX
    with pytest.raises(Refusal) as e:
        importer.read(b"title\n" + b"x" * importer.BODY_MAX, "csv")
    assert e.value.code == "too_large"
    for empty in ("", "\n\n", "title,starts_at\n\n"):
        with pytest.raises(Refusal) as e:
            plan(empty)
        assert e.value.code == "empty"


def test_more_cells_than_columns_is_refused() -> None:
    p = plan("title,starts_at\n好,2026-04-21 19:00,,\n多了,2026-04-21 19:00,多余\n")
    assert [c.row for c in p.create] == [2] and refused(p) == [(3, None, "invalid")]


def test_the_report_reads_well() -> None:
    report = {"dry_run": False, "rows": 3, "created": [{"row": 2, "code": "K7MXQ2", "title": "“劳模精神”大家谈"}],
              "existing": [{"row": 3, "code": "ABCDEF", "title": "新质生产力"}],
              "refused": [{"row": 4, "field": "starts_at", "code": "invalid", "message": "'starts_at' is not a time"},
                          {"row": 4, "field": "title", "code": "invalid", "message": "'title' is required."}]}
    text = importer.report_text(report)
    assert "已创建 created 1 · 已存在 existing 1 · 未导入 refused 1" in text
    assert "第 2 行  K7MXQ2  “劳模精神”大家谈" in text and "第 3 行  ABCDEF  新质生产力" in text
    assert "第 4 行  starts_at: 'starts_at' is not a time [invalid]" in text
    assert importer.report_text({**report, "dry_run": True}).startswith("试运行")
