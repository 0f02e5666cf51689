"""Reads of the classrooms plug-in. Each runs a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from school_portal.core import search_text
from school_portal.core.access import Actor, policy
from school_portal.core.jp_holidays import japanese_holiday
from school_portal.core.models import ClassGroup, Enrollment, Student
from school_portal.core.prepared import PreparedQuery
from school_portal.core.selectors import enrollments_in_roster_order, students_in_roster_order

from . import class_work, worksheets
from .models import Answer, AnswerSheet, Assignment, LessonCopy, LessonPage, UnitPage


@dataclass
class StudentDay:
    """A child's open work in the order a child needs it: returned for revision first, then due today, due by the
    next school day, past due and not handed in, and everything later."""

    returned: list[Assignment] = field(default_factory=list)
    today: list[Assignment] = field(default_factory=list)
    next_school_day: list[Assignment] = field(default_factory=list)
    overdue: list[Assignment] = field(default_factory=list)
    later: list[Assignment] = field(default_factory=list)
    next_school_date: datetime.date | None = None
    tomorrow: datetime.date | None = None

    @property
    def next_school_day_is_tomorrow(self) -> bool:
        return self.next_school_date == self.tomorrow


def is_school_day(day: datetime.date) -> bool:
    """Monday to Friday, not a Japanese national holiday (``core/jp_holidays.py``; a school's own closed days,
    such as its anniversary, are not known to the portal)."""
    if day.weekday() >= 5:
        return False
    try:
        return japanese_holiday(day) is None
    except ValueError:  # before 2020: the holiday rules are not kept
        return True


def next_school_date(day: datetime.date) -> datetime.date:
    """The next school day after ``day``: after the Friday before a long weekend or Silver Week, the day school
    starts again."""
    following = day + datetime.timedelta(days=1)
    while not is_school_day(following):
        following += datetime.timedelta(days=1)
    return following


def _tokyo_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


# The child's sheets of the day's work and those returned for revision: on every page a child opens, compiled
# once per number of assignments (core.prepared).
_sheets_of_child = PreparedQuery(
    AnswerSheet,
    lambda student_id, assignment_ids: AnswerSheet.objects.filter(
        Q(assignment_id__in=assignment_ids) | Q(status=AnswerSheet.Status.RETURNED), student_id=student_id
    ),
)


def student_assignments(actor: Actor, *, now: datetime.datetime | None = None) -> StudentDay:
    """A child's work, by dates in the school's time zone (Asia/Tokyo), never by week boundaries.

    Returned for revision, whatever its due date; due today (in the order the teacher set); due after today up to
    the next school day (on a Friday, Monday's homework; on a Sunday, Monday's); past due and not handed in; later.

    What the child's classes were given is the same for the whole class: read once per class and kept in the
    cache (``class_work.py``); the ``work`` rule's conditions (opened, given to everyone or to this child by name)
    are applied to it here. Per request: the child's sheets (one query), and the assignments of work returned
    for revision that are older than the list (a second query, only when there is such work).
    """
    day = StudentDay()
    if not actor.student_id:
        return day
    now = now or timezone.now()
    today = _tokyo_date(now)
    day.tomorrow = today + datetime.timedelta(days=1)
    day.next_school_date = next_school_date(today)
    opened_by = min(now, timezone.now())  # the rule's own "opened" is measured against the real time
    recent_since = now - datetime.timedelta(days=14)
    candidates = {
        work.assignment.pk: work.assignment
        for work in class_work.class_work(actor.own_class_ids, due_since=recent_since.astimezone(datetime.UTC).date())
        if work.assignment.opens_at <= opened_by and (not work.named or actor.student_id in work.named)
    }
    sheets = {
        sheet.assignment_id: sheet
        for sheet in _sheets_of_child.all(student_id=actor.student_id, assignment_ids=list(candidates))
    }
    returned = {pk for pk, sheet in sheets.items() if sheet.status == AnswerSheet.Status.RETURNED}
    assignments = [a for a in candidates.values() if a.due_at >= recent_since or a.pk in returned]
    if returned - set(candidates):  # returned for revision, and older than the class's list
        older = Assignment.objects.filter(pk__in=returned - set(candidates), opens_at__lte=now)
        assignments += list(policy.scope(actor, "work", older).select_related("lesson"))
    for assignment in assignments:
        assignment.my_sheet = sheets.get(assignment.pk)
        due = _tokyo_date(assignment.due_at)
        if assignment.my_sheet is not None and assignment.my_sheet.status == AnswerSheet.Status.RETURNED:
            day.returned.append(assignment)
        elif assignment.due_at < now:
            if assignment.my_sheet is None or assignment.my_sheet.is_editable:
                day.overdue.append(assignment)
        elif due <= today:
            day.today.append(assignment)
        elif due <= day.next_school_date:
            day.next_school_day.append(assignment)
        else:
            day.later.append(assignment)
    day.today.sort(key=lambda a: (a.order, a.due_at, a.pk))
    for bucket in (day.returned, day.next_school_day, day.overdue, day.later):
        bucket.sort(key=lambda a: (_tokyo_date(a.due_at), a.order, a.due_at, a.pk))
    return day


def teacher_assignments(actor: Actor) -> list[Assignment]:
    """The assignments a teacher reviews, newest due first, with their classes."""
    visible = policy.scope(actor, "review", Assignment.objects.all())
    return list(
        Assignment.objects.filter(pk__in=visible.values("pk"))
        .select_related("lesson")
        .prefetch_related("class_groups")
        .order_by("-due_at", "order")[:50]
    )


def assignable_students(classes: QuerySet) -> QuerySet:
    """The children still at school in ``classes``, in the roster order (the review grid's order)."""
    return students_in_roster_order(
        Student.objects.filter(enrollments__class_group__in=classes, is_active=True)
    ).distinct()


def assignment_students(assignment: Assignment, actor: Actor) -> list[Student]:
    """The children an assignment is for, of the classes ``actor`` may review (their teachers, the school's
    administrators), still at school, in class and attendance-number order (one query)."""
    classes = policy.scope(actor, "view_roster", assignment.class_groups.all())
    enrollments = Enrollment.objects.filter(class_group__in=classes, student__is_active=True).select_related(
        "student", "class_group"
    )
    restricted = assignment.students.all()
    if restricted.exists():
        enrollments = enrollments.filter(student__in=restricted)
    ordered = enrollments_in_roster_order(enrollments)
    students = []
    for enrollment in ordered:
        enrollment.student.enrollment = enrollment
        students.append(enrollment.student)
    return students


class GridAnswer(NamedTuple):
    """One cell of the review grid and its export: an answer without its drawing's bytes."""

    value: Any
    is_correct: bool | None
    points: int
    received_at: datetime.datetime
    is_late: bool
    has_drawing: bool


@dataclass
class GridRow:
    student: Student
    sheet: AnswerSheet | None
    cells: list[GridAnswer | None]


@dataclass
class ReviewGrid:
    assignment: Assignment
    questions: list[worksheets.Question]
    rows: list[GridRow]

    @property
    def submitted_count(self) -> int:
        return sum(1 for row in self.rows if row.sheet and row.sheet.submitted_at)


def review_grid(assignment: Assignment, actor: Actor) -> ReviewGrid:
    """Students x questions with every answer (drawings left out: the grid loads them as images), of the children
    ``actor`` may review. Five queries; the 800 answers of a class of 40 come as tuples, not model instances."""
    questions = worksheets.lesson_questions(assignment.lesson)
    students = assignment_students(assignment, actor)
    sheets_qs = AnswerSheet.objects.filter(assignment=assignment, student__in=[s.pk for s in students])
    sheets = {s.student_id: s for s in sheets_qs}
    answers: dict[int, dict[str, GridAnswer]] = defaultdict(dict)
    rows_of_answers = (
        _without_drawing(Answer.objects.filter(sheet__in=[s.pk for s in sheets.values()]))
        .values_list("sheet_id", "question_id", *GridAnswer._fields)
        .iterator(chunk_size=2000)
    )
    for sheet_id, question_id, *cell in rows_of_answers:
        answers[sheet_id][question_id] = GridAnswer(*cell)
    rows = []
    for student in students:
        sheet = sheets.get(student.pk)
        by_question = answers.get(sheet.pk, {}) if sheet else {}
        rows.append(GridRow(student, sheet, [by_question.get(q.id) for q in questions]))
    return ReviewGrid(assignment, questions, rows)


def marks_shown(sheet: AnswerSheet | None, questions: list[worksheets.Question], *, reviewer: bool = False) -> set[str]:
    """The questions whose marks (correct, not quite, the score) the viewer sees. While the child works, none;
    once handed in, a quiz's at once and a worksheet's when the teacher has checked it or returned it (the teacher
    may change an automatic mark first). Whoever reviews the sheet sees them all."""
    if sheet is None:
        return set()
    checked = sheet.status in (AnswerSheet.Status.REVIEWED, AnswerSheet.Status.RETURNED)
    if reviewer or checked:
        return {q.id for q in questions}
    if sheet.status == AnswerSheet.Status.SUBMITTED:
        return {q.id for q in questions if q.show_results}
    return set()


# A child's sheet of an assignment and its answers: on every lesson page a child opens and every autosave,
# compiled once (core.prepared).
_sheet_of = PreparedQuery(
    AnswerSheet,
    lambda assignment_id, student_id: AnswerSheet.objects.filter(assignment_id=assignment_id, student_id=student_id),
)
_answers_of_sheet = PreparedQuery(Answer, lambda sheet_id: _without_drawing(Answer.objects.filter(sheet_id=sheet_id)))


def sheet_of(*, assignment_id: int, student_id: int | None) -> AnswerSheet | None:
    """The child's sheet of the assignment, if they have started it (no one's without a child)."""
    if student_id is None:
        return None
    return _sheet_of.first(assignment_id=assignment_id, student_id=student_id)


def sheet_answers(sheet: AnswerSheet | None) -> dict[str, Answer]:
    """The sheet's answers by question, without their drawings' bytes (``has_drawing`` says if one is there)."""
    if sheet is None or sheet.pk is None:
        return {}
    return {a.question_id: a for a in _answers_of_sheet.all(sheet_id=sheet.pk)}


def _without_drawing(answers: QuerySet) -> QuerySet:
    """Answers without the PNG bytes, but knowing whether there is a drawing (shown through its own URL)."""
    return answers.defer("drawing").annotate(
        has_drawing=ExpressionWrapper(Q(drawing__isnull=False), output_field=BooleanField())
    )


@dataclass
class ProgressRow:
    student: Student
    cells: list[AnswerSheet | None]
    number: int | None = None


def class_progress(class_group: ClassGroup, unit: UnitPage) -> tuple[list[Assignment], list[ProgressRow]]:
    """One class over one unit: each lesson assigned to the class, and each child's sheet for it (four queries)."""
    lessons = LessonPage.objects.child_of(unit)
    assignments = list(
        Assignment.objects.filter(class_groups=class_group, lesson__in=lessons)
        .select_related("lesson")
        .order_by("lesson__path", "opens_at")
    )
    enrollments = list(
        enrollments_in_roster_order(class_group.enrollments.filter(student__is_active=True).select_related("student"))
    )
    sheets = {
        (s.assignment_id, s.student_id): s
        for s in AnswerSheet.objects.filter(assignment__in=assignments, student__enrollments__class_group=class_group)
    }
    rows = [
        ProgressRow(e.student, [sheets.get((a.pk, e.student_id)) for a in assignments], e.number) for e in enrollments
    ]
    return assignments, rows


def units_for_class(class_group: ClassGroup) -> list[UnitPage]:
    """The units of the class's school and grade that have lessons assigned to the class."""
    lesson_paths = Assignment.objects.filter(class_groups=class_group).values_list("lesson__path", flat=True)
    unit_paths = {path[: -LessonPage.steplen] for path in lesson_paths}
    return list(UnitPage.objects.filter(path__in=unit_paths).order_by("path"))


def library_lessons(*, query: str = "", subject: str = "", grade: int | None = None) -> list[LessonPage]:
    """The library's live lessons, searched (Wagtail search, Japanese included), filtered, with reuse counts."""
    from .models import LessonLibraryPage

    library = LessonLibraryPage.objects.first()
    if library is None:
        return []
    lessons: QuerySet | Any = LessonPage.objects.live().child_of(library)
    if subject:
        lessons = lessons.filter(subject=subject)
    if grade:
        lessons = lessons.filter(grade=grade)
    if query:
        lessons_list = list(lessons.search(search_text.query_grams(query), operator="and"))
    else:
        lessons_list = list(lessons.order_by("grade", "subject", "title"))
    counts = defaultdict(int)
    for source_id in LessonCopy.objects.filter(source__in=[lesson.pk for lesson in lessons_list]).values_list(
        "source_id", flat=True
    ):
        counts[source_id] += 1
    for lesson in lessons_list:
        lesson.reuse_count = counts[lesson.pk]
    return lessons_list


def copy_targets(actor: Actor) -> list[UnitPage]:
    """The units of the teacher's schools a library lesson may be copied into."""
    from school_portal.core.models import School

    homes = School.objects.filter(pk__in=actor.teacher_school_ids).values_list("home_page__path", flat=True)
    units = UnitPage.objects.none()
    for path in homes:
        if path:
            units = units | UnitPage.objects.filter(path__startswith=path)
    return list(units.order_by("path"))


def school_lessons(actor: Actor, limit: int = 200) -> list[LessonPage]:
    """The lessons (drafts included) in the page trees of the schools where ``actor`` teaches."""
    from school_portal.core.models import School

    paths = [
        path
        for path in School.objects.filter(pk__in=actor.teacher_school_ids).values_list("home_page__path", flat=True)
        if path
    ]
    if not paths:
        return []
    in_schools = Q()
    for path in paths:
        in_schools |= Q(path__startswith=path)
    return list(LessonPage.objects.filter(in_schools).order_by("grade", "subject", "path")[:limit])


GUARDIAN_FEEDBACK_SHOWN = 10
# The guardians' feedback panel, on every page of a guardian's dashboard: compiled once per shape.
_feedback_in_view = PreparedQuery(
    AnswerSheet,
    lambda student_ids, **reach: (
        AnswerSheet.objects.filter(
            pk__in=policy.scope_query("view", AnswerSheet.objects.filter(student_id__in=student_ids), **reach).values(
                "pk"
            ),
            feedback_at__isnull=False,
        )
        .select_related("assignment__lesson", "student")
        .order_by("-feedback_at", "-pk")[:GUARDIAN_FEEDBACK_SHOWN]
    ),
)


def guardian_feedback(actor: Actor) -> list[AnswerSheet]:
    """The latest teacher feedback on a guardian's children's work, across schools (one query, compiled once)."""
    reach = policy.scope_values(actor, "view", AnswerSheet)
    if reach is None or not actor.children_ids:
        return []
    return _feedback_in_view.all(student_ids=list(actor.children_ids), **reach)
