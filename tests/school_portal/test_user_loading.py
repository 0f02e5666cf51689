"""The user of every signed-in request is read by ``backends.user_by_pk`` (a SELECT compiled once per process): it
must be the user the ORM reads, with the database's own conversions (SQLite's dates and booleans), on both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.test import Client
from django.utils import timezone

from school_portal.core.backends import user_by_pk
from school_portal.core.models import User
from school_portal.core.testing.world import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_user_read_for_a_request_is_the_user_the_orm_reads(world):
    user = world.users["guardian"]
    user.last_login = timezone.now() - timedelta(days=3)
    user.save(update_fields=["last_login"])
    expected = User.objects.get(pk=user.pk)

    loaded = user_by_pk(user.pk)

    assert loaded is not None and loaded._state.db == expected._state.db and not loaded._state.adding
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert timezone.is_aware(loaded.last_login) and loaded.is_active is True and loaded.is_staff is False
    assert user_by_pk(10**9) is None


def test_a_deactivated_guardian_is_signed_out_on_the_next_request(world):
    client = Client()
    assert client.login(username=world.users["guardian"].username, password=PASSWORD)
    User.objects.filter(pk=world.users["guardian"].pk).update(is_active=False)

    request = type("Request", (), {"session": client.session})()

    assert not get_user(request).is_authenticated
