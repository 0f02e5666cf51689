"""The web side of push: the app manifest and service worker, a signed-in user's own devices and quiet hours."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse

from school_portal.core import push
from school_portal.core.models import Job, PushPreference, PushSubscription
from tests.push_endpoint import PushEndpoint

pytestmark = pytest.mark.django_db

browser = PushEndpoint(port=9)  # only its subscriptions are used here: nothing is sent


def signed_in(world, role: str, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(world.users[role], backend="school_portal.core.backends.ThrottledModelBackend")
    return client


def subscribe(client: Client, info: dict, **extra):
    body = json.dumps({"subscription": info, "device": "Android Chrome"})
    return client.post(reverse("core:push_subscribe"), body, content_type="application/json", **extra)


def test_the_manifest_makes_the_portal_a_home_screen_app_with_its_own_icons(client):
    manifest = client.get(reverse("core:manifest"))
    assert manifest.status_code == 200 and manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["display"] == "standalone" and data["scope"] == "/" and data["start_url"] == "/dashboard/"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert all(icon["src"].startswith("/static/") for icon in data["icons"])  # served by the portal, no CDN
    page = client.get(reverse("core:login")).content.decode()
    assert 'rel="manifest"' in page and 'rel="apple-touch-icon"' in page


def test_the_service_worker_is_served_at_the_root_for_the_whole_site(client):
    response = client.get("/service-worker.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert b"notificationclick" in response.content


def test_a_guardian_turns_notifications_on_for_a_phone_and_sees_it_on_the_account_page(world):
    client = signed_in(world, "guardian", csrf=True)
    page = client.get(reverse("core:account"))
    token = str(page.context["csrf_token"])
    assert push.vapid_public_key() in page.content.decode()

    response = subscribe(client, browser.subscription("phone"), HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 201
    subscription = PushSubscription.objects.get()
    assert subscription.user == world.users["guardian"] and subscription.device == "Android Chrome"
    page = client.get(reverse("core:account")).content.decode()
    assert "1" in page and reverse("core:push_test") in page


def test_subscribing_without_the_csrf_token_is_refused(world):
    client = signed_in(world, "guardian", csrf=True)
    assert subscribe(client, browser.subscription("phone")).status_code == 403
    assert not PushSubscription.objects.exists()


def test_a_signed_out_visitor_cannot_subscribe(client):
    response = subscribe(client, browser.subscription("phone"))
    assert response.status_code == 302 and not PushSubscription.objects.exists()


def test_an_endpoint_without_https_is_refused_with_a_clear_message(world, settings):
    settings.LANGUAGE_CODE = "en"
    client = signed_in(world, "guardian")
    info = {**browser.subscription("phone"), "endpoint": "http://push.example.jp/abc"}
    response = subscribe(client, info, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["error"] == "The notification address must use HTTPS."


def test_an_endpoint_on_a_private_address_is_refused_with_a_clear_message(world):
    client = signed_in(world, "guardian")
    info = {**browser.subscription("phone"), "endpoint": "https://192.168.1.10/push"}
    response = subscribe(client, info, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "private or local address" in response.json()["error"] or "プライベート" in response.json()["error"]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"subscription": "x"}', b"{" + b" " * 5000 + b"}"])
def test_a_malformed_request_is_refused_and_the_server_answers(world, body):
    client = signed_in(world, "guardian")
    response = client.post(reverse("core:push_subscribe"), body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]
    assert client.get(reverse("core:account")).status_code == 200


def test_a_user_cannot_remove_another_users_device(world):
    push.push_subscription_save(user=world.users["guardian"], info=browser.subscription("mother"))
    other = signed_in(world, "other_guardian")
    endpoint = browser.subscription("mother")["endpoint"]
    response = other.post(
        reverse("core:push_unsubscribe"), json.dumps({"endpoint": endpoint}), content_type="application/json"
    )
    assert response.status_code == 404
    assert PushSubscription.objects.filter(user=world.users["guardian"]).exists()
    own = signed_in(world, "guardian").post(
        reverse("core:push_unsubscribe"), json.dumps({"endpoint": endpoint}), content_type="application/json"
    )
    assert own.status_code == 200 and not PushSubscription.objects.exists()


def test_the_same_browser_signed_in_as_someone_else_moves_to_them(world):
    """The endpoint is a secret the browser holds: whoever sends it is signed in on that browser now."""
    push.push_subscription_save(user=world.users["guardian"], info=browser.subscription("shared-tablet"))
    subscribe(signed_in(world, "other_guardian"), browser.subscription("shared-tablet"))
    assert PushSubscription.objects.get().user == world.users["other_guardian"]


def test_a_guardian_chooses_their_quiet_hours(world):
    client = signed_in(world, "guardian")
    data = {"quiet-quiet_hours": "on", "quiet-quiet_start": "22:30", "quiet-quiet_end": "06:00"}
    response = client.post(reverse("core:push_quiet_hours"), data)
    assert response.status_code == 302
    preference = PushPreference.objects.get(user=world.users["guardian"])
    assert (preference.quiet_start, preference.quiet_end) == (datetime.time(22, 30), datetime.time(6))
    assert 'value="22:30"' in client.get(reverse("core:account")).content.decode()
    bad = client.post(reverse("core:push_quiet_hours"), {"quiet-quiet_start": "late", "quiet-quiet_end": ""})
    assert bad.status_code == 302
    assert PushPreference.objects.get(user=world.users["guardian"]).quiet_start == datetime.time(22, 30)


def test_a_test_notification_goes_to_the_users_own_devices(world):
    endpoint = PushEndpoint(expected_key=push.vapid_public_key()).start()
    try:
        push.push_subscription_save(user=world.users["guardian"], info=endpoint.subscription("phone"))
        response = signed_in(world, "guardian").post(reverse("core:push_test"))
        job = Job.objects.get()
        assert response["Location"] == reverse("core:job_detail", args=[job.pk])
        (payload,) = endpoint.messages_for("phone")
        assert payload["url"] == "/account/" and endpoint.errors == []
    finally:
        endpoint.stop()


def test_without_a_vapid_key_the_account_page_shows_no_notification_section(world, settings, tmp_path):
    settings.PUSH_VAPID_PRIVATE_KEY = ""
    settings.PUSH_VAPID_MAKE_DEV_KEY = False
    settings.PUSH_VAPID_KEY_FILE = tmp_path / "none.pem"
    push._vapid = None
    try:
        page = signed_in(world, "guardian").get(reverse("core:account"))
        assert page.status_code == 200 and 'id="push-device"' not in page.content.decode()
    finally:
        push._vapid = None
