"""A city with one library, its Wi-Fi page and terms, and a gateway of each kind; a visitor's phone (a client
that enforces CSRF as a browser does)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.test import Client

from library_wifi import testing
from library_wifi.models import Gateway, LibraryPortalPage, TermsPage
from school_portal.core.models import City, Library

BASE = "http://testserver"


@dataclass
class Wifi:
    city: City
    library: Library
    page: LibraryPortalPage
    terms: TermsPage
    opennds: Gateway
    opennds3: Gateway
    coova: Gateway
    meraki: Gateway
    unifi: Gateway


@pytest.fixture
def wifi(db) -> Wifi:
    city = City.objects.create(name="みなと市", slug="minato")
    library = Library.objects.create(
        city=city, name="北区中央図書館", name_en="Kita Central Library", slug="kita-central"
    )
    return Wifi(
        city=city,
        library=library,
        page=testing.portal_page(library),
        terms=testing.terms_page(),
        opennds=testing.gateway(library, Gateway.Kind.OPENNDS),
        opennds3=testing.gateway(
            library, Gateway.Kind.OPENNDS, opennds_level=3, allowed_hosts="", opennds_gateway_name="lib-gw-3"
        ),
        coova=testing.gateway(library, Gateway.Kind.COOVA),
        meraki=testing.gateway(library, Gateway.Kind.MERAKI),
        unifi=testing.gateway(library, Gateway.Kind.UNIFI),
    )


@pytest.fixture
def phone() -> Client:
    return Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")


def portal_url(gateway: Gateway) -> str:
    return f"/library-wifi/portal/{gateway.key}/"


def form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def accept(phone: Client, gateway: Gateway, splash_html: str, *, agree: bool = True, **extra):
    data = form_fields(splash_html)
    if agree:
        data["agree"] = "yes"
    data.update(extra)
    return phone.post(f"{portal_url(gateway)}accept/", data)


def refresh_target(html: str) -> str:
    match = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', html)
    assert match, html
    return match.group(1).replace("&amp;", "&")
