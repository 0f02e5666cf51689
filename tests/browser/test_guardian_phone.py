"""A parent on a phone: the city portal, sign-in, both children on the dashboard, a child's page, sign-out;
and a new parent registering from the QR code of the school's invitation letter.

One journey per test keeps the suite fast (each test seeds the demo city afresh): the same walk also checks
dark mode, a mistyped password and that every page fits a narrow phone without sideways scrolling.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from school_portal.core import services
from school_portal.core.models import Student

from .harness import Portal, axe_check, has_horizontal_scroll, screenshot, sign_in

pytestmark = pytest.mark.browser

# 360 px is a common phone; 320 px is WCAG's reflow width (a 1280 px screen zoomed to 400 %).
NARROW_WIDTHS = (360, 320)


def assert_fits_narrow_phones(page: Page, url: str) -> None:
    for width in NARROW_WIDTHS:
        page.set_viewport_size({"width": width, "height": 740})
        page.goto(url)
        assert not has_horizontal_scroll(page), f"{url} scrolls sideways at {width} px"
    page.set_viewport_size({"width": 360, "height": 740})


def test_guardian_on_a_phone_sees_both_children_and_signs_out(portal: Portal, phone: Page) -> None:
    sakura_child = Student.objects.get(sourced_id="demo-sakura-3-1")
    umikaze_child = Student.objects.get(sourced_id="demo-umikaze-1-1")

    phone.goto(f"{portal.url}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("みなと市")
    axe_check(phone)

    phone.locator("main").get_by_role("link", name=re.compile("Sign in|サインイン")).first.click()
    expect(phone).to_have_url(f"{portal.url}/accounts/login/")
    axe_check(phone)

    # A mistyped password: told plainly, in an alert, the sign-in name kept.
    phone.locator("#id_username").fill("guardian-yamada")
    phone.locator("#id_password").fill("not-my-password")
    phone.locator("main form button[type=submit]").click()
    expect(phone.get_by_role("alert")).to_be_visible()
    expect(phone.locator("#id_username")).to_have_value("guardian-yamada")
    axe_check(phone)

    sign_in(phone, portal, "guardian-yamada")
    expect(phone).to_have_url(f"{portal.url}/dashboard/")
    children = phone.locator("main .children .card")
    expect(children).to_have_count(2)
    expect(children.filter(has_text="さくら小学校")).to_contain_text(sakura_child.given_name)
    expect(children.filter(has_text="うみかぜ中学校")).to_contain_text(umikaze_child.given_name)
    axe_check(phone)
    screenshot(phone, "guardian-dashboard-phone")

    # The same page in the phone's dark mode: the dark palette is in force and its contrast passes too.
    phone.emulate_media(color_scheme="dark")
    assert phone.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(21, 24, 28)"
    axe_check(phone)
    screenshot(phone, "guardian-dashboard-phone-dark")
    phone.emulate_media(color_scheme="light")

    phone.get_by_role("link", name=umikaze_child.given_name).click()
    expect(phone).to_have_url(f"{portal.url}/students/{umikaze_child.pk}/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(umikaze_child.full_name)
    expect(phone.locator("main dl")).to_contain_text("うみかぜ中学校")
    axe_check(phone)

    for path in ("/dashboard/", f"/students/{sakura_child.pk}/"):
        assert_fits_narrow_phones(phone, f"{portal.url}{path}")

    phone.locator("header").get_by_role("button", name=re.compile("Sign out|サインアウト")).click()
    expect(phone).to_have_url(re.compile(r"/accounts/login/"))
    phone.goto(f"{portal.url}/students/{umikaze_child.pk}/")
    expect(phone).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(phone.locator("main")).not_to_contain_text(umikaze_child.full_name)

    for path in ("/", "/accounts/login/", "/student/signin/", "/guardian/join/"):
        assert_fits_narrow_phones(phone, f"{portal.url}{path}")


def test_a_parent_scans_the_invitation_letter_and_registers_on_the_phone(portal: Portal, phone: Page) -> None:
    """The letter's QR code opens /guardian/join/#code=CODE: the one-time code never reaches the server nor stays."""
    first_child = Student.objects.get(sourced_id="demo-sakura-3-5")
    second_child = Student.objects.get(sourced_id="demo-umikaze-1-2")
    first_code = services.guardian_invitation_issue(student=first_child)
    join = f"{portal.url}/guardian/join/"
    code_field = phone.locator("#id_code")
    submit = phone.locator("main form button[type=submit]")
    requested: list[str] = []
    phone.on("request", lambda request: requested.append(request.url))

    # Scanned: the code filled in, gone from the address, the first field left to fill ready to type in.
    phone.goto(f"{join}#code={first_code}")
    expect(code_field).to_have_value(first_code)
    expect(phone).to_have_url(join)
    assert "#code" not in phone.url
    expect(phone.locator("#id_display_name")).to_be_focused()
    axe_check(phone)

    # Registering: the child is on the new account's dashboard.
    phone.locator("#id_display_name").fill("鈴木 真理")
    phone.locator("#id_username").fill("mari.suzuki")
    phone.locator("#id_password1").fill("kodomo-no-gakkou-2026")
    phone.locator("#id_password2").fill("kodomo-no-gakkou-2026")
    submit.click()
    expect(phone).to_have_url(f"{portal.url}/dashboard/")
    expect(phone.locator("main .children .card")).to_have_count(1)
    expect(phone.locator("main .children")).to_contain_text(first_child.given_name)

    # A second letter, for a child at another school, scanned while signed in: only the code is asked, so the
    # button is ready for one tap.
    second_code = services.guardian_invitation_issue(student=second_child)
    phone.goto(f"{join}#code={second_code}")
    expect(code_field).to_have_value(second_code)
    expect(phone).to_have_url(join)
    expect(phone.locator("#id_password1")).to_have_count(0)
    expect(submit).to_be_focused()
    axe_check(phone)
    submit.click()
    expect(phone).to_have_url(f"{portal.url}/dashboard/")
    expect(phone.locator("main .children .card")).to_have_count(2)
    expect(phone.locator("main .children")).to_contain_text(second_child.given_name)

    # No request ever carried a code in its address.
    assert requested
    assert not [url for url in requested if first_code in url or second_code in url]
