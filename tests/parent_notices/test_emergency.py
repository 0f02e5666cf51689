"""Emergency mode: the board proposes, a second board member confirms, every family of the city has it pinned and
pushed past quiet hours, the board follows a read tally by school, and corrections are visible, never silent."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from parent_notices import emergency, selectors, storm
from parent_notices.emergency_models import EmergencySend
from parent_notices.models import Notice, NoticeRead
from parent_notices.testing import board_member, emergency_sent, notice_publish
from school_portal.core.models import City, Guardian, PushDelivery, PushMessage, PushPreference
from school_portal.core.services import PortalError
from school_portal.core.testing.sockets import refused_with
from school_portal.core.testing.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    storm.ticks_reset()
    return build_world()


def _client(user) -> Client:
    client = Client()
    client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    return client


def _propose(world, by=None):
    return emergency.emergency_propose(
        by=by or world.users["centre_staff"],
        city=world.city,
        title="暴風警報による臨時休校",
        message="本日は休校です。",
    )


def _english_translation(world, notice):
    return notice_publish(
        school=None,
        city=world.city,
        title="School closed: storm warning",
        audience="city",
        category="emergency",
        body=[{"type": "text", "value": "<p>All schools are closed today.</p>", "id": "emergency-text"}],
        language="en",
        translation_of=notice,
    )


def test_a_proposal_is_not_sent_until_a_second_board_member_confirms_it(world):
    notice = _propose(world)
    guardian = _client(world.users["guardian"])
    assert guardian.get(reverse("parent_notices:notice", args=[notice.pk])).status_code == 404
    assert notice.title not in guardian.get(reverse("parent_notices:index")).content.decode()

    with pytest.raises(PortalError, match="2人目の教育委員会職員の承認が必要"):
        emergency.emergency_confirm(notice=notice, by=world.users["centre_staff"])
    notice.refresh_from_db()
    assert not notice.live and not PushMessage.objects.exists()

    emergency.emergency_confirm(notice=notice, by=board_member())
    notice.refresh_from_db()
    assert notice.live and notice.last_published_at is not None
    with pytest.raises(PortalError, match="送信済みです"):
        emergency.emergency_confirm(notice=notice, by=board_member("m-centre-3"))


def test_the_proposer_confirming_through_the_page_is_told_why_and_nothing_is_sent(world):
    notice = _propose(world)
    board = _client(world.users["centre_staff"])
    page = board.get(reverse("parent_notices:emergency_detail", args=[notice.pk])).content.decode()
    assert "a second board member must confirm" in page.lower() or "2人目" in page
    response = board.post(reverse("parent_notices:emergency_confirm", args=[notice.pk]), follow=True)
    notice.refresh_from_db()
    assert not notice.live
    assert any("second board member" in str(m) or "2人目" in str(m) for m in response.context["messages"])


def test_the_database_refuses_a_sending_confirmed_by_its_proposer(world):
    send = EmergencySend.objects.get(notice=_propose(world))
    send.confirmed_by = send.proposed_by
    with pytest.raises(IntegrityError), transaction.atomic():
        send.save()


@pytest.mark.parametrize("role", ["guardian", "homeroom_teacher", "school_admin", "student", "librarian"])
def test_only_the_boards_staff_may_propose_confirm_or_correct_with_a_clear_refusal(world, role):
    user = world.users[role]
    with pytest.raises(PortalError, match="教育委員会の職員だけ"):
        emergency.emergency_propose(by=user, city=world.city, title="休校", message="休校です。")
    proposal = _propose(world)
    with pytest.raises(PortalError, match="教育委員会の職員だけ"):
        emergency.emergency_confirm(notice=proposal, by=user)
    response = _client(user).post(reverse("parent_notices:emergency_confirm", args=[proposal.pk]))
    assert response.status_code == 403
    assert "board of education" in response.content.decode() or "教育委員会" in response.content.decode()
    proposal.refresh_from_db()
    assert not proposal.live


def test_sending_pins_it_on_every_familys_inbox_in_every_school(world):
    older = notice_publish(school=world.other_school, title="遠足のお知らせ")
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    newer = notice_publish(school=world.school, title="あとから出たお知らせ")
    for role in ("guardian", "other_guardian"):
        inbox = selectors.inbox(world.users[role], language="ja")
        assert inbox[0].pk == notice.pk, role
    assert {n.pk for n in selectors.inbox(world.users["guardian"], language="ja")} >= {older.pk, newer.pk}
    page = _client(world.users["other_guardian"]).get(reverse("parent_notices:index")).content.decode()
    assert page.index("暴風警報による臨時休校") < page.index("あとから出たお知らせ")


def test_every_guardian_is_pushed_as_urgent_past_quiet_hours(world, django_capture_on_commit_callbacks):
    for role in ("guardian", "other_guardian"):
        PushPreference.objects.update_or_create(
            user=world.users[role],
            defaults={"quiet_hours": True, "quiet_start": datetime.time(0, 0), "quiet_end": datetime.time(23, 59, 59)},
        )
    with django_capture_on_commit_callbacks(execute=True):
        notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    message = PushMessage.objects.get()
    guardians = {world.users["guardian"].pk, world.users["other_guardian"].pk}
    assert message.emergency and message.urgency == "high" and set(message.recipient_ids) == guardians
    assert message.url == reverse("parent_notices:notice", args=[notice.pk])
    deliveries = PushDelivery.objects.filter(message=message)
    assert {d.user_id for d in deliveries} == guardians
    assert not deliveries.filter(deferred=True).exists()


def test_the_board_sees_who_read_it_by_school(world):
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    tally = {row.name: (row.read, row.families) for row in emergency.emergency_tally(notice).schools}
    assert tally == {world.school.name: (0, 2), world.other_school.name: (0, 1)}

    assert _client(world.users["guardian"]).get(reverse("parent_notices:notice", args=[notice.pk])).status_code == 200
    tally = {row.name: (row.read, row.families) for row in emergency.emergency_tally(notice).schools}
    assert tally == {world.school.name: (1, 2), world.other_school.name: (1, 1)}
    # The guardian with children in both schools is one family of the city's two, not two of three.
    assert (emergency.emergency_tally(notice).read, emergency.emergency_tally(notice).families) == (1, 2)
    page = _client(world.users["centre_staff"]).get(reverse("parent_notices:emergency_detail", args=[notice.pk]))
    assert "2 家庭のうち 1 家庭が読みました" in page.content.decode()


def test_a_correction_is_shown_with_its_time_and_notified_and_the_notice_is_not_edited(
    world, django_capture_on_commit_callbacks
):
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    guardian = _client(world.users["guardian"])
    url = reverse("parent_notices:notice", args=[notice.pk])
    assert "中学校は通常どおり" not in guardian.get(url).content.decode()  # the article is now cached
    revisions = notice.revisions.count()

    board = _client(board_member())
    with django_capture_on_commit_callbacks(execute=True):
        board.post(
            reverse("parent_notices:emergency_correct", args=[notice.pk]), {"text": "中学校は通常どおり登校です。"}
        )

    page = guardian.get(url).content.decode()
    correction = notice.corrections.get()
    assert "中学校は通常どおり登校です。" in page
    assert timezone.localtime(correction.made_at).strftime("%Y-%m-%d %H:%M") in page
    assert "本日は市内全校が臨時休校です。" in page  # the original text stays
    notice.refresh_from_db()
    assert notice.revisions.count() == revisions and notice.title == "暴風警報による臨時休校"
    latest = PushMessage.objects.order_by("-pk").first()
    assert latest.emergency and "中学校は通常どおり登校です。" in latest.body and latest.topic == f"notice-{notice.pk}"


def test_a_proposal_not_yet_sent_cannot_be_corrected(world):
    with pytest.raises(PortalError, match="送信済みの緊急のお知らせだけ"):
        emergency.emergency_correct(notice=_propose(world), by=board_member(), text="訂正")


def test_the_cached_page_never_shows_one_persons_data_to_another(world, django_capture_on_commit_callbacks):
    """The article is cached per notice and language; the board member's page has their own frame (links by
    capability, the sign-out form's CSRF token); a guardian's whole page (``storm.guardian_page``, served before the
    middleware) holds nothing of anyone: two families get the same bytes, and each read receipt is the reader's."""
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    url = reverse("parent_notices:notice", args=[notice.pk])
    board_link = reverse("parent_notices:emergency_detail", args=[notice.pk])
    board = _client(world.users["centre_staff"])
    board_page = board.get(url).content.decode()  # the board member's page is served first, its article cached
    assert board_link in board_page and 'name="csrfmiddlewaretoken"' in board_page
    first_client = Client(enforce_csrf_checks=True)
    first_client.force_login(world.users["guardian"], backend="school_portal.core.backends.ThrottledModelBackend")
    with django_capture_on_commit_callbacks(execute=True):  # as committed outside the test's own transaction
        first = first_client.get(url).content.decode()
        second = _client(world.users["other_guardian"]).get(url).content.decode()
    assert first == second
    assert "本日は市内全校が臨時休校です。" in first and board_link not in first
    assert "csrfmiddlewaretoken" not in first and "m-guardian" not in first and "山田" not in first
    assert reverse("core:account") in first  # where a guardian signs out
    guardians = set(Guardian.objects.filter(user__in=[world.users["guardian"], world.users["other_guardian"]]))
    assert {r.guardian for r in NoticeRead.objects.filter(notice=notice)} == guardians
    with CaptureQueriesContext(connection) as again:
        assert _client(world.users["guardian"]).get(url).status_code == 200
    assert NoticeRead.objects.filter(notice=notice).count() == 2  # a second visit writes no second receipt ...
    assert not [q for q in again.captured_queries if "noticeread" in q["sql"].lower()]  # ... nor tries to


def test_the_storm_page_is_for_the_citys_families_only_and_only_while_it_runs(world):
    """The page served before the middleware asks the access policy as the view does: a family whose children are
    all in another city's school, or any family once the notice expired, is refused (404) as the full page is."""
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    url = reverse("parent_notices:notice", args=[notice.pk])
    world.school.city = City.objects.create(slug="elsewhere", name="よその市")
    world.school.save()  # さくら小学校 moves: the other family's only child is there; 山田's younger one is not

    assert _client(world.users["other_guardian"]).get(url).status_code == 404
    assert "本日は市内全校が臨時休校です。" in _client(world.users["guardian"]).get(url).content.decode()
    assert {r.guardian.user for r in NoticeRead.objects.filter(notice=notice)} == {world.users["guardian"]}

    Notice.objects.filter(pk=notice.pk).update(expire_at=timezone.now() - datetime.timedelta(minutes=1))
    storm.ticks_reset()  # the notice kept for a second in the process
    assert _client(world.users["guardian"]).get(url).status_code == 404


def test_the_guardians_early_page_has_the_headers_of_the_full_stack(world, settings):
    """The same request with the early path taken out of the middleware: every header of the full page is on the
    early one with the same value, but for the body's length and a stricter Cache-Control."""
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    url = reverse("parent_notices:notice", args=[notice.pk])
    early = _client(world.users["guardian"]).get(url)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("GuardianFastPathMiddleware")]
    full = _client(world.users["guardian"]).get(url)

    assert early.status_code == full.status_code == 200 and "csrfmiddlewaretoken" in full.content.decode()
    differing = {
        name: (early.headers.get(name), value)
        for name, value in full.headers.items()
        if name not in {"Content-Length", "Cache-Control", "Vary"} and early.headers.get(name) != value
    }
    assert differing == {}
    assert early["Content-Length"] == str(len(early.content))
    assert {"private", "no-store"} <= {v.strip() for v in early["Cache-Control"].split(",")}
    assert {v.strip() for v in full["Vary"].split(",")} <= {v.strip() for v in early["Vary"].split(",")}


def test_a_translation_published_after_families_opened_the_notice_is_shown_at_once(world):
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    from parent_notices import services

    services.family_language_set(by=world.users["other_guardian"], language="en")
    url = reverse("parent_notices:notice", args=[notice.pk])
    assert "本日は市内全校が臨時休校です。" in _client(world.users["other_guardian"]).get(url).content.decode()

    _english_translation(world, notice)
    assert "All schools are closed today." in _client(world.users["other_guardian"]).get(url).content.decode()


def test_a_family_that_reads_in_another_language_gets_its_own_cached_article(world):
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    _english_translation(world, notice)
    from parent_notices import services

    services.family_language_set(by=world.users["other_guardian"], language="en")
    url = reverse("parent_notices:notice", args=[notice.pk])
    japanese = _client(world.users["guardian"]).get(url).content.decode()
    english = _client(world.users["other_guardian"]).get(url).content.decode()
    assert "本日は市内全校が臨時休校です。" in japanese and "All schools are closed today." not in japanese
    assert "All schools are closed today." in english


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_boards_tally_hears_reads_and_corrections_live_and_a_family_cannot_listen():
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.conf import settings

    from school_portal.asgi import application

    def socket(client: Client, path: str) -> WebsocketCommunicator:
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        headers = [(b"origin", b"http://localhost:8000"), (b"host", b"localhost:8000"), (b"cookie", cookie.encode())]
        return WebsocketCommunicator(application, path, headers=headers)

    storm.ticks_reset()
    world = await sync_to_async(build_world)()
    second = await sync_to_async(board_member)()
    notice = await sync_to_async(emergency_sent)(
        city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=second
    )
    board = await sync_to_async(_client)(second)
    guardian = await sync_to_async(_client)(world.users["guardian"])
    path = f"/ws/notices/{notice.pk}/"

    refused = socket(guardian, path)
    assert await refused_with(refused) == (True, 4403)

    tally = socket(board, path)
    assert (await tally.connect(timeout=5))[0]
    await sync_to_async(guardian.get)(reverse("parent_notices:notice", args=[notice.pk]))
    event = (await tally.receive_json_from(timeout=5))["event"]
    assert event["kind"] == "parent_notices.read" and event["refresh"] is True

    await sync_to_async(board.post)(
        reverse("parent_notices:emergency_correct", args=[notice.pk]), {"text": "中学校は通常どおり登校です。"}
    )
    event = (await tally.receive_json_from(timeout=5))["event"]
    assert event["kind"] == "parent_notices.correction" and event["refresh"] is True
    await tally.disconnect()
