"""The call in real browsers: two Chromium pages (fake camera and microphone), one per teacher, each on its own
Daphne process, signaling through the portal (offer, answer, ICE candidates over the Redis channel layer), end up
connected with media flowing both ways."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from exchange.models import Session
from exchange.permission_cases import world_session
from school_portal.core.testing.world import build_world
from tests.browser.harness import CHROMIUM, CHROMIUM_ARGS, DESKTOP, axe_violations, format_violations
from tests.daphne_process import free_port, start_daphne, stop, use_redis_channel_layer, worker_env

MEDIA_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-features=WebRtcHideLocalIpsWithMdns",  # host candidates by address: no mDNS on a closed network
]
CONNECT_MS = 45_000


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _booked_now(world) -> Session:
    session = world_session(world)
    now = timezone.now()
    session.state = Session.State.ACCEPTED
    session.starts_at, session.ends_at = now - datetime.timedelta(minutes=2), now + datetime.timedelta(minutes=43)
    session.save()
    return session


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_teachers_browsers_connect_through_the_portals_signaling_with_media_both_ways(
    playwright, tmp_path, settings
):
    prefix = use_redis_channel_layer(settings)
    world = build_world()
    session = _booked_now(world)
    cookies = {role: _session_cookie(world.users[role]) for role in ("homeroom_teacher", "partner_teacher")}
    env = worker_env(prefix=prefix, tmp_path=tmp_path)
    ports = [free_port(), free_port()]
    processes = [start_daphne(port, env, tmp_path / f"daphne-{port}.log") for port in ports]
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *MEDIA_ARGS], headless=True
    )
    try:
        pages = []
        for role, port in zip(("partner_teacher", "homeroom_teacher"), ports, strict=True):
            context = browser.new_context(locale="en-US", **DESKTOP)
            context.set_default_timeout(CONNECT_MS)
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookies[role], "domain": "localhost", "path": "/"}]
            )
            page = context.new_page()
            page.goto(f"http://localhost:{port}{reverse('exchange:session_call', args=[session.pk])}")
            pages.append(page)
        partner, teacher = pages
        # The device test first, on the partner's page: the camera's picture appears.
        partner.get_by_role("button", name="Test camera and microphone").click()
        expect(partner.locator("[data-call]")).to_have_attribute("data-devices", "ok")
        partner.wait_for_function("() => document.querySelector('[data-local-video]').videoWidth > 0")
        violations = axe_violations(partner)
        assert not violations, format_violations(violations)
        # The partner joins first and waits; the Osaka teacher joins and offers.
        partner.get_by_role("button", name="Join the call").click()
        expect(partner.locator("[data-call]")).to_have_attribute("data-call-state", "waiting")
        teacher.get_by_role("button", name="Join the call").click()
        for page in pages:
            expect(page.locator("[data-call]")).to_have_attribute("data-call-state", "connected")
            expect(page.locator("[data-call-state-text]")).to_have_text("Connected")
        for page in pages:  # media both ways: each side's remote video plays and its received bytes grow
            page.wait_for_function("() => document.querySelector('[data-remote-video]').videoWidth > 0")
            page.wait_for_function("() => Number(document.querySelector('[data-call]').dataset.bytesIn || 0) > 20000")
        violations = axe_violations(teacher)
        assert not violations, format_violations(violations)
    finally:
        browser.close()
        for process in processes:
            stop(process)
