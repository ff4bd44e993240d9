"""The ``embed_origins`` lecture setting: which sites may frame a lecture's
pages (the widget, the viewer page, the overlay). Empty means any site."""

from __future__ import annotations

from typing import Any

import pytest

from live.core.clock import iso
from live.core.errors import Refusal
from live.core.lecture import (
    DEFAULT_SETTINGS,
    EMBED_ORIGINS_MAX,
    Lecture,
    checked_fields,
    checked_origin,
    checked_settings,
)


def refused(value: Any) -> Refusal:
    with pytest.raises(Refusal) as e:
        checked_settings({"embed_origins": value})
    return e.value


def test_default_is_empty_and_not_shared_between_lectures() -> None:
    assert DEFAULT_SETTINGS["embed_origins"] == []
    a = Lecture(code="AAAAAA", title="a", moderator_key="k", epoch="e", created_at=iso(0))
    b = Lecture(code="BBBBBB", title="b", moderator_key="k", epoch="e", created_at=iso(0))
    a.settings["embed_origins"].append("https://x.org")
    assert b.settings["embed_origins"] == [] and DEFAULT_SETTINGS["embed_origins"] == []
    assert Lecture.from_row({"code": "C", "title": "c", "moderator_key": "k", "epoch": "e",
                             "created_at": iso(0)}).settings["embed_origins"] == []


@pytest.mark.parametrize(("given", "kept"), [
    ("https://mp.weixin.qq.com", "https://mp.weixin.qq.com"),
    ("  HTTPS://MP.Weixin.QQ.com  ", "https://mp.weixin.qq.com"),
    ("https://example.org/", "https://example.org"),           # one trailing slash is forgiven
    ("https://example.org:443", "https://example.org"),       # the default port is implied
    ("http://example.org:80", "http://example.org"),
    ("https://example.org:8443", "https://example.org:8443"),
    ("http://localhost:8123", "http://localhost:8123"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ("https://*.wuxi.gov.cn", "https://*.wuxi.gov.cn"),        # every subdomain, as CSP allows
    ("https://[::1]:8080", "https://[::1]:8080"),
    ("https://例子.中国", "https://xn--fsqu00a.xn--fiqs8s"),     # international names in their ASCII form
])
def test_origins_are_normalised(given: str, kept: str) -> None:
    assert checked_origin(given) == kept


@pytest.mark.parametrize("bad", [
    "", "   ", "example.org", "//example.org", "ftp://example.org", "javascript:alert(1)", "data:text/html,x",
    "https://", "https://example.org/path", "https://example.org/a/", "https://example.org?x=1",
    "https://example.org#top", "https://user@example.org", "https://example.org:0", "https://example.org:70000",
    "https://example.org:x", "https://exa mple.org", "https://-bad-.org", "https://*", "https://*.org",
    "https://a.*.org", "https://example.org; script-src *", "https://example.org 'unsafe-inline'",
    "https://example.org,https://b.org", "'self'", "*", "https://ex\u0000ample.org", "https://" + "a" * 300,
])
def test_bad_origins_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        checked_origin(bad)
    e = refused([bad])
    assert e.code == "invalid" and e.extra["field"] == "settings.embed_origins"
    assert "item 1" in e.message


@pytest.mark.parametrize("bad", ["https://example.org", None, 3, {"a": 1}, True])
def test_must_be_a_list(bad: Any) -> None:
    assert refused(bad).extra["field"] == "settings.embed_origins"


@pytest.mark.parametrize("bad", [None, 3, ["https://a.org"], {"origin": "https://a.org"}])
def test_items_must_be_strings(bad: Any) -> None:
    assert refused(["https://ok.org", bad]).extra["field"] == "settings.embed_origins"


def test_limit_and_duplicates() -> None:
    many = [f"https://s{i}.example.org" for i in range(EMBED_ORIGINS_MAX)]
    assert checked_settings({"embed_origins": many}) == {"embed_origins": many}
    e = refused([*many, "https://one-more.org"])
    assert e.extra == {"field": "settings.embed_origins", "limit": EMBED_ORIGINS_MAX}
    same = ["https://a.org", "HTTPS://A.ORG/", "https://a.org:443", "https://b.org"]
    assert checked_settings({"embed_origins": same}) == {"embed_origins": ["https://a.org", "https://b.org"]}


def test_empty_list_means_anyone_and_clears() -> None:
    assert checked_settings({"embed_origins": []}) == {"embed_origins": []}
    lecture = Lecture(code="AAAAAA", title="a", moderator_key="k", epoch="e", created_at=iso(0))
    narrowed = lecture.with_changes({"settings": {"embed_origins": ["https://a.org"]}})
    assert narrowed.settings["embed_origins"] == ["https://a.org"]
    assert narrowed.with_changes({"settings": {"comment_mode": "held"}}).settings["embed_origins"] == ["https://a.org"]
    assert narrowed.with_changes({"settings": {"embed_origins": []}}).settings["embed_origins"] == []


def test_in_create_and_patch_bodies_and_the_public_record() -> None:
    out = checked_fields({"title": "t", "settings": {"embed_origins": ["https://MP.weixin.qq.com/"],
                                                     "question_mode": "held"}}, partial=False)
    assert out["settings"] == {"embed_origins": ["https://mp.weixin.qq.com"], "question_mode": "held"}
    assert checked_fields({"settings": {"embed_origins": []}}, partial=True) == {"settings": {"embed_origins": []}}
    lecture = Lecture(code="AAAAAA", title="a", moderator_key="k", epoch="e", created_at=iso(0),
                      settings={**DEFAULT_SETTINGS, "embed_origins": ["https://a.org"]})
    public = lecture.public()
    assert public["settings"]["embed_origins"] == ["https://a.org"]
    public["settings"]["embed_origins"].append("https://evil.org")  # a copy: the lecture is untouched
    assert lecture.settings["embed_origins"] == ["https://a.org"]


def test_other_settings_still_checked_as_before() -> None:
    with pytest.raises(Refusal):
        checked_settings({"comments_open": "yes"})
    with pytest.raises(Refusal):
        checked_settings({"comment_mode": "maybe"})
    with pytest.raises(Refusal):
        checked_settings({"embed_origin": []})  # a typo is refused, not ignored
