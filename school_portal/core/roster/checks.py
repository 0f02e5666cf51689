"""Checks of a whole roster against itself and the database, before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from .. import services
from ..models import Enrollment, School, Student, User
from .records import ClassKey, Roster, StudentRecord


def _report_repeats(
    roster: Roster, records: list[Any], key: Callable[[Any], str], message: Callable[[Any, int], str]
) -> None:
    """An error on every record whose key (case-insensitive) an earlier line already used."""
    first_line: dict[str, int] = {}
    for record in records:
        normalised = key(record).lower()
        if normalised in first_line:
            roster.error(record.file, record.line, message(record, first_line[normalised]))
        first_line.setdefault(normalised, record.line)


def class_label(key: ClassKey) -> str:
    return _("%(grade)s年%(name)s組") % {"grade": key.grade, "name": key.name}


def _class_of(key: ClassKey) -> tuple[int, int, int, str]:
    return (key.school_id, key.start_year, key.grade, key.name)


def _check_attendance_numbers(roster: Roster) -> None:
    """One attendance number (出席番号) per child in a class: within the file, and against the children already
    in the class who are not in the file (those in it take the number and class the file gives them)."""
    numbered: list[StudentRecord] = [r for r in roster.students if r.has_number and r.number is not None]
    first: dict[tuple, StudentRecord] = {}
    for record in numbered:
        key = (_class_of(record.class_key), record.number)
        earlier = first.get(key)
        if earlier is not None and earlier.sourced_id != record.sourced_id:
            roster.error(
                record.file,
                record.line,
                _("The attendance number %(number)s appears twice in %(class)s (also on line %(line)s).")
                % {"number": record.number, "class": class_label(record.class_key), "line": earlier.line},
            )
        first.setdefault(key, record)
    if not first:
        return
    in_file = {r.sourced_id for r in roster.students}
    taken = Enrollment.objects.filter(
        class_group__school_id__in={k[0][0] for k in first},
        class_group__school_year__start_year__in={k[0][1] for k in first},
        number__isnull=False,
        student__is_active=True,
    ).values_list(
        "class_group__school_id",
        "class_group__school_year__start_year",
        "class_group__grade",
        "class_group__name",
        "number",
        "student__sourced_id",
    )
    for school_id, year, grade, name, number, sourced_id in taken:
        record = first.get(((school_id, year, grade, name), number))
        if record is not None and sourced_id not in in_file:
            roster.error(
                record.file,
                record.line,
                _(
                    "The attendance number %(number)s in %(class)s already belongs to the student “%(id)s”, "
                    "who is not in this file."
                )
                % {"number": number, "class": class_label(record.class_key), "id": sourced_id},
            )


def check_roster(roster: Roster, *, school: School | None) -> None:
    """Add to ``roster.errors`` every duplicate and every clash with existing accounts. Reads only."""
    _report_repeats(
        roster,
        roster.students,
        lambda r: r.sourced_id,
        lambda r, first: (
            _("The student ID “%(id)s” appears twice (also on line %(line)s).") % {"id": r.sourced_id, "line": first}
        ),
    )

    existing = {
        s.sourced_id: s
        for s in Student.objects.filter(sourced_id__in=[r.sourced_id for r in roster.students]).select_related(
            "school", "user"
        )
    }
    wanted_usernames = {
        services.student_username(r.sourced_id): r for r in roster.students if r.sourced_id not in existing
    }
    taken = set(User.objects.filter(username__in=list(wanted_usernames)).values_list("username", flat=True))
    for record in roster.students:
        student = existing.get(record.sourced_id)
        if student is not None and school is not None and student.school_id != school.pk:
            roster.error(
                record.file,
                record.line,
                _(
                    "The student ID “%(id)s” belongs to a student of %(other)s. "
                    "A move between schools is imported by the education centre."
                )
                % {"id": record.sourced_id, "other": student.school.name},
            )
        if student is None and services.student_username(record.sourced_id) in taken:
            roster.error(
                record.file,
                record.line,
                _("The student ID “%(id)s” clashes with an existing account.") % {"id": record.sourced_id},
            )
    _check_attendance_numbers(roster)

    _report_repeats(
        roster,
        roster.teachers,
        lambda t: t.username,
        lambda t, first: (
            _("The username “%(name)s” appears twice (also on line %(line)s).") % {"name": t.username, "line": first}
        ),
    )
    not_staff = set(
        User.objects.filter(username__in=[t.username for t in roster.teachers])
        .filter(Q(student__isnull=False) | Q(guardian__isnull=False) | Q(partner_teacher__isnull=False))
        .values_list("username", flat=True)
    )
    for teacher in roster.teachers:
        if teacher.username in not_staff:
            roster.error(
                teacher.file,
                teacher.line,
                _("The username “%(name)s” belongs to a student, guardian or partner account.")
                % {"name": teacher.username},
            )
