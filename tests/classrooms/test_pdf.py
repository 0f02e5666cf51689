"""Printable worksheets and answer keys: A4 PDF, Japanese font embedded, furigana in parentheses, cached."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from classrooms import views_pdf, worksheets
from classrooms.models import LessonPage
from tests.pdf_reading import assert_japanese_font_embedded_as_subset

pytestmark = pytest.mark.django_db


def test_the_worksheet_pdf_embeds_the_japanese_font_and_stays_small(client_as, cw, tmp_path):
    response = client_as("homeroom_teacher").get(reverse("classrooms:worksheet_pdf", args=[cw.lesson.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF") and b"FontFile2" in data  # a TrueType font travels inside the file
    assert re.search(rb"/MediaBox \[ ?0 0 595\.27\d* 841\.88\d* ?\]", data)  # A4
    assert len(data) < 400 * 1024
    assert_japanese_font_embedded_as_subset(data, tmp_path)


def test_furigana_is_printed_in_parentheses_and_the_key_only_in_the_answer_key(cw):
    questions = worksheets.lesson_questions(cw.lesson)
    context = {"lesson": cw.lesson, "questions": questions, "orders": {}, "pdf_font": "F", "pdf_font_path": "/x"}
    sheet = render_to_string("classrooms/pdf/worksheet.html", {**context, "answer_key": False})
    key = render_to_string("classrooms/pdf/worksheet.html", {**context, "answer_key": True})
    assert "読(よ)み方(かた)" in sheet and "<ruby>" not in sheet
    assert "かけざん" not in sheet and "かけざん" in key  # the accepted answer of the short question
    assert "◎" in key and "◎" not in sheet


def test_the_pdf_is_cached_per_revision(client_as, cw):
    cache.clear()
    client = client_as("homeroom_teacher")
    url = reverse("classrooms:worksheet_pdf", args=[cw.lesson.pk])
    first = client.get(url).content
    # The lesson as the view reads it (PostgreSQL's jsonb gives the body back with its keys reordered).
    key = views_pdf.pdf_cache_key(LessonPage.objects.get(pk=cw.lesson.pk), answer_key=False)
    assert cache.get(key) == first  # the first request kept this revision's PDF
    # What the cache holds under that key is what the next request serves: it is not rendered again.
    cache.set(key, b"%PDF-from-the-cache", 60)
    assert client.get(url).content == b"%PDF-from-the-cache"
    cache.set(key, first, 60)
    cw.lesson.title = "3のだん（改訂）"
    cw.lesson.save_revision().publish()
    assert views_pdf.pdf_cache_key(LessonPage.objects.get(pk=cw.lesson.pk), answer_key=False) != key
    changed = client.get(url).content
    assert changed.startswith(b"%PDF") and changed != first
