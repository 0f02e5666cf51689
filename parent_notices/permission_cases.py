"""The parent_notices plug-in's rows of the permission matrix (test code: only the tests import it)."""

from __future__ import annotations

from django.urls import reverse

from school_portal.core.registry import PermissionCase
from school_portal.core.testing.matrix import GUARDIANS, TEACHERS


def cases() -> list[PermissionCase]:
    return [
        PermissionCase(
            "parent_notices.index", lambda w: reverse("parent_notices:index"), GUARDIANS | TEACHERS | {"centre_staff"}
        ),
    ]
