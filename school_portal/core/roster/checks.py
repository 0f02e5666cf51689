"""Checks of a whole roster against itself and the database, before anything is written."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from .. import services
from ..models import School, Student, User
from .records import Roster


def check_roster(roster: Roster, *, school: School | None) -> None:
    """Add to ``roster.errors`` every duplicate and every clash with existing accounts. Reads only."""
    seen: dict[str, int] = {}
    for record in roster.students:
        key = record.sourced_id.lower()
        if key in seen:
            roster.error(
                record.file,
                record.line,
                _("The student ID “%(id)s” appears twice (also on line %(line)s).")
                % {"id": record.sourced_id, "line": seen[key]},
            )
        seen.setdefault(key, record.line)

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

    usernames: dict[str, int] = {}
    for teacher in roster.teachers:
        key = teacher.username.lower()
        if key in usernames:
            roster.error(
                teacher.file,
                teacher.line,
                _("The username “%(name)s” appears twice (also on line %(line)s).")
                % {"name": teacher.username, "line": usernames[key]},
            )
        usernames.setdefault(key, teacher.line)
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
