"""Fixtures of the coding_lab tests: the matrix world with a maze challenge in a course, and the child's project."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.urls import reverse

from coding_lab.testing import LabWorld, lab_world


@pytest.fixture
def lab(world) -> LabWorld:
    return lab_world(world)


@pytest.fixture
def save(client_as, lab) -> Callable[..., object]:
    """``save(role, program_text_or_dict, project=None, **extra)`` posts to the autosave endpoint."""

    def post(role, source, project=None, client=None, **extra):
        client = client or client_as(role)
        text = source if isinstance(source, str) else json.dumps(source)
        body = json.dumps({"source": text, **extra})
        url = reverse("coding_lab:save", args=[(project or lab.project).pk])
        return client.post(url, body, content_type="application/json")

    return post
