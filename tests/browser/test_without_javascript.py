"""Reading and signing in work with JavaScript switched off (old phones, strict settings, failed downloads)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from school_portal.core.models import Student

from .harness import PHONE, Portal, sign_in

pytestmark = pytest.mark.browser


def test_school_site_and_guardian_sign_in_work_without_javascript(portal: Portal, open_page) -> None:
    page: Page = open_page(java_script_enabled=False, **PHONE)

    page.goto(f"{portal.school_url('sakura')}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("さくら小学校")

    sign_in(page, portal, "guardian-yamada", site_url=portal.school_url("sakura"))
    expect(page).to_have_url(f"{portal.school_url('sakura')}/dashboard/")
    for child in Student.objects.filter(guardians__user__username="guardian-yamada"):
        expect(page.locator("main")).to_contain_text(child.given_name)
    expect(page.locator("main .children .card")).to_have_count(2)
