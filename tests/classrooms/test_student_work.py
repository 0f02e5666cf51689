"""A child on the tablet: the lesson, answers saved as they go, the explicit hand-in, and every bad input."""

from __future__ import annotations

import base64
import datetime
import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from classrooms import payload, selectors, services
from classrooms.models import Answer, AnswerSheet, Assignment
from classrooms.testing import Q_CHOICE, Q_DRAW, Q_NUMBER, Q_ORDER, Q_SHORT, png_data_url
from school_portal.core.services import PortalError

pytestmark = pytest.mark.django_db


def _sheet(cw, student):
    return AnswerSheet.objects.get(assignment=cw.assignment, student=student)


def test_the_lesson_page_shows_the_worksheet_with_the_saved_answer(client_as, cw):
    response = client_as("student").get(reverse("classrooms:work", args=[cw.assignment.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<ruby>九九<rp>(</rp><rt>くく</rt>" in html
    # Saved by the world: the second choice, and a drawing; both in the page itself, no script needed.
    assert re.search(rf'name="q-{Q_CHOICE}" value="1" checked', html)
    assert f'data-existing="{reverse("classrooms:drawing", args=[cw.sheet.pk, Q_DRAW])}"' in html
    assert 'data-numpad-for="q-' in html  # a number pad: no typing needed
    assert "worksheet.js" in html and "<script>" not in html and "style=" not in html


def test_the_sheet_and_its_answers_are_read_as_the_orm_reads_them(cw, world):
    """The lesson page's and autosave's lookups run SQL compiled once (core.prepared): the same sheet, and the same
    answers with their values and times converted, knowing which has a drawing without reading its bytes."""
    services.answers_save(sheet=cw.sheet, answers={Q_NUMBER: "18", Q_ORDER: [2, 0, 1]})
    assert selectors.sheet_of(assignment_id=cw.assignment.pk, student_id=world.child.pk) == cw.sheet
    assert selectors.sheet_of(assignment_id=cw.assignment.pk, student_id=world.sibling.pk) is None
    answers = selectors.sheet_answers(cw.sheet)
    expected = {a.question_id: a for a in Answer.objects.filter(sheet=cw.sheet)}
    assert set(answers) == set(expected) == {Q_CHOICE, Q_DRAW, Q_NUMBER, Q_ORDER}
    fields = ("pk", "value", "received_at", "saved_on_device_at", "is_late", "is_correct", "points")
    for question_id, answer in answers.items():
        assert [getattr(answer, f) for f in fields] == [getattr(expected[question_id], f) for f in fields]
        assert answer.has_drawing is (question_id == Q_DRAW)
        assert "drawing" in answer.get_deferred_fields()


def test_the_blank_lesson_is_shared_but_each_child_gets_only_their_own_answers(autosave, client_as, cw, world):
    AnswerSheet.objects.filter(student=world.child).delete()
    blank = client_as("student").get(reverse("classrooms:work", args=[cw.assignment.pk])).content.decode()
    autosave("classmate", {"answers": {Q_NUMBER: "42", Q_SHORT: "かけざん"}})
    classmate = client_as("classmate").get(reverse("classrooms:work", args=[cw.assignment.pk])).content.decode()
    child = client_as("student").get(reverse("classrooms:work", args=[cw.assignment.pk])).content.decode()
    lesson_body = re.compile(r'<div class="lesson-body">.*?</section>', re.S)
    assert lesson_body.search(child).group(0) == lesson_body.search(blank).group(0)  # the shared blank body
    assert 'value="42"' in classmate and 'value="かけざん"' in classmate
    assert 'value="42"' not in child and "かけざん" not in child.split("<form")[1].split("「かけ算」")[0]
    assert "checked" not in child and "checked" not in classmate


def test_a_reload_shows_each_saved_answer_and_when_it_arrived(autosave, client_as, cw, world):
    autosave("student", {"answers": {Q_NUMBER: "18", Q_SHORT: "かけざん", Q_ORDER: [2, 0, 1]}})
    html = client_as("student").get(reverse("classrooms:work", args=[cw.assignment.pk])).content.decode()
    assert f'id="q-{Q_NUMBER}"' in html and 'value="18"' in html and 'value="かけざん"' in html
    assert f'id="q-{Q_ORDER}" value="2,0,1"' in html
    items = re.findall(r'data-index="(\d)"', html.split(f'data-ordering-for="q-{Q_ORDER}"')[1].split("</ol>")[0])
    assert items == ["2", "0", "1"]  # the items in the order the child left them
    arrived = Answer.objects.get(sheet__student=world.child, question_id=Q_NUMBER).received_at
    status = html.split(f'id="q-{Q_NUMBER}"')[1].split("data-status")[1].split("</p>")[0]
    assert f"ほぞんしました {timezone.localtime(arrived).strftime('%H:%M')}" in status


def test_autosave_keeps_each_answer_with_the_time_it_arrived(autosave, cw, world):
    before = timezone.now()
    response = autosave("student", {"answers": {Q_NUMBER: "18", Q_SHORT: "かけざん"}, "saved_at": {Q_NUMBER: 1}})
    assert response.status_code == 200
    saved = {item["question"]: item for item in response.json()["saved"]}
    assert set(saved) == {Q_NUMBER, Q_SHORT}
    answer = Answer.objects.get(sheet__student=world.child, question_id=Q_NUMBER)
    assert answer.value == "18" and answer.is_correct is True and answer.received_at >= before
    assert not answer.is_late


def test_a_newer_autosave_replaces_the_answer(autosave, world):
    autosave("student", {"answers": {Q_ORDER: [2, 1, 0]}})
    autosave("student", {"answers": {Q_ORDER: [0, 1, 2]}})
    answers = Answer.objects.filter(sheet__student=world.child, question_id=Q_ORDER)
    assert [a.value for a in answers] == [[0, 1, 2]]
    assert answers[0].is_correct is True


def test_a_drawing_is_stored_and_shown_only_through_the_policy(autosave, client_as, cw, world):
    assert autosave("student", {"drawings": {Q_DRAW: png_data_url(300, 200)}}).status_code == 200
    sheet = _sheet(cw, world.child)
    url = reverse("classrooms:drawing", args=[sheet.pk, Q_DRAW])
    response = client_as("homeroom_teacher").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (300, 200)
    assert client_as("classmate").get(url).status_code == 404


def test_hand_in_marks_the_sheet_and_the_teacher_sees_the_score(client_as, cw, world):
    client = client_as("student")
    response = client.post(
        reverse("classrooms:submit", args=[cw.assignment.pk]),
        {f"q-{Q_NUMBER}": "18", f"q-{Q_ORDER}": "0,1,2", f"q-{Q_CHOICE}": "1"},
    )
    sheet = _sheet(cw, world.child)
    assert response.status_code == 302 and response["Location"] == reverse("classrooms:sheet", args=[sheet.pk])
    assert sheet.status == AnswerSheet.Status.SUBMITTED and not sheet.is_late
    assert (sheet.score, sheet.max_score) == (3, 6)  # choice, number and ordering right; the drawing waits
    page = client_as("homeroom_teacher").get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    score = re.search(r'<p class="score">([^<]*)</p>', page).group(1)
    assert re.findall(r"\d+", score) == ["3", "6"]
    # The child's own page waits for the teacher's check (a worksheet; a quiz shows its marks at once).
    assert '<p class="score">' not in client.get(response["Location"]).content.decode()


# --- bad input ---------------------------------------------------------------------------------------------


def test_answers_to_a_lesson_not_assigned_to_the_childs_class_are_refused(autosave, cw, world):
    other = services.assignment_create(
        lesson=cw.lesson,
        class_groups=[world.other_class],
        opens_at=timezone.now() - datetime.timedelta(hours=1),
        due_at=timezone.now() + datetime.timedelta(hours=1),
        by=world.users["other_teacher"],
    )
    response = autosave("student", {"answers": {Q_NUMBER: "18"}}, assignment=other)
    assert response.status_code == 404
    assert not AnswerSheet.objects.filter(assignment=other).exists()


def test_a_lesson_given_to_some_children_only_is_refused_to_the_others(autosave, cw, world):
    only_classmate = services.assignment_create(
        lesson=cw.lesson,
        class_groups=[world.class_group],
        students=[world.classmate],
        opens_at=timezone.now() - datetime.timedelta(hours=1),
        due_at=timezone.now() + datetime.timedelta(hours=1),
        by=world.users["homeroom_teacher"],
    )
    assert autosave("student", {"answers": {Q_NUMBER: "1"}}, assignment=only_classmate).status_code == 404
    assert autosave("classmate", {"answers": {Q_NUMBER: "1"}}, assignment=only_classmate).status_code == 200


def test_a_lesson_not_yet_open_cannot_be_answered(autosave, cw, world):
    later = services.assignment_create(
        lesson=cw.lesson,
        class_groups=[world.class_group],
        opens_at=timezone.now() + datetime.timedelta(days=1),
        due_at=timezone.now() + datetime.timedelta(days=2),
        by=world.users["homeroom_teacher"],
    )
    assert autosave("student", {"answers": {Q_NUMBER: "1"}}, assignment=later).status_code == 404


def test_an_answer_after_the_due_date_is_kept_and_marked_late(autosave, client_as, cw, world):
    Assignment.objects.filter(pk=cw.assignment.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=5))
    response = autosave("student", {"answers": {Q_NUMBER: "18"}})
    assert response.status_code == 200 and response.json()["late"] is True
    answer = Answer.objects.get(sheet__student=world.child, question_id=Q_NUMBER)
    assert answer.value == "18" and answer.is_late
    client_as("student").post(reverse("classrooms:submit", args=[cw.assignment.pk]))
    sheet = _sheet(cw, world.child)
    assert sheet.status == AnswerSheet.Status.SUBMITTED and sheet.is_late
    assert Answer.objects.filter(sheet=sheet).count() == 3  # the world's two answers and the late one


def test_a_student_cannot_open_another_students_answers(client_as, cw):
    for name in ("classrooms:sheet",):
        assert client_as("classmate").get(reverse(name, args=[cw.sheet.pk])).status_code == 404
    assert client_as("student").get(reverse("classrooms:sheet", args=[cw.sheet.pk])).status_code == 200


def test_the_classmate_cannot_write_into_the_childs_sheet(autosave, cw, world):
    autosave("classmate", {"answers": {Q_NUMBER: "99"}})
    child_answers = Answer.objects.filter(sheet=cw.sheet, question_id=Q_NUMBER)
    assert not child_answers.exists()
    assert AnswerSheet.objects.get(assignment=cw.assignment, student=world.classmate).answers.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"answers": {Q_SHORT: {"a": {"b": {"c": 1}}}}}),  # too deep
        json.dumps({"answers": {"00000000-0000-4000-8000-000000000000": 1}}),  # not a question of this lesson
        json.dumps({"answers": {Q_CHOICE: 99}}),
        json.dumps({"answers": {Q_SHORT: "x" * 2000}}),
        json.dumps({"answers": "x"}),
        json.dumps({"answers": {Q_DRAW: "data:image/png;base64,AAAA"}}),  # a drawing must come as a drawing
    ],
    ids=["not-json", "list", "too-deep", "unknown-question", "choice-out-of-range", "too-long", "not-object", "draw"],
)
def test_malformed_autosaves_are_refused_and_save_nothing(autosave, body, world):
    before = Answer.objects.count()
    assert autosave("student", body).status_code == 400
    assert Answer.objects.count() == before


def test_an_oversized_autosave_is_refused(autosave):
    body = json.dumps({"answers": {Q_SHORT: "x" * (1024 * 1024)}})
    assert autosave("student", body).status_code == 400


@pytest.mark.parametrize("levels", [600, 5000])
def test_a_very_deeply_nested_autosave_is_refused_with_a_clear_message(autosave, levels):
    body = '{"answers": {"' + Q_SHORT + '": ' + "[" * levels + "]" * levels + "}}"
    before = Answer.objects.count()
    response = autosave("student", body)
    assert response.status_code == 400
    with translation.override("ja"):
        assert response.json()["error"] == str(payload.TOO_DEEP) != "The answers are nested too deeply."
    assert Answer.objects.count() == before


def _png_bytes_url(raw: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(raw).decode()


def test_a_corrupt_drawing_is_refused(autosave):
    response = autosave("student", {"drawings": {Q_DRAW: _png_bytes_url(b"\x89PNG\r\n\x1a\n" + b"garbage" * 50)}})
    with translation.override("ja"):
        assert response.status_code == 400 and response.json()["error"] == str(payload.DRAWING_INVALID)


def test_a_drawing_that_is_not_a_png_is_refused(autosave):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    response = autosave("student", {"drawings": {Q_DRAW: _png_bytes_url(buffer.getvalue())}})
    assert response.status_code == 400


def test_a_decompression_bomb_drawing_is_refused(autosave):
    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, format="PNG", optimize=True)  # tiny file, 144 million pixels
    assert len(buffer.getvalue()) < 400 * 1024
    response = autosave("student", {"drawings": {Q_DRAW: _png_bytes_url(buffer.getvalue())}})
    with translation.override("ja"):
        assert response.status_code == 400 and response.json()["error"] == str(payload.DRAWING_TOO_LARGE)


def test_autosave_needs_the_csrf_token(cw, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.child.user, backend="school_portal.core.backends.ThrottledModelBackend")
    url = reverse("classrooms:autosave", args=[cw.assignment.pk])
    response = client.post(url, json.dumps({"answers": {Q_NUMBER: "18"}}), content_type="application/json")
    assert response.status_code == 403
    assert not Answer.objects.filter(question_id=Q_NUMBER).exists()


def test_the_beacon_form_is_accepted_with_its_token(cw, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.child.user, backend="school_portal.core.backends.ThrottledModelBackend")
    page = client.get(reverse("classrooms:work", args=[cw.assignment.pk]))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("classrooms:autosave", args=[cw.assignment.pk]),
        {"csrfmiddlewaretoken": token, "payload": json.dumps({"answers": {Q_NUMBER: "18"}})},
    )
    assert response.status_code == 200
    assert Answer.objects.get(question_id=Q_NUMBER).value == "18"


def test_after_hand_in_autosave_is_refused_until_the_teacher_returns_it(autosave, client_as, cw, world):
    client_as("student").post(reverse("classrooms:submit", args=[cw.assignment.pk]))
    assert autosave("student", {"answers": {Q_NUMBER: "18"}}).status_code == 409
    services.sheet_feedback(
        sheet=_sheet(cw, world.child), by=world.users["homeroom_teacher"], feedback="もう一回", return_for_revision=True
    )
    assert autosave("student", {"answers": {Q_NUMBER: "18"}}).status_code == 200


def test_an_autosave_holding_a_sheet_read_before_the_hand_in_is_refused(cw):
    stale = AnswerSheet.objects.get(pk=cw.sheet.pk)  # e.g. read by an autosave request just before the hand-in
    services.sheet_submit(sheet=AnswerSheet.objects.get(pk=cw.sheet.pk))
    with pytest.raises(PortalError):
        services.answers_save(sheet=stale, answers={Q_SHORT: "かけざん"})
    assert not Answer.objects.filter(sheet=cw.sheet, question_id=Q_SHORT).exists()
