"""The same slot accepted twice at the same moment, against PostgreSQL: exactly one booking wins.

Two proposals of two exchanges share the school's video room at overlapping times; the partner teacher accepts
both at once. The database's exclusion constraint (migration 0002) refuses the second, whichever it is; the
teacher who lost reads a clear message and the winner's booking is intact. Two ways: two OS processes released
at once, several rounds; and two connections where the second is seen waiting on the first's transaction, so
the order is fixed and the second really ran while the first was in flight.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone, translation

from exchange import services
from exchange.models import Exchange, Session, VideoRoom
from exchange.testing import partner_class, world_exchange
from school_portal.core.services import PortalError
from tests.daphne_process import ROOT, database_url_for_workers

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]

WAIT = 60
ROUNDS = 3
LOST = "This time has just been booked for this class, the partner class or the room. Choose another."


def _two_proposals(world, day_offset: int) -> tuple[Session, Session]:
    exchange = world_exchange(world)
    other = Exchange.objects.filter(class_group=world.other_class).first() or Exchange.objects.create(
        school=world.school,
        class_group=world.other_class,
        teacher=world.users["other_teacher"],
        partner_class=partner_class(
            name="Hill School", zone="Europe/London", country="GB", hours=(datetime.time(0), datetime.time(23, 59))
        ),
        partner_teacher=world.users["partner_teacher"],
        room=VideoRoom.objects.get(school=world.school),
    )
    day = timezone.localdate() + datetime.timedelta(days=14 + day_offset)
    while day.weekday() not in (1, 2, 3):  # a weekday in Tokyo and in both partners' zones
        day += datetime.timedelta(days=1)
    first = services.session_propose(exchange=exchange, day=day, time=datetime.time(10, 45), by=exchange.teacher)
    second = services.session_propose(exchange=other, day=day, time=datetime.time(11, 0), by=other.teacher)
    return first, second


def _accepted(*sessions: Session) -> list[int]:
    return [s.pk for s in Session.objects.filter(pk__in=[s.pk for s in sessions], state="accepted")]


def test_two_processes_accepting_overlapping_sessions_at_once_book_exactly_one(world, tmp_path):
    env = {
        **__import__("os").environ,
        "DJANGO_SETTINGS_MODULE": "school_portal.settings.test",
        "DATABASE_URL": database_url_for_workers(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    partner = world.users["partner_teacher"]
    for round_ in range(ROUNDS):
        first, second = _two_proposals(world, 7 * round_)
        start = tmp_path / f"go-{round_}"
        processes = [
            subprocess.Popen(
                [sys.executable, str(ROOT / "tests/exchange/race_accept.py"), str(s.pk), str(partner.pk), str(start)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for s in (first, second)
        ]
        try:
            for process in processes:  # both connected and waiting at the starting line
                assert json.loads(process.stdout.readline()) == {"ready": True}, process.stderr.read()
            start.touch()
            outcomes = [
                json.loads(process.communicate(timeout=WAIT)[0].strip().splitlines()[-1]) for process in processes
            ]
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
        assert sorted(outcomes, key=str) == [{"booked": True}, {"refused": LOST}], outcomes
        assert len(_accepted(first, second)) == 1


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_the_second_booking_waits_for_the_first_and_is_refused_when_it_commits(world):
    first, second = _two_proposals(world, 0)
    partner = world.users["partner_teacher"]
    holding, release, pid = threading.Event(), threading.Event(), {}

    def run_first():
        translation.activate("en")
        try:
            with transaction.atomic():
                pid["first"] = _backend_pid()
                services.session_accept(session=first, by=partner)
                holding.set()
                assert release.wait(WAIT)
            return "booked"
        finally:
            holding.set()
            connections.close_all()

    def run_second():
        translation.activate("en")
        try:
            services.session_accept(session=second, by=partner)
            return "booked"
        except PortalError as error:
            return str(error)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        first_done = pool.submit(run_first)
        assert holding.wait(WAIT)
        second_done = pool.submit(run_second)
        try:
            deadline = timezone.now() + datetime.timedelta(seconds=WAIT)
            with connection.cursor() as cursor:
                while timezone.now() < deadline:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid["first"]]
                    )
                    if cursor.fetchone()[0]:
                        break
            assert not second_done.done(), second_done.result()
        finally:
            release.set()
        assert first_done.result(WAIT) == "booked"
        assert second_done.result(WAIT) == LOST
    assert _accepted(first, second) == [first.pk]


def test_the_constraints_exist_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'exchange_session'::regclass AND contype = 'x'"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {
        "exchange_session_no_double_class",
        "exchange_session_no_double_partner",
        "exchange_session_no_double_room",
    }
