"""Printable worksheets and answer keys: A4 PDF, Japanese font embedded, furigana in parentheses, cached."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from classrooms import views_pdf, worksheets

pytestmark = pytest.mark.django_db


def test_the_worksheet_pdf_embeds_the_japanese_font_and_stays_small(client_as, cw):
    response = client_as("homeroom_teacher").get(reverse("classrooms:worksheet_pdf", args=[cw.lesson.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF") and b"FontFile2" in data  # a TrueType font travels inside the file
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in data or b"595.27" in data  # A4
    assert len(data) < 400 * 1024


def test_furigana_is_printed_in_parentheses_and_the_key_only_in_the_answer_key(cw):
    questions = worksheets.lesson_questions(cw.lesson)
    context = {"lesson": cw.lesson, "questions": questions, "orders": {}, "pdf_font": "F", "pdf_font_path": "/x"}
    sheet = render_to_string("classrooms/pdf/worksheet.html", {**context, "answer_key": False})
    key = render_to_string("classrooms/pdf/worksheet.html", {**context, "answer_key": True})
    assert "読(よ)み方(かた)" in sheet and "<ruby>" not in sheet
    assert "かけざん" not in sheet and "かけざん" in key  # the accepted answer of the short question
    assert "◎" in key and "◎" not in sheet


def test_the_pdf_is_cached_per_revision(cw):
    cache.clear()
    started = time.perf_counter()
    first = views_pdf.worksheet_pdf_bytes(cw.lesson, answer_key=False)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    again = views_pdf.worksheet_pdf_bytes(cw.lesson, answer_key=False)
    warm = time.perf_counter() - started
    assert again == first and warm < cold / 5
    cw.lesson.title = "3のだん（改訂）"
    cw.lesson.save_revision().publish()
    assert views_pdf.worksheet_pdf_bytes(cw.lesson, answer_key=False) != first
