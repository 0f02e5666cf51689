"""Push to a user's devices, end to end against a local push service that decrypts what it receives and checks
the VAPID signature (tests/push_endpoint.py). The immediate task backend runs the job inside ``push_start``;
tests/school_portal/test_push_worker.py runs it in real ``db_worker`` processes."""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from school_portal.core import push
from school_portal.core.models import Job, PushDelivery, PushMessage, PushSubscription, User
from school_portal.core.services import PortalError
from tests.push_endpoint import PushEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(_default_language):
    """The refusals are read in English here (the Japanese catalogue has them all: test_translations.py)."""
    with translation.override("en"):
        yield


@pytest.fixture
def endpoint() -> Iterator[PushEndpoint]:
    service = PushEndpoint(expected_key=push.vapid_public_key(), hang_seconds=3).start()
    yield service
    service.stop()


def subscribe(endpoint: PushEndpoint, user, token: str) -> PushSubscription:
    return push.push_subscription_save(user=user, info=endpoint.subscription(token), device="test")


def no_quiet_hours(user) -> None:
    push.push_preference_set(user=user, quiet_hours=False, quiet_start=datetime.time(21), quiet_end=datetime.time(7))


def send(world, users, **options) -> Job:
    defaults = {"title": "運動会は延期します", "body": "雨のため", "url": "/notices/1/"}
    defaults["by"] = world.users["school_admin"]
    return push.push_start(users=users, **{**defaults, **options})


def test_a_push_arrives_encrypted_for_the_device_signed_by_the_portal_with_its_ttl_urgency_and_topic(world, endpoint):
    guardian = world.users["guardian"]
    no_quiet_hours(guardian)
    subscribe(endpoint, guardian, "phone")
    subscribe(endpoint, guardian, "tablet")

    job = send(world, [guardian], urgency="high", ttl=3600, topic="sports-day")

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.done == job.total == 2
    assert endpoint.errors == []  # every body decrypted, every VAPID signature and claim verified
    for token in ("phone", "tablet"):
        (payload,) = endpoint.messages_for(token)
        assert payload["title"] == "運動会は延期します" and payload["body"] == "雨のため"
        assert payload["url"] == "/notices/1/"
    first = endpoint.received[0]
    assert (first.ttl, first.urgency, first.topic) == ("3600", "high", "sports-day")
    assert first.claims["aud"] == endpoint.origin and first.claims["sub"].startswith("mailto:")
    assert mail.outbox == []


def test_a_user_without_a_device_gets_an_email_instead(world, endpoint):
    guardian = world.users["other_guardian"]
    guardian.email = "sato@example.jp"
    guardian.save()
    no_quiet_hours(guardian)

    job = send(world, [guardian])

    (email,) = mail.outbox
    assert email.to == ["sato@example.jp"] and email.subject == "運動会は延期します"
    assert "/notices/1/" in email.body
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and "1" in job.message


@pytest.mark.parametrize("answer", ["404", "410"])
def test_a_subscription_the_push_service_no_longer_knows_is_removed(world, endpoint, answer):
    guardian = world.users["guardian"]
    no_quiet_hours(guardian)
    subscribe(endpoint, guardian, "old-phone")
    subscribe(endpoint, guardian, "new-phone")
    endpoint.answers["old-phone"] = answer

    send(world, [guardian])

    assert list(PushSubscription.objects.values_list("device", flat=True)) == ["test"]
    assert PushSubscription.objects.get().endpoint.endswith("/new-phone")
    assert len(endpoint.messages_for("new-phone")) == 1
    assert PushDelivery.objects.filter(status=PushDelivery.Status.GONE).count() == 1


def test_a_hanging_push_service_is_timed_out_and_retried_without_holding_up_the_others(world, endpoint):
    guardian, other = world.users["guardian"], world.users["other_guardian"]
    no_quiet_hours(guardian)
    no_quiet_hours(other)
    subscribe(endpoint, guardian, "hangs")
    subscribe(endpoint, other, "fine")
    endpoint.answers["hangs"] = "hang"

    job = send(world, User.objects.filter(pk__in=[guardian.pk, other.pk]))

    assert len(endpoint.messages_for("fine")) == 1
    assert endpoint.requests["hangs"] == 3  # the first try and the two retries of PUSH_RETRY_SECONDS
    hung = PushDelivery.objects.get(subscription__endpoint__endswith="/hangs")
    assert hung.status == PushDelivery.Status.FAILED and "timed out" in hung.error
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and "1" in job.message


def test_a_push_service_that_fails_once_is_tried_again_and_the_message_arrives(world, endpoint):
    guardian = world.users["guardian"]
    no_quiet_hours(guardian)
    subscribe(endpoint, guardian, "flaky")
    endpoint.answers["flaky"] = "500"
    original = endpoint.receive

    def recover_after_first(token, headers, body):
        status = original(token, headers, body)
        endpoint.answers.pop(token, None)
        return status

    endpoint.receive = recover_after_first
    send(world, [guardian])

    assert endpoint.requests["flaky"] == 2 and len(endpoint.messages_for("flaky")) == 1
    assert PushDelivery.objects.get().status == PushDelivery.Status.SENT


def _quiet_now(user) -> None:
    now = timezone.now().astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    push.push_preference_set(
        user=user,
        quiet_hours=True,
        quiet_start=(now - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0),
        quiet_end=(now + datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )


def test_quiet_hours_defer_a_push_until_they_end_and_it_is_sent_then(world, endpoint):
    guardian = world.users["guardian"]
    _quiet_now(guardian)
    subscribe(endpoint, guardian, "sleeping")

    job = send(world, [guardian])

    assert endpoint.messages_for("sleeping") == []
    delivery = PushDelivery.objects.get()
    assert delivery.deferred and delivery.status == PushDelivery.Status.PENDING
    assert delivery.not_before > timezone.now() + datetime.timedelta(minutes=50)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED  # the sender is not kept waiting all night
    # Morning: the deferred push goes (here by making it due; in production a task runs at not_before).
    PushDelivery.objects.update(not_before=timezone.now())
    assert push.push_send_due() == 1
    assert len(endpoint.messages_for("sleeping")) == 1


def test_an_emergency_ignores_quiet_hours(world, endpoint):
    guardian = world.users["guardian"]
    _quiet_now(guardian)
    subscribe(endpoint, guardian, "sleeping")

    send(world, [guardian], emergency=True, urgency="high", title="暴風警報による臨時休校")

    (payload,) = endpoint.messages_for("sleeping")
    assert payload["emergency"] is True and payload["title"] == "暴風警報による臨時休校"


def test_sending_again_skips_the_devices_already_pushed(world, endpoint):
    guardian = world.users["guardian"]
    no_quiet_hours(guardian)
    subscribe(endpoint, guardian, "phone")
    job = send(world, [guardian])
    message = PushMessage.objects.get(job=job)

    push.push_message_task.call(message.pk)  # a second run of the same message (as after a lost worker)
    push.push_send_due()

    assert len(endpoint.messages_for("phone")) == 1
    assert PushDelivery.objects.filter(message=message).count() == 1


# --- refused subscriptions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint_url", "words"),
    [
        ("http://push.example.jp/send/abc", "HTTPS"),
        ("https://127.0.0.1/push/x", "private or local"),
        ("https://10.0.0.8/push/x", "private or local"),
        ("https://169.254.169.254/latest/meta-data", "private or local"),
        ("https://[::1]/push/x", "private or local"),
        ("https://localhost/push/x", "private or local"),
        ("https://user:pw@fcm.googleapis.com/x", "not a valid URL"),
        ("file:///etc/passwd", "not a valid URL"),
        ("", "missing"),
    ],
)
def test_a_subscription_to_a_private_address_or_without_https_is_refused(world, endpoint, endpoint_url, words):
    info = {**endpoint.subscription("x"), "endpoint": endpoint_url}
    with pytest.raises(PortalError, match=words):
        push.push_subscription_save(user=world.users["guardian"], info=info)
    assert not PushSubscription.objects.exists()


def test_the_test_endpoint_is_allowed_only_by_the_setting(world, endpoint, settings):
    settings.PUSH_TEST_ENDPOINTS = []
    with pytest.raises(PortalError, match="HTTPS"):
        subscribe(endpoint, world.users["guardian"], "x")


def _off_curve_key() -> str:
    return push._b64encode(b"\x04" + b"\x01" * 64)


@pytest.mark.parametrize(
    "keys",
    [
        {"p256dh": "short", "auth": "AAAAAAAAAAAAAAAAAAAAAA"},
        {"auth": "AAAAAAAAAAAAAAAAAAAAAA"},
        {"p256dh": "not base64 !!!", "auth": "AAAAAAAAAAAAAAAAAAAAAA"},
        "off-curve",
        "short-auth",
    ],
)
def test_forged_or_malformed_keys_are_refused(world, endpoint, keys):
    info = endpoint.subscription("x")
    if keys == "off-curve":
        info["keys"]["p256dh"] = _off_curve_key()
    elif keys == "short-auth":
        info["keys"]["auth"] = "AAAA"
    else:
        info["keys"] = keys
    with pytest.raises(PortalError, match="keys are not valid"):
        push.push_subscription_save(user=world.users["guardian"], info=info)


def test_a_link_outside_the_portal_is_refused(world):
    for url in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        with pytest.raises(PortalError, match="page of the portal"):
            send(world, [world.users["guardian"]], url=url)


def test_an_endpoint_that_now_resolves_to_a_private_address_is_not_sent_to(world, endpoint, settings):
    guardian = world.users["guardian"]
    no_quiet_hours(guardian)
    subscribe(endpoint, guardian, "rebinding")
    settings.PUSH_TEST_ENDPOINTS = []  # as if the name had been re-pointed at an internal address since

    send(world, [guardian])

    assert endpoint.requests["rebinding"] == 0
    assert not PushSubscription.objects.exists()
    assert "refused" in PushDelivery.objects.get().error


# --- quiet hours ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "local", "until"),
    [
        ("21:00", "07:00", "2026-12-06 22:30", "2026-12-07 07:00"),
        ("21:00", "07:00", "2026-12-07 06:59", "2026-12-07 07:00"),
        ("21:00", "07:00", "2026-12-07 07:00", None),
        ("21:00", "07:00", "2026-12-07 12:00", None),
        ("12:00", "13:00", "2026-12-07 12:30", "2026-12-07 13:00"),
    ],
)
def test_quiet_hours_end_in_the_users_time_zone(world, start, end, local, until):
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    preference = push.push_preference_get(user=world.users["guardian"])
    preference.quiet_start = datetime.time.fromisoformat(start)
    preference.quiet_end = datetime.time.fromisoformat(end)
    now = datetime.datetime.fromisoformat(local).replace(tzinfo=tokyo)
    expected = datetime.datetime.fromisoformat(until).replace(tzinfo=tokyo) if until else None
    assert push.quiet_until(preference, now.astimezone(datetime.UTC)) == expected


def test_the_sender_follows_the_job_on_its_page(world, endpoint, client_as):
    guardian = world.users["guardian"]
    no_quiet_hours(guardian)
    subscribe(endpoint, guardian, "phone")
    job = send(world, [guardian])
    page = client_as("school_admin").get(reverse("core:job_detail", args=[job.pk]))
    assert page.status_code == 200 and "運動会は延期します" in page.content.decode()


def test_old_messages_and_their_delivery_records_are_deleted_but_not_those_still_waiting(world, endpoint):
    from school_portal.core.retention import enforce_retention

    guardian, other = world.users["guardian"], world.users["other_guardian"]
    no_quiet_hours(guardian)
    subscribe(endpoint, guardian, "phone")
    sent = PushMessage.objects.get(job=send(world, [guardian]))
    _quiet_now(other)
    subscribe(endpoint, other, "sleeping")
    waiting = PushMessage.objects.get(job=send(world, [other]))
    PushMessage.objects.update(created_at=timezone.now() - datetime.timedelta(days=31))

    assert enforce_retention()["core.push_messages"] >= 1

    assert list(PushMessage.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not PushDelivery.objects.filter(message_id=sent.pk).exists()
    assert PushSubscription.objects.count() == 2  # the devices stay


def test_a_retry_minutes_away_does_not_keep_the_job_running(world, endpoint, settings):
    settings.PUSH_RETRY_SECONDS = [600, 1800]
    guardian = world.users["guardian"]
    no_quiet_hours(guardian)
    subscribe(endpoint, guardian, "down")
    endpoint.answers["down"] = "500"

    job = send(world, [guardian])

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and "1" in job.message
    delivery = PushDelivery.objects.get()
    assert delivery.status == PushDelivery.Status.PENDING and delivery.attempts == 1
    assert delivery.not_before > timezone.now() + datetime.timedelta(minutes=9)
    endpoint.answers.pop("down")
    PushDelivery.objects.update(not_before=timezone.now())  # ten minutes later
    assert push.push_send_due() == 1 and len(endpoint.messages_for("down")) == 1
