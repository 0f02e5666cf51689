"""A teacher in the Wagtail admin: their own school's pages to explore and edit, nobody else's."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from classrooms.blocks import WORKSHEET_BLOCK_TYPES
from classrooms.models import LessonPage
from school_portal.core.models import ClassGroup, School, Student

from .harness import Portal, axe_check

pytestmark = pytest.mark.browser

NEWS = "運動会は10月12日（土）に行います。"


def admin_sign_in(page: Page, portal: Portal, username: str) -> None:
    page.goto(f"{portal.url}/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(portal.password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_teacher_edits_their_own_school_pages_and_no_other_school(portal: Portal, desktop: Page) -> None:
    sakura = School.objects.get(slug="sakura").home_page
    minato = School.objects.get(slug="minato").home_page
    admin_sign_in(desktop, portal, "teacher-sakura-3")

    # The page explorer of the sidebar offers their school's tree only.
    sidebar = desktop.locator("#wagtail-sidebar")
    sidebar.get_by_role("button", name=re.compile("ページ|Pages")).click()
    expect(sidebar.get_by_role("link", name="さくら小学校")).to_be_visible()
    expect(sidebar).not_to_contain_text("みなと小学校")
    expect(sidebar).not_to_contain_text("うみかぜ中学校")

    # The explorer opens at their school's home page.
    desktop.goto(f"{portal.url}/admin/pages/")
    expect(desktop).to_have_url(re.compile(rf"/admin/pages/{sakura.pk}/$"))
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("さくら小学校")
    for other in (minato, School.objects.get(slug="umikaze").home_page):
        expect(desktop.locator(f'main a[href^="/admin/pages/{other.pk}/"]')).to_have_count(0)

    # They write a line of news on the home page and publish it.
    desktop.goto(f"{portal.url}/admin/pages/{sakura.pk}/edit/")
    intro = desktop.locator('[data-contentpath="intro"] [contenteditable="true"]')
    intro.click()
    desktop.keyboard.insert_text(NEWS)
    # Draftail writes the text into the form's hidden input a moment after typing stops.
    expect(desktop.locator('[data-contentpath="intro"] input[type="hidden"]')).to_have_value(re.compile(NEWS))
    desktop.locator("footer").get_by_role("button", name=re.compile("他のアクション|More actions")).click()
    desktop.locator('footer button[name="action-publish"]').click()
    expect(desktop.locator(".messages")).to_contain_text("さくら小学校")

    # Families see it on the school's site, and the page is accessible.
    desktop.goto(f"{portal.school_url('sakura')}/")
    expect(desktop.locator("main")).to_contain_text(NEWS)
    axe_check(desktop)

    # Another school's home page does not open for editing: Wagtail sends them back to the dashboard.
    desktop.goto(f"{portal.url}/admin/pages/{minato.pk}/edit/")
    expect(desktop).to_have_url(re.compile(r"/admin/$"))
    expect(desktop.locator('[data-contentpath="intro"]')).to_have_count(0)
    desktop.goto(f"{portal.school_url('minato')}/")
    expect(desktop.locator("main")).not_to_contain_text(NEWS)

    # The same session reaches the portal's own pages: their class's roster and a child's page.
    class_group = ClassGroup.objects.get(school__slug="sakura", grade=3)
    child = Student.objects.get(sourced_id="demo-sakura-3-1")
    desktop.goto(f"{portal.url}/dashboard/")
    axe_check(desktop)

    desktop.locator("main .classes .card").get_by_role("link", name=class_group.label).click()
    expect(desktop).to_have_url(f"{portal.url}/classes/{class_group.pk}/roster/")
    expect(desktop.locator("main")).to_contain_text(class_group.class_code)
    expect(desktop.locator("main table tbody tr")).to_have_count(5)
    axe_check(desktop)

    desktop.get_by_role("link", name=child.full_name).click()
    expect(desktop.get_by_role("heading", level=1)).to_contain_text(child.full_name)
    expect(desktop.locator("main dl")).to_contain_text("山田 由美")
    axe_check(desktop)


def test_every_input_of_a_worksheet_in_the_lesson_editor_has_a_label(portal: Portal, desktop: Page) -> None:
    """Choices and accepted answers, inside list blocks, are read out by a screen reader with their name."""
    lesson = next(
        page
        for page in LessonPage.objects.live().descendant_of(School.objects.get(slug="sakura").home_page)
        if any(
            question.block_type in {"choice", "short_answer"}
            for block in page.body
            if block.block_type in WORKSHEET_BLOCK_TYPES
            for question in block.value["questions"]
        )
    )
    admin_sign_in(desktop, portal, "teacher-sakura-3")
    desktop.goto(f"{portal.url}/admin/pages/{lesson.pk}/edit/")
    body = '[data-contentpath="body"]'
    choice_inputs = desktop.locator(f'{body} [data-contentpath="choices"] input[type="text"]')
    expect(choice_inputs.first).to_be_attached()
    assert choice_inputs.count() >= 2
    axe_check(desktop, within=body)
