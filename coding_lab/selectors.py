"""Reads of the coding lab. Each runs a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from school_portal.core.access import Actor, policy
from school_portal.core.models import ClassGroup, Student
from school_portal.core.selectors import students_in_roster_order

from .models import Challenge, Course, CourseChallenge, Project, Showcase


def courses_for(actor: Actor) -> list[Course]:
    """The courses this person may see, each with its challenges in order (two queries)."""
    steps = CourseChallenge.objects.select_related("challenge").order_by("sort_order", "pk")
    return list(policy.scope(actor, "view", Course.objects.all()).prefetch_related(Prefetch("steps", queryset=steps)))


@dataclass
class StepState:
    challenge: Challenge
    project: Project | None
    is_open: bool

    @property
    def result(self) -> str:
        return self.project.result if self.project else ""

    @property
    def solved(self) -> bool:
        return bool(self.project and self.project.is_solved)


def course_steps(actor: Actor, course: Course) -> list[StepState]:
    """The challenges of a course for one person, with the child's project of each and whether they may open it:
    in a locked course, a child opens a challenge once they solved every one before it (two queries)."""
    challenges = [step.challenge for step in course.steps.select_related("challenge").order_by("sort_order", "pk")]
    projects: dict[int, Project] = {}
    if actor.student_id is not None:
        projects = {
            p.challenge_id: p
            for p in Project.objects.filter(student_id=actor.student_id, challenge__in=[c.pk for c in challenges])
        }
    states = []
    all_solved_before = True
    for challenge in challenges:
        project = projects.get(challenge.pk)
        is_open = not course.is_locked or actor.student_id is None or all_solved_before
        states.append(StepState(challenge, project, is_open))
        all_solved_before = all_solved_before and bool(project and project.is_solved)
    return states


def challenge_open_for(actor: Actor, challenge: Challenge) -> bool:
    """May this child open the challenge now: not if every course that holds it is locked and they have not
    solved what comes before it there (three queries at most)."""
    if actor.student_id is None:
        return True
    courses = list(policy.scope(actor, "view", Course.objects.filter(steps__challenge=challenge)).distinct())
    if not courses or any(not course.is_locked for course in courses):
        return True
    solved = set(
        Project.objects.filter(student_id=actor.student_id, solved_at__isnull=False).values_list(
            "challenge_id", flat=True
        )
    )
    steps = CourseChallenge.objects.filter(course__in=courses).order_by("course_id", "sort_order", "pk")
    before: dict[int, list[int]] = {}
    for step in steps.values_list("course_id", "challenge_id"):
        before.setdefault(step[0], []).append(step[1])
    for ids in before.values():
        if challenge.pk in ids and all(pk in solved for pk in ids[: ids.index(challenge.pk)]):
            return True
    return False


@dataclass
class GridCell:
    challenge_id: int
    project: Project | None


@dataclass
class GridRow:
    student: Student
    cells: list[GridCell] = field(default_factory=list)

    @property
    def solved(self) -> int:
        return sum(1 for cell in self.cells if cell.project and cell.project.is_solved)


@dataclass
class ClassGrid:
    class_group: ClassGroup
    course: Course
    challenges: list[Challenge]
    rows: list[GridRow]
    showcases: dict[int, Showcase]


def class_grid(class_group: ClassGroup, course: Course) -> ClassGrid:
    """The class's children x the course's challenges, each cell the child's project (four queries)."""
    challenges = [step.challenge for step in course.steps.select_related("challenge").order_by("sort_order", "pk")]
    students = list(
        students_in_roster_order(
            Student.objects.filter(enrollments__class_group=class_group, is_active=True).select_related("user")
        )
    )
    projects: dict[tuple[int, int], Project] = {
        (p.student_id, p.challenge_id): p
        for p in Project.objects.filter(student__in=students, challenge__in=[c.pk for c in challenges]).only(
            "id", "student_id", "challenge_id", "result", "solved_at", "block_count", "revision", "updated_at"
        )
    }
    rows = [
        GridRow(student, [GridCell(c.pk, projects.get((student.pk, c.pk))) for c in challenges]) for student in students
    ]
    showcases = {
        s.challenge_id: s
        for s in Showcase.objects.filter(class_group=class_group, challenge__in=challenges).select_related(
            "project__student"
        )
    }
    return ClassGrid(class_group, course, challenges, rows, showcases)


def showcases_for(actor: Actor, challenge: Challenge) -> list[Showcase]:
    """The solutions shown to this child's classes for a challenge (one query)."""
    if actor.student_id is None:
        return []
    return list(
        Showcase.objects.filter(class_group_id__in=actor.own_class_ids, challenge=challenge).select_related("project")
    )


def taught_classes(actor: Actor) -> QuerySet:
    return policy.scope(actor, "coding_lab.follow", ClassGroup.objects.all()).order_by("grade", "name")
