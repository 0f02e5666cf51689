"""A visitor extends their own Wi-Fi session before it ends, where the library allows it (RFC 8908
``can-extend-session``); every other attempt is refused with a page that says why."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from library_wifi import testing
from library_wifi.models import WifiSession

from .conftest import accept, form_fields, portal_url

pytestmark = pytest.mark.django_db


def _connected(phone: Client, gateway) -> WifiSession:
    splash = phone.get(portal_url(gateway), testing.meraki_query())
    assert accept(phone, gateway, splash.content.decode()).status_code == 200
    return WifiSession.objects.get(gateway=gateway)


def _ends_in(session: WifiSession, minutes: int) -> None:
    WifiSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() + datetime.timedelta(minutes=minutes))


def _renew(phone: Client, gateway, **extra):
    """The form of the session page, as a browser sends it (with the CSRF token of the splash where the page has
    no form to take it from)."""
    fields = form_fields(phone.get(f"{portal_url(gateway)}session/").content.decode())
    if "csrfmiddlewaretoken" not in fields:
        if "csrftoken" not in phone.cookies:
            phone.get(portal_url(gateway), testing.meraki_query())  # a splash page sets the CSRF cookie
        fields["csrfmiddlewaretoken"] = phone.cookies["csrftoken"].value
    return phone.post(f"{portal_url(gateway)}session/renew/", {**fields, **extra})


def _refused(response, status: int, words: str) -> None:
    assert response.status_code == status
    html = response.content.decode()
    assert 'role="alert"' in html and words in html, html


def test_a_visitor_extends_their_session_from_the_status_page_before_it_ends(wifi, phone):
    session = _connected(phone, wifi.meraki)
    _ends_in(session, 5)
    start = phone.get(portal_url(wifi.meraki)).content.decode()
    assert "You are connected until" in start and f"{portal_url(wifi.meraki)}session/" in start
    page = phone.get(f"{portal_url(wifi.meraki)}session/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert "(4 minutes left)" in html and "Extend by 60 minutes from now" in html
    answer = _renew(phone, wifi.meraki)
    assert answer.status_code == 303 and answer["Location"].endswith("/session/?renewed=1")
    session.refresh_from_db()
    assert session.renewals == 1
    left = session.expires_at - timezone.now()
    assert datetime.timedelta(minutes=59) < left <= datetime.timedelta(minutes=60)
    shown = phone.get(answer["Location"]).content.decode()
    assert "Extended: your session now lasts until" in shown
    assert f"{timezone.localtime(session.expires_at):%H:%M}" in shown


def test_the_page_after_the_accept_leads_to_the_session_and_the_api_says_it_can_be_extended(wifi, phone):
    splash = phone.get(portal_url(wifi.meraki), testing.meraki_query())
    after = accept(phone, wifi.meraki, splash.content.decode())
    assert "library_wifi_session" in after.cookies
    cookie = after.cookies["library_wifi_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == portal_url(wifi.meraki)
    assert f'href="{portal_url(wifi.meraki)}session/"' in after.content.decode()
    session = WifiSession.objects.get()
    api = Client().get(f"{portal_url(wifi.meraki)}api/", {"session": session.token}).json()
    assert api["can-extend-session"] is True and api["captive"] is False
    assert api["user-portal-url"].endswith(f"{portal_url(wifi.meraki)}session/")


def test_the_session_page_is_in_the_visitors_language(wifi):
    phone = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="ja")
    _connected(phone, wifi.meraki)
    html = phone.get(f"{portal_url(wifi.meraki)}session/").content.decode()
    assert "Wi-Fiの利用時間" in html and "今から60分延長する" in html


def test_a_library_that_does_not_allow_renewal_refuses_it_with_a_clear_page(wifi, phone):
    wifi.page.renewable = False
    wifi.page.save_revision().publish()
    session = _connected(phone, wifi.meraki)
    api = Client().get(f"{portal_url(wifi.meraki)}api/", {"session": session.token}).json()
    assert api["can-extend-session"] is False
    html = phone.get(f"{portal_url(wifi.meraki)}session/").content.decode()
    assert "cannot be renewed" in html and "/session/renew/" not in html
    _refused(_renew(phone, wifi.meraki), 409, "cannot be renewed")
    session.refresh_from_db()
    assert session.renewals == 0


def test_an_ended_session_cannot_be_renewed(wifi, phone):
    session = _connected(phone, wifi.meraki)
    page = phone.get(f"{portal_url(wifi.meraki)}session/").content.decode()  # the form, while it lasted
    _ends_in(session, -1)
    answer = phone.post(f"{portal_url(wifi.meraki)}session/renew/", form_fields(page))  # sent after the end
    _refused(answer, 410, "has already ended")
    _refused(phone.get(f"{portal_url(wifi.meraki)}session/"), 410, "has already ended")
    session.refresh_from_db()
    assert session.renewals == 0 and session.expires_at < timezone.now()


def test_someone_elses_session_cannot_be_seen_or_renewed(wifi, phone):
    session = _connected(phone, wifi.meraki)
    stranger = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    _refused(stranger.get(f"{portal_url(wifi.meraki)}session/", {"session": session.token}), 404, "No Wi-Fi session")
    _refused(_renew(stranger, wifi.meraki), 404, "No Wi-Fi session")
    # The token of this gateway's session is nobody's at another gateway's portal (another library, say).
    stranger.cookies["library_wifi_session"] = session.token
    _refused(stranger.get(f"{portal_url(wifi.coova)}session/"), 404, "No Wi-Fi session")
    _refused(_renew(stranger, wifi.coova), 404, "No Wi-Fi session")
    session.refresh_from_db()
    assert session.renewals == 0


@pytest.mark.parametrize("token", ["", "x" * 500, "not-a-token", "' OR 1=1 --"])
def test_a_made_up_session_cookie_is_refused(wifi, token):
    phone = Client(HTTP_ACCEPT_LANGUAGE="en")
    phone.cookies["library_wifi_session"] = token
    _refused(phone.post(f"{portal_url(wifi.meraki)}session/renew/"), 404, "No Wi-Fi session")


def test_an_unknown_portal_address_has_no_session_page(wifi, phone):
    _refused(phone.get("/library-wifi/portal/no-such-gateway/session/"), 404, "not known")
    assert phone.get(f"{portal_url(wifi.meraki)}session/renew/").status_code == 405


def test_a_renewal_without_the_csrf_token_is_refused(wifi, phone):
    session = _connected(phone, wifi.meraki)
    _ends_in(session, 5)
    answer = phone.post(f"{portal_url(wifi.meraki)}session/renew/", {})
    assert answer.status_code == 403
    session.refresh_from_db()
    assert session.renewals == 0


def test_a_flood_of_renewals_is_rate_limited(wifi, phone, settings):
    settings.LIBRARY_WIFI_ACCEPTS_PER_MINUTE = 3
    _connected(phone, wifi.meraki)
    statuses = [_renew(phone, wifi.meraki).status_code for _ in range(5)]
    assert statuses == [303, 303, 303, 429, 429]
    assert WifiSession.objects.get().renewals == 3
