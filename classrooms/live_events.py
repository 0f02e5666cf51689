"""The classrooms plug-in's live events: what a child and their teachers see appear on their open pages.

Sent after the transaction that stored the change commits (a rolled-back hand-in announces nothing, and the
page the event links to already shows it), through the core's :func:`notify_user`. Best effort, as every
live event: the sheet itself is the record, and the dashboards resync from it after a lost connection.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from school_portal.core.models import Teaching
from school_portal.core.realtime import notify_user

from .models import AnswerSheet


def feedback_given(*, sheet: AnswerSheet) -> None:
    """Tell the child their teacher has checked (or returned) their sheet; the event links to the sheet."""
    lesson = sheet.assignment.lesson.title
    if sheet.status == AnswerSheet.Status.RETURNED:
        message = _("Your teacher returned “%(lesson)s” for you to try again.") % {"lesson": lesson}
    else:
        message = _("Your teacher checked “%(lesson)s”.") % {"lesson": lesson}
    user_id = sheet.student.user_id
    event = {"kind": "classrooms.feedback", "message": message, "url": reverse("classrooms:sheet", args=[sheet.pk])}
    transaction.on_commit(partial(notify_user, user_id=user_id, event=event))


def handed_in(*, sheet: AnswerSheet) -> None:
    """Tell the teachers of the child's class(es) in the assignment that the child has handed in."""
    student = sheet.student
    teacher_ids = set(
        Teaching.objects.filter(
            class_group__in=sheet.assignment.class_groups.all(),
            class_group__enrollments__student_id=sheet.student_id,
        ).values_list("teacher_id", flat=True)
    )
    message = _("%(name)s handed in “%(lesson)s”.") % {
        "name": student.full_name,
        "lesson": sheet.assignment.lesson.title,
    }
    event = {
        "kind": "classrooms.handed_in",
        "message": message,
        "url": reverse("classrooms:review", args=[sheet.assignment_id]),
    }
    for teacher_id in sorted(teacher_ids):
        transaction.on_commit(partial(notify_user, user_id=teacher_id, event=event))
