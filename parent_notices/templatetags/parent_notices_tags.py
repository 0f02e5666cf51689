"""Template filters of the notices: furigana in rich text and in plain text."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from school_portal.core import furigana

register = template.Library()


@register.filter
def furigana_html(value: object) -> SafeString:
    """Rich text (already safe HTML) with 漢字《かんじ》 turned into ``<ruby>``."""
    return furigana.ruby_html(str(value or ""))


@register.filter
def furigana_text(value: object) -> SafeString:
    """Plain text a teacher typed (a title, a question), escaped, with furigana as ``<ruby>``."""
    return furigana.ruby_text(str(value or ""))


@register.filter
def furigana_print(value: object) -> SafeString:
    """For PDFs (xhtml2pdf draws no ruby): the reading in parentheses after the base; rich text stays HTML, plain
    text is escaped."""
    text = value if isinstance(value, SafeString) else escape(str(value or ""))
    return mark_safe(furigana.parenthesised(str(text)))  # noqa: S308 - input is safe HTML or escaped text


@register.filter
def language_name(code: str) -> str:
    from django.conf import settings

    return str(dict(settings.LANGUAGES).get(code, code))


@register.filter
def reply_labels(value: dict) -> list[str]:
    """The answers of a reply form as a family reads them (for the paper copy's tick boxes)."""
    from ..services import reply_choice_labels

    return [label for _value, label in reply_choice_labels(value)]
