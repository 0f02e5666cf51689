"""A parent on a phone finds their child's school in the city portal: by ward, then with the finder (no script
needed), each page accessible and fitting a narrow phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .harness import Portal, axe_check, has_horizontal_scroll

pytestmark = pytest.mark.browser


def test_a_parent_on_a_phone_finds_the_school_by_ward_and_with_the_finder(portal: Portal, phone: Page) -> None:
    phone.goto(f"{portal.url}/")
    wards = phone.locator("main .wards .card")
    expect(wards).to_have_count(3)  # the demo's three schools stand in three wards
    axe_check(phone)
    assert not has_horizontal_scroll(phone)

    phone.get_by_role("link", name="北区", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("北区")
    expect(phone.locator("main .cards .card")).to_have_count(1)
    expect(phone.get_by_role("link", name="さくら小学校")).to_have_attribute("href", f"{portal.school_url('sakura')}/")
    axe_check(phone)
    assert not has_horizontal_scroll(phone)

    phone.goto(f"{portal.url}/")
    finder = phone.get_by_role("search")
    finder.get_by_label("School name").or_(finder.get_by_label("学校名")).fill("みなと")
    finder.get_by_role("button").click()
    expect(phone.locator("main .cards .card")).to_have_count(1)
    expect(phone.locator("main .cards")).to_contain_text("みなと小学校")
    axe_check(phone)
    assert not has_horizontal_scroll(phone)


def test_the_finder_works_with_javascript_turned_off(portal: Portal, new_context) -> None:
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{portal.url}/")
    page.get_by_role("search").get_by_role("combobox").first.select_option(label="西区")
    page.get_by_role("search").get_by_role("button").click()
    expect(page.locator("main .cards")).to_contain_text("うみかぜ中学校")
    expect(page.locator("main .cards .card")).to_have_count(1)
