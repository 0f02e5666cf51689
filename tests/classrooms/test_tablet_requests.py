"""What the tablet sends and what it is told back: hostile bodies refused with a clear message, every error of
the JSON endpoints in JSON (translated), one bad answer refused on its own, the hand-in asked for in JSON."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image, PngImagePlugin

from classrooms import payload, worksheets
from classrooms.models import Answer, AnswerSheet, LessonPage
from classrooms.testing import Q_CHOICE, Q_DRAW, Q_NUMBER, Q_SHORT

pytestmark = pytest.mark.django_db

FIVE_THOUSAND_DIGITS = "9" * 5000


def _ja(message) -> str:
    with translation.override("ja"):
        return str(message)


def _ztxt_bomb_url() -> str:
    """A 10x10 PNG of 8 KB whose zTXt chunk inflates to 8 MB, past Pillow's text-chunk limit."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "A" * (8 * 1024 * 1024), zip=True)
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "white").save(buffer, format="PNG", pnginfo=info)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _submit(client: Client, cw, data: dict, *, as_json: bool):
    headers = {"Accept": "application/json"} if as_json else {}
    return client.post(reverse("classrooms:submit", args=[cw.assignment.pk]), data, headers=headers)


# --- 5. hostile input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        f'{{"answers": {{"{Q_CHOICE}": {FIVE_THOUSAND_DIGITS}}}}}',
        f'{{"answers": {{"{Q_NUMBER}": "18"}}, "saved_at": {{"{Q_NUMBER}": {FIVE_THOUSAND_DIGITS}}}}}',
    ],
    ids=["answer", "tablet-clock"],
)
def test_an_autosave_with_a_five_thousand_digit_number_is_refused_with_a_clear_message(autosave, body):
    before = Answer.objects.count()
    response = autosave("student", body)
    assert response.status_code == 400
    assert response.json()["error"] == _ja(payload.NUMBER_TOO_LONG)
    assert Answer.objects.count() == before


def test_a_drawing_whose_text_chunk_inflates_too_far_is_refused_on_autosave(autosave, cw):
    before = bytes(Answer.objects.get(sheet=cw.sheet, question_id=Q_DRAW).drawing)
    response = autosave("student", {"drawings": {Q_DRAW: _ztxt_bomb_url()}})
    assert response.status_code == 400
    assert response.json()["rejected"] == [{"question": Q_DRAW, "error": _ja(payload.DRAWING_INVALID)}]
    assert bytes(Answer.objects.get(sheet=cw.sheet, question_id=Q_DRAW).drawing) == before


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "script"])
def test_a_hand_in_with_a_five_thousand_digit_choice_or_a_text_bomb_drawing_is_refused_and_not_handed_in(
    client_as, cw, as_json
):
    client = client_as("student")
    for data in ({f"q-{Q_CHOICE}": FIVE_THOUSAND_DIGITS}, {f"q-{Q_DRAW}": _ztxt_bomb_url()}):
        response = _submit(client, cw, data, as_json=as_json)
        if as_json:
            assert response.status_code == 400
            assert response.json()["error"] == _ja(worksheets.AnswersRejected({}))
            assert [r["question"] for r in response.json()["rejected"]] == [next(iter(data))[2:]]
        else:
            assert response.status_code == 302 and response.url == reverse("classrooms:work", args=[cw.assignment.pk])
            page = client.get(response.url)
            assert _ja(worksheets.AnswersRejected({})) in page.content.decode()
        assert AnswerSheet.objects.get(pk=cw.sheet.pk).submitted_at is None


# --- 7. every error of the JSON endpoints is JSON ----------------------------------------------------------


def _is_translated_json_error(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    message = response.json()["error"]
    assert message and any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in message), message
    return message


def test_every_refusal_of_autosave_is_json_with_a_japanese_message(autosave, client_as, cw, world):
    url = reverse("classrooms:autosave", args=[cw.assignment.pk])
    _is_translated_json_error(client_as("student").get(url), 405)
    _is_translated_json_error(client_as("anonymous").post(url, "{}", content_type="application/json"), 401)
    _is_translated_json_error(autosave("guardian", {"answers": {Q_NUMBER: "1"}}), 404)
    _is_translated_json_error(autosave("student", "not json"), 400)
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world.child.user, backend="school_portal.core.backends.ThrottledModelBackend")
    _is_translated_json_error(csrf_client.post(url, "{}", content_type="application/json"), 403)
    big = json.dumps({"answers": {Q_SHORT: "x" * (6 * 1024 * 1024)}})
    _is_translated_json_error(autosave("student", big), 413)
    _submit(client_as("student"), cw, {}, as_json=False)
    _is_translated_json_error(autosave("student", {"answers": {Q_NUMBER: "18"}}), 409)


def test_an_unexpected_failure_of_autosave_is_logged_and_answered_in_json(autosave, cw, caplog):
    # A lesson whose stored body is broken (a choice whose right answer is not a number): the server fails.
    raw = list(cw.lesson.body.raw_data)
    raw[2]["value"]["questions"][0]["value"]["correct"] = "twelve"
    LessonPage.objects.filter(pk=cw.lesson.pk).update(body=json.dumps(raw))
    response = autosave("student", {"answers": {Q_NUMBER: "18"}})
    _is_translated_json_error(response, 500)
    assert any(record.levelname == "ERROR" and record.exc_info for record in caplog.records)


def test_a_hand_in_asked_for_in_json_answers_json_with_the_address_of_the_sheet(client_as, cw):
    response = _submit(client_as("student"), cw, {f"q-{Q_NUMBER}": "18"}, as_json=True)
    assert response.status_code == 200
    reply = response.json()
    assert reply["handed_in"] is True and reply["url"] == reverse("classrooms:sheet", args=[cw.sheet.pk])
    assert AnswerSheet.objects.get(pk=cw.sheet.pk).submitted_at is not None
    again = _submit(client_as("student"), cw, {}, as_json=True).json()
    assert again["handed_in"] is False and again["message"]


def test_a_plain_hand_in_form_still_gets_pages_not_json(client_as, cw):
    anonymous = client_as("anonymous").post(reverse("classrooms:submit", args=[cw.assignment.pk]))
    assert anonymous.status_code == 302 and "/login" in anonymous.url
    assert _submit(client_as("student"), cw, {}, as_json=False).status_code == 302


# --- 8. one bad answer does not lose the batch -------------------------------------------------------------


def test_a_valid_number_is_saved_beside_an_out_of_range_choice_which_is_named(autosave, cw):
    response = autosave("student", {"answers": {Q_NUMBER: "18", Q_CHOICE: 99}})
    assert response.status_code == 200
    reply = response.json()
    assert [s["question"] for s in reply["saved"]] == [Q_NUMBER]
    assert reply["rejected"] == [{"question": Q_CHOICE, "error": _ja(worksheets.CHOICE_OUT_OF_RANGE)}]
    assert Answer.objects.get(sheet=cw.sheet, question_id=Q_NUMBER).value == "18"
    assert Answer.objects.get(sheet=cw.sheet, question_id=Q_CHOICE).value == 1  # the earlier answer stays


def test_a_broken_drawing_does_not_stop_the_answers_sent_with_it(autosave, cw):
    response = autosave("student", {"answers": {Q_SHORT: "かけざん"}, "drawings": {Q_DRAW: "data:image/png;base64,AA"}})
    assert response.status_code == 200
    assert [r["question"] for r in response.json()["rejected"]] == [Q_DRAW]
    assert Answer.objects.get(sheet=cw.sheet, question_id=Q_SHORT).value == "かけざん"
