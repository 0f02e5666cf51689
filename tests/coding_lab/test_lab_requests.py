"""The lab over HTTP: saving and its refusals, versions, locked courses, the teacher's grid, exports, showcase."""

from __future__ import annotations

import csv
import io
import json

from django.test import override_settings
from django.urls import reverse

from coding_lab.models import Challenge, Course, CourseChallenge, Project, ProjectVersion
from coding_lab.services import project_open
from coding_lab.testing import dumps, fwd, program, turn

SOLVES = program([fwd(), fwd()])
FAILS = program([fwd()])


def test_the_server_decides_the_result_whatever_the_tablet_claims(save, lab):
    response = save("student", FAILS, result="solved", solved=True)
    assert response.status_code == 200
    assert response.json()["result"] == "failed"
    lab.project.refresh_from_db()
    assert lab.project.result == "failed" and lab.project.solved_at is None


@override_settings(CODING_LAB_MIN_SAVE_SECONDS=0)
def test_a_solving_program_is_recorded_with_a_version(save, lab):
    assert save("student", FAILS).json()["revision"] == 1
    answer = save("student", SOLVES).json()
    assert (answer["result"], answer["solved"], answer["blocks"]) == ("solved", True, 2)
    assert list(lab.project.versions.values_list("revision", "result")) == [(2, "solved"), (1, "failed")]


def test_a_child_cannot_save_into_another_childs_project(save, lab, world):
    theirs = project_open(student=world.classmate, challenge=lab.challenge)
    response = save("student", SOLVES, project=theirs)
    assert response.status_code == 404
    assert "error" in response.json()
    theirs.refresh_from_db()
    assert theirs.source == "" and theirs.revision == 0


@override_settings(CODING_LAB_MIN_SAVE_SECONDS=60)  # two saves a second apart: a loaded machine took longer
def test_a_flood_of_autosaves_is_refused_and_the_last_good_program_kept(save, lab):
    assert save("student", FAILS).status_code == 200
    flooded = save("student", SOLVES)
    assert flooded.status_code == 409
    assert "saved in a moment" in flooded.json()["error"] or flooded.json()["error"]
    lab.project.refresh_from_db()
    assert json.loads(lab.project.source) == FAILS
    assert save("student", FAILS).status_code == 200  # the same program again: nothing to do, not a flood


@override_settings(CODING_LAB_MIN_SAVE_SECONDS=0)
def test_unreadable_programs_are_refused_and_the_last_good_one_stays(save, lab, client_as):
    assert save("student", SOLVES).status_code == 200
    client = client_as("student")
    deep, xml, unknown = (
        "[" * 10_000 + "]" * 10_000,
        "<xml><block type='x'/></xml>",
        '{"blocks": {"blocks": [{"type": "e"}]}}',
    )
    for bad in (deep, xml, unknown):
        response = save("student", bad, client=client)
        assert response.status_code == 409, bad[:20]
        assert response.json()["error"]
    url = reverse("coding_lab:save", args=[lab.project.pk])
    huge = client.post(url, json.dumps({"source": "x" * 2_000_000}), content_type="application/json")
    assert huge.status_code in (400, 413) and huge.json()["error"]
    for body in ("not json", json.dumps({"source": 5}), "[" * 100 + "]" * 100):
        assert client.post(url, body, content_type="application/json").status_code == 400
    lab.project.refresh_from_db()
    assert json.loads(lab.project.source) == SOLVES and lab.project.result == "solved"


def test_a_2000_block_program_is_saved_and_checked(save, lab):
    response = save("student", dumps(program([turn() for _ in range(1996)] + [fwd(), fwd()])))
    assert response.status_code == 200
    assert response.json()["blocks"] == 1998


@override_settings(CODING_LAB_MIN_SAVE_SECONDS=0)
def test_versions_list_and_restore_as_a_new_revision(save, lab, client_as):
    save("student", SOLVES)
    save("student", FAILS)
    client = client_as("student")
    listing = client.get(reverse("coding_lab:versions", args=[lab.project.pk])).json()["versions"]
    assert [v["revision"] for v in listing] == [2, 1]
    restored = client.post(listing[1]["restore_url"], HTTP_ACCEPT="application/json").json()
    assert (restored["revision"], restored["result"]) == (3, "solved")
    assert json.loads(restored["source"]) == SOLVES
    assert ProjectVersion.objects.filter(project=lab.project).count() == 3
    assert client.post(reverse("coding_lab:restore", args=[lab.project.pk, 99])).status_code == 409


def test_a_locked_course_opens_the_next_challenge_once_the_one_before_is_solved(save, lab, client_as, world):
    second = Challenge.objects.create(school=world.school, title="Next", stage_type="maze", maze="#S.G#")
    CourseChallenge.objects.create(course=lab.course, challenge=second, sort_order=1)
    Course.objects.filter(pk=lab.course.pk).update(is_locked=True)
    client = client_as("student")
    assert client.get(reverse("coding_lab:challenge", args=[second.pk])).status_code == 403
    page = client.get(reverse("coding_lab:course", args=[lab.course.pk])).content.decode()
    assert "Next" in page and reverse("coding_lab:challenge", args=[second.pk]) not in page
    save("student", SOLVES, client=client)
    assert client.get(reverse("coding_lab:challenge", args=[second.pk])).status_code == 200
    # the teacher is never locked out
    assert client_as("homeroom_teacher").get(reverse("coding_lab:challenge", args=[second.pk])).status_code == 200


def test_the_lab_page_carries_the_challenge_and_the_childs_last_program(save, lab, client_as):
    save("student", SOLVES)
    page = client_as("student").get(reverse("coding_lab:challenge", args=[lab.challenge.pk]))
    config = page.context["config"]
    assert json.loads(config["source"]) == SOLVES
    assert config["saveUrl"] == reverse("coding_lab:save", args=[lab.project.pk])
    assert page.context["script_mode"] == "hira"  # a 3rd-grade child reads hiragana blocks
    assert page.context["texts"]["blocks"]["start"] == "はじめ"
    kanji = client_as("student").get(reverse("coding_lab:challenge", args=[lab.challenge.pk]) + "?script=kanji")
    assert kanji.context["script_mode"] == "kanji"


def test_the_sandbox_keeps_one_project_per_child(client_as, world):
    client = client_as("student")
    assert client.get(reverse("coding_lab:sandbox")).status_code == 200
    assert client.get(reverse("coding_lab:sandbox")).status_code == 200
    assert Project.objects.filter(student=world.child, challenge=None).count() == 1
    assert client_as("homeroom_teacher").get(reverse("coding_lab:sandbox")).status_code == 403


def test_the_teachers_grid_shows_each_childs_result_and_exports_formula_safe(save, lab, client_as, world):
    save("student", SOLVES)
    world.classmate.family_name = "=HYPERLINK(1)"
    world.classmate.save()
    teacher = client_as("homeroom_teacher")
    grid = teacher.get(reverse("coding_lab:class_grid", args=[world.class_group.pk, lab.course.pk]))
    assert grid.status_code == 200
    rows = {row.student.pk: row for row in grid.context["grid"].rows}
    assert rows[world.child.pk].solved == 1 and rows[world.classmate.pk].solved == 0
    export = teacher.get(reverse("coding_lab:class_export", args=[world.class_group.pk, lab.course.pk, "csv"]))
    table = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert table[0][1] == "Two steps"
    assert any(row[0].startswith("'=HYPERLINK") for row in table[1:])
    xlsx = teacher.get(reverse("coding_lab:class_export", args=[world.class_group.pk, lab.course.pk, "xlsx"]))
    assert xlsx.content[:2] == b"PK"


def test_show_to_the_class_lets_classmates_see_that_one_solution_only(save, lab, client_as, world):
    save("student", SOLVES)
    teacher = client_as("homeroom_teacher")
    response = teacher.post(
        reverse("coding_lab:showcase_set", args=[world.class_group.pk, lab.project.pk]), {"course": lab.course.pk}
    )
    assert response.status_code == 302
    classmate = client_as("classmate")
    page = classmate.get(reverse("coding_lab:challenge", args=[lab.challenge.pk]))
    shown = page.context["showcases"][0]
    view = classmate.get(reverse("coding_lab:showcase", args=[shown.pk]))
    assert view.status_code == 200 and view.context["config"]["readOnly"] is True
    assert "山田" not in view.content.decode()  # the class sees the program, not who wrote it
    assert classmate.get(reverse("coding_lab:project", args=[lab.project.pk])).status_code == 404


def test_what_a_screen_reader_says_in_the_lab_follows_the_childs_script(lab, client_as):
    """Blockly's own Japanese for the program area and a block being moved reads wrongly in the lab; the page gives
    Blockly the lab's words, in hiragana for a young child, kanji on request, and the keys to use."""
    url = reverse("coding_lab:challenge", args=[lab.challenge.pk])
    hira = client_as("student").get(url).context["texts"]["blockly"]
    assert hira["WORKSPACE_LABEL_PLAIN"] == "プログラムを つくる ばしょ"
    assert hira["ANNOUNCE_MOVE_AFTER"] == "%1 いどうさき：%2 の あと"
    kanji = client_as("student").get(url + "?script=kanji")
    assert kanji.context["texts"]["blockly"]["WORKSPACE_LABEL_PLAIN"] == "プログラムを作る場所"
    assert kanji.context["texts"]["blockly"]["ANNOUNCE_MOVE_AFTER"] == "%1 移動先：%2 の後"
    assert "キーボードで使う" in kanji.content.decode()
