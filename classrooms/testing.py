"""The classrooms plug-in's objects in the shared permission-matrix world (and a base for its own tests)."""

from __future__ import annotations

import base64
import datetime
import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from PIL import Image

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
