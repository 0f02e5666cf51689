"""The use dashboard in the Wagtail admin (librarians: their library; the board: all) and the open-data CSV."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from library_wifi import services, stats, testing
from school_portal.core.models import Library

pytestmark = pytest.mark.django_db


def _use(library: Library, when: datetime.datetime, client: str, language: str = "ja") -> None:
    stats.usage_record(library=library, digest=stats.client_digest(client, when=when), language=language, when=when)


def test_librarians_see_their_librarys_use_and_the_board_sees_every_library(world, client_as):
    other = Library.objects.create(city=world.city, name="南図書館", slug="minami")
    testing.portal_page(world.library)
    services.librarian_editors_sync(library=world.library)
    ten = timezone.localtime().replace(hour=10, minute=5)
    _use(world.library, ten, "aa:00:00:00:00:01", "ko")
    _use(other, ten, "aa:00:00:00:00:02")

    mine = client_as("librarian").get(reverse("library_wifi_usage:index"))
    assert mine.status_code == 200
    html = mine.content.decode()
    assert world.library.name in html and "南図書館" not in html
    assert 'class="wifi-bars__bar wifi-w100"' in html and "ko" in html
    assert '<script src="http' not in html

    board = client_as("centre_staff").get(reverse("library_wifi_usage:index")).content.decode()
    assert world.library.name in board and "南図書館" in board


def test_the_monthly_open_data_csv_has_counts_and_nothing_personal(wifi):
    when = timezone.localtime().replace(day=3, hour=9, minute=30)
    _use(wifi.library, when, "de:ad:be:ef:00:01")
    _use(wifi.library, when, "de:ad:be:ef:00:01")
    _use(wifi.library, when, "de:ad:be:ef:00:02", "en")
    response = Client().get(f"/library-wifi/open-data/{wifi.library.slug}/{when:%Y}-{when.month}.csv")
    assert response["Content-Type"] == "text/csv"
    lines = response.content.decode().splitlines()
    assert lines[0] == "library,hour,language,sessions,new_devices,returning_devices"
    hour = when.replace(minute=0, second=0, microsecond=0).isoformat()
    assert lines[1:] == [f"kita-central,{hour},en,1,1,0", f"kita-central,{hour},ja,2,1,1"]
    assert "de:ad" not in response.content.decode()


def test_an_impossible_month_is_a_clear_404(wifi):
    response = Client().get(f"/library-wifi/open-data/{wifi.library.slug}/2026-13.csv")
    assert response.status_code == 404 and 'role="alert"' in response.content.decode()
