"""Template filters of the classrooms plug-in: furigana, a student's answer by question id, the review grid's cells."""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from school_portal.core import furigana

from .. import child_labels

register = template.Library()


@register.filter
def ruby(value: str) -> SafeString:
    """Plain text with 漢字《かんじ》 markup as HTML with ``<ruby>``."""
    return furigana.ruby_text(value or "")


@register.filter
def ruby_safe_html(value: str) -> SafeString:
    """Rich-text HTML (already safe) with furigana markup turned into ``<ruby>``."""
    return furigana.ruby_html(value or "")


@register.filter
def ruby_print(value: str) -> SafeString:
    """For PDFs: the reading in parentheses after the base (rich-text HTML stays as it is, text is escaped)."""
    text = value if isinstance(value, SafeString) else escape(value or "")
    return mark_safe(furigana.parenthesised(text))  # noqa: S308 - input is safe HTML or escaped text


@register.filter
def answer_for(answers: dict | None, question_id: str) -> Any:
    if not answers:
        return None
    answer = answers.get(str(question_id))
    return answer.value if answer is not None else None


@register.filter
def answer_obj(answers: dict | None, question_id: str) -> Any:
    return (answers or {}).get(str(question_id))


@register.filter
def question_for(questions_by_id: dict | None, question_id: Any) -> Any:
    return (questions_by_id or {}).get(str(question_id))


@register.simple_tag
def ordering_items(question: Any, answers: dict | None) -> list[tuple[int, str]]:
    """The items of an ordering question as the child last left them, else in a fixed shuffled order."""
    from ..lesson_render import item_order

    if question is None:
        return []
    return [(i, question.choices[i]) for i in item_order(question, answer_for(answers, question.id))]


@register.simple_tag(takes_context=True)
def answer_slot(context: template.Context, kind: str, question_id: Any, arg: Any = "") -> SafeString:
    """Where a child's data goes in a question (``lesson_render``): a marker in the shared cached render (which
    has a ``slot_nonce``), else the child's data itself, written by the same rules."""
    from ..lesson_render import marker, slot_html

    nonce = context.get("slot_nonce")
    if nonce:
        return mark_safe(marker(nonce, kind, str(question_id), str(arg)))  # noqa: S308 - hex, a UUID, a number
    html = slot_html(kind, context.get("question"), str(arg), context.get("answers") or {}, context.get("sheet"))
    return mark_safe(html)  # noqa: S308 - slot_html escapes what it writes


@register.filter
def ruby_plain(value: str) -> str:
    """Without the readings (for labels and titles read out by assistive technology)."""
    return furigana.plain(value or "")


@functools.lru_cache(maxsize=16)
def _review_marks(language: str | None) -> dict[Any, tuple[str, str]]:
    """The review grid's marks in ``language``, escaped once: the CSS class and the markup of each."""
    correct, wrong, to_check = escape(gettext("correct")), escape(gettext("wrong")), escape(gettext("to check"))
    return {
        True: ("cell--ok", f'<span aria-label="{correct}">○</span>'),
        False: ("cell--no", f'<span aria-label="{wrong}">×</span>'),
        None: ("cell--open", f'<span aria-label="{to_check}">?</span>'),
        "drawing_alt": ("cell--open", escape(gettext("Drawing"))),
    }


@register.simple_tag
def review_cells(row: Any, questions: list, drawing_url: str) -> SafeString:
    """The cells of one child's row in the review grid: a mark (or the drawing) and when the answer arrived.

    Built in Python: the 800 cells of a class of 40 through the template language took most of the grid's time.
    """
    marks = _review_marks(translation.get_language())
    tz = timezone.get_current_timezone()
    cells = []
    for question, cell in zip(questions, row.cells, strict=True):
        if cell is None:
            cells.append('<td class="cell"></td>')
            continue
        time = cell.received_at.astimezone(tz).strftime("%H:%M") + ("*" if cell.is_late else "")
        if cell.has_drawing:
            css, alt = marks["drawing_alt"]
            src = escape(drawing_url.format(sheet=row.sheet.pk, question=question.id))
            mark = f'<img class="cell__drawing" src="{src}" alt="{alt}" width="80" height="50" loading="lazy">'
        else:
            css, mark = marks[cell.is_correct]
        cells.append(f'<td class="cell {css}">{mark}<span class="cell__time">{time}</span></td>')
    return mark_safe("".join(cells))  # noqa: S308 - labels and URLs escaped above, the rest is our own markup


@register.filter
def child_subject(subject: str) -> SafeString:
    """A lesson's subject as a child reads it, with furigana (算数・数学 with its readings)."""
    return child_labels.subject_label(subject)


@register.filter
def child_status(sheet: Any) -> SafeString:
    """Where a child's work stands, with furigana (提出ずみ, 確認ずみ); no sheet yet is "not started"."""
    return child_labels.status_label(getattr(sheet, "status", None))
