"""Join codes and signed viewer tokens."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from live.core import codes, identity

SECRET = b"a secret of this node"


# -- codes ----------------------------------------------------------------

def test_alphabet_has_no_lookalikes() -> None:
    assert len(codes.CODE_ALPHABET) == len(set(codes.CODE_ALPHABET)) == 32
    for ch in "0O1I":
        assert ch not in codes.CODE_ALPHABET
    assert codes.CODE_ALPHABET == "".join(sorted(codes.CODE_ALPHABET))
    assert codes.CODE_ALPHABET.isupper() or codes.CODE_ALPHABET.isalnum()


def test_new_codes_are_six_chars_from_the_alphabet() -> None:
    seen = set()
    for _ in range(500):
        code = codes.new_code()
        assert len(code) == 6
        assert set(code) <= set(codes.CODE_ALPHABET)
        assert not set(code) & set("0O1I")
        assert codes.is_code(code)
        seen.add(code)
    assert len(seen) > 490  # random, not a constant


@pytest.mark.parametrize("raw, code", [("k7mxq2", "K7MXQ2"), ("  k7MxQ2 ", "K7MXQ2"), ("K7MXQ2", "K7MXQ2")])
def test_normalise_code(raw: str, code: str) -> None:
    assert codes.normalise_code(raw) == code
    assert codes.is_code(codes.normalise_code(raw))


@pytest.mark.parametrize("code", ["K7MXQ", "K7MXQ22", "K7MXQ0", "K7MXQO", "K7MXQ1", "K7MXQI", "k7mxq2", "", "K7 XQ2"])
def test_is_code_refuses(code: str) -> None:
    assert not codes.is_code(code)


def test_record_ids() -> None:
    assert codes.comment_id(17) == "c17"
    assert codes.question_id(18) == "q18"


def test_secrets_are_random() -> None:
    a, b = codes.new_secret(), codes.new_secret()
    assert a != b and len(a) >= 32


# -- identity -------------------------------------------------------------

def test_mint_verify_round_trip() -> None:
    token = identity.mint(SECRET)
    assert token.startswith("v1.")
    assert len(token) <= 64
    assert identity.verify(SECRET, token)
    assert identity.mint(SECRET) != token


def test_other_secret_fails() -> None:
    assert not identity.verify(b"another secret", identity.mint(SECRET))


def _flip(ch: str) -> str:
    return "A" if ch != "A" else "B"


def test_tampered_token_fails() -> None:
    token = identity.mint(SECRET)
    for i in range(len("v1."), len(token)):
        if token[i] == ".":
            continue
        tampered = token[:i] + _flip(token[i]) + token[i + 1:]
        assert not identity.verify(SECRET, tampered), tampered
    ident, _, sig = token[3:].rpartition(".")
    assert not identity.verify(SECRET, f"v1.{ident}x.{sig}")
    assert not identity.verify(SECRET, f"v1.{ident}.{sig[:-1]}")
    assert not identity.verify(SECRET, f"v1.{ident}.")
    assert not identity.verify(SECRET, f"v2.{ident}.{sig}")
    assert not identity.verify(SECRET, f"{ident}.{sig}")


def test_a_made_up_identity_fails() -> None:
    token = identity.mint(SECRET)
    sig = token.rpartition(".")[2]
    assert not identity.verify(SECRET, f"v1.someone-else.{sig}")


@pytest.mark.parametrize(
    "token",
    [None, "", "v1.", "v1..", "v1.abc", "v1.abc.", "v1..abcdef", "garbage", "....", "v1.a.b.c",
     "v1.é.ü", "v1.abc.签名", "v1.abc.\x00", "v1.abc.\ud800", "v1.\udc80.abc", "v1." + "a" * 100 + ".b", "x" * 10_000],
)
def test_garbage_tokens_fail(token: str | None) -> None:
    assert identity.verify(SECRET, token) is False


def test_very_long_token_with_a_valid_signature_fails() -> None:
    import hashlib
    import hmac

    ident = "a" * 100
    sig = hmac.new(SECRET, ident.encode(), hashlib.sha256).hexdigest()[:24]
    assert identity.verify(SECRET, f"v1.{ident}.{sig}") is False


@settings(max_examples=200, deadline=None)
@given(st.text(st.one_of(st.characters(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)), max_size=80))
def test_arbitrary_text_never_raises(token: str) -> None:
    """A ``viewer=`` query parameter is whatever the client sent (even
    lone surrogates): never an exception, always False."""
    assert identity.verify(SECRET, token) is False
    assert identity.verify(SECRET, "v1." + token) is False
