"""Fixtures of the classrooms tests: the matrix world with a lesson assigned to the child's class."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from classrooms.testing import ClassroomWorld, classroom_world


@pytest.fixture
def cw(world) -> ClassroomWorld:
    return classroom_world(world)


@pytest.fixture
def autosave(client_as, cw) -> Callable[..., object]:
    """``autosave(role, {"answers": {...}})`` posts JSON to the autosave endpoint of the world's assignment."""

    def post(role: str, data: dict | str, assignment=None, client: Client | None = None):
        client = client or client_as(role)
        body = data if isinstance(data, str) else json.dumps(data)
        url = reverse("classrooms:autosave", args=[(assignment or cw.assignment).pk])
        return client.post(url, body, content_type="application/json")

    return post
