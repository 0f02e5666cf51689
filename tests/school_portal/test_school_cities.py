"""The schools' cities, kept in each process (`core.selectors.school_cities`): the city-wide audience check."""

from __future__ import annotations

import time

import pytest

from school_portal.core import selectors
from school_portal.core.models import City
from school_portal.core.testing.world import build_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seconds_since_boot", [None, 60.0])
def test_a_school_moved_to_another_city_is_seen_at_once(monkeypatch, seconds_since_boot):
    """Saving a school forgets the copy. `time.monotonic` starts near zero at boot: "forgotten" must not mean
    "read at second 0", which on a machine up for less than the copy's lifetime looked fresh (a family of a school
    moved out of the city kept seeing its old city's emergency notice in the first five minutes after a reboot)."""
    if seconds_since_boot is not None:
        monkeypatch.setattr(time, "monotonic", lambda: seconds_since_boot)
    world = build_world()
    assert selectors.school_cities([world.school.pk]) == {world.city.pk}
    elsewhere = City.objects.create(slug="elsewhere", name="よその市")
    world.school.city = elsewhere
    world.school.save()
    assert selectors.school_cities([world.school.pk]) == {elsewhere.pk}
