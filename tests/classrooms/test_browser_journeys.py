"""The main journeys of the classrooms plug-in in Debian's Chromium, at tablet size, with axe on every page.

A child answers a worksheet on a tablet (number pad, ordering, drawing), loses the network and keeps going,
then hands in; the teacher reviews the grid, gives feedback and copies a library lesson; the guardian reads the
feedback. The harness (browser, live server with the demo city, axe) is the shared one of tests/browser.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from classrooms.models import Answer, AnswerSheet, Assignment, LessonCopy, LessonPage
from school_portal.core.models import ClassGroup, Student
from tests.browser.harness import (
    PHONE,
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    Portal,
    axe_check,
    draw_stroke,
    has_horizontal_scroll,
    sign_in,
    student_sign_in,
)

pytestmark = pytest.mark.browser


def test_a_child_does_a_worksheet_on_a_tablet_through_a_network_cut(portal: Portal, open_page) -> None:  # noqa: F811
    student = Student.objects.get(sourced_id="demo-sakura-3-5")  # seeded without any answer yet
    assignment = Assignment.objects.get(class_groups__enrollments__student=student)
    tablet = open_page(**TABLET_PORTRAIT)
    student_sign_in(tablet, portal, student)

    # The dashboard lists the lesson under "today / this week".
    lesson_link = tablet.locator(".tile__link", has_text=assignment.lesson.title)
    expect(lesson_link).to_be_visible()
    axe_check(tablet)
    lesson_link.click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text(assignment.lesson.title)
    expect(tablet.locator("ruby").first).to_be_visible()  # furigana
    assert not has_horizontal_scroll(tablet)
    axe_check(tablet)

    questions = tablet.locator("[data-question]")
    choice, number, ordering, drawing = (questions.nth(i) for i in range(4))

    # A choice, tapped: saved at once, with the time it reached the school.
    choice.locator(".choice").nth(1).click()
    expect(choice.locator("[data-status]")).to_contain_text(re.compile(r"\d\d:\d\d"))

    # A number, on the on-screen number pad: no keyboard, no kanji.
    for key in ("1", "8"):
        number.locator(f'.numpad__key[data-key="{key}"]').click()
    expect(number.locator("input.answer-number")).to_have_value("18")
    expect(number.locator("[data-status]")).to_contain_text(re.compile(r"\d\d:\d\d"))

    # The network goes; the child keeps putting things in order and drawing.
    tablet.context.set_offline(True)
    tablet.set_viewport_size(TABLET_LANDSCAPE["viewport"])
    ordering.locator('[data-move="up"]').last.click()
    draw_stroke(tablet, drawing.locator("canvas"))
    expect(drawing.locator("[data-status]")).to_have_class(re.compile("question__status--offline"))
    sheet = AnswerSheet.objects.get(assignment=assignment, student=student)
    assert not Answer.objects.filter(sheet=sheet, question_id=drawing.get_attribute("data-question")).exists()
    assert not has_horizontal_scroll(tablet)

    # The network comes back: the queued answers are sent, and the teacher will see when they arrived.
    tablet.context.set_offline(False)
    tablet.evaluate("window.dispatchEvent(new Event('online'))")
    expect(drawing.locator("[data-status]")).to_contain_text(re.compile(r"\d\d:\d\d"), timeout=15_000)
    expect(ordering.locator("[data-status]")).to_contain_text(re.compile(r"\d\d:\d\d"))
    saved = {a.question_id: a for a in Answer.objects.filter(sheet=sheet)}
    assert len(saved) == 4 and saved[drawing.get_attribute("data-question")].drawing
    axe_check(tablet)

    # Back on the lesson later: the answers the school has are there again.
    tablet.reload()
    expect(choice.locator("input[type=radio]").nth(1)).to_be_checked()
    expect(number.locator("input.answer-number")).to_have_value("18")
    expect(drawing.locator("[data-status]")).to_contain_text(re.compile(r"\d\d:\d\d"))

    # On another shared tablet whose script did not load: the page itself carries the saved answers.
    other_tablet = open_page(java_script_enabled=False, **TABLET_PORTRAIT)
    student_sign_in(other_tablet, portal, student)
    other_tablet.goto(f"{portal.url}/lessons/assignments/{assignment.pk}/")
    others = other_tablet.locator("[data-question]")
    expect(others.nth(0).locator("input[type=radio]").nth(1)).to_be_checked()
    expect(others.nth(1).locator("input.answer-number")).to_have_value("18")
    expect(others.nth(3).locator("[data-status]")).to_contain_text(re.compile(r"\d\d:\d\d"))
    # (No axe here: axe runs on timers, which do not fire with scripts off. The markup is the one checked above.)

    # Hand in, explicitly: a worksheet, so the marks wait until the teacher has checked it.
    tablet.get_by_role("button", name=re.compile("Hand in|出す")).click()
    expect(tablet).to_have_url(re.compile(r"/lessons/sheets/\d+/$"))
    expect(tablet.get_by_text(re.compile("will check your answers|先生が こたえを たしかめます"))).to_be_visible()
    expect(tablet.locator(".score")).to_have_count(0)
    assert AnswerSheet.objects.get(pk=sheet.pk).status == AnswerSheet.Status.SUBMITTED
    axe_check(tablet)


def test_a_teacher_reviews_gives_feedback_and_reuses_a_library_lesson(portal: Portal, open_page) -> None:
    page = open_page(**TABLET_LANDSCAPE)
    sign_in(page, portal, "teacher-sakura-3")
    page.goto(f"{portal.url}/dashboard/")
    axe_check(page)

    page.goto(f"{portal.url}/lessons/")
    axe_check(page)
    page.locator("main table a", has_text="かけ算 ３のだん").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("かけ算 ３のだん")
    expect(page.locator(".review-grid tbody tr")).to_have_count(5)
    expect(page.locator(".review-grid img.cell__drawing").first).to_be_visible()
    axe_check(page)

    # Feedback with a stamp on a handed-in sheet, then the child's grid row says so.
    submitted = AnswerSheet.objects.filter(
        assignment__lesson__title="かけ算 ３のだん", status=AnswerSheet.Status.SUBMITTED
    ).first()
    assert submitted is not None
    page.locator(f'a[href="/lessons/sheets/{submitted.pk}/review/"]').click()
    expect(page).to_have_url(re.compile(rf"/lessons/sheets/{submitted.pk}/review/$"))
    axe_check(page)
    page.locator("#id_feedback").fill("ていねいに かけました")
    page.locator("#id_stamp").select_option("good")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    assert AnswerSheet.objects.get(pk=submitted.pk).stamp == "good"

    # Progress of the class, with its exports.
    class_group = ClassGroup.objects.get(school__slug="sakura", grade=3)
    page.goto(f"{portal.url}/lessons/classes/{class_group.pk}/progress/")
    expect(page.locator("main table")).to_contain_text("かけ算 ３のだん")
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Excel")).click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # The shared library: search in Japanese, preview, copy into the school in one action.
    page.goto(f"{portal.url}/lessons/library/")
    axe_check(page)
    page.locator("#id_q").fill("ふりこ")
    page.locator("main form button[type=submit]").click()
    page.locator("main .card a", has_text="ふりこ").click()
    expect(page).to_have_url(re.compile(r"/lessons/library/\d+/$"))
    axe_check(page)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/$"))
    copy = LessonCopy.objects.get()
    assert copy.school.slug == "sakura" and not LessonPage.objects.get(pk=copy.copy_id).live


def test_a_guardian_reads_the_teachers_feedback_on_a_phone_size_screen(portal: Portal, open_page) -> None:
    child = Student.objects.get(sourced_id="demo-sakura-3-1")
    sheet = AnswerSheet.objects.filter(student=child).exclude(feedback="").get()
    page = open_page(**PHONE)
    sign_in(page, portal, "guardian-yamada")
    page.goto(f"{portal.url}/dashboard/")
    axe_check(page)
    page.locator(f'main a[href="/lessons/sheets/{sheet.pk}/"]').click()
    expect(page.locator(".feedback-box")).to_contain_text(sheet.feedback)
    expect(page.locator(".stamp")).to_be_visible()
    axe_check(page)
