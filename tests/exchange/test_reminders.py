"""Reminders a week, two days (connection test) and a day before a booked session, each sent once."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from exchange.models import Session
from exchange.permission_cases import world_session
from exchange.reminders import reminders_send_due

pytestmark = pytest.mark.django_db


def _booked(world, starts_at: datetime.datetime) -> Session:
    session = world_session(world)
    session.state = Session.State.ACCEPTED
    session.starts_at, session.ends_at = starts_at, starts_at + datetime.timedelta(minutes=45)
    session.save()
    for role, address in (("homeroom_teacher", "sensei@school.example"), ("partner_teacher", "t@partner.example")):
        world.users[role].email = address
        world.users[role].save()
    return session


def test_each_reminder_is_sent_once_when_it_falls_due(world):
    now = datetime.datetime(2031, 5, 1, tzinfo=datetime.UTC)
    session = _booked(world, now + datetime.timedelta(days=6))
    assert reminders_send_due(now=now) == 1  # the week's confirmation
    assert {m.to[0] for m in mail.outbox} == {"sensei@school.example", "t@partner.example"}
    partner_mail = next(m for m in mail.outbox if m.to == ["t@partner.example"])
    assert partner_mail.body.startswith("In a week:") and "PDT" in partner_mail.body  # English, Los Angeles time
    assert reminders_send_due(now=now) == 0  # not again
    later = session.starts_at - datetime.timedelta(hours=20)
    assert reminders_send_due(now=later) == 2  # the connection test and the day before
    assert reminders_send_due(now=later) == 0
    session.refresh_from_db()
    assert session.reminders_sent == "week;test;day;"


def test_a_cancelled_session_gets_no_reminder_and_the_command_runs_the_task(world):
    now = datetime.datetime.now(datetime.UTC)
    session = _booked(world, now + datetime.timedelta(hours=10))
    call_command("exchange_reminders")  # immediate task backend in tests
    assert len(mail.outbox) == 2 * 3
    session.state = Session.State.CANCELLED
    session.reminders_sent = ""
    session.save()
    mail.outbox.clear()
    assert reminders_send_due() == 0 and not mail.outbox


def test_seed_demo_shows_partner_schools_in_four_zones_with_sessions_proposed_booked_and_held(db):
    import io

    from exchange.models import PartnerSchool

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    zones = set(PartnerSchool.objects.values_list("time_zone", flat=True))
    assert {"Europe/London", "America/Los_Angeles", "Australia/Sydney", "Asia/Singapore"} <= zones
    now = datetime.datetime.now(datetime.UTC)
    assert Session.objects.filter(state="proposed").exists()
    assert Session.objects.filter(state="accepted", starts_at__gt=now).exists()
    assert Session.objects.filter(state="accepted", ends_at__lt=now).count() == 4  # held, once each
    assert "exchange:" in out.getvalue()
