"""Word-list benchmark: the cost of ``WordLists.verdict`` per message.

    python -m bench.words
    python -m bench.words --sizes 0 1000 10000 50000 --comments 5000

For each list size N, N words are generated (about 70% Chinese words of 2-4
common characters, 30% Latin words of 4-10 letters; a quarter of them watch
words), built once, then every comment is checked one by one and timed.
Comments are Chinese sentences of 10-80 characters made of lecture-chat
phrases, with some Latin, digits, emoji and punctuation; one in twenty has a
listed word put in, half of those split by spaces. Prints a table: build
time, median / p99 / max microseconds per message, the median over the
messages that pass (every scan runs to the end), the share of comments the
lists flag, and the share that literal matching alone would flag. Random
words of common characters also catch innocent comments: two-character ones
literally ("老师" listed), longer ones also through homophones (a listed
"这纥利" holds "这个例子"). That share is what such a list costs in false
positives, not a bug of the benchmark. (Two-character words match by sound
on typed pinyin only, so their homophones in Chinese characters, which
flagged most comments, no longer count.)
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import time

from bench.table import print_header, print_table
from live.core import words as words_module
from live.core.words import WordLists

COMMON = (
    "的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后"
    "小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长"
    "知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最"
    "间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市"
    "眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计"
    "或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让"
)
PHRASES = [
    "老师讲得真好", "这个公式怎么推导的", "请问第三题的答案是什么", "谢谢老师", "听不清楚", "能再讲一遍吗",
    "声音有点小", "画面卡了", "我来晚了", "前面讲的内容在哪里可以看回放", "这个例子很有意思", "同意楼上",
    "老师好", "大家好", "今天的作业是什么", "课件能发一下吗", "原来如此", "学到了", "我有一个问题",
    "这个定理的证明有点难", "下课时间是几点", "为什么这里要取对数", "明白了", "第二种方法更简单",
    "考试会考这个吗", "我觉得这个结论不对", "老师辛苦了", "这里的符号是什么意思", "有没有参考书推荐",
]
EXTRAS = ["PPT", "ok", "666", "hhh", "Q&A", "2024", "👍", "😂", "🙏", "？", "！", "。", "，", "……", " "]


# Characters of listed words: half from the common ones above, half from the
# whole basic CJK block (most of them rare), so that listed words are not all
# everyday bigrams.
WIDE = "".join(chr(cp) for cp in range(0x4E00, 0x9FA6))


def make_words(n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    out: set[str] = set()
    while len(out) < n:
        if rng.random() < 0.7:
            out.add("".join(rng.choice(COMMON if rng.random() < 0.5 else WIDE) for _ in range(rng.randint(2, 4))))
        else:
            out.add("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 10))))
    listed = sorted(out)
    rng.shuffle(listed)
    cut = n * 3 // 4
    return listed[:cut], listed[cut:]


def make_comments(count: int, listed: list[str], rng: random.Random) -> list[str]:
    comments = []
    for _ in range(count):
        target = rng.randint(10, 80)
        parts: list[str] = []
        length = 0
        while length < target:
            part = rng.choice(PHRASES) if rng.random() < 0.8 else rng.choice(EXTRAS)
            parts.append(part)
            length += len(part)
        if listed and rng.random() < 0.05:
            word = rng.choice(listed)
            parts.insert(rng.randrange(len(parts) + 1), " ".join(word) if rng.random() < 0.5 else word)
        comments.append("".join(parts)[:80])
    return comments


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run(size: int, comments_n: int, rounds: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    blocked, watch = make_words(size, rng)
    t0 = time.perf_counter()
    lists = WordLists.build(blocked, watch)
    build = time.perf_counter() - t0
    comments = make_comments(comments_n, blocked + watch, rng)
    literal = dataclasses.replace(lists, _sound=None, _typed=None, _pinyin=None).verdict  # no match by sound
    per: list[float] = []
    clean: list[float] = []  # messages that pass: every scan runs to the end
    flagged = 0
    clock = time.perf_counter_ns
    verdict = lists.verdict
    for r in range(rounds):
        for text in comments:
            t = clock()
            found = verdict(text)
            us = (clock() - t) / 1000
            per.append(us)
            if found is None:
                clean.append(us)
            elif r == 0:
                flagged += 1
    return {
        "words": size,
        "build ms": build * 1000,
        "messages": len(per),
        "median µs": statistics.median(per),
        "p99 µs": _pct(per, 0.99),
        "max µs": max(per),
        "clean median µs": statistics.median(clean) if clean else float("nan"),
        "flagged %": flagged / len(comments) * 100,
        "literal %": sum(literal(text) is not None for text in comments) / len(comments) * 100,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[0, 1000, 10000])
    p.add_argument("--comments", type=int, default=3000)
    p.add_argument("--rounds", type=int, default=3, help="times every comment is checked")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    words_module._pinyin()  # once per process: pypinyin's import and the character table
    print_header("Word lists")
    print(f"pinyin table: {(time.perf_counter() - t0) * 1000:.0f} ms, once per process (not in build ms)")
    rows = [run(n, args.comments, args.rounds, args.seed) for n in args.sizes]
    print_table(rows)


if __name__ == "__main__":
    main()
