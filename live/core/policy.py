"""What a lecture's status and settings allow a viewer to post."""

from __future__ import annotations

from live.core.errors import Refusal
from live.core.lecture import Lecture


def comment_state(lecture: Lecture) -> str:
    """The state a new comment starts in, or a refusal."""
    if lecture.status == "ended":
        raise Refusal("closed", "The lecture has ended.")
    if not lecture.settings["comments_open"]:
        raise Refusal("closed", "Comments are closed.")
    return "held" if lecture.settings["comment_mode"] == "held" else "visible"


def question_state(lecture: Lecture, anonymous: bool) -> str:
    """The state a new question starts in, or a refusal."""
    if lecture.status == "ended":
        raise Refusal("closed", "The lecture has ended.")
    if anonymous and not lecture.settings["anonymous_questions"]:
        raise Refusal("forbidden", "Anonymous questions are not allowed in this lecture.")
    return "pending" if lecture.settings["question_mode"] == "held" else "approved"
