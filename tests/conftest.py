"""Shared fixtures: the permission-matrix world and a signed-in client per role."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.utils import translation

from school_portal.core.testing.world import World, build_world


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the portal's default language (ja): a request made by an earlier test with
    ``Accept-Language: en`` leaves English active in this thread, and lazy strings would follow it."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


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
