"""Template filters of the notices: furigana in rich text and in plain text."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

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
def language_name(code: str) -> str:
    from django.conf import settings

    return str(dict(settings.LANGUAGES).get(code, code))
