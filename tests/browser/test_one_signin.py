"""One sign-in for the city portal and the schools' own sites: a teacher follows 「閲覧」 and is still signed in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from school_portal.core.models import School

from .harness import Portal

pytestmark = pytest.mark.browser

SIGN_OUT = re.compile("^(サインアウト|Sign out)$")
SIGN_IN = re.compile("^(サインイン|Sign in)$")


def test_a_teacher_follows_view_live_to_the_school_site_signed_in_and_signs_out_of_both(
    portal: Portal, desktop: Page
) -> None:
    sakura = School.objects.get(slug="sakura").home_page
    desktop.goto(f"{portal.url}/accounts/login/")
    desktop.locator("#id_username").fill("teacher-sakura-3")
    desktop.locator("#id_password").fill(portal.password)
    desktop.locator("main form button[type=submit]").click()
    expect(desktop).to_have_url(re.compile(r"/dashboard/$"))

    # The admin, on the portal's host, links the live page on the school's own host (「閲覧」 in a page's menu, the
    # 「公開」 status beside its title): a link to another host, as a person follows it.
    desktop.goto(f"{portal.url}/admin/pages/{sakura.pk}/")
    view_live = desktop.locator(f'main a[href="{portal.school_url("sakura")}/"]').first
    expect(view_live).to_be_visible()
    if view_live.get_attribute("target") == "_blank":
        with desktop.context.expect_page() as opened:
            view_live.click()
        desktop = opened.value
    else:
        view_live.click()

    expect(desktop).to_have_url(re.compile(rf"^{re.escape(portal.school_url('sakura'))}/$"))
    header = desktop.locator(".site-header")
    expect(header.get_by_role("button", name=SIGN_OUT)).to_be_visible()
    expect(header.get_by_role("link", name=SIGN_IN)).to_have_count(0)

    # Signing out on the school's site ends the portal's session too.
    header.get_by_role("button", name=SIGN_OUT).click()
    desktop.goto(f"{portal.url}/dashboard/")
    expect(desktop).to_have_url(re.compile(r"/accounts/login/"))
    desktop.goto(f"{portal.school_url('sakura')}/")
    expect(desktop.locator(".site-header").get_by_role("link", name=SIGN_IN)).to_be_visible()


def test_the_language_chosen_on_the_portal_follows_the_teacher_to_the_school_site(
    portal: Portal, desktop: Page
) -> None:
    desktop.goto(f"{portal.url}/accounts/login/")
    desktop.locator("#id_username").fill("teacher-sakura-3")
    desktop.locator("#id_password").fill(portal.password)
    desktop.locator("main form button[type=submit]").click()
    desktop.locator("#language-select").select_option("en")
    desktop.locator(".language-form button").click()
    expect(desktop.locator("html")).to_have_attribute("lang", "en")

    # A link from the portal's page to the school's site (the city home page lists the wards, a ward its schools).
    desktop.goto(f"{portal.url}/")
    desktop.get_by_role("link", name="北区", exact=True).click()
    desktop.locator(f'a[href^="{portal.school_url("sakura")}"]').first.click()

    expect(desktop).to_have_url(re.compile(rf"^{re.escape(portal.school_url('sakura'))}/"))
    expect(desktop.locator("html")).to_have_attribute("lang", "en")
    expect(desktop.locator(".site-header").get_by_role("button", name="Sign out")).to_be_visible()
