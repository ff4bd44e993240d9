"""Normalising and checking what people type."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings, strategies as st

from live.core.errors import Refusal
from live.core.text import checked_nickname, checked_text, normalise

FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"  # 👨‍👩‍👧, joined by ZWJs


# -- normalise ------------------------------------------------------------

def test_nfc() -> None:
    assert normalise("e\u0301") == "\u00e9"
    assert normalise("Cafe\u0301 au lait") == "Caf\u00e9 au lait"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("a\x00b", "ab"),
        ("a\x07b\x1bc\x7f", "abc"),
        ("a\u200bb", "ab"),  # zero-width space
        ("a\ufeffb", "ab"),  # BOM / zero-width no-break space
        ("a\u200cb", "ab"),  # zero-width non-joiner
        ("\u202eevil\u202c", "evil"),  # right-to-left override ... pop
        ("\u2066x\u2069", "x"),  # isolates
        ("a\u200eb\u200f", "ab"),  # LRM, RLM
        ("a\u00adb", "ab"),  # soft hyphen
    ],
)
def test_controls_and_format_characters_removed(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_zwj_emoji_sequence_kept() -> None:
    assert normalise(FAMILY) == FAMILY
    assert normalise(f"  全家 {FAMILY} 来了 ") == f"全家 {FAMILY} 来了"
    assert len(normalise(FAMILY)) == 5


def test_full_width_space_folded() -> None:
    assert normalise("为\u3000\u3000劳模\u3000点赞") == "为 劳模 点赞"
    assert normalise("\u3000你好\u3000") == "你好"


def test_runs_of_spaces_and_tabs_folded() -> None:
    assert normalise("a  \t  b") == "a b"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\u2028", "\u2029", "\x0b", "\x0c", "\x85"])
def test_newline_folded_unless_multiline(newline: str) -> None:
    assert normalise(f"line one{newline}line two") == "line one line two"
    assert normalise(f"line one{newline}line two", multiline=True) == "line one\nline two"


def test_multiline_trims_lines_and_blank_runs() -> None:
    raw = "  first  \n\n\n\n   second\t \n"
    assert normalise(raw, multiline=True) == "first\n\nsecond"
    assert normalise(raw) == "first second"


def test_surrounding_whitespace_trimmed() -> None:
    assert normalise(" \t\n hello \n\t ") == "hello"
    assert normalise("\n\n hi \n\n", multiline=True) == "hi"


def test_removing_a_format_char_keeps_nfc() -> None:
    """A zero-width space between a letter and a combining accent: once it
    is removed the two must be composed, else the stored text is not NFC."""
    out = normalise("e\u200b\u0301")
    assert out == "\u00e9"


def test_lone_zwj_does_not_make_text_look_non_empty() -> None:
    """A ZWJ is kept only inside a sequence; alone it is an invisible
    character that would make an empty-looking comment."""
    assert normalise("\u200d") == ""
    assert normalise(" \u200d \u200d ") == ""
    assert normalise("hi\u200d") == "hi"
    with pytest.raises(Refusal) as e:
        checked_text("\u200d\u200d", field="text", limit=300)
    assert e.value.code == "empty"


_texts = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\u200d", "\u200b", "\u0301", "\u3000", "\n", "\r", " ", "\t", "e", "\u202e", "\U0001F468"]),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(_texts, st.booleans())
def test_normalise_properties(raw: str, multiline: bool) -> None:
    out = normalise(raw, multiline=multiline)
    assert unicodedata.is_normalized("NFC", out)
    assert out == out.strip()
    assert normalise(out, multiline=multiline) == out  # idempotent
    for ch in out:
        if ch == "\n":
            assert multiline
            continue
        assert unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn") or ch == "\u200d"
        assert unicodedata.category(ch) != "Cf" or ch == "\u200d"
    assert "  " not in out and "\t" not in out and "\u3000" not in out
    if out:
        assert out[0] != "\u200d" and out[-1] != "\u200d"


# -- checked_text / checked_nickname --------------------------------------

def test_checked_text_returns_normalised() -> None:
    assert checked_text("  为工匠喝彩\u200b ", field="text", limit=300) == "为工匠喝彩"
    assert checked_text("a\nb", field="text", limit=300) == "a b"
    assert checked_text("a\nb", field="text", limit=300, multiline=True) == "a\nb"


@pytest.mark.parametrize("raw", ["", "   ", "\u3000\u3000", "\n\n", "\u200b\u202e\x00", "\t"])
def test_empty_after_normalisation(raw: str) -> None:
    with pytest.raises(Refusal) as e:
        checked_text(raw, field="text", limit=300)
    assert e.value.code == "empty"
    assert e.value.extra.get("field") == "text"


def test_too_long_names_the_limit() -> None:
    with pytest.raises(Refusal) as e:
        checked_text("x" * 11, field="text", limit=10)
    assert e.value.code == "too_long"
    assert e.value.extra["limit"] == 10
    assert e.value.to_dict()["limit"] == 10
    assert checked_text("x" * 10, field="text", limit=10) == "x" * 10


def test_limit_counts_after_normalisation() -> None:
    # 10 letters padded with spaces and zero-width spaces are still 10.
    assert checked_text("  " + "x\u200b" * 10 + "  ", field="text", limit=10) == "x" * 10


def test_chinese_counts_characters_not_bytes() -> None:
    text = "劳" * 300
    assert len(text.encode()) == 900
    assert checked_text(text, field="text", limit=300) == text
    with pytest.raises(Refusal) as e:
        checked_text(text + "模", field="text", limit=300)
    assert e.value.code == "too_long" and e.value.extra["limit"] == 300


@pytest.mark.parametrize("value", [None, 42, 1.5, True, ["hi"], {"text": "hi"}, b"hi"])
def test_non_string_is_invalid(value: object) -> None:
    with pytest.raises(Refusal) as e:
        checked_text(value, field="text", limit=300)
    assert e.value.code == "invalid"
    assert e.value.extra["field"] == "text"


def test_nickname() -> None:
    assert checked_nickname(None, limit=24) is None
    assert checked_nickname("", limit=24) is None
    assert checked_nickname(" \u200b ", limit=24) is None
    assert checked_nickname("  小\n海  ", limit=24) == "小 海"
    assert checked_nickname("海" * 24, limit=24) == "海" * 24
    with pytest.raises(Refusal) as e:
        checked_nickname("海" * 25, limit=24)
    assert e.value.code == "too_long" and e.value.extra["limit"] == 24
    for bad in (3, ["x"], False):
        with pytest.raises(Refusal) as e:
            checked_nickname(bad, limit=24)
        assert e.value.code == "invalid" and e.value.extra["field"] == "nickname"
