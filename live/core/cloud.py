"""Words for a word cloud: Chinese segmented with jieba, stop words and
punctuation dropped, one count per word per answer."""

from __future__ import annotations

import logging
import unicodedata
from functools import lru_cache
from typing import Any

#: Function words and fillers that say nothing in a cloud.
STOP_WORDS = frozenset("""
的 了 和 是 就 都 而 及 与 着 或 一个 没有 我们 你们 他们 她们 它们 我 你 他 她 它 这 那 这个 那个 这些 那些
在 也 很 还 又 再 把 被 让 给 对 从 向 为 为了 以 于 之 其 所 所以 因为 但是 但 可是 然后 如果 虽然 而且
吧 吗 呢 啊 呀 哦 嗯 哈 哈哈 啦 嘛 么 什么 怎么 怎样 如何 哪 哪里 谁 多少 几 有 没 不 会 能 要 想 说 去 来
上 下 中 里 个 些 点 得 地 吗 就是 还是 以及 一些 一样 一直 非常 真的 觉得 可以 应该 已经 自己 大家
the a an and or of to in on for is are be it this that with as at by we you i
""".split())


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba  # loads its dictionary once, about half a second

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def _is_word(token: str) -> bool:
    if token in STOP_WORDS or not any(unicodedata.category(c)[0] in "LN" for c in token):
        return False
    # One Chinese character alone is almost always a function word; one Latin letter always.
    return len(token) > 1


def words(text: str) -> list[str]:
    """The distinct words of one answer, in order."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    for token in _jieba().lcut(folded):
        token = token.strip()
        if _is_word(token) and token not in out:
            out.append(token)
    return out
