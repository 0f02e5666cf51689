"""One normalisation of every cell, and checks of single values, shared by the school CSV and OneRoster readers."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from ..models import School

ID_PATTERN = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")
NAME_MAX = 50

# CJK compatibility ideographs (U+F900-U+FAFF, U+2F800-U+2FA1F) are kept as written: NFKC would replace them
# with their unified twins (塚 U+FA10 -> 塚 U+585A), and a child's name is registered with the character it has.
_COMPATIBILITY_IDEOGRAPHS = re.compile(r"([\uF900-\uFAFF\U0002F800-\U0002FA1F]+)")
_SPACES = re.compile(r"\s+")


def normalise(value: str) -> str:
    """A cell as the portal stores it: NFKC (２ -> 2, ｶﾀｶﾅ -> カタカナ, ① -> 1, full-width space -> space), runs
    of white space as one space, trimmed. Every cell of every roster file goes through this one function."""
    if not value:
        return ""
    parts = _COMPATIBILITY_IDEOGRAPHS.split(value)
    text = "".join(part if i % 2 else unicodedata.normalize("NFKC", part) for i, part in enumerate(parts))
    return _SPACES.sub(" ", text).strip()


def check_id(value: str) -> str | None:
    if not value:
        return _("The ID is empty.")
    if not ID_PATTERN.match(value):
        return _("The ID “%(id)s” may use only letters, digits and . _ @ + - (at most 64).") % {"id": value}
    return None


def check_names(family: str, given: str, family_kana: str = "", given_kana: str = "") -> str | None:
    if not family or not given:
        return _("The family name and the given name must both be filled in.")
    if max(len(family), len(given), len(family_kana), len(given_kana)) > NAME_MAX:
        return _("A name is longer than %(count)s characters.") % {"count": NAME_MAX}
    return None


def parse_grade(value: str, school: School) -> tuple[int | None, str | None]:
    """The grade as a number; Japan-profile codes such as P3 or J1 and zero-padded 03 are understood."""
    match = re.fullmatch(r"[PpJjEe]?0*([0-9]{1,2})(年)?", value.strip())
    if not match:
        return None, _("The grade “%(grade)s” is not a number.") % {"grade": value}
    grade = int(match.group(1))
    if not 1 <= grade <= school.max_grade:
        return None, _("Grade %(grade)s does not exist at %(school)s (grades 1 to %(max)s).") % {
            "grade": grade,
            "school": school.name,
            "max": school.max_grade,
        }
    return grade, None


def parse_number(value: str) -> tuple[int | None, str | None]:
    if not value:
        return None, None
    if not re.fullmatch(r"[0-9]{1,3}", value) or not 1 <= int(value) <= 999:
        return None, _("The attendance number “%(number)s” is not a number from 1 to 999.") % {"number": value}
    return int(value), None


def parse_class_name(value: str) -> tuple[str | None, str | None]:
    """The class name of 3年2組 is 2; a plain "2" or "A" is kept as it is."""
    name = value.strip()
    match = re.fullmatch(r"(?:[0-9]+年)?(.+?)組?", name)
    if match:
        name = match.group(1)
    if not name:
        return None, _("The class is empty.")
    if len(name) > 20:
        return None, _("The class “%(name)s” is longer than 20 characters.") % {"name": value}
    return name, None
