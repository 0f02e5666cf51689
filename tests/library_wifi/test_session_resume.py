"""A renewed session outlives the gateway's own timer, which was set at the grant: when that timer runs out the
gateway sends the visitor back to the splash with a fresh handshake, and the splash lets them continue the session
(same device, no new session, no terms again) for the minutes it has left, through that gateway's own handshake."""

from __future__ import annotations

import base64
import datetime
import hashlib
import time
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from library_wifi import testing
from library_wifi.adapters import authmon_line, opennds_gateway_hash
from library_wifi.models import HandshakeNonce, WifiSession

from .conftest import BASE, accept, form_fields, portal_url, refresh_target
from .conftest import Controller as UnifiController

pytestmark = pytest.mark.django_db

MAC = "aa:bb:cc:00:11:22"


def _splash(phone: Client, gateway, *, mac: str = MAC, hid: str | None = None, when: float | None = None):
    """The gateway sends the client to the portal: a fresh handshake each time (new hid, challenge or stamp)."""
    if gateway.kind == "opennds":
        return phone.get(portal_url(gateway), testing.opennds_query(gateway, mac=mac, hid=hid))
    if gateway.kind == "coova":
        query = testing.coova_query(gateway, base_url=f"{BASE}{portal_url(gateway)}", mac=mac)
        return phone.get(f"{portal_url(gateway)}?{query}")
    if gateway.kind == "meraki":
        return phone.get(portal_url(gateway), testing.meraki_query(client_mac=mac))
    return phone.get(portal_url(gateway), testing.unifi_query(when=when or time.time(), mac=mac))


def _connected_and_renewed(phone: Client, gateway) -> WifiSession:
    """Accepted the terms an hour ago minus five minutes, then extended it by the library's 60 minutes."""
    answer = accept(phone, gateway, _splash(phone, gateway, when=time.time() - 5).content.decode())
    assert answer.status_code in {200, 302}  # 302: openNDS level 3 waits for authmon
    session = WifiSession.objects.get(gateway=gateway)
    WifiSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() + datetime.timedelta(minutes=5))
    page = phone.get(f"{portal_url(gateway)}session/").content.decode()
    assert phone.post(f"{portal_url(gateway)}session/renew/", form_fields(page)).status_code == 303
    session.refresh_from_db()
    assert session.renewals == 1
    return session


def _resume(phone: Client, gateway, splash_html: str):
    return phone.post(f"{portal_url(gateway)}session/resume/", form_fields(splash_html))


def _offers_to_continue(splash) -> str:
    html = splash.content.decode()
    assert splash.status_code == 200
    assert "Your Wi-Fi session continues until" in html and "Continue my session" in html
    assert 'name="agree"' not in html  # no terms again
    return html


@pytest.fixture
def unifi(wifi, controller):
    wifi.unifi.controller_url = controller
    wifi.unifi.save()
    return wifi.unifi


def test_meraki_continues_the_renewed_session_with_a_grant_for_the_minutes_left(wifi, phone):
    session = _connected_and_renewed(phone, wifi.meraki)
    html = _offers_to_continue(_splash(phone, wifi.meraki))  # Meraki's own 60 minutes ran out first
    assert f"{timezone.localtime(session.expires_at):%H:%M}" in html

    answer = _resume(phone, wifi.meraki, html)

    target = urlsplit(refresh_target(answer.content.decode()))
    assert (target.scheme, target.netloc, target.path) == ("https", "n143.network-auth.com", "/splash/grant")
    assert parse_qs(target.query) == {"continue_url": ["http://example.com/"], "duration": ["3600"]}
    assert WifiSession.objects.count() == 1  # the same session: counted once in the statistics
    session.refresh_from_db()
    assert session.renewals == 1 and session.expires_at - timezone.now() <= datetime.timedelta(minutes=60)


def test_opennds_level_1_continues_through_authaction_with_the_fresh_hid(wifi, phone):
    _connected_and_renewed(phone, wifi.opennds)
    hid = "c0ffee" * 6
    answer = _resume(phone, wifi.opennds, _offers_to_continue(_splash(phone, wifi.opennds, hid=hid)))
    target = urlsplit(refresh_target(answer.content.decode()))
    assert (target.netloc, target.path) == ("192.168.8.1:2050", "/opennds_auth/")
    assert parse_qs(target.query)["tok"] == [hashlib.sha256((hid + testing.FASKEY).encode()).hexdigest()]


def test_opennds_level_3_hands_authmon_the_fresh_rhid_for_the_minutes_left(wifi, phone):
    gateway = wifi.opennds3
    _connected_and_renewed(phone, gateway)
    authmon = {"auth_get": "list", "gatewayhash": opennds_gateway_hash("lib-gw-3")}
    phone.post(portal_url(gateway), {**authmon, "payload": base64.b64encode(b"none").decode()})  # the first grant
    hid = "ab" * 32

    answer = _resume(phone, gateway, _offers_to_continue(_splash(phone, gateway, hid=hid)))

    assert answer.status_code == 302 and "/wait/" in answer["Location"]
    listing = phone.post(portal_url(gateway), {**authmon, "payload": base64.b64encode(b"none").decode()})
    assert listing.content.decode() == "* " + quote(authmon_line(testing.rhid(hid), 60), safe="")
    assert refresh_target(phone.get(answer["Location"]).content.decode()) == "http://example.com/news?a=1&b=2"


def test_coova_logs_on_again_with_the_fresh_challenge(wifi, phone):
    _connected_and_renewed(phone, wifi.coova)
    answer = _resume(phone, wifi.coova, _offers_to_continue(_splash(phone, wifi.coova)))
    target = urlsplit(refresh_target(answer.content.decode()))
    assert (target.netloc, target.path) == ("10.1.0.1:3990", "/logon")
    assert parse_qs(target.query)["username"] == ["guest"]


def test_unifi_authorizes_the_guest_again_at_the_controller_for_the_minutes_left(wifi, phone, unifi):
    _connected_and_renewed(phone, unifi)
    UnifiController.calls.clear()
    answer = _resume(phone, unifi, _offers_to_continue(_splash(phone, unifi)))
    assert refresh_target(answer.content.decode()) == "http://example.com/"
    assert UnifiController.calls[1][:2] == (
        "/api/s/default/cmd/stamgr",
        {"cmd": "authorize-guest", "mac": MAC, "minutes": 60, "ap_mac": "80:2a:a8:00:00:01"},
    )


def test_the_gateways_one_time_value_continues_once(wifi, phone):
    """A replayed resume is refused as a replayed accept is (openNDS's hid is good once)."""
    _connected_and_renewed(phone, wifi.opennds)
    hid = "d1" * 16
    fresh = _offers_to_continue(_splash(phone, wifi.opennds, hid=hid))
    assert _resume(phone, wifi.opennds, fresh).status_code == 200
    again = _resume(phone, wifi.opennds, fresh)
    assert again.status_code == 409 and "already been used" in again.content.decode()
    assert HandshakeNonce.objects.filter(digest=hashlib.sha256(hid.encode()).hexdigest()).count() == 1


def test_the_session_cookie_on_another_device_gets_the_terms_not_a_free_continuation(wifi, phone):
    session = _connected_and_renewed(phone, wifi.meraki)
    other = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    other.cookies["library_wifi_session"] = session.token  # copied over to a second device
    splash = _splash(other, wifi.meraki, mac="aa:bb:cc:99:99:99")
    answer = _resume(other, wifi.meraki, _offers_to_continue(splash))
    html = answer.content.decode()
    assert answer.status_code == 409 and "belongs to another device" in html and 'name="agree"' in html
    assert "n143.network-auth.com" not in html  # no grant


def test_a_session_that_ended_meanwhile_gets_the_terms_again(wifi, phone):
    session = _connected_and_renewed(phone, wifi.meraki)
    html = _offers_to_continue(_splash(phone, wifi.meraki))
    WifiSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    answer = _resume(phone, wifi.meraki, html)
    assert answer.status_code == 409 and "has ended" in answer.content.decode()
    assert 'name="agree"' in answer.content.decode()
    assert "Continue my session" not in _splash(phone, wifi.meraki).content.decode()  # an ended one: the terms


def test_without_the_session_cookie_there_is_nothing_to_continue(wifi, phone):
    _connected_and_renewed(phone, wifi.meraki)
    stranger = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    splash = _splash(stranger, wifi.meraki)
    assert 'name="agree"' in splash.content.decode() and "Continue my session" not in splash.content.decode()
    fields = form_fields(splash.content.decode())
    answer = stranger.post(f"{portal_url(wifi.meraki)}session/resume/", fields)
    assert answer.status_code == 404 and "No Wi-Fi session" in answer.content.decode()


def test_a_resume_without_the_csrf_token_or_with_an_altered_handshake_is_refused(wifi, phone):
    _connected_and_renewed(phone, wifi.meraki)
    fields = form_fields(_offers_to_continue(_splash(phone, wifi.meraki)))
    url = f"{portal_url(wifi.meraki)}session/resume/"
    assert phone.post(url, {"handshake": fields["handshake"]}).status_code == 403
    altered = phone.post(url, {**fields, "handshake": fields["handshake"][:-2] + "xx"})
    assert altered.status_code == 400 and "expired or was altered" in altered.content.decode()


def test_the_continue_offer_is_in_the_visitors_language(wifi):
    phone = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="ja")
    _connected_and_renewed(phone, wifi.meraki)
    html = _splash(phone, wifi.meraki).content.decode()
    assert "Wi-Fiを続けて使えます" in html and "この続きで接続する" in html
