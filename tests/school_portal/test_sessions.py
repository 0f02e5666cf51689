"""How long sessions live: staff time out (idle, absolute, the admin asks again); guardians stay; all can end."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from school_portal.core.session_policy import ADMIN_SEEN_AT, SEEN_AT, SIGNED_IN_AT
from school_portal.core.testing.world import PASSWORD

LOGIN = reverse("core:login")
DASHBOARD = reverse("core:dashboard")
ADMIN = reverse("wagtailadmin_home")


def signed_in(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post(LOGIN, {"username": username, "password": PASSWORD}).status_code == 302
    return client


def time_passes(client: Client, seconds: int, *keys: str) -> None:
    """Move the session's clocks back, as if ``seconds`` had gone by since each of ``keys`` was written."""
    session = client.session
    for key in keys or (SEEN_AT, SIGNED_IN_AT, ADMIN_SEEN_AT):
        session[key] -= seconds
    session.save()


def test_a_teacher_idle_for_longer_than_the_timeout_is_signed_out(world):
    teacher = signed_in("m-homeroom_teacher")
    time_passes(teacher, settings.STAFF_SESSION_IDLE_SECONDS + 60)

    response = teacher.get(DASHBOARD)

    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in teacher.session


def test_a_busy_teacher_stays_signed_in_within_the_idle_timeout(world):
    teacher = signed_in("m-homeroom_teacher")
    time_passes(teacher, settings.STAFF_SESSION_IDLE_SECONDS - 60)

    assert teacher.get(DASHBOARD).status_code == 200


def test_a_staff_session_ends_after_its_absolute_lifetime_however_busy(world):
    admin = signed_in("m-school_admin")
    time_passes(admin, settings.STAFF_SESSION_ABSOLUTE_SECONDS + 60, SIGNED_IN_AT)

    assert admin.get(DASHBOARD).status_code == 302


def test_a_staff_session_cookie_expires_with_the_idle_timeout(world):
    teacher = signed_in("m-homeroom_teacher")

    assert teacher.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.STAFF_SESSION_IDLE_SECONDS


def test_the_admin_asks_for_the_password_again_after_a_pause_and_then_lets_the_teacher_in(world):
    teacher = signed_in("m-homeroom_teacher")
    assert teacher.get(ADMIN).status_code == 200
    time_passes(teacher, settings.ADMIN_REAUTH_IDLE_SECONDS + 60, ADMIN_SEEN_AT)

    response = teacher.get(ADMIN)
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:reauthenticate"))
    wrong = teacher.post(response["Location"], {"password": "not-it", "next": ADMIN})
    assert "The password is not right." in wrong.content.decode()
    right = teacher.post(response["Location"], {"password": PASSWORD, "next": ADMIN})

    assert right["Location"] == ADMIN
    assert teacher.get(ADMIN).status_code == 200


def test_a_guardian_stays_signed_in_on_their_phone_for_weeks(world):
    guardian = signed_in("m-guardian")
    time_passes(guardian, 14 * 24 * 3600)

    assert guardian.get(DASHBOARD).status_code == 200
    assert guardian.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.GUARDIAN_SESSION_SECONDS


def test_a_guardian_signs_out_of_every_device_from_the_account_page(world):
    phone, tablet, laptop = (signed_in("m-guardian") for _ in range(3))
    page = phone.get(reverse("core:account")).content.decode()
    assert reverse("core:sign_out_everywhere") in page

    response = phone.post(reverse("core:sign_out_everywhere"))

    assert response["Location"] == LOGIN
    for device in (phone, tablet, laptop):
        assert device.get(DASHBOARD).status_code == 302
    again = signed_in("m-guardian")
    assert again.get(DASHBOARD).status_code == 200
    other = signed_in("m-other-guardian")
    assert other.get(DASHBOARD).status_code == 200


def test_signing_out_everywhere_needs_a_post(world):
    guardian = signed_in("m-guardian")

    assert guardian.get(reverse("core:sign_out_everywhere")).status_code == 405
    assert guardian.get(DASHBOARD).status_code == 200


@pytest.mark.parametrize("role", ["guardian", "homeroom_teacher"])
def test_the_header_links_to_the_account_page_but_not_for_a_child(world, english_client_as, role):
    assert reverse("core:account") in english_client_as(role).get(DASHBOARD).content.decode()


def test_a_childs_school_day_session_is_left_as_it_was(world):
    from school_portal.core.auth_views import STUDENT_SESSION_SECONDS

    tablet = Client(HTTP_ACCEPT_LANGUAGE="en")
    tablet.post(
        reverse("core:student_signin"),
        {"class_code": world.class_group.class_code, "badge_code": world.child.badge_code},
    )
    page = tablet.get(DASHBOARD)

    assert page.status_code == 200
    assert reverse("core:account") not in page.content.decode()
    assert tablet.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == STUDENT_SESSION_SECONDS
