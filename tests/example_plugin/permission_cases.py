"""The class bell's rows of the permission matrix (test code: only the tests import it)."""

from __future__ import annotations

from django.urls import reverse

from school_portal.core.registry import PermissionCase
from school_portal.core.testing.matrix import STUDENTS, TEACHERS

HEARERS = frozenset({"student", "classmate", "homeroom_teacher", "school_admin"})


def cases() -> list[PermissionCase]:
    return [
        PermissionCase("class_bell.index", lambda w: reverse("class_bell:index"), STUDENTS | TEACHERS),
        PermissionCase("class_bell.bell", lambda w: reverse("class_bell:bell", args=[w.class_group.pk]), HEARERS),
        PermissionCase(
            "class_bell.ring",
            lambda w: reverse("class_bell:ring", args=[w.class_group.pk]),
            frozenset({"homeroom_teacher"}),
            method="post",
            ok_status=(302,),
        ),
    ]
