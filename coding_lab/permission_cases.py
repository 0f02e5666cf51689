"""The coding_lab plug-in's rows of the permission matrix: every endpoint it adds, tried by every role
(test code: only the tests import it)."""

from __future__ import annotations

from django.urls import reverse

from school_portal.core.registry import PermissionCase
from school_portal.core.testing.matrix import STUDENTS, TEACHERS

from .testing import dumps, fwd, lab_world, program

SCHOOL = frozenset({"student", "classmate", "homeroom_teacher", "other_teacher", "school_admin", "centre_staff"})
CHILD_AND_TEACHERS = frozenset({"student", "homeroom_teacher", "school_admin"})
CLASS_TEACHERS = frozenset({"homeroom_teacher", "school_admin"})
AUTHORS = TEACHERS | {"centre_staff"}
SCHOOL_AUTHORS = frozenset({"homeroom_teacher", "other_teacher", "school_admin", "centre_staff"})


def _lab(w):
    return lab_world(w)


def _grid(w, name, *extra):
    built = _lab(w)
    return reverse(f"coding_lab:{name}", args=[w.class_group.pk, built.course.pk, *extra])


def cases() -> list[PermissionCase]:
    return [
        PermissionCase("coding_lab.index", lambda w: reverse("coding_lab:index"), STUDENTS | AUTHORS),
        PermissionCase("coding_lab.course", lambda w: reverse("coding_lab:course", args=[_lab(w).course.pk]), SCHOOL),
        PermissionCase(
            "coding_lab.challenge", lambda w: reverse("coding_lab:challenge", args=[_lab(w).challenge.pk]), SCHOOL
        ),
        PermissionCase(
            "coding_lab.city_challenge",
            lambda w: reverse("coding_lab:challenge", args=[_lab(w).city_challenge.pk]),
            STUDENTS | AUTHORS,
        ),
        PermissionCase("coding_lab.sandbox", lambda w: reverse("coding_lab:sandbox"), STUDENTS),
        PermissionCase(
            "coding_lab.project", lambda w: reverse("coding_lab:project", args=[_lab(w).project.pk]), CHILD_AND_TEACHERS
        ),
        PermissionCase(
            "coding_lab.save",
            lambda w: reverse("coding_lab:save", args=[_lab(w).project.pk]),
            frozenset({"student"}),
            method="post",
            data=lambda w: {"source": dumps(program([fwd(), fwd()]))},
        ),
        PermissionCase(
            "coding_lab.versions",
            lambda w: reverse("coding_lab:versions", args=[_lab(w).project.pk]),
            frozenset({"student"}),
        ),
        PermissionCase(
            "coding_lab.restore",
            lambda w: reverse("coding_lab:restore", args=[_lab(w).project.pk, 1]),
            frozenset({"student"}),
            method="post",
            ok_status=(409,),  # no version 1 yet: the child is answered, with a reason; others never reach it
        ),
        PermissionCase(
            "coding_lab.showcase",
            lambda w: reverse("coding_lab:showcase", args=[_lab(w).showcase.pk]),
            frozenset({"student", "classmate", "homeroom_teacher"}),
        ),  # fmt: skip
        PermissionCase("coding_lab.class_grid", lambda w: _grid(w, "class_grid"), CLASS_TEACHERS),
        PermissionCase("coding_lab.class_export_csv", lambda w: _grid(w, "class_export", "csv"), CLASS_TEACHERS),
        PermissionCase("coding_lab.class_export_xlsx", lambda w: _grid(w, "class_export", "xlsx"), CLASS_TEACHERS),
        PermissionCase(
            "coding_lab.showcase_set",
            lambda w: reverse("coding_lab:showcase_set", args=[w.class_group.pk, _lab(w).project.pk]),
            CLASS_TEACHERS,
            method="post",
            ok_status=(302,),
        ),
        PermissionCase(
            "coding_lab.admin_challenges",
            lambda w: (_lab(w), reverse("wagtailsnippets_coding_lab_challenge:list"))[1],
            AUTHORS,
        ),
        PermissionCase(
            "coding_lab.admin_edit_school_challenge",
            lambda w: reverse("wagtailsnippets_coding_lab_challenge:edit", args=[_lab(w).challenge.pk]),
            SCHOOL_AUTHORS,
        ),
        PermissionCase(
            "coding_lab.admin_edit_city_challenge",
            lambda w: reverse("wagtailsnippets_coding_lab_challenge:edit", args=[_lab(w).city_challenge.pk]),
            frozenset({"centre_staff"}),
        ),
        PermissionCase(
            "coding_lab.admin_edit_course",
            lambda w: reverse("wagtailsnippets_coding_lab_course:edit", args=[_lab(w).course.pk]),
            SCHOOL_AUTHORS,
        ),
    ]


def exact_rule_objects(world) -> None:
    """More objects for the proof of the exact rules: a course of the city and of the other school, the classmate's
    and the other school's child's projects, and what the other class is shown."""
    from .models import Challenge, Course, Showcase
    from .services import project_open

    built = _lab(world)
    Course.objects.get_or_create(school=None, title="City course")
    Course.objects.get_or_create(school=world.other_school, title="Other school's course")
    other = Challenge.objects.create(school=world.other_school, title="Other school's maze", maze="#S.G#")
    project_open(student=world.classmate, challenge=built.challenge)
    sibling_project = project_open(student=world.sibling, challenge=other)
    Showcase.objects.get_or_create(
        class_group=world.sibling_class, challenge=other, defaults={"project": sibling_project}
    )
