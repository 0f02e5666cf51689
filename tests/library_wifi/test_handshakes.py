"""Each gateway's handshake, with the exact parameters it sends and the exact answer it expects."""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from library_wifi import testing
from library_wifi.adapters import authmon_line, opennds_gateway_hash
from library_wifi.models import WifiSession

from .conftest import BASE, Controller, accept, portal_url, refresh_target

pytestmark = pytest.mark.django_db


def test_opennds_level_1_sends_the_visitor_to_authaction_with_the_sha256_of_hid_and_faskey(wifi, phone):
    hid = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    splash = phone.get(portal_url(wifi.opennds), testing.opennds_query(wifi.opennds, hid=hid))
    assert splash.status_code == 200
    html = splash.content.decode()
    assert "北区中央図書館" in html and "利用規約" in html
    assert splash["Cache-Control"] == "no-store"

    answer = accept(phone, wifi.opennds, html)

    assert answer.status_code == 200
    expected_tok = hashlib.sha256((hid + testing.FASKEY).encode()).hexdigest()
    target = urlsplit(refresh_target(answer.content.decode()))
    assert (target.scheme, target.netloc, target.path) == ("http", "192.168.8.1:2050", "/opennds_auth/")
    assert parse_qs(target.query) == {"tok": [expected_tok], "redir": ["http://example.com/news?a=1&b=2"]}
    session = WifiSession.objects.get()
    assert session.terms_revision_id == wifi.terms.live_revision_id
    assert not session.disaster


def test_opennds_level_3_decrypts_the_fas_and_hands_the_rhid_to_authmon(wifi, phone):
    gateway = wifi.opennds3
    hid = "0f" * 32
    splash = phone.get(portal_url(gateway), testing.opennds_query(gateway, hid=hid))
    assert splash.status_code == 200

    answer = accept(phone, gateway, splash.content.decode())
    assert answer.status_code == 302
    waiting = phone.get(answer["Location"])
    assert "The Wi-Fi gateway is opening the connection" in waiting.content.decode() or waiting.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in waiting.content.decode()

    authmon = {"auth_get": "view", "gatewayhash": opennds_gateway_hash("lib-gw-3")}
    none = base64.b64encode(b"none").decode()
    listing = phone.post(portal_url(gateway), {**authmon, "payload": none})
    rhid = testing.rhid(hid)
    assert listing.content.decode() == "* " + quote(authmon_line(rhid, 60), safe="")
    assert listing.content.decode().startswith(f"* {rhid}%2060%200%200%200%200%20")

    connected = phone.get(answer["Location"])
    assert refresh_target(connected.content.decode()) == "http://example.com/news?a=1&b=2"

    ack = base64.b64encode(f"* {rhid}\n".encode()).decode()
    assert phone.post(portal_url(gateway), {**authmon, "payload": ack}).content == b"ack"
    assert phone.post(portal_url(gateway), {**authmon, "payload": none}).content == b"*"


def test_authmon_with_another_gateways_hash_gets_nothing(wifi, phone):
    answer = phone.post(
        portal_url(wifi.opennds3),
        {"auth_get": "list", "gatewayhash": opennds_gateway_hash("someone-else"), "payload": "bm9uZQ=="},
    )
    assert answer.status_code == 403 and answer.content == b""


def test_coova_checks_md_then_sends_the_visitor_to_logon_with_the_pap_password(wifi, phone):
    challenge = "00112233445566778899aabbccddeeff"
    query = testing.coova_query(wifi.coova, base_url=f"{BASE}{portal_url(wifi.coova)}", challenge=challenge)
    splash = phone.get(f"{portal_url(wifi.coova)}?{query}")
    assert splash.status_code == 200

    answer = accept(phone, wifi.coova, splash.content.decode())

    target = urlsplit(refresh_target(answer.content.decode()))
    assert (target.netloc, target.path) == ("10.1.0.1:3990", "/logon")
    params = parse_qs(target.query)
    assert params["username"] == ["guest"] and params["userurl"] == ["http://example.com/"]
    key = hashlib.md5(bytes.fromhex(challenge) + testing.UAMSECRET.encode()).digest()  # noqa: S324 (chilli's)
    decoded = bytes(a ^ b for a, b in zip(bytes.fromhex(params["password"][0]), key, strict=True))
    assert decoded.rstrip(b"\0") == b"guest-pass"


def test_meraki_sends_the_visitor_to_the_grant_url_with_continue_url_and_duration(wifi, phone):
    splash = phone.get(portal_url(wifi.meraki), testing.meraki_query())
    answer = accept(phone, wifi.meraki, splash.content.decode())
    target = urlsplit(refresh_target(answer.content.decode()))
    assert (target.scheme, target.netloc, target.path) == ("https", "n143.network-auth.com", "/splash/grant")
    assert parse_qs(target.query) == {"continue_url": ["http://example.com/"], "duration": ["3600"]}


def test_unifi_authorizes_the_guest_at_the_controller_then_sends_the_visitor_on(wifi, phone, controller):
    wifi.unifi.controller_url = controller
    wifi.unifi.save()
    mac = "aa:bb:cc:00:11:22"
    splash = phone.get(portal_url(wifi.unifi), testing.unifi_query(when=time.time(), mac=mac))
    answer = accept(phone, wifi.unifi, splash.content.decode())

    assert refresh_target(answer.content.decode()) == "http://example.com/"
    assert Controller.calls[0][:2] == ("/api/login", {"username": "portal", "password": "controller-pass"})
    assert Controller.calls[1][:2] == (
        "/api/s/default/cmd/stamgr",
        {"cmd": "authorize-guest", "mac": mac, "minutes": 60, "ap_mac": "80:2a:a8:00:00:01"},
    )


def test_a_unifi_controller_that_refuses_leaves_no_session_and_a_clear_page(wifi, phone, controller):
    wifi.unifi.controller_url = controller
    wifi.unifi.save()
    Controller.fail = True
    splash = phone.get(portal_url(wifi.unifi), testing.unifi_query(when=time.time()))
    answer = accept(phone, wifi.unifi, splash.content.decode())
    assert answer.status_code == 502
    assert "did not answer" in answer.content.decode() or "応答" in answer.content.decode()
    assert not WifiSession.objects.exists()
