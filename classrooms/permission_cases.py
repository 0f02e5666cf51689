"""The classrooms plug-in's rows of the permission matrix: every endpoint it adds, tried by every role.

Test code: only the tests import it (tests/school_portal/test_permission_matrix.py collects ``cases()``).
"""

from __future__ import annotations

import datetime
import json

from django.urls import reverse
from django.utils import timezone

from school_portal.core.registry import PermissionCase

from . import services
from .testing import Q_DRAW, classroom_world, two_class_world

STUDENTS = frozenset({"student", "classmate"})
CHILD_CIRCLE = frozenset({"student", "guardian", "homeroom_teacher", "school_admin"})
REVIEWERS = frozenset({"homeroom_teacher", "school_admin"})
# A sheet of a child of 3-2 on an assignment given to 3-1 and 3-2: 3-1's homeroom teacher reviews the
# assignment (their own class's children) but never opens the sheets of 3-2's children.
OTHER_CLASS_REVIEWERS = frozenset({"other_teacher", "school_admin"})
SCHOOL_STAFF = frozenset({"homeroom_teacher", "other_teacher", "school_admin"})
ALL_TEACHERS = frozenset(
    {"homeroom_teacher", "other_teacher", "other_school_teacher", "school_admin", "other_school_admin"}
)


def _cw(world):
    return classroom_world(world)


def _progress_url(world) -> str:
    _cw(world)  # the class has an assigned lesson, so its progress has a unit to show
    return reverse("classrooms:class_progress", args=[world.class_group.pk])


def cases() -> list[PermissionCase]:
    return [
        PermissionCase(
            "classrooms.index",
            lambda w: reverse("classrooms:index"),
            STUDENTS | ALL_TEACHERS | {"centre_staff"},
            ok_status=(200, 302),
        ),
        PermissionCase("classrooms.my_lessons", lambda w: reverse("classrooms:my_lessons"), STUDENTS),
        PermissionCase("classrooms.work", lambda w: reverse("classrooms:work", args=[_cw(w).assignment.pk]), STUDENTS),
        PermissionCase(
            "classrooms.autosave",
            lambda w: reverse("classrooms:autosave", args=[_cw(w).assignment.pk]),
            STUDENTS,
            method="post",
            data=lambda w: {"payload": json.dumps({"answers": {}})},
        ),
        PermissionCase(
            "classrooms.submit",
            lambda w: reverse("classrooms:submit", args=[_cw(w).assignment.pk]),
            STUDENTS,
            method="post",
            ok_status=(302,),
        ),
        PermissionCase("classrooms.sheet", lambda w: reverse("classrooms:sheet", args=[_cw(w).sheet.pk]), CHILD_CIRCLE),
        PermissionCase(
            "classrooms.drawing",
            lambda w: reverse("classrooms:drawing", args=[_cw(w).sheet.pk, Q_DRAW]),
            CHILD_CIRCLE,
        ),
        PermissionCase(
            "classrooms.assign", lambda w: reverse("classrooms:assign", args=[_cw(w).lesson.pk]), SCHOOL_STAFF
        ),
        PermissionCase(
            "classrooms.review", lambda w: reverse("classrooms:review", args=[_cw(w).assignment.pk]), REVIEWERS
        ),
        PermissionCase(
            "classrooms.review_csv",
            lambda w: reverse("classrooms:review_export", args=[_cw(w).assignment.pk, "csv"]),
            REVIEWERS,
        ),
        PermissionCase(
            "classrooms.review_xlsx",
            lambda w: reverse("classrooms:review_export", args=[_cw(w).assignment.pk, "xlsx"]),
            REVIEWERS,
        ),
        PermissionCase(
            "classrooms.sheet_review", lambda w: reverse("classrooms:sheet_review", args=[_cw(w).sheet.pk]), REVIEWERS
        ),
        PermissionCase(
            "classrooms.two_class_review",
            lambda w: reverse("classrooms:review", args=[two_class_world(w).assignment.pk]),
            REVIEWERS | OTHER_CLASS_REVIEWERS,
        ),
        PermissionCase(
            "classrooms.two_class_other_child_sheet",
            lambda w: reverse("classrooms:sheet", args=[two_class_world(w).other_sheet.pk]),
            OTHER_CLASS_REVIEWERS,
        ),
        PermissionCase(
            "classrooms.two_class_other_child_drawing",
            lambda w: reverse("classrooms:drawing", args=[two_class_world(w).other_sheet.pk, Q_DRAW]),
            OTHER_CLASS_REVIEWERS,
        ),
        PermissionCase(
            "classrooms.two_class_other_child_sheet_review",
            lambda w: reverse("classrooms:sheet_review", args=[two_class_world(w).other_sheet.pk]),
            OTHER_CLASS_REVIEWERS,
        ),
        PermissionCase(
            "classrooms.class_progress",
            lambda w: _progress_url(w),
            REVIEWERS,
        ),
        PermissionCase(
            "classrooms.class_progress_xlsx",
            lambda w: _progress_url(w) + f"?unit={_cw(w).unit.pk}&format=xlsx",
            REVIEWERS,
        ),
        PermissionCase(
            "classrooms.worksheet_pdf",
            lambda w: reverse("classrooms:worksheet_pdf", args=[_cw(w).lesson.pk]),
            SCHOOL_STAFF | {"centre_staff"},
        ),
        PermissionCase(
            "classrooms.answer_key_pdf",
            lambda w: reverse("classrooms:answer_key_pdf", args=[_cw(w).lesson.pk]),
            SCHOOL_STAFF | {"centre_staff"},
        ),
        PermissionCase("classrooms.library", lambda w: reverse("classrooms:library"), ALL_TEACHERS | {"centre_staff"}),
        PermissionCase(
            "classrooms.library_lesson",
            lambda w: reverse("classrooms:library_lesson", args=[_cw(w).library_lesson.pk]),
            ALL_TEACHERS | {"centre_staff"},
        ),
        PermissionCase(
            "classrooms.library_copy",
            lambda w: reverse("classrooms:library_copy", args=[_cw(w).library_lesson.pk]),
            ALL_TEACHERS,
            method="post",
            data=lambda w: {"unit": _cw(w).unit.pk},
            ok_status=(302,),
        ),
    ]


def exact_rule_objects(world) -> None:
    """For the proof that the exact ``work`` rule's scope equals its check (tests/school_portal/test_exact_rules.py):
    besides the open assignments of the cases (one class; two classes), one not yet open and one given to the
    classmate by name."""
    lesson = classroom_world(world).lesson
    two_class_world(world)
    now = timezone.now()
    for opens_in_hours, students in ((1, []), (-1, [world.classmate])):
        services.assignment_create(
            lesson=lesson,
            class_groups=[world.class_group],
            opens_at=now + datetime.timedelta(hours=opens_in_hours),
            due_at=now + datetime.timedelta(days=1),
            by=world.users["homeroom_teacher"],
            students=students,
        )
