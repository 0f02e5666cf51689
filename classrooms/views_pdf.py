"""Printable worksheets and answer keys (A4, Japanese font embedded), cached per revision of the lesson."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from school_portal.core.access import policy
from school_portal.core.pdf import pdf_response, render_pdf

from . import worksheets
from .models import LessonPage

PDF_CACHE_SECONDS = 7 * 24 * 3600


def pdf_cache_key(lesson: LessonPage, *, answer_key: bool) -> str:
    """Where the PDF of this revision of the lesson is kept: a new revision means a new key."""
    return f"classrooms:pdf:{'key' if answer_key else 'sheet'}:{worksheets.lesson_version(lesson)}"


def worksheet_pdf_bytes(lesson: LessonPage, *, answer_key: bool) -> bytes:
    """The PDF of a lesson's worksheets (or of their answer key), rendered once per revision of the lesson."""
    questions = worksheets.lesson_questions(lesson)
    key = pdf_cache_key(lesson, answer_key=answer_key)
    data = cache.get(key)
    if data is None:
        data = render_pdf(
            "classrooms/pdf/worksheet.html",
            {
                "lesson": lesson,
                "questions": questions,
                "answer_key": answer_key,
                "orders": {q.id: worksheets.display_order(q) for q in questions if q.kind == "ordering"},
            },
        )
        cache.set(key, data, PDF_CACHE_SECONDS)
    return data


@login_required
def worksheet_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = policy.get_or_404(request, "print", LessonPage.objects.all(), pk=pk)
    return pdf_response(worksheet_pdf_bytes(lesson, answer_key=False), f"worksheet-{lesson.pk}.pdf")


@login_required
def answer_key_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = policy.get_or_404(request, "print", LessonPage.objects.all(), pk=pk)
    return pdf_response(worksheet_pdf_bytes(lesson, answer_key=True), f"answer-key-{lesson.pk}.pdf")
