"""The school CSV / Excel roster: one row per student, for the school chosen on the upload form.

Columns (the first row names them; order does not matter; English or Japanese names):

========================  =============  ========================================
column                    Japanese       content
========================  =============  ========================================
student_id (required)     学籍番号       the student's ID, unique in the city
family_name (required)    姓             e.g. 山田
given_name (required)     名             e.g. 花子
family_name_kana          姓かな         e.g. やまだ
given_name_kana           名かな         e.g. はなこ
grade (required)          学年           1-6 (elementary) or 1-3 (junior high)
class (required)          組             e.g. 2 (for 3年2組)
number                    出席番号       attendance number
school_year               年度           e.g. 2026 (default: the current school year)
========================  =============  ========================================
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from ..models import School
from .fields import check_id, check_names, parse_class_name, parse_grade, parse_number
from .readers import Row
from .records import ClassKey, Roster, StudentRecord

REQUIRED = ("student_id", "family_name", "given_name", "grade", "class")
OPTIONAL = ("family_name_kana", "given_name_kana", "number", "school_year")
ALIASES = {
    "学籍番号": "student_id",
    "児童生徒id": "student_id",
    "姓": "family_name",
    "名": "given_name",
    "姓かな": "family_name_kana",
    "せい": "family_name_kana",
    "名かな": "given_name_kana",
    "めい": "given_name_kana",
    "学年": "grade",
    "組": "class",
    "出席番号": "number",
    "番号": "number",
    "年度": "school_year",
}


def canonical(column: str) -> str:
    return ALIASES.get(column, column)


def read_simple(columns: list[str], rows: Iterable[Row], *, file: str, school: School, default_year: int) -> Roster:
    """Students of ``school`` from the rows; every problem is recorded with its line, nothing is raised."""
    roster = Roster()
    names = [canonical(c) for c in columns]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        roster.error(file, 1, _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        return roster
    for line, raw in rows:
        row = {canonical(k): v for k, v in raw.items()}
        problems = []
        sourced_id = row.get("student_id", "")
        problems.append(check_id(sourced_id))
        problems.append(
            check_names(
                row.get("family_name", ""),
                row.get("given_name", ""),
                row.get("family_name_kana", ""),
                row.get("given_name_kana", ""),
            )
        )
        grade, problem = parse_grade(row.get("grade", ""), school)
        problems.append(problem)
        class_name, problem = parse_class_name(row.get("class", ""))
        problems.append(problem)
        number, problem = parse_number(row.get("number", ""))
        problems.append(problem)
        year = default_year
        if row.get("school_year"):
            if row["school_year"].isdigit() and 2000 <= int(row["school_year"]) <= 2100:
                year = int(row["school_year"])
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
                family_name=row["family_name"],
                given_name=row["given_name"],
                family_name_kana=row.get("family_name_kana", ""),
                given_name_kana=row.get("given_name_kana", ""),
                school=school,
                class_key=ClassKey(school_id=school.pk, start_year=year, grade=grade, name=class_name),
                number=number,
            )
        )
    return roster
