"""A child's home on the class tablet and the header on a phone: cards an 8-year-old can tap, furigana on the
labels a child reads, no language switch in a child's header, and a header that leaves the phone's screen to the
page (for a child and for a guardian)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from classrooms.models import Assignment
from school_portal.core.models import Student

from .harness import PHONE, TABLET_PORTRAIT, Portal, axe_check, has_horizontal_scroll, sign_in, student_sign_in

pytestmark = pytest.mark.browser

MIN_TARGET = 44  # WCAG 2.5.5 (AAA) and Apple's and Google's guidance for a finger
MAX_HEADER_SHARE = 0.12


def _small_targets(page: Page, selector: str) -> list[str]:
    small = []
    for target in page.locator(selector).all():
        if not target.is_visible():
            continue
        box = target.bounding_box()
        assert box is not None
        if box["width"] < MIN_TARGET or box["height"] < MIN_TARGET:
            small.append(f"{(target.text_content() or '').strip()[:30]!r}: {box['width']:.0f}x{box['height']:.0f}")
    return small


def _header_share(page: Page) -> float:
    box = page.locator(".site-header").bounding_box()
    assert box is not None
    return box["height"] / page.viewport_size["height"]


def test_a_childs_home_has_large_cards_with_furigana_and_no_language_switch(portal: Portal, open_page) -> None:
    student = Student.objects.get(sourced_id="demo-sakura-3-5")
    assignment = Assignment.objects.get(class_groups__enrollments__student=student)
    tablet = open_page(**TABLET_PORTRAIT)
    student_sign_in(tablet, portal, student)

    card = tablet.locator(".tile__link", has_text=assignment.lesson.title)
    expect(card).to_be_visible()
    assert not _small_targets(tablet, "main a, main button, .site-header a, .site-header button")
    # The subject a child reads, with its reading: 算数《さんすう》・数学《すうがく》.
    expect(card.locator("ruby").first).to_have_text("算数(さんすう)")
    expect(card.locator("ruby rt").first).to_have_text("さんすう")
    expect(tablet.locator(".site-header select, .language-form")).to_have_count(0)
    axe_check(tablet)


def test_the_header_takes_little_of_a_phones_screen_for_a_child_and_a_guardian(portal: Portal, open_page) -> None:
    student = Student.objects.get(sourced_id="demo-sakura-3-5")
    assignment = Assignment.objects.get(class_groups__enrollments__student=student)
    child_phone = open_page(**PHONE)
    student_sign_in(child_phone, portal, student)
    for url in (f"{portal.url}/dashboard/", f"{portal.url}/lessons/assignments/{assignment.pk}/"):
        child_phone.goto(url)
        assert _header_share(child_phone) <= MAX_HEADER_SHARE, f"{url}: {_header_share(child_phone):.0%}"
        assert not has_horizontal_scroll(child_phone)
    axe_check(child_phone)

    guardian_phone = open_page(**PHONE)
    sign_in(guardian_phone, portal, "guardian-yamada")
    child = Student.objects.get(sourced_id="demo-sakura-3-1")
    for url in (f"{portal.url}/dashboard/", f"{portal.url}/students/{child.pk}/", f"{portal.url}/"):
        guardian_phone.goto(url)
        assert _header_share(guardian_phone) <= MAX_HEADER_SHARE, f"{url}: {_header_share(guardian_phone):.0%}"
        assert not has_horizontal_scroll(guardian_phone)
        axe_check(guardian_phone)
    # A guardian keeps the language switch, reachable in the header's row.
    select = guardian_phone.locator(".site-header select")
    select.scroll_into_view_if_needed()
    expect(select).to_be_visible()
    assert not _small_targets(guardian_phone, ".site-header a, .site-header button, .site-header select")
