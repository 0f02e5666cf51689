"""The teacher's review: the grid of students x questions, feedback the child sees, progress and exports."""

from __future__ import annotations

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from classrooms import lesson_builder as lb
from classrooms import services, worksheets
from classrooms.models import AnswerSheet
from classrooms.testing import Q_CHOICE, Q_DRAW, Q_NUMBER, two_class_world
from school_portal.core.services import PortalError

pytestmark = pytest.mark.django_db


def test_the_grid_shows_every_student_and_every_question(client_as, cw, world):
    html = client_as("homeroom_teacher").get(reverse("classrooms:review", args=[cw.assignment.pk])).content.decode()
    assert world.child.full_name in html and world.classmate.full_name in html
    assert html.count('<th scope="col" title=') == 5  # one column per question
    assert reverse("classrooms:drawing", args=[cw.sheet.pk, Q_DRAW]) in html  # the handwriting, inline


def test_each_cell_shows_the_mark_and_when_the_answer_arrived_in_tokyo_time(autosave, client_as, cw, world):
    autosave("student", {"answers": {Q_NUMBER: "17"}})  # 3 x 6 is 18: wrong
    answers = {a.question_id: a for a in cw.sheet.answers.all()}

    def arrived(question_id: str) -> str:
        return timezone.localtime(answers[question_id].received_at, ZoneInfo("Asia/Tokyo")).strftime("%H:%M")

    html = client_as("homeroom_teacher").get(reverse("classrooms:review", args=[cw.assignment.pk])).content.decode()
    child_row = html.split(world.child.full_name)[1].split("</tr>")[0]
    assert (
        f'<td class="cell cell--ok"><span aria-label="正解">○</span><span class="cell__time">{arrived(Q_CHOICE)}'
        in (child_row)
    )
    assert (
        f'<td class="cell cell--no"><span aria-label="不正解">×</span><span class="cell__time">{arrived(Q_NUMBER)}'
        in (child_row)
    )


def test_feedback_with_a_stamp_reaches_the_childs_tablet(client_as, cw, world):
    services.sheet_submit(sheet=cw.sheet)
    response = client_as("homeroom_teacher").post(
        reverse("classrooms:sheet_review", args=[cw.sheet.pk]),
        {"feedback": "絵が とても わかりやすいね", "stamp": "great", f"points-{Q_DRAW}": "2"},
    )
    assert response.status_code == 302
    sheet = AnswerSheet.objects.get(pk=cw.sheet.pk)
    assert sheet.status == AnswerSheet.Status.REVIEWED and sheet.score == 3  # the world's choice (1) + drawing (2)
    html = client_as("student").get(reverse("classrooms:sheet", args=[sheet.pk])).content.decode()
    assert "絵が とても わかりやすいね" in html and 'class="stamp stamp--great"' in html


def test_a_sheet_returned_for_revision_opens_again_for_the_child(client_as, cw):
    services.sheet_submit(sheet=cw.sheet)
    client_as("homeroom_teacher").post(
        reverse("classrooms:sheet_review", args=[cw.sheet.pk]),
        {"feedback": "３ばんを 見なおそう", "stamp": "try", "return_for_revision": "on"},
    )
    html = client_as("student").get(reverse("classrooms:work", args=[cw.assignment.pk])).content.decode()
    assert "３ばんを 見なおそう" in html
    assert f'name="q-{Q_NUMBER}"' in html and "disabled" not in html.split(f'id="q-{Q_NUMBER}"')[1].split(">")[0]


def test_marks_above_the_questions_points_are_refused(client_as, cw):
    services.sheet_submit(sheet=cw.sheet)
    response = client_as("homeroom_teacher").post(
        reverse("classrooms:sheet_review", args=[cw.sheet.pk]), {"feedback": "", f"points-{Q_CHOICE}": "50"}
    )
    assert response.status_code == 200
    assert AnswerSheet.objects.get(pk=cw.sheet.pk).feedback_at is None


def test_the_grid_as_csv_has_one_line_per_student(client_as, cw, world):
    response = client_as("homeroom_teacher").get(reverse("classrooms:review_export", args=[cw.assignment.pk, "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 2  # header, the child and the classmate
    child_row = next(r for r in rows if world.child.full_name in r)
    assert "12" in child_row  # the choice the child made, by its text


def test_the_grid_as_excel_opens_in_openpyxl(client_as, cw, world):
    response = client_as("homeroom_teacher").get(reverse("classrooms:review_export", args=[cw.assignment.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert world.child.full_name in names


def test_a_formula_typed_by_a_child_is_exported_as_text(autosave, client_as, cw):
    from classrooms.testing import Q_SHORT

    autosave("student", {"answers": {Q_SHORT: '=HYPERLINK("http://x")'}})
    response = client_as("homeroom_teacher").get(reverse("classrooms:review_export", args=[cw.assignment.pk, "csv"]))
    assert "'=HYPERLINK" in response.content.decode("utf-8-sig")


def test_progress_of_a_class_over_a_unit(client_as, cw, world):
    services.sheet_submit(sheet=cw.sheet)
    client = client_as("homeroom_teacher")
    html = client.get(reverse("classrooms:class_progress", args=[world.class_group.pk])).content.decode()
    assert cw.lesson.title in html and "1/6" in html
    response = client.get(
        reverse("classrooms:class_progress", args=[world.class_group.pk]), {"unit": cw.unit.pk, "format": "xlsx"}
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][2] == cw.lesson.title
    assert any(r[1] == world.child.full_name and r[2] == "1/6" for r in rows[1:])


def test_a_formula_in_a_lesson_title_is_exported_as_text(client_as, cw, world):
    cw.lesson.title = '=HYPERLINK("http://x","3のだん")'
    cw.lesson.save()
    response = client_as("homeroom_teacher").get(
        reverse("classrooms:class_progress", args=[world.class_group.pk]), {"unit": cw.unit.pk, "format": "csv"}
    )
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[2] == '\'=HYPERLINK("http://x","3のだん")'


def test_feedback_on_work_not_yet_handed_in_is_refused_and_changes_nothing(client_as, cw):
    response = client_as("homeroom_teacher").post(
        reverse("classrooms:sheet_review", args=[cw.sheet.pk]), {"feedback": "よくできました", "stamp": "great"}
    )
    assert response.status_code == 200
    assert "まだ提出されていません" in response.content.decode()  # the teacher reads it in Japanese
    sheet = AnswerSheet.objects.get(pk=cw.sheet.pk)
    assert sheet.status == AnswerSheet.Status.IN_PROGRESS
    assert sheet.feedback == "" and sheet.stamp == "" and sheet.feedback_at is None


def test_work_not_yet_handed_in_may_still_be_returned_for_revision(client_as, cw):
    response = client_as("homeroom_teacher").post(
        reverse("classrooms:sheet_review", args=[cw.sheet.pk]),
        {"feedback": "もう一ど 考えてみよう", "stamp": "try", "return_for_revision": "on"},
    )
    assert response.status_code == 302
    sheet = AnswerSheet.objects.get(pk=cw.sheet.pk)
    assert sheet.status == AnswerSheet.Status.RETURNED and sheet.feedback == "もう一ど 考えてみよう"


def _csv_names(response) -> list[str]:
    return [row[1] for row in list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]]


def test_an_assignment_for_two_classes_shows_each_teacher_only_their_own_classs_children(client_as, world):
    two = two_class_world(world)
    grid_url = reverse("classrooms:review", args=[two.assignment.pk])
    csv_url = reverse("classrooms:review_export", args=[two.assignment.pk, "csv"])
    xlsx_url = reverse("classrooms:review_export", args=[two.assignment.pk, "xlsx"])
    homeroom = client_as("homeroom_teacher")
    html = homeroom.get(grid_url).content.decode()
    assert world.child.full_name in html and two.other_child.full_name not in html
    assert reverse("classrooms:sheet_review", args=[two.other_sheet.pk]) not in html
    assert _csv_names(homeroom.get(csv_url)) == [world.child.full_name, world.classmate.full_name]
    workbook = load_workbook(io.BytesIO(homeroom.get(xlsx_url).content)).active
    assert two.other_child.full_name not in [r[1] for r in workbook.iter_rows(min_row=2, values_only=True)]
    assert homeroom.get(reverse("classrooms:sheet", args=[two.other_sheet.pk])).status_code == 404
    assert _csv_names(client_as("other_teacher").get(csv_url)) == [two.other_child.full_name]
    assert set(_csv_names(client_as("school_admin").get(csv_url))) == {
        world.child.full_name,
        world.classmate.full_name,
        two.other_child.full_name,
    }


def test_the_teacher_of_another_class_cannot_mark_a_childs_sheet(client_as, world):
    two = two_class_world(world)
    response = client_as("homeroom_teacher").post(
        reverse("classrooms:sheet_review", args=[two.other_sheet.pk]), {"feedback": "みたよ", "stamp": "great"}
    )
    assert response.status_code == 404
    assert AnswerSheet.objects.get(pk=two.other_sheet.pk).feedback_at is None
    with pytest.raises(PortalError):
        services.sheet_feedback(sheet=two.other_sheet, by=world.users["homeroom_teacher"], feedback="みたよ")


def test_a_child_who_has_left_is_not_in_the_grid_the_exports_or_the_progress(client_as, cw, world):
    world.classmate.is_active = False
    world.classmate.save(update_fields=["is_active"])
    client = client_as("homeroom_teacher")
    html = client.get(reverse("classrooms:review", args=[cw.assignment.pk])).content.decode()
    assert world.child.full_name in html and world.classmate.full_name not in html
    csv_url = reverse("classrooms:review_export", args=[cw.assignment.pk, "csv"])
    assert _csv_names(client.get(csv_url)) == [world.child.full_name]
    progress = client.get(
        reverse("classrooms:class_progress", args=[world.class_group.pk]), {"unit": cw.unit.pk, "format": "csv"}
    )
    assert _csv_names(progress) == [world.child.full_name]


def _sheet_page(client, sheet) -> str:
    return client.get(reverse("classrooms:sheet", args=[sheet.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_a_worksheets_marks_reach_the_child_once_the_teacher_has_checked_it(client_as, cw):
    child, guardian, teacher = client_as("student"), client_as("guardian"), client_as("homeroom_teacher")
    child.post(reverse("classrooms:submit", args=[cw.assignment.pk]))
    for reader in (child, guardian):
        page = _sheet_page(reader, cw.sheet)
        assert "Your teacher will check your answers" in page
        assert "Correct" not in page and "out of" not in page  # the teacher may still change a mark
    teachers_view = _sheet_page(teacher, cw.sheet)
    assert "Correct" in teachers_view and "out of" in teachers_view
    teacher.post(reverse("classrooms:sheet_review", args=[cw.sheet.pk]), {"feedback": "よくできました", "stamp": ""})
    for reader in (child, guardian):
        page = _sheet_page(reader, cw.sheet)
        assert "Correct" in page and "out of" in page
        assert "will check your answers" not in page


def test_a_quiz_shows_its_marks_as_soon_as_it_is_handed_in(autosave, client_as, cw, world):
    quiz = lb.lesson_ensure(
        parent=cw.unit,
        slug="quiz",
        title="小テスト",
        subject="maths",
        grade=3,
        body=[lb.worksheet("小テスト", [lb.number("２×３は？", "6")], quiz=True)],
        revision=False,
    )
    now = timezone.now()
    assignment = services.assignment_create(
        lesson=quiz,
        class_groups=[world.class_group],
        opens_at=now,
        due_at=now + datetime.timedelta(days=1),
        by=world.users["homeroom_teacher"],
    )
    (question_id,) = [q.id for q in worksheets.lesson_questions(quiz)]
    assert autosave("student", {"answers": {question_id: "6"}}, assignment=assignment).status_code == 200
    child = client_as("student")
    child.post(reverse("classrooms:submit", args=[assignment.pk]))
    sheet = AnswerSheet.objects.get(assignment=assignment, student=world.child)
    page = _sheet_page(child, sheet)
    assert "Correct" in page and "1 out of 1" in page
    assert "will check your answers" not in page
