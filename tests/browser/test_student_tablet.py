"""A child signs in on a shared class tablet with the class code and their badge, the tablet either way up."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from school_portal.core.models import ClassGroup, Student

from .harness import TABLET_LANDSCAPE, TABLET_PORTRAIT, Portal, axe_check, has_horizontal_scroll

pytestmark = pytest.mark.browser


def test_student_signs_in_with_class_code_and_badge(portal: Portal, open_page) -> None:
    student = Student.objects.get(sourced_id="demo-sakura-3-1")
    class_group = ClassGroup.objects.get(enrollments__student=student)
    tablet: Page = open_page(**TABLET_PORTRAIT)

    tablet.goto(f"{portal.url}/student/signin/")
    assert not has_horizontal_scroll(tablet)
    axe_check(tablet)

    # A badge code left empty: the field is marked invalid and its message is read out with it.
    tablet.locator("#id_class_code").fill(class_group.class_code)
    tablet.locator("main form button[type=submit]").click()
    badge = tablet.locator("#id_badge_code")
    expect(badge).to_have_attribute("aria-invalid", "true")
    expect(tablet.locator("#id_badge_code_error")).to_be_visible()
    for described_by in (badge.get_attribute("aria-describedby") or "").split():
        expect(tablet.locator(f"#{described_by}")).to_be_visible()
    axe_check(tablet)

    # A mistyped badge: an alert, nothing kept from the wrong code.
    badge.fill("NOTABADGE")
    tablet.locator("main form button[type=submit]").click()
    expect(tablet.get_by_role("alert")).to_be_visible()
    expect(tablet).to_have_url(f"{portal.url}/student/signin/")
    axe_check(tablet)

    # Turned to landscape, the right badge (codes are not case-sensitive): the child's own dashboard.
    tablet.set_viewport_size(TABLET_LANDSCAPE["viewport"])
    assert not has_horizontal_scroll(tablet)
    tablet.locator("#id_class_code").fill(class_group.class_code.lower())
    tablet.locator("#id_badge_code").fill(student.badge_code)
    tablet.locator("main form button[type=submit]").click()

    expect(tablet).to_have_url(f"{portal.url}/dashboard/")
    expect(tablet.get_by_role("heading", level=1)).to_contain_text(student.user.display_name)
    expect(tablet.locator("main")).to_contain_text(f"さくら小学校 · {class_group.label}")
    assert not has_horizontal_scroll(tablet)
    axe_check(tablet)

    tablet.set_viewport_size(TABLET_PORTRAIT["viewport"])
    assert not has_horizontal_scroll(tablet)


def test_the_next_child_scans_their_badge_and_starts_with_one_tap(portal: Portal, open_page) -> None:
    """The badge's QR code opens /student/signin/#badge=CODE: the code never reaches the server nor stays behind."""
    first = Student.objects.get(sourced_id="demo-sakura-3-2")
    second = Student.objects.get(sourced_id="demo-sakura-3-3")
    third = Student.objects.get(sourced_id="demo-sakura-3-4")
    class_group = ClassGroup.objects.get(enrollments__student=first)
    tablet: Page = open_page(**TABLET_PORTRAIT)
    signin = f"{portal.url}/student/signin/"
    badge = tablet.locator("#id_badge_code")
    start = tablet.locator("main form button[type=submit]")

    # A child before signs in and out: from now on the tablet knows its class code.
    tablet.goto(signin)
    tablet.locator("#id_class_code").fill(class_group.class_code)
    badge.fill(first.badge_code)
    start.click()
    expect(tablet).to_have_url(f"{portal.url}/dashboard/")
    tablet.locator(".site-nav .link-button").click()  # sign out: back to the student sign-in page
    expect(tablet).to_have_url(signin)
    expect(tablet.locator("#id_class_code")).to_have_value(class_group.class_code)
    expect(badge).to_have_value("")

    # The next child scans their badge on the page the sign-out left open (only the fragment changes, no reload):
    # both codes filled in, the code gone from the address, Start ready.
    requested: list[str] = []
    tablet.on("request", lambda request: requested.append(request.url))
    tablet.goto(f"{signin}#badge={second.badge_code}")
    expect(badge).to_have_value(second.badge_code)
    expect(tablet.locator("#id_class_code")).to_have_value(class_group.class_code)
    expect(tablet).to_have_url(signin)
    assert "#badge" not in tablet.url
    expect(start).to_be_focused()
    axe_check(tablet)

    # Changing their mind: another badge scanned, on the same open page.
    tablet.goto(f"{signin}#badge={third.badge_code}")
    expect(badge).to_have_value(third.badge_code)
    expect(tablet).to_have_url(signin)
    expect(start).to_be_focused()

    # One tap: the right child's dashboard. No request ever carried a badge code in its address.
    start.click()
    expect(tablet).to_have_url(f"{portal.url}/dashboard/")
    expect(tablet.get_by_role("heading", level=1)).to_contain_text(third.user.display_name)
    assert not [url for url in requested if second.badge_code in url or third.badge_code in url]
