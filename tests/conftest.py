"""Fixtures every plug-in's tests share: the permission-matrix world, a signed-in client per role, English
clients, a child added to a class, a class of 35, and (from tests/browser/fixtures.py) the real browser."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import translation

from school_portal.core import services
from school_portal.core.models import ClassGroup, Enrollment, Student, Teaching, User
from school_portal.core.selectors import school_cities_forget
from school_portal.core.testing.world import World, build_world, restore_wagtail_roots

# The browser fixtures (portal, browser, new_context, open_page, phone, desktop), for every test directory.
pytest_plugins = ["tests.browser.fixtures"]

# Family and given names (kanji, kana) for a class of Japanese children.
FAMILY_NAMES = [
    ("佐々木", "ささき"),
    ("高橋", "たかはし"),
    ("渡辺", "わたなべ"),
    ("伊藤", "いとう"),
    ("中村", "なかむら"),
]
GIVEN_NAMES = [
    ("結衣", "ゆい"),
    ("陽翔", "はると"),
    ("芽依", "めい"),
    ("蓮", "れん"),
    ("葵", "あおい"),
    ("湊", "みなと"),
    ("凛", "りん"),
]


@pytest.fixture(scope="session", autouse=True)
def _no_connection_outlives_the_run(request):
    """At the end of the run no other connection holds the PostgreSQL test database, so pytest-django drops it
    without "database ... is being accessed by other users": the WebSocket tests leave one idle connection in
    Channels' sync thread (closed by the next test's first query), and the last one would outlive the run."""
    request.getfixturevalue("django_db_setup")
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with request.getfixturevalue("django_db_blocker").unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _fresh_local_cache():
    """Each test starts with an empty local-memory cache (the embedded default). On SQLite a flushed table gives
    its ids out again, so a lesson body cached under "lesson 5, revision 12" by an earlier test would be served
    for another test's lesson 5. (The Redis cache of the PostgreSQL leg is namespaced per process, and PostgreSQL
    never reuses an id; clearing it would flush the shared Redis database.) The copies kept in the process
    (the schools' cities; the storm page's notice and article) are forgotten for the same reason."""
    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()
    school_cities_forget()
    if apps.is_installed("parent_notices"):
        from parent_notices import storm

        storm.ticks_reset()


@pytest.fixture(autouse=True)
def _wagtail_roots(request):
    """A test marked for the database finds the page-tree root and root collection Wagtail's migrations made, even
    after a transactional test before it (a worker process, a live server, a WebSocket) had every table emptied.
    Tests that build the world get them from ``build_world`` too."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None:
        request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
        restore_wagtail_roots()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the portal's default language (ja): a request made by an earlier test with
    ``Accept-Language: en`` leaves English active in this thread, and lazy strings would follow it."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo city (``seed_demo``, every plug-in's part) for a whole module, rolled back at its end; what the
    command printed. Only for modules whose every test looks at the demo city: it stays for the module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        restore_wagtail_roots()
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def world(db) -> World:
    """A fresh world for one test (tests that change the world's objects use this one)."""
    return build_world()


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker) -> World:
    """One world for a whole module, rolled back at its end: each test still runs in its own savepoint.

    For read-mostly tests such as the permission matrix (every role x every endpoint), where building the
    world per test would dominate the run.
    """
    with django_db_blocker.unblock():
        with transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)


def _client_for(world: World, role: str) -> Client:
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    return client


@pytest.fixture
def client_as(world):
    """``client_as("guardian")`` is a test client signed in as that role of the world (anonymous: not signed in)."""
    return lambda role: _client_for(world, role)


@pytest.fixture
def shared_client_as(shared_world, db):
    return lambda role: _client_for(shared_world, role)


@pytest.fixture
def english_client() -> Client:
    """An anonymous browser asking for English pages (the portal's default language is Japanese)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def english_client_as(world: World) -> Callable[[str], Client]:
    """``english_client_as("guardian")``: a client signed in as that role of the world, asking for English."""

    def make(role: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(world.users[role], backend="school_portal.core.backends.ThrottledModelBackend")
        return client

    return make


def _add_student(
    class_group: ClassGroup, sourced_id: str, family: tuple[str, str], given: tuple[str, str], number: int
) -> Student:
    user = User.objects.create_user(username=services.student_username(sourced_id), display_name=given[0])
    user.set_unusable_password()
    user.save()
    student = Student.objects.create(
        user=user,
        school=class_group.school,
        sourced_id=sourced_id,
        family_name=family[0],
        given_name=given[0],
        family_name_kana=family[1],
        given_name_kana=given[1],
    )
    Enrollment.objects.create(student=student, class_group=class_group, number=number)
    return student


@pytest.fixture
def add_student(db) -> Callable[..., Student]:
    """``add_student(class_group, sourced_id, (family, kana), (given, kana), number)``: a child enrolled there."""
    return _add_student


@pytest.fixture
def big_class(world: World) -> ClassGroup:
    """A class of 35 children (3年3組 of the world's school), homeroom of the world's homeroom teacher."""
    class_group = services.class_group_ensure(school=world.school, school_year=world.school_year, grade=3, name="3")
    for number in range(1, 36):
        family = FAMILY_NAMES[number % len(FAMILY_NAMES)]
        given = GIVEN_NAMES[number % len(GIVEN_NAMES)]
        _add_student(class_group, f"big-{number:02d}", family, given, number)
    Teaching.objects.create(teacher=world.users["homeroom_teacher"], class_group=class_group, is_homeroom=True)
    return class_group
