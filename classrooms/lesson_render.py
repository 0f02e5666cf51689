"""The lesson body a child works in, rendered once per revision and language, their answers sent alongside.

Rendering twenty questions' templates for each of forty children opening a lesson at the same moment is the
lesson page's main cost; the blank worksheet is the same for all of them. So the body is cached (per lesson,
revision, content digest and language) and the child's saved answers travel as a JSON data block that
``worksheet.js`` puts back into the inputs. Lessons holding blocks of other plug-ins are rendered per request,
since such a block may show something of the child's own.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from . import worksheets
from .blocks import lesson_blocks
from .models import Answer, AnswerSheet, LessonPage

CACHE_SECONDS = 24 * 3600
_OWN_BLOCKS = frozenset(name for name, _block in lesson_blocks())


def _cacheable(lesson: LessonPage) -> bool:
    # The raw JSON is enough to know the block types: no need to load every block's value.
    return all(block.get("type") in _OWN_BLOCKS for block in lesson.body.raw_data)


def blank_worksheet_body(lesson: LessonPage, questions: list[worksheets.Question]) -> SafeString | None:
    """The lesson body with empty, editable worksheets; None when it must be rendered per request."""
    if not _cacheable(lesson):
        return None
    key = ":".join(
        [
            "classrooms:body",
            str(lesson.pk),
            str(lesson.latest_revision_id or 0),
            worksheets.questions_digest(lesson),
            translation.get_language() or "",
        ]
    )
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "classrooms/_lesson_body.html",
            {
                "lesson": lesson,
                "questions_by_id": {q.id: q for q in questions},
                "answers": {},
                "editable": True,
                "show_marks": False,
                "sheet": None,
            },
        )
        cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - our own template's output, cached as it was rendered


def saved_answers_json(sheet: AnswerSheet | None, answers: dict[str, Answer]) -> dict[str, Any]:
    """What ``worksheet.js`` needs to show a child's saved answers: the value, when it arrived, the drawing URL."""
    data: dict[str, Any] = {}
    for question_id, answer in answers.items():
        data[question_id] = {
            "value": answer.value,
            "received": timezone.localtime(answer.received_at).strftime("%H:%M"),
            "late": answer.is_late,
            "drawing": reverse("classrooms:drawing", args=[sheet.pk, question_id])
            if sheet is not None and getattr(answer, "has_drawing", False)
            else None,
        }
    return data
