"""Blocked and watch words: what matches, what knowingly does not, and the
moderator-facing helpers."""

from __future__ import annotations

import dataclasses
import random
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import given, settings, strategies as st

from live.core.words import (
    EMPTY,
    WORD_LIMIT,
    Verdict,
    WordLists,
    _pinyin,
    checked_word,
    parse_word_file,
    skeleton,
)

LISTS = WordLists.build(
    ["法轮功", "fuck", "傻", "伤害", "你妈", "银行", "阿姨"],
    ["安妮", "共产党", "spam"],
)


def blocked(word: str) -> Verdict:
    return Verdict("blocked", word)


def watch(word: str) -> Verdict:
    return Verdict("watch", word)


# -- evasions -------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "法轮功",
        "我觉得法轮功很好",
        "法 轮 功",
        "法.轮.功",
        "法-轮_功!",
        "法😀轮😀功",
        "法\u200b轮\u200d功",  # zero-width space and joiner
        "法\u3000轮\u3000功",  # ideographic spaces
        "法\n轮\t功",
    ],
)
def test_chinese_word_split_by_separators(text: str) -> None:
    assert LISTS.verdict(text) == blocked("法轮功")


@pytest.mark.parametrize(
    "text",
    [
        "fuck",
        "FUCK",
        "FuCk you",
        "f u c k",
        "f*u*c*k",
        "f.u.c.k",
        "f💩u💩c💩k",
        "f\u200bu\u200bc\u200bk",
        "ｆｕｃｋ",  # full-width
        "ＦＵＣＫ",
        "𝐟𝐮𝐜𝐤",  # mathematical bold
        "ⓕⓤⓒⓚ",  # circled
        "f\u0336u\u0336c\u0336k\u0336",  # struck through with a combining mark
        "what the fucking hell",  # inside a longer word
    ],
)
def test_latin_word_case_width_and_separators(text: str) -> None:
    assert LISTS.verdict(text) == blocked("fuck")


@pytest.mark.parametrize(
    "text",
    [
        "falungong",
        "fa lun gong",
        "FaLunGong",
        "FALUNGONG",
        "ｆａｌｕｎｇｏｎｇ",
        "fa-lun-gong",
        "f a l u n g o n g",
        "wo ai falungong",
        "我爱falungong",
        "falungong好",
        "fa轮gong",  # pinyin and characters mixed
        "法lun功",
        "法仑功",  # 仑 is also read lun
        "法伦工",  # all three characters replaced by homophones
        "法輪功",  # traditional characters
        "法 仑 功",
    ],
)
def test_pinyin_and_homophones(text: str) -> None:
    assert LISTS.verdict(text) == blocked("法轮功")


def test_polyphonic_word_gets_both_readings() -> None:
    # 银行 is yinhang as a phrase, yinxing by first readings (行: xing, hang).
    assert LISTS.verdict("yinhang") == blocked("银行")
    assert LISTS.verdict("yin xing") == blocked("银行")
    lists = WordLists.build(["中国银行"], [])  # four characters: homophones too
    assert lists.verdict("zhongguoyinhang") == blocked("中国银行")
    assert lists.verdict("中国因航") == blocked("中国银行")  # yin hang
    assert lists.verdict("中国因行") == blocked("中国银行")  # yin xing, as a message reads 行


def test_watch_word_by_sound() -> None:
    assert LISTS.verdict("gong chan dang") == watch("共产党")
    assert LISTS.verdict("共产当") == watch("共产党")


# -- false positives --------------------------------------------------------

def test_single_character_is_matched_literally_only() -> None:
    assert LISTS.verdict("傻瓜") == blocked("傻")
    assert LISTS.verdict("sha") is None
    only_sha = WordLists.build(["傻"], [])
    assert only_sha.verdict("shanghai") is None
    assert only_sha.verdict("我住在上海") is None
    assert only_sha.verdict("沙发") is None  # 沙 is also sha


def test_short_pinyin_is_matched_literally_only() -> None:
    # 阿姨 is "ayi": three letters, under MIN_PINYIN.
    assert LISTS.verdict("阿姨好") == blocked("阿姨")
    assert LISTS.verdict("ayi") is None
    assert LISTS.verdict("阿宜") is None


def test_two_character_homophones_in_chinese_characters_do_not_match() -> None:
    """伤害 (shānghài) listed does not refuse 上海 (shànghǎi): homophones of
    two-character words are everywhere in ordinary comments."""
    assert LISTS.verdict("上海") is None
    assert LISTS.verdict("我住在上海") is None
    assert LISTS.verdict("尼玛") is None  # ni ma
    assert LISTS.verdict("因航") is None  # yin hang
    assert LISTS.verdict("因行") is None  # yin xing


def test_two_character_words_match_typed_pinyin_whatever_the_tones() -> None:
    """By design, the cost of catching typed pinyin: 伤害 listed refuses
    "shanghai" typed in letters."""
    assert LISTS.verdict("shanghai") == blocked("伤害")
    assert LISTS.verdict("I live in Shanghai") == blocked("伤害")
    assert LISTS.verdict("我住在shanghai") == blocked("伤害")


@pytest.mark.parametrize("text", ["nima", "ni ma", "NiMa", "NIMA", "ｎｉｍａ", "n i m a", "ni-ma", "你好nima", "nima了"])
def test_two_character_word_typed_in_pinyin(text: str) -> None:
    assert LISTS.verdict(text) == blocked("你妈")


@pytest.mark.parametrize("text", ["你妈", "你 妈", "你.妈", "你😀妈", "你\u200b妈", "说你妈呢"])
def test_two_character_word_literally(text: str) -> None:
    assert LISTS.verdict(text) == blocked("你妈")


def test_three_character_homophones_still_match() -> None:
    assert LISTS.verdict("法仑功") == blocked("法轮功")
    assert LISTS.verdict("共产当") == watch("共产党")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="上海伤害你妈尼玛泥马银行因航音事实时施十世是的 .", max_size=30))
def test_two_character_words_match_chinese_text_literally_only(text: str) -> None:
    lists = WordLists.build(["伤害", "你妈", "银行"], ["事实"])
    found = lists.verdict(text)
    assert found is None or found.word in skeleton(text)


def test_latin_words_never_match_the_pinyin_of_chinese() -> None:
    lists = WordLists.build(["nima", "sha", "falungong"], [])
    assert lists.verdict("你妈") is None
    assert lists.verdict("傻") is None
    assert lists.verdict("法轮功") is None
    assert lists.verdict("fa lun gong") == blocked("falungong")


@pytest.mark.parametrize(
    "text",
    [
        "看你好",  # kan·ni·hao holds "annihao" (安妮好) across syllables
        "这本书很难你好",  # nan·ni·hao
        "ban ni hao",  # typed: "anni" starts inside the run "ban"
        "看ni好",
        "an nih ao",
    ],
)
def test_sound_match_must_line_up_with_syllables(text: str) -> None:
    lists = WordLists.build([], ["安妮好"])
    assert lists.verdict("安你好") == lists.verdict("an ni hao") == watch("安妮好")
    assert lists.verdict(text) is None
    assert LISTS.verdict("ban ni") is None  # typed-only words line up too


@pytest.mark.parametrize("text", ["animal", "an animation", "cinema", "Panama", "ANIMAL"])
def test_sound_match_must_line_up_with_latin_runs(text: str) -> None:
    assert LISTS.verdict(text) is None


def test_sound_match_at_the_edges_of_latin_runs() -> None:
    assert LISTS.verdict("ni ma") == blocked("你妈")
    assert LISTS.verdict("nima!") == blocked("你妈")
    assert LISTS.verdict("你好nima") == blocked("你妈")
    assert LISTS.verdict("nima2") == blocked("你妈")  # a digit ends a run
    assert LISTS.verdict("an ni") == watch("安妮")


def test_clean_text() -> None:
    for text in ["", "   ", "老师讲得很好，谢谢！", "Great lecture, thanks", "😀👍", "3.14159"]:
        assert LISTS.verdict(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "上海",  # a two-character homophone (伤害) in Chinese characters
        "ni妈",  # or half typed
        "你ma",
        "ni你ma",
        "fu(k",  # look-alike
        "f4lung0ng",  # leetspeak digits
        "fuсk",  # Cyrillic с
        "法啊轮啊功",  # split by other Chinese characters
        "fxuxcxk",  # split by other letters
        "woaifalungong",  # pinyin run into other pinyin
        "fal ungong",  # pinyin broken inside a syllable
        "fa3lun2gong1",  # tone numbers
        "flg",  # initials
    ],
)
def test_knowingly_not_matched(text: str) -> None:
    """The module docstring lists these; a change here is a change of policy."""
    assert LISTS.verdict(text) is None


# -- verdicts -------------------------------------------------------------

def test_blocked_wins_over_watch() -> None:
    assert LISTS.verdict("spam") == watch("spam")
    assert LISTS.verdict("spam spam fuck") == blocked("fuck")
    assert LISTS.verdict("fuck spam") == blocked("fuck")
    assert LISTS.verdict("spam falungong") == blocked("法轮功")  # watch literal, blocked by sound
    assert LISTS.verdict("安妮 法仑功") == blocked("法轮功")
    assert LISTS.verdict("gongchandang fuck") == blocked("fuck")
    assert LISTS.verdict("共产当 nima") == blocked("你妈")  # watch by sound, blocked by typed pinyin
    assert LISTS.verdict("an ni 共产党") == watch("共产党")


def test_same_word_in_both_lists_is_blocked() -> None:
    lists = WordLists.build(["Spam"], ["spam", "ｓｐａｍ", "eggs"])
    assert lists.blocked == ("Spam",)
    assert lists.watch == ("eggs",)
    assert lists.verdict("SPAM") == blocked("Spam")


def test_shared_sound_keeps_both_words_blocked_first() -> None:
    lists = WordLists.build(["法轮功"], ["法仑功"])
    assert lists.watch == ("法仑功",)
    assert lists.verdict("fa lun gong") == blocked("法轮功")
    assert lists.verdict("法仑功") == blocked("法轮功")


def test_verdict_names_the_word_as_listed() -> None:
    lists = WordLists.build(["  ＢＡＤ Word  "], ["F*u*n"])
    assert lists.blocked == ("BAD Word",)  # NFKC and stripped, case kept
    assert lists.verdict("bad-word") == blocked("BAD Word")
    assert lists.verdict("fun") == watch("F*u*n")


def test_lists_are_normalised_and_deduplicated() -> None:
    lists = WordLists.build(["fuck", "FUCK", " fuck ", "f.u.c.k", "***", "", "   ", "法轮功", "法 轮 功"], ["?!", "坏"])
    assert lists.blocked == ("fuck", "法轮功")
    assert lists.watch == ("坏",)


def test_empty_lists_are_falsy() -> None:
    assert not EMPTY
    assert EMPTY.blocked == () and EMPTY.watch == ()
    assert EMPTY.verdict("fuck 法轮功") is None
    assert not WordLists.build([], [])
    assert not WordLists.build(["***", "  "], ["!!!"])
    assert WordLists.build([], ["x"])
    assert WordLists.build(["x"], [])
    assert WordLists.build([], []) == EMPTY


def test_lists_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        LISTS.blocked = ()  # type: ignore[misc]
    assert isinstance(LISTS.blocked, tuple) and isinstance(LISTS.watch, tuple)


def test_latin_only_lists_do_not_load_pypinyin() -> None:
    code = (
        "import sys; from live.core.words import WordLists; "
        "w = WordLists.build(['fuck', 'Ｓｐａｍ'], ['eggs']); "
        "assert w.verdict('法轮功 ｆｕｃｋ').kind == 'blocked'; "
        "assert 'pypinyin' not in sys.modules, 'pypinyin loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_other_scripts_and_long_words() -> None:
    long_word = "中华人民共和国全国人民代表大会常务委员会"  # 20 characters, 19 gaps
    lists = WordLists.build(["привет", "𠀀𠀁", long_word], [])
    assert lists.verdict("П Р И В Е Т") == blocked("привет")
    assert lists.verdict("x𠀀.𠀁x") == blocked("𠀀𠀁")  # outside the Basic Multilingual Plane
    assert lists.verdict("他是" + long_word + "委员") == blocked(long_word)
    assert lists.verdict("zhonghuarenmingongheguoquanguorenmindaibiaodahuichangwuweiyuanhui") == blocked(long_word)
    assert lists.verdict("中华人民共和国") is None


def test_skeleton() -> None:
    assert skeleton("Ｆ*u c.K") == "fuck"
    assert skeleton("法 . 轮😀功") == "法轮功"
    assert skeleton("Straße") == "strasse"
    assert skeleton("***") == ""


# -- a large list ---------------------------------------------------------

# Readings of LISTED start with b, p, m or f; of FILLER with d, t, n or l:
# no filler text can contain a listed word, literally or by sound.
LISTED = "八爸白百班办半帮包宝报北被本比笔必边变标表别病不布步怕拍排盘旁跑朋皮片票品平破妈马买卖满慢忙毛么没每美门们米面民明名发法反饭方房放飞非分风夫服福父"
FILLER = "大打带单当到道得的地第点电店定东动都读对多他她它太谈天条听停同头图拿哪那男南难呢能你年鸟您牛女来蓝老了乐累冷离里理力历立连脸两亮"


def test_pools_do_not_share_sounds() -> None:
    table = _pinyin().table
    assert all(table[ord(c)][0] in "bpmf" for c in LISTED)
    assert all(table[ord(c)][0] in "dtnl" for c in FILLER)


def test_ten_thousand_words() -> None:
    rng = random.Random(7)
    chinese: set[str] = set()
    while len(chinese) < 5000:
        chinese.add("".join(rng.choice(LISTED) for _ in range(rng.randint(2, 4))))
    han = sorted(chinese)
    latin = [f"q{i:05d}z" for i in range(5000)]  # none is inside another
    blocked_words = han[::2] + latin[::2]
    watch_words = han[1::2] + latin[1::2]
    lists = WordLists.build(blocked_words, watch_words)
    assert len(lists.blocked) == len(lists.watch) == 5000

    def filler(n: int) -> str:
        return "".join(rng.choice(FILLER) for _ in range(n))

    for word in rng.sample(latin, 300):
        expected = Verdict("blocked" if word in blocked_words else "watch", word)
        assert lists.verdict(f"{filler(10)} {word.upper()}，{filler(10)}") == expected
        spaced = " ".join(word)
        assert lists.verdict(filler(5) + spaced + filler(5)) == expected
    for word in rng.sample(han, 300):
        found = lists.verdict(filler(rng.randint(0, 30)) + word + filler(rng.randint(0, 30)))
        assert found is not None
        if word in blocked_words:
            assert found.kind == "blocked"
        split = "*".join(word)
        assert lists.verdict(filler(8) + split + filler(8)) is not None
        typed = " ".join(_pinyin().table[ord(c)] for c in word)  # every word by sound, typed
        found = lists.verdict(filler(8) + typed.title() + filler(8))
        assert found is not None
        if word in blocked_words:
            assert found.kind == "blocked"
    for _ in range(300):
        assert lists.verdict(filler(rng.randint(1, 80))) is None


# -- invariants -----------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gets_an_answer(text: str) -> None:
    found = LISTS.verdict(text)
    assert found is None or found.word in LISTS.blocked + LISTS.watch


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_marked_pinyin_skeleton(text: str) -> None:
    """Without its marks, a message's marked pinyin is the pinyin skeleton:
    the skeleton with every Chinese character replaced by its first reading."""
    py = _pinyin()
    marked = py.marked(unicodedata.normalize("NFC", text))
    assert marked.startswith("'") and marked.endswith("'") and "''" not in marked[1:]
    assert marked.replace("'", "") == "".join(py.table.get(ord(c), c) for c in skeleton(text))
    # The shaped form: the same, with the syllables of Chinese characters in capitals.
    shaped = py.shaped(unicodedata.normalize("NFC", text))
    read = (py.table[ord(c)].upper() if ord(c) in py.table else c for c in skeleton(text))
    assert shaped.replace("'", "") == "".join(read)


def test_marked_examples() -> None:
    py = _pinyin()
    assert py.marked("我爱 fa-lun功! 2024年 abc😀def") == "'wo'ai'fa'lun'gong'2'0'2'4'nian'abc'def'"
    assert py.marked("") == "'"
    assert py.marked("绿") == "'lv'"
    assert py.shaped("我爱 fa-lun功! 2024年 abc😀def") == "'WO'AI'fa'lun'GONG'2'0'2'4'NIAN'abc'def'"
    assert py.shaped("ＮＩ马") == "'ni'MA'"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "*", ".", "😀", "\u200b", "-", "\u3000", "\u0336"]), min_size=2, max_size=2))
def test_any_separator_between_characters(seps: list[str]) -> None:
    a, b = seps
    assert LISTS.verdict(f"法{a}轮{b}功") == blocked("法轮功")
    assert LISTS.verdict(f"fa{a}lun{b}gong") == blocked("法轮功")
    assert LISTS.verdict(f"fu{a}c{b}k") == blocked("fuck")


# -- word files and single words ------------------------------------------

def test_parse_word_file() -> None:
    text = (
        "\ufeff# blocked words for the lecture\n"
        "法轮功\n"
        "\n"
        "   \n"
        "  fuck  \r\n"
        "?spam\n"
        "? eggs \n"
        "？全角问号\n"  # full-width '?' counts
        "＃ full-width hash is a comment too\n"
        "?\n"  # a lone '?' is nothing
        "a?b\n"
        "#?not a word\n"
    )
    assert parse_word_file(text) == (["法轮功", "fuck", "a?b"], ["spam", "eggs", "全角问号"])


def test_parse_empty_word_file() -> None:
    assert parse_word_file("") == ([], [])
    assert parse_word_file("# nothing\n\n") == ([], [])


def test_parsed_file_builds() -> None:
    lists = WordLists.build(*parse_word_file("法轮功\n?spam\n"))
    assert lists.verdict("falungong") == blocked("法轮功")
    assert lists.verdict("SPAM") == watch("spam")


def test_checked_word() -> None:
    assert checked_word("  ｆｕｃｋ ") == "fuck"
    assert checked_word("法轮功") == "法轮功"
    assert checked_word("Bad Word") == "Bad Word"
    assert checked_word("x" * WORD_LIMIT) == "x" * WORD_LIMIT
    assert checked_word(" " + "字" * WORD_LIMIT + " ") == "字" * WORD_LIMIT


@pytest.mark.parametrize(
    "value, reason",
    [
        (None, "string"),
        (42, "string"),
        (["fuck"], "string"),
        (b"fuck", "string"),
        ("", "empty"),
        ("   \u3000 ", "empty"),
        ("x" * (WORD_LIMIT + 1), "longer"),
        ("ｘ" * (WORD_LIMIT + 1), "longer"),
        ("***", "letter"),
        ("😀", "letter"),
    ],
)
def test_checked_word_refuses(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        checked_word(value)
