"""Proposals and their answers, and no double booking of a class, a partner class or a room."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.utils import translation

from exchange import services
from exchange.models import Exchange, PartnerHoliday, SchoolClosedDay, Session, VideoRoom
from exchange.testing import partner_class, world_exchange
from school_portal.core.services import PortalError

pytestmark = pytest.mark.django_db

T, D = datetime.time, datetime.date
NOW = datetime.datetime(2027, 5, 1, tzinfo=datetime.UTC)
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def exchange(world) -> Exchange:
    return world_exchange(world)


DAY, TIME = D(2027, 6, 2), T(10, 45)


def _propose(exchange, who, day=DAY, time=TIME) -> Session:
    return services.session_propose(exchange=exchange, day=day, time=time, by=who, now=NOW)


def test_a_proposal_is_accepted_by_the_other_school_and_booked(world, exchange):
    teacher, partner = world.users["homeroom_teacher"], world.users["partner_teacher"]
    session = _propose(exchange, teacher)
    assert session.starts_at == datetime.datetime(2027, 6, 2, 10, 45, tzinfo=TOKYO)
    assert session.state == "proposed" and session.proposed_side == "school"
    with pytest.raises(PortalError, match="other school answers"):
        services.session_accept(session=session, by=teacher, now=NOW)
    booked = services.session_accept(session=session, by=partner, now=NOW)
    assert booked.state == "accepted"
    with pytest.raises(PortalError, match="already been answered"):
        services.session_accept(session=session, by=partner, now=NOW)


def test_the_partner_proposes_in_their_own_zone(world, exchange):
    # The world's partner class is in Los Angeles: 18:45 PDT on Tuesday 1 June is 10:45 JST on Wednesday.
    session = _propose(exchange, world.users["partner_teacher"], day=D(2027, 6, 1), time=T(18, 45))
    assert session.starts_at.astimezone(TOKYO) == datetime.datetime(2027, 6, 2, 10, 45, tzinfo=TOKYO)
    assert session.proposed_side == "partner"


def test_a_counter_proposal_answers_and_goes_back_the_other_way(world, exchange):
    teacher, partner = world.users["homeroom_teacher"], world.users["partner_teacher"]
    first = _propose(exchange, teacher)
    counter = services.session_counter(session=first, day=D(2027, 6, 2), time=T(19, 40), by=partner, now=NOW)
    first.refresh_from_db()
    assert first.state == "countered" and counter.replaces == first and counter.proposed_side == "partner"
    services.session_accept(session=counter, by=teacher, now=NOW)
    assert Session.objects.get(pk=counter.pk).state == "accepted"


def test_decline_and_cancel_need_a_reason_the_other_school_reads(world, exchange):
    teacher, partner = world.users["homeroom_teacher"], world.users["partner_teacher"]
    session = _propose(exchange, teacher)
    with pytest.raises(PortalError, match="Give a reason"):
        services.session_decline(session=session, by=partner, reason="  ")
    services.session_decline(session=session, by=partner, reason="Sports day")
    assert Session.objects.get(pk=session.pk).reason == "Sports day"
    booked = services.session_accept(session=_propose(exchange, teacher, day=D(2027, 6, 3)), by=partner, now=NOW)
    with pytest.raises(PortalError, match="Give a reason"):
        services.session_cancel(session=booked, by=teacher, reason="")
    cancelled = services.session_cancel(session=booked, by=teacher, reason="Typhoon warning")
    assert cancelled.state == "cancelled" and cancelled.sequence == 1


def test_a_reschedule_keeps_the_booking_until_the_new_time_is_accepted(world, exchange):
    teacher, partner = world.users["homeroom_teacher"], world.users["partner_teacher"]
    booked = services.session_accept(session=_propose(exchange, teacher), by=partner, now=NOW)
    new = services.session_reschedule(
        session=booked, day=D(2027, 6, 4), time=T(10, 45), by=teacher, reason="School trip", now=NOW
    )
    assert Session.objects.get(pk=booked.pk).state == "accepted"  # nothing booked is lost meanwhile
    services.session_accept(session=new, by=partner, now=NOW)
    booked.refresh_from_db()
    new.refresh_from_db()
    assert booked.state == "rescheduled" and new.state == "accepted"
    assert new.uid == booked.uid and new.sequence == booked.sequence + 1


@pytest.mark.parametrize(
    ("day", "time", "message"),
    [
        (D(2027, 4, 30), T(10, 45), "in the past"),
        (D(2027, 6, 5), T(10, 45), "weekend in Japan"),
        (D(2027, 6, 7), T(8, 45), "weekend at Lincoln"),  # Monday 08:45 JST is Sunday in Los Angeles
        (D(2027, 6, 9), T(10, 45), "on holiday (Field trip)"),
        # Osaka's side: Japan's national holidays, computed, and the school's own closed days.
        (D(2027, 9, 23), T(10, 45), "is closed on 2027-09-23 (Autumnal Equinox Day)"),
        (D(2027, 7, 19), T(10, 45), "is closed on 2027-07-19 (Marine Day)"),
        (D(2027, 6, 10), T(10, 45), "is closed on 2027-06-10 (Founding day)"),
    ],
)
def test_a_proposal_in_the_past_or_on_a_weekend_or_holiday_is_refused(world, exchange, day, time, message):
    PartnerHoliday.objects.create(
        partner_school=exchange.partner_class.partner_school,
        name="Field trip",
        starts_on=D(2027, 6, 8),
        ends_on=D(2027, 6, 8),
    )
    SchoolClosedDay.objects.create(
        school=exchange.school, name="Founding day", starts_on=D(2027, 6, 10), ends_on=D(2027, 6, 10)
    )
    with pytest.raises(PortalError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _propose(exchange, world.users["homeroom_teacher"], day=day, time=time)
    assert not Session.objects.exists()


def test_a_partner_proposal_inside_their_dst_gap_is_refused(world, exchange):
    with pytest.raises(PortalError, match="does not exist in America/Los_Angeles"):
        _propose(exchange, world.users["partner_teacher"], day=D(2028, 3, 12), time=T(2, 30))


def test_a_stranger_may_not_propose(world, exchange):
    for role in ("other_teacher", "other_school_admin", "centre_staff", "student"):
        with pytest.raises(PortalError, match="may not schedule"):
            _propose(exchange, world.users[role])


def test_the_room_holds_one_session_at_a_time_whatever_the_class(world, exchange):
    teacher, partner = world.users["homeroom_teacher"], world.users["partner_teacher"]
    other = Exchange.objects.create(
        school=world.school,
        class_group=world.other_class,
        teacher=world.users["other_teacher"],
        partner_class=partner_class(name="Hill School", zone="Europe/London", country="GB", hours=(T(0, 0), T(23, 59))),
        partner_teacher=partner,
        room=VideoRoom.objects.get(school=world.school),
    )
    mine = _propose(exchange, teacher)
    theirs = _propose(other, world.users["other_teacher"], time=T(11, 0))  # overlaps 10:45–11:30
    services.session_accept(session=mine, by=partner, now=NOW)
    with pytest.raises(PortalError, match="just been booked"):
        services.session_accept(session=theirs, by=partner, now=NOW)
    assert Session.objects.get(pk=mine.pk).state == "accepted"
    assert Session.objects.get(pk=theirs.pk).state == "proposed"
    # A new proposal at a booked time is refused at once.
    with pytest.raises(PortalError, match="already booked"):
        _propose(other, world.users["other_teacher"], time=T(11, 0))
    # Back to back is no overlap.
    services.session_accept(session=_propose(other, world.users["other_teacher"], time=T(11, 30)), by=partner, now=NOW)


def test_recording_is_off_unless_the_osaka_school_records_consent(world, exchange):
    session = _propose(exchange, world.users["homeroom_teacher"])
    assert not session.recording_consent
    with pytest.raises(PortalError, match="Only the Osaka school"):
        services.session_recording_consent_set(session=session, allowed=True, by=world.users["partner_teacher"])
    services.session_recording_consent_set(session=session, allowed=True, by=world.users["homeroom_teacher"])
    assert Session.objects.get(pk=session.pk).recording_consent


def test_booking_and_cancelling_mail_calendar_invitations_to_both_teachers(world, exchange):
    world.users["homeroom_teacher"].email = "sensei@school.example"
    world.users["homeroom_teacher"].save()
    world.users["partner_teacher"].email = "teacher@partner.example"
    world.users["partner_teacher"].save()
    exchange.refresh_from_db()
    teacher, partner = world.users["homeroom_teacher"], world.users["partner_teacher"]
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        booked = services.session_accept(session=_propose(exchange, teacher), by=partner, now=NOW)
    invites = {m.to[0]: m.attachments[0][1] for m in mail.outbox}
    assert "METHOD:REQUEST" in invites["teacher@partner.example"]
    assert "DTSTART;TZID=America/Los_Angeles:20270601T184500" in invites["teacher@partner.example"]
    assert "DTSTART;TZID=Asia/Tokyo:20270602T104500" in invites["sensei@school.example"]
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.session_cancel(session=booked, by=teacher, reason="Typhoon")
    cancel = mail.outbox[0].attachments[0][1]
    assert "METHOD:CANCEL" in cancel and f"UID:{booked.uid}@school-portal" in cancel and "SEQUENCE:1" in cancel
