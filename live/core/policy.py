"""What a lecture's status, settings, word lists and a viewer's record allow
that viewer to post, and in which state it starts."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from live.core.errors import Refusal
from live.core.events import MUTED
from live.core.lecture import Lecture
from live.core.words import WordLists

#: The same text from the same viewer within this many seconds is refused.
REPEAT_WINDOW_S = 600.0
#: How many of a viewer's latest comments are compared with a new one.
REPEAT_KEPT = 5


def fingerprint(text: str) -> str:
    """Text as flood control compares it: width, case, spaces and
    punctuation do not make a repeat new."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


@dataclass
class Poster:
    """What a room remembers of one viewer, for these rules."""

    #: "banned", "muted" or None.
    restriction: str | None = None
    #: One of their comments has been shown (the "first comment held" mode lets them through).
    trusted: bool = False
    last_comment_at: float | None = None
    #: (time, fingerprint) of their latest comments, newest last.
    recent: list[tuple[float, str]] = field(default_factory=list)

    def remember(self, at: float, text: str) -> None:
        self.last_comment_at = at
        self.recent.append((at, fingerprint(text)))
        del self.recent[:-REPEAT_KEPT]


NOBODY = Poster()


def _open_to(lecture: Lecture, poster: Poster) -> None:
    if lecture.status == "ended":
        raise Refusal("closed", "The lecture has ended.")
    if poster.restriction == "banned":
        raise Refusal("banned", "You can no longer post in this lecture.")


def _words(words: WordLists, text: str, *, what: str) -> bool:
    """Whether a watch word holds the text; a blocked word refuses it."""
    if not words:
        return False
    verdict = words.verdict(text)
    if verdict is None:
        return False
    if verdict.kind == "blocked":
        raise Refusal("blocked", f"This {what} contains a word that is not allowed here.")
    return True


def comment_state(lecture: Lecture, words: WordLists, poster: Poster, text: str, now: float) -> str:
    """The state a new comment starts in, or a refusal."""
    _open_to(lecture, poster)
    settings = lecture.settings
    if not settings["comments_open"]:
        raise Refusal("closed", "Comments are closed.")
    slow = settings["slow_mode_s"]
    if slow and poster.last_comment_at is not None and now - poster.last_comment_at < slow:
        wait = slow - (now - poster.last_comment_at)
        raise Refusal("slow_mode", f"Slow mode: wait {wait:.0f} s between comments.", retry_after=round(wait, 2))
    mark = fingerprint(text)
    if any(mark == seen and now - at < REPEAT_WINDOW_S for at, seen in poster.recent):
        raise Refusal("repeated", "You have just sent the same text.")
    mode = settings["comment_mode"]
    watched = mode != "open" and _words(words, text, what="comment")
    if poster.restriction == "muted":
        return MUTED
    if watched or mode == "held" or (mode == "first" and not poster.trusted):
        return "held"
    return "visible"


def question_state(lecture: Lecture, words: WordLists, poster: Poster, text: str, anonymous: bool) -> str:
    """The state a new question starts in, or a refusal. Word lists always
    apply to questions: a question stays on the board for the whole lecture."""
    _open_to(lecture, poster)
    if lecture.status == "scheduled" and not lecture.settings["questions_before_live"]:
        raise Refusal("not_live", "Questions open when the lecture starts.")
    if anonymous and not lecture.settings["anonymous_questions"]:
        raise Refusal("forbidden", "Anonymous questions are not allowed in this lecture.")
    watched = _words(words, text, what="question")
    if watched or poster.restriction == "muted" or lecture.settings["question_mode"] == "held":
        return "pending"
    return "approved"

