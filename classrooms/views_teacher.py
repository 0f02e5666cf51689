"""A teacher's side: assign a lesson, the review grid, feedback on one sheet, progress per class, exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from school_portal.core import exports
from school_portal.core.access import policy
from school_portal.core.models import ClassGroup, SchoolYear
from school_portal.core.services import PortalError

from . import selectors, services, worksheets
from .access_rules import lesson_school_id
from .forms import AssignForm, FeedbackForm
from .models import AnswerSheet, Assignment, LessonPage


@login_required
def assign(request: HttpRequest, lesson_pk: int) -> HttpResponse:
    lesson = policy.get_or_404(request, "assign", LessonPage.objects.all(), pk=lesson_pk)
    classes = policy.scope(request, "view_roster", ClassGroup.objects.all()).filter(
        school_id=lesson_school_id(lesson), school_year__in=SchoolYear.objects.active()
    )
    form = AssignForm(request.POST or None, class_groups=classes, students=selectors.assignable_students(classes))
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.assignment_create(
                lesson=lesson,
                class_groups=form.cleaned_data["class_groups"],
                students=form.cleaned_data["students"],
                opens_at=form.cleaned_data["opens_at"],
                due_at=form.cleaned_data["due_at"],
                order=form.cleaned_data["order"] or 0,
                by=request.user,
            )
        except PortalError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The lesson has been assigned."))
            return redirect("classrooms:review", pk=assignment.pk)
    return render(request, "classrooms/assign.html", {"lesson": lesson, "form": form})


def _reviewable(request: HttpRequest, pk: int) -> Assignment:
    return policy.get_or_404(request, "review", Assignment.objects.select_related("lesson"), pk=pk)


@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    grid = selectors.review_grid(_reviewable(request, pk), policy.actor(request))
    # The grid can hold 40 x 20 cells: build its links once here rather than 800 {% url %} tags.
    review_url = reverse("classrooms:sheet_review", args=[0]).replace("/0/", "/{}/")
    drawing_url = reverse("classrooms:drawing", args=[0, "00000000-0000-0000-0000-000000000000"])
    drawing_url = drawing_url.replace("/0/", "/{sheet}/").replace("00000000-0000-0000-0000-000000000000", "{question}")
    for row in grid.rows:
        if row.sheet:
            row.review_url = review_url.format(row.sheet.pk)
    return render(
        request,
        "classrooms/review.html",
        {"grid": grid, "assignment": grid.assignment, "drawing_url": drawing_url},
    )


def _cell_text(question: worksheets.Question, answer) -> str:
    if answer is None:
        return ""
    if question.kind == "drawing":
        return _("(drawing)") if answer.has_drawing else ""
    if question.kind == "choice" and isinstance(answer.value, int) and answer.value < len(question.choices):
        return question.choices[answer.value]
    if question.kind == "ordering" and isinstance(answer.value, list):
        return " → ".join(question.choices[i] for i in answer.value if isinstance(i, int) and i < len(question.choices))
    return "" if answer.value is None else str(answer.value)


@login_required
def review_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    grid = selectors.review_grid(_reviewable(request, pk), policy.actor(request))
    header = [_("No."), _("Student"), _("Status"), _("Handed in"), _("Late"), _("Marks"), _("Out of")]
    points = _("points")  # outside the f-string, where makemessages finds it
    for q in grid.questions:
        header += [f"Q{q.number} {q.short_prompt}", f"Q{q.number} {points}"]
    rows = []
    for row in grid.rows:
        sheet = row.sheet
        line = [
            row.student.enrollment.number or "",
            row.student.full_name,
            sheet.get_status_display() if sheet else _("Not started"),
            timezone.localtime(sheet.submitted_at).strftime("%Y-%m-%d %H:%M") if sheet and sheet.submitted_at else "",
            _("late") if sheet and sheet.is_late else "",
            sheet.score if sheet else "",
            sheet.max_score if sheet else "",
        ]
        for q, answer in zip(grid.questions, row.cells, strict=True):
            line += [_cell_text(q, answer), answer.points if answer else ""]
        rows.append(line)
    return exports.table_response(header, rows, filename=f"assignment-{grid.assignment.pk}", fmt=fmt)


@login_required
def sheet_review(request: HttpRequest, pk: int) -> HttpResponse:
    """One child's answers, with marks to confirm or give, a comment, a stamp, and maybe a return for revision."""
    sheet = policy.get_or_404(
        request, "review", AnswerSheet.objects.select_related("assignment__lesson", "student"), pk=pk
    )
    questions = worksheets.lesson_questions(sheet.assignment.lesson)
    answers = selectors.sheet_answers(sheet)
    form = FeedbackForm(
        request.POST or None,
        initial={"feedback": sheet.feedback, "stamp": sheet.stamp},
    )
    if request.method == "POST" and form.is_valid():
        points = {}
        for q in questions:
            raw = request.POST.get(f"points-{q.id}", "")
            if raw.strip().isdigit():
                points[q.id] = int(raw)
        try:
            services.sheet_feedback(
                sheet=sheet,
                by=request.user,
                feedback=form.cleaned_data["feedback"],
                stamp=form.cleaned_data["stamp"] or "",
                return_for_revision=form.cleaned_data["return_for_revision"],
                points={k: v for k, v in points.items() if k in answers},
            )
        except PortalError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Feedback saved. The student sees it on their tablet."))
            return redirect("classrooms:review", pk=sheet.assignment_id)
    return render(
        request,
        "classrooms/sheet_review.html",
        {"sheet": sheet, "rows": [(q, answers.get(q.id)) for q in questions], "form": form},
    )


@login_required
def class_progress(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = policy.get_or_404(request, "view_roster", ClassGroup.objects.select_related("school"), pk=pk)
    units = selectors.units_for_class(class_group)
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = next((u for u in units if u.pk == int(request.GET["unit"])), None)
        if unit is None:
            raise Http404
    elif units:
        unit = units[0]
    assignments, rows = selectors.class_progress(class_group, unit) if unit else ([], [])
    fmt = request.GET.get("format")
    if unit and fmt in ("csv", "xlsx"):
        header = [_("No."), _("Student"), *[a.lesson.title for a in assignments]]
        table = [
            [
                row.number or "",
                row.student.full_name,
                *[
                    (f"{s.score}/{s.max_score}" if s and s.submitted_at else (_("started") if s else ""))
                    for s in row.cells
                ],
            ]
            for row in rows
        ]
        return exports.table_response(header, table, filename=f"progress-{class_group.pk}-{unit.pk}", fmt=fmt)
    return render(
        request,
        "classrooms/class_progress.html",
        {"class_group": class_group, "units": units, "unit": unit, "assignments": assignments, "rows": rows},
    )
