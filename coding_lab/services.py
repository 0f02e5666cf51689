"""Writes of the coding lab: keyword-only, typed, the policy asked inside, refusals as translated PortalErrors.

The result of a program is decided here, by the server's evaluator, from the program alone: whatever result a
tablet sends along is not read. A program the evaluator cannot read (too large, too deep, not JSON, XML) is
refused and the last good one stays; one that runs into an endless loop is kept with the result "error".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from school_portal.core.access import policy
from school_portal.core.models import ClassGroup, Student
from school_portal.core.realtime import group_name, notify_group
from school_portal.core.services import PortalError

from .evaluator import Goal, ProgramError, check, read_program
from .messages import outcome_message, program_error_message
from .models import Challenge, Project, ProjectVersion, Result, Showcase

VERSIONS_KEPT = 50


def class_grid_group(class_group_id: int) -> str:
    """The live group of a class's coding grid (the teacher's page joins it)."""
    return group_name("coding_lab.class", class_group_id)


def _min_interval() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(getattr(settings, "CODING_LAB_MIN_SAVE_SECONDS", 1.0)))


def project_open(*, student: Student, challenge: Challenge | None) -> Project:
    """The child's project for a challenge (or their sandbox), made the first time with the starter program."""
    project = Project.objects.filter(student=student, challenge=challenge).first()
    if project is not None:
        return project
    try:
        with transaction.atomic():
            return Project.objects.create(
                student=student, challenge=challenge, source=challenge.starter if challenge else ""
            )
    except IntegrityError:  # opened twice at once: the other request made it
        return Project.objects.get(student=student, challenge=challenge)


@dataclass
class Saved:
    project: Project
    result: str
    message: str
    changed: bool


def _goal(project: Project) -> Goal:
    return project.challenge.goal() if project.challenge_id else Goal(stage="sandbox")


def project_save(*, project: Project, source: str, by: object) -> Saved:
    """Check and keep a program the child's tablet sent (autosave). Only the child may.

    Refused (``PortalError``), keeping the last good program: another child's project, a program the evaluator
    cannot read, and saves faster than ``CODING_LAB_MIN_SAVE_SECONDS`` apart (a flood: the tablet keeps the
    program queued and sends it again).
    """
    return _store(project=project, source=source, by=by, throttle=True)


@transaction.atomic
def _store(*, project: Project, source: str, by: object, throttle: bool) -> Saved:
    if not policy.allows(by, "work", project):
        raise PortalError(_("This is not your program."))
    try:
        read_program(source)
    except ProgramError as error:
        raise PortalError(program_error_message(error.code)) from error
    locked = Project.objects.select_for_update().get(pk=project.pk)
    locked.challenge = project.challenge
    now = timezone.now()
    if locked.source == source and locked.revision:
        return Saved(locked, locked.result, outcome_message(locked.result, locked.message), False)
    if throttle and locked.revision and now - locked.updated_at < _min_interval():
        raise PortalError(_("Saving too often: your program is kept on this tablet and saved in a moment."))
    outcome = check(source, _goal(locked))
    locked.source = source
    locked.revision += 1
    locked.result = outcome.result
    locked.message = outcome.code
    locked.block_count = outcome.block_count
    newly_solved = outcome.result == Result.SOLVED and locked.solved_at is None
    if newly_solved:
        locked.solved_at = now
    locked.save()
    ProjectVersion.objects.create(
        project=locked, revision=locked.revision, source=source, result=outcome.result, saved_by_id=_user_id(by)
    )
    stale = list(
        ProjectVersion.objects.filter(project=locked).order_by("-revision").values_list("pk", flat=True)[VERSIONS_KEPT:]
    )
    if stale:
        ProjectVersion.objects.filter(pk__in=stale).delete()
    if locked.challenge_id:
        _announce(locked)
    return Saved(locked, outcome.result, outcome_message(outcome.result, outcome.code), True)


def _user_id(by: object) -> int | None:
    user = getattr(by, "user", by)
    return getattr(user, "pk", None)


def _announce(project: Project) -> None:
    """Tell the open class grids of the child's classes (after the transaction commits)."""
    class_ids = list(project.student.enrollments.values_list("class_group_id", flat=True))
    event = {
        "kind": "coding_lab.progress",
        "student": project.student_id,
        "challenge": project.challenge_id,
        "project": project.pk,
        "url": reverse("coding_lab:project", args=[project.pk]),
        "result": project.result,
        "solved": project.solved_at is not None,
        "blocks": project.block_count,
    }

    def send() -> None:
        for class_id in class_ids:
            notify_group(group=class_grid_group(class_id), event=event)

    transaction.on_commit(send)


def project_restore(*, project: Project, revision: int, by: object) -> Saved:
    """Make an earlier version the current program again (as a new revision: nothing is lost)."""
    if not policy.allows(by, "work", project):
        raise PortalError(_("This is not your program."))
    version = ProjectVersion.objects.filter(project=project, revision=revision).first()
    if version is None:
        raise PortalError(_("This version is no longer kept."))
    return _store(project=project, source=version.source, by=by, throttle=False)


@transaction.atomic
def showcase_set(*, class_group: ClassGroup, project: Project, by: object) -> Showcase:
    """Show one child's solution to the class (replacing the one shown before for that challenge)."""
    if not policy.allows(by, "coding_lab.follow", class_group) or not policy.allows(by, "view", project):
        raise PortalError(_("You may not show this program to this class."))
    if project.challenge_id is None or not project.student.enrollments.filter(class_group=class_group).exists():
        raise PortalError(_("This program is not of a child of this class."))
    showcase, _created = Showcase.objects.update_or_create(
        class_group=class_group,
        challenge_id=project.challenge_id,
        defaults={"project": project, "shown_by_id": _user_id(by)},
    )
    return showcase


def showcase_clear(*, class_group: ClassGroup, challenge: Challenge, by: object) -> None:
    if not policy.allows(by, "coding_lab.follow", class_group):
        raise PortalError(_("You may not change what this class is shown."))
    Showcase.objects.filter(class_group=class_group, challenge=challenge).delete()
