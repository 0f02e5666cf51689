"""Notices (a snippet with revisions, drafts, scheduled publishing, a workflow and translations), what families
did with them (read, replied), absence reports, and each school's and family's settings for notices.

Why a snippet and not a Page: a notice is private to its audience (families of some children, across schools and
wards, or a whole city), not a place in one school's public page tree; pages are served (and cached) for
visitors by URL, and their permissions follow the tree, not an audience. Wagtail gives snippets the same
machinery pages have: DraftStateMixin (go live at / expire at, run by ``publish_scheduled``), RevisionMixin,
LockableMixin, WorkflowMixin (the head teacher's approval) and TranslatableMixin (locales). The plug-in's own views
show notices to families through the access policy.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.fields import StreamField
from wagtail.models import (
    DraftStateMixin,
    Locale,
    LockableMixin,
    RevisionMixin,
    Task,
    TranslatableMixin,
    WorkflowMixin,
)
from wagtail.search import index

from school_portal.core.models import City, ClassGroup, Guardian, School, Student

from .blocks import notice_blocks


class Category(models.TextChoices):
    GENERAL = "general", _("General")
    EVENT = "event", _("Event")
    FORM = "form", _("Permission slip / survey")
    EMERGENCY = "emergency", _("Emergency")


class Audience(models.TextChoices):
    CITY = "city", _("The whole city (board of education)")
    WARD = "ward", _("A ward")
    SCHOOL = "school", _("A school")
    GRADE = "grade", _("A grade of a school")
    CLASS = "class", _("Classes")
    CHILDREN = "children", _("Chosen children")
    PUBLIC = "public", _("Public / community")


class Notice(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, TranslatableMixin, index.Indexed, ClusterableModel
):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+", verbose_name=_("city"))
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sending school"),
        help_text=_("Blank: sent by the board of education."),
    )
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.GENERAL)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.SCHOOL)
    ward = models.CharField(_("ward"), max_length=50, blank=True, help_text=_("For the audience “a ward”."))
    grade = models.PositiveSmallIntegerField(
        _("grade"), null=True, blank=True, help_text=_("For the audience “a grade of a school”.")
    )
    class_groups = ParentalManyToManyField(ClassGroup, blank=True, related_name="+", verbose_name=_("classes"))
    children = ParentalManyToManyField(Student, blank=True, related_name="+", verbose_name=_("chosen children"))
    body = StreamField(notice_blocks(), blank=True, verbose_name=_("body"))
    reply_deadline = models.DateTimeField(
        _("replies until"), null=True, blank=True, help_text=_("Families may change their replies until then.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="parent_notice")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="parent_notice",
        for_concrete_model=False,
    )

    search_fields = [index.SearchField("title"), index.FilterField("school"), index.FilterField("locale")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["school", "live"]), models.Index(fields=["city", "audience", "live"])]

    def __str__(self) -> str:
        return self.title

    @property
    def revisions(self):  # noqa: ANN201 - Wagtail's protocol
        return self._revisions

    @property
    def is_emergency(self) -> bool:
        return self.category == Category.EMERGENCY

    def replies_open(self, now: datetime.datetime | None = None) -> bool:
        return self.reply_deadline is None or (now or timezone.now()) <= self.reply_deadline

    def reply_blocks(self) -> list:
        return [block for block in self.body if block.block_type == "reply_form"]

    def copy_for_translation(self, locale: Locale, exclude_fields: list[str] | None = None) -> Notice:
        """The copy Wagtail's "Translate" makes (simple_translation), as a draft of its own.

        Wagtail copies a snippet's fields as they are, ``live`` and the publishing dates with them: the copy of a
        published notice would be live at once, in the source's words, shown to the families who chose that
        language without anyone translating or approving it. The copy starts unpublished and unlocked instead; the
        translator writes it, submits it, and the head teacher approves it as any notice. (The translator becomes
        its author on the first save, as a new notice's writer does.)
        """
        copy = super().copy_for_translation(locale, exclude_fields=exclude_fields)
        copy.live, copy.has_unpublished_changes, copy.expired = False, True, False
        copy.first_published_at = copy.last_published_at = copy.live_revision = None
        copy.locked, copy.locked_at, copy.locked_by = False, None, None
        copy.created_by = None
        return copy


class NoticeRead(models.Model):
    """A read receipt: the first time a guardian opened the notice."""

    # No index of its own on the notice: the unique (notice, guardian) index serves lookups by notice (who read
    # it), and every receipt written on the storm morning updates one index fewer.
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads", db_index=False)
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "guardian"], name="unique_notice_read")]

    def __str__(self) -> str:
        return f"{self.notice_id} read by {self.guardian_id}"


class NoticeReply(models.Model):
    """A family's answer to one reply form of a notice, for one child; changed in place until the deadline."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="replies")
    block_id = models.CharField(max_length=64)
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="+")
    choice = models.CharField(_("answer"), max_length=80)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    changes = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notice", "block_id", "student"], name="unique_notice_reply")]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.block_id}/{self.student_id}: {self.choice}"


class AbsenceKind(models.TextChoices):
    ABSENT = "absent", _("Absent")
    LATE = "late", pgettext_lazy("absence", "Late")
    EARLY = "early", _("Leaving early")


class AbsenceReason(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    INJURY = "injury", _("Injury")
    FAMILY = "family", _("Family matters")
    APPOINTMENT = "appointment", _("Hospital or appointment")
    OTHER = "other", _("Other")


class AbsenceReport(models.Model):
    """欠席・遅刻・早退連絡: one per child, day and kind; a report after the school's cutoff is kept and flagged."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    class_group = models.ForeignKey(ClassGroup, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    guardian = models.ForeignKey(Guardian, on_delete=models.SET_NULL, null=True, related_name="+")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=AbsenceKind.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=AbsenceReason.choices)
    temperature = models.DecimalField(
        _("temperature (°C)"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(34), MaxValueValidator(43)],
    )
    time = models.TimeField(_("time (late arrival / leaving)"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=500, blank=True)
    after_cutoff = models.BooleanField(_("after the cutoff"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["student", "date", "kind"], name="unique_absence_report")]
        indexes = [models.Index(fields=["class_group", "date"]), models.Index(fields=["school", "date"])]

    def __str__(self) -> str:
        return f"{self.student_id} {self.date} {self.kind}"


def resend_hours_validate(value: str) -> None:
    """A school's resend schedule: hours after the first sending, comma-separated, increasing, up to 4 (or blank)."""
    from django.core.exceptions import ValidationError

    try:
        hours = parse_resend_hours(value)
    except ValueError as error:
        raise ValidationError(
            _("Give hours after sending, separated by commas, e.g. “24, 48” (at most 4, each up to 336).")
        ) from error
    if hours != sorted(set(hours)):
        raise ValidationError(_("Give the hours in increasing order, each once."))


def parse_resend_hours(value: str) -> list[int]:
    """``"24, 48"`` -> ``[24, 48]``; ValueError for anything else (a number outside 1..336, more than 4)."""
    hours = [int(part) for part in (value or "").replace("、", ",").split(",") if part.strip()]
    if len(hours) > 4 or any(not 1 <= hour <= 336 for hour in hours):
        raise ValueError(value)
    return hours


class SchoolNoticeSettings(models.Model):
    """A school's own settings for notices: the cutoff for the morning's absence reports, and when a notice is sent
    again to the families who have not read it."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="+")
    absence_cutoff = models.TimeField(_("absence reports by"), default=datetime.time(8, 0))
    resend_hours = models.CharField(
        _("send again to those who have not read it, hours after sending"),
        max_length=40,
        blank=True,
        default="24, 48",
        validators=[resend_hours_validate],
        help_text=_("Comma-separated, e.g. “24, 48”; blank: never. Not after the reply deadline or the expiry."),
    )

    def __str__(self) -> str:
        return f"{self.school_id}"


class NoticeSending(models.Model):
    """One sending of a notice to phones (and by email to those without): the first when it is published, each
    automatic resend to the families who have not read it, and each reminder a teacher asks for. The first and
    the resends are written once (``round``), so two workers cannot send the same round twice."""

    class Kind(models.TextChoices):
        FIRST = "first", _("Sent")
        RESEND = "resend", _("Sent again automatically")
        REMINDER = "reminder", _("Reminder")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="sendings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    round = models.PositiveSmallIntegerField(null=True, blank=True)  # 0: the first; 1, 2...: the resends
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "round"], condition=models.Q(round__isnull=False), name="unique_notice_sending_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.kind} {self.round}"


class FamilyNoticeSettings(models.Model):
    """A guardian's choices for notices: the language they read them in (any content language, even one the
    portal's interface is not translated into)."""

    guardian = models.OneToOneField(Guardian, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(_("language for notices"), max_length=20, choices=settings.LANGUAGES, default="ja")

    def __str__(self) -> str:
        return f"{self.guardian_id}: {self.language}"


class HeadTeacherApprovalTask(Task):
    """Approval by the head teacher: an administrator of the notice's school (of the board, for a notice no school
    sends: the education centre's staff)."""

    def _approves(self, obj: object, user: object) -> bool:
        from .access_rules import approves

        return approves(user, obj)

    def user_can_access_editor(self, obj: object, user: object) -> bool:
        return self._approves(obj, user)

    def locked_for_user(self, obj: object, user: object) -> bool:
        return not self._approves(obj, user)

    def user_can_lock(self, obj: object, user: object) -> bool:
        return self._approves(obj, user)

    def user_can_unlock(self, obj: object, user: object) -> bool:
        return False

    def get_actions(self, obj: object, user: object) -> list:
        if self._approves(obj, user):
            return [
                ("reject", _("Request changes"), True),
                ("approve", _("Approve"), False),
                ("approve", _("Approve with comment"), True),
            ]
        return []

    def get_task_states_user_can_moderate(self, user: object, **kwargs: object):  # noqa: ANN201
        from wagtail.models import TaskState

        from .access_rules import approvable_notice_ids

        ids = approvable_notice_ids(user)
        return self.task_states.filter(
            status=TaskState.STATUS_IN_PROGRESS, workflow_state__object_id__in=[str(pk) for pk in ids]
        )

    @classmethod
    def get_description(cls) -> str:
        return _("The head teacher (an administrator of the notice's school) approves the notice")

    class Meta:
        verbose_name = _("Head teacher's approval")
        verbose_name_plural = _("Head teacher's approvals")


from .emergency_models import EmergencySend, NoticeCorrection  # noqa: E402, F401 - the emergency mode's models
