"""The exchange's main journeys in Debian's Chromium with axe on every page: the Osaka teacher (tablet) finds a
partner class and proposes a time both schools are in school; the partner teacher abroad (desktop, in English)
sees it in their own zone, accepts it, downloads the invitation and tests the camera on the call page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from exchange.models import Exchange, Session
from tests.browser.harness import DESKTOP, TABLET_LANDSCAPE, Portal, axe_check, has_horizontal_scroll, sign_in

pytestmark = pytest.mark.browser


def test_the_osaka_teacher_finds_a_partner_and_proposes_a_shared_time(portal: Portal, open_page) -> None:
    exchange = Exchange.objects.select_related("class_group__school").get(
        partner_class__partner_school__time_zone="Europe/London"
    )
    teacher = exchange.teacher
    page = open_page(**TABLET_LANDSCAPE)
    sign_in(page, portal, teacher.username)
    page.goto(f"{portal.url}/exchange/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ビデオ交流")
    axe_check(page)
    assert not has_horizontal_scroll(page)

    page.get_by_role("link", name="交流学級をさがす").click()
    page.get_by_label("学級").select_option(str(exchange.class_group_id))
    page.get_by_label("言語（コード、例: en）").fill("en")
    page.get_by_role("button", name="検索").click()
    expect(page.get_by_role("row").filter(has_text="Harbour Public School")).to_be_visible()
    axe_check(page)

    page.goto(f"{portal.url}/exchange/{exchange.pk}/")
    expect(page.locator("#exchange-presence")).to_contain_text("相手の先生")
    before = Session.objects.filter(exchange=exchange, state="proposed").count()
    axe_check(page)
    suggestion = page.locator(".suggestions button").first
    expect(suggestion).to_contain_text("JST")
    suggestion.click()
    expect(page.locator(".messages")).to_contain_text("提案を相手校に送りました。")
    assert Session.objects.filter(exchange=exchange, state="proposed").count() == before + 1
    axe_check(page)


def test_the_partner_teacher_accepts_in_their_own_zone_and_tests_the_call_page(portal: Portal, open_page) -> None:
    session = Session.objects.select_related("exchange").get(
        state="proposed", exchange__partner_class__partner_school__time_zone="America/Los_Angeles"
    )
    page = open_page(**DESKTOP)
    sign_in(page, portal, session.exchange.partner_teacher.username)
    page.locator("#language-select").select_option("en")
    page.get_by_role("button", name="変更").click()
    page.goto(f"{portal.url}/exchange/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Video exchange")
    axe_check(page)
    # Only their own exchange: the London, Sydney and Singapore partners' exchanges are not listed.
    expect(page.locator("[data-exchange]")).to_have_count(1)

    page.get_by_role("link", name="Lincoln Elementary School").first.click()
    row = page.locator(f'[data-session="{session.pk}"]')
    expect(row).to_contain_text("PST" if "PST" in row.inner_text() else "PDT")
    expect(row).to_contain_text("JST")
    axe_check(page)
    row.get_by_role("button", name="Accept").click()
    expect(page.locator(".messages")).to_contain_text("The session is booked.")
    assert Session.objects.get(pk=session.pk).state == "accepted"
    booked = page.locator(f'[data-session="{session.pk}"]')
    expect(booked.get_by_role("link", name="Calendar invitation (.ics)")).to_be_visible()
    axe_check(page)

    booked.get_by_role("link", name="Call page (device test, then the call)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Video call")
    expect(page.get_by_role("alert")).to_contain_text("The call opens a few minutes before the session starts.")
    axe_check(page)
