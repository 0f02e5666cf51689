"""The questions of a lesson, read from its StreamField, and how each answer is checked and marked.

A question is known by its block's stable id. The list of a lesson's questions is cached per page revision, so
the autosave endpoint and the review grid do not parse the lesson body on every request.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from school_portal.core import furigana

from .blocks import WORKSHEET_BLOCK_TYPES

MAX_TEXT_ANSWER = 500
MAX_DRAWING_BYTES = 400 * 1024


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    number: int
    prompt: str
    points: int
    show_results: bool
    choices: tuple[str, ...] = ()
    correct: Any = None
    accepted: tuple[str, ...] = field(default_factory=tuple)
    unit: str = ""
    section: str = ""
    section_instructions: str = ""

    @property
    def auto_marked(self) -> bool:
        if self.kind == "drawing":
            return False
        if self.kind in ("short_answer", "number"):
            return bool(self.accepted) if self.kind == "short_answer" else self.correct is not None
        return True

    @property
    def short_prompt(self) -> str:
        text = furigana.plain(self.prompt)
        return text if len(text) <= 30 else text[:29] + "…"


def _question(child: Any, number: int, show_results: bool, section: Any) -> Question:
    value = child.value
    common = {
        "section": section.get("title") or "",
        "section_instructions": section.get("instructions") or "",
        "id": str(child.id),
        "kind": child.block_type,
        "number": number,
        "prompt": value.get("prompt") or "",
        "points": int(value.get("points") or 0),
        "show_results": show_results,
    }
    if child.block_type == "choice":
        return Question(**common, choices=tuple(value["choices"]), correct=int(value["correct"]) - 1)
    if child.block_type == "short_answer":
        return Question(**common, accepted=tuple(str(a) for a in value.get("accepted") or ()))
    if child.block_type == "ordering":
        return Question(**common, choices=tuple(value["items"]), correct=list(range(len(value["items"]))))
    if child.block_type == "number":
        answer = value.get("answer")
        return Question(**common, correct=None if answer is None else str(answer), unit=value.get("unit") or "")
    return Question(**common)


def extract_questions(body: Any) -> list[Question]:
    """Every question of every worksheet and quiz in a lesson body, numbered in reading order."""
    questions: list[Question] = []
    for block in body:
        if block.block_type not in WORKSHEET_BLOCK_TYPES:
            continue
        show_results = getattr(block.block, "show_results", False)
        for child in block.value["questions"]:
            questions.append(_question(child, len(questions) + 1, show_results, block.value))
    return questions


# The questions of the lessons this process served last, by version: a version never changes, so what is kept
# here is never stale, and a tablet's autosave every few seconds skips the cache's round trip.
_recent_questions: dict[str, list[Question]] = {}
_RECENT_VERSIONS = 256


def lesson_questions(lesson: Any) -> list[Question]:
    """The lesson's questions, cached per revision of the page (a new revision means a new key)."""
    version = lesson_version(lesson)
    questions = _recent_questions.get(version)
    if questions is None:
        key = f"classrooms:questions:{version}"
        questions = cache.get(key)
        if questions is None:
            questions = extract_questions(lesson.body)
            cache.set(key, questions, 24 * 3600)
        if len(_recent_questions) >= _RECENT_VERSIONS:
            _recent_questions.clear()
        _recent_questions[version] = questions
    return list(questions)


def lesson_version(lesson: Any) -> str:
    """``pk:revision:digest``: the key of everything cached per version of a lesson (its questions, its rendered
    body, its PDFs, which also print the title). The digest of the body's raw JSON catches an edit saved without a
    new revision (seeding). Computed once per lesson instance: a lesson page load asks for it several times."""
    version = getattr(lesson, "_classrooms_version", None)
    if version is None:
        raw = lesson.body.raw_data if hasattr(lesson.body, "raw_data") else lesson.body
        digest = hashlib.blake2b(repr(list(raw)).encode(), digest_size=8).hexdigest()
        version = f"{lesson.pk}:{lesson.latest_revision_id or 0}:{digest}"
        lesson._classrooms_version = version
    return version


# --- checking what the tablet sent -------------------------------------------------------------------------


class AnswerRejected(ValueError):
    """An answer that cannot be an answer to its question; the message (translated) says why, for the child."""


class AnswersRejected(AnswerRejected):
    """Answers that refuse a whole hand-in: ``rejected`` maps each question id to the reason."""

    def __init__(self, rejected: dict[str, str]) -> None:
        super().__init__(_("Some answers could not be read. Check them and hand in again."))
        self.rejected = rejected


CHOICE_OUT_OF_RANGE = _("Choose one of the answers shown.")
NOT_AN_ORDERING = _("Put every item in order.")
NOT_A_NUMBER = _("Write a number here (up to 20 characters).")
TEXT_TOO_LONG = _("This answer is too long (up to 500 characters).")
UNSUPPORTED = _("This answer cannot be read.")
UNKNOWN_QUESTION = _("This question is not in the lesson any more.")
DRAWING_EXPECTED = _("A drawing answer must be a picture.")


def normalise_text(text: str) -> str:
    """Full-width and half-width forms, spaces and case do not matter when marking a short answer."""
    return unicodedata.normalize("NFKC", str(text)).strip().lower().replace(" ", "")


def clean_value(question: Question, value: Any) -> Any:
    """The answer as we store it, or AnswerRejected when it cannot be an answer to this question."""
    if value is None or value == "":
        return None
    if question.kind == "choice":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(question.choices):
            raise AnswerRejected(CHOICE_OUT_OF_RANGE)
        return value
    if question.kind == "ordering":
        n = len(question.choices)
        if not isinstance(value, list) or sorted(value) != list(range(n)):
            raise AnswerRejected(NOT_AN_ORDERING)
        return value
    if question.kind == "number":
        if isinstance(value, bool) or not isinstance(value, str | int | float) or len(str(value)) > 20:
            raise AnswerRejected(NOT_A_NUMBER)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise AnswerRejected(NOT_A_NUMBER) from exc
        if not number.is_finite():
            raise AnswerRejected(NOT_A_NUMBER)
        return str(value).strip()
    if question.kind == "short_answer":
        if not isinstance(value, str) or len(value) > MAX_TEXT_ANSWER:
            raise AnswerRejected(TEXT_TOO_LONG)
        return value
    raise AnswerRejected(UNSUPPORTED)


def mark(question: Question, value: Any) -> bool | None:
    """True or False when the question is marked automatically and answered; None for the teacher to mark."""
    if value is None or not question.auto_marked:
        return None
    if question.kind == "choice":
        return value == question.correct
    if question.kind == "ordering":
        return value == question.correct
    if question.kind == "number":
        return Decimal(str(value)) == Decimal(question.correct)
    if question.kind == "short_answer":
        return normalise_text(furigana.plain(value)) in {normalise_text(a) for a in question.accepted}
    return None


def display_order(question: Question) -> list[int]:
    """A fixed shuffle of an ordering question's items (the same for every child, never the answer)."""
    n = len(question.choices)
    order = sorted(range(n), key=lambda i: hashlib.blake2b(f"{question.id}:{i}".encode(), digest_size=4).digest())
    if order == list(range(n)) and n > 1:
        order = order[1:] + order[:1]
    return order
