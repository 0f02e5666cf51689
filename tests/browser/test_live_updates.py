"""Live updates in a real browser, served by real Daphne processes (not Django's live server, which has no
WebSockets): an event appears in the dashboard's live region; a Daphne killed and restarted is reconnected to,
the panels are reloaded, and the next event shows.

Two Daphne workers share the Redis channel layer (``REDIS_URL``, else the local Redis's database 15) and the
test's database (see tests/daphne_process.py); the events are sent from this test's process, neither of the
two holding the sockets, as a background task or another worker would send them.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from school_portal.core.realtime import notify_user
from school_portal.core.testing.world import build_world
from tests.daphne_process import free_port, start_daphne, stop, use_redis_channel_layer, worker_env

from .harness import DESKTOP, axe_violations, format_violations

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
RECONNECT_MS = 60_000  # backoff with jitter after a restart on a busy machine: generous


def _send(user_id: int, message: str, url: str | None = None) -> None:
    # Playwright's event loop runs in this thread: notify_user sends from a thread of its own then.
    notify_user(user_id=user_id, event={"message": message, **({"url": url} if url else {})})


def _signed_in_session(user) -> str:
    client = Client()
    client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_the_dashboard_shows_events_live_and_reconnects_after_daphne_restarts(
    transactional_db, new_context, tmp_path, settings
):
    prefix = use_redis_channel_layer(settings)
    world = build_world()
    teacher = world.users["homeroom_teacher"]
    session = _signed_in_session(teacher)
    env = worker_env(prefix=prefix, tmp_path=tmp_path)
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"daphne-{port}.log" for port in ports]
    processes = [start_daphne(port, env, log) for port, log in zip(ports, logs, strict=True)]
    try:
        pages = []
        for port in ports:  # one tab on each worker
            context = new_context(**DESKTOP)
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": "localhost", "path": "/"}]
            )
            page = context.new_page()
            page.goto(f"http://localhost:{port}/dashboard/")
            expect(page.locator("[data-live-url]")).to_have_attribute("data-live-state", "open")
            pages.append(page)
        on_a, on_b = pages

        _send(teacher.pk, "山田 花子さんが提出しました", "/dashboard/#handed-in")
        for page in pages:
            region = page.locator("[data-live-region]")
            expect(region).to_have_attribute("aria-live", "polite")
            expect(region.get_by_role("link", name="山田 花子さんが提出しました")).to_be_visible()
        # The link is reachable with the keyboard alone.
        for _ in range(40):
            on_a.keyboard.press("Tab")
            if on_a.evaluate("document.activeElement.textContent") == "山田 花子さんが提出しました":
                break
        else:
            pytest.fail("the event's link never received the keyboard focus")
        violations = axe_violations(on_a)
        assert not violations, format_violations(violations)

        # Worker A dies. Its tab says it is reconnecting; the tab on worker B goes on receiving.
        on_a.evaluate(
            "document.getElementById('dashboard-panels').insertAdjacentHTML('beforeend', '<p id=stale>stale</p>')"
        )
        stop(processes[0])
        expect(on_a.locator("[data-live-url]")).to_have_attribute("data-live-state", "reconnecting")
        expect(on_a.locator("[data-live-offline]")).to_be_visible()
        _send(teacher.pk, "while A was down")
        expect(on_b.locator("[data-live-region]")).to_contain_text("while A was down")

        # Worker A comes back on the same port: the tab reconnects, reloads its panels, shows the next event.
        processes[0] = start_daphne(ports[0], env, logs[0])
        expect(on_a.locator("[data-live-url]")).to_have_attribute("data-live-state", "open", timeout=RECONNECT_MS)
        expect(on_a.locator("[data-live-offline]")).to_be_hidden()
        expect(on_a.locator("#stale")).to_have_count(0)  # the panels were fetched afresh
        expect(on_a.locator("#dashboard-panels")).not_to_be_empty()
        _send(teacher.pk, "after the restart")
        expect(on_a.locator("[data-live-region]")).to_contain_text("after the restart")
        expect(on_b.locator("[data-live-region]")).to_contain_text("after the restart")
        for log in logs:
            assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    finally:
        for process in processes:
            if process.poll() is None:
                stop(process)


def test_signing_out_in_another_tab_stops_the_live_updates(transactional_db, new_context, tmp_path, settings):
    prefix = use_redis_channel_layer(settings)
    world = build_world()
    session = _signed_in_session(world.users["student"])
    env = worker_env(prefix=prefix, tmp_path=tmp_path)
    port = free_port()
    process = start_daphne(port, env, tmp_path / "daphne.log")
    try:
        context = new_context(**DESKTOP)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": "localhost", "path": "/"}]
        )
        lessons, other_tab = context.new_page(), context.new_page()
        lessons.goto(f"http://localhost:{port}/lessons/my/")
        expect(lessons.locator("[data-live-url]")).to_have_attribute("data-live-state", "open")
        other_tab.goto(f"http://localhost:{port}/dashboard/")
        other_tab.locator("form[action$='/logout/'] button").click()
        # Closed with 4401: the script stops for good instead of reconnecting.
        expect(lessons.locator("[data-live-url]")).to_have_attribute("data-live-state", "closed")
        lessons.wait_for_timeout(2500)
        expect(lessons.locator("[data-live-url]")).to_have_attribute("data-live-state", "closed")
    finally:
        stop(process)
