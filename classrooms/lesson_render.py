"""The blank lesson body a child starts from, rendered once per revision and language.

Rendering twenty questions' templates for each of forty children opening a lesson at the same moment is the
lesson page's main cost, and at that moment the worksheet is blank and the same for all of them. So the blank
body is cached (per lesson, revision, content digest and language). A child who has already answered gets the
body rendered for them, their answers in the inputs, so that a reload shows them with or without JavaScript
(about 10 ms for twenty questions). Lessons holding blocks of other plug-ins are always rendered per request,
since such a block may show something of the child's own.
"""

from __future__ import annotations

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from . import worksheets
from .blocks import lesson_blocks
from .models import LessonPage

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
