"""A notice reaches the families' phones (parent_notices/delivery.py over the core's push): pushed once when it
is published, by email to a family with no phone, held during a guardian's quiet hours unless it is an
emergency, sent again on the school's schedule only to the families who have not read it, and on a teacher's
reminder. Every push goes to a local push service that decrypts it and checks the VAPID signature."""

from __future__ import annotations

import datetime
import time
import zoneinfo
from collections.abc import Iterator

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parent_notices import delivery, services
from parent_notices.models import Audience, Category, Notice, NoticeSending, SchoolNoticeSettings
from parent_notices.testing import notice_publish
from school_portal.core import push
from school_portal.core.models import PushDelivery, PushSubscription
from tests.push_endpoint import PushEndpoint

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


@pytest.fixture
def endpoint() -> Iterator[PushEndpoint]:
    service = PushEndpoint(expected_key=push.vapid_public_key(), hang_seconds=3).start()
    yield service
    service.stop()


@pytest.fixture
def families(world, endpoint):
    """The guardian has a phone; the classmate's father has none but an email address and reads English."""
    guardian, other = world.users["guardian"], world.users["other_guardian"]
    for user in (guardian, other):
        push.push_preference_set(
            user=user, quiet_hours=False, quiet_start=datetime.time(21), quiet_end=datetime.time(7)
        )
    push.push_subscription_save(user=guardian, info=endpoint.subscription("yamada-phone"), device="phone")
    other.email, other.preferred_language = "sato@example.jp", "en"
    other.save()
    return guardian, other


def publish(world, capture, **options) -> Notice:
    """Publish as the head teacher does (Wagtail's ``published`` signal), running what waits for the commit."""
    defaults = {"school": world.school, "audience": Audience.CLASS, "class_groups": [world.class_group]}
    with capture(execute=True):
        return notice_publish(push=True, by=world.users["school_admin"], **{**defaults, **options})


def backdate_first_sending(notice: Notice, hours: float) -> None:
    at = timezone.now() - datetime.timedelta(hours=hours)
    NoticeSending.objects.filter(notice=notice, round=0).update(created_at=at)


def test_a_published_notice_is_pushed_once_to_each_family_and_by_email_to_one_without_a_phone(
    world, endpoint, families, client_as, django_capture_on_commit_callbacks, settings
) -> None:
    notice = publish(world, django_capture_on_commit_callbacks, title="遠足のお知らせ")

    (payload,) = endpoint.messages_for("yamada-phone")
    assert payload["title"] == "遠足のお知らせ" and payload["url"] == reverse("parent_notices:notice", args=[notice.pk])
    assert world.school.name in payload["body"]
    assert endpoint.errors == []  # decrypted with the phone's keys, VAPID signature verified
    (email,) = mail.outbox
    assert email.to == ["sato@example.jp"] and email.subject == "遠足のお知らせ"
    assert (
        f"Open it on the portal: {settings.WAGTAILADMIN_BASE_URL}{payload['url']}" in email.body
    )  # his language, the link

    with django_capture_on_commit_callbacks(execute=True):  # published again after an edit: not pushed again
        notice.save_revision(user=world.users["school_admin"]).publish(user=world.users["school_admin"])
    assert len(endpoint.messages_for("yamada-phone")) == 1 and len(mail.outbox) == 1

    page = client_as("homeroom_teacher").get(reverse("parent_notices:tally", args=[notice.pk])).content.decode()
    assert _("Sent to phones and by email") in page and "2 / 2" in page  # the sender sees the progress


def test_a_translation_and_a_public_notice_are_not_pushed(
    world, endpoint, families, django_capture_on_commit_callbacks
) -> None:
    original = publish(world, django_capture_on_commit_callbacks, title="遠足")
    publish(world, django_capture_on_commit_callbacks, title="Excursion", language="en", translation_of=original)
    publish(world, django_capture_on_commit_callbacks, title="地域の清掃活動", audience=Audience.PUBLIC)
    assert [p["title"] for p in endpoint.messages_for("yamada-phone")] == ["遠足"]


@pytest.mark.parametrize("asked_by_id_up_to", [delivery.FILTER_IN_SQL_UP_TO, 0], ids=["by-id", "all-read"])
def test_a_family_that_reads_notices_in_another_language_is_reminded_in_it_with_the_schools_translation(
    world, endpoint, families, django_capture_on_commit_callbacks, monkeypatch, asked_by_id_up_to
) -> None:
    """The same for a class's families (their languages asked for by id) as for the city's (all read, filtered)."""
    monkeypatch.setattr(delivery, "FILTER_IN_SQL_UP_TO", asked_by_id_up_to)
    guardian, _other = families
    original = publish(world, django_capture_on_commit_callbacks, title="遠足")
    (first,) = endpoint.messages_for("yamada-phone")
    assert first["title"] == "遠足" and world.school.name in first["body"]  # Japanese: no language chosen yet

    services.family_language_set(by=guardian, language="en")
    publish(world, django_capture_on_commit_callbacks, title="Excursion", language="en", translation_of=original)
    with django_capture_on_commit_callbacks(execute=True):
        delivery.notice_send_reminder(notice=original, by=world.users["homeroom_teacher"])
    reminder = endpoint.messages_for("yamada-phone")[1]
    assert reminder["title"] == "Excursion"
    with translation.override("en"):
        assert reminder["body"] == _("Reminder from %(sender)s: please read this notice.") % {
            "sender": world.school.name
        }
    assert reminder["url"] == reverse("parent_notices:notice", args=[original.pk])  # the page shows the English

    services.family_language_set(by=guardian, language="vi")  # no Vietnamese translation: the Japanese title
    with django_capture_on_commit_callbacks(execute=True):
        delivery.notice_send_reminder(notice=original, by=world.users["homeroom_teacher"])
    assert endpoint.messages_for("yamada-phone")[2]["title"] == "遠足"


def test_during_a_guardians_quiet_hours_a_notice_waits_for_their_end_but_an_emergency_does_not(
    world, endpoint, families, django_capture_on_commit_callbacks
) -> None:
    guardian, _other = families
    now = timezone.now().astimezone(TOKYO)
    end = (now + datetime.timedelta(seconds=10)).time()  # a margin for a slow machine; waited for below
    push.push_preference_set(
        user=guardian, quiet_hours=True, quiet_start=(now - datetime.timedelta(minutes=5)).time(), quiet_end=end
    )

    publish(world, django_capture_on_commit_callbacks, title="図書だより")
    assert endpoint.messages_for("yamada-phone") == []
    waiting = PushDelivery.objects.get(user=guardian, message__title="図書だより")
    assert waiting.deferred and waiting.status == PushDelivery.Status.PENDING

    publish(world, django_capture_on_commit_callbacks, title="暴風警報による臨時休校", category=Category.EMERGENCY)
    (emergency,) = endpoint.messages_for("yamada-phone")
    assert emergency["title"] == "暴風警報による臨時休校" and emergency["emergency"] is True
    assert endpoint.received[0].urgency == "high"

    time.sleep(max(0.0, (waiting.not_before - timezone.now()).total_seconds()) + 0.2)
    assert push.push_send_due() == 1  # the timer (or the task queued for the end) sends it then
    assert [p["title"] for p in endpoint.messages_for("yamada-phone")] == ["暴風警報による臨時休校", "図書だより"]


def test_resends_go_on_the_schools_schedule_only_to_families_who_have_not_read_and_once_each(
    world, endpoint, families, client_as, django_capture_on_commit_callbacks
) -> None:
    guardian, other = families
    push.push_subscription_save(user=other, info=endpoint.subscription("sato-phone"), device="phone")
    services.school_cutoff_set(
        school=world.school, by=world.users["school_admin"], cutoff=datetime.time(8), resend_hours="24, 48"
    )
    notice = publish(world, django_capture_on_commit_callbacks, title="保護者会")
    client_as("guardian").get(reverse("parent_notices:notice", args=[notice.pk]))  # the Yamadas read it

    assert delivery.notice_resends_due() == 0  # not 24 hours yet
    backdate_first_sending(notice, 25)
    assert delivery.notice_resends_due() == 1
    assert delivery.notice_resends_due() == 0  # each round once, whichever worker or timer gets there first
    assert len(endpoint.messages_for("yamada-phone")) == 1  # read: not pushed again
    assert len(endpoint.messages_for("sato-phone")) == 2
    resent = endpoint.messages_for("sato-phone")[1]
    assert resent["title"] == "保護者会"
    with translation.override("en"):  # Mr Sato chose English for the portal: his language, not the sender's
        assert resent["body"] == _("Reminder from %(sender)s: please read this notice.") % {"sender": world.school.name}

    backdate_first_sending(notice, 49)
    assert delivery.notice_resends_due() == 1
    backdate_first_sending(notice, 100)
    assert delivery.notice_resends_due() == 0  # the school's schedule has two resends
    assert len(endpoint.messages_for("sato-phone")) == 3
    rounds = NoticeSending.objects.filter(notice=notice).order_by("round").values_list("round", "recipients")
    assert list(rounds) == [(0, 2), (1, 1), (2, 1)]


def test_resends_stop_at_the_reply_deadline_and_when_the_notice_is_taken_down(
    world, endpoint, families, django_capture_on_commit_callbacks
) -> None:
    deadline = timezone.now() + datetime.timedelta(hours=1)
    replies = publish(world, django_capture_on_commit_callbacks, title="参加の可否", reply_deadline=deadline)
    taken_down = publish(world, django_capture_on_commit_callbacks, title="古いお知らせ")
    taken_down.unpublish()
    backdate_first_sending(replies, 25)
    backdate_first_sending(taken_down, 25)
    assert delivery.notice_resends_due() == 1  # before the deadline: sent; taken down: not

    Notice.objects.filter(pk=replies.pk).update(reply_deadline=timezone.now() - datetime.timedelta(minutes=1))
    backdate_first_sending(replies, 49)
    assert delivery.notice_resends_due() == 0  # the second is due, but replies have closed
    titles = [p["title"] for p in endpoint.messages_for("yamada-phone")]
    assert titles == ["参加の可否", "古いお知らせ", "参加の可否"]


def test_a_round_missed_while_no_worker_ran_is_not_sent_late_in_a_burst(
    world, endpoint, families, django_capture_on_commit_callbacks
) -> None:
    notice = publish(world, django_capture_on_commit_callbacks, title="学校だより")
    backdate_first_sending(notice, 60)
    assert delivery.notice_resends_due() == 1
    assert len(endpoint.messages_for("yamada-phone")) == 2  # the first and one resend, not two


def test_a_school_that_sets_no_resends_sends_none(world, endpoint, families, django_capture_on_commit_callbacks):
    services.school_cutoff_set(
        school=world.school, by=world.users["school_admin"], cutoff=datetime.time(8), resend_hours=""
    )
    notice = publish(world, django_capture_on_commit_callbacks, title="学校だより")
    backdate_first_sending(notice, 72)
    assert delivery.notice_resends_due() == 0
    assert len(endpoint.messages_for("yamada-phone")) == 1


def test_a_teachers_reminder_is_pushed_to_the_families_who_have_not_read_it(
    world, endpoint, families, client_as, django_capture_on_commit_callbacks
) -> None:
    guardian, other = families
    push.push_subscription_save(user=other, info=endpoint.subscription("sato-phone"), device="phone")
    notice = notice_publish(school=world.school, audience=Audience.CLASS, class_groups=[world.class_group])
    client_as("guardian").get(reverse("parent_notices:notice", args=[notice.pk]))

    client_as("homeroom_teacher").post(reverse("parent_notices:remind", args=[notice.pk]))

    assert endpoint.messages_for("yamada-phone") == []
    (reminder,) = endpoint.messages_for("sato-phone")
    assert reminder["url"] == reverse("parent_notices:notice", args=[notice.pk])
    with translation.override("en"):  # Mr Sato's language
        assert reminder["body"] == _("Reminder from %(sender)s: please read this notice.") % {
            "sender": world.school.name
        }
    assert endpoint.received[0].topic == f"notice-{notice.pk}"  # replaces an earlier one still undelivered
    sending = NoticeSending.objects.get(notice=notice, kind=NoticeSending.Kind.REMINDER)
    assert sending.recipients == 1 and sending.job.done == 1


def test_a_device_gone_is_removed_and_a_hanging_push_service_does_not_hold_up_the_other_families(
    world, endpoint, families, django_capture_on_commit_callbacks, settings
) -> None:
    settings.PUSH_TIMEOUT_SECONDS = 0.5
    guardian, other = families
    push.push_subscription_save(user=guardian, info=endpoint.subscription("yamada-old-tablet"), device="tablet")
    push.push_subscription_save(user=other, info=endpoint.subscription("sato-phone"), device="phone")
    endpoint.answers.update({"yamada-old-tablet": "410", "yamada-phone": "hang"})

    started = time.monotonic()
    publish(world, django_capture_on_commit_callbacks, title="遠足")

    assert len(endpoint.messages_for("sato-phone")) == 1
    assert not PushSubscription.objects.filter(endpoint__endswith="/yamada-old-tablet").exists()
    hung = PushDelivery.objects.get(subscription__endpoint__endswith="/yamada-phone")
    assert hung.attempts == len(settings.PUSH_RETRY_SECONDS) + 1 and hung.status == PushDelivery.Status.FAILED
    assert "timed out" in hung.error
    assert time.monotonic() - started < 30


def test_the_school_admin_sets_the_resend_schedule_and_a_wrong_one_is_refused_with_a_message(
    world, english_client_as
) -> None:
    url = reverse("parent_notices:school_absences", args=[world.school.pk])
    admin = english_client_as("school_admin")
    response = admin.post(url, {"absence_cutoff": "08:00", "resend_hours": "48, 24"})
    assert "Give the hours in increasing order, each once." in response.content.decode()
    response = admin.post(url, {"absence_cutoff": "08:00", "resend_hours": "24, 999"})
    assert "at most 4, each up to 336" in response.content.decode()
    admin.post(url, {"absence_cutoff": "08:00", "resend_hours": "12、36"})
    assert SchoolNoticeSettings.objects.get(school=world.school).resend_hours == "12, 36"

    english_client_as("homeroom_teacher").post(url, {"absence_cutoff": "09:00", "resend_hours": "1"})
    assert SchoolNoticeSettings.objects.get(school=world.school).resend_hours == "12, 36"  # not a teacher's to set
