"""The coding_lab plug-in's rows of the permission matrix (test code: only the tests import it)."""

from __future__ import annotations

from django.urls import reverse

from school_portal.core.registry import PermissionCase
from school_portal.core.testing.matrix import STUDENTS, TEACHERS


def cases() -> list[PermissionCase]:
    return [
        PermissionCase(
            "coding_lab.index", lambda w: reverse("coding_lab:index"), STUDENTS | TEACHERS | {"centre_staff"}
        ),
    ]
