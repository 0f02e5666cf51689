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

from . import lesson_render, payload, selectors, services, worksheets
from .json_endpoints import asks_for_json, json_error, json_errors
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
    student_id = policy.actor(request).student_id
    sheet = selectors.sheet_of(assignment_id=assignment.pk, student_id=student_id)
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
            "student_id": student_id,
        },
    )


@json_errors()
@require_POST
@login_required
def autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """Answers from the tablet, as JSON: ``{"answers": {id: value}, "drawings": {id: dataURL}, "saved_at": {...}}``.

    CSRF-protected like every POST (the page's token travels in a header, or in the form of a beacon sent as
    the page is hidden, whose JSON is the ``payload`` field). Replies with when each answer arrived and, by
    question, why an answer was refused: the valid answers of a batch are saved whatever the others hold. After
    the due date the answers are kept and marked late. Every error is JSON (``json_errors``).
    """
    assignment = _assignment_for_work(request, pk)
    if request.content_type == "application/json":
        data = payload.parse_json(request.body)
    else:  # navigator.sendBeacon when the page is hidden: a form with the token and the JSON
        data = payload.parse_json(request.POST.get("payload", "").encode())
    read = payload.autosave_answers(data)
    sheet = services.sheet_for(assignment=assignment, student_id=policy.actor(request).student_id)
    result = services.answers_save(sheet=sheet, answers=read.answers, drawings=read.drawings, saved_at=read.saved_at)
    rejected = {**read.rejected, **result.rejected}
    body = {
        "saved": [
            {
                "question": s.question_id,
                "received_at": timezone.localtime(s.received_at).isoformat(),
                "late": s.is_late,
            }
            for s in result.saved
        ],
        "rejected": [{"question": qid, "error": message} for qid, message in rejected.items()],
        "late": any(s.is_late for s in result.saved),
    }
    if rejected and not result.saved:
        only = next(iter(rejected.values())) if len(rejected) == 1 else None
        body["error"] = only or _("These answers could not be saved: check them.")
        return JsonResponse(body, status=400)
    return JsonResponse(body)


@json_errors(asks_for_json)
@require_POST
@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The explicit hand-in. The answers in the form are saved first, so nothing typed is lost.

    A plain form post is answered with a redirect and a message; the tablet's script, handing in a sheet it
    kept while offline, asks for JSON and gets the message and the address of the handed-in sheet.
    """
    assignment = _assignment_for_work(request, pk)
    sheet = services.sheet_for(assignment=assignment, student_id=policy.actor(request).student_id)
    wants_json = asks_for_json(request)
    read = payload.form_answers(request.POST, worksheets.lesson_questions(assignment.lesson))
    try:
        if read.rejected:
            raise worksheets.AnswersRejected(read.rejected)
        sheet, handed_in = services.sheet_hand_in(sheet=sheet, answers=read.answers, drawings=read.drawings)
    except worksheets.AnswersRejected as exc:
        if wants_json:
            rejected = [{"question": qid, "error": message} for qid, message in exc.rejected.items()]
            return json_error(str(exc), 400, rejected=rejected)
        messages.error(request, str(exc))
        return redirect("classrooms:work", pk=assignment.pk)
    if not handed_in:
        level, message = messages.INFO, _("This worksheet had already been handed in.")
    elif sheet.is_late:
        level, message = messages.WARNING, _("Handed in after the due date. Your teacher will see it as late.")
    else:
        level, message = messages.SUCCESS, _("Handed in. Well done!")
    messages.add_message(request, level, message)
    url = reverse("classrooms:sheet", args=[sheet.pk])
    if wants_json:
        return JsonResponse({"handed_in": handed_in, "late": sheet.is_late, "message": message, "url": url})
    return redirect(url)


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
