"""Reads that matter. Each runs a fixed number of queries whatever the number of children, classes or schools."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .access import Actor, policy
from .models import ClassGroup, Enrollment, GuardianInvitation, GuardianLink, School, SchoolYear, Student
from .prepared import PreparedQuery

# The order children are listed in everywhere (rosters, review grids, assign forms): class, 出席番号, then the
# kana of the name; pk last so that equal names keep one order.
ROSTER_ORDER = (
    "class_group__grade",
    "class_group__name",
    "number",
    "student__family_name_kana",
    "student__given_name_kana",
    "student_id",
)


# The city of each school, kept in the process: read by every family on the storm morning (a city-wide notice's
# audience check), changed never in practice. A school not in the copy, or a copy older than this, reads afresh.
SCHOOL_CITIES_SECONDS = 300.0
_school_cities: dict[int, int] = {}
_school_cities_read_at: float | None = None  # None: read afresh (not 0.0: the clock starts at boot)
_school_cities_lock = threading.Lock()


def school_cities(school_ids: Iterable[int]) -> set[int]:
    """The cities of ``school_ids`` (one query at most every ``SCHOOL_CITIES_SECONDS`` per process, or when a
    school is new to the process)."""
    global _school_cities, _school_cities_read_at
    wanted = set(school_ids)
    with _school_cities_lock:
        read_at = _school_cities_read_at
        stale = read_at is None or time.monotonic() - read_at > SCHOOL_CITIES_SECONDS
        if stale or not wanted <= _school_cities.keys():
            _school_cities = dict(School.objects.values_list("pk", "city_id"))
            _school_cities_read_at = time.monotonic()
        return {_school_cities[pk] for pk in wanted if pk in _school_cities}


def school_cities_forget(**_signal: object) -> None:
    """Read the schools' cities afresh on the next question (a school saved or deleted in this process)."""
    global _school_cities_read_at
    with _school_cities_lock:
        _school_cities_read_at = None


post_save.connect(school_cities_forget, sender=School, dispatch_uid="core.selectors.school_cities.saved")
post_delete.connect(school_cities_forget, sender=School, dispatch_uid="core.selectors.school_cities.deleted")


def enrollments_in_roster_order(enrollments: QuerySet) -> QuerySet:
    """Enrollments in the roster order."""
    return enrollments.order_by(*ROSTER_ORDER)


def students_in_roster_order(students: QuerySet) -> QuerySet:
    """Students in the roster order, by their enrollment in the classes ``students`` was filtered on.

    Filter the students through ``enrollments__...`` first: the ordering then reuses that join, so each
    child is ordered by the enrollment that put them in the list.
    """
    return students.order_by(*[_as_student_field(field) for field in ROSTER_ORDER])


def _as_student_field(field: str) -> str:
    if field == "student_id":
        return "pk"
    if field.startswith("student__"):
        return field.removeprefix("student__")
    return f"enrollments__{field}"


def current_enrollments(day: datetime.date | None = None) -> QuerySet:
    """Enrollments of the school year running on ``day`` (today), with their class and its school."""
    return Enrollment.objects.filter(school_year__in=SchoolYear.objects.active(day)).select_related(
        "class_group", "class_group__school"
    )


def students_with_current_class(queryset: QuerySet) -> QuerySet:
    """Students with their school and their current enrollment(s) prefetched as ``current``."""
    return queryset.select_related("school", "user").prefetch_related(
        Prefetch("enrollments", queryset=current_enrollments(), to_attr="current")
    )


# A guardian's children with their schools, through the Student rule, and their current classes: on every page
# of a guardian's dashboard, compiled once per shape (core.prepared).
_children_in_view = PreparedQuery(
    Student,
    lambda ids, **reach: (
        policy.scope_query("view", Student.objects.filter(pk__in=ids), **reach)
        .select_related("school", "user")
        .order_by("school__kind", "-pk")
    ),
)
_current_enrollments_of = PreparedQuery(
    Enrollment, lambda student_ids, day: current_enrollments(day).filter(student_id__in=student_ids)
)


def _with_current_classes(students: list[Student]) -> list[Student]:
    """Each student's enrollments of this school year (with class and school) as ``current``, as
    ``students_with_current_class``'s prefetch gives them: one query, from SQL compiled once."""
    current: dict[int, list[Enrollment]] = {student.pk: [] for student in students}
    if students:
        for enrollment in _current_enrollments_of.all(student_ids=list(current), day=timezone.localdate()):
            current[enrollment.student_id].append(enrollment)
    for student in students:
        student.current = current[student.pk]
    return students


def guardian_children(actor: Actor) -> list[Student]:
    """A guardian's children, across schools, each with school, user and current classes (``current``), as
    ``students_with_current_class`` gives them: two queries, from SQL compiled once."""
    reach = policy.scope_values(actor, "view", Student)
    if reach is None or not actor.children_ids:
        return []
    return _with_current_classes(_children_in_view.all(ids=list(actor.children_ids), **reach))


def teacher_classes(actor: Actor) -> list[ClassGroup]:
    """The classes a teacher teaches this year (or, for a school admin, all the school's), with head counts."""
    visible = policy.scope(actor, "view_roster", ClassGroup.objects.all())
    return list(
        visible.filter(Q(school_year__in=SchoolYear.objects.active().values("id")))
        .select_related("school")
        .annotate(student_count=Count("enrollments"))
        .order_by("school__name", "grade", "name")
    )


# A child's own record and current class, on the child's every page: compiled once (core.prepared).
_student_by_pk = PreparedQuery(Student, lambda pk: Student.objects.filter(pk=pk).select_related("school", "user"))


def student_self(actor: Actor) -> Student | None:
    """The child's own record as ``students_with_current_class`` gives it (school, user, ``current``): two
    queries, from SQL compiled once."""
    if not actor.student_id:
        return None
    found = _with_current_classes(_student_by_pk.all(pk=actor.student_id))
    return found[0] if found else None


def class_roster(class_group: ClassGroup) -> list[Enrollment]:
    """The roster of a class the caller was allowed to see (the view asked the policy)."""
    return list(enrollments_in_roster_order(class_group.enrollments.select_related("student")))


def class_outstanding_invitations(class_group: ClassGroup) -> list[GuardianInvitation]:
    """Invitation codes printed for the class's children and still usable (not used, cancelled or expired),
    in roster order, each with ``number`` (出席番号): one query. The view asked the policy for the class."""
    number = Enrollment.objects.filter(student=OuterRef("student"), class_group=class_group).values("number")[:1]
    return list(
        GuardianInvitation.objects.filter(
            student__in=Enrollment.objects.filter(class_group=class_group).values("student"),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("student")
        .annotate(number=Subquery(number))
        .order_by("number", "student__family_name_kana", "student__given_name_kana", "student_id", "created_at")
    )


def student_guardian_links(student: Student) -> list[GuardianLink]:
    return list(student.guardian_links.select_related("guardian__user"))


# --- the city's schools ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ward:
    """A ward of the city, as ``School.ward`` names it, with the number of its schools of each kind."""

    name: str
    elementary: int
    junior_high: int

    @property
    def schools(self) -> int:
        return self.elementary + self.junior_high


def city_wards() -> list[Ward]:
    """The wards that have schools, by name, with their counts: one query, whatever the number of schools."""
    rows = (
        School.objects.order_by()
        .values("ward")
        .annotate(
            elementary=Count("pk", filter=Q(kind=School.Kind.ELEMENTARY)),
            junior_high=Count("pk", filter=Q(kind=School.Kind.JUNIOR_HIGH)),
        )
        .order_by("ward")
    )
    return [Ward(row["ward"], row["elementary"], row["junior_high"]) for row in rows]


def schools_find(*, name: str = "", ward: str = "", kind: str = "") -> QuerySet:
    """Schools whose Japanese or English name contains ``name``, in ``ward``, of ``kind`` (blank: any), with their
    sites, by ward, kind and name. One query (two with a paginator's count)."""
    schools = School.objects.select_related("site")
    if name:
        schools = schools.filter(Q(name__icontains=name) | Q(name_en__icontains=name))
    if ward:
        schools = schools.filter(ward=ward)
    if kind:
        schools = schools.filter(kind=kind)
    return schools.order_by("ward", "kind", "name", "pk")
