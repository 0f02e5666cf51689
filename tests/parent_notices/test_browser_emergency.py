"""The board's emergency journey in Debian's Chromium with axe on every page, served by a real Daphne (the
tally is live over a WebSocket): a board member proposes, is told a second member must confirm, the second
confirms, a guardian opens it and the tally moves by itself, a correction appears on the guardian's page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from parent_notices.testing import board_member
from school_portal.core.testing.world import build_world
from tests.daphne_process import free_port, start_daphne, stop, use_redis_channel_layer, worker_env

from ..browser.harness import DESKTOP, PHONE, axe_check

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
LIVE_MS = 30_000
SLOW_MS = 60_000  # a fresh Daphne's first pages (imports, templates) on a busy two-core machine


def _session(user) -> str:
    client = Client()
    client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_the_board_proposes_a_second_member_confirms_the_tally_moves_live_and_a_correction_shows(
    transactional_db, new_context, tmp_path, settings
):
    prefix = use_redis_channel_layer(settings)
    world = build_world()
    second = board_member()
    sessions = {
        "first": _session(world.users["centre_staff"]),
        "second": _session(second),
        "guardian": _session(world.users["guardian"]),
    }
    env = worker_env(prefix=prefix, tmp_path=tmp_path)
    port = free_port()
    log = tmp_path / "daphne.log"
    daphne = start_daphne(port, env, log)
    base = f"http://localhost:{port}"

    def page_for(who: str, **options):
        context = new_context(**options)
        context.set_default_timeout(SLOW_MS)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": sessions[who], "domain": "localhost", "path": "/"}]
        )
        return context.new_page()

    try:
        first = page_for("first", **DESKTOP)
        first.goto(f"{base}/notices/emergency/")
        axe_check(first)
        first.get_by_label("タイトル").fill("暴風警報による臨時休校")
        first.get_by_label("本文").fill("本日は市内全校が臨時休校です。")
        first.get_by_role("button", name="起案する").click()
        expect(first.locator(".messages")).to_contain_text("2人目")
        expect(first.get_by_role("button", name="承認して全家庭に送信する")).to_have_count(0)
        axe_check(first)
        detail = first.url

        board = page_for("second", **DESKTOP)
        board.goto(detail)
        axe_check(board)
        board.get_by_role("button", name="承認して全家庭に送信する").click()
        expect(board.locator(".messages")).to_contain_text("送信しました")
        expect(board.locator("#emergency-tally")).to_contain_text("2 家庭のうち 0 家庭")
        expect(board.locator("[data-live-url]")).to_have_attribute("data-live-state", "open", timeout=LIVE_MS)
        axe_check(board)

        guardian = page_for("guardian", **PHONE)
        guardian.goto(f"{base}/notices/")
        expect(guardian.locator(".inbox__item").first).to_contain_text("暴風警報による臨時休校")
        axe_check(guardian)
        guardian.locator(".inbox__item a").first.click()
        expect(guardian.get_by_role("heading", level=1)).to_contain_text("暴風警報による臨時休校")
        axe_check(guardian)

        # Nobody reloads the board's page: the read arrives over the socket and the tally is fetched afresh.
        expect(board.locator("#emergency-tally")).to_contain_text("2 家庭のうち 1 家庭", timeout=LIVE_MS)
        expect(board.locator("#emergency-tally tbody tr")).to_have_count(2)

        board.get_by_label("訂正", exact=True).fill("中学校は通常どおり登校です。")
        board.get_by_role("button", name="訂正を送信").click()
        expect(board.locator(".messages")).to_contain_text("訂正をお知らせに表示")
        expect(board.locator("#emergency-corrections")).to_contain_text("中学校は通常どおり登校です。")
        axe_check(board)

        guardian.reload()
        corrections = guardian.locator(".notice-corrections")
        expect(corrections).to_contain_text("中学校は通常どおり登校です。")
        expect(corrections.locator("time")).to_have_count(1)
        expect(guardian.locator("main")).to_contain_text("本日は市内全校が臨時休校です。")
        axe_check(guardian)
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    finally:
        stop(daphne)
