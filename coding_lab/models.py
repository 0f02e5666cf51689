"""Challenges, courses and the children's programs.

A challenge and a course belong to a school (its teachers author them) or to the whole city (``school`` empty:
the education centre's staff author them). A program is kept as the Blockly JSON text the child's tablet sent
(a ``TextField``, not a ``JSONField``: a 2,000-block chain nests deeper than Python's ``json`` can read; the
evaluator has its own iterative parser), with every earlier version kept for "restore".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from school_portal.core.models import School, Student

from .blockset import DEFAULT_TOOLBOX, MAZE, TEXT, TURTLE
from .evaluator import Goal, check


class StageType(models.TextChoices):
    MAZE = MAZE, _("Maze (reach the goal)")
    TURTLE = TURTLE, _("Turtle drawing (draw the picture)")
    TEXT = TEXT, _("Text output (print the expected output)")


class Challenge(models.Model):
    school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="coding_challenges",
        verbose_name=_("school"),
        help_text=_("Empty: a city-wide challenge of the education centre."),
    )
    title = models.CharField(_("title"), max_length=120)
    instructions = models.TextField(_("instructions"), blank=True)
    stage_type = models.CharField(_("stage"), max_length=10, choices=StageType.choices, default=MAZE)
    maze = models.TextField(
        _("maze"),
        blank=True,
        help_text=_("One line per row: # wall, . path, S start, G goal (maze stage only)."),
    )
    start_direction = models.PositiveSmallIntegerField(
        _("start direction"),
        choices=[(0, _("North")), (1, _("East")), (2, _("South")), (3, _("West"))],
        default=1,
    )
    solution = models.TextField(
        _("model solution (Blockly JSON)"),
        blank=True,
        help_text=_("Turtle: the target picture is what this program draws. Text: checked against the cases."),
    )
    text_cases = models.JSONField(
        _("text cases"),
        default=list,
        blank=True,
        help_text=_('Text stage: a list of {"input": "3", "output": "1\\n2\\n3"}.'),
    )
    toolbox = models.JSONField(_("toolbox"), default=list, blank=True)
    required_blocks = models.JSONField(_("required blocks"), default=list, blank=True)
    block_budget = models.PositiveSmallIntegerField(
        _("block budget"), null=True, blank=True, help_text=_("The most blocks a full solution may use.")
    )
    starter = models.TextField(_("starter program (Blockly JSON)"), blank=True)
    hints = models.TextField(_("hints"), blank=True, help_text=_("One hint per line."))
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    # The turtle's target picture, drawn from ``solution`` when the challenge is saved.
    target = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("coding challenge")
        verbose_name_plural = _("coding challenges")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.stage_type == TURTLE and self.solution.strip():
            outcome = check(self.solution, Goal(stage=TURTLE))
            self.target = [list(segment) for segment in outcome.trace.segments]
        super().save(*args, **kwargs)

    @property
    def hint_list(self) -> list[str]:
        return [line.strip() for line in self.hints.splitlines() if line.strip()]

    @property
    def maze_rows(self) -> list[str]:
        return [row.rstrip() for row in self.maze.splitlines() if row.strip()]

    def goal(self) -> Goal:
        """What the evaluator checks a program against."""
        return Goal(
            stage=self.stage_type,
            maze=self.maze_rows,
            start_direction=self.start_direction,
            target_segments=[tuple(s) for s in self.target] if self.stage_type == TURTLE else None,
            text_cases=list(self.text_cases or []),
            required_blocks=list(self.required_blocks or []),
            block_budget=self.block_budget,
            allowed_blocks=set(self.toolbox_types),
        )

    @property
    def toolbox_types(self) -> list[str]:
        return list(self.toolbox or DEFAULT_TOOLBOX[self.stage_type])


class Course(ClusterableModel):
    school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="coding_courses",
        verbose_name=_("school"),
        help_text=_("Empty: a city-wide course of the education centre."),
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    is_locked = models.BooleanField(
        _("locked"),
        default=False,
        help_text=_("Students open the challenges in order: the next one only once they solved the one before."),
    )

    class Meta:
        verbose_name = _("coding course")
        verbose_name_plural = _("coding courses")
        ordering = ["grade", "title", "pk"]

    def __str__(self) -> str:
        return self.title


class CourseChallenge(Orderable):
    course = ParentalKey(Course, on_delete=models.CASCADE, related_name="steps")
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="+", verbose_name=_("challenge"))

    class Meta(Orderable.Meta):
        verbose_name = _("challenge in the course")


class Result(models.TextChoices):
    SOLVED = "solved", _("Solved")
    OVER_BUDGET = "over_budget", _("Solved, over the block budget")
    MISSING_BLOCK = "missing_block", _("Missing a required block")
    FAILED = "failed", _("Not solved yet")
    ERROR = "error", _("Error")


class Project(models.Model):
    """One child's program for one challenge (``challenge`` empty: their free sandbox)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="coding_projects")
    challenge = models.ForeignKey(Challenge, null=True, blank=True, on_delete=models.CASCADE, related_name="projects")
    source = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=0)
    result = models.CharField(max_length=20, choices=Result.choices, blank=True)
    message = models.CharField(max_length=300, blank=True)
    block_count = models.PositiveIntegerField(default=0)
    solved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "challenge"], name="coding_project_one_per_challenge"),
            models.UniqueConstraint(
                fields=["student"], condition=models.Q(challenge__isnull=True), name="coding_project_one_sandbox"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id}/{self.challenge_id or 'sandbox'} r{self.revision}"

    @property
    def is_solved(self) -> bool:
        return self.solved_at is not None


class ProjectVersion(models.Model):
    """An earlier program of a project, kept for "restore" (one per autosave that changed it, the last N)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="versions")
    revision = models.PositiveIntegerField()
    source = models.TextField()
    result = models.CharField(max_length=20, choices=Result.choices, blank=True)
    saved_at = models.DateTimeField(auto_now_add=True)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-revision"]
        constraints = [models.UniqueConstraint(fields=["project", "revision"], name="coding_version_unique")]

    def __str__(self) -> str:
        return f"{self.project_id} r{self.revision}"


class Showcase(models.Model):
    """The one solution a teacher shows to a class for a challenge (the teacher chooses; replaced by the next)."""

    class_group = models.ForeignKey("core.ClassGroup", on_delete=models.CASCADE, related_name="+")
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    shown_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    shown_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["class_group", "challenge"], name="coding_showcase_one")]

    def __str__(self) -> str:
        return f"{self.class_group_id}/{self.challenge_id}"
