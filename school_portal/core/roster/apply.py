"""Write a checked roster: students, their accounts and classes, teachers and what they teach.

Idempotent: a record that matches the database is counted as unchanged and not written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import services
from ..models import ClassGroup, Enrollment, Role, RoleAssignment, School, SchoolYear, Student, Teaching, User
from .records import ClassKey, Roster, StudentRecord, TeacherRecord

PROGRESS_EVERY = 100


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


class _Classes:
    """ClassKey -> ClassGroup, made on first use (school years too)."""

    def __init__(self, schools: dict[int, School]) -> None:
        self.schools = schools
        self.years: dict[tuple[int, int], SchoolYear] = {}
        self.groups: dict[ClassKey, ClassGroup] = {}

    def get(self, key: ClassKey) -> ClassGroup:
        group = self.groups.get(key)
        if group is None:
            school = self.schools[key.school_id]
            year_key = (school.city_id, key.start_year)
            if year_key not in self.years:
                self.years[year_key] = services.school_year_ensure(city=school.city, start_year=key.start_year)
            group = services.class_group_ensure(
                school=school, school_year=self.years[year_key], grade=key.grade, name=key.name
            )
            if key.sourced_id and group.sourced_id != key.sourced_id:
                group.sourced_id = key.sourced_id
                group.save(update_fields=["sourced_id"])
            self.groups[key] = group
        return group


def _changed(obj: object, values: dict) -> list[str]:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def _apply_student(record: StudentRecord, existing: Student | None, classes: _Classes) -> str:
    group = classes.get(record.class_key)
    values = {
        "school_id": record.school.pk,
        "family_name": record.family_name,
        "given_name": record.given_name,
        "is_active": True,
    }
    # A column that is absent (None) leaves what is stored; a new student gets an empty value.
    for name in ("family_name_kana", "given_name_kana"):
        value = getattr(record, name)
        if value is not None or existing is None:
            values[name] = value or ""
    if existing is None:
        user = User(username=services.student_username(record.sourced_id), display_name=record.given_name)
        user.set_unusable_password()
        user.save()
        student = Student.objects.create(user=user, sourced_id=record.sourced_id, **values)
        Enrollment.objects.create(student=student, class_group=group, number=record.number)
        return "created"
    outcome = "unchanged"
    if _changed(existing, values):
        existing.save(update_fields=list(values))
        outcome = "updated"
    if existing.user.display_name != record.given_name:
        existing.user.display_name = record.given_name
        existing.user.save(update_fields=["display_name"])
        outcome = "updated"
    enrollment = Enrollment.objects.filter(student=existing, school_year_id=group.school_year_id).first()
    if enrollment is None:
        Enrollment.objects.create(student=existing, class_group=group, number=record.number)
        outcome = "updated"
    else:
        wanted = {"class_group_id": group.pk}
        if record.has_number:
            wanted["number"] = record.number
        if _changed(enrollment, wanted):
            enrollment.save()
            outcome = "updated"
    return outcome


def _apply_teacher(record: TeacherRecord, classes: _Classes) -> str:
    values = {
        "first_name": record.given_name[:150],
        "last_name": record.family_name[:150],
        "display_name": f"{record.family_name} {record.given_name}"[:100],
        "email": record.email[:254],
    }
    user = User.objects.filter(username=record.username).first()
    outcome = "unchanged"
    if user is None:
        user = User(username=record.username, **values)
        user.set_unusable_password()
        user.save()
        outcome = "created"
    elif _changed(user, values):
        user.save(update_fields=list(values))
        outcome = "updated"
    for school in record.schools.values():
        if not RoleAssignment.objects.filter(user=user, role=Role.TEACHER, school=school).exists():
            services.role_assign(user=user, role=Role.TEACHER, school=school)
            outcome = "updated" if outcome == "unchanged" else outcome
    for key, is_homeroom in record.classes.items():
        teaching, created = Teaching.objects.get_or_create(
            teacher=user, class_group=classes.get(key), defaults={"is_homeroom": is_homeroom}
        )
        changed = created
        if not created and teaching.is_homeroom != is_homeroom:
            teaching.is_homeroom = is_homeroom
            teaching.save(update_fields=["is_homeroom"])
            changed = True
        if changed and outcome == "unchanged":
            outcome = "updated"
    return outcome


def apply_roster(roster: Roster, *, progress: Callable[[int], None]) -> Counts:
    """Write every record of a roster that passed its checks; ``progress(n)`` is called every few records."""
    schools = {r.school.pk: r.school for r in roster.students}
    for teacher in roster.teachers:
        schools.update(teacher.schools)
    schools = {s.pk: s for s in School.objects.filter(pk__in=schools).select_related("city")}
    classes = _Classes(schools)
    existing = {
        s.sourced_id: s
        for s in Student.objects.filter(sourced_id__in=[r.sourced_id for r in roster.students]).select_related("user")
    }
    for school_id, sourced_id in roster.school_sourced_ids.items():  # the org IDs the bundle gives our schools
        School.objects.filter(oneroster_sourced_id=sourced_id).exclude(pk=school_id).update(oneroster_sourced_id="")
        School.objects.filter(pk=school_id).exclude(oneroster_sourced_id=sourced_id).update(
            oneroster_sourced_id=sourced_id
        )
    counts = Counts()
    done = 0
    for record in roster.students:
        counts.add(_apply_student(record, existing.get(record.sourced_id), classes))
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done)
    for teacher in roster.teachers:
        counts.add(_apply_teacher(teacher, classes))
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done)
    progress(done)
    return counts
