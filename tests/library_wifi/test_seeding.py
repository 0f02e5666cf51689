"""The demo city's library Wi-Fi: 24 libraries, each page in five languages, a gateway of each kind."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from library_wifi.models import Gateway, LibraryPortalPage, TermsPage
from school_portal.core.models import Library, User

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_24_library_pages_in_five_languages_and_every_kind_of_gateway_idempotently():
    call_command("seed_demo", stdout=io.StringIO())
    assert Library.objects.count() == 24
    assert LibraryPortalPage.objects.filter(locale__language_code="ja").count() == 24
    for language in ("en", "zh-hans", "zh-hant", "ko"):
        assert LibraryPortalPage.objects.filter(locale__language_code=language, live=True).count() == 24
        assert TermsPage.objects.filter(locale__language_code=language).exists()
    assert set(Gateway.objects.values_list("kind", flat=True)) == set(Gateway.Kind.values)
    counts = (Library.objects.count(), Gateway.objects.count(), LibraryPortalPage.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Library.objects.count(), Gateway.objects.count(), LibraryPortalPage.objects.count()) == counts

    central = Library.objects.get(slug="central-library")
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/library-wifi/library/{central.slug}/").content.decode()
    assert "Central Library" in english and "stocktaking days" in english
    librarian = User.objects.get(username="librarian-central")
    assert librarian.groups.filter(name="Library central-library editors").exists()
