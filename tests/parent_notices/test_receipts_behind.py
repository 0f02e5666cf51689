"""The storm page's read receipts written behind the request (parent_notices/receipts.py): every family that
opened the notice is counted, whatever happens between the page and the write, on the real database, in real
threads and in a real HTTP server (granian, the layout of docs/operations.md, and gunicorn) that is stopped while
receipts wait."""

from __future__ import annotations

import http.client
import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parent_notices import emergency, receipts, storm
from parent_notices.models import NoticeRead
from parent_notices.testing import board_member, emergency_sent
from school_portal.core.models import Guardian, GuardianLink, User
from school_portal.core.testing.world import build_world
from tests.daphne_process import free_port, use_redis_channel_layer, worker_env
from tests.http_server_process import SERVERS, kill_http_server, start_http_server

pytestmark = pytest.mark.django_db(transaction=True)

BACKEND = "school_portal.core.backends.ThrottledModelBackend"


@pytest.fixture
def behind(settings):
    """Receipts written behind the request, as in production; the queue written and forgotten after the test."""
    settings.PARENT_NOTICES_RECEIPTS_BEHIND_SECONDS = 0.05
    storm.ticks_reset()
    yield settings
    receipts.receipts_flush()
    storm.ticks_reset()


def _families(world, count: int) -> list[User]:
    """``count`` more families of a child of the world's school (a city's worth, in small)."""
    users = [User.objects.create(username=f"family-{i}", display_name=f"保護者{i}") for i in range(count)]
    for user in users:
        GuardianLink.objects.create(guardian=Guardian.objects.create(user=user), student=world.child)
    return users


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def _readers(notice_id: int) -> set[int]:
    """The users whose family's receipt of the notice is written."""
    return set(NoticeRead.objects.filter(notice_id=notice_id).values_list("guardian__user_id", flat=True))


def _eventually(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def test_families_opening_it_at_once_are_all_counted_their_inbox_shows_it_read_and_no_page_waits_for_a_write(behind):
    world = build_world()
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    families = _families(world, 24)
    clients = [_signed_in(user) for user in families]
    url = reverse("parent_notices:notice", args=[notice.pk])
    inbox = reverse("parent_notices:index")
    assert "inbox__item--unread" in clients[0].get(inbox).content.decode()  # drawn and cached before the read
    writes_in_pages = []

    def open_notice(client: Client) -> int:
        with CaptureQueriesContext(connection) as queries:
            status = client.get(url).status_code
        writes_in_pages.extend(q["sql"] for q in queries.captured_queries if "noticeread" in q["sql"].lower())
        return status

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert set(pool.map(open_notice, clients)) == {200}

    assert writes_in_pages == []  # the pages were answered without writing
    family_ids = {user.pk for user in families}
    assert _eventually(lambda: _readers(notice.pk) == family_ids)
    tally = emergency.emergency_tally(notice)
    assert (tally.read, tally.families) == (24, 26)  # the board's tally counts every one of them
    assert "inbox__item--unread" not in clients[0].get(inbox).content.decode()  # the cached list drawn afresh


def test_a_receipt_whose_family_is_deleted_before_it_is_written_is_dropped_alone(behind):
    world = build_world()
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    staying, leaving = _families(world, 2)
    behind.PARENT_NOTICES_RECEIPTS_BEHIND_SECONDS = 5  # both queued for a while
    for user in (staying, leaving):
        receipts.read_record(notice_id=notice.pk, guardian_id=user.guardian.pk)
    assert _readers(notice.pk) == set()
    leaving.delete()  # the family's account removed (its guardian with it) before the write

    receipts.receipts_flush()
    assert _readers(notice.pk) == {staying.pk}


def test_receipts_wait_while_their_table_cannot_be_written_and_are_written_when_it_can(behind):
    """The table out of reach for a moment (a migration holding it, the database restarting): nothing is lost."""
    world = build_world()
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    families = _families(world, 3)
    table = connection.ops.quote_name(NoticeRead._meta.db_table)
    away = connection.ops.quote_name("noticeread_away")
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {away}")
    try:
        for user in families:
            _signed_in(user).get(reverse("parent_notices:notice", args=[notice.pk]))
        time.sleep(0.5)  # the writer has tried, and failed, at least once
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {away} RENAME TO {table}")
    assert _eventually(lambda: _readers(notice.pk) == {user.pk for user in families})


def test_with_the_queue_full_a_family_waits_for_its_own_receipt_rather_than_lose_it(behind, monkeypatch):
    world = build_world()
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    families = _families(world, 3)
    behind.PARENT_NOTICES_RECEIPTS_BEHIND_SECONDS = 60  # the writer asleep: what is queued stays queued
    monkeypatch.setattr(receipts, "QUEUE_LIMIT", 2)
    for user in families:
        assert _signed_in(user).get(reverse("parent_notices:notice", args=[notice.pk])).status_code == 200

    assert _readers(notice.pk) == {families[2].pk}  # the third, past the queue's limit, written in its request
    receipts.receipts_flush()
    assert _readers(notice.pk) == {user.pk for user in families}


def _workers_readers(database_url: str, notice_id: int) -> set[int]:
    """The readers as the app processes' database holds them (on SQLite their own copy of the test database)."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            rows = db.execute(
                "SELECT g.user_id FROM parent_notices_noticeread r JOIN core_guardian g ON g.id = r.guardian_id "
                "WHERE r.notice_id = ?",
                [notice_id],
            ).fetchall()
        return {row[0] for row in rows}
    return _readers(notice_id)


@pytest.mark.parametrize("kind", SERVERS)
def test_a_server_stopped_while_receipts_wait_writes_them_before_it_exits(tmp_path, settings, kind):
    """A deploy restarts the HTTP server (SIGTERM) in the middle of the storm: every family whose page was served
    is counted, though their receipts were still queued in the workers."""
    world = build_world()
    notice = emergency_sent(city=world.city, proposed_by=world.users["centre_staff"], confirmed_by=board_member())
    families = _families(world, 30)
    cookies = [_signed_in(user).cookies[django_settings.SESSION_COOKIE_NAME].value for user in families]
    env = worker_env(prefix=use_redis_channel_layer(settings), tmp_path=tmp_path)
    env["PARENT_NOTICES_RECEIPTS_BEHIND_SECONDS"] = "60"  # nothing written before the stop but by the stop
    port = free_port()
    server = start_http_server(kind, port, env, tmp_path / "server.log", workers=2)
    try:
        statuses = []

        def open_notice(cookie: str) -> None:
            connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Host": "localhost", "Cookie": f"{django_settings.SESSION_COOKIE_NAME}={cookie}"}
            connection_.request("GET", f"/notices/{notice.pk}/", headers=headers)
            response = connection_.getresponse()
            response.read()
            statuses.append(response.status)
            connection_.close()

        threads = [threading.Thread(target=open_notice, args=(cookie,)) for cookie in cookies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert statuses == [200] * len(families)
        assert _workers_readers(env["DATABASE_URL"], notice.pk) == set()  # queued, not written
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    finally:
        kill_http_server(server)
    log = (tmp_path / "server.log").read_text()
    assert _workers_readers(env["DATABASE_URL"], notice.pk) == {user.pk for user in families}, log[-3000:]
    assert "Traceback" not in log, log[-3000:]  # the workers stopped cleanly, the writer thread too
