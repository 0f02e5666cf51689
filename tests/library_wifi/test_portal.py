"""The Captive Portal API (RFC 8908), the visitor's language, disaster mode, sessions and statistics."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from wagtail.models import Locale

from library_wifi import services, stats, testing
from library_wifi.models import DeviceSeen, DisasterMode, HourlyUse, StatsSalt, WifiSession
from school_portal.core import services as core_services
from school_portal.core.models import Role, User

from .conftest import accept, portal_url, refresh_target

pytestmark = pytest.mark.django_db


def test_the_captive_portal_api_answers_captive_json_that_nobody_caches(wifi):
    response = Client().get(f"{portal_url(wifi.meraki)}api/")
    assert response["Content-Type"] == "application/captive+json"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    body = json.loads(response.content)
    assert body == {
        "captive": True,
        "user-portal-url": f"https://testserver{portal_url(wifi.meraki)}",
        "venue-info-url": "https://testserver/library-wifi/library/kita-central/",
        "can-extend-session": True,
    }


def test_the_api_of_a_granted_session_says_not_captive_and_the_seconds_remaining(wifi, phone):
    splash = phone.get(portal_url(wifi.meraki), testing.meraki_query())
    accept(phone, wifi.meraki, splash.content.decode())
    session = WifiSession.objects.get()
    body = json.loads(Client().get(f"{portal_url(wifi.meraki)}api/", {"session": session.token}).content)
    assert body["captive"] is False
    assert 3590 <= body["seconds-remaining"] <= 3600


def test_the_portal_url_opened_without_parameters_shows_the_library_and_how_to_connect(wifi):
    response = Client().get(portal_url(wifi.meraki))
    assert response.status_code == 200
    html = response.content.decode()
    assert "北区中央図書館" in html and "火〜金" in html and "09:30" in html


def test_the_page_speaks_the_browsers_language_and_the_visitor_can_switch(wifi):
    korean = Client(HTTP_ACCEPT_LANGUAGE="ko")
    html = korean.get(portal_url(wifi.meraki), testing.meraki_query()).content.decode()
    assert '<html lang="ko">' in html
    assert "인터넷에 연결" in html  # "Connect to the Internet"
    switch = korean.get("/language/", {"language": "zh-hant", "next": portal_url(wifi.meraki)})
    assert switch.status_code == 302
    html = korean.get(portal_url(wifi.meraki), testing.meraki_query()).content.decode()
    assert '<html lang="zh-hant">' in html


def test_a_translated_library_page_is_shown_in_the_visitors_language(wifi):
    english = Locale.objects.get_or_create(language_code="en")[0]
    translation = wifi.page.copy_for_translation(english, copy_parents=True)
    translation.title = "Kita Central Library"
    translation.closing_days = "Mondays and the New Year holidays"
    translation.save_revision().publish()
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(portal_url(wifi.meraki)).content.decode()
    assert "Kita Central Library" in html and "Mondays and the New Year holidays" in html
    assert "毎週月曜日" in Client(HTTP_ACCEPT_LANGUAGE="ja").get(portal_url(wifi.meraki)).content.decode()


def test_the_board_opens_every_librarys_wifi_without_terms_in_one_action(wifi, phone):
    board = User.objects.create_user(username="board", password="x")  # noqa: S106
    core_services.role_assign(user=board, role=Role.CENTRE_STAFF)
    client = Client()
    client.force_login(board)
    assert client.post("/library-wifi/disaster/", {"active": "on"}).status_code == 302
    assert DisasterMode.objects.get(city=wifi.city).active

    splash = phone.get(portal_url(wifi.meraki), testing.meraki_query()).content.decode()
    assert "00000JAPAN" in splash and 'name="agree"' not in splash
    answer = accept(phone, wifi.meraki, splash, agree=False)
    assert refresh_target(answer.content.decode()).startswith("https://n143.network-auth.com/splash/grant")
    session = WifiSession.objects.get()
    assert session.disaster and session.terms_revision is None

    client.post("/library-wifi/disaster/", {"active": "off"})
    newcomer = Client(HTTP_ACCEPT_LANGUAGE="en")  # (the phone above continues its running session: no terms)
    assert 'name="agree"' in newcomer.get(portal_url(wifi.meraki), testing.meraki_query()).content.decode()


def test_a_librarian_cannot_switch_disaster_mode(wifi):
    librarian = User.objects.create_user(username="lib", password="x")  # noqa: S106
    core_services.role_assign(user=librarian, role=Role.LIBRARIAN, library=wifi.library)
    client = Client()
    client.force_login(librarian)
    assert client.post("/library-wifi/disaster/", {"active": "on"}).status_code == 403
    assert not DisasterMode.objects.filter(active=True).exists()


def test_a_session_lasts_the_librarys_length_and_renews_where_allowed(wifi, phone):
    wifi.page.session_minutes = 90
    wifi.page.save_revision().publish()
    splash = phone.get(portal_url(wifi.meraki), testing.meraki_query())
    target = refresh_target(accept(phone, wifi.meraki, splash.content.decode()).content.decode())
    assert target.endswith("duration=5400")
    session = WifiSession.objects.get()
    assert session.expires_at - session.started_at == datetime.timedelta(minutes=90)
    services.session_renew(session=session, renewable=True, minutes=90)
    assert session.renewals == 1


def test_statistics_count_new_and_returning_devices_per_hour_and_language(wifi):
    for mac in ("aa:00:00:00:00:01", "aa:00:00:00:00:01", "aa:00:00:00:00:02"):
        phone = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")  # a mini-browser keeps no cookie
        splash = phone.get(portal_url(wifi.meraki), testing.meraki_query(client_mac=mac))
        accept(phone, wifi.meraki, splash.content.decode())
    assert not HourlyUse.objects.exists()  # an accept writes its session only; the counts are made in batches
    assert stats.usage_rollup() == 3
    assert stats.usage_rollup() == 0  # counted once
    row = HourlyUse.objects.get()
    assert (row.sessions, row.new_devices, row.returning_devices, row.language) == (3, 2, 1, "en")


def test_retention_drops_old_sessions_and_last_months_salt(wifi, phone):
    splash = phone.get(portal_url(wifi.meraki), testing.meraki_query())
    accept(phone, wifi.meraki, splash.content.decode())
    WifiSession.objects.update(started_at=timezone.now() - datetime.timedelta(days=400))
    StatsSalt.objects.create(period="2000-01", salt="old")
    DeviceSeen.objects.create(period="2000-01", digest="x" * 64, library=wifi.library)
    call_command("enforce_retention")
    assert not WifiSession.objects.exists()
    assert not StatsSalt.objects.filter(period="2000-01").exists()
    assert not DeviceSeen.objects.filter(period="2000-01").exists()
    assert HourlyUse.objects.get().sessions == 1  # the open data stays


def test_the_client_digest_changes_with_the_month(wifi):
    now = timezone.now()
    assert stats.client_digest("aa:bb:cc:dd:ee:ff", when=now) != stats.client_digest(
        "aa:bb:cc:dd:ee:ff", when=now - datetime.timedelta(days=40)
    )
