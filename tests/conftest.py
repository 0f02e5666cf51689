"""Shared fixtures: the permission-matrix world and a signed-in client per role."""

from __future__ import annotations

import pytest
from django.test import Client

from school_portal.core.testing.world import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def client_as(world):
    """``client_as("guardian")`` is a test client signed in as that role of the world (anonymous: not signed in)."""

    def make(role: str) -> Client:
        client = Client()
        user = world.users[role]
        if user is not None:
            client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
        return client

    return make
