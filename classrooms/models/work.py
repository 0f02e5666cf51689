"""Assignments of lessons to classes, and each child's answer sheet with its answers and the teacher's feedback."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from school_portal.core.models import ClassGroup, School, Student

from .pages import LessonPage


class Assignment(models.Model):
    """A lesson given to one or more classes (optionally only some of their students) from an open to a due date."""

    lesson = models.ForeignKey(
        LessonPage, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("lesson")
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    class_groups = models.ManyToManyField(ClassGroup, related_name="lesson_assignments", verbose_name=_("classes"))
    students = models.ManyToManyField(
        Student,
        blank=True,
        related_name="+",
        verbose_name=_("only these students"),
        help_text=_("Leave empty for everyone in the classes."),
    )
    opens_at = models.DateTimeField(_("opens"))
    due_at = models.DateTimeField(_("due"))
    order = models.PositiveSmallIntegerField(_("order on the day"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["opens_at", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_at__gte=models.F("opens_at")), name="assignment_due_after_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lesson.title} ({timezone.localtime(self.due_at):%Y-%m-%d %H:%M})"

    def clean(self) -> None:
        if self.opens_at and self.due_at and self.due_at < self.opens_at:
            raise ValidationError({"due_at": _("The due date must not be before the open date.")})

    @property
    def is_past_due(self) -> bool:
        return timezone.now() > self.due_at


class AnswerSheet(models.Model):
    """One child's work on one assignment."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        REVIEWED = "reviewed", _("Checked")

    class Stamp(models.TextChoices):
        NONE = "", _("No stamp")
        GREAT = "great", _("Great! (たいへんよくできました)")
        GOOD = "good", _("Well done (よくできました)")
        TRY = "try", _("Keep trying (がんばりましょう)")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="sheets")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="answer_sheets")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    score = models.PositiveIntegerField(_("marks"), default=0)
    max_score = models.PositiveIntegerField(_("out of"), default=0)
    feedback = models.TextField(_("feedback"), blank=True, max_length=2000)
    stamp = models.CharField(_("stamp"), max_length=10, choices=Stamp.choices, blank=True, default="")
    feedback_at = models.DateTimeField(null=True, blank=True)
    feedback_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("answer sheet")
        verbose_name_plural = _("answer sheets")
        constraints = [models.UniqueConstraint(fields=["assignment", "student"], name="one_sheet_per_student")]

    def __str__(self) -> str:
        return f"{self.assignment} – {self.student}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.IN_PROGRESS, self.Status.RETURNED)


class Answer(models.Model):
    """The answer to one question (by the question block's stable id), with when it reached the server."""

    sheet = models.ForeignKey(AnswerSheet, on_delete=models.CASCADE, related_name="answers")
    question_id = models.CharField(max_length=36)
    value = models.JSONField(null=True, blank=True)
    drawing = models.BinaryField(null=True, blank=True, editable=False)
    received_at = models.DateTimeField(_("arrived"))
    saved_on_device_at = models.DateTimeField(_("written on the tablet"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    is_correct = models.BooleanField(_("correct"), null=True)
    points = models.PositiveSmallIntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["sheet", "question_id"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.sheet_id}:{self.question_id}"


class LessonCopy(models.Model):
    """A lesson of the shared library copied into a school's tree: the library's reuse count."""

    source = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="copies")
    copy = models.ForeignKey(LessonPage, null=True, on_delete=models.SET_NULL, related_name="+")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    copied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    copied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lesson copy")
        verbose_name_plural = _("lesson copies")

    def __str__(self) -> str:
        return f"{self.source_id} → {self.school}"
