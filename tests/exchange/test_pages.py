"""The exchange's pages as each teacher sees them: times in their own zone with the other school's beside them,
refusals with a clear message, and nothing of a child ever shown to the partner."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from exchange import services
from exchange.models import Session
from exchange.testing import other_exchange, world_exchange

pytestmark = pytest.mark.django_db


@pytest.fixture
def exchange(world):
    return world_exchange(world)


def _future_weekday(weekday: int = 2, weeks: int = 3) -> datetime.date:
    day = datetime.date.today() + datetime.timedelta(weeks=weeks)
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def test_the_teacher_proposes_and_the_partner_sees_it_in_their_own_zone(world, exchange, english_client_as):
    teacher, partner = english_client_as("homeroom_teacher"), english_client_as("partner_teacher")
    day = _future_weekday()
    response = teacher.post(
        reverse("exchange:propose", args=[exchange.pk]), {"day": day.isoformat(), "time": "10:45"}, follow=True
    )
    assert "Your proposal was sent" in response.content.decode()
    session = Session.objects.get()
    page = partner.get(reverse("exchange:exchange_detail", args=[exchange.pk])).content.decode()
    la = session.starts_at.astimezone(exchange.partner_class.partner_school.zone)
    assert f"{la:%Y-%m-%d}" in page and f"{la:%H:%M} P" in page  # 18:45 PDT/PST, the partner's own time first
    assert f"{day:%Y-%m-%d}" in page and "10:45 JST" in page  # Osaka's time beside it
    response = partner.post(reverse("exchange:session_action", args=[session.pk, "accept"]), follow=True)
    assert "The session is booked." in response.content.decode()
    assert Session.objects.get().state == "accepted"


def test_the_partner_never_sees_a_childs_name_only_the_class_and_its_size(world, exchange, english_client_as):
    page = english_client_as("partner_teacher").get(reverse("exchange:exchange_detail", args=[exchange.pk]))
    text = page.content.decode()
    assert "2 students" in text  # the world's class: the child and a classmate
    for child in (world.child, world.classmate):
        for part in (child.family_name, child.given_name, child.user.username, child.sourced_id):
            assert part not in text
    board = english_client_as("partner_teacher").get(reverse("exchange:index")).content.decode()
    assert world.child.given_name not in board and world.child.family_name not in board


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"day": "2020-01-08", "time": "10:45"}, "This time is in the past."),
        ({"day": "not a date", "time": "10:45"}, "Enter a date and a start time."),
        ({"day": "", "time": ""}, "Enter a date and a start time."),
    ],
)
def test_a_bad_proposal_is_refused_with_a_clear_message_and_what_was_typed_kept(
    world, exchange, english_client_as, form, message
):
    response = english_client_as("homeroom_teacher").post(reverse("exchange:propose", args=[exchange.pk]), form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Session.objects.exists()


def test_a_time_inside_the_partners_dst_gap_is_refused_on_the_page(world, exchange, english_client_as):
    response = english_client_as("partner_teacher").post(
        reverse("exchange:propose", args=[exchange.pk]), {"day": "2031-03-09", "time": "02:30"}
    )
    assert response.status_code == 400
    assert "does not exist in America/Los_Angeles" in response.content.decode()


def test_a_partner_teacher_cannot_reach_another_schools_exchange(world, english_client_as):
    other = other_exchange(world)
    partner = english_client_as("partner_teacher")
    assert partner.get(reverse("exchange:exchange_detail", args=[other.pk])).status_code == 404
    day = _future_weekday()
    assert (
        partner.post(reverse("exchange:propose", args=[other.pk]), {"day": f"{day}", "time": "10:45"}).status_code
        == 404
    )
    assert not Session.objects.exists()


def test_cancelling_without_a_reason_is_refused_and_the_booking_stays(world, exchange, english_client_as):
    day = _future_weekday()
    session = services.session_propose(
        exchange=exchange, day=day, time=datetime.time(10, 45), by=world.users["homeroom_teacher"]
    )
    services.session_accept(session=session, by=world.users["partner_teacher"])
    teacher = english_client_as("homeroom_teacher")
    response = teacher.post(reverse("exchange:session_action", args=[session.pk, "cancel"]), {"reason": ""})
    assert response.status_code == 400 and "Give a reason" in response.content.decode()
    assert Session.objects.get().state == "accepted"
    response = teacher.post(
        reverse("exchange:session_action", args=[session.pk, "cancel"]), {"reason": "Typhoon"}, follow=True
    )
    assert "The session was cancelled." in response.content.decode()


def test_the_invitation_downloads_in_the_viewers_zone(world, exchange, english_client_as):
    session = services.session_propose(
        exchange=exchange, day=_future_weekday(), time=datetime.time(10, 45), by=world.users["homeroom_teacher"]
    )
    services.session_accept(session=session, by=world.users["partner_teacher"])
    body = english_client_as("partner_teacher").get(reverse("exchange:session_invite", args=[session.pk]))
    assert body["Content-Type"].startswith("text/calendar")
    text = body.content.decode()
    assert "METHOD:REQUEST" in text and "TZID:America/Los_Angeles" in text and "BEGIN:VTIMEZONE" in text
    assert "BEGIN:DAYLIGHT" in text and "BEGIN:STANDARD" in text
    assert f"UID:{session.uid}@school-portal" in text


def test_the_page_suggests_times_when_both_schools_are_in_school(world, exchange, english_client_as):
    from exchange.testing import class_free

    class_free(world.class_group, periods=[1])
    page = english_client_as("homeroom_teacher").get(reverse("exchange:exchange_detail", args=[exchange.pk]))
    assert "Times when both schools are in school" in page.content.decode()
    assert "08:45 JST" in page.content.decode()


def test_partner_search_ranks_partner_classes_for_a_teachers_class(world, exchange, english_client_as):
    from exchange.testing import class_free

    class_free(world.class_group, periods=[3])
    page = english_client_as("homeroom_teacher").get(
        reverse("exchange:partners"), {"class_group": world.class_group.pk, "language": "en", "subject": "science"}
    )
    assert page.status_code == 200
    assert "Lincoln Elementary Grade 4" in page.content.decode()
    refused = english_client_as("homeroom_teacher").get(reverse("exchange:partners"), {"class_group": "999999"})
    assert refused.status_code == 400
