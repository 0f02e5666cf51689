"""The tablet without a connection, in Debian's Chromium: a hand-in waits for the network and then happens, an
answer the school refuses stays on the tablet with the reason, large drawings are sent in requests that fit."""

from __future__ import annotations

import base64
import datetime
import io
import json
import os
import re
import time

import pytest
from django.utils import timezone, translation
from PIL import Image
from playwright.sync_api import Page, Request, expect

from classrooms import services, worksheets
from classrooms.models import Answer, AnswerSheet, Assignment
from school_portal.core.models import Student
from tests.browser.harness import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    Portal,
    ReloadDuringSave,
    axe_check,
    draw_stroke,
    sign_in,
    student_sign_in,
)

pytestmark = pytest.mark.browser


def _open_worksheet(tablet: Page, demo: Portal, sourced_id: str) -> tuple[Student, Assignment]:
    student = Student.objects.get(sourced_id=sourced_id)
    assignment = Assignment.objects.get(class_groups__enrollments__student=student)
    student_sign_in(tablet, demo, student)
    tablet.goto(f"{demo.url}/lessons/assignments/{assignment.pk}/")
    return student, assignment


def _ja(message) -> str:
    with translation.override("ja"):
        return str(message)


def test_a_sheet_handed_in_offline_is_handed_in_when_the_connection_returns(portal: Portal, open_page) -> None:  # noqa: F811
    tablet = open_page(**TABLET_PORTRAIT)
    student, assignment = _open_worksheet(tablet, portal, "demo-sakura-3-5")  # seeded without any answer yet
    questions = tablet.locator("[data-question]")
    choice, number = questions.nth(0), questions.nth(1)
    choice_id, number_id = choice.get_attribute("data-question"), number.get_attribute("data-question")

    tablet.context.set_offline(True)
    choice.locator(".choice").nth(1).click()
    for key in ("1", "8"):
        number.locator(f'.numpad__key[data-key="{key}"]').click()
    tablet.get_by_role("button", name=re.compile("Hand in|出す")).click()

    # The page says plainly that the sheet has not been handed in yet, and stays where it is.
    status = tablet.locator("#connection-status")
    expect(status).to_contain_text(re.compile("Not handed in yet|まだ 出していません"))
    expect(tablet).to_have_url(re.compile(rf"/lessons/assignments/{assignment.pk}/$"))
    assert not AnswerSheet.objects.filter(assignment=assignment, student=student, submitted_at__isnull=False).exists()
    axe_check(tablet)

    # The connection returns: the answers go, then the sheet is handed in, and the child sees the sheet.
    tablet.context.set_offline(False)
    tablet.evaluate("window.dispatchEvent(new Event('online'))")
    expect(tablet).to_have_url(re.compile(r"/lessons/sheets/\d+/$"), timeout=15_000)
    sheet = AnswerSheet.objects.get(assignment=assignment, student=student)
    assert sheet.status == AnswerSheet.Status.SUBMITTED
    assert {a.question_id: a.value for a in Answer.objects.filter(sheet=sheet)} == {choice_id: 1, number_id: "18"}
    expect(tablet.locator(".messages")).to_be_visible()
    assert tablet.evaluate(f"localStorage.getItem('classrooms:hand-in:{assignment.pk}:{student.pk}')") is None

    # The teacher's review grid shows the sheet handed in.
    teacher = open_page(**TABLET_LANDSCAPE)
    sign_in(teacher, portal, "teacher-sakura-3")
    teacher.goto(f"{portal.url}/lessons/assignments/{assignment.pk}/review/")
    row = teacher.locator(".review-grid tbody tr", has_text=student.given_name)
    expect(row).to_contain_text(_ja(AnswerSheet.Status.SUBMITTED.label))


def test_an_answer_the_school_refuses_stays_on_the_tablet_with_the_reason_and_the_rest_is_saved(
    portal: Portal,  # noqa: F811
    open_page,  # noqa: F811
) -> None:
    tablet = open_page(**TABLET_PORTRAIT)
    student, assignment = _open_worksheet(tablet, portal, "demo-sakura-3-5")
    questions = tablet.locator("[data-question]")
    choice, number = questions.nth(0), questions.nth(1)
    number_id = number.get_attribute("data-question")

    # Offline, a choice and a number typed on a keyboard that is not one: they go together, in one request.
    tablet.context.set_offline(True)
    choice.locator(".choice").nth(1).click()
    number.locator("input.answer-number").fill("3..5")
    expect(number.locator("[data-status]")).to_have_class(re.compile("question__status--offline"))
    tablet.context.set_offline(False)
    tablet.evaluate("window.dispatchEvent(new Event('online'))")

    # The choice is saved; the number is named, with the reason, and stays as the child wrote it.
    expect(choice.locator("[data-status]")).to_contain_text(re.compile(r"\d\d:\d\d"), timeout=15_000)
    expect(number.locator("[data-status]")).to_have_text(_ja(worksheets.NOT_A_NUMBER))
    expect(number.locator("input.answer-number")).to_have_value("3..5")
    sheet = AnswerSheet.objects.get(assignment=assignment, student=student)
    assert set(Answer.objects.filter(sheet=sheet).values_list("question_id", flat=True)) == {
        choice.get_attribute("data-question")
    }
    axe_check(tablet)

    # Reloaded, the tablet still has it, with the reason; corrected, it is saved.
    tablet.reload()
    expect(number.locator("input.answer-number")).to_have_value("3..5")
    expect(number.locator("[data-status]")).to_have_text(_ja(worksheets.NOT_A_NUMBER))
    for key in ("back", "back", "5"):
        number.locator(f'.numpad__key[data-key="{key}"]').click()
    expect(number.locator("[data-status]")).to_contain_text(re.compile(r"\d\d:\d\d"), timeout=15_000)
    assert Answer.objects.get(sheet=sheet, question_id=number_id).value == "3.5"


def _noisy_png() -> bytes:
    """A drawing just under the 400 KB a drawing may weigh: random pixels do not compress."""
    raw = os.urandom(360 * 364 * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (360, 364), raw).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def test_two_large_drawings_kept_offline_are_sent_in_requests_under_the_body_cap(portal: Portal, open_page) -> None:  # noqa: F811
    tablet = open_page(**TABLET_PORTRAIT)
    student, assignment = _open_worksheet(tablet, portal, "demo-sakura-3-5")
    lesson = assignment.lesson.specific
    raw = list(lesson.body.raw_data)
    sheet_block = next(block for block in raw if block["type"] in ("worksheet", "quiz"))
    first = next(q for q in sheet_block["value"]["questions"] if q["type"] == "drawing")
    second = json.loads(json.dumps(first))
    second["id"] = "99999999-9999-4999-8999-999999999999"
    sheet_block["value"]["questions"].append(second)
    lesson.body = raw
    lesson.save_revision().publish()

    drawings = {first["id"]: _noisy_png(), second["id"]: _noisy_png()}
    urls = {qid: "data:image/png;base64," + base64.b64encode(png).decode() for qid, png in drawings.items()}
    assert all(len(png) < 400 * 1024 for png in drawings.values())
    assert sum(len(url) for url in urls.values()) > 1024 * 1024  # together, over the body cap

    bodies: list[int] = []
    events: list[str] = []
    start = time.monotonic()

    def record(what: str, detail: str) -> None:
        events.append(f"{time.monotonic() - start:.2f}s {what} {detail}")

    def on_request(request: Request) -> None:
        if "autosave" in request.url:
            bodies.append(len(request.post_data_buffer or b""))
        if request.resource_type in ("document", "fetch", "xhr", "ping"):
            record("request", f"{request.method} {request.url} ({len(request.post_data_buffer or b'')} bytes)")

    tablet.on("request", on_request)
    tablet.on("response", lambda r: record("response", f"{r.status} {r.url}"))
    tablet.on("requestfailed", lambda r: record("failed", f"{r.url}: {r.failure}"))
    tablet.on("console", lambda m: record("console", f"{m.type}: {m.text}"))
    tablet.on("pageerror", lambda e: record("page error", str(e)))
    # What an offline tablet holds after two large drawings; the sheet is opened again with the network back. The
    # queue is put there from another page of the portal (the same storage): the worksheet page, left open, sent
    # it itself when its first flush timer fired just before a reload, and the new page was drawn before that save
    # arrived (both saved, one shown without its time: the test's race, reproduced at will, not the tablet's).
    queue = {
        qid: {"kind": "drawing", "value": url, "at": 1_700_000_000_000 + i} for i, (qid, url) in enumerate(urls.items())
    }
    tablet.goto(f"{portal.url}/static/core/favicon.svg")
    key = f"classrooms:queue:{assignment.pk}:{student.pk}"
    tablet.evaluate("([key, queue]) => localStorage.setItem(key, JSON.stringify(queue))", [key, queue])
    tablet.goto(f"{portal.url}/lessons/assignments/{assignment.pk}/")

    # A save that fails (a loaded machine) is retried after 4, 8, 16 s...: the wait allows one such retry.
    for qid in drawings:
        try:
            expect(tablet.locator(f'[data-question="{qid}"] [data-status]')).to_contain_text(
                re.compile(r"\d\d:\d\d"), timeout=45_000
            )
        except AssertionError as exc:
            queued = tablet.evaluate("key => Object.keys(JSON.parse(localStorage.getItem(key) || '{}'))", key)
            saved = list(Answer.objects.filter(sheet__assignment=assignment).values_list("question_id", flat=True))
            raise AssertionError(
                f"{exc}\nstill queued on the tablet: {queued}; saved: {saved}\n" + "\n".join(events)
            ) from None
    sheet = AnswerSheet.objects.get(assignment=assignment, student=student)
    stored = {a.question_id: bytes(a.drawing) for a in Answer.objects.filter(sheet=sheet, drawing__isnull=False)}
    assert stored == drawings
    assert bodies and max(bodies) < 1024 * 1024


def test_on_a_shared_tablet_one_childs_unsent_answers_never_become_the_next_childs(
    portal: Portal,  # noqa: F811
    open_page,  # noqa: F811
) -> None:
    tablet = open_page(**TABLET_PORTRAIT)
    first, assignment = _open_worksheet(tablet, portal, "demo-sakura-3-5")
    number = tablet.locator("[data-question]").nth(1)
    number_id = number.get_attribute("data-question")

    # The first child answers with no connection, then the tablet is handed on (their session simply ends).
    tablet.context.set_offline(True)
    for key in ("4", "2"):
        number.locator(f'.numpad__key[data-key="{key}"]').click()
    expect(number.locator("[data-status]")).to_have_class(re.compile("question__status--offline"))
    tablet.context.clear_cookies()
    tablet.context.set_offline(False)

    # The next child of the class opens the same worksheet on the same tablet.
    second = (
        Student.objects.filter(enrollments__class_group__lesson_assignments=assignment).exclude(pk=first.pk).first()
    )
    student_sign_in(tablet, portal, second)
    tablet.goto(f"{portal.url}/lessons/assignments/{assignment.pk}/")
    tablet.evaluate("window.dispatchEvent(new Event('online'))")

    expect(tablet.locator(f'[data-question="{number_id}"] input.answer-number')).not_to_have_value("42")
    tablet.wait_for_timeout(1500)
    assert not Answer.objects.filter(sheet__student=second, question_id=number_id, value="42").exists()
    # And the first child's answer is still kept on the tablet for them.
    kept = tablet.evaluate(f"localStorage.getItem('classrooms:queue:{assignment.pk}:{first.pk}')")
    assert kept and "42" in kept


@pytest.mark.parametrize("held", ["no answer", "a handed-in answer"])
def test_a_sheet_reloaded_while_its_last_save_is_on_the_way_shows_that_answer(
    portal: Portal,  # noqa: F811
    open_page,  # noqa: F811
    held: str,
) -> None:
    """The race a child meets by reloading just after writing: the server draws the new page before the save
    commits, and the old page sees the save confirmed just before it goes (``ReloadDuringSave``). The school
    held no answer yet, or one from a sheet handed in with the form and returned (kept without the tablet's time:
    the school's own times are compared)."""
    tablet = open_page(**TABLET_LANDSCAPE)
    student = Student.objects.get(sourced_id="demo-sakura-3-5")  # seeded without any answer yet
    assignment = Assignment.objects.get(class_groups__enrollments__student=student)
    numbers = [q for q in worksheets.lesson_questions(assignment.lesson.specific) if q.kind == "number"]
    if held == "a handed-in answer":
        sheet = services.sheet_for(assignment=assignment, student_id=student.pk)
        Answer.objects.create(
            sheet=sheet,
            question_id=numbers[0].id,
            value="5",
            received_at=timezone.now() - datetime.timedelta(hours=1),
            saved_on_device_at=None,
        )
    _open_worksheet(tablet, portal, student.sourced_id)
    questions = tablet.locator("[data-question]")
    number, drawing = questions.nth(1), questions.nth(3)
    number_id, drawing_id = number.get_attribute("data-question"), drawing.get_attribute("data-question")
    assert number_id == numbers[0].id
    key = f"classrooms:queue:{assignment.pk}:{student.pk}"
    race = ReloadDuringSave(
        tablet, save_path=f"/assignments/{assignment.pk}/autosave/", page_path=f"/lessons/assignments/{assignment.pk}/"
    )

    # Written without a connection for a moment, so that both go in one save.
    tablet.context.set_offline(True)
    number.locator("input.answer-number").fill("")
    for digit in ("7", "3"):
        number.locator(f'.numpad__key[data-key="{digit}"]').click()
    draw_stroke(tablet, drawing.locator("canvas"))
    for question in (number, drawing):
        expect(question.locator("[data-status]")).to_have_class(re.compile("question__status--offline"))
    both_taps = "([key, qid]) => (JSON.parse(localStorage.getItem(key) || '{}')[qid] || {}).value === '73'"
    tablet.wait_for_function(both_taps, arg=[key, number_id])  # a slow machine may queue "7" alone first
    tablet.context.set_offline(False)
    tablet.evaluate("window.dispatchEvent(new Event('online'))")
    sent = json.loads(race.first_save().request.post_data or "{}")
    assert set(sent["answers"]) == {number_id} and set(sent["drawings"]) == {drawing_id}
    queued = "key => Object.keys(JSON.parse(localStorage.getItem(key) || '{}'))"
    assert set(tablet.evaluate(queued, key)) == {number_id, drawing_id}  # on the tablet until confirmed

    # The child reloads; the server draws the page while the save is still on its way; then the save arrives.
    drawn = race.reload_drawn_before_save()
    held_marks = {"no answer": 'data-written-at=""', "a handed-in answer": 'data-written-at="0"'}
    assert held_marks[held] in drawn.text() and 'value="73"' not in drawn.text()
    confirmed = "([key, qid]) => !!(JSON.parse(localStorage.getItem(key) || '{}')[qid] || {}).confirmed"
    race.let_save_through(confirmed, [key, number_id])
    sheet = AnswerSheet.objects.get(assignment=assignment, student=student)
    saved = {a.question_id: a for a in Answer.objects.filter(sheet=sheet)}
    assert saved[number_id].value == "73" and saved[drawing_id].drawing

    # The new page arrives, drawn before the save: it shows both answers all the same, as saved.
    race.new_page_arrives()
    expect(number.locator("input.answer-number")).to_have_value("73")
    expect(number.locator("[data-status]")).to_contain_text(re.compile(r"\d\d:\d\d"))
    expect(drawing.locator("[data-status]")).to_contain_text(re.compile(r"\d\d:\d\d"))
    assert (drawing.locator(".drawing").get_attribute("data-existing") or "").startswith("data:image/png")
    # Settled: nothing of them is kept on the tablet or sent again, and a plain reload draws them from the school.
    tablet.wait_for_timeout(1500)  # the new page's first send, were anything left to send, goes after 200 ms
    assert len(race.sent) == 1, "an answer the school had confirmed was sent again"
    assert tablet.evaluate("key => localStorage.getItem(key)", key) is None
    tablet.reload()
    expect(number.locator("input.answer-number")).to_have_value("73")
    expect(drawing.locator(".drawing")).to_have_attribute("data-existing", re.compile(r"/drawings/"))


def test_answers_confirmed_long_ago_are_dropped_from_a_shared_tablet_and_unsent_ones_kept(
    portal: Portal,  # noqa: F811
    open_page,  # noqa: F811
) -> None:
    tablet = open_page(**TABLET_PORTRAIT)
    student = Student.objects.get(sourced_id="demo-sakura-3-5")
    assignment = Assignment.objects.get(class_groups__enrollments__student=student)
    now = int(time.time() * 1000)  # the browser's clock is this machine's
    # Another child's queue on this tablet (another sheet): one answer confirmed two minutes ago, one confirmed
    # just now (a reload may still need it), one never sent.
    other = "classrooms:queue:999:999"
    queue = {
        "old": {"kind": "number", "value": "1", "at": now - 130_000, "confirmed": now - 120_000},
        "recent": {"kind": "number", "value": "2", "at": now - 2_000, "confirmed": now - 1_000},
        "unsent": {"kind": "number", "value": "3", "at": now - 300_000},
    }
    tablet.goto(f"{portal.url}/static/core/favicon.svg")
    tablet.evaluate("([key, queue]) => localStorage.setItem(key, JSON.stringify(queue))", [other, queue])

    student_sign_in(tablet, portal, student)
    tablet.goto(f"{portal.url}/lessons/assignments/{assignment.pk}/")
    expect(tablet.locator("[data-question]").first).to_be_visible()
    tablet.wait_for_function("key => !('old' in JSON.parse(localStorage.getItem(key) || '{}'))", arg=other)
    assert set(tablet.evaluate("key => Object.keys(JSON.parse(localStorage.getItem(key)))", other)) == {
        "recent",
        "unsent",
    }


def test_an_answer_written_on_a_tablet_whose_storage_is_full_is_still_sent(portal: Portal, open_page) -> None:  # noqa: F811
    """A shared tablet's storage filled by other pages: the answer cannot be kept on it, and is sent all the same
    while the page is open (the old script wrote it to the full storage, read the queue back without it, and
    sent nothing)."""
    tablet = open_page(**TABLET_PORTRAIT)
    student = Student.objects.get(sourced_id="demo-sakura-3-5")
    assignment = Assignment.objects.get(class_groups__enrollments__student=student)
    tablet.goto(f"{portal.url}/static/core/favicon.svg")
    filled = tablet.evaluate(
        """() => {
          let stored = 0;
          for (const size of [256 * 1024, 16 * 1024, 1024, 64, 1]) {
            const chunk = "x".repeat(size);
            try {
              for (let i = 0; i < 1000; i++, stored++) localStorage.setItem("filler:" + size + ":" + i, chunk);
            } catch (e) { /* full at this size: smaller pieces fill what is left */ }
          }
          return stored;
        }"""
    )
    assert filled > 0, "the tablet's storage never filled"
    _open_worksheet(tablet, portal, student.sourced_id)
    number = tablet.locator("[data-question]").nth(1)
    for digit in ("4", "6"):
        number.locator(f'.numpad__key[data-key="{digit}"]').click()
    number_id = number.get_attribute("data-question")
    deadline = time.monotonic() + 20  # (a slow machine may save the first digit alone first)
    while time.monotonic() < deadline and not Answer.objects.filter(
        sheet__assignment=assignment, sheet__student=student, question_id=number_id, value="46"
    ):
        tablet.wait_for_timeout(100)
    assert Answer.objects.filter(sheet__student=student, question_id=number_id, value="46").exists()
    expect(number.locator("[data-status]")).to_contain_text(re.compile(r"\d\d:\d\d"))
