"""The lesson body a child works in: rendered once per revision and language, each child's answers put in after.

Rendering twenty questions' templates for each of forty children opening a lesson at the same moment is the
lesson page's main cost, and the worksheet is the same for all of them but for the child's own answers. So the
question templates mark where a child's data goes with ``{% answer_slot %}`` (a value, a ticked choice, the
order of an ordering question's items, an earlier drawing, "saved at 10:05"); the body is rendered with slot
markers once and cached (per lesson, revision, content digest and language), and :func:`fill` puts the child's
answers into the markers with one regular-expression pass. The page carries the answers itself, so a reload
shows them with or without JavaScript.

Each marker holds a random nonce made with the cached render, so text typed by a lesson's author can never
be taken for a marker. Rendered without a nonce (previews, a handed-in sheet, lessons holding blocks of other
plug-ins, which may show something of the child's own and are rendered per request), the same tag writes the
child's data at once through the same :func:`slot_html`: one set of rules for both.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from . import worksheets
from .blocks import lesson_blocks
from .models import Answer, AnswerSheet, LessonPage

CACHE_SECONDS = 24 * 3600
_OWN_BLOCKS = frozenset(name for name, _block in lesson_blocks())
_START, _END = "\x02", "\x03"
# In the cached body's key: a body cached by an older release (other slots) is never read by this one, nor the
# reverse during a rolling deploy (an unknown slot is an error). Raised whenever the slots change.
BODY_FORMAT = 2


def marker(nonce: str, kind: str, question_id: str, arg: str = "") -> str:
    return f"{_START}{nonce}:{kind}:{question_id}:{arg}{_END}"


def item_order(question: worksheets.Question | None, saved: Any) -> list[int]:
    """The items of an ordering question as the child last left them, else in a fixed shuffled order."""
    if question is None:
        return []
    n = len(question.choices)
    return saved if isinstance(saved, list) and sorted(saved) == list(range(n)) else worksheets.display_order(question)


def slot_html(
    kind: str,
    question: worksheets.Question | None,
    arg: str,
    answers: dict[str, Answer],
    sheet: AnswerSheet | None,
) -> str:
    """What goes into one slot of a question for this child: already escaped HTML (often nothing)."""
    answer = answers.get(question.id) if question is not None else None
    if answer is None or kind in ("item", "items_end"):  # where ordering items start and end: see fill()
        return ""
    if kind == "value":
        return "" if answer.value is None else escape(answer.value)
    if kind == "checked":
        return " checked" if answer.value == int(arg) else ""
    if kind == "order":
        return ",".join(str(i) for i in item_order(question, answer.value))
    if kind == "drawing":
        if sheet is None or not getattr(answer, "has_drawing", False):
            return ""
        return f' data-existing="{escape(reverse("classrooms:drawing", args=[sheet.pk, question.id]))}"'
    if kind == "written":  # the tablet's time of the answer held, for the tablet's check (worksheet.js)
        written = answer.saved_on_device_at
        return str(round(written.timestamp() * 1000)) if written is not None else "0"
    if kind == "received":  # the school's time of it, in milliseconds, for the same check
        return str(int(answer.received_at.timestamp() * 1000))
    if kind == "status":
        label = gettext("Saved (late)") if answer.is_late else gettext("Saved")
        return escape(f"{label} {timezone.localtime(answer.received_at).strftime('%H:%M')}")
    raise ValueError(f"unknown answer slot {kind!r}")


def fill(
    html: str,
    nonce: str,
    questions: list[worksheets.Question],
    answers: dict[str, Answer],
    sheet: AnswerSheet | None,
) -> SafeString:
    """The cached body with this child's answers in its slots, and the ordering items in the child's order."""
    by_id = {q.id: q for q in questions}
    n = re.escape(nonce)

    def reorder(match: re.Match) -> str:
        question = by_id.get(match["qid"])
        answer = answers.get(match["qid"])
        parts = re.split(rf"{_START}{n}:item:[^:]+:(\d+){_END}", match["items"])
        items = dict(zip((int(i) for i in parts[1::2]), parts[2::2], strict=True))
        order = item_order(question, answer.value if answer else None)
        return parts[0] + "".join(items[i] for i in order if i in items)

    html = re.sub(
        rf"(?P<items>{_START}{n}:item:(?P<qid>[^:]+):\d+{_END}.*?){_START}{n}:items_end:(?P=qid):{_END}",
        reorder,
        html,
        flags=re.S,
    )
    slot = re.compile(rf"{_START}{n}:(?P<kind>\w+):(?P<qid>[^:]+):(?P<arg>[^{_END}]*){_END}")
    filled = slot.sub(lambda m: slot_html(m["kind"], by_id.get(m["qid"]), m["arg"], answers, sheet), html)
    return mark_safe(filled)  # noqa: S308 - our own template's output; every slot's text is escaped by slot_html


def _cacheable(lesson: LessonPage) -> bool:
    # The raw JSON is enough to know the block types: no need to load every block's value.
    return all(block.get("type") in _OWN_BLOCKS for block in lesson.body.raw_data)


def worksheet_body(
    lesson: LessonPage,
    questions: list[worksheets.Question],
    answers: dict[str, Answer],
    sheet: AnswerSheet | None,
) -> SafeString | None:
    """The editable lesson body with this child's answers; None when it must be rendered per request."""
    if not _cacheable(lesson):
        return None
    key = f"classrooms:body:{BODY_FORMAT}:{worksheets.lesson_version(lesson)}:{translation.get_language() or ''}"
    cached = cache.get(key)
    if cached is None:
        nonce = secrets.token_hex(8)
        html = render_to_string(
            "classrooms/_lesson_body.html",
            {
                "lesson": lesson,
                "questions_by_id": {q.id: q for q in questions},
                "answers": {},
                "editable": True,
                "marks_shown": (),
                "sheet": None,
                "slot_nonce": nonce,
            },
        )
        cached = (nonce, str(html))
        cache.set(key, cached, CACHE_SECONDS)
    nonce, html = cached
    return fill(html, nonce, questions, answers, sheet)
