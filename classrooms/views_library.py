"""The shared lesson library: search, preview, and copy a lesson into one's own school in one action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from school_portal.core.access import capability_required, policy
from school_portal.core.services import PortalError

from . import selectors, services, worksheets
from .forms import CopyForm, LibrarySearchForm
from .models import LessonCopy, LessonPage


@capability_required("classrooms.use_library")
def library(request: HttpRequest) -> HttpResponse:
    form = LibrarySearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    lessons = selectors.library_lessons(
        query=filters.get("q") or "", subject=filters.get("subject") or "", grade=filters.get("grade")
    )
    return render(request, "classrooms/library.html", {"form": form, "lessons": lessons})


@login_required
def library_lesson(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = policy.get_or_404(request, "view", LessonPage.objects.live(), pk=pk)
    units = selectors.copy_targets(policy.actor(request)) if policy.allows(request, "copy", lesson) else []
    return render(
        request,
        "classrooms/library_lesson.html",
        {
            "lesson": lesson,
            "form": CopyForm(units=units, lesson=lesson) if units else None,
            "reuse_count": LessonCopy.objects.filter(source=lesson).count(),
            "editable": False,
            "answers": {},
            "questions_by_id": {q.id: q for q in worksheets.lesson_questions(lesson)},
        },
    )


@require_POST
@login_required
def library_copy(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = policy.get_or_404(request, "copy", LessonPage.objects.live(), pk=pk)
    form = CopyForm(request.POST, units=selectors.copy_targets(policy.actor(request)))
    if not form.is_valid():
        messages.error(request, _("Choose a unit of your school to copy the lesson into."))
        return redirect("classrooms:library_lesson", pk=lesson.pk)
    try:
        copy = services.lesson_copy_to_school(lesson=lesson, to=form.cleaned_data["unit"], by=request.user)
    except PortalError as exc:
        messages.error(request, str(exc))
        return redirect("classrooms:library_lesson", pk=lesson.pk)
    messages.success(request, _("Copied as a draft into your school. Edit it, publish it, then assign it."))
    return redirect("wagtailadmin_pages:edit", copy.pk)
