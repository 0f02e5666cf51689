"""The classrooms plug-in's objects in the shared permission-matrix world (and a base for its own tests)."""

from __future__ import annotations

import base64
import datetime
import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from PIL import Image

from school_portal.core import services as core_services
from school_portal.core.models import Enrollment, Student, User

from . import lesson_builder as lb
from . import services
from .models import AnswerSheet, Assignment, LessonLibraryPage, LessonPage, Subject, UnitPage

Q_CHOICE = "11111111-1111-4111-8111-111111111111"
Q_NUMBER = "22222222-2222-4222-8222-222222222222"
Q_SHORT = "33333333-3333-4333-8333-333333333333"
Q_ORDER = "44444444-4444-4444-8444-444444444444"
Q_DRAW = "55555555-5555-4555-8555-555555555555"


def png_data_url(width: int = 40, height: int = 30) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def sample_body() -> list[dict]:
    return [
        lb.text("<p>九九《くく》の三《さん》の段《だん》をおぼえよう。</p>"),
        lb.activity("やってみよう", ["おはじきを３こずつ ならべる", "なんこ あるか かぞえる"]),
        lb.worksheet(
            "れんしゅう",
            [
                lb.choice("３×４は？", ["7", "12", "34"], correct=2, block_id=Q_CHOICE),
                lb.number("３×６は？", "18", unit="こ", block_id=Q_NUMBER),
                lb.short_answer("「かけ算」の読《よ》み方《かた》は？", ["かけざん"], block_id=Q_SHORT),
                lb.ordering("小さいじゅんに ならべよう", ["３×１", "３×２", "３×３"], block_id=Q_ORDER),
                lb.drawing("３×２を 絵《え》で かこう", block_id=Q_DRAW),
            ],
            instructions="こたえを えらんだり かいたり しよう。",
        ),
    ]


@dataclass
class ClassroomWorld:
    unit: UnitPage
    lesson: LessonPage
    assignment: Assignment
    sheet: AnswerSheet
    library_lesson: LessonPage
    library: LessonLibraryPage


def classroom_world(world: Any) -> ClassroomWorld:
    """A lesson of the world's school, assigned to the child's class, the child's sheet with a drawing; and a
    lesson of the shared library. Built once per world."""
    cached = world.extra.get("classrooms")
    if cached is not None and _still_there(cached):
        return cached
    unit = lb.unit_ensure(
        school=world.school,
        subject=Subject.MATHS,
        grade=3,
        course_title="算数 3年",
        unit_title="かけ算",
        unit_slug="kakezan",
        term=1,
        revision=False,
    )
    lesson = lb.lesson_ensure(
        parent=unit,
        slug="san-no-dan",
        title="3のだん",
        subject=Subject.MATHS,
        grade=3,
        body=sample_body(),
        revision=False,
    )
    now = timezone.now()
    assignment = services.assignment_create(
        lesson=lesson,
        class_groups=[world.class_group],
        opens_at=now - datetime.timedelta(hours=1),
        due_at=now + datetime.timedelta(days=1),
        by=world.users["homeroom_teacher"],
    )
    sheet = services.sheet_for(assignment=assignment, student_id=world.child.pk)
    services.answers_save(
        sheet=sheet,
        answers={Q_CHOICE: 1},
        drawings={Q_DRAW: base64.b64decode(png_data_url().split(",", 1)[1])},
    )
    library = lb.library_ensure()
    library_lesson = lb.lesson_ensure(
        parent=library,
        slug="furiko",
        title="ふりこのきまり",
        subject=Subject.SCIENCE,
        grade=5,
        body=sample_body(),
        revision=False,
    )
    built = ClassroomWorld(unit, lesson, assignment, sheet, library_lesson, library)
    world.extra["classrooms"] = built
    return built


def _still_there(built: ClassroomWorld) -> bool:
    """The matrix shares one world per module and rolls each test back: rebuild when our rows are gone."""
    return (
        AnswerSheet.objects.filter(
            pk=built.sheet.pk,
            assignment_id=built.assignment.pk,
            assignment__lesson_id=built.lesson.pk,
            assignment__lesson__slug=built.lesson.slug,
        ).exists()
        and LessonPage.objects.filter(pk=built.library_lesson.pk, slug=built.library_lesson.slug).exists()
    )


@dataclass
class TwoClassWorld:
    """One assignment given to both 3-1 (the world's class) and 3-2 (``world.other_class``), and a child of 3-2
    with a sheet on it."""

    assignment: Assignment
    other_child: Student
    other_sheet: AnswerSheet


def two_class_world(world: Any) -> TwoClassWorld:
    base = classroom_world(world)
    cached = world.extra.get("classrooms_two_classes")
    if (
        cached is not None
        and AnswerSheet.objects.filter(pk=cached.other_sheet.pk, assignment_id=cached.assignment.pk).exists()
        and Student.objects.filter(pk=cached.other_child.pk, is_active=True).exists()
    ):
        return cached
    other_child = Student.objects.filter(school=world.school, sourced_id="m-other-class-child").first()
    if other_child is None:
        user = User.objects.create_user(username=core_services.student_username("m-other-class-child"))
        other_child = Student.objects.create(
            user=user, school=world.school, sourced_id="m-other-class-child", family_name="鈴木", given_name="次郎"
        )
    other_child.is_active = True
    other_child.save(update_fields=["is_active"])
    Enrollment.objects.get_or_create(student=other_child, class_group=world.other_class, defaults={"number": 1})
    now = timezone.now()
    assignment = services.assignment_create(
        lesson=base.lesson,
        class_groups=[world.class_group, world.other_class],
        opens_at=now - datetime.timedelta(hours=1),
        due_at=now + datetime.timedelta(days=1),
        by=world.users["school_admin"],
    )
    sheet = services.sheet_for(assignment=assignment, student_id=other_child.pk)
    services.answers_save(
        sheet=sheet,
        answers={Q_CHOICE: 0},
        drawings={Q_DRAW: base64.b64decode(png_data_url().split(",", 1)[1])},
    )
    services.sheet_submit(sheet=sheet)
    built = TwoClassWorld(assignment, other_child, AnswerSheet.objects.get(pk=sheet.pk))
    world.extra["classrooms_two_classes"] = built
    return built
