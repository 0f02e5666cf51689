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
    two_days = session.starts_at - datetime.timedelta(hours=40)
    assert reminders_send_due(now=two_days) == 1  # the connection test
    mail.outbox.clear()
    later = session.starts_at - datetime.timedelta(hours=20)
    assert reminders_send_due(now=later) == 1  # the day before
    assert [m.body.split(":")[0] for m in mail.outbox] == ["Tomorrow", "Tomorrow"]
    assert reminders_send_due(now=later) == 0
    session.refresh_from_db()
    assert session.reminders_sent == "week;test;day;"


def test_a_session_booked_late_gets_only_the_latest_reminder_due_and_the_earlier_ones_are_skipped(world):
    now = datetime.datetime(2031, 5, 1, tzinfo=datetime.UTC)
    session = _booked(world, now + datetime.timedelta(hours=10))
    assert reminders_send_due(now=now) == 1
    # one mail each, the day's; not the week's confirmation nor the connection test as well
    assert sorted(m.to[0] for m in mail.outbox) == ["sensei@school.example", "t@partner.example"]
    partner_mail = next(m for m in mail.outbox if m.to == ["t@partner.example"])
    assert partner_mail.body.startswith("Tomorrow:")
    session.refresh_from_db()
    assert session.reminders_sent == "week:skipped;test:skipped;day;"
    mail.outbox.clear()
    assert reminders_send_due(now=now + datetime.timedelta(hours=1)) == 0 and not mail.outbox  # nor later

    booked_five_days_ahead = _booked(world, now + datetime.timedelta(days=5))
    booked_five_days_ahead.reminders_sent = ""
    booked_five_days_ahead.save()
    assert reminders_send_due(now=now) == 1
    assert {m.body.split(":")[0] for m in mail.outbox} == {"In a week"}  # only the week's is due: sent
    mail.outbox.clear()
    assert reminders_send_due(now=booked_five_days_ahead.starts_at - datetime.timedelta(hours=30)) == 1
    assert all(m.body.startswith("Before ") and "test your camera" in m.body for m in mail.outbox)
    booked_five_days_ahead.refresh_from_db()
    assert booked_five_days_ahead.reminders_sent == "week;test;"


def test_a_cancelled_session_gets_no_reminder_and_the_command_runs_the_task(world):
    now = datetime.datetime.now(datetime.UTC)
    session = _booked(world, now + datetime.timedelta(hours=10))
    call_command("exchange_reminders")  # immediate task backend in tests
    assert len(mail.outbox) == 2  # the day's reminder to each teacher; the week's and the test's are skipped
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
