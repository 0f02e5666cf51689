"""Pages served to signed-in guardians before the middleware (core/guardian_fast_paths.py), with a path this
test registers: only a guardian whose session Django accepts gets it, with the full stack's headers; anybody or
anything else goes the whole way (here: a 404, as the path has no view)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.messages.storage.session import SessionStorage
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils.translation import get_language

from school_portal.core import services
from school_portal.core.models import Guardian, GuardianLink, User
from school_portal.core.registry import GuardianFastPath, guardian_fast_paths
from school_portal.core.testing.world import build_world

pytestmark = pytest.mark.django_db

PASSWORD_BACKEND = "school_portal.core.backends.ThrottledModelBackend"
served: list[tuple[str, int, str]] = []


def serve_for_test(request: HttpRequest, user: User, number: str) -> HttpResponse | None:
    """The registered path's page: who it was for, and in which language; 0 answers None (not sure)."""
    if number == "0":
        return None
    served.append((number, user.pk, get_language()))
    return HttpResponse(f"fast page {number} for {user.username} in {get_language()}")


@pytest.fixture
def world():
    served.clear()
    guardian_fast_paths.register(
        "tests.fast", GuardianFastPath(r"/fast-test/(?P<number>[0-9]+)/", serve=f"{__name__}.serve_for_test")
    )
    yield build_world()
    guardian_fast_paths.unregister("tests.fast")


def _signed_in(user: User, **headers: str) -> Client:
    client = Client(**headers)
    client.force_login(user, backend=PASSWORD_BACKEND)
    return client


def test_a_guardian_gets_the_page_with_the_headers_of_the_full_stack(world):
    response = _signed_in(world.users["guardian"]).get("/fast-test/7/")

    assert response.status_code == 200 and response.content.decode() == "fast page 7 for m-guardian in ja"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == settings.X_FRAME_OPTIONS
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in response["Vary"].split(",")}
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert response["Content-Language"] == "ja"
    assert not response.cookies  # nothing written to the session or the cookies


@pytest.mark.parametrize("role", ["homeroom_teacher", "school_admin", "centre_staff", "student"])
def test_staff_and_children_take_the_full_stack(world, role):
    assert _signed_in(world.users[role]).get("/fast-test/7/").status_code == 404
    assert served == []


def test_a_teacher_who_is_also_a_parent_keeps_the_staff_sessions_rules(world):
    teacher = world.users["other_teacher"]
    GuardianLink.objects.create(guardian=Guardian.objects.create(user=teacher), student=world.child)

    assert _signed_in(teacher).get("/fast-test/7/").status_code == 404
    assert served == []


def test_a_visitor_and_a_forged_session_cookie_take_the_full_stack(world):
    assert Client().get("/fast-test/7/").status_code == 404
    forged = Client()
    forged.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    assert forged.get("/fast-test/7/").status_code == 404
    assert served == []


def test_a_session_whose_password_changed_is_signed_out_as_django_does(world):
    client = _signed_in(world.users["guardian"])
    session = client.session
    session[HASH_SESSION_KEY] = "not-the-hash-of-the-current-password"
    session.save()

    assert client.get("/fast-test/7/").status_code == 404
    assert served == []
    assert client.get(reverse("core:account")).status_code == 302  # signed out: the account page asks for a sign-in


def test_a_guardian_signed_out_of_every_device_or_made_inactive_is_not_served(world):
    signed_out_everywhere = _signed_in(world.users["guardian"])
    services.user_sessions_end(user=world.users["guardian"])
    assert signed_out_everywhere.get("/fast-test/7/").status_code == 404

    deactivated = _signed_in(world.users["other_guardian"])
    User.objects.filter(pk=world.users["other_guardian"].pk).update(is_active=False)
    assert deactivated.get("/fast-test/7/").status_code == 404
    assert served == []


def test_an_expired_session_is_not_served(world):
    client = _signed_in(world.users["guardian"])
    session = client.session
    session.set_expiry(-1)
    session.save()

    assert client.get("/fast-test/7/").status_code == 404
    assert served == []


def test_a_message_waiting_for_the_guardian_sends_the_request_the_full_way(world):
    client = _signed_in(world.users["guardian"])
    session = client.session
    session[SessionStorage.session_key] = '[["__json_message",0,25,"Your reply was saved."]]'
    session.save()

    assert client.get("/fast-test/7/").status_code == 404
    assert served == []


@pytest.mark.parametrize(
    "request_kwargs",
    [{"path": "/fast-test/7/", "data": {"page": "2"}}, {"path": "/fast-test/0/"}, {"path": "/fast-test/seven/"}],
    ids=["query-string", "serve-not-sure", "not-the-pattern"],
)
def test_anything_the_plugin_does_not_answer_takes_the_full_stack(world, request_kwargs):
    assert _signed_in(world.users["guardian"]).get(**request_kwargs).status_code == 404
    assert served == []


def test_a_host_not_allowed_is_refused_as_the_full_stack_refuses_it(world):
    assert _signed_in(world.users["guardian"]).get("/fast-test/7/", HTTP_HOST="evil.example").status_code == 400
    assert served == []


def test_a_post_is_never_answered_early(world):
    assert _signed_in(world.users["guardian"]).post("/fast-test/7/").status_code in {403, 404}
    assert served == []


def test_the_language_is_the_accounts_else_the_browsers(world):
    browser_english = _signed_in(world.users["guardian"], HTTP_ACCEPT_LANGUAGE="en")
    assert browser_english.get("/fast-test/1/").content.decode().endswith("in en")

    User.objects.filter(pk=world.users["guardian"].pk).update(preferred_language="ja")
    assert browser_english.get("/fast-test/1/").content.decode().endswith("in ja")
    assert browser_english.get("/fast-test/1/")["Content-Language"] == "ja"
