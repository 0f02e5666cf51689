"""Roster import: school CSV (UTF-8, UTF-8 with BOM, CP932), Excel and OneRoster bundles, all or nothing.

Fixture files are written by the tests themselves, in memory.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from school_portal.core.models import (
    ClassGroup,
    Enrollment,
    Job,
    Role,
    RoleAssignment,
    RosterImport,
    Student,
    Teaching,
    User,
)
from school_portal.core.roster.services import progress_key, roster_import_run
from school_portal.core.testing.world import World

HEADER = ["student_id", "family_name", "given_name", "family_name_kana", "given_name_kana", "grade", "class", "number"]
ROWS = [
    ["r-1001", "髙橋", "結衣", "たかはし", "ゆい", "4", "1", "1"],
    ["r-1002", "渡邊", "陽翔", "わたなべ", "はると", "4", "2", "7"],
]


def csv_bytes(rows: list[list[str]], *, header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], *, header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def english_speaking(user: User) -> User:
    """Reports are written in the uploader's language; these tests read them in English."""
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    return user


def run(world: World, kind: str, name: str, data: bytes, *, school="world") -> RosterImport:
    english_speaking(world.users["school_admin"])
    roster_import = RosterImport(
        school=world.school if school == "world" else school,
        uploaded_by=world.users["school_admin"],
        kind=kind,
        file_name=name,
    )
    roster_import.file.save(name, ContentFile(data), save=False)
    roster_import.save()
    return roster_import_run(roster_import=roster_import)


def people_snapshot() -> list[tuple]:
    """Everything an import may write, to prove a rejected import left the database as it was."""
    return [
        sorted(Student.objects.values_list("sourced_id", "family_name", "given_name", "school_id", "is_active")),
        sorted(Enrollment.objects.values_list("student_id", "class_group_id", "number")),
        sorted(User.objects.values_list("username", "first_name", "last_name", "display_name")),
        sorted(ClassGroup.objects.values_list("school_id", "grade", "name", "sourced_id")),
        sorted(Teaching.objects.values_list("teacher_id", "class_group_id", "is_homeroom")),
        sorted(RoleAssignment.objects.values_list("user_id", "role", "school_id")),
    ]


def messages_of(roster_import: RosterImport) -> list[tuple]:
    return [(e["file"], e["line"], e["message"]) for e in roster_import.errors]


# --- the school CSV and Excel ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_a_school_csv_imports_japanese_names_correctly_in_each_accepted_encoding(world, encoding):
    result = run(world, "csv", "meibo.csv", csv_bytes(ROWS, encoding=encoding))

    assert result.status == RosterImport.Status.DONE, result.errors
    assert (result.created_count, result.updated_count, result.unchanged_count) == (2, 0, 0)
    assert (result.processed_rows, result.total_rows, result.percent) == (2, 2, 100)
    yui = Student.objects.get(sourced_id="r-1001")
    assert (yui.family_name, yui.given_name, yui.family_name_kana, yui.given_name_kana) == (
        "髙橋",
        "結衣",
        "たかはし",
        "ゆい",
    )
    assert yui.school == world.school
    enrollment = Enrollment.objects.get(student__sourced_id="r-1002")
    assert (enrollment.class_group.grade, enrollment.class_group.name, enrollment.number) == (4, "2", 7)
    assert enrollment.school_year == world.school_year
    assert yui.user.username == "s-r-1001" and not yui.user.has_usable_password()
    assert not result.file, "the uploaded roster (personal data) is deleted once read"


def test_japanese_column_names_and_a_3年2組_class_are_understood(world):
    header = ["学籍番号", "姓", "名", "学年", "組", "出席番号"]
    result = run(world, "csv", "meibo.csv", csv_bytes([["r-2001", "山本", "凛", "3年", "3年2組", "5"]], header=header))

    assert result.status == RosterImport.Status.DONE, result.errors
    enrollment = Enrollment.objects.get(student__sourced_id="r-2001")
    assert enrollment.class_group == world.other_class  # the world's 3年2組
    assert enrollment.number == 5


def test_an_excel_workbook_with_the_same_columns_imports(world):
    rows = [
        ["r-3001", "佐藤", "芽依", "さとう", "めい", 2, 1, 3],
        [3002, "中村", "蓮", "なかむら", "れん", 2.0, "1", None],
    ]
    result = run(world, "xlsx", "meibo.xlsx", xlsx_bytes(rows))

    assert result.status == RosterImport.Status.DONE, result.errors
    assert result.created_count == 2
    ren = Student.objects.get(sourced_id="3002")
    assert (ren.family_name, ren.given_name_kana) == ("中村", "れん")
    assert Enrollment.objects.get(student=ren).class_group.grade == 2


def test_importing_the_same_file_twice_changes_nothing_the_second_time(world):
    data = csv_bytes(ROWS)
    run(world, "csv", "meibo.csv", data)
    before = people_snapshot()

    again = run(world, "csv", "meibo.csv", data)

    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    assert people_snapshot() == before


def test_a_changed_name_or_class_is_an_update_of_the_same_student(world):
    run(world, "csv", "meibo.csv", csv_bytes(ROWS))
    changed = [ROWS[0], ["r-1002", "渡辺", "陽翔", "わたなべ", "はると", "4", "3", "7"]]

    result = run(world, "csv", "meibo.csv", csv_bytes(changed))

    assert (result.created_count, result.updated_count, result.unchanged_count) == (0, 1, 1)
    student = Student.objects.get(sourced_id="r-1002")
    assert student.family_name == "渡辺"
    assert [e.class_group.name for e in student.enrollments.all()] == ["3"]  # moved, not in two classes


# --- refused files: a clear reason with its line, and nothing changed ------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(csv_bytes(ROWS, encoding="utf-16"), id="utf-16"),
        pytest.param(csv_bytes(ROWS, encoding="utf-16-le"), id="utf-16-without-bom"),
        pytest.param(csv_bytes(ROWS, encoding="utf-8") + b"\xff\xfe\xfd", id="neither-utf8-nor-cp932"),
    ],
)
def test_a_csv_in_another_encoding_is_refused_with_a_clear_message(world, data):
    before = people_snapshot()

    result = run(world, "csv", "meibo.csv", data)

    assert result.status == RosterImport.Status.REJECTED
    [(file, _line, message)] = messages_of(result)
    assert file == "meibo.csv"
    assert "not saved as UTF-8 or Shift_JIS (CP932)" in message
    assert people_snapshot() == before


def test_missing_columns_are_named_with_their_japanese_names(world):
    header = ["student_id", "family_name", "given_name", "class"]
    result = run(world, "csv", "meibo.csv", csv_bytes([["r-1", "山田", "花子", "1"]], header=header))

    assert result.status == RosterImport.Status.REJECTED
    assert messages_of(result) == [("meibo.csv", 1, "Missing columns: 学年 (grade).")]


def test_each_bad_row_is_reported_with_its_line_and_no_good_row_is_written(world):
    rows = [
        ["r-5001", "山田", "太郎", "", "", "1", "1", "1"],  # line 2: good
        ["r-5002", "", "花子", "", "", "1", "1", "2"],  # line 3: empty family name
        ["r-5001", "山田", "次郎", "", "", "1", "1", "3"],  # line 4: duplicate of line 2
        ["r-5004", "鈴木", "一郎", "", "", "7", "1", "4"],  # line 5: no grade 7 in an elementary school
        ["r-5005", "鈴木", "二郎", "", "", "x", "1", "5"],  # line 6: grade not a number
        ["m-sibling", "山田", "一郎", "", "", "1", "1", "6"],  # line 7: a child of another school
        ["bad id!", "田中", "三郎", "", "", "1", "1", "7"],  # line 8: not a usable ID
    ]
    before = people_snapshot()

    result = run(world, "csv", "meibo.csv", csv_bytes(rows))

    assert result.status == RosterImport.Status.REJECTED
    errors = messages_of(result)
    lines = {line for _file, line, _message in errors}
    assert lines == {3, 4, 5, 6, 7, 8}
    text = {line: message for _file, line, message in errors}
    assert "family name and the given name must both be filled in" in text[3]
    assert "appears twice (also on line 2)" in text[4]
    assert "Grade 7 does not exist" in text[5]
    assert "is not a number" in text[6]
    assert "belongs to a student of うめ中学校" in text[7]
    assert "may use only letters, digits" in text[8]
    assert people_snapshot() == before
    assert not Student.objects.filter(sourced_id="r-5001").exists()


def test_a_file_with_too_many_rows_is_refused(world, settings):
    settings.ROSTER_MAX_ROWS = 3
    rows = [[f"r-{i}", "山田", "太郎", "", "", "1", "1", str(i)] for i in range(1, 6)]

    result = run(world, "csv", "meibo.csv", csv_bytes(rows))

    assert result.status == RosterImport.Status.REJECTED
    assert "more than 3 rows" in messages_of(result)[0][2]
    assert not Student.objects.filter(sourced_id="r-1").exists()


def test_a_damaged_excel_file_is_refused(world):
    result = run(world, "xlsx", "meibo.xlsx", b"PK\x03\x04 this is not a workbook")

    assert result.status == RosterImport.Status.REJECTED
    assert "not a valid" in messages_of(result)[0][2]


def test_an_excel_zip_bomb_is_refused_before_it_is_unpacked(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (70 * 1024 * 1024))

    result = run(world, "xlsx", "bomb.xlsx", out.getvalue())

    assert result.status == RosterImport.Status.REJECTED
    assert "unpacks to far more data than a roster holds" in messages_of(result)[0][2]


# --- OneRoster 1.2 ------------------------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def oneroster_files(world: World, year: int) -> dict[str, str]:
    code = world.school.code
    return {
        "manifest.csv": _csv(
            [
                ["propertyName", "value"],
                ["manifest.version", "1.0"],
                ["oneroster.version", "1.2"],
                *[[f"file.{n}", "bulk"] for n in ("academicSessions", "classes", "enrollments", "orgs", "users")],
            ]
        ),
        "orgs.csv": _csv(
            [
                ["sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId"],
                ["city-board", "", "", "マトリクス市教育委員会", "district", "", ""],
                [code, "", "", "さくら小学校", "school", "", "city-board"],
            ]
        ),
        "academicSessions.csv": _csv(
            [
                [
                    "sourcedId",
                    "status",
                    "dateLastModified",
                    "title",
                    "type",
                    "startDate",
                    "endDate",
                    "parentSourcedId",
                    "schoolYear",
                ],
                ["y1", "", "", f"{year}年度", "schoolYear", f"{year}-04-01", f"{year + 1}-03-31", "", str(year)],
            ]
        ),
        "classes.csv": _csv(
            [
                [
                    "sourcedId",
                    "status",
                    "dateLastModified",
                    "title",
                    "grades",
                    "courseSourcedId",
                    "classCode",
                    "classType",
                    "location",
                    "schoolSourcedId",
                    "termSourcedIds",
                ],
                ["c-3-2", "", "", "3年2組", "P3", "", "", "homeroom", "", code, "y1"],
                ["c-4-1", "", "", "4年1組", "P4", "", "", "homeroom", "", code, "y1"],
                ["c-math", "", "", "算数", "P3", "", "", "scheduled", "", code, "y1"],
            ]
        ),
        "users.csv": _csv(
            [
                [
                    "sourcedId",
                    "status",
                    "dateLastModified",
                    "enabledUser",
                    "username",
                    "givenName",
                    "familyName",
                    "email",
                    "metadata.jp.kanaGivenName",
                    "metadata.jp.kanaFamilyName",
                ],
                ["or-s1", "", "", "true", "", "葵", "小林", "", "あおい", "こばやし"],
                ["or-s2", "", "", "true", "", "湊", "加藤", "", "みなと", "かとう"],
                ["or-t1", "", "", "true", "kimura.t", "直子", "木村", "kimura@example.jp", "なおこ", "きむら"],
            ]
        ),
        "enrollments.csv": _csv(
            [
                [
                    "sourcedId",
                    "status",
                    "dateLastModified",
                    "classSourcedId",
                    "schoolSourcedId",
                    "userSourcedId",
                    "role",
                    "primary",
                    "metadata.jp.ShussekiNo",
                ],
                ["e1", "", "", "c-3-2", code, "or-s1", "student", "false", "12"],
                ["e2", "", "", "c-4-1", code, "or-s2", "student", "false", "3"],
                ["e3", "", "", "c-math", code, "or-s1", "student", "false", ""],
                ["e4", "", "", "c-3-2", code, "or-t1", "teacher", "true", ""],
                ["e5", "", "", "c-math", code, "or-t1", "teacher", "false", ""],
            ]
        ),
    }


def zip_bytes(files: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_oneroster_bundle_imports_homeroom_classes_students_and_teachers(world):
    result = run(world, "oneroster", "oneroster.zip", zip_bytes(oneroster_files(world, world.school_year.start_year)))

    assert result.status == RosterImport.Status.DONE, result.errors
    assert result.created_count == 3  # two students, one teacher
    aoi = Student.objects.get(sourced_id="or-s1")
    assert (aoi.family_name, aoi.given_name, aoi.family_name_kana, aoi.given_name_kana) == (
        "小林",
        "葵",
        "こばやし",
        "あおい",
    )
    enrollment = aoi.enrollments.get()
    assert enrollment.class_group == world.other_class and enrollment.number == 12  # the world's 3年2組
    world.other_class.refresh_from_db()
    assert world.other_class.sourced_id == "c-3-2"
    teacher = User.objects.get(username="kimura.t")
    assert (teacher.last_name, teacher.first_name, teacher.email) == ("木村", "直子", "kimura@example.jp")
    assert not teacher.has_usable_password()
    assert RoleAssignment.objects.filter(user=teacher, role=Role.TEACHER, school=world.school).exists()
    assert teacher.groups.filter(name=f"{world.school.code} editors").exists()  # may edit the school's pages
    assert list(Teaching.objects.filter(teacher=teacher).values_list("class_group", "is_homeroom")) == [
        (world.other_class.pk, True)
    ]
    assert not ClassGroup.objects.filter(name="算数").exists()  # subject classes are not homerooms


def test_the_same_oneroster_bundle_twice_changes_nothing(world):
    data = zip_bytes(oneroster_files(world, world.school_year.start_year))
    run(world, "oneroster", "oneroster.zip", data)
    before = people_snapshot()

    again = run(world, "oneroster", "oneroster.zip", data)

    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert people_snapshot() == before


def test_a_oneroster_student_in_two_homeroom_classes_of_one_year_is_refused(world):
    files = oneroster_files(world, world.school_year.start_year)
    files["enrollments.csv"] += "e6,,,c-4-1,M-E1,or-s1,student,false,4\n"
    before = people_snapshot()

    result = run(world, "oneroster", "oneroster.zip", zip_bytes(files))

    assert result.status == RosterImport.Status.REJECTED
    assert messages_of(result) == [
        (
            "enrollments.csv",
            7,
            "The student \u201cor-s1\u201d is already in another class of this school year (line 2).",
        )
    ]
    assert people_snapshot() == before


def test_a_oneroster_class_of_an_unknown_school_or_of_another_school_is_refused(world):
    files = oneroster_files(world, world.school_year.start_year)
    files["orgs.csv"] += "nowhere,,,どこか小学校,school,,\nM-J1,,,うめ中学校,school,,\n"
    files["classes.csv"] += "c-x,,,1年1組,P1,,,homeroom,,nowhere,y1\nc-y,,,1年1組,J1,,,homeroom,,M-J1,y1\n"
    files["enrollments.csv"] += "e7,,,c-unknown,M-E1,or-s2,student,false,1\n"

    result = run(world, "oneroster", "oneroster.zip", zip_bytes(files))

    assert result.status == RosterImport.Status.REJECTED
    errors = messages_of(result)
    assert ("classes.csv", 5, "Unknown school: no school has the code \u201cnowhere\u201d.") in errors
    assert ("classes.csv", 6, "This class belongs to うめ中学校; this import is for さくら小学校 only.") in errors
    assert ("enrollments.csv", 7, "Unknown class: \u201cc-unknown\u201d is not in classes.csv.") in errors


def test_a_city_wide_bundle_may_move_a_child_to_another_school_but_a_school_import_may_not(world):
    """Children go on from elementary to junior high school with the same ID: the centre imports that move."""
    files = oneroster_files(world, world.school_year.start_year)
    files["users.csv"] += "m-sibling,,,true,,一郎,山田,,いちろう,やまだ\n"
    files["enrollments.csv"] += "e8,,,c-4-1,M-E1,m-sibling,student,false,9\n"

    refused = run(world, "oneroster", "oneroster.zip", zip_bytes(files))
    moved = run(world, "oneroster", "oneroster.zip", zip_bytes(files), school=None)

    assert "belongs to a student of うめ中学校" in messages_of(refused)[0][2]
    assert moved.status == RosterImport.Status.DONE, moved.errors
    sibling = Student.objects.get(sourced_id="m-sibling")
    assert sibling.school == world.school
    assert [(e.class_group.grade, e.class_group.name) for e in sibling.enrollments.all()] == [(4, "1")]


def test_a_oneroster_bundle_without_a_required_column_is_refused(world):
    files = oneroster_files(world, world.school_year.start_year)
    files["users.csv"] = files["users.csv"].replace("familyName", "surname")

    result = run(world, "oneroster", "oneroster.zip", zip_bytes(files))

    assert messages_of(result) == [("users.csv", 1, "Missing columns: familyname.")]


@pytest.mark.parametrize(
    "data,reason",
    [
        (b"this is not a zip", "not a valid zip file"),
        (zip_bytes({"../../etc/manifest.csv": "x"}), "path outside the zip"),
        (zip_bytes({"/abs/manifest.csv": "x"}), "path outside the zip"),
        (zip_bytes({"users.csv": b"\0" * (70 * 1024 * 1024)}), "unpacks to far more data"),
        (zip_bytes({f"f{i}.csv": "x" for i in range(40)}), "holds more than 32 files"),
        (zip_bytes({"orgs.csv": "sourcedId\n"}), "manifest.csv is missing"),
    ],
    ids=["not-a-zip", "path-traversal", "absolute-path", "zip-bomb", "too-many-members", "no-manifest"],
)
def test_a_malformed_or_dangerous_bundle_is_refused(world, data, reason):
    before = people_snapshot()

    result = run(world, "oneroster", "bundle.zip", data)

    assert result.status == RosterImport.Status.REJECTED
    assert reason in messages_of(result)[0][2]
    assert people_snapshot() == before


# --- the admin screens ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(world) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = english_speaking(world.users["school_admin"])
    client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    return client


def upload(client: Client, world: World, data: bytes, *, name: str = "meibo.csv", kind: str = "csv"):
    return client.post(
        reverse("roster_imports:upload"),
        {"kind": kind, "school": world.school.pk, "file": ContentFile(data, name=name)},
    )


def test_a_school_admin_uploads_a_roster_and_reads_its_report(world, admin_client, django_capture_on_commit_callbacks):
    form = admin_client.get(reverse("roster_imports:upload"))
    assert form.status_code == 200
    assert "student_id" in form.content.decode() and "出席番号" in form.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, world, csv_bytes(ROWS))

    roster_import = RosterImport.objects.get()
    assert response.status_code == 302
    # The upload answers with the job's page (the import runs in the background), which links the report.
    assert response["Location"] == reverse("core:job_detail", args=[Job.objects.get().pk])
    report_url = reverse("roster_imports:detail", args=[roster_import.pk])
    assert f'href="{report_url}"' in admin_client.get(response["Location"]).content.decode()
    report = admin_client.get(report_url).content.decode()
    assert "Created: 2. Updated: 0. Unchanged: 0." in report
    assert "2 of 2 records (100%)" in report
    assert 'http-equiv="refresh"' not in report
    assert Student.objects.filter(sourced_id__in=["r-1001", "r-1002"]).count() == 2
    listing = admin_client.get(reverse("roster_imports:index")).content.decode()
    assert "meibo.csv" in listing


def test_the_report_of_a_refused_upload_lists_each_line_and_reason(
    world, admin_client, django_capture_on_commit_callbacks
):
    rows = [ROWS[0], ["r-1001", "髙橋", "結衣", "", "", "4", "2", "2"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, world, csv_bytes(rows))

    report_url = reverse("roster_imports:detail", args=[RosterImport.objects.get().pk])
    assert f'href="{report_url}"' in admin_client.get(response["Location"]).content.decode()
    report = admin_client.get(report_url).content.decode()
    assert "Problems found: nothing was changed" in report
    assert "<td>3</td>" in report
    assert "appears twice (also on line 2)" in report
    assert not Student.objects.filter(sourced_id="r-1001").exists()


def test_a_running_import_shows_its_progress_and_refreshes(world, admin_client):
    roster_import = RosterImport.objects.create(
        school=world.school, kind="csv", file_name="big.csv", status=RosterImport.Status.RUNNING, total_rows=400
    )
    cache.set(progress_key(roster_import.pk), 100)

    page = admin_client.get(reverse("roster_imports:detail", args=[roster_import.pk])).content.decode()

    assert "100 of 400 records (25%)" in page
    assert 'http-equiv="refresh"' in page


def test_an_oversized_upload_is_refused_with_a_clear_message(world, admin_client, settings):
    settings.ROSTER_MAX_UPLOAD_BYTES = 1024 * 1024
    response = upload(admin_client, world, b"student_id\n" + b"x" * (1024 * 1024 + 10))

    assert response.status_code == 200
    assert "the largest accepted is 1 MB" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_a_file_of_the_wrong_kind_is_refused_by_the_form(world, admin_client):
    response = upload(admin_client, world, csv_bytes(ROWS), name="meibo.csv", kind="oneroster")

    assert "A file of this kind must end in .zip." in response.content.decode()
    assert not RosterImport.objects.exists()


@pytest.mark.parametrize("role", ["homeroom_teacher", "other_teacher"])
def test_a_teacher_reaches_the_admin_but_not_the_roster_import(world, english_client_as, role):
    client = english_client_as(role)
    roster_import = RosterImport.objects.create(school=world.school, kind="csv", file_name="meibo.csv")

    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    assert "Roster import" not in client.get(reverse("wagtailadmin_home")).content.decode()
    assert client.get(reverse("roster_imports:index")).status_code == 404
    assert client.get(reverse("roster_imports:detail", args=[roster_import.pk])).status_code == 404
    assert upload(client, world, csv_bytes(ROWS)).status_code == 404
    assert RosterImport.objects.count() == 1 and not Student.objects.filter(sourced_id="r-1001").exists()


def test_the_menu_shows_roster_import_to_a_school_admin(admin_client):
    assert "Roster import" in admin_client.get(reverse("wagtailadmin_home")).content.decode()


def test_another_schools_admin_neither_lists_nor_opens_this_schools_imports(world, english_client_as):
    roster_import = RosterImport.objects.create(school=world.school, kind="csv", file_name="sakura-meibo.csv")
    client = english_client_as("other_school_admin")

    assert "sakura-meibo.csv" not in client.get(reverse("roster_imports:index")).content.decode()
    assert client.get(reverse("roster_imports:detail", args=[roster_import.pk])).status_code == 404
    form = client.get(reverse("roster_imports:upload")).content.decode()
    assert world.other_school.name in form and world.school.name not in form


def test_centre_staff_import_a_city_wide_bundle_and_see_every_schools_imports(
    world, english_client_as, django_capture_on_commit_callbacks
):
    RosterImport.objects.create(school=world.other_school, kind="csv", file_name="ume-meibo.csv")
    english_speaking(world.users["centre_staff"])
    client = english_client_as("centre_staff")
    data = zip_bytes(oneroster_files(world, world.school_year.start_year))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("roster_imports:upload"),
            {"kind": "oneroster", "school": "", "file": ContentFile(data, name="city.zip")},
        )

    assert response.status_code == 302
    assert RosterImport.objects.get(file_name="city.zip").school is None
    assert Student.objects.filter(sourced_id__in=["or-s1", "or-s2"]).count() == 2
    listing = client.get(reverse("roster_imports:index")).content.decode()
    assert "ume-meibo.csv" in listing and "city.zip" in listing


def test_a_school_admin_may_not_upload_without_choosing_their_school(world, admin_client):
    response = admin_client.post(
        reverse("roster_imports:upload"),
        {"kind": "oneroster", "school": "", "file": ContentFile(b"PK", name="city.zip")},
    )

    assert "Choose the school this file is for." in response.content.decode()
    assert not RosterImport.objects.exists()


def test_the_import_service_itself_refuses_a_school_the_uploader_does_not_run(world):
    """The upload form offers only the schools one may manage; the service asks the policy again all the same."""
    from django.core.exceptions import PermissionDenied
    from django.core.files.uploadedfile import SimpleUploadedFile

    from school_portal.core.models import RosterImport
    from school_portal.core.tasks import roster_import_submit

    upload = SimpleUploadedFile("meibo.csv", "学年,組,番号\n".encode())
    with pytest.raises(PermissionDenied):
        roster_import_submit(upload=upload, school=world.other_school, kind="csv", by=world.users["school_admin"])
    with pytest.raises(PermissionDenied):
        roster_import_submit(upload=upload, school=None, kind="csv", by=world.users["school_admin"])
    assert not RosterImport.objects.exists()
