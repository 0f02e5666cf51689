"""The plug-in's writes: read receipts, replies, reminders, absence reports, a family's language, a school's cutoff.

Keyword-only, typed, the access policy asked inside; refusals are translated ``PortalError``s.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from school_portal.core.access import policy
from school_portal.core.jobs import Job, job_start
from school_portal.core.models import Enrollment, Guardian, School, SchoolYear, Student, User
from school_portal.core.realtime import notify_group
from school_portal.core.services import PortalError

from . import audience, inbox_cache
from .blocks import ReplyKind
from .consumers import absences_group, notice_group
from .models import (
    AbsenceKind,
    AbsenceReason,
    AbsenceReport,
    FamilyNoticeSettings,
    Notice,
    NoticeRead,
    NoticeReply,
    SchoolNoticeSettings,
    parse_resend_hours,
)

COMMENT_MAX = 1000
NOTE_MAX = 500
# A family changes a reply now and then; a script hammering the form is refused (the saved answer stays).
REPLY_CHANGES_MAX = 30
ABSENCE_DAYS_BACK = 7
ABSENCE_DAYS_AHEAD = 60

ATTENDANCE_CHOICES = {"yes": "参加", "no": "不参加"}
PERMISSION_CHOICES = {"agree": "同意する", "disagree": "同意しない"}


def _guardian(user: User) -> Guardian:
    guardian = Guardian.objects.filter(user=user).first()
    if guardian is None:
        raise PortalError(_("Only a child's guardian can do this."))
    return guardian


def reply_choices(block_value: dict) -> list[str]:
    """The answers a reply form offers, by its kind (a survey: the teacher's choices)."""
    kind = block_value.get("kind")
    if kind == ReplyKind.ATTENDANCE:
        return list(ATTENDANCE_CHOICES)
    if kind == ReplyKind.PERMISSION:
        return list(PERMISSION_CHOICES)
    return [str(c) for c in block_value.get("choices") or []]


def reply_choice_labels(block_value: dict) -> list[tuple[str, str]]:
    """(value, label) of each answer a reply form offers, labels in the active language."""
    labels = {
        "yes": _("Attending"),
        "no": _("Not attending"),
        "agree": _("I agree"),
        "disagree": _("I do not agree"),
    }
    return [(c, labels.get(c, c)) for c in reply_choices(block_value)]


def notice_read_mark(*, notice: Notice, by: User) -> bool:
    """The read receipt, the first time a guardian opens the notice; True if it was new."""
    guardian_id = policy.actor(by).guardian_id
    if guardian_id is None or not policy.allows(by, "view", notice):
        return False
    try:
        with transaction.atomic():
            NoticeRead.objects.create(notice=notice, guardian_id=guardian_id)
    except IntegrityError:
        return False
    inbox_cache.reads_changed(guardian_id)
    transaction.on_commit(
        lambda: notify_group(
            group=notice_group(notice.pk), event={"kind": "parent_notices.read", "message": _("A family read it.")}
        )
    )
    return True


def notice_reply_save(
    *, notice: Notice, by: User, block_id: str, student_id: int, choice: str, comment: str = ""
) -> NoticeReply:
    """One child's answer to one reply form; changed in place until the deadline."""
    if not policy.allows(by, "view", notice) or not notice.live:
        raise PortalError(_("This notice is not for you."))
    guardian = _guardian(by)
    if student_id not in policy.actor(by).children_ids:
        raise PortalError(_("You can reply only for your own children."))
    if not audience.enrollments(notice).filter(student_id=student_id).exists():
        raise PortalError(_("This notice is not for this child."))
    block = next((b for b in notice.reply_blocks() if b.id == block_id), None)
    if block is None:
        raise PortalError(_("This notice has no such reply form."))
    if not notice.replies_open():
        deadline = timezone.localtime(notice.reply_deadline).strftime("%Y-%m-%d %H:%M")
        raise PortalError(_("Replies closed on %(deadline)s; ask the school directly.") % {"deadline": deadline})
    if not isinstance(choice, str) or choice not in reply_choices(block.value):
        raise PortalError(_("Choose one of the answers offered."))
    comment = (comment or "").strip() if block.value.get("comment") else ""
    if len(comment) > COMMENT_MAX:
        raise PortalError(_("The comment is too long (at most %(max)s characters).") % {"max": COMMENT_MAX})
    with transaction.atomic():
        reply, created = NoticeReply.objects.select_for_update().get_or_create(
            notice=notice,
            block_id=block_id,
            student_id=student_id,
            defaults={"guardian": guardian, "choice": choice, "comment": comment},
        )
        if not created:
            if reply.changes >= REPLY_CHANGES_MAX:
                raise PortalError(_("This reply has been changed too many times; ask the school to change it."))
            reply.guardian = guardian
            reply.choice, reply.comment = choice, comment
            reply.changes = F("changes") + 1
            reply.save(update_fields=["guardian", "choice", "comment", "changes", "updated_at"])
            reply.refresh_from_db()
        transaction.on_commit(
            lambda: notify_group(
                group=notice_group(notice.pk),
                event={"kind": "parent_notices.reply", "message": _("A family replied."), "refresh": True},
            )
        )
    return reply


def notice_remind(*, notice: Notice, by: User) -> Job:
    """Remind the families who have not read the notice: a background job (it fans out to every family)."""
    policy.require(by, "manage", notice)
    if not notice.live:
        raise PortalError(_("Only a published notice can be reminded of."))
    from .tasks import notice_remind_task

    return job_start(
        task=notice_remind_task,
        kind="parent_notices.remind",
        title=_("Reminding the families who have not read “%(title)s”") % {"title": notice.title},
        by=by,
        school=notice.school,
        notice_id=notice.pk,
    )


def notice_paper_copies(*, notice: Notice, by: User) -> Job:
    """The copies to print for families without phones or who have not read it: a background job (a page each)."""
    policy.require(by, "manage", notice)
    if not notice.live:
        raise PortalError(_("Only a published notice can be printed for families."))
    from .tasks import notice_paper_task

    return job_start(
        task=notice_paper_task,
        kind="parent_notices.paper",
        title=_("Paper copies of “%(title)s”") % {"title": notice.title},
        by=by,
        school=notice.school,
        notice_id=notice.pk,
    )


def family_language_set(*, by: User, language: str) -> FamilyNoticeSettings:
    guardian = _guardian(by)
    if language not in dict(settings.LANGUAGES):
        raise PortalError(_("Choose one of the languages offered."))
    chosen, _created = FamilyNoticeSettings.objects.update_or_create(guardian=guardian, defaults={"language": language})
    return chosen


def school_cutoff(school_id: int) -> datetime.time:
    chosen = SchoolNoticeSettings.objects.filter(school_id=school_id).values_list("absence_cutoff", flat=True).first()
    return chosen or SchoolNoticeSettings._meta.get_field("absence_cutoff").default


def school_resend_hours(school_id: int) -> str:
    chosen = SchoolNoticeSettings.objects.filter(school_id=school_id).values_list("resend_hours", flat=True).first()
    return SchoolNoticeSettings._meta.get_field("resend_hours").default if chosen is None else chosen


def school_cutoff_set(
    *, school: School, by: User, cutoff: datetime.time, resend_hours: str | None = None
) -> SchoolNoticeSettings:
    """The school's settings for notices (its administrators): the absence cutoff and, when given, the hours after
    which a notice is sent again to the families who have not read it (``"24, 48"``; blank: never)."""
    if not policy.allows(by, "parent_notices.set_cutoff", school):
        raise PortalError(_("Only the school's administrators set the cutoff."))
    values: dict[str, object] = {"absence_cutoff": cutoff}
    if resend_hours is not None:
        try:
            hours = parse_resend_hours(resend_hours)
        except ValueError as error:
            raise PortalError(_("Give hours after sending, separated by commas, e.g. “24, 48”.")) from error
        if hours != sorted(set(hours)):
            raise PortalError(_("Give the hours in increasing order, each once."))
        values["resend_hours"] = ", ".join(str(hour) for hour in hours)
    chosen, _created = SchoolNoticeSettings.objects.update_or_create(school=school, defaults=values)
    return chosen


def absence_report(
    *,
    by: User,
    student_id: int,
    date: datetime.date,
    kind: str,
    reason: str,
    temperature: Decimal | None = None,
    time: datetime.time | None = None,
    note: str = "",
) -> AbsenceReport:
    """欠席・遅刻・早退連絡 for one of the guardian's children; after the school's cutoff it is kept and flagged.
    A second report of the same kind for the same day replaces the first."""
    guardian = _guardian(by)
    if student_id not in policy.actor(by).children_ids:
        raise PortalError(_("You can report only for your own children."))
    today = timezone.localdate()
    if date < today - datetime.timedelta(days=ABSENCE_DAYS_BACK):
        raise PortalError(_("That day is too far in the past; please call the school."))
    if date > today + datetime.timedelta(days=ABSENCE_DAYS_AHEAD):
        raise PortalError(_("That day is too far ahead."))
    if kind not in AbsenceKind.values or reason not in AbsenceReason.values:
        raise PortalError(_("Choose a kind and a reason from the lists."))
    if temperature is not None and not (Decimal(34) <= temperature <= Decimal(43)):
        raise PortalError(_("The temperature must be between 34.0 and 43.0 °C."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise PortalError(_("The note is too long (at most %(max)s characters).") % {"max": NOTE_MAX})
    years = SchoolYear.objects.active(date).values("id")
    enrollment = (
        Enrollment.objects.filter(student_id=student_id, school_year__in=years, student__is_active=True)
        .select_related("class_group", "student")
        .first()
    )
    if enrollment is None:
        raise PortalError(_("This child has no class on that day."))
    class_group = enrollment.class_group
    now = timezone.localtime()
    after_cutoff = date < today or (date == today and now.time() > school_cutoff(class_group.school_id))
    report, _created = AbsenceReport.objects.update_or_create(
        student_id=student_id,
        date=date,
        kind=kind,
        defaults={
            "class_group": class_group,
            "school_id": class_group.school_id,
            "guardian": guardian,
            "reason": reason,
            "temperature": temperature,
            "time": time,
            "note": note,
            "after_cutoff": after_cutoff,
        },
    )
    if date == today:
        student: Student = enrollment.student
        message = _("%(name)s: %(kind)s reported") % {
            "name": f"{student.family_name} {student.given_name}",
            "kind": AbsenceKind(kind).label,
        }
        transaction.on_commit(
            lambda: notify_group(
                group=absences_group(class_group.pk),
                event={"kind": "parent_notices.absence", "message": message, "refresh": True},
            )
        )
    return report
