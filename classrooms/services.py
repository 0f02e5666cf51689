"""Writes of the classrooms plug-in: assigning lessons, saving and submitting answers, feedback, library copies."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.actions.copy_page import CopyPageAction
from wagtail.coreutils import find_available_slug

from school_portal.core.access import policy
from school_portal.core.models import ClassGroup, Enrollment, School, Student, User
from school_portal.core.prepared import PreparedQuery
from school_portal.core.services import PortalError

from . import live_events, media_copy, selectors, worksheets
from .access_rules import lesson_school_id
from .models import Answer, AnswerSheet, Assignment, LessonCopy, LessonPage, UnitPage

# --- assignments ------------------------------------------------------------------------------------------


@transaction.atomic
def assignment_create(
    *,
    lesson: LessonPage,
    class_groups: Iterable[ClassGroup],
    opens_at: datetime.datetime,
    due_at: datetime.datetime,
    by: User,
    order: int = 0,
    students: Iterable[Student] = (),
) -> Assignment:
    """Give ``lesson`` to the classes (all their students, or only ``students``) from ``opens_at`` to ``due_at``."""
    class_groups = list(class_groups)
    students = list(students)
    if not class_groups:
        raise PortalError(_("Choose at least one class."))
    if due_at < opens_at:
        raise PortalError(_("The due date must not be before the open date."))
    if not policy.allows(by, "assign", lesson):
        raise PortalError(_("You may not assign this lesson."))
    school_id = lesson_school_id(lesson)
    for group in class_groups:
        if group.school_id != school_id or not policy.allows(by, "view_roster", group):
            raise PortalError(_("You may assign lessons only to classes you teach in this lesson's school."))
    enrolled = set(
        Enrollment.objects.filter(student__in=students, class_group__in=class_groups).values_list(
            "student_id", flat=True
        )
    )
    for student in students:
        if student.pk not in enrolled:
            raise PortalError(_("%(student)s is not in the chosen classes.") % {"student": student})
    assignment = Assignment.objects.create(
        lesson=lesson, school_id=school_id, opens_at=opens_at, due_at=due_at, order=order, created_by=by
    )
    assignment.class_groups.set(class_groups)
    if students:
        assignment.students.set(students)
    return assignment


# --- answers ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedAnswer:
    question_id: str
    received_at: datetime.datetime
    is_late: bool


@dataclass(frozen=True)
class AnswersSaved:
    """What one save kept (with when it arrived) and what it refused, by question id, with the reason."""

    saved: list[SavedAnswer]
    rejected: dict[str, str]


# The lookups of every autosave, compiled once (core.prepared): a tablet saves every few seconds (the sheet's is
# selectors.sheet_of).
_sheet_locked = PreparedQuery(AnswerSheet, lambda pk: AnswerSheet.objects.select_for_update().filter(pk=pk))
_answers_written_on_device = PreparedQuery(
    Answer,
    lambda sheet_id, question_ids: Answer.objects.filter(
        sheet_id=sheet_id, question_id__in=question_ids, saved_on_device_at__isnull=False
    ).only("question_id", "saved_on_device_at"),
)


def sheet_for(*, assignment: Assignment, student_id: int) -> AnswerSheet:
    sheet = selectors.sheet_of(assignment_id=assignment.pk, student_id=student_id)
    if sheet is None:
        try:
            sheet, _created = AnswerSheet.objects.get_or_create(assignment=assignment, student_id=student_id)
        except IntegrityError:  # two tabs of the same child raced to create it
            sheet = AnswerSheet.objects.get(assignment=assignment, student_id=student_id)
    sheet.assignment = assignment
    return sheet


def _saved_on_device(raw: Any, now: datetime.datetime) -> datetime.datetime | None:
    """The tablet's own clock when the child wrote the answer (kept for the teacher, never trusted for lateness)."""
    if not isinstance(raw, int | float) or isinstance(raw, bool):
        return None
    try:
        moment = datetime.datetime.fromtimestamp(raw / 1000, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment if moment <= now + datetime.timedelta(minutes=5) else None


@transaction.atomic
def answers_save(
    *,
    sheet: AnswerSheet,
    answers: Mapping[str, Any],
    drawings: Mapping[str, bytes] | None = None,
    saved_at: Mapping[str, Any] | None = None,
) -> AnswersSaved:
    """Store the answers the tablet sent (autosave). An answer after the due date is kept and marked late.

    ``answers`` maps question ids to values, ``drawings`` question ids to PNG bytes (already validated).
    Each answer stands on its own: the valid ones are saved, an unknown question id or an impossible value is
    named in ``rejected`` with the reason (one out-of-range choice does not cost the child the rest of the batch).
    An answer written on the tablet before the one already kept is acknowledged (the tablet stops resending it)
    but not stored.
    """
    # Lock the sheet as sheet_submit does, so a hand-in and an autosave cannot interleave. The assignment and its
    # lesson are the caller's (a sheet never changes assignment), not read again.
    assignment = sheet.assignment
    sheet = _sheet_locked.first(pk=sheet.pk)
    if sheet is None:
        raise AnswerSheet.DoesNotExist
    sheet.assignment = assignment
    if not sheet.is_editable:
        raise PortalError(
            _("This worksheet has been submitted. Ask your teacher to return it if you need to change it.")
        )
    questions = {q.id: q for q in worksheets.lesson_questions(sheet.assignment.lesson)}
    drawings = drawings or {}
    saved_at = saved_at or {}
    now = timezone.now()
    late = now > sheet.assignment.due_at
    rows = []
    rejected: dict[str, str] = {}
    for question_id in {*answers.keys(), *drawings.keys()}:
        try:
            value, drawing = _checked_answer(questions.get(question_id), question_id, answers, drawings)
        except worksheets.AnswerRejected as exc:
            rejected[question_id[:64]] = str(exc)
            continue
        question = questions[question_id]
        correct = worksheets.mark(question, value)
        rows.append(
            Answer(
                sheet=sheet,
                question_id=question_id,
                value=value,
                drawing=drawing,
                received_at=now,
                saved_on_device_at=_saved_on_device(saved_at.get(question_id), now),
                is_late=late,
                is_correct=correct,
                points=question.points if correct else 0,
            )
        )
    # A child on two tablets: an answer written on a tablet before the one already kept (an offline queue sent
    # late) does not overwrite it. Read under the sheet's lock, so whichever save commits last, the answer
    # written last stays. Without both tablets' times, the answer that arrived last is kept.
    kept = (
        _answers_written_on_device.all(sheet_id=sheet.pk, question_ids=[row.question_id for row in rows])
        if rows
        else []
    )
    kept_written_at = {answer.question_id: answer.saved_on_device_at for answer in kept}
    newer = [
        row
        for row in rows
        if row.saved_on_device_at is None
        or row.question_id not in kept_written_at
        or row.saved_on_device_at >= kept_written_at[row.question_id]
    ]
    if newer:
        Answer.objects.bulk_create(
            newer,
            update_conflicts=True,
            unique_fields=["sheet", "question_id"],
            update_fields=["value", "drawing", "received_at", "saved_on_device_at", "is_late", "is_correct", "points"],
        )
    return AnswersSaved([SavedAnswer(row.question_id, now, late) for row in rows], rejected)


def _checked_answer(
    question: worksheets.Question | None, question_id: str, answers: Mapping[str, Any], drawings: Mapping[str, bytes]
) -> tuple[Any, bytes | None]:
    """The value and drawing to store for one answer, or ``AnswerRejected`` saying why it cannot be kept."""
    if question is None:
        raise worksheets.AnswerRejected(worksheets.UNKNOWN_QUESTION)
    if question.kind == "drawing":
        if question_id not in drawings:
            raise worksheets.AnswerRejected(worksheets.DRAWING_EXPECTED)
        return None, drawings[question_id]
    return worksheets.clean_value(question, answers.get(question_id)), None


def _score(sheet: AnswerSheet) -> tuple[int, int]:
    questions = worksheets.lesson_questions(sheet.assignment.lesson)
    points = dict(sheet.answers.values_list("question_id", "points"))
    return sum(points.get(q.id, 0) for q in questions), sum(q.points for q in questions)


def _hand_in_locked(sheet: AnswerSheet) -> AnswerSheet:
    """Hand in a sheet the caller holds locked and editable: marked late after the due date, scored."""
    now = timezone.now()
    sheet.status = AnswerSheet.Status.SUBMITTED
    sheet.submitted_at = now
    sheet.is_late = now > sheet.assignment.due_at
    sheet.score, sheet.max_score = _score(sheet)
    sheet.save(update_fields=["status", "submitted_at", "is_late", "score", "max_score", "updated_at"])
    live_events.handed_in(sheet=sheet)
    return sheet


@transaction.atomic
def sheet_submit(*, sheet: AnswerSheet) -> AnswerSheet:
    """The child's explicit "hand in". After the due date it is accepted and marked late."""
    sheet = (
        AnswerSheet.objects.select_for_update(of=("self",))
        .select_related("assignment__lesson", "student")
        .get(pk=sheet.pk)
    )
    return _hand_in_locked(sheet) if sheet.is_editable else sheet


@transaction.atomic
def sheet_hand_in(
    *, sheet: AnswerSheet, answers: Mapping[str, Any], drawings: Mapping[str, bytes]
) -> tuple[AnswerSheet, bool]:
    """The hand-in from the tablet's form: its last answers saved, then the sheet handed in, under one lock.

    Returns the sheet and whether this call handed it in; False when it had been handed in already (a second
    tablet, a double tap), and then the form's answers are not kept, as an autosave would not be. An answer that
    cannot be kept refuses the whole hand-in (``AnswersRejected`` naming the questions): nothing is saved, and the
    child corrects it and hands in again.
    """
    assignment = sheet.assignment  # the caller's, with its lesson: a sheet never changes assignment
    locked = AnswerSheet.objects.select_for_update().get(pk=sheet.pk)
    locked.assignment = assignment
    if not locked.is_editable:
        return locked, False
    if answers or drawings:
        result = answers_save(sheet=locked, answers=answers, drawings=drawings)
        if result.rejected:
            raise worksheets.AnswersRejected(result.rejected)
    return _hand_in_locked(locked), True


STAMPS = {choice for choice, _label in AnswerSheet.Stamp.choices}


@transaction.atomic
def sheet_feedback(
    *,
    sheet: AnswerSheet,
    by: User,
    feedback: str = "",
    stamp: str = "",
    return_for_revision: bool = False,
    points: Mapping[str, int] | None = None,
) -> AnswerSheet:
    """The teacher's marks (overriding or completing the automatic ones), comment and stamp; maybe returned."""
    if not policy.allows(by, "review", sheet):
        raise PortalError(_("You may not review this work."))
    if stamp not in STAMPS:
        raise PortalError(_("Unknown stamp."))
    sheet = (
        AnswerSheet.objects.select_for_update(of=("self",))
        .select_related("assignment__lesson", "student")
        .get(pk=sheet.pk)
    )
    if sheet.submitted_at is None and not return_for_revision:
        raise PortalError(
            _("This work has not been handed in yet. You can only return it for revision until the child hands it in.")
        )
    questions = {q.id: q for q in worksheets.lesson_questions(sheet.assignment.lesson)}
    marks = dict(points or {})
    for question_id, value in marks.items():
        question = questions.get(question_id)
        if question is None or not 0 <= value <= question.points:
            raise PortalError(_("Marks must be between 0 and the points of the question."))
    marked = list(sheet.answers.filter(question_id__in=marks).defer("drawing"))
    for answer in marked:
        answer.points = marks[answer.question_id]
        answer.is_correct = answer.points == questions[answer.question_id].points
    Answer.objects.bulk_update(marked, ["points", "is_correct"])
    sheet.feedback = feedback.strip()[:2000]
    sheet.stamp = stamp
    sheet.feedback_by = by
    sheet.feedback_at = timezone.now()
    sheet.status = AnswerSheet.Status.RETURNED if return_for_revision else AnswerSheet.Status.REVIEWED
    sheet.score, sheet.max_score = _score(sheet)
    sheet.save(
        update_fields=["feedback", "stamp", "feedback_by", "feedback_at", "status", "score", "max_score", "updated_at"]
    )
    live_events.feedback_given(sheet=sheet)
    return sheet


# --- the shared library -----------------------------------------------------------------------------------


@transaction.atomic
def lesson_copy_to_school(*, lesson: LessonPage, to: UnitPage, by: User) -> LessonPage:
    """Copy a library lesson into a unit of the teacher's own school, as a draft, and count the reuse.

    Wagtail's page permissions decide whether ``by`` may add a lesson under ``to``. The images and documents
    the lesson uses are copied into the school's own collection, so the school's editors can use and change them.
    """
    if not policy.allows(by, "copy", lesson):
        raise PortalError(_("This lesson is not in the shared library."))
    slug = find_available_slug(to, lesson.slug)  # a second copy into the same unit: "furiko-1", ...
    # Wagtail's own copy check asks for edit rights on the source (the library, which teachers only read);
    # what matters here is the destination: may this person add a lesson under this unit of their school?
    if not (LessonPage.can_create_at(to) and to.permissions_for_user(by).can_add_subpage()):
        raise PortalError(_("You may not add lessons to this unit."))
    copy = CopyPageAction(
        lesson,
        to=to,
        update_attrs={"slug": slug, "copied_from": lesson},
        copy_revisions=False,
        keep_live=False,
        user=by,
        recursive=False,
    ).execute(skip_permission_checks=True)
    copy = copy.specific
    school = School.objects.filter(pk=lesson_school_id(copy)).select_related("collection").first()
    media_copy.copy_media_into(copy, "body", school.collection if school else None)
    LessonCopy.objects.create(source=lesson, copy=copy, school=school, copied_by=by)
    return copy
