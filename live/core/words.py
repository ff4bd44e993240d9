"""Blocked words and watch words: does a comment or question contain one?

A lecture has two lists. A message with a *blocked* word is refused; one
with a *watch* word is held for review. ``WordLists.build`` turns the two
lists into matchers once per change of the lists; ``verdict`` is then called
for every message and costs tens of microseconds at most, even with 10,000
words: a few C-level string passes, then up to three Aho-Corasick scans in
C (pyahocorasick): literal, by sound, by typed pinyin.

What is matched
---------------
Both the words and the message are reduced to a *skeleton*: NFKC, casefold,
then every character that is not a letter or a digit (Unicode categories
L* and N*) dropped. Chinese characters are letters and stay. So these all
match a listed "fuck" or "法轮功":

* case and width: "FUCK", "ｆｕｃｋ", "𝐟𝐮𝐜𝐤", "ⓕⓤⓒⓚ" (NFKC folds them);
* characters split by spaces, punctuation, symbols, emoji, zero-width or
  combining characters: "f u c k", "f*u*c*k", "法.轮.功", "法😀轮😀功",
  "法\\u200b轮功", "f̶u̶c̶k̶";
* a word inside a longer one: "fucking" (a plain substring of the skeleton).

(NFKC is applied character by character after NFC of the whole text, which
is cheaper and the same but for a compatibility character followed by a
combining mark: "ｅ\\u0301" gives "e", not "é".)

A word with at least two Chinese characters whose pinyin is at least four
letters long (``MIN_HANZI``, ``MIN_PINYIN``) is also matched by sound, on
the *pinyin skeleton*: the skeleton with every Chinese character replaced by
its first toneless reading (ASCII letters, ü written v). The word gets two
pinyin spellings, phrase-aware (pypinyin's ``lazy_pinyin``: 银行 -> yinhang)
and character by character with the first readings (银行 -> yinxing, the
reading the message side uses). Tones are ignored. How far a word is
matched by sound depends on how many Chinese characters it has:

* three or more (``MIN_HANZI_HOMOPHONES``): typed pinyin, homophones
  written in Chinese characters and mixes of the two. "法轮功" is also
  matched by "falungong", "fa lun gong", "FaLunGong", "f a l u n g o n g",
  "fa轮gong", "法lun功", "法仑功" (another character read lun), "法伦工" and the
  traditional "法輪功". A moderator who lists such a word accepts its
  homophones with it (a listed "这纥利", zhe·ge·li, holds "这个例子").
* exactly two: typed pinyin only, where the whole match is made of letters
  typed as letters (not read from a Chinese character): "你妈" is matched
  by "nima", "ni ma", "NiMa", "ｎｉｍａ", "你好nima", and "伤害" (shānghài)
  by "shanghai" and "I live in Shanghai" (the cost of catching typed
  pinyin). Two-character homophones of everyday words are everywhere
  (伤害 ↔ 上海): with thousands of listed words, matching them flagged most
  ordinary comments, so "上海" does not match "伤害", nor does a mix
  such as "ni妈".

A match by sound must line up with syllables: it begins and ends at the
edges of a Chinese character's reading or of a run of typed letters (a run
ends at a space, punctuation, a digit, a Chinese character or the end of
the text), and it may not cut a syllable of the message in two. Without
that, a pinyin stream matches across syllables ("看你", kan·ni, would
contain a listed "安妮", anni) and inside English words ("animal" would
contain "你妈", nima).

Single characters and short readings are matched literally only: a listed
"傻" (sha) does not block "shanghai", and a Latin word ("fuck") is matched
on the skeleton only, never against the pinyin of Chinese text.

What is knowingly not matched
-----------------------------
* leetspeak and look-alikes: "fu(k", "f4lung0ng", "5hit", Cyrillic "с" for
  Latin "c", digits for characters ("64" for "六四");
* a word split by other letters, Chinese or Latin: "法啊轮啊功", "fxuxcxk";
* pinyin run into other pinyin without a break: "woaifalungong" (but
  "wo ai falungong" and "我爱falungong" match); pinyin broken inside a
  syllable ("fal ungong"); tone numbers ("fa3lun2gong1"), initials ("flg"),
  Wade-Giles or zhuyin spellings;
* a two-character word written with other Chinese characters of the same
  sound, or half in pinyin: "上海" for "伤害", "因航" for "银行", "ni妈" or
  "你ma" for "你妈" (its literal forms and its typed pinyin do match);
* readings other than the first of a polyphonic character in the message
  (the listed word itself gets its phrase reading as well);
* the Scunthorpe problem: Latin words match inside longer words, so listing
  "ass" refuses "class". List specific words.

pypinyin (about 60 MB of dictionaries) is imported on the first build of
lists that hold a non-ASCII word, never for Latin-only or empty lists.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal

import ahocorasick

WORD_LIMIT = 50  # characters in one listed word, after normalisation
MIN_PINYIN = 4  # letters in a pinyin spelling before it is matched
MIN_HANZI = 2  # Chinese characters in a word before it is matched by sound (typed pinyin)
MIN_HANZI_HOMOPHONES = 3  # ... before it is also matched through Chinese characters
_CACHE_LIMIT = 200_000  # characters remembered by each translate table
_SPLIT_GAPS = 5  # a word with more optional gaps gets fewer spellings

_BLOCKED, _WATCH = 0, 1
_MARK = "'"  # around syllables and runs in a marked pinyin skeleton, as in xi'an
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the lists say about a message: which list, and the word as listed."""

    kind: Literal["blocked", "watch"]
    word: str


# -- skeletons --------------------------------------------------------------

class _CharMap(dict):
    """A ``str.translate`` table filled on demand: the first time a character
    is seen its value is computed, then it is a dict lookup in C. Capped, so
    text made of every code point cannot grow it without bound."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[str], str], initial: dict[int, str] | None = None) -> None:
        super().__init__(initial or {})
        self._make = make

    def __missing__(self, cp: int) -> str:
        value = self._make(chr(cp))
        if len(self) < _CACHE_LIMIT:
            self[cp] = value
        return value


def _folded(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).casefold()


def _keep(ch: str) -> str:
    """One character's part of the skeleton."""
    return "".join(c for c in _folded(ch) if unicodedata.category(c)[0] in "LN")


def _encode(text: str) -> str:
    """ASCII as it is, any other character as three symbols of 64 (private
    use code points, one range per place). pyahocorasick looks a letter up
    among a node's children one by one: with thousands of Chinese words the
    root would have thousands; this way no node has more than 128, and a
    match still starts and ends on a whole character."""
    return "".join(
        ch if ch < "\x80" else
        chr(0xE000 + (ord(ch) >> 12)) + chr(0xE400 + ((ord(ch) >> 6) & 63)) + chr(0xE500 + (ord(ch) & 63))
        for ch in text
    )


_SKELETON = _CharMap(_keep)
_LITERAL = _CharMap(lambda ch: _encode(_keep(ch)))


def skeleton(text: str) -> str:
    """NFKC, casefold, letters and digits only: "Ｆ*u c.K" -> "fuck"."""
    return unicodedata.normalize("NFC", text).translate(_SKELETON)


def _toneless(reading: str) -> str:
    """"lǘ" -> "lv", "zhōng" -> "zhong", "ḿ" -> "m"."""
    reading = unicodedata.normalize("NFD", reading.casefold()).replace("u\u0308", "v")
    return "".join(c for c in reading if "a" <= c <= "z")


class _Pinyin:
    """The per-character pinyin table and what is built on it, made once per
    process (see ``_pinyin``).

    A message's *marked* pinyin skeleton has a mark around every Chinese
    character's syllable, every digit and every run of other letters, and in
    place of every dropped character, runs of marks folded into one:
    "我爱 fa-lun功! 2" -> "'wo'ai'fa'lun'gong'2'". A listed word is added once
    for every way of marking or not the gaps between its syllables, always
    with a mark at both ends: so a match by sound starts and ends where a
    syllable or a typed run does, and never cuts a syllable of the message.

    Its *shaped* form is the same with the syllables of Chinese characters in
    capitals: "'WO'AI'fa'lun'GONG'2'". Typed letters are casefolded, never
    ASCII capitals, and neither are the letters of a listed word's spellings:
    words of three Chinese characters or more are matched on the marked
    form, two-character words on the shaped one, where they match typed
    letters only."""

    def __init__(self) -> None:
        from pypinyin import Style, lazy_pinyin
        from pypinyin.pinyin_dict import pinyin_dict

        self._lazy_pinyin = functools.partial(lazy_pinyin, style=Style.NORMAL)
        toneless = functools.cache(_toneless)
        table: dict[int, str] = {}
        for cp, readings in pinyin_dict.items():
            ch = chr(cp)
            # Only characters that can be in a skeleton (some entries are
            # unassigned or private-use code points, a few are not NFKC).
            if unicodedata.category(ch)[0] not in "LN" or unicodedata.normalize("NFKC", ch) != ch:
                continue
            reading = toneless(readings.split(",", 1)[0])
            if reading:
                table[cp] = reading
        self.table = table
        self._shapes = _CharMap(self._shape, {cp: f"'{r.upper()}'" for cp, r in table.items()})

    def _shape(self, ch: str) -> str:
        out = []
        for c in _folded(ch):
            kind = unicodedata.category(c)[0]
            if ord(c) in self.table:
                out.append(f"'{self.table[ord(c)].upper()}'")
            elif kind == "L":
                out.append(c)
            elif kind == "N":
                out.append(f"'{c}'")
            else:
                out.append(_MARK)
        return "".join(out)

    def shaped(self, text: str) -> str:
        """The shaped marked pinyin skeleton of the NFC ``text``."""
        text = f"'{text.translate(self._shapes)}'"
        while "''" in text:
            text = text.replace("''", "'")
        return text

    def marked(self, text: str) -> str:
        """The marked pinyin skeleton of the NFC ``text``."""
        return _unshaped(self.shaped(text))

    def hanzi(self, key: str) -> int:
        return sum(1 for ch in key if ord(ch) in self.table)

    def _tokens(self, key: str, phrase: bool) -> list[tuple[str, str]]:
        """The skeleton ``key`` cut as a message is marked: (text, kind),
        kind "han" for one character's syllable, "run" for a run of other
        letters, "digit" for one digit. ``phrase``: syllables read as a
        phrase (银行 -> yin hang) rather than by first readings (yin xing)."""
        said: dict[int, str] = {}
        if phrase:
            start = 0
            for run, hanzi in _runs(key, self.table):
                if hanzi:
                    readings = [_toneless(r) for r in self._lazy_pinyin(run)]
                    if len(readings) == len(run) and all(readings):
                        said.update(zip(range(start, start + len(run)), readings))
                start += len(run)
        tokens: list[tuple[str, str]] = []
        for i, ch in enumerate(key):
            if ord(ch) in self.table:
                tokens.append((said.get(i) or self.table[ord(ch)], "han"))
            elif unicodedata.category(ch)[0] != "L":
                tokens.append((ch, "digit"))
            elif tokens and tokens[-1][1] == "run":
                tokens[-1] = (tokens[-1][0] + ch, "run")
            else:
                tokens.append((ch, "run"))
        return tokens

    def spellings(self, key: str) -> set[str]:
        """The marked pinyin spellings of a listed word's skeleton (phrase
        reading and first readings; every gap between syllables marked or
        not; and letter by letter, "'f'a'l'u'n'g'o'n'g'"), or none when they
        are shorter than ``MIN_PINYIN`` letters."""
        out: set[str] = set()
        for phrase in (False, True):
            tokens = self._tokens(key, phrase)
            letters = "".join(text for text, _ in tokens)
            if len(letters) < MIN_PINYIN:
                continue
            # A gap next to a digit is always marked, as a message marks it.
            gaps = [i for i in range(1, len(tokens)) if "digit" not in (tokens[i - 1][1], tokens[i][1])]
            choices: Iterable[tuple[str, ...]]
            if len(gaps) <= _SPLIT_GAPS:
                choices = itertools.product((_MARK, ""), repeat=len(gaps))
            else:
                choices = [(_MARK,) * len(gaps), ("",) * len(gaps)]
            for choice in choices:
                seps = dict(zip(gaps, choice))
                body = "".join(seps.get(i, _MARK) + text if i else text for i, (text, _) in enumerate(tokens))
                out.add(_MARK + body + _MARK)
            out.add(_MARK + _MARK.join(letters) + _MARK)
        return out


def _unshaped(shape: str) -> str:
    """A shaped pinyin skeleton in lower case: ASCII capitals only, as no
    other letter of it comes from a Chinese character."""
    return shape.lower() if shape.isascii() else shape.translate(_ASCII_LOWER)


def _runs(text: str, table: dict[int, str]) -> list[tuple[str, bool]]:
    """``text`` cut into runs of characters in ``table`` and runs of others."""
    runs: list[tuple[str, bool]] = []
    for ch in text:
        inside = ord(ch) in table
        if runs and runs[-1][1] == inside:
            runs[-1] = (runs[-1][0] + ch, inside)
        else:
            runs.append((ch, inside))
    return runs


@functools.cache
def _pinyin() -> _Pinyin:
    return _Pinyin()


# -- the lists --------------------------------------------------------------

def _automaton(keys: dict[str, tuple[int, str]]) -> Any:
    if not keys:
        return None
    auto = ahocorasick.Automaton()
    for key, payload in keys.items():
        auto.add_word(key, payload)
    auto.make_automaton()
    return auto


@dataclass(frozen=True, slots=True)
class WordLists:
    """A lecture's blocked and watch words, ready to check messages. Immutable:
    build it once per change of the lists (``build``) and share it."""

    blocked: tuple[str, ...] = ()
    watch: tuple[str, ...] = ()
    _literal: Any = field(default=None, repr=False, compare=False)
    _sound: Any = field(default=None, repr=False, compare=False)  # on the marked pinyin skeleton
    _typed: Any = field(default=None, repr=False, compare=False)  # on the shaped one
    _pinyin: _Pinyin | None = field(default=None, repr=False, compare=False)

    @classmethod
    def build(cls, blocked: Iterable[str], watch: Iterable[str]) -> WordLists:
        """Words are normalised (NFKC, stripped); a word whose skeleton is
        empty ("***") is ignored, and so is one whose skeleton is already
        listed (in the same list, or in the blocked list for a watch word)."""
        kept: tuple[list[str], list[str]] = ([], [])
        seen: set[str] = set()
        literal: dict[str, tuple[int, str]] = {}
        sound: dict[str, tuple[int, str]] = {}  # words of MIN_HANZI_HOMOPHONES Chinese characters or more
        typed: dict[str, tuple[int, str]] = {}  # words of fewer: typed pinyin only
        py: _Pinyin | None = None
        for rank, words in ((_BLOCKED, blocked), (_WATCH, watch)):
            for raw in words:
                word = unicodedata.normalize("NFKC", raw).strip()
                key = skeleton(word)
                if not key or key in seen:
                    continue
                seen.add(key)
                kept[rank].append(word)
                literal[_encode(key)] = (rank, word)
                if key.isascii():
                    continue  # no Chinese character: matched literally only
                py = py or _pinyin()
                hanzi = py.hanzi(key)
                if hanzi >= MIN_HANZI:
                    by_sound = sound if hanzi >= MIN_HANZI_HOMOPHONES else typed
                    for spelling in py.spellings(key):
                        by_sound.setdefault(spelling, (rank, word))  # blocked words come first
        return cls(
            blocked=tuple(kept[_BLOCKED]),
            watch=tuple(kept[_WATCH]),
            _literal=_automaton(literal),
            _sound=_automaton(sound),
            _typed=_automaton(typed),
            _pinyin=py if sound or typed else None,
        )

    def __bool__(self) -> bool:
        return bool(self.blocked or self.watch)

    def verdict(self, text: str) -> Verdict | None:
        """None when the text is clean; else the first blocked word found or,
        when there is none, the first watch word. Blocked wins over watch."""
        if self._literal is None:
            return None
        text = unicodedata.normalize("NFC", text)
        watch: str | None = None
        for _end, (rank, word) in self._literal.iter(text.translate(_LITERAL)):
            if rank == _BLOCKED:
                return Verdict("blocked", word)
            watch = watch or word
        if self._pinyin is None:
            return None if watch is None else Verdict("watch", watch)
        shape = self._pinyin.shaped(text)
        if self._sound is not None:
            for _end, (rank, word) in self._sound.iter(_unshaped(shape)):
                if rank == _BLOCKED:
                    return Verdict("blocked", word)
                watch = watch or word
        # Every typed-only spelling has small letters: none in the shaped form
        # (Chinese characters only, say) and there is nothing to scan.
        if self._typed is not None and not shape.isupper():
            for _end, (rank, word) in self._typed.iter(shape):
                if rank == _BLOCKED:
                    return Verdict("blocked", word)
                watch = watch or word
        return None if watch is None else Verdict("watch", watch)


EMPTY = WordLists.build((), ())


# -- what moderators send -----------------------------------------------------

def parse_word_file(text: str) -> tuple[list[str], list[str]]:
    """A word-list file: one word per line; blank lines and lines starting
    with '#' are skipped; a line starting with '?' is a watch word (the '?'
    removed); every other line is a blocked word. Lines are NFKC-normalised
    and stripped first, so a full-width '？' or '＃' counts too. Returns
    (blocked, watch), in file order."""
    blocked: list[str] = []
    watch: list[str] = []
    for line in text.removeprefix("\ufeff").splitlines():
        line = unicodedata.normalize("NFKC", line).strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("?"):
            line = line[1:].strip()
            if line:
                watch.append(line)
        else:
            blocked.append(line)
    return blocked, watch


def checked_word(value: object) -> str:
    """One list item as a moderator sends it, normalised (NFKC, stripped), or
    ValueError with a short reason: not a string, empty, longer than
    ``WORD_LIMIT`` characters, or without a letter or digit (it would match
    nothing)."""
    if not isinstance(value, str):
        raise ValueError("not a string")
    word = unicodedata.normalize("NFKC", value).strip()
    if not word:
        raise ValueError("empty")
    if len(word) > WORD_LIMIT:
        raise ValueError(f"longer than {WORD_LIMIT} characters")
    if not skeleton(word):
        raise ValueError("no letter or digit")
    return word
