"""Every bad input of issue 15: each refused with a clear page, nothing granted, the portal still answering."""

from __future__ import annotations

import base64
import time

import pytest
from django.test import Client

from library_wifi import testing
from library_wifi.models import HandshakeNonce, WifiSession

from .conftest import BASE, accept, form_fields, portal_url, refresh_target

pytestmark = pytest.mark.django_db

LANDING = "https://testserver/library-wifi/library/kita-central/"


def _still_up(phone: Client, wifi) -> None:
    assert phone.get(portal_url(wifi.meraki), testing.meraki_query()).status_code == 200


def _refused(response, status: int, words: str) -> None:
    assert response.status_code == status
    html = response.content.decode()
    assert 'role="alert"' in html and words in html, html


# --- open redirects --------------------------------------------------------------------------------------------


def test_a_forged_opennds_gatewayaddress_is_refused(wifi, phone):
    query = testing.opennds_query(wifi.opennds, gatewayaddress="evil.example:80")
    _refused(phone.get(portal_url(wifi.opennds), query), 400, "not one of the library")
    _still_up(phone, wifi)


@pytest.mark.parametrize(
    "originurl",
    ["javascript:alert(1)", "//evil.example/", "data:text/html,x", "http://user:pw@evil.example/", "ftp://x/"],
)
def test_an_opennds_originurl_that_is_not_http_goes_to_the_library_page_instead(wifi, phone, originurl):
    splash = phone.get(portal_url(wifi.opennds), testing.opennds_query(wifi.opennds, originurl=originurl))
    target = refresh_target(accept(phone, wifi.opennds, splash.content.decode()).content.decode())
    assert target.startswith("http://192.168.8.1:2050/opennds_auth/?tok=")
    assert target.endswith("&redir=" + "https%3A%2F%2Ftestserver%2Flibrary-wifi%2Flibrary%2Fkita-central%2F")


def test_a_redir_parameter_added_to_the_portal_address_is_never_followed(wifi, phone):
    query = {**testing.opennds_query(wifi.opennds), "redir": "https://evil.example/"}
    splash = phone.get(portal_url(wifi.opennds), query)
    target = refresh_target(accept(phone, wifi.opennds, splash.content.decode()).content.decode())
    assert "evil" not in target


def test_a_coova_uamip_that_is_not_the_librarys_gateway_is_refused_even_when_signed(wifi, phone):
    query = testing.coova_query(wifi.coova, base_url=f"{BASE}{portal_url(wifi.coova)}", uamip="203.0.113.9")
    _refused(phone.get(f"{portal_url(wifi.coova)}?{query}"), 400, "not one of the library")


def test_a_coova_userurl_that_is_not_http_goes_to_the_library_page(wifi, phone):
    query = testing.coova_query(wifi.coova, base_url=f"{BASE}{portal_url(wifi.coova)}", userurl="javascript:alert(1)")
    splash = phone.get(f"{portal_url(wifi.coova)}?{query}")
    target = refresh_target(accept(phone, wifi.coova, splash.content.decode()).content.decode())
    assert target.endswith("&userurl=" + "https%3A%2F%2Ftestserver%2Flibrary-wifi%2Flibrary%2Fkita-central%2F")


@pytest.mark.parametrize(
    "base_grant_url",
    [
        "https://evil.example/splash/grant",
        "http://n143.network-auth.com/splash/grant",  # not https
        "https://n143.network-auth.com.evil.example/splash/grant",
        "https://n143.network-auth.com/splash/grant?continue_url=https://evil.example/",
        "javascript:alert(1)",
    ],
)
def test_a_meraki_base_grant_url_off_the_allow_list_is_refused(wifi, phone, base_grant_url):
    query = testing.meraki_query(base_grant_url=base_grant_url)
    _refused(phone.get(portal_url(wifi.meraki), query), 400, "not one of the library")


def test_a_meraki_user_continue_url_that_is_not_http_is_replaced_by_the_library_page(wifi, phone):
    splash = phone.get(portal_url(wifi.meraki), testing.meraki_query(user_continue_url="javascript:alert(1)"))
    target = refresh_target(accept(phone, wifi.meraki, splash.content.decode()).content.decode())
    assert target.startswith("https://n143.network-auth.com/splash/grant?continue_url=https%3A%2F%2Ftestserver")


def test_a_unifi_url_that_is_not_http_is_never_carried_to_the_accept(wifi, phone):
    splash = phone.get(portal_url(wifi.unifi), testing.unifi_query(when=time.time(), url="javascript:alert(1)"))
    html = splash.content.decode()
    assert "javascript:" not in html


# --- forged or replayed signatures --------------------------------------------------------------------------


def test_a_forged_coova_md_is_refused(wifi, phone):
    query = testing.coova_query(wifi.coova, base_url=f"{BASE}{portal_url(wifi.coova)}")
    forged = query[:-32] + "0" * 32
    _refused(phone.get(f"{portal_url(wifi.coova)}?{forged}"), 403, "signature does not match")


def test_a_coova_request_altered_after_signing_is_refused(wifi, phone):
    query = testing.coova_query(wifi.coova, base_url=f"{BASE}{portal_url(wifi.coova)}")
    altered = query.replace("userurl=http%3A%2F%2Fexample.com%2F", "userurl=http%3A%2F%2Fevil.example%2F")
    _refused(phone.get(f"{portal_url(wifi.coova)}?{altered}"), 403, "signature does not match")


def test_a_coova_request_without_md_is_refused(wifi, phone):
    query = testing.coova_query(wifi.coova, base_url=f"{BASE}{portal_url(wifi.coova)}").rpartition("&md=")[0]
    _refused(phone.get(f"{portal_url(wifi.coova)}?{query}"), 403, "not signed")


def test_a_replayed_coova_challenge_is_refused_the_second_time(wifi, phone):
    query = testing.coova_query(wifi.coova, base_url=f"{BASE}{portal_url(wifi.coova)}")
    first = phone.get(f"{portal_url(wifi.coova)}?{query}").content.decode()
    assert accept(phone, wifi.coova, first).status_code == 200
    again = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    replay = again.get(f"{portal_url(wifi.coova)}?{query}").content.decode()
    _refused(accept(again, wifi.coova, replay), 409, "already been used")
    assert WifiSession.objects.count() == 1


def test_a_replayed_opennds_hid_is_refused_the_second_time(wifi, phone):
    query = testing.opennds_query(wifi.opennds, hid="ab" * 32)
    assert accept(phone, wifi.opennds, phone.get(portal_url(wifi.opennds), query).content.decode()).status_code == 200
    other = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    replay = other.get(portal_url(wifi.opennds), query).content.decode()
    _refused(accept(other, wifi.opennds, replay), 409, "already been used")


def test_an_opennds_level_3_fas_encrypted_with_another_key_is_refused(wifi, phone):
    plain = testing.opennds_fas_fields(wifi.opennds3)
    query = {"fas": testing.opennds_encrypt(plain, "0123456789abcdef", "not-the-faskey"), "iv": "0123456789abcdef"}
    _refused(phone.get(portal_url(wifi.opennds3), query), 403, "could not be read")


def test_a_handshake_altered_in_the_form_is_refused(wifi, phone):
    splash = phone.get(portal_url(wifi.meraki), testing.meraki_query()).content.decode()
    fields = form_fields(splash)
    fields["handshake"] = fields["handshake"][:-3] + "AAA"
    response = phone.post(f"{portal_url(wifi.meraki)}accept/", {**fields, "agree": "yes"})
    _refused(response, 400, "expired or was altered")


# --- missing or malformed parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,query",
    [
        ("opennds", {"fas": "not base64 at all!"}),
        ("opennds", {"fas": base64.b64encode(b"clientip=1.2.3.4, clientmac=aa:bb:cc:dd:ee:ff").decode()}),
        ("opennds", {"iv": "x"}),
        ("opennds3", {"fas": "QUJD"}),
        ("meraki", {"user_continue_url": "http://example.com/"}),
        ("meraki", {"base_grant_url": "https://n143.network-auth.com/splash/grant", "client_mac": "zz"}),
        ("unifi", {"ap": "80:2a:a8:00:00:01"}),
        ("unifi", {"id": "not-a-mac", "t": "1"}),
        ("unifi", {"id": "aa:bb:cc:dd:ee:ff", "t": "yesterday"}),
        ("coova", {"res": "notyet"}),
    ],
)
def test_a_missing_or_malformed_parameter_is_refused_with_a_clear_page(wifi, phone, kind, query):
    response = phone.get(portal_url(getattr(wifi, kind)), query)
    assert response.status_code in {400, 403}
    assert 'role="alert"' in response.content.decode()
    _still_up(phone, wifi)


def test_opennds_sending_a_client_already_through_gets_a_clear_page(wifi, phone):
    query = {"clientip": "192.168.8.23", "gatewayname": "lib-gw", "status": "authenticated"}
    _refused(phone.get(portal_url(wifi.opennds), query), 409, "already connected")


def test_an_old_unifi_request_is_refused(wifi, phone):
    _refused(phone.get(portal_url(wifi.unifi), testing.unifi_query(when=time.time() - 3600)), 400, "expired")


def test_an_unknown_portal_address_is_a_clear_404(wifi, phone):
    _refused(phone.get("/library-wifi/portal/no-such-gateway/", {"fas": "x"}), 404, "not known")


# --- the accept form -----------------------------------------------------------------------------------------


def test_an_accept_without_csrf_token_is_refused_and_grants_nothing(wifi, phone):
    splash = phone.get(portal_url(wifi.meraki), testing.meraki_query()).content.decode()
    fields = form_fields(splash)
    fields.pop("csrfmiddlewaretoken")
    response = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en").post(
        f"{portal_url(wifi.meraki)}accept/", {**fields, "agree": "yes"}
    )
    assert response.status_code == 403
    assert not WifiSession.objects.exists()


def test_an_accept_without_ticking_the_box_shows_the_page_again_with_the_reason(wifi, phone):
    splash = phone.get(portal_url(wifi.meraki), testing.meraki_query()).content.decode()
    _refused(accept(phone, wifi.meraki, splash, agree=False), 400, "tick the box")
    assert not WifiSession.objects.exists()


def test_terms_changed_while_the_visitor_read_them_are_shown_again(wifi, phone):
    splash = phone.get(portal_url(wifi.meraki), testing.meraki_query()).content.decode()
    testing.terms_page(body="<p>新しい利用規約</p>")
    response = accept(phone, wifi.meraki, splash)
    _refused(response, 409, "have changed")
    assert "新しい利用規約" in response.content.decode()


def test_a_flood_of_accepts_from_one_device_is_rate_limited(wifi, phone, settings):
    settings.LIBRARY_WIFI_ACCEPTS_PER_MINUTE = 3
    query = testing.meraki_query(client_mac="aa:bb:cc:dd:ee:01")
    splash = phone.get(portal_url(wifi.meraki), query).content.decode()
    statuses = [accept(phone, wifi.meraki, splash).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    device = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    other = device.get(portal_url(wifi.meraki), testing.meraki_query(client_mac="aa:bb:cc:dd:ee:02")).content.decode()
    assert accept(device, wifi.meraki, other).status_code == 200  # another device is not held up


def test_no_raw_mac_or_ip_is_stored_anywhere(wifi, phone):
    mac = "de:ad:be:ef:00:42"
    splash = phone.get(portal_url(wifi.meraki), testing.meraki_query(client_mac=mac, client_ip="10.110.154.195"))
    accept(phone, wifi.meraki, splash.content.decode())
    query = testing.coova_query(wifi.coova, base_url=f"{BASE}{portal_url(wifi.coova)}", mac=mac)
    accept(phone, wifi.coova, phone.get(f"{portal_url(wifi.coova)}?{query}").content.decode())
    from django.apps import apps
    from django.core import serializers

    dumped = serializers.serialize(
        "json", [o for m in apps.get_app_config("library_wifi").get_models() for o in m.objects.all()]
    )
    for raw in (mac, mac.replace(":", "-").upper(), mac.replace(":", ""), "10.110.154.195", "10.1.0.7"):
        assert raw.lower() not in dumped.lower()
    assert HandshakeNonce.objects.count() == 1  # the Coova challenge, as a digest
