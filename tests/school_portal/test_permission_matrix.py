"""Every role against every endpoint that shows personal data: allowed ones get the page, the others do not.

The rows are each app's ``permission_cases.cases()``, for the core and every plug-in in
``settings.PORTAL_PLUGINS`` (``school_portal.core.testing.matrix``): test code, loaded here and never at start-up.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from school_portal.core.registry import ROLES, nav_links
from school_portal.core.testing.matrix import CORE, app_label, cases_by_app, permission_cases

CASES = [(case.name, case) for case in permission_cases()]
ROOT = Path(__file__).resolve().parents[2]


def test_the_matrix_has_rows_for_the_core_and_each_plug_in_named_after_it():
    by_app = cases_by_app()
    names = {name for name, _ in CASES}
    assert {"core.student_detail", "core.class_roster", "core.class_badges_pdf"} <= names
    assert all(case.name.startswith("core.") for case in by_app[CORE])
    for plugin in settings.PORTAL_PLUGINS:
        assert by_app[plugin], f"{plugin} has no rows: its pages go through the matrix from its first page on"
        assert all(case.name.startswith(f"{app_label(plugin)}.") for case in by_app[plugin]), plugin


def test_every_header_link_is_a_row_of_the_matrix(shared_world, db):
    built = {case.build(shared_world) for _, case in CASES if case.method == "get"}
    for link in nav_links:
        assert reverse(link.url_name) in built, f"{link.url_name} has no row in the matrix"


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_the_header_shows_each_person_exactly_the_links_they_may_open(role, shared_client_as):
    """A header link and its page ask the same capability: no link to a 403, no page without its link."""
    client = shared_client_as(role)
    header = client.get(reverse("core:dashboard")).content.decode()
    for link in nav_links:
        url = reverse(link.url_name)
        opens = client.get(url).status_code in (200, 302)
        assert (f'href="{url}"' in header) is opens, f"{role}: the link to {url}"


def test_permission_cases_are_test_code_that_the_portal_does_not_load():
    """Start-up (apps ready, every URL and view imported) loads no app's permission cases."""
    probe = (
        "import sys, django; django.setup();"
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "print(sorted(m for m in sys.modules if m.endswith('permission_cases')))"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "school_portal.settings.test"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


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
        # A page sends a visitor to sign in; a JSON endpoint answers 401 (a tablet's script cannot follow a redirect).
        assert response.status_code in (302, 401, 403, 404), f"anonymous must not reach {case_name}"
        if response.status_code == 302:
            assert "/login/" in response["Location"] or "signin" in response["Location"]
    elif _sent_to_admin_sign_in(url, response, shared_world.users[role]):
        pass  # Wagtail's own refusal of someone without admin access; teachers and admins get the screen's 404
    elif _sent_back_to_admin_home(url, response, shared_world.users[role]):
        pass  # Wagtail's own refusal of an admin user without the model permission a viewset's screen asks
    else:
        assert response.status_code in (403, 404), f"{role} must be refused {case_name} ({url})"


def _sent_back_to_admin_home(url, response, user) -> bool:
    """Wagtail sends someone with admin access but without a screen's permission back to the admin's home."""
    return (
        url.startswith(reverse("wagtailadmin_home"))
        and user.has_perm("wagtailadmin.access_admin")
        and response.status_code == 302
        and response["Location"] == reverse("wagtailadmin_home")
    )


def _sent_to_admin_sign_in(url, response, user) -> bool:
    """Wagtail sends a signed-in person who lacks admin access from any /admin/ URL to its sign-in page."""
    return (
        url.startswith(reverse("wagtailadmin_home"))
        and not user.has_perm("wagtailadmin.access_admin")
        and response.status_code == 302
        and response["Location"].startswith(reverse("wagtailadmin_login"))
    )
