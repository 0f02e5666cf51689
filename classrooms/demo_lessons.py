"""Real-looking lessons for the demo city: one per demo class, assigned, with some answers and feedback."""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from django.contrib.auth.models import Group
from django.utils import timezone

from school_portal.core.models import ClassGroup, Enrollment, School

from . import lesson_builder as lb
from . import services
from .models import AnswerSheet, Assignment, LessonPage, Subject, Term
from .testing import png_data_url

if TYPE_CHECKING:
    from school_portal.core.seeding import DemoCity


@dataclass(frozen=True)
class DemoLesson:
    subject: str
    grade: int
    course: str
    unit: str
    unit_slug: str
    term: int
    slug: str
    title: str
    summary: str
    body: Any  # a callable returning the raw StreamField JSON


def _kakezan() -> list[dict]:
    return [
        lb.text(
            "<p>おなじ 数《かず》ずつの ものが いくつか あるとき、"
            "ぜんぶの 数《かず》は <b>かけ算《ざん》</b> で もとめられます。</p>"
            "<p>３こずつ ４さら ぶんの りんごは ３×４＝１２ で １２こ です。</p>"
        ),
        lb.activity(
            "おはじきで たしかめよう",
            [
                "おはじきを ３こずつ ４つの さらに のせる",
                "ぜんぶで なんこ あるか かぞえる",
                "３×４ の こたえと くらべる",
            ],
        ),
        lb.worksheet(
            "れんしゅうもんだい",
            [
                lb.choice("３×４ は いくつ？", ["７", "１２", "３４"], correct=2),
                lb.number("１さらに ３こずつ、６さら ぶんでは ぜんぶで なんこ？", "18", unit="こ"),
                lb.ordering("こたえが 小《ちい》さい じゅんに ならべよう", ["３×２", "３×５", "３×８"]),
                lb.drawing("３×２ に なる 絵《え》を かこう", points=2),
            ],
            instructions="えらぶ・ボタンで 数《かず》を いれる・ゆびで かく で こたえよう。",
        ),
    ]


def _furiko() -> list[dict]:
    return [
        lb.text(
            "<p>ふりこが １往復《おうふく》する 時間《じかん》は、"
            "何《なに》によって かわるのでしょうか。</p>"
            "<p>おもりの 重《おも》さ、ふれはば、ふりこの 長《なが》さ を "
            "一《ひと》つずつ かえて 調《しら》べます。</p>"
        ),
        lb.activity(
            "実験《じっけん》の すすめかた",
            [
                "ふりこの 長《なが》さを 50cm に して、10往復《おうふく》の 時間《じかん》を はかる",
                "長《なが》さだけを 25cm に かえて、もう一度《いちど》 はかる",
                "結果《けっか》を 表《ひょう》に まとめる",
            ],
        ),
        lb.worksheet(
            "まとめの クイズ",
            [
                lb.choice(
                    "ふりこの １往復《おうふく》する 時間《じかん》を かえるのは どれ？",
                    ["おもりの 重《おも》さ", "ふれはば", "ふりこの 長《なが》さ"],
                    correct=3,
                ),
                lb.number(
                    "10往復《おうふく》で 14.2秒《びょう》でした。１往復《おうふく》は 何《なん》秒《びょう》？",
                    "1.42",
                    unit="秒",
                ),
                lb.short_answer(
                    "調《しら》べたい こと 以外《いがい》の 条件《じょうけん》を "
                    "同《おな》じに する ことを 何《なん》と いう？",
                    ["じょうけんをそろえる", "条件をそろえる", "条件を揃える"],
                ),
            ],
            quiz=True,
        ),
    ]


def _seisu() -> list[dict]:
    return [
        lb.text("<p>0より小さい数を <b>負の数</b> といい、−（マイナス）をつけて表します。</p>"),
        lb.worksheet(
            "確認問題",
            [
                lb.number("−3 + 5 は？", "2"),
                lb.number("−4 − 6 は？", "-10"),
                lb.ordering("小さい順にならべよう", ["−5", "−1", "0", "3"]),
                lb.choice("絶対値がいちばん大きいのは？", ["−7", "5", "−2"], correct=1),
            ],
            quiz=True,
        ),
    ]


def _english() -> list[dict]:
    return [
        lb.text("<p>Let's talk about what we like. <b>I like ~.</b> / <b>Do you like ~?</b></p>"),
        lb.worksheet(
            "Check",
            [
                lb.choice(
                    "「わたしは ねこが すきです」は？", ["I like cats.", "I am cats.", "I have cats."], correct=1
                ),
                lb.short_answer("Do you like dogs? — Yes, I ( ).", ["do"]),
                lb.drawing("Draw your favourite food and write its name.", points=2),
            ],
        ),
    ]


LESSONS = {
    3: DemoLesson(
        Subject.MATHS,
        3,
        "算数 3年",
        "かけ算",
        "kakezan",
        Term.FIRST,
        "san-no-dan",
        "かけ算 ３のだん",
        "おはじきを つかって ３のだんの かけ算を たしかめよう。",
        _kakezan,
    ),
    5: DemoLesson(
        Subject.SCIENCE,
        5,
        "理科 5年",
        "ふりこのきまり",
        "furiko",
        Term.SECOND,
        "furiko-no-nagasa",
        "ふりこの 長さと 1往復の 時間",
        "ふりこの 長さを かえて 1往復の 時間を はかろう。",
        _furiko,
    ),
    1: DemoLesson(
        Subject.MATHS,
        1,
        "数学 1年",
        "正の数・負の数",
        "seifu",
        Term.FIRST,
        "fu-no-kazu",
        "負の数の たし算・ひき算",
        "数直線で 負の数の 計算を 確かめる。",
        _seisu,
    ),
    2: DemoLesson(
        Subject.ENGLISH,
        2,
        "英語 2年",
        "好きなもの",
        "likes",
        Term.FIRST,
        "i-like",
        "I like ~. で 好きなものを伝えよう",
        "自分の好きなものを英語で伝える。",
        _english,
    ),
}


def _lesson_for(school: School, spec: DemoLesson) -> LessonPage:
    unit = lb.unit_ensure(
        school=school,
        subject=spec.subject,
        grade=spec.grade,
        course_title=spec.course,
        unit_title=spec.unit,
        unit_slug=spec.unit_slug,
        term=spec.term,
    )
    return lb.lesson_ensure(
        parent=unit,
        slug=spec.slug,
        title=spec.title,
        subject=spec.subject,
        grade=spec.grade,
        term=spec.term,
        summary=spec.summary,
        body=spec.body(),
    )


def _sample_answers(lesson: LessonPage, n: int) -> tuple[dict, dict]:
    """Answers a child might give: the first children right, the last ones with a slip."""
    from .worksheets import lesson_questions

    answers, drawings = {}, {}
    for q in lesson_questions(lesson):
        right = (n + q.number) % 4 != 0
        if q.kind == "choice":
            answers[q.id] = q.correct if right else (q.correct + 1) % len(q.choices)
        elif q.kind == "number":
            answers[q.id] = q.correct if right else "12"
        elif q.kind == "ordering":
            answers[q.id] = q.correct if right else list(reversed(q.correct))
        elif q.kind == "short_answer":
            answers[q.id] = q.accepted[0] if right and q.accepted else "わからない"
        elif q.kind == "drawing":
            drawings[q.id] = base64.b64decode(png_data_url(200, 120).split(",", 1)[1])
    return answers, drawings


def _assign(class_group: ClassGroup, lesson: LessonPage, teacher: Any) -> Assignment:
    existing = Assignment.objects.filter(lesson=lesson, class_groups=class_group).first()
    if existing is not None:
        return existing
    now = timezone.localtime()
    opens = now.replace(hour=8, minute=0, second=0, microsecond=0) - datetime.timedelta(days=1)
    due = now.replace(hour=17, minute=0, second=0, microsecond=0) + datetime.timedelta(days=2)
    return services.assignment_create(lesson=lesson, class_groups=[class_group], opens_at=opens, due_at=due, by=teacher)


def seed_lessons(demo: DemoCity, out: TextIO | None = None) -> None:
    library = lb.library_ensure()
    centre = demo.users.get("centre-staff")
    if centre is not None:
        centre.groups.add(Group.objects.get(name=lb.LIBRARY_EDITORS))
    for spec in (LESSONS[3], LESSONS[5]):
        lb.lesson_ensure(
            parent=library,
            slug=f"library-{spec.slug}",
            title=spec.title,
            subject=spec.subject,
            grade=spec.grade,
            term=spec.term,
            summary=spec.summary,
            body=spec.body(),
        )
    for class_group in demo.classes:
        spec = LESSONS.get(class_group.grade)
        teacher = demo.users.get(f"teacher-{class_group.school.slug}-{class_group.grade}")
        if spec is None or teacher is None:
            continue
        lesson = _lesson_for(class_group.school, spec)
        assignment = _assign(class_group, lesson, teacher)
        if AnswerSheet.objects.filter(assignment=assignment).exists():
            continue
        enrollments = Enrollment.objects.filter(class_group=class_group).order_by("number")[:4]
        for n, enrollment in enumerate(enrollments):
            sheet = services.sheet_for(assignment=assignment, student_id=enrollment.student_id)
            answers, drawings = _sample_answers(lesson, n)
            if n == 3:  # one child has started but not answered everything
                answers = dict(list(answers.items())[:1])
                drawings = {}
            services.answers_save(sheet=sheet, answers=answers, drawings=drawings)
            if n < 3:
                sheet = services.sheet_submit(sheet=sheet)
            if n == 0:
                services.sheet_feedback(
                    sheet=sheet, by=teacher, feedback="よくできました！ 絵も わかりやすいです。", stamp="great"
                )
            elif n == 1:
                services.sheet_feedback(
                    sheet=sheet,
                    by=teacher,
                    feedback="もう一度 ３つめの もんだいを 見なおしてみよう。",
                    stamp="try",
                    return_for_revision=True,
                )
    if out is not None:
        out.write("  classrooms: lessons, assignments, answers and feedback for each demo class\n")
