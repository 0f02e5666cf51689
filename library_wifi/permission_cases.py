"""The library_wifi plug-in's rows of the permission matrix (test code: only the tests import it)."""

from __future__ import annotations

from django.urls import reverse

from school_portal.core.registry import PermissionCase


def cases() -> list[PermissionCase]:
    return [
        PermissionCase(
            "library_wifi.index", lambda w: reverse("library_wifi:index"), frozenset({"librarian", "centre_staff"})
        ),
    ]
