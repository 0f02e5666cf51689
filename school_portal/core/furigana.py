"""Furigana in the Aozora Bunko notation teachers already know: 漢字《かんじ》, or ｜基準《きじゅん》 to mark the base.

Shared by every plug-in that writes for children or for families learning Japanese (lessons, notices).

On screen it becomes ``<ruby>``; in a PDF (xhtml2pdf cannot draw ruby) the reading follows in parentheses.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Either an explicit base after ｜ (or |), or the run of kanji (with 々〆ヶ) just before 《.
_RUBY = re.compile(
    r"(?:[｜|](?P<base>[^｜|《》<>]{1,20})|(?P<kanji>[\u4e00-\u9fff\u3400-\u4dbf々〆ヶ]{1,20}))《(?P<reading>[^《》<>]{1,40})》"
)


def _base(match: re.Match) -> str:
    return match.group("base") or match.group("kanji")


def ruby_html(html: str) -> SafeString:
    """Furigana markup in already-safe HTML (rich text output) turned into ``<ruby>`` elements."""
    return mark_safe(  # noqa: S308 - base and reading exclude < and >, and come from safe HTML
        _RUBY.sub(lambda m: f"<ruby>{_base(m)}<rp>(</rp><rt>{m.group('reading')}</rt><rp>)</rp></ruby>", str(html))
    )


def ruby_text(text: str) -> SafeString:
    """Plain text with furigana markup, escaped, then turned into ``<ruby>`` elements."""
    return ruby_html(escape(text))


def parenthesised(text: str) -> str:
    """The PDF form: 漢字《かんじ》 becomes 漢字(かんじ)."""
    return _RUBY.sub(lambda m: f"{_base(m)}({m.group('reading')})", str(text))


def plain(text: str) -> str:
    """Without readings at all (for search and for answer comparison)."""
    return _RUBY.sub(lambda m: _base(m), str(text))
