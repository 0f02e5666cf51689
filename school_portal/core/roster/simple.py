"""The school CSV / Excel roster: one row per student, for the school chosen on the upload form.

Columns (the first row names them; order does not matter; English or Japanese names):

========================  =============  ========================================
column                    Japanese       content
========================  =============  ========================================
student_id (required)     学籍番号       the student's ID, unique in the city
family_name (required)    姓             e.g. 山田
given_name (required)     名             e.g. 花子
family_name_kana          姓かな         e.g. やまだ (a column that is absent leaves stored kana as they are)
given_name_kana           名かな         e.g. はなこ
full_name                 氏名           instead of 姓 and 名: 山田 花子 (split at the first space)
full_name_kana            氏名かな       instead of 姓かな and 名かな: やまだ はなこ
grade (required)          学年           1-6 (elementary) or 1-3 (junior high)
class (required)          組             e.g. 2 (for 3年2組)
number                    出席番号       attendance number, unique in its class
school_year               年度           e.g. 2026 (default: the current school year)
========================  =============  ========================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from ..models import School
from .fields import check_id, check_names, parse_class_name, parse_grade, parse_number
from .readers import Row
from .records import ClassKey, Roster, StudentRecord

REQUIRED = ("student_id", "grade", "class")
NAME_COLUMNS = ("family_name", "given_name")  # or both in one column: full_name
OPTIONAL = ("family_name_kana", "given_name_kana", "full_name", "full_name_kana", "number", "school_year")
JAPANESE = {
    "student_id": "学籍番号",
    "family_name": "姓",
    "given_name": "名",
    "family_name_kana": "姓かな",
    "given_name_kana": "名かな",
    "grade": "学年",
    "class": "組",
    "number": "出席番号",
    "school_year": "年度",
    "full_name": "氏名",
    "full_name_kana": "氏名かな",
}
TEMPLATE_COLUMNS = [
    JAPANESE[c]
    for c in (
        "student_id",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "grade",
        "class",
        "number",
        "school_year",
    )
]
ALIASES = {
    **{japanese: column for column, japanese in JAPANESE.items()},
    "児童生徒id": "student_id",
    "姓カナ": "family_name_kana",
    "せい": "family_name_kana",
    "セイ": "family_name_kana",
    "名カナ": "given_name_kana",
    "めい": "given_name_kana",
    "メイ": "given_name_kana",
    "番号": "number",
    "氏名カナ": "full_name_kana",
    "ふりがな": "full_name_kana",
    "フリガナ": "full_name_kana",
}


def canonical(column: str) -> str:
    return ALIASES.get(column, column)


def column_label(column: str) -> str:
    """A column as an office reads it: 学年 (grade)."""
    return f"{JAPANESE[column]} ({column})"


def _missing_columns(names: list[str]) -> str | None:
    missing = [c for c in REQUIRED if c not in names]
    names_missing = "full_name" not in names and not all(c in names for c in NAME_COLUMNS)
    if names_missing:
        missing[1:1] = [c for c in NAME_COLUMNS if c not in names]
    if not missing:
        return None
    message = _("Missing columns: %(columns)s.") % {"columns": ", ".join(column_label(c) for c in missing)}
    if names_missing:
        message += " " + _("Family and given name may also share one column, 氏名, separated by a space (山田 太郎).")
    return message


def _split_name(value: str, column: str) -> tuple[str, str, str | None]:
    """氏名 ``山田 太郎`` -> (山田, 太郎); split at the first space (cells are normalised: full-width is a space)."""
    family, _space, given = value.partition(" ")
    if value and not given:
        return (
            "",
            "",
            _("The %(column)s “%(name)s” needs a space between the family name and the given name.")
            % {
                "column": JAPANESE[column],
                "name": value,
            },
        )
    return family, given.strip(), None


def _names(row: dict[str, str], names: list[str]) -> tuple[list[str | None], list[str | None]]:
    """(family, given, family kana, given kana) and the problems found; kana is None when no column gives it."""
    problems: list[str | None] = []
    if all(c in names for c in NAME_COLUMNS):
        family, given = row.get("family_name", ""), row.get("given_name", "")
    else:
        family, given, problem = _split_name(row.get("full_name", ""), "full_name")
        problems.append(problem)
    family_kana: str | None = None
    given_kana: str | None = None
    if "family_name_kana" in names or "given_name_kana" in names:
        if "family_name_kana" in names:
            family_kana = row.get("family_name_kana", "")
        if "given_name_kana" in names:
            given_kana = row.get("given_name_kana", "")
    elif "full_name_kana" in names:
        family_kana, given_kana, problem = _split_name(row.get("full_name_kana", ""), "full_name_kana")
        problems.append(problem)
    return [family, given, family_kana, given_kana], problems


def read_simple(columns: list[str], rows: Iterable[Row], *, file: str, school: School, default_year: int) -> Roster:
    """Students of ``school`` from the rows; every problem is recorded with its line, nothing is raised."""
    roster = Roster()
    names = [canonical(c) for c in columns]
    missing = _missing_columns(names)
    if missing:
        roster.error(file, 1, missing)
        return roster
    for line, raw in rows:
        row = {canonical(k): v for k, v in raw.items()}
        sourced_id = row.get("student_id", "")
        problems = [check_id(sourced_id)]
        (family, given, family_kana, given_kana), name_problems = _names(row, names)
        problems.extend(name_problems)
        if not any(name_problems):
            problems.append(check_names(family, given, family_kana or "", given_kana or ""))
        grade, problem = parse_grade(row.get("grade", ""), school)
        problems.append(problem)
        class_name, problem = parse_class_name(row.get("class", ""))
        problems.append(problem)
        number, problem = parse_number(row.get("number", ""))
        problems.append(problem)
        year = default_year
        if row.get("school_year"):
            match = re.fullmatch(r"([0-9]{4})(?:年度)?", row["school_year"])
            if match and 2000 <= int(match.group(1)) <= 2100:
                year = int(match.group(1))
            else:
                problems.append(
                    _("The school year “%(year)s” is not a year such as 2026.") % {"year": row["school_year"]}
                )
        problems = [p for p in problems if p]
        for problem in problems:
            roster.error(file, line, problem)
        if problems:
            continue
        roster.students.append(
            StudentRecord(
                file=file,
                line=line,
                sourced_id=sourced_id,
                family_name=family,
                given_name=given,
                family_name_kana=family_kana,
                given_name_kana=given_kana,
                school=school,
                class_key=ClassKey(school_id=school.pk, start_year=year, grade=grade, name=class_name),
                number=number,
                has_number="number" in names,
            )
        )
    return roster
