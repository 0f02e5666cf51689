"""Roster import of the files a school office really has (issue 9, items 10-16).

Every file is built here, as an office's software would write it: CSV in UTF-8, UTF-8 with BOM and CP932,
workbooks written by openpyxl (and one edited as Excel never would), OneRoster 1.2 Japan Profile zips.
"""

from __future__ import annotations

import codecs
import io
import re
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from school_portal.core.models import ClassGroup, Enrollment, RosterImport, Student, Teaching, User
from school_portal.core.models.roster import private_storage
from school_portal.core.roster.services import roster_import_run
from tests.school_portal.test_roster_import import (
    ROWS,
    csv_bytes,
    english_speaking,
    messages_of,
    oneroster_files,
    people_snapshot,
    run,
    xlsx_bytes,
    zip_bytes,
)

JAPANESE_HEADER = ["学籍番号", "姓", "名", "姓かな", "名かな", "学年", "組", "出席番号"]


def stored_uploads() -> list[Path]:
    folder = Path(private_storage().location) / "roster-imports"
    return sorted(folder.glob("*")) if folder.exists() else []


@pytest.fixture
def admin_client(world) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(
        english_speaking(world.users["school_admin"]), backend="school_portal.core.backends.ThrottledModelBackend"
    )
    return client


# --- 10. one attendance number per child in a class ------------------------------------------------------


def test_two_children_with_one_attendance_number_in_a_class_are_refused_with_their_lines(world):
    rows = [
        ["r-1001", "髙橋", "結衣", "", "", "3", "2", "5"],
        ["r-1002", "渡邊", "陽翔", "", "", "3", "2", "6"],
        ["r-1003", "中村", "蓮", "", "", "3", "2", "5"],
        ["r-1004", "佐藤", "芽依", "", "", "3", "1", "5"],  # the same number in another class is fine
    ]
    before = people_snapshot()

    result = run(world, "csv", "meibo.csv", csv_bytes(rows))

    assert result.status == RosterImport.Status.REJECTED
    assert messages_of(result) == [
        ("meibo.csv", 4, "The attendance number 5 appears twice in 3年2組 (also on line 2).")
    ]
    assert people_snapshot() == before


def test_an_attendance_number_held_by_a_child_already_in_the_class_is_refused(world):
    first = run(world, "csv", "meibo-1.csv", csv_bytes([["r-1001", "髙橋", "結衣", "", "", "3", "2", "5"]]))
    assert first.status == RosterImport.Status.DONE, first.errors
    before = people_snapshot()

    second = run(world, "csv", "meibo-2.csv", csv_bytes([["r-1002", "渡邊", "陽翔", "", "", "3", "2", "5"]]))

    assert second.status == RosterImport.Status.REJECTED
    assert messages_of(second) == [
        (
            "meibo-2.csv",
            2,
            "The attendance number 5 in 3年2組 already belongs to the student \u201cr-1001\u201d, "
            "who is not in this file.",
        )
    ]
    assert people_snapshot() == before


def test_children_in_the_file_may_swap_their_attendance_numbers(world):
    run(
        world,
        "csv",
        "meibo.csv",
        csv_bytes([["r-1", "髙橋", "結衣", "", "", "3", "2", "1"], ["r-2", "渡邊", "陽翔", "", "", "3", "2", "2"]]),
    )

    swapped = run(
        world,
        "csv",
        "meibo.csv",
        csv_bytes([["r-1", "髙橋", "結衣", "", "", "3", "2", "2"], ["r-2", "渡邊", "陽翔", "", "", "3", "2", "1"]]),
    )

    assert swapped.status == RosterImport.Status.DONE, swapped.errors
    assert Enrollment.objects.get(student__sourced_id="r-1").number == 2


def test_a_oneroster_bundle_with_two_children_on_one_attendance_number_is_refused(world):
    files = oneroster_files(world, world.school_year.start_year)
    files["users.csv"] += "or-s3,,,true,,陸,伊藤,,りく,いとう\n"
    files["enrollments.csv"] += "e9,,,c-3-2,M-E1,or-s3,student,false,12\n"

    result = run(world, "oneroster", "oneroster.zip", zip_bytes(files))

    assert result.status == RosterImport.Status.REJECTED
    assert ("users.csv", 5, "The attendance number 12 appears twice in 3年2組 (also on line 2).") in messages_of(result)


# --- 11. an unexpected error ends the import ---------------------------------------------------------------


def test_an_unexpected_error_ends_the_import_as_failed_with_a_message_and_deletes_the_file(world, settings):
    """A real unexpected error, not a stand-in: a limit misconfigured in the environment (a typo in a number)."""
    settings.ROSTER_MAX_COLUMNS = "sixty"
    before, uploads_before = people_snapshot(), stored_uploads()

    result = run(world, "csv", "meibo.csv", csv_bytes(ROWS))

    result.refresh_from_db()
    assert result.status == RosterImport.Status.FAILED
    assert messages_of(result) == [
        ("", None, "The import failed unexpectedly and nothing was changed. Please tell the education centre.")
    ]
    assert result.finished_at is not None
    assert not result.file and stored_uploads() == uploads_before, "the roster (personal data) does not stay on disk"
    assert people_snapshot() == before


def test_a_failed_import_says_so_on_its_report_and_stops_refreshing(world, admin_client, settings):
    settings.ROSTER_MAX_COLUMNS = "sixty"
    result = run(world, "csv", "meibo.csv", csv_bytes(ROWS))

    page = admin_client.get(reverse("roster_imports:detail", args=[result.pk])).content.decode()

    assert 'data-roster-status="failed"' in page and "Failed: nothing was changed" in page
    assert "The import failed unexpectedly" in page
    assert 'http-equiv="refresh"' not in page


# --- 12. one normalisation of every field -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_full_width_and_half_width_values_are_read_as_their_ordinary_forms(world, encoding):
    rows = [
        ["ｒ－１００１", "髙橋", "結衣", "ﾀｶﾊｼ", "ﾕｲ", "３", "２", "①"],
        ["r-1002", "渡邊", "陽翔", "", "", "3年", "３年２組", "⑫"],
    ]
    classes_before = ClassGroup.objects.count()

    result = run(world, "csv", "meibo.csv", csv_bytes(rows, header=JAPANESE_HEADER, encoding=encoding))

    assert result.status == RosterImport.Status.DONE, result.errors
    assert ClassGroup.objects.count() == classes_before, "no second 3年2組 beside the one that exists"
    yui = Student.objects.get(sourced_id="r-1001")
    assert (yui.family_name_kana, yui.given_name_kana) == ("タカハシ", "ユイ")
    numbers = dict(
        Enrollment.objects.filter(class_group=world.other_class).values_list("student__sourced_id", "number")
    )
    assert numbers == {"r-1001": 1, "r-1002": 12}


def test_an_excel_workbook_with_full_width_values_is_read_the_same_way(world):
    result = run(world, "xlsx", "meibo.xlsx", xlsx_bytes([["r-2001", "佐藤", "芽依", "ｻﾄｳ", "ﾒｲ", "３", "２", "②"]]))

    assert result.status == RosterImport.Status.DONE, result.errors
    enrollment = Enrollment.objects.get(student__sourced_id="r-2001")
    assert (enrollment.class_group, enrollment.number) == (world.other_class, 2)
    assert Student.objects.get(sourced_id="r-2001").family_name_kana == "サトウ"


def test_a_name_written_with_a_compatibility_ideograph_keeps_its_character(world):
    result = run(
        world, "csv", "meibo.csv", csv_bytes([["r-3001", "\ufa10本", "\u3000花子\u3000", "", "", "3", "2", "3"]])
    )

    assert result.status == RosterImport.Status.DONE, result.errors
    student = Student.objects.get(sourced_id="r-3001")
    assert (student.family_name, student.given_name) == ("\ufa10本", "花子")


# --- 13. a column that is absent changes nothing --------------------------------------------------------------


def test_a_roster_without_kana_or_number_columns_keeps_what_is_stored(world):
    run(world, "csv", "meibo.csv", csv_bytes(ROWS))
    header = ["student_id", "family_name", "given_name", "grade", "class"]

    result = run(world, "csv", "meibo.csv", csv_bytes([[r[0], r[1], r[2], r[5], r[6]] for r in ROWS], header=header))

    assert result.status == RosterImport.Status.DONE, result.errors
    assert (result.updated_count, result.unchanged_count) == (0, 2)
    yui = Student.objects.get(sourced_id="r-1001")
    assert (yui.family_name_kana, yui.given_name_kana) == ("たかはし", "ゆい")
    assert Enrollment.objects.get(student=yui).number == 1


def test_an_empty_kana_cell_in_a_kana_column_does_clear_the_kana(world):
    run(world, "csv", "meibo.csv", csv_bytes(ROWS))

    run(world, "csv", "meibo.csv", csv_bytes([["r-1001", "髙橋", "結衣", "", "", "4", "1", "1"]]))

    assert Student.objects.get(sourced_id="r-1001").family_name_kana == ""


def test_a_oneroster_bundle_without_kana_columns_keeps_the_stored_kana(world):
    files = oneroster_files(world, world.school_year.start_year)
    run(world, "oneroster", "oneroster.zip", zip_bytes(files))
    files["users.csv"] = (
        "\n".join(",".join(line.split(",")[:8]) for line in files["users.csv"].strip().split("\n")) + "\n"
    )

    result = run(world, "oneroster", "oneroster.zip", zip_bytes(files))

    assert result.status == RosterImport.Status.DONE, result.errors
    aoi = Student.objects.get(sourced_id="or-s1")
    assert (aoi.family_name_kana, aoi.given_name_kana) == ("こばやし", "あおい")


# --- 14. a file with nothing below its header ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,name,data",
    [
        ("csv", "meibo.csv", csv_bytes([])),
        ("csv", "meibo.csv", csv_bytes([]) + b",,,,,,,\r\n\r\n"),
        ("xlsx", "meibo.xlsx", xlsx_bytes([])),
    ],
    ids=["csv", "csv-with-blank-lines", "xlsx"],
)
def test_a_file_with_only_its_header_row_is_refused(world, kind, name, data):
    result = run(world, kind, name, data)

    assert result.status == RosterImport.Status.REJECTED
    assert messages_of(result) == [
        (name, 2, "The file has no rows to import below its header row: nothing was changed.")
    ]


# --- 15. OneRoster 1.2 Japan Profile ---------------------------------------------------------------------


def japan_profile_bundle(world, *, org_id: str, identifier: str) -> dict[str, str]:
    """A 校務支援システム's export: the org's sourcedId is its own UUID, the 学校コード is in ``identifier``."""
    files = oneroster_files(world, world.school_year.start_year)
    code = world.school.code
    files["orgs.csv"] = files["orgs.csv"].replace(
        f"{code},,,さくら小学校,school,,", f"{org_id},,,さくら小学校,school,{identifier},"
    )
    files["classes.csv"] = files["classes.csv"].replace(f",{code},", f",{org_id},")
    files["enrollments.csv"] = files["enrollments.csv"].replace(f",{code},", f",{org_id},")
    return files


def test_a_japan_profile_bundle_is_matched_on_the_school_code_and_its_org_id_remembered(world):
    org_id = str(uuid.uuid4())

    result = run(
        world, "oneroster", "oneroster.zip", zip_bytes(japan_profile_bundle(world, org_id=org_id, identifier="M-E1"))
    )

    assert result.status == RosterImport.Status.DONE, result.errors
    assert Enrollment.objects.get(student__sourced_id="or-s1").class_group == world.other_class
    world.school.refresh_from_db()
    assert world.school.oneroster_sourced_id == org_id
    # a later bundle without the identifier is still matched, by the remembered org ID
    again = run(
        world, "oneroster", "oneroster.zip", zip_bytes(japan_profile_bundle(world, org_id=org_id, identifier=""))
    )
    assert again.status == RosterImport.Status.DONE, again.errors
    assert again.unchanged_count == 3


def test_a_japan_profile_org_with_an_unknown_school_code_is_refused_by_that_code(world):
    files = japan_profile_bundle(world, org_id=str(uuid.uuid4()), identifier="B199999999999")

    result = run(world, "oneroster", "oneroster.zip", zip_bytes(files))

    assert result.status == RosterImport.Status.REJECTED
    assert ("classes.csv", 2, "Unknown school: no school has the code \u201cB199999999999\u201d.") in messages_of(
        result
    )


def test_teachers_are_imported_after_the_school_code_changed(world):
    world.school.code = "B113210000019"
    world.school.save(update_fields=["code"])
    files = japan_profile_bundle(world, org_id=str(uuid.uuid4()), identifier="B113210000019")

    result = run(world, "oneroster", "oneroster.zip", zip_bytes(files))

    assert result.status == RosterImport.Status.DONE, result.errors
    teacher = User.objects.get(username="kimura.t")
    world.school.refresh_from_db()
    assert teacher.groups.filter(pk=world.school.editors_group_id).exists()  # may edit the school's pages
    assert Teaching.objects.filter(teacher=teacher, class_group=world.other_class, is_homeroom=True).exists()


def test_guardians_in_a_bundle_are_counted_and_named_in_the_report(world, admin_client):
    files = oneroster_files(world, world.school_year.start_year)
    files["users.csv"] = files["users.csv"].replace(
        "metadata.jp.kanaFamilyName", "metadata.jp.kanaFamilyName,agentSourcedIds"
    )
    files["users.csv"] = (
        files["users.csv"]
        .replace("あおい,こばやし", "あおい,こばやし,g-1")
        .replace("みなと,かとう", "みなと,かとう,g-2")
    )
    files["users.csv"] += (
        "g-1,,,true,,恵,小林,,めぐみ,こばやし,\ng-2,,,true,,誠,加藤,,まこと,かとう,\ng-3,,,true,,聡,木村,,さとし,きむら,\n"
    )
    files["roles.csv"] = (
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId\n"
    )
    files["roles.csv"] += (
        "r-g1,,,g-1,primary,guardian,,,M-E1\nr-g3,,,g-3,primary,guardian,,,M-E1\nr-s1,,,or-s1,primary,student,,,M-E1\n"
    )

    result = run(world, "oneroster", "oneroster.zip", zip_bytes(files))

    assert result.status == RosterImport.Status.DONE, result.errors
    assert result.guardians_skipped == 3
    assert not User.objects.filter(username__in=["g-1", "g-2", "g-3"]).exists()
    page = admin_client.get(reverse("roster_imports:detail", args=[result.pk])).content.decode()
    assert "The bundle also held 3 guardians, who were not imported" in page


# --- 16. easy for an office -----------------------------------------------------------------------------------


def test_the_missing_column_message_is_in_japanese_for_a_japanese_office(world):
    uploader = world.users["school_admin"]
    uploader.preferred_language = "ja"
    uploader.save(update_fields=["preferred_language"])
    roster_import = RosterImport(school=world.school, uploaded_by=uploader, kind="csv", file_name="meibo.csv")
    roster_import.file.save(
        "meibo.csv", ContentFile(csv_bytes([["r-1", "山田 花子", "1"]], header=["学籍番号", "氏名", "組"]))
    )

    result = roster_import_run(roster_import=roster_import)

    [(_file, line, message)] = messages_of(result)
    assert line == 1 and "学年 (grade)" in message and "列" in message


def test_the_upload_page_offers_blank_rosters_that_import_once_filled_in(world, admin_client):
    from school_portal.core.roster.simple import TEMPLATE_COLUMNS  # the exact header row the reader accepts

    page = admin_client.get(reverse("roster_imports:upload")).content.decode()
    assert (
        reverse("roster_imports:blank", args=["csv"]) in page and reverse("roster_imports:blank", args=["xlsx"]) in page
    )

    blank_csv = admin_client.get(reverse("roster_imports:blank", args=["csv"]))
    assert blank_csv["Content-Disposition"] == 'attachment; filename="meibo.csv"'
    data = blank_csv.content
    assert data.startswith(codecs.BOM_UTF8), "Excel opens a UTF-8 CSV with Japanese headers only with a BOM"
    assert data.decode("utf-8-sig").strip().split(",") == TEMPLATE_COLUMNS
    filled = data + "r-5001,山本,凛,やまもと,りん,3,2,4,\r\n".encode()
    assert run(world, "csv", "meibo.csv", filled).status == RosterImport.Status.DONE

    workbook = load_workbook(io.BytesIO(admin_client.get(reverse("roster_imports:blank", args=["xlsx"])).content))
    sheet = workbook.active
    assert [c.value for c in sheet[1]] == TEMPLATE_COLUMNS
    sheet.append(["r-5002", "山本", "蒼", "やまもと", "あお", 3, 2, 5, None])
    out = io.BytesIO()
    workbook.save(out)
    result = run(world, "xlsx", "meibo.xlsx", out.getvalue())
    assert result.status == RosterImport.Status.DONE, result.errors
    assert Enrollment.objects.get(student__sourced_id="r-5002").number == 5


def test_a_teacher_gets_no_blank_roster(english_client_as):
    assert english_client_as("homeroom_teacher").get(reverse("roster_imports:blank", args=["csv"])).status_code == 404


def test_family_and_given_name_in_one_column_are_split_at_the_first_space(world):
    header = ["学籍番号", "氏名", "氏名カナ", "学年", "組", "出席番号"]
    rows = [
        ["r-6001", "山田　太郎", "ﾔﾏﾀﾞ ﾀﾛｳ", "3", "2", "1"],
        ["r-6002", "佐藤 花 子", "さとう はなこ", "3", "2", "2"],
    ]

    result = run(world, "csv", "meibo.csv", csv_bytes(rows, header=header, encoding="cp932"))

    assert result.status == RosterImport.Status.DONE, result.errors
    taro = Student.objects.get(sourced_id="r-6001")
    assert (taro.family_name, taro.given_name, taro.family_name_kana, taro.given_name_kana) == (
        "山田",
        "太郎",
        "ヤマダ",
        "タロウ",
    )
    assert Student.objects.get(sourced_id="r-6002").given_name == "花 子"


def test_a_full_name_without_a_space_is_refused_with_its_line(world):
    header = ["学籍番号", "氏名", "学年", "組"]

    result = run(world, "csv", "meibo.csv", csv_bytes([["r-6003", "山田太郎", "3", "2"]], header=header))

    assert messages_of(result) == [
        ("meibo.csv", 2, "The 氏名 \u201c山田太郎\u201d needs a space between the family name and the given name.")
    ]


def test_an_excel_workbook_renamed_csv_is_read_as_excel(world, admin_client, django_capture_on_commit_callbacks):
    workbook = xlsx_bytes([["r-7001", "佐藤", "芽依", "さとう", "めい", 2, 1, 3]])

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("roster_imports:upload"),
            {"kind": "csv", "school": world.school.pk, "file": ContentFile(workbook, name="meibo.csv")},
        )

    assert response.status_code == 302
    result = RosterImport.objects.get()
    assert result.status == RosterImport.Status.DONE, result.errors
    assert Student.objects.get(sourced_id="r-7001").given_name_kana == "めい"


def _xlsx_with(rows: list[list[object]], *, dimension: str, far_row: bool = False) -> bytes:
    """An .xlsx as openpyxl writes it, then edited the way a hostile or buggy tool might: its ``<dimension>``
    claims ``dimension``, and ``far_row`` puts one real cell on the sheet's last line, 1,048,576."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}"/>', data.decode())
                assert dimension in text
                if far_row:
                    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>r-9999</t></is></c></row>'
                    text = text.replace("</sheetData>", far + "</sheetData>")
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "far_row,rows,status",
    [
        (False, 2, RosterImport.Status.DONE),
        (True, 2, RosterImport.Status.REJECTED),
        (False, 60, RosterImport.Status.REJECTED),
    ],
    ids=["claims-a-million-rows-holds-two", "a-cell-on-the-last-line", "more-rows-than-the-cap"],
)
def test_an_xlsx_whose_dimension_claims_a_million_rows_is_handled_within_a_small_bound(
    world, settings, far_row, rows, status
):
    settings.ROSTER_MAX_ROWS = 50
    data = _xlsx_with(
        [[f"r-{i}", "山田", "太郎", "", "", 3, 2, i] for i in range(1, rows + 1)],
        dimension="A1:Z1048576",
        far_row=far_row,
    )

    started = time.monotonic()
    result = run(world, "xlsx", "meibo.xlsx", data)
    elapsed = time.monotonic() - started

    assert result.status == status, result.errors
    if status == RosterImport.Status.REJECTED:
        assert "more than 50 rows" in messages_of(result)[0][2]
    assert elapsed < 3, f"took {elapsed:.1f} s"


def test_import_roster_command_imports_a_city_wide_bundle_with_a_progress_bar(world, tmp_path):
    bundle = tmp_path / "city.zip"
    bundle.write_bytes(zip_bytes(oneroster_files(world, world.school_year.start_year)))
    out, err = io.StringIO(), io.StringIO()
    uploads_before = stored_uploads()

    with translation.override("en"):
        call_command("import_roster", str(bundle), "--oneroster", stdout=out, stderr=err)

    assert Student.objects.filter(sourced_id__in=["or-s1", "or-s2"]).count() == 2
    assert "3/3" in err.getvalue()
    assert "Created: 3. Updated: 0. Unchanged: 0." in out.getvalue()
    roster_import = RosterImport.objects.get(file_name="city.zip")
    assert roster_import.school is None and roster_import.status == RosterImport.Status.DONE
    assert stored_uploads() == uploads_before and bundle.exists()


def test_import_roster_command_imports_a_schools_file_and_reports_a_refusal(world, tmp_path):
    good = tmp_path / "meibo.csv"
    good.write_bytes(csv_bytes(ROWS, encoding="cp932"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([ROWS[0], ROWS[0]]))

    out = io.StringIO()
    with translation.override("en"):
        call_command("import_roster", str(good), "--school", "M-E1", stdout=io.StringIO(), stderr=io.StringIO())
        with pytest.raises(CommandError, match="Nothing was changed"):
            call_command("import_roster", str(bad), "--school", "M-E1", stdout=out, stderr=io.StringIO())
        with pytest.raises(CommandError, match="--school"):
            call_command("import_roster", str(good), stdout=io.StringIO(), stderr=io.StringIO())

    assert "bad.csv:3: The student ID \u201cr-1001\u201d appears twice (also on line 2)." in out.getvalue()

    assert Student.objects.get(sourced_id="r-1001").school == world.school
