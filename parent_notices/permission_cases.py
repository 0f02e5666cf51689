"""The parent_notices plug-in's rows of the permission matrix (test code: only the tests import it)."""

from __future__ import annotations

from django.urls import reverse

from school_portal.core.registry import PermissionCase

GUARDIANS = frozenset({"guardian", "other_guardian"})
TEACHERS = frozenset(
    {"homeroom_teacher", "other_teacher", "other_school_teacher", "school_admin", "other_school_admin"}
)


def cases() -> list[PermissionCase]:
    return [
        PermissionCase(
            "parent_notices.index", lambda w: reverse("parent_notices:index"), GUARDIANS | TEACHERS | {"centre_staff"}
        ),
    ]
