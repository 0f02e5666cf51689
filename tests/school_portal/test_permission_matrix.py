"""Every role against every endpoint that shows personal data: allowed ones get the page, the others do not.

The rows come from the registry: the core's and every installed plug-in's ``PermissionCase``s.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from school_portal.core.registry import ROLES, permission_cases

CASES = sorted(permission_cases.items())


def test_the_matrix_has_rows_for_the_core_and_is_not_empty():
    names = {name for name, _ in CASES}
    assert {"core.student_detail", "core.class_roster", "core.class_badges_pdf"} <= names
    for name in names:
        assert apps.is_installed(name.split(".")[0]) or name.startswith("core.")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case_name,case", CASES, ids=[name for name, _ in CASES])
def test_permission_matrix(case_name, case, role, shared_world, shared_client_as):
    client = shared_client_as(role)
    url = case.build(shared_world)
    data = case.data(shared_world) if case.data else {}
    response = getattr(client, case.method)(url, data)
    if role in case.allowed:
        assert response.status_code in case.ok_status, f"{role} must reach {case_name} ({url})"
    elif role == "anonymous":
        assert response.status_code in (302, 403, 404), f"anonymous must not reach {case_name}"
        if response.status_code == 302:
            assert "/login/" in response["Location"] or "signin" in response["Location"]
    elif _sent_to_admin_sign_in(url, response, shared_world.users[role]):
        pass  # Wagtail's own refusal of someone without admin access; teachers and admins get the screen's 404
    else:
        assert response.status_code in (403, 404), f"{role} must be refused {case_name} ({url})"


def _sent_to_admin_sign_in(url, response, user) -> bool:
    """Wagtail sends a signed-in person who lacks admin access from any /admin/ URL to its sign-in page."""
    return (
        url.startswith(reverse("wagtailadmin_home"))
        and not user.has_perm("wagtailadmin.access_admin")
        and response.status_code == 302
        and response["Location"].startswith(reverse("wagtailadmin_login"))
    )
