"""A child's side on the tablet: the day's lessons, working on a lesson, autosave, hand in, the teacher's feedback."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from school_portal.core.access import capability_required, policy
from school_portal.core.services import PortalError

from . import lesson_render, payload, selectors, services, worksheets
from .models import Answer, AnswerSheet, Assignment


def _assignment_for_work(request: HttpRequest, pk: int) -> Assignment:
    return policy.get_or_404(request, "work", Assignment.objects.select_related("lesson"), pk=pk)


@capability_required("classrooms.do_lessons")
def my_lessons(request: HttpRequest) -> HttpResponse:
    day = selectors.student_assignments(policy.actor(request))
    return render(request, "classrooms/my_lessons.html", {"day": day})


@login_required
def work(request: HttpRequest, pk: int) -> HttpResponse:
    """The lesson with its worksheets, the child's saved answers filled in."""
    assignment = _assignment_for_work(request, pk)
    sheet = AnswerSheet.objects.filter(assignment=assignment, student_id=policy.actor(request).student_id).first()
    questions = worksheets.lesson_questions(assignment.lesson)
    editable = sheet is None or sheet.is_editable
    answers = selectors.sheet_answers(sheet)
    body_html = lesson_render.worksheet_body(assignment.lesson, questions, answers, sheet) if editable else None
    return render(
        request,
        "classrooms/work.html",
        {
            "body_html": body_html,
            "assignment": assignment,
            "lesson": assignment.lesson,
            "sheet": sheet,
            "answers": answers,
            "editable": editable,
            "marks_shown": set() if editable else selectors.marks_shown(sheet, questions),
            "question_count": len(questions),
            "questions_by_id": {q.id: q for q in questions},
            "autosave_url": reverse("classrooms:autosave", args=[assignment.pk]),
        },
    )


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
@login_required
def autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """Answers from the tablet, as JSON: ``{"answers": {id: value}, "drawings": {id: dataURL}, "saved_at": {...}}``.

    CSRF-protected like every POST (the page's token travels in a header, or in the form of a beacon sent as
    the page is hidden, whose JSON is the ``payload`` field). Replies with when each answer arrived; after the
    due date the answers are kept and marked late.
    """
    assignment = _assignment_for_work(request, pk)
    try:
        if request.content_type == "application/json":
            data = payload.parse_json(request.body)
        else:  # navigator.sendBeacon when the page is hidden: a form with the token and the JSON
            data = payload.parse_json(request.POST.get("payload", "").encode())
        answers = data.get("answers") or {}
        raw_drawings = data.get("drawings") or {}
        saved_at = data.get("saved_at") or {}
        if not all(isinstance(d, dict) for d in (answers, raw_drawings, saved_at)):
            raise payload.BadPayload("answers must be objects")
        if len(answers) + len(raw_drawings) > payload.MAX_ANSWERS:
            raise payload.BadPayload("too many answers")
        drawings = {qid: payload.drawing_png(url) for qid, url in raw_drawings.items()}
    except payload.BadPayload as exc:
        return _json_error(str(exc), 400)
    sheet = services.sheet_for(assignment=assignment, student_id=policy.actor(request).student_id)
    try:
        saved = services.answers_save(sheet=sheet, answers=answers, drawings=drawings, saved_at=saved_at)
    except worksheets.AnswerRejected as exc:
        return _json_error(str(exc), 400)
    except PortalError as exc:
        return _json_error(str(exc), 409)
    return JsonResponse(
        {
            "saved": [
                {
                    "question": s.question_id,
                    "received_at": timezone.localtime(s.received_at).isoformat(),
                    "late": s.is_late,
                }
                for s in saved
            ],
            "late": any(s.is_late for s in saved),
        }
    )


def _answers_from_form(request: HttpRequest, questions: list[worksheets.Question]) -> tuple[dict, dict]:
    """The worksheet posted as a plain form (no JavaScript, or the last answers with the hand-in)."""
    answers, drawings = {}, {}
    for question in questions:
        raw = request.POST.get(f"q-{question.id}", "")
        if raw == "":
            continue
        if question.kind == "choice":
            answers[question.id] = int(raw) if raw.isdigit() else raw
        elif question.kind == "ordering":
            parts = raw.split(",")
            answers[question.id] = [int(p) if p.isdigit() else p for p in parts]
        elif question.kind == "drawing":
            drawings[question.id] = payload.drawing_png(raw)
        else:
            answers[question.id] = raw
    return answers, drawings


@require_POST
@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The explicit hand-in. The answers in the form are saved first, so nothing typed is lost."""
    assignment = _assignment_for_work(request, pk)
    sheet = services.sheet_for(assignment=assignment, student_id=policy.actor(request).student_id)
    try:
        answers, drawings = _answers_from_form(request, worksheets.lesson_questions(assignment.lesson))
        sheet, handed_in = services.sheet_hand_in(sheet=sheet, answers=answers, drawings=drawings)
    except (payload.BadPayload, worksheets.AnswerRejected):
        messages.error(request, _("Some answers could not be read. Check them and hand in again."))
        return redirect("classrooms:work", pk=assignment.pk)
    if not handed_in:
        messages.info(request, _("This worksheet had already been handed in."))
    elif sheet.is_late:
        messages.warning(request, _("Handed in after the due date. Your teacher will see it as late."))
    else:
        messages.success(request, _("Handed in. Well done!"))
    return redirect("classrooms:sheet", pk=sheet.pk)


@login_required
def sheet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A child's sheet with the marks and the teacher's feedback: the child, their guardians, their teachers."""
    sheet = policy.get_or_404(
        request, "view", AnswerSheet.objects.select_related("assignment__lesson", "student"), pk=pk
    )
    questions = worksheets.lesson_questions(sheet.assignment.lesson)
    answers = selectors.sheet_answers(sheet)
    may_review = policy.allows(request, "review", sheet)
    shown = selectors.marks_shown(sheet, questions, reviewer=may_review)
    return render(
        request,
        "classrooms/sheet_detail.html",
        {
            "sheet": sheet,
            "rows": [(q, answers.get(q.id), q.id in shown) for q in questions],
            "show_score": bool(questions) and len(shown) == len(questions),
            "marks_pending": bool(sheet.submitted_at) and len(shown) < len(questions),
            "is_own": sheet.student_id == policy.actor(request).student_id,
            "may_review": may_review,
        },
    )


@login_required
def drawing(request: HttpRequest, pk: int, question_id: object) -> HttpResponse:
    sheet = policy.get_or_404(request, "view", AnswerSheet.objects.select_related("assignment"), pk=pk)
    answer = Answer.objects.filter(sheet=sheet, question_id=str(question_id), drawing__isnull=False).first()
    if answer is None:
        raise Http404
    response = HttpResponse(bytes(answer.drawing), content_type="image/png")
    response["Cache-Control"] = "private, max-age=60"
    return response
