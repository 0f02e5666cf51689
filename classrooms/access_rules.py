"""The classrooms plug-in's rules and capabilities in the core's one access policy (registered from
ClassroomsConfig.ready()).

- A student works on the assignments given to their class (or to them), once open, and sees only their own sheet.
- The teachers of the assigned classes and the school's administrators review the assignment; each sheet only
  by a teacher of the child's own class (an assignment may cover several classes) or the school's administrators.
- A guardian sees their own child's sheet and feedback.
- Lessons are seen and printed by the staff of their school; lessons of the shared library by every teacher and
  by education-centre staff; a teacher copies a library lesson into their own school.
- Capabilities: ``classrooms.plan_lessons`` (the teachers' home: the schools' teachers and administrators, the
  centre's staff), ``classrooms.do_lessons`` (a child's own list of lessons), ``classrooms.use`` (either: the
  header link), ``classrooms.use_library`` (the shared library: every teacher and the centre's staff).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from school_portal.core.access import Actor, PreparedScope, policy, reach_scope
from school_portal.core.models import Enrollment, School

from .models import AnswerSheet, Assignment, LessonLibraryPage, LessonPage


def lesson_school_id(lesson: LessonPage) -> int | None:
    """The school whose tree holds the lesson (its SchoolHomePage is an ancestor: under the root, or under its
    ward's folder), or None. One query, on the pages' unique path."""
    ancestors = [lesson.path[: lesson.steplen * depth] for depth in range(2, lesson.depth)]
    return School.objects.filter(home_page__path__in=ancestors).values_list("id", flat=True).first()


def lesson_in_library(lesson: LessonPage) -> bool:
    return LessonLibraryPage.objects.filter(path=lesson.path[: -lesson.steplen]).exists()


def _may_work(actor: Actor, assignment: Assignment) -> bool:
    return _work_scope(actor, Assignment.objects.filter(pk=assignment.pk)).exists()  # one rule, one query


def _work_values(actor: Actor) -> dict | None:
    if not actor.student_id or not actor.own_class_ids:
        return None
    return {"student_id": actor.student_id, "class_ids": actor.own_class_ids, "now": timezone.now()}


def _work_query(qs: QuerySet, *, student_id: int, class_ids: set[int], now: datetime.datetime) -> QuerySet:
    """Open assignments given to one of the child's classes, to all its children or to this child by name."""
    given_to_class = Assignment.class_groups.through.objects.filter(
        assignment_id=OuterRef("pk"), classgroup_id__in=class_ids
    )
    named = Assignment.students.through.objects.filter(assignment_id=OuterRef("pk"))
    return qs.filter(
        Exists(given_to_class),
        ~Exists(named) | Exists(named.filter(student_id=student_id)),
        opens_at__lte=now,
    )


# Compiled once per shape: the autosave of every tablet fetches its assignment through it (core.prepared).
_work_scope = PreparedScope(values=_work_values, query=_work_query)


def _may_review(actor: Actor, assignment: Assignment) -> bool:
    if assignment.school_id in actor.admin_school_ids:
        return True
    return assignment.class_groups.filter(pk__in=actor.taught_class_ids).exists()


def _review_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs.filter(Q(class_groups__in=actor.taught_class_ids) | Q(school_id__in=actor.admin_school_ids)).distinct()


def _reviews_child(actor: Actor, sheet: AnswerSheet) -> bool:
    """The child of ``sheet`` is enrolled (this school year) in a class of the assignment that ``actor`` teaches,
    or ``actor`` administers the school. Teaching one class of a multi-class assignment is not enough."""
    if sheet.assignment.school_id in actor.admin_school_ids:
        return True
    taught = actor.taught_class_ids  # classes of the current school year only
    if not taught:
        return False
    return Enrollment.objects.filter(
        student_id=sheet.student_id,
        class_group_id__in=taught,
        class_group__lesson_assignments=sheet.assignment_id,
    ).exists()


def _sheet_visible(actor: Actor, sheet: AnswerSheet) -> bool:
    if sheet.student_id == actor.student_id or sheet.student_id in actor.children_ids:
        return True
    return _reviews_child(actor, sheet)


def _taught_children(taught_class_ids: Iterable[int]) -> Q:
    """Sheets of children enrolled in one of the classes taught that the sheet's assignment was given to."""
    enrolled_in_taught_class = Enrollment.objects.filter(
        student_id=OuterRef("student_id"),
        class_group_id__in=taught_class_ids,
        class_group__lesson_assignments=OuterRef("assignment_id"),
    )
    return Q(Exists(enrolled_in_taught_class))


# The guardians' feedback panel lists sheets through it on every dashboard: compiled once per shape.
_sheet_scope = reach_scope(child="student_id", school="assignment__school_id", taught=_taught_children)


def _sheet_review(actor: Actor, sheet: AnswerSheet) -> bool:
    return _reviews_child(actor, sheet)


def _sheet_review_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    q = Q(assignment__school_id__in=actor.admin_school_ids)
    if actor.taught_class_ids:
        q |= _taught_children(actor.taught_class_ids)
    return qs.filter(q)


def _sheet_work(actor: Actor, sheet: AnswerSheet) -> bool:
    return sheet.student_id == actor.student_id and _may_work(actor, sheet.assignment)


def _lesson_visible(actor: Actor, lesson: LessonPage) -> bool:
    if actor.is_centre_staff:
        return True
    if lesson_in_library(lesson):
        return bool(actor.teacher_school_ids)
    return lesson_school_id(lesson) in actor.teacher_school_ids


def _lesson_assign(actor: Actor, lesson: LessonPage) -> bool:
    """A published lesson of the teacher's own school (a draft is not what the children would see)."""
    if not lesson.live:
        return False
    school_id = lesson_school_id(lesson)
    return school_id is not None and school_id in actor.teacher_school_ids


def _lesson_copy(actor: Actor, lesson: LessonPage) -> bool:
    return bool(actor.teacher_school_ids) and lesson.live and lesson_in_library(lesson)


def _uses_library(actor: Actor) -> bool:
    """Search and preview the shared library: every teacher and the education centre's staff."""
    return bool(actor.teacher_school_ids) or actor.is_centre_staff


def _does_lessons(actor: Actor) -> bool:
    """A child's own list of lessons to do: a child with an active student record."""
    return actor.student_id is not None


def _plans_lessons(actor: Actor) -> bool:
    """Plan lessons (the plug-in's home): the schools' teachers and administrators, and the centre's staff."""
    return actor.is_centre_staff or bool(actor.teacher_school_ids)


def _uses_classrooms(actor: Actor) -> bool:
    return _plans_lessons(actor) or _does_lessons(actor)


def register() -> None:
    policy.register(Assignment, "work", check=_may_work, scope=_work_scope, exact=True)
    policy.register(Assignment, "review", check=_may_review, scope=_review_scope)
    policy.register(AnswerSheet, "view", check=_sheet_visible, scope=_sheet_scope)
    policy.register(AnswerSheet, "review", check=_sheet_review, scope=_sheet_review_scope)
    policy.register(AnswerSheet, "work", check=_sheet_work)
    policy.register(LessonPage, "view", check=_lesson_visible)
    policy.register(LessonPage, "print", check=_lesson_visible)
    policy.register(LessonPage, "assign", check=_lesson_assign)
    policy.register(LessonPage, "copy", check=_lesson_copy)
    policy.register_capability("classrooms.use", check=_uses_classrooms)
    policy.register_capability("classrooms.plan_lessons", check=_plans_lessons)
    policy.register_capability("classrooms.do_lessons", check=_does_lessons)
    policy.register_capability("classrooms.use_library", check=_uses_library)
