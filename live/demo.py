"""What ``live demo`` shows: a small catalogue ("课单") built from the seed
articles. The Wuxi union's May Day programme, “劳模精神”大家谈, is live now
with history; the 2024 launch interview on 新质生产力 and a peach growers'
online class are past lectures with their comments, answered questions and
an audience curve (a replay and a dashboard to open); two lectures of the
2024 course list are coming up.

The past lectures' times are backdated on purpose (the store's clock is set
to when each comment was made), so that the replay and the figures have
something true to their own arithmetic to show. Their audience is a
scaled-down sample, said so in their description."""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from live.core import clock, identity
from live.protocol import AskQuestion, Like, PostComment
from live.core.room import PAGE
from live.realtime.store import Store

SERIES_2020 = "新时代·新思想·新宣讲"
SERIES_2024 = "新时代 新思想 新宣讲 2024"
HOST = "\n\n主办：无锡市总工会"
SAMPLE_NOTE = "\n\n（演示数据：观众人数按比例缩小。）"

TITLE = "“劳模精神”大家谈"

LECTURE: dict[str, Any] = {
    "title": TITLE,
    "description": (
        "无锡“新时代·新思想·新宣讲”五一特辑。以“弘扬新时代劳模精神、劳动精神、工匠精神”为主题，"
        "四位嘉宾分别从不同视角畅谈自己的思考和观点。" + HOST
    ),
    "speakers": [
        {"name": "陈亮", "title": "2020年全国劳动模范候选人、“全国十佳最美职工”，无锡微研股份有限公司加工中心班组副班长"},
        {"name": "李建忠", "title": "无锡国联发展集团人力资源总经理"},
        {"name": "唐忠宝", "title": "江南大学马克思主义学院教授"},
        {"name": "张鸣年", "title": "中共无锡市委党校教授"},
    ],
    "series": SERIES_2020,
    "tags": ["劳模精神", "工匠精神", "五一"],
}

COMMENTS: list[tuple[str, str, bool]] = [
    ("相忘于江湖", "百战疫城碎白衣，岂容新冠病毒尘飞。梁溪敌汽图恢复，强将精兵万骑归。", True),
    ("无锡新歌", "防控疫情，使中华大地过滤掉苦难，使我们回归美好的生活。复工复产复学，回归常态指日可待。", False),
    ("晨", "疫情来到时我们团结一心，伸出援手。疫情退去，复工复产已是当务之急，我们同样会团结拼搏。", False),
    ("依恋占", "安全责任落实零缺位，员工安全问题零容忍。从自我做起，不扎堆，出门戴口罩，回家勤洗手。", False),
    ("海棠无常", "中国加油，没有什么是我们战胜不了的，病毒也不例外。", True),
    ("我爱紫水晶", "战疫开工的号令响起，我们已全部就位。这一刻，我们信念坚定！这一刻，我们斗志昂扬！", False),
    ("小海", "听党话、跟党走，岗位建功、技能报国，越是艰难越向前！为劳模点赞、为工匠喝彩！", True),
]

QUESTIONS: list[tuple[str | None, str]] = [
    ("一线技工", "陈亮师傅，一线工人怎样才能像您一样，从普通操作工成长为技术骨干？"),
    (None, "企业在培养工匠人才方面，有哪些考核、使用、待遇相统一的激励机制？"),
    ("梁溪职工", "新时代产业工人队伍建设改革，对我们普通职工意味着什么？"),
]


@dataclass
class Past:
    """A lecture that has happened: what was said, asked and answered, at
    which minute of the stream, and how many came."""

    fields: dict[str, Any]
    starts_at: str
    minutes: int
    #: (minute, nickname, text, featured)
    comments: list[tuple[float, str, str, bool]]
    #: (minute asked, nickname or None, text, minute answered, speaker, written answer or None)
    questions: list[tuple[float, str | None, str, float, str, str | None]]
    visits: int
    peak: int
    likes: int
    hidden: list[tuple[float, str, str]] = field(default_factory=list)


PAST: list[Past] = [
    Past(
        fields={
            "title": "何为“新质生产力”，职工该怎么干",
            "description": (
                "2024年“新时代 新思想 新宣讲”暨“劳模工匠进校园 思政教师进企业”宣讲活动启动仪式上的首场访谈式宣讲，"
                "在无锡一棉纺织集团举办，同步在无锡市总工会微信公众号、无锡教育电视台直播。" + HOST + SAMPLE_NOTE
            ),
            "speakers": [
                {"name": "林兰", "title": "中国工会十八大代表、上海社科院研究员"},
                {"name": "王铭涛", "title": "无锡市委讲师团团长"},
                {"name": "孙华芹", "title": "全国人大代表、SK海力士半导体（中国）有限公司高级工程师"},
            ],
            "series": SERIES_2024,
            "tags": ["新质生产力", "产改", "访谈"],
            "timezone": clock.DEFAULT_ZONE,
        },
        starts_at="2024-03-26T06:30:00.000Z",
        minutes=50,
        comments=[
            (1.5, "一棉青工", "在车间里听宣讲，很接地气！", False),
            (4.0, "梁溪织女", "要素新、动力新、模式新，“三个新”讲得透彻。", True),
            (9.0, "锡山小陈", "发展新质生产力离不开劳动者，说到我们心坎上了。", False),
            (14.5, "惠山技师", "技能提升不能停，明年考高级技师！", False),
            (21.0, "滨湖老师", "劳模工匠进校园，思政教师进企业，双向奔赴。", True),
            (27.0, "新吴工程师", "以科技创新推动产业创新，无锡有底气。", False),
            (33.5, "江阴职工", "人才的引进与培养是关键，企业要舍得投入。", False),
            (40.0, "宜兴小王", "争做“新职人”，适应数字化，提升综合素质。", True),
            (47.5, "一棉青工", "为专家点赞，为无锡加油！", False),
        ],
        questions=[
            (6.0, "许斐", "现在又有一个说法叫做“新职人”，怎么样才能成为“新职人”？", 38.0, "孙华芹",
             "不断学习和适应新技术，提高劳动智能化水平，顺应产业数字化趋势，提升个人综合素质。"),
            (12.0, None, "新质生产力对普通职工来说有什么意义？", 18.0, "林兰", None),
            (16.0, "一线职工", "我们如何抓住机遇，进行自我提升？", 29.0, "王铭涛", None),
        ],
        hidden=[(24.0, "路人甲", "广告：低价代办各类证书，加微信")],
        visits=484,
        peak=242,
        likes=3120,
    ),
    Past(
        fields={
            "title": "桃园网课：科学种桃与乡村振兴",
            "description": (
                "桃花盛开的时候，阳山镇总工会和相关部门邀请江苏省劳模赵逸人在桃园现场开设网课，"
                "为桃农介绍科学种桃经验，讲解病虫害防治，鼓励大家勤劳致富。" + HOST + SAMPLE_NOTE
            ),
            "speakers": [{"name": "赵逸人", "title": "江苏省劳动模范"}],
            "series": SERIES_2020,
            "tags": ["乡村振兴", "劳模精神"],
            "timezone": clock.DEFAULT_ZONE,
        },
        starts_at="2020-04-02T02:00:00.000Z",
        minutes=40,
        comments=[
            (2.0, "阳山桃农", "赵老师好！我们村的桃树今年开花早。", False),
            (8.0, "水蜜桃", "绿水青山就是金山银山，生态种植好！", True),
            (19.0, "桃园小李", "病虫害防治这段讲得太实用了，记下来了。", False),
            (33.0, "阳山桃农", "勤劳致富，感谢工会组织这堂网课！", True),
        ],
        questions=[
            (10.0, "桃园小李", "桃树开花期遇到倒春寒，应该怎么保护？", 24.0, "赵逸人", None),
        ],
        visits=160,
        peak=96,
        likes=870,
    ),
]

UPCOMING: list[tuple[int, dict[str, Any]]] = [
    (2, {
        "title": "新质生产力——热盼科技创新和更多的大国工匠",
        "description": "2024年“新时代 新思想 新宣讲”课单之一，全国劳动模范陈亮宣讲。" + HOST,
        "speakers": [{"name": "陈亮", "title": "全国劳动模范，无锡微研股份有限公司加工中心班组副班长"}],
        "series": SERIES_2024,
        "tags": ["新质生产力", "大国工匠"],
    }),
    (9, {
        "title": "弘扬工匠精神，发展新兴产业，打造锡版新质生产力",
        "description": "2024年“新时代 新思想 新宣讲”课单之一，“劳模工匠进校园 思政教师进企业”。" + HOST,
        "speakers": [{"name": "张毅", "title": "无锡学院教师"}],
        "series": SERIES_2024,
        "tags": ["工匠精神", "新质生产力"],
    }),
]


@contextmanager
def _clock_at(store: Store, when: float) -> Iterator[None]:
    """Every record the store makes meanwhile is dated ``when``."""
    real = store.clock
    store.clock = lambda: when
    try:
        yield
    finally:
        store.clock = real


async def ensure_demo(store: Store, secret: bytes) -> str:
    """The demo catalogue, made where missing; the code of the live lecture."""
    titles = {lecture.title: lecture.code for lecture in await store.lectures()}
    for past in PAST:
        if past.fields["title"] not in titles:
            await _add_past(store, secret, past)
    for days, fields in UPCOMING:
        if fields["title"] not in titles:
            await store.create_lecture({**fields, "starts_at": _evening_in(days)})
    return titles.get(TITLE) or await _add_live(store, secret)


def _evening_in(days: int) -> str:
    """19:00 in Wuxi, ``days`` from now, as an ISO time."""
    day = math.floor((clock.now() + 8 * 3600) / 86400) + days
    return clock.iso(day * 86400 + 11 * 3600)


async def _add_live(store: Store, secret: bytes) -> str:
    lecture = await store.create_lecture({**LECTURE, "starts_at": clock.iso(clock.now())})
    code = lecture.code
    await store.update_lecture(code, {"status": "live"})
    for nickname, text, featured in COMMENTS:
        ack = await store.submit(code, identity.mint(secret), PostComment(None, text, nickname))
        if featured:
            await store.moderate_comment(code, ack["ref"], "feature")
    refs = []
    for nickname, text in QUESTIONS:
        ack = await store.submit(code, identity.mint(secret), AskQuestion(None, text, nickname, nickname is None))
        refs.append(ack["ref"])
    await store.update_question(code, refs[0], state="answered", answer=None, speaker="陈亮")
    await store.update_question(code, refs[1], state="answering", answer=None, speaker="李建忠")
    return code


async def _add_past(store: Store, secret: bytes, past: Past) -> None:
    start = clock.parse_iso(past.starts_at)
    end = start + past.minutes * 60

    def at(minute: float) -> float:
        return start + minute * 60

    with _clock_at(store, start - 7 * 86400):
        lecture = await store.create_lecture({**past.fields, "starts_at": past.starts_at, "ends_at": clock.iso(end)})
    code = lecture.code
    with _clock_at(store, start):
        await store.update_lecture(code, {"status": "live"})
    viewers = [identity.mint(secret) for _ in range(max(past.visits * 3 // 4, 1))]
    for i in range(past.visits):  # every viewer once, a quarter of them twice
        with _clock_at(store, at(past.minutes * i / past.visits)):
            await store.join(code, viewers[i % len(viewers)], since=None, epoch=None, moderator=False,
                             snapshot_comments=0, source=PAGE)
    await store.set_online(code, {PAGE: past.peak})
    await store.set_online(code, {})
    each, rest = divmod(past.likes, len(viewers))
    for n, viewer in enumerate(viewers):
        if each + (n < rest):
            await store.submit(code, viewer, Like(None, each + (n < rest)))
    for n, (minute, nickname, text, featured) in enumerate(past.comments):
        with _clock_at(store, at(minute)):
            ack = await store.submit(code, viewers[n], PostComment(None, text, nickname))
        if featured:
            with _clock_at(store, at(minute + 1)):
                await store.moderate_comment(code, ack["ref"], "feature", by="主持人")
    for minute, nickname, text in past.hidden:
        with _clock_at(store, at(minute)):
            ack = await store.submit(code, identity.mint(secret), PostComment(None, text, nickname))
        with _clock_at(store, at(minute + 0.5)):
            await store.moderate_comment(code, ack["ref"], "hide", by="主持人")
    for asked, nickname, text, answered, speaker, answer in past.questions:
        with _clock_at(store, at(asked)):
            ack = await store.submit(code, identity.mint(secret), AskQuestion(None, text, nickname, nickname is None))
        with _clock_at(store, at(answered - 4)):
            await store.update_question(code, ack["ref"], state="answering", answer=None, speaker=speaker, by="主持人")
        with _clock_at(store, at(answered)):
            await store.update_question(code, ack["ref"], state="answered", answer=answer, speaker=speaker, by="主持人")
    for slot, stats in _audience(past, await store.stats(code)):
        await store.record_sample(code, slot, stats)
    with _clock_at(store, end):
        await store.update_lecture(code, {"status": "ended"})


def _audience(past: Past, final: dict[str, int]) -> Iterator[tuple[int, dict[str, int]]]:
    """One sample a minute: online viewers rise to the peak in the first
    fifth and ease off towards the end; the running totals grow to what the
    lecture ended with."""
    start = int(clock.parse_iso(past.starts_at))
    for minute in range(past.minutes + 1):
        share = minute / past.minutes
        rise = min(1.0, share * 5)
        online = round(past.peak * rise * (1 - 0.45 * max(0.0, share - 0.2) / 0.8))
        grown = {k: round(v * share) for k, v in final.items() if k not in ("online", "peak_online")}
        yield start + minute * 60, {**grown, "online": online, "peak_online": past.peak}
