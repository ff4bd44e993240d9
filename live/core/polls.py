"""Polls: what a moderator may prepare, what a viewer may answer, and the
results, as plain rules (docs/protocol.md, "Polls").

A poll's record lives in the lecture's log (``poll.*`` events, whole
records); answers do not, like votes: each viewer has at most one per poll,
kept by the store beside the log, and the results are aggregates: counts per
option, per rating value or per word.
"""

from __future__ import annotations

import string
from typing import Any, Iterable, Mapping

from live.core.clock import parse_iso
from live.core.errors import Refusal
from live.core.text import checked_text, normalise

KINDS = ("single", "multiple", "quiz", "rating", "text")
STATES = ("draft", "open", "closed")
ACTIONS = ("open", "close", "show", "hide", "reveal", "screen", "unscreen", "delete")
#: The event each action makes.
ACTION_EVENTS = {
    "open": "poll.opened", "close": "poll.closed", "show": "poll.results_shown", "hide": "poll.results_hidden",
    "reveal": "poll.revealed", "screen": "poll.updated", "unscreen": "poll.updated", "delete": "poll.deleted",
}
TITLE_MAX, OPTION_MAX, OPTIONS_MIN, OPTIONS_MAX, TEXT_ANSWER_MAX = 200, 80, 2, 10, 30
SCALES = {5: {"min": 1, "max": 5}, 10: {"min": 0, "max": 10}}
#: Words a text poll's cloud shows.
CLOUD_WORDS = 60
OPTION_IDS = string.ascii_lowercase


def checked_poll(body: Any, *, partial: bool) -> dict[str, Any]:
    """The fields of a new poll (or a draft's changes), validated. Options
    come as texts and get ids a, b, c…; ``correct`` names options by index."""
    if not isinstance(body, Mapping):
        raise Refusal("bad_json", "The body must be a JSON object.")
    unknown = sorted(set(body) - {"kind", "title", "options", "correct", "scale", "allow_change"})
    if unknown:
        raise Refusal("invalid", f"Unknown field '{unknown[0]}'.", field=unknown[0])
    out: dict[str, Any] = {}
    if "kind" in body or not partial:
        if body.get("kind") not in KINDS:
            raise Refusal("invalid", f"'kind' must be one of {', '.join(KINDS)}.", field="kind")
        out["kind"] = body["kind"]
    if "title" in body or not partial:
        out["title"] = checked_text(body.get("title"), field="title", limit=TITLE_MAX)
    if "options" in body:
        raw = body["options"]
        if not isinstance(raw, list) or not OPTIONS_MIN <= len(raw) <= OPTIONS_MAX:
            raise Refusal("invalid", f"'options' must be a list of {OPTIONS_MIN} to {OPTIONS_MAX} texts.",
                          field="options")
        out["options"] = [{"id": OPTION_IDS[i], "text": checked_text(t, field="options", limit=OPTION_MAX)}
                          for i, t in enumerate(raw)]
    if "correct" in body:
        raw = body["correct"]
        if not isinstance(raw, list) or not raw or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
            raise Refusal("invalid", "'correct' must list option indexes (from 0).", field="correct")
        out["correct"] = sorted({OPTION_IDS[i] for i in raw if 0 <= i < OPTIONS_MAX})
        if len(out["correct"]) != len(set(raw)):
            raise Refusal("invalid", "'correct' names an option that does not exist.", field="correct")
    if "scale" in body:
        # An unhashable value (a list, an object) cannot be looked up: it is simply not a scale.
        if not isinstance(body["scale"], (int, float)) or body["scale"] not in SCALES:
            raise Refusal("invalid", "'scale' must be 5 (stars) or 10 (0 to 10).", field="scale")
        out["scale"] = dict(SCALES[body["scale"]])
    if "allow_change" in body:
        if not isinstance(body["allow_change"], bool):
            raise Refusal("invalid", "'allow_change' must be true or false.", field="allow_change")
        out["allow_change"] = body["allow_change"]
    return out


def draft(pid: str, seq: int, fields: dict[str, Any], created_at: str) -> dict[str, Any]:
    """A new poll's record, its fields made whole and consistent."""
    rec = {
        "id": pid, "seq": seq, "kind": fields["kind"], "title": fields["title"], "options": None, "scale": None,
        "allow_change": True, "state": "draft", "results_shown": False, "revealed": False, "correct": None,
        "on_screen": False, "created_at": created_at, "opened_at": None, "closed_at": None,
    }
    return consistent({**rec, **{k: v for k, v in fields.items() if k != "kind"}})


def consistent(rec: dict[str, Any]) -> dict[str, Any]:
    """A draft as its kind needs it, or a refusal saying what is missing."""
    kind = rec["kind"]
    rec = dict(rec)
    if kind in ("single", "multiple", "quiz"):
        if not rec.get("options"):
            raise Refusal("invalid", f"A {kind} poll needs {OPTIONS_MIN} to {OPTIONS_MAX} options.", field="options")
        rec["scale"] = None
    else:
        rec["options"] = None
    if kind == "quiz":
        ids = {o["id"] for o in rec["options"]}
        if not rec.get("correct") or not set(rec["correct"]) <= ids:
            raise Refusal("invalid", "A quiz needs its correct option(s).", field="correct")
        rec["allow_change"] = False
    else:
        rec["correct"] = None
    if kind == "rating":
        rec["scale"] = rec.get("scale") or dict(SCALES[5])
    else:
        rec["scale"] = None
    # Whether an answer picks several options (public: a quiz's page must
    # know, before the reveal, how many to let a viewer pick).
    rec["multiple"] = kind == "multiple" or (kind == "quiz" and len(rec["correct"]) > 1)
    return rec


def acted(rec: dict[str, Any], action: str, stamp: str) -> dict[str, Any] | None:
    """The record after a moderator's action, None when it changes nothing;
    a refusal when the action does not fit the poll's state."""
    if action not in ACTIONS:
        raise Refusal("not_found", f"No poll action '{action}'; use one of {', '.join(ACTIONS)}.")
    new = dict(rec)
    if action == "open":
        new.update(state="open", opened_at=rec["opened_at"] or stamp, closed_at=None)
    elif action == "close":
        if rec["state"] == "draft":
            raise Refusal("conflict", "A draft is not open.", state=rec["state"])
        new.update(state="closed", closed_at=rec["closed_at"] or stamp)
    elif action in ("show", "hide"):
        new["results_shown"] = action == "show"
    elif action == "reveal":
        if rec["kind"] != "quiz":
            raise Refusal("invalid", "Only a quiz has an answer to reveal.")
        if rec["state"] != "closed":
            raise Refusal("conflict", "Close the quiz before revealing its answer.", state=rec["state"])
        new["revealed"] = True
    elif action in ("screen", "unscreen"):
        if action == "screen" and rec["state"] == "draft":
            raise Refusal("conflict", "Open the poll before putting it on the big screen.", state=rec["state"])
        new["on_screen"] = action == "screen"
    elif action == "delete" and rec["state"] != "draft":
        raise Refusal("conflict", "Only a draft can be deleted; close the poll instead.", state=rec["state"])
    if action == "delete":
        return new
    return None if new == rec else new


def public(rec: dict[str, Any]) -> dict[str, Any]:
    """The record as viewers see it: a quiz's answer only once revealed."""
    if rec["kind"] == "quiz" and not rec["revealed"]:
        return {**rec, "correct": None}
    return rec


def checked_answer(rec: dict[str, Any], message: Mapping[str, Any]) -> dict[str, Any]:
    """A viewer's answer to this poll, normalised: ``{"choices": [...]}``,
    ``{"value": n}`` or ``{"text": "..."}``."""
    kind = rec["kind"]
    if kind in ("single", "multiple", "quiz"):
        choices = message.get("choices")
        ids = {o["id"] for o in rec["options"]}
        if not isinstance(choices, list) or not choices or not all(isinstance(c, str) for c in choices):
            raise Refusal("invalid", "'choices' must list option ids.", field="choices")
        picked = sorted(set(choices))
        if not set(picked) <= ids:
            raise Refusal("invalid", "That is not an option of this poll.", field="choices")
        if not rec["multiple"] and len(picked) != 1:
            raise Refusal("invalid", "Pick one option.", field="choices")
        return {"choices": picked}
    if kind == "rating":
        value, scale = message.get("value"), rec["scale"]
        if isinstance(value, bool) or not isinstance(value, int) or not scale["min"] <= value <= scale["max"]:
            raise Refusal("invalid", f"'value' must be a whole number from {scale['min']} to {scale['max']}.",
                          field="value")
        return {"value": value}
    return {"text": checked_text(message.get("text"), field="text", limit=TEXT_ANSWER_MAX)}


def open_for_answers(rec: dict[str, Any] | None) -> dict[str, Any]:
    if rec is None or rec["state"] == "draft":
        raise Refusal("not_found", "No such poll is open.")
    if rec["state"] != "open":
        raise Refusal("poll_closed", "This poll is closed.")
    return rec


def tally_keys(rec: dict[str, Any], answer: dict[str, Any] | None, words: Iterable[str] = ()) -> list[str]:
    """What an answer adds one to: its options, its value, or its words."""
    if answer is None:
        return []
    if "choices" in answer:
        return list(answer["choices"])
    if "value" in answer:
        return [str(answer["value"])]
    return list(words)


def results(rec: dict[str, Any], counts: Mapping[str, int], total: int) -> dict[str, Any]:
    """The aggregate a page shows: counts per option (all of them, zeros
    too), per rating value with the average, or the top words."""
    counts = {k: int(v) for k, v in counts.items() if int(v) > 0}
    kind = rec["kind"]
    if kind in ("single", "multiple", "quiz"):
        return {"total": total, "counts": {o["id"]: counts.get(o["id"], 0) for o in rec["options"]}}
    if kind == "rating":
        scale = rec["scale"]
        by_value = {str(v): counts.get(str(v), 0) for v in range(scale["min"], scale["max"] + 1)}
        answered = sum(by_value.values())
        average = round(sum(int(v) * n for v, n in by_value.items()) / answered, 2) if answered else None
        return {"total": total, "counts": by_value, "average": average}
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:CLOUD_WORDS]
    return {"total": total, "counts": dict(top)}


def leaderboard(quizzes: Iterable[dict[str, Any]], answers: Mapping[str, Mapping[str, dict[str, Any]]],
                top: int = 20) -> list[dict[str, Any]]:
    """Over the revealed quizzes: each viewer's correct answers and the time
    they took to give them (from the quiz's opening), most correct first,
    then fastest. ``answers``: poll id → viewer → {answer, at, nickname}."""
    scores: dict[str, dict[str, Any]] = {}
    for quiz in quizzes:
        if quiz["kind"] != "quiz" or not quiz["revealed"]:
            continue
        correct, opened = sorted(quiz["correct"]), parse_iso(quiz["opened_at"]) if quiz["opened_at"] else 0.0
        for viewer, given in answers.get(quiz["id"], {}).items():
            row = scores.setdefault(viewer, {"nickname": None, "correct": 0, "seconds": 0.0})
            row["nickname"] = given.get("nickname") or row["nickname"]
            if given["answer"].get("choices") == correct:
                row["correct"] += 1
                row["seconds"] += max(0.0, given["at"] - opened)
    ranked = sorted((r for r in scores.values() if r["correct"]), key=lambda r: (-r["correct"], r["seconds"]))
    return [{**r, "nickname": r["nickname"] or None, "seconds": round(r["seconds"], 1)} for r in ranked[:top]]


def copy_fields(rec: dict[str, Any]) -> dict[str, Any]:
    """A poll of another lecture as the fields of a new draft."""
    fields: dict[str, Any] = {"kind": rec["kind"], "title": rec["title"], "allow_change": rec["allow_change"]}
    if rec.get("options"):
        fields["options"] = [{"id": o["id"], "text": o["text"]} for o in rec["options"]]
    if rec.get("correct"):
        fields["correct"] = list(rec["correct"])
    if rec.get("scale"):
        fields["scale"] = dict(rec["scale"])
    return fields


def clean_nickname(value: Any) -> str | None:
    return normalise(value)[:24] or None if isinstance(value, str) else None
