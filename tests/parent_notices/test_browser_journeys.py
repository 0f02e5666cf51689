"""The notices' journeys in Debian's Chromium with axe on every page: a guardian on a 360 px phone (inbox, read,
reply, report an absence, with JavaScript off too); a teacher writes a notice, the head teacher approves it, the
teacher sees who read it and reminds the others."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from parent_notices.models import AbsenceReport, Notice, NoticeRead, NoticeReply
from school_portal.core.models import Guardian
from tests.browser.harness import PHONE, Portal, axe_check, has_horizontal_scroll, sign_in
from tests.browser.test_teacher_admin import admin_sign_in

pytestmark = pytest.mark.browser


def test_a_guardian_reads_replies_and_reports_an_absence_on_a_phone(portal: Portal, open_page) -> None:
    phone = open_page(**PHONE)
    sign_in(phone, portal, "guardian-yamada")
    phone.goto(f"{portal.url}/notices/")
    inbox = phone.locator(".inbox__item")
    expect(inbox.first).to_contain_text("台風")  # the board's emergency, pinned on top
    expect(phone.locator("main")).to_contain_text("Ngày hội thể thao")  # the family reads Vietnamese
    assert not has_horizontal_scroll(phone)
    axe_check(phone)

    phone.locator(".inbox__item a", has_text="Ngày hội thể thao").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Ngày hội thể thao")
    assert not has_horizontal_scroll(phone)
    axe_check(phone)
    guardian = Guardian.objects.get(user__username="guardian-yamada")
    notice = Notice.objects.get(pk=int(re.search(r"/notices/(\d+)/", phone.url).group(1)))
    assert NoticeRead.objects.filter(notice=notice, guardian=guardian).exists()

    form = phone.locator(".reply-form").first
    form.get_by_label("参加", exact=True).check()
    form.get_by_role("button").click()
    expect(phone.locator(".messages")).to_contain_text("返信を保存しました")
    axe_check(phone)
    assert NoticeReply.objects.filter(notice=notice, guardian=guardian, choice="yes").exists()

    phone.goto(f"{portal.url}/notices/absence/")
    axe_check(phone)
    phone.get_by_label("遅刻", exact=True).check()
    phone.get_by_label("理由").select_option("illness")
    phone.get_by_label("体温（℃）").fill("37.8")
    phone.get_by_role("button", name="学校に送る").click()
    expect(phone.locator(".messages")).to_be_visible()
    assert not has_horizontal_scroll(phone)
    axe_check(phone)
    assert AbsenceReport.objects.filter(guardian=guardian, kind="late").exists()


def test_a_guardian_replies_with_javascript_off(portal: Portal, open_page) -> None:
    phone = open_page(**PHONE, java_script_enabled=False)
    sign_in(phone, portal, "guardian-yamada")
    notice = Notice.objects.filter(title__startswith="個人面談", live=True).first()
    phone.goto(f"{portal.url}/notices/{notice.pk}/")
    form = phone.locator(".reply-form").first
    form.get_by_label("水曜日").check()
    with phone.expect_response(lambda r: r.request.resource_type == "document" and r.status == 200) as shown:
        form.get_by_role("button").click()
    expect(phone.locator(".messages")).to_contain_text("返信を保存しました")
    # axe runs on timers, which never fire with scripts off (axe_check would wait forever): the very page this
    # phone received is checked in a phone with scripts on, served at the same address with the same styles.
    html = shown.value.text()
    checker = open_page(**PHONE)
    address = shown.value.url
    checker.route(lambda url: url == address, lambda route: route.fulfill(content_type="text/html", body=html))
    checker.goto(address)
    expect(checker.locator(".messages")).to_contain_text("返信を保存しました")
    axe_check(checker)
    assert NoticeReply.objects.filter(notice=notice, choice="水曜日").exists()


def _open_more_actions(page) -> None:
    """Wagtail's editor footer folds its further actions into a menu when there are several."""
    page.locator("footer").wait_for()
    toggle = page.locator("footer").get_by_role("button", name=re.compile("他のアクション|More actions"))
    if toggle.count():
        toggle.first.click()


def test_a_teacher_writes_the_head_teacher_approves_and_the_teacher_sees_who_read_and_reminds(
    portal: Portal, open_page
) -> None:
    teacher = open_page(viewport={"width": 1280, "height": 900})
    admin_sign_in(teacher, portal, "teacher-sakura-3")
    teacher.goto(f"{portal.url}/admin/snippets/parent_notices/notice/add/")
    teacher.locator("#id_title").fill("プール開《びら》きのお知らせ")
    teacher.locator("#id_school").select_option(label="さくら小学校")
    teacher.locator("#id_audience").select_option("school")
    axe_check(teacher, within="main form")
    _open_more_actions(teacher)
    teacher.locator('footer button[name="action-submit"]').click()
    expect(teacher.locator(".messages")).to_be_visible()
    notice = Notice.objects.get(title="プール開《びら》きのお知らせ")
    assert not notice.live

    head = open_page(viewport={"width": 1280, "height": 900})
    admin_sign_in(head, portal, "admin-sakura")
    head.goto(f"{portal.url}/admin/snippets/parent_notices/notice/edit/{notice.pk}/")
    _open_more_actions(head)
    head.locator("footer").get_by_role("button", name=re.compile("承認|Approve")).first.click()
    expect(head.locator(".messages")).to_be_visible()
    notice.refresh_from_db()
    assert notice.live

    teacher.goto(f"{portal.url}/notices/{notice.pk}/tally/")
    expect(teacher.get_by_role("heading", level=1)).to_be_visible()
    axe_check(teacher)
    teacher.get_by_role("button", name="読んでいない家庭に再通知する").click()
    expect(teacher).to_have_url(re.compile(r"/jobs/\d+/"))
    expect(teacher.locator("main")).to_contain_text("再通知しました")
    axe_check(teacher)


def test_a_teacher_translates_a_notice_into_english_and_a_guardian_who_chose_english_reads_it(
    portal: Portal, open_page
) -> None:
    from wagtail.models import Locale

    original = Notice.objects.get(title__startswith="個人面談", school__slug="sakura", locale__language_code="ja")
    english = Locale.objects.get(language_code="en")
    teacher = open_page(viewport={"width": 1280, "height": 900})
    admin_sign_in(teacher, portal, "teacher-sakura-3")
    teacher.goto(f"{portal.url}/admin/translation/submit/snippet/parent_notices/notice/{original.pk}/")
    axe_check(teacher, within="main")
    teacher.locator(f'input[name="locales"][value="{english.pk}"]').check()
    teacher.locator('main form input[type="submit"]').click()
    expect(teacher.locator(".messages")).to_be_visible()
    translation = Notice.objects.get(translation_key=original.translation_key, locale=english)
    assert not translation.live  # a draft until the head teacher approves it
    expect(teacher).to_have_url(re.compile(rf"/admin/snippets/parent_notices/notice/edit/{translation.pk}/"))

    teacher.locator("#id_title").fill("Individual meetings: which day suits you?")
    text = teacher.locator('.Draftail-Editor [contenteditable="true"]').first
    text.click()
    teacher.keyboard.press("Control+A")
    teacher.keyboard.type("Please choose a day for the meeting with your child's teacher.")
    teacher.locator("#body-1-value-question").fill("Which day suits you?")
    axe_check(teacher, within="main form")
    _open_more_actions(teacher)
    teacher.locator('footer button[name="action-submit"]').click()
    expect(teacher.locator(".messages")).to_be_visible()
    translation.refresh_from_db()
    assert not translation.live and translation.current_workflow_task_state is not None

    head = open_page(viewport={"width": 1280, "height": 900})
    admin_sign_in(head, portal, "admin-sakura")
    head.goto(f"{portal.url}/admin/snippets/parent_notices/notice/edit/{translation.pk}/")
    _open_more_actions(head)
    head.locator("footer").get_by_role("button", name=re.compile("承認|Approve")).first.click()
    expect(head.locator(".messages")).to_be_visible()
    translation.refresh_from_db()
    assert translation.live

    phone = open_page(**PHONE)
    sign_in(phone, portal, "guardian-yamada")
    phone.goto(f"{portal.url}/notices/")
    phone.locator("form.notice-language select").select_option("en")
    phone.locator("form.notice-language button").click()
    expect(phone.locator(".messages")).to_be_visible()
    axe_check(phone)
    phone.locator(".inbox__item a", has_text="Individual meetings").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Individual meetings: which day suits you?")
    expect(phone.locator("article.notice")).to_have_attribute("lang", "en")
    expect(phone.locator("article.notice")).to_contain_text("Please choose a day for the meeting")
    expect(phone.locator(".reply").first).to_contain_text("Which day suits you?")
    assert not has_horizontal_scroll(phone)
    axe_check(phone)
