"""Guardians and staff sign in with a password, on the portal's page and on Wagtail's admin page."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from school_portal.core import throttle
from school_portal.core.models import SignInCounter, SignInFailure
from school_portal.core.registry import retention_rules
from school_portal.core.testing.world import PASSWORD

LOGIN = reverse("core:login")
ADMIN_LOGIN = reverse("wagtailadmin_login")
LOCKED = "Too many failed attempts."
INVALID = "Please enter a correct"
FREE = settings.LOGIN_THROTTLE_FREE_ATTEMPTS


def wait_out_the_delays() -> None:
    """The clock moves on past every delay the throttle asked for (the counts stay)."""
    SignInCounter.objects.update(blocked_until=timezone.now() - datetime.timedelta(seconds=1))


def signed_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def fail_repeatedly(client: Client, url: str, username: str, times: int) -> None:
    for attempt in range(times):
        response = client.post(url, {"username": username, "password": f"not-the-password-{attempt}"})
        assert response.status_code == 200
        assert signed_in_user_id(client) is None


def test_a_guardian_signs_in_and_reaches_the_dashboard(world, english_client):
    response = english_client.post(LOGIN, {"username": "m-guardian", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    assert signed_in_user_id(english_client) == world.users["guardian"].pk
    dashboard = english_client.get(reverse("core:dashboard")).content.decode()
    assert "花子" in dashboard and "一郎" in dashboard  # both children, in two schools


def test_a_teacher_signs_in_to_the_wagtail_admin(world, english_client):
    response = english_client.post(ADMIN_LOGIN, {"username": "m-homeroom_teacher", "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_user_id(english_client) == world.users["homeroom_teacher"].pk
    assert english_client.get(reverse("wagtailadmin_home")).status_code == 200


def test_a_wrong_password_says_so_and_signs_nobody_in(world, english_client):
    response = english_client.post(LOGIN, {"username": "m-guardian", "password": "guess"})

    assert INVALID in response.content.decode()
    assert signed_in_user_id(english_client) is None


def test_after_repeated_failures_the_same_address_waits_even_with_the_right_password(world, english_client):
    fail_repeatedly(english_client, LOGIN, "m-guardian", FREE)

    response = english_client.post(LOGIN, {"username": "m-guardian", "password": PASSWORD})

    assert response.status_code == 200
    assert "Too many failed attempts. Try again in 30 seconds." in response.content.decode()
    assert signed_in_user_id(english_client) is None


def test_once_the_delay_has_passed_the_right_password_signs_in(world, english_client):
    fail_repeatedly(english_client, LOGIN, "m-guardian", FREE)
    wait_out_the_delays()

    english_client.post(LOGIN, {"username": "m-guardian", "password": PASSWORD})

    assert signed_in_user_id(english_client) == world.users["guardian"].pk


def test_each_further_failure_doubles_the_wait(world, english_client):
    fail_repeatedly(english_client, LOGIN, "m-guardian", FREE)
    waits = []
    for _attempt in range(3):
        wait_out_the_delays()
        english_client.post(LOGIN, {"username": "m-guardian", "password": "still-wrong"})
        page = english_client.post(LOGIN, {"username": "m-guardian", "password": PASSWORD}).content.decode()
        waits.append(page[page.index(LOCKED) :].split(".")[1].strip())

    assert waits == ["Try again in 60 seconds", "Try again in 2 minutes", "Try again in 4 minutes"]


def test_the_wait_is_said_in_japanese_too(world):
    client = Client()  # Japanese, the default
    fail_repeatedly(client, LOGIN, "m-guardian", FREE)

    page = client.post(LOGIN, {"username": "m-guardian", "password": PASSWORD}).content.decode()

    assert "30 秒後にもう一度お試しください" in page


def test_the_admin_sign_in_slows_down_too_and_says_why(world, english_client):
    fail_repeatedly(english_client, ADMIN_LOGIN, "m-school_admin", FREE)

    response = english_client.post(ADMIN_LOGIN, {"username": "m-school_admin", "password": PASSWORD})

    assert "Too many failed attempts. Try again in 30 seconds." in response.content.decode()
    assert signed_in_user_id(english_client) is None


def test_failures_on_one_sign_in_page_count_on_the_other_too(world, english_client):
    """An attacker gains nothing by switching between the portal's page and the admin's."""
    fail_repeatedly(english_client, LOGIN, "m-school_admin", FREE)

    english_client.post(ADMIN_LOGIN, {"username": "m-school_admin", "password": PASSWORD})

    assert signed_in_user_id(english_client) is None


def test_wrong_passwords_from_elsewhere_never_keep_an_admin_out_of_their_own_desk(world):
    """An attacker failing against city-admin's name slows down only the attacker, from every address they use."""
    for address in ("203.0.113.1", "203.0.113.2"):
        attacker = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address)
        fail_repeatedly(attacker, LOGIN, "m-centre", FREE)
        page = attacker.post(LOGIN, {"username": "m-centre", "password": PASSWORD}).content.decode()
        assert "Try again in 30 seconds" in page

    office = Client(REMOTE_ADDR="198.51.100.7")
    office.post(ADMIN_LOGIN, {"username": "m-centre", "password": PASSWORD})

    assert signed_in_user_id(office) == world.users["centre_staff"].pk


def test_forty_failures_in_a_staff_room_do_not_keep_a_colleague_out(world):
    """One address, many people: a colleague's typos (or a pupil's guessing on the staff PC) stay theirs."""
    staff_room = {"REMOTE_ADDR": "192.0.2.40", "HTTP_ACCEPT_LANGUAGE": "en"}
    for name in ("m-other_teacher", "m-homeroom_teacher", "m-someone", "m-nobody", "m-guest", "m-x", "m-y", "m-z"):
        fail_repeatedly(Client(**staff_room), LOGIN, name, FREE)
    assert SignInFailure.objects.count() == 40

    colleague = Client(**staff_room)
    colleague.post(ADMIN_LOGIN, {"username": "m-school_admin", "password": PASSWORD})

    assert signed_in_user_id(colleague) == world.users["school_admin"].pk


def test_an_address_guessing_across_many_accounts_is_slowed_down_in_the_end(world):
    guesser = {"REMOTE_ADDR": "203.0.113.99", "HTTP_ACCEPT_LANGUAGE": "en"}
    per_account = FREE - 1
    accounts = -(-settings.LOGIN_THROTTLE_ADDRESS_FREE_ATTEMPTS // per_account)
    for number in range(accounts):
        for attempt in range(per_account):
            Client(**guesser).post(LOGIN, {"username": f"m-guess-{number}", "password": f"guess-{attempt}"})

    page = Client(**guesser).post(LOGIN, {"username": "m-guardian", "password": PASSWORD}).content.decode()

    assert LOCKED in page
    other_address = Client(REMOTE_ADDR="198.51.100.8")
    other_address.post(LOGIN, {"username": "m-guardian", "password": PASSWORD})
    assert signed_in_user_id(other_address) == world.users["guardian"].pk


def test_a_successful_sign_in_forgets_earlier_typos(world, english_client):
    fail_repeatedly(english_client, LOGIN, "m-guardian", FREE - 1)
    english_client.post(LOGIN, {"username": "m-guardian", "password": PASSWORD})
    english_client.post(reverse("logout"))

    fail_repeatedly(english_client, LOGIN, "m-guardian", FREE - 1)
    english_client.post(LOGIN, {"username": "m-guardian", "password": PASSWORD})

    assert signed_in_user_id(english_client) == world.users["guardian"].pk


def test_next_on_this_site_is_followed(world, english_client):
    detail = reverse("core:student_detail", args=[world.child.pk])
    page = english_client.get(f"{LOGIN}?next={detail}").content.decode()
    assert f'name="next" value="{detail}"' in page

    response = english_client.post(LOGIN, {"username": "m-guardian", "password": PASSWORD, "next": detail})

    assert response["Location"] == detail


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"])
def test_next_to_another_site_is_not_followed(world, english_client, target):
    response = english_client.post(LOGIN, {"username": "m-guardian", "password": PASSWORD, "next": target})

    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_a_student_account_cannot_sign_in_with_a_password(world, english_client, url):
    child = world.child.user
    child.set_password("a-password-someone-set-2026")
    child.save()

    english_client.post(url, {"username": child.username, "password": "a-password-someone-set-2026"})

    assert signed_in_user_id(english_client) is None


@pytest.mark.parametrize("username", ["m-guardian", "m-homeroom_teacher"])
def test_signing_out_from_the_header_form_ends_the_session(world, english_client, username):
    """A guardian or a teacher lands on the password sign-in page (a child, on the student one: see its tests)."""
    english_client.post(LOGIN, {"username": username, "password": PASSWORD})
    dashboard = english_client.get(reverse("core:dashboard")).content.decode()
    logout = reverse("logout")
    assert f'<form method="post" action="{logout}"' in dashboard

    response = english_client.post(logout)

    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert signed_in_user_id(english_client) is None
    assert english_client.get(reverse("core:dashboard")).status_code == 302


def test_signing_out_needs_a_post(world, english_client):
    english_client.post(LOGIN, {"username": "m-guardian", "password": PASSWORD})

    assert english_client.get(reverse("logout")).status_code == 405
    assert signed_in_user_id(english_client) == world.users["guardian"].pk


def test_the_sign_in_page_is_japanese_by_default(db):
    assert '<html lang="ja">' in Client().get(LOGIN).content.decode()


def test_old_sign_in_failures_are_forgotten_after_the_retention_period(world, english_client):
    fail_repeatedly(english_client, LOGIN, "m-guardian", 3)
    days = retention_rules.get("core.login_attempts").days
    SignInFailure.objects.filter(pk__in=list(SignInFailure.objects.values_list("pk", flat=True)[:2])).update(
        at=timezone.now() - datetime.timedelta(days=days, minutes=1)
    )

    assert throttle.prune() == 2
    assert SignInFailure.objects.count() == 1


def test_failures_keep_neither_the_address_nor_the_name_tried(world):
    Client(REMOTE_ADDR="203.0.113.77").post(LOGIN, {"username": "m-guardian", "password": "guess"})

    failure = SignInFailure.objects.get()
    stored = " ".join(str(value) for value in SignInFailure.objects.values().get().values())
    assert "203.0.113.77" not in stored
    assert "m-guardian" not in stored
    assert failure.path == "password"
