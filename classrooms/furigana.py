"""Furigana lives in the core now (``school_portal.core.furigana``), shared with the other plug-ins."""

from school_portal.core.furigana import parenthesised, plain, ruby_html, ruby_text

__all__ = ["parenthesised", "plain", "ruby_html", "ruby_text"]
