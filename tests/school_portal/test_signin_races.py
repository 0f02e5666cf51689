"""Many sign-in attempts for one account (one class, one invitation) fired at the same moment, on PostgreSQL.

Each request runs in its own thread with its own database connection, lined up at a barrier; the password hasher
is slowed down (``SlowMD5PasswordHasher``) so that the requests really overlap while the password is checked,
as a real hash (~0.5 s) makes them do. Whatever the timing, no more attempts may be *checked* than the door lets
through: the others are told to wait. The count is taken before the check, under a row lock.

The right password is not fired inside the flood: a success resets its pair (by design, as django-axes does), so a
wrong attempt that reaches the door after the success is rightly checked again, and how many do depends on the
machine's timing (a CI run under load saw six checks with the right password in the flood). It comes after it.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from school_portal.core import services
from school_portal.core.models import SignInFailure
from school_portal.core.testing.world import PASSWORD, World, build_world

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the row locks under test are PostgreSQL's; SQLite's in-memory test database refuses a second writer",
    ),
    pytest.mark.django_db(transaction=True),
]

WAIT = 60  # seconds: only a safety net
AT_ONCE = 12
LOCKED = "Too many failed attempts."


class SlowMD5PasswordHasher(MD5PasswordHasher):
    """The test run's MD5 hasher, as slow to check a password as a production hasher is."""

    def verify(self, password: str, encoded: str) -> bool:
        time.sleep(0.3)
        return super().verify(password, encoded)

    def encode(self, password: str, salt: str) -> str:
        time.sleep(0.3)
        return super().encode(password, salt)


@pytest.fixture
def slow_hashing(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.SlowMD5PasswordHasher"]


@pytest.fixture
def race_world(slow_hashing) -> World:
    return build_world()


def all_at_once(posts: list[tuple[str, dict[str, str], dict[str, str]]]) -> list[str]:
    """POST every (url, data, client headers) from its own thread and connection at the same moment; the pages."""
    barrier = threading.Barrier(len(posts))

    def run(post: tuple[str, dict[str, str], dict[str, str]]) -> str:
        url, data, headers = post
        client = Client(HTTP_ACCEPT_LANGUAGE="en", **headers)
        try:
            with connection.cursor() as cursor:  # connect first: the barrier lines up the requests
                cursor.execute("SELECT 1")
            barrier.wait(WAIT)
            response = client.post(url, data)
            return "signed in" if response.status_code == 302 else response.content.decode()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return list(pool.map(run, posts))


@pytest.mark.parametrize("url", [reverse("core:login"), reverse("wagtailadmin_login")])
def test_passwords_fired_at_once_are_checked_no_more_often_than_the_door_allows(race_world, url):
    wrong = [(url, {"username": "m-school_admin", "password": f"wrong-{n}"}, {}) for n in range(AT_ONCE)]

    pages = all_at_once(wrong)

    checked = SignInFailure.objects.filter(path="password").count()
    assert checked == settings.LOGIN_THROTTLE_FREE_ATTEMPTS, checked
    assert sum(LOCKED in page for page in pages) == AT_ONCE - checked

    # The door stays shut for that pair even for the right password (it is not even checked) ...
    right = {"username": "m-school_admin", "password": PASSWORD}
    assert LOCKED in Client(HTTP_ACCEPT_LANGUAGE="en").post(url, right).content.decode()
    # ... while the admin at their own desk (another address) signs in: nobody can lock anyone else out.
    assert Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="192.0.2.44").post(url, right).status_code == 302
    assert SignInFailure.objects.filter(path="password").count() == checked


def test_badges_fired_at_once_from_one_tablet_are_checked_no_more_often_than_allowed(race_world):
    url = reverse("core:student_signin")
    code = race_world.class_group.class_code
    posts = [(url, {"class_code": code, "badge_code": f"WRONG{n:03d}"}, {}) for n in range(AT_ONCE + 8)]

    pages = all_at_once(posts)

    checked = SignInFailure.objects.filter(path="badge").count()
    assert checked == settings.LOGIN_THROTTLE_BADGE_FREE_ATTEMPTS, checked
    assert sum(LOCKED in page for page in pages) == len(posts) - checked


def test_invitation_codes_fired_at_once_are_checked_no_more_often_than_allowed(race_world):
    services.guardian_invitation_issue(student=race_world.classmate)
    url = reverse("core:guardian_join")
    posts = [
        (
            url,
            {
                "code": f"ABCD-EFGH-{n:04d}",
                "display_name": "鈴木 真理",
                "username": f"mari{n}",
                "password1": "kodomo-no-gakkou-2026",
                "password2": "kodomo-no-gakkou-2026",
            },
            {},
        )
        for n in range(AT_ONCE)
    ]

    pages = all_at_once(posts)

    checked = SignInFailure.objects.filter(path="invitation").count()
    assert checked == settings.LOGIN_THROTTLE_FREE_ATTEMPTS, checked
    assert sum(LOCKED in page for page in pages) == AT_ONCE - checked
