"""The accept's facts (gateway, session length, renewal, disaster mode, terms) kept in each process's memory: read
once, then only the session is written; any change is seen by the next accept. Transactional: outside a test's
transaction, as in a server, where the facts are remembered."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from library_wifi import testing
from library_wifi.models import DisasterMode, Gateway, LibraryPortalPage, WifiSession
from school_portal.core.models import City, Library

from .conftest import accept, portal_url, refresh_target

pytestmark = pytest.mark.django_db(transaction=True)


def _accept(gateway: Gateway, *, agree: bool = True):
    phone = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="ja")
    splash = phone.get(portal_url(gateway), testing.meraki_query())
    return accept(phone, gateway, splash.content.decode(), agree=agree)


def test_an_accept_writes_only_its_session_and_sees_every_change_at_once():
    city = City.objects.create(name="みなと市", slug="minato")
    library = Library.objects.create(city=city, name="北区中央図書館", slug="kita-central")
    page = testing.portal_page(library)
    testing.terms_page()
    gateway = testing.gateway(library, Gateway.Kind.MERAKI)
    assert _accept(gateway).status_code == 200  # the facts are read once here

    phone = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="ja")
    splash = phone.get(portal_url(gateway), testing.meraki_query()).content.decode()
    with CaptureQueriesContext(connection) as queries:
        assert accept(phone, gateway, splash).status_code == 200
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements.count("SELECT") == 0 and statements.count("INSERT") == 1, queries.captured_queries

    # The library's page changes its session length: the next accept grants the new one.
    page = LibraryPortalPage.objects.get(pk=page.pk)
    page.session_minutes = 30
    page.save_revision().publish()
    target = refresh_target(_accept(gateway).content.decode())
    assert target.endswith("duration=1800")
    latest = WifiSession.objects.order_by("-pk").first()
    assert latest.expires_at - latest.started_at == datetime.timedelta(minutes=30)

    # The board opens the Wi-Fi without terms: the next visitor connects without ticking anything.
    assert _accept(gateway, agree=False).status_code == 400
    DisasterMode.objects.create(city=city, active=True)
    assert _accept(gateway, agree=False).status_code == 200
    assert WifiSession.objects.order_by("-pk").first().disaster

    # A gateway switched off is unknown to the very next request.
    phone = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="ja")
    splash = phone.get(portal_url(gateway), testing.meraki_query()).content.decode()  # shown before ...
    gateway.is_active = False
    gateway.save()
    assert accept(phone, gateway, splash).status_code == 404  # ... accepted after it was switched off
