"""The sample lecture of ``live demo``, from the Wuxi union's May Day
programme in the seed articles: four guests, the comments the organisers
published as highlights, and a few audience questions."""

from __future__ import annotations

from typing import Any

from live.core import identity
from live.protocol import AskQuestion, PostComment
from live.realtime.store import Store

TITLE = "“劳模精神”大家谈"

LECTURE: dict[str, Any] = {
    "title": TITLE,
    "description": (
        "无锡“新时代·新思想·新宣讲”五一特辑。以“弘扬新时代劳模精神、劳动精神、工匠精神”为主题，"
        "四位嘉宾分别从不同视角畅谈自己的思考和观点。\n\n主办：无锡市总工会"
    ),
    "speakers": [
        {"name": "陈亮", "title": "2020年全国劳动模范候选人、“全国十佳最美职工”，无锡微研股份有限公司加工中心班组副班长"},
        {"name": "李建忠", "title": "无锡国联发展集团人力资源总经理"},
        {"name": "唐忠宝", "title": "江南大学马克思主义学院教授"},
        {"name": "张鸣年", "title": "中共无锡市委党校教授"},
    ],
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


async def ensure_demo(store: Store, secret: bytes) -> str:
    """The code of the demo lecture, made (live, with history) if missing."""
    for lecture in await store.lectures():
        if lecture.title == TITLE:
            return lecture.code
    lecture = await store.create_lecture(dict(LECTURE))
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
