"""Labels a child reads on the tablet, with furigana: the subject of a lesson and where their work stands.

The readings live in the Japanese translation, in the notation teachers already use (算数《さんすう》), and become
``<ruby>`` on screen; the English texts carry none. The staff's labels (the model choices) stay as they are.
"""

from __future__ import annotations

from functools import lru_cache

from django.utils.safestring import SafeString
from django.utils.translation import get_language, pgettext_lazy

from school_portal.core import furigana

from .models import AnswerSheet, Subject

SUBJECTS = {
    Subject.JAPANESE: pgettext_lazy("for children, with furigana", "Japanese"),
    Subject.MATHS: pgettext_lazy("for children, with furigana", "Mathematics"),
    Subject.SCIENCE: pgettext_lazy("for children, with furigana", "Science"),
    Subject.SOCIAL: pgettext_lazy("for children, with furigana", "Social studies"),
    Subject.LIFE: pgettext_lazy("for children, with furigana", "Life environment studies"),
    Subject.ENGLISH: pgettext_lazy("for children, with furigana", "English"),
    Subject.MUSIC: pgettext_lazy("for children, with furigana", "Music"),
    Subject.ART: pgettext_lazy("for children, with furigana", "Arts and crafts"),
    Subject.PE: pgettext_lazy("for children, with furigana", "Physical education"),
    Subject.HOME: pgettext_lazy("for children, with furigana", "Home economics"),
    Subject.MORAL: pgettext_lazy("for children, with furigana", "Moral education"),
    Subject.INTEGRATED: pgettext_lazy("for children, with furigana", "Integrated studies"),
    Subject.PROGRAMMING: pgettext_lazy("for children, with furigana", "Programming"),
}

STATUSES = {
    AnswerSheet.Status.IN_PROGRESS: pgettext_lazy("for children, with furigana", "Started"),
    AnswerSheet.Status.SUBMITTED: pgettext_lazy("for children, with furigana", "Handed in"),
    AnswerSheet.Status.RETURNED: pgettext_lazy("for children, with furigana", "Please correct it"),
    AnswerSheet.Status.REVIEWED: pgettext_lazy("for children, with furigana", "Checked"),
}
NOT_STARTED = pgettext_lazy("for children, with furigana", "Not started")


def subject_label(subject: str) -> SafeString:
    return _subject_label(subject, get_language())


def status_label(status: str | None) -> SafeString:
    """Where a child's work stands; ``None`` (no sheet yet) is "not started"."""
    return _status_label(status, get_language())


# Each label once per process and language (the language names the translation it is rendered in): a child's day
# shows two per tile, and making their furigana markup on every request was ~3 % of that page's instructions.
@lru_cache(maxsize=256)
def _subject_label(subject: str, language: str | None) -> SafeString:
    return furigana.ruby_text(str(SUBJECTS.get(subject, "")))


@lru_cache(maxsize=256)
def _status_label(status: str | None, language: str | None) -> SafeString:
    return furigana.ruby_text(str(STATUSES.get(status, NOT_STARTED) if status else NOT_STARTED))
