"""The exchange plug-in's rows of the permission matrix (test code: only the tests import it)."""

from __future__ import annotations

from django.urls import reverse

from school_portal.core.registry import PermissionCase
from school_portal.core.testing.matrix import TEACHERS


def cases() -> list[PermissionCase]:
    return [
        PermissionCase(
            "exchange.index", lambda w: reverse("exchange:index"), TEACHERS | {"partner_teacher", "centre_staff"}
        ),
    ]
