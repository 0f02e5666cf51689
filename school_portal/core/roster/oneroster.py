"""The OneRoster 1.2 CSV bundle (a zip): homeroom classes, their students and teachers.

Read: ``manifest.csv``, ``orgs.csv``, ``academicSessions.csv`` (optional), ``classes.csv``, ``users.csv`` and
``enrollments.csv``, and ``roles.csv`` (optional, only to count guardians). Only homeroom classes
(``classType`` = homeroom) become class groups.

An org is one of our schools when its ``identifier`` is the school's code: the OneRoster 1.2 Japan Profile
(1EdTech, "OneRoster 1.2 CSV Binding: Japan K-12/Schools Profile") carries the 学校コード there, while the
``sourcedId`` is a UUID of the exporting system. Failing that, the org's ``sourcedId`` is matched to the one
remembered from an earlier import (``School.oneroster_sourced_id``) and then to the school code (bundles made
by hand often use the code as the ID). The import remembers each matched org's ``sourcedId``.

The Japan Profile columns ``metadata.jp.kanaFamilyName`` and ``metadata.jp.kanaGivenName`` (users.csv) and
``metadata.jp.ShussekiNo`` (attendance number, enrollments.csv) are used where present; a column that is
absent leaves the stored value. Enrollments with role ``teacher`` make the user a teacher of the class
(``primary`` = true: its homeroom teacher). Guardians (``guardian``, ``parent``, ``relative`` in roles.csv,
enrollments.csv or a 1.1-style users.csv ``role`` column, and the students' ``agentSourcedIds``) are not
imported, since guardians register themselves with an invitation letter; the import report counts them.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from ..models import School, SchoolYear
from .fields import check_id, check_names, parse_class_name, parse_grade, parse_number
from .readers import Row, csv_rows, decode_csv, read_member, zip_member_names
from .records import ClassKey, Roster, RosterFileError, StudentRecord, TeacherRecord

REQUIRED_FILES = {
    "orgs.csv": ("sourcedid",),
    "classes.csv": ("sourcedid", "title", "classtype", "schoolsourcedid"),
    "users.csv": ("sourcedid", "givenname", "familyname"),
    "enrollments.csv": ("classsourcedid", "usersourcedid", "role"),
}
OPTIONAL_FILES = {"academicsessions.csv": ("sourcedid",), "roles.csv": ("usersourcedid", "role")}
GUARDIAN_ROLES = {"guardian", "parent", "relative"}
KANA_FAMILY = "metadata.jp.kanafamilyname"
KANA_GIVEN = "metadata.jp.kanagivenname"
ATTENDANCE_NUMBER = "metadata.jp.shussekino"


@dataclass
class _Class:
    line: int
    key: ClassKey
    school: School


def _table(archive: zipfile.ZipFile, names: dict[str, str], file: str, required: tuple[str, ...]) -> list[Row]:
    return _table_with_columns(archive, names, file, required)[1]


def _table_with_columns(
    archive: zipfile.ZipFile, names: dict[str, str], file: str, required: tuple[str, ...]
) -> tuple[set[str], list[Row]]:
    text = decode_csv(read_member(archive, names[file], file=file), file=file)
    columns, rows = csv_rows(text, file=file)
    missing = [c for c in required if c not in columns]
    if missing:
        raise RosterFileError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}, file=file, line=1)
    return set(columns), [(line, row) for line, row in rows if row.get("status", "").lower() != "tobedeleted"]


def _match_schools(orgs: list[Row]) -> dict[str, School]:
    """org sourcedId -> our school: by identifier (the 学校コード), else by a remembered or code-like sourcedId."""
    identifiers = {row.get("identifier", "") for _line, row in orgs} - {""}
    sourced_ids = {row.get("sourcedid", "") for _line, row in orgs} - {""}
    candidates = list(
        School.objects.filter(
            Q(code__in=identifiers) | Q(oneroster_sourced_id__in=sourced_ids) | Q(code__in=sourced_ids)
        ).select_related("city")
    )
    by_code = {s.code: s for s in candidates}
    by_remembered = {s.oneroster_sourced_id: s for s in candidates if s.oneroster_sourced_id}
    matched = {}
    for _line, row in orgs:
        sid, identifier = row.get("sourcedid", ""), row.get("identifier", "")
        school = by_code.get(identifier) if identifier else None
        school = school or by_remembered.get(sid) or by_code.get(sid)
        if school is not None:
            matched[sid] = school
    return matched


def _guardians(tables: dict[str, list[Row]], roles: list[Row]) -> set[str]:
    """The user IDs the bundle gives as guardians (not imported: they register themselves)."""
    guardians = {row.get("usersourcedid", "") for _line, row in roles if row.get("role", "").lower() in GUARDIAN_ROLES}
    guardians |= {
        row.get("usersourcedid", "")
        for _line, row in tables["enrollments.csv"]
        if row.get("role", "").lower() in GUARDIAN_ROLES
    }
    for _line, row in tables["users.csv"]:
        if row.get("role", "").lower() in GUARDIAN_ROLES:
            guardians.add(row.get("sourcedid", ""))
        guardians.update(a.strip() for a in row.get("agentsourcedids", "").split(","))
    return guardians - {""}


def _check_manifest(archive: zipfile.ZipFile, names: dict[str, str]) -> None:
    if "manifest.csv" not in names:
        raise RosterFileError(_("This is not a OneRoster bundle: manifest.csv is missing."), file="manifest.csv")
    manifest = {
        row.get("propertyname", ""): row.get("value", "")
        for _line, row in _table(archive, names, "manifest.csv", ("propertyname", "value"))
    }
    version = manifest.get("oneroster.version", "")
    if not version.startswith("1.2"):
        raise RosterFileError(
            _("Only OneRoster version 1.2 is supported; this bundle says “%(version)s”.") % {"version": version},
            file="manifest.csv",
        )
    for file in REQUIRED_FILES:
        mode = manifest.get(f"file.{file.removesuffix('.csv').lower()}", "").lower()
        if mode == "delta":
            raise RosterFileError(
                _("Delta files are not supported: export a bulk OneRoster bundle."), file="manifest.csv"
            )


def _school_years(sessions: list[Row], default_year: int) -> dict[str, int]:
    years = {}
    for _line, row in sessions:
        year = default_year
        if row.get("startdate"):
            try:
                year = SchoolYear.start_year_for(datetime.date.fromisoformat(row["startdate"][:10]))
            except ValueError:
                pass
        elif re.fullmatch(r"[0-9]{4}", row.get("schoolyear", "")):
            year = int(row["schoolyear"])
        years[row.get("sourcedid", "")] = year
    return years


def read_oneroster(archive: zipfile.ZipFile, *, school: School | None, default_year: int) -> Roster:
    """Students and teachers of the bundle's homeroom classes; ``school`` set: only that school's may appear."""
    names = zip_member_names(archive)
    _check_manifest(archive, names)
    for file in REQUIRED_FILES:
        if file not in names:
            raise RosterFileError(_("The bundle has no %(file)s.") % {"file": file}, file=file)
    columns: dict[str, set[str]] = {}
    tables: dict[str, list[Row]] = {}
    for file, required in REQUIRED_FILES.items():
        columns[file], tables[file] = _table_with_columns(archive, names, file, required)
    sessions = _table(archive, names, "academicsessions.csv", ("sourcedid",)) if "academicsessions.csv" in names else []
    roles = _table(archive, names, "roles.csv", OPTIONAL_FILES["roles.csv"]) if "roles.csv" in names else []
    roster = Roster()
    years = _school_years(sessions, default_year)
    schools = _match_schools(tables["orgs.csv"])
    for org_sid, matched in schools.items():
        if school is None or matched.pk == school.pk:
            roster.school_sourced_ids[matched.pk] = org_sid
    org_ids = {row.get("sourcedid") for _line, row in tables["orgs.csv"]}
    org_codes = {row.get("sourcedid"): row.get("identifier") or row.get("sourcedid") for _l, row in tables["orgs.csv"]}

    classes: dict[str, _Class] = {}
    other_classes: set[str] = set()
    bad_classes: set[str] = set()  # already reported: their enrollments are not reported again
    for line, row in tables["classes.csv"]:
        sid = row.get("sourcedid", "")
        bad_classes.add(sid)
        if sid in classes or sid in other_classes:
            roster.error("classes.csv", line, _("The class ID “%(id)s” appears twice.") % {"id": sid})
            continue
        if row.get("classtype", "").lower() != "homeroom":
            other_classes.add(sid)
            bad_classes.discard(sid)
            continue
        org = row.get("schoolsourcedid", "")
        if org not in org_ids:
            roster.error("classes.csv", line, _("The school “%(id)s” is not in orgs.csv.") % {"id": org})
            continue
        class_school = schools.get(org)
        if class_school is None:
            roster.error(
                "classes.csv", line, _("Unknown school: no school has the code “%(id)s”.") % {"id": org_codes[org]}
            )
            continue
        if school is not None and class_school.pk != school.pk:
            roster.error(
                "classes.csv",
                line,
                _("This class belongs to %(other)s; this import is for %(school)s only.")
                % {"other": class_school.name, "school": school.name},
            )
            continue
        grade, problem = parse_grade(row.get("grades", "").split(",")[0], class_school)
        name, name_problem = parse_class_name(row.get("title", ""))
        terms = [t.strip() for t in row.get("termsourcedids", "").split(",") if t.strip()]
        unknown_terms = [t for t in terms if t not in years]
        if unknown_terms:
            problem = problem or _("The term “%(id)s” is not in academicSessions.csv.") % {"id": unknown_terms[0]}
        for p in (problem, name_problem):
            if p:
                roster.error("classes.csv", line, p)
        if problem or name_problem:
            continue
        year = years[terms[0]] if terms else default_year
        key = ClassKey(school_id=class_school.pk, start_year=year, grade=grade, name=name, sourced_id=sid)
        classes[sid] = _Class(line=line, key=key, school=class_school)
        bad_classes.discard(sid)

    users: dict[str, Row] = {}
    for line, row in tables["users.csv"]:
        sid = row.get("sourcedid", "")
        if sid in users:
            roster.error("users.csv", line, _("The user ID “%(id)s” appears twice.") % {"id": sid})
            continue
        users[sid] = (line, row)

    homeroom_of: dict[str, tuple[int, _Class, int | None]] = {}
    teachers: dict[str, TeacherRecord] = {}
    for line, row in tables["enrollments.csv"]:
        class_id, user_id = row.get("classsourcedid", ""), row.get("usersourcedid", "")
        role = row.get("role", "").lower()
        if user_id not in users:
            roster.error("enrollments.csv", line, _("The user “%(id)s” is not in users.csv.") % {"id": user_id})
            continue
        if class_id in other_classes or (class_id in bad_classes and class_id not in classes):
            continue
        if class_id not in classes:
            roster.error(
                "enrollments.csv",
                line,
                _("Unknown class: “%(id)s” is not in classes.csv.") % {"id": class_id},
            )
            continue
        klass = classes[class_id]
        if role == "student":
            number, problem = parse_number(row.get(ATTENDANCE_NUMBER, ""))
            if problem:
                roster.error("enrollments.csv", line, problem)
                continue
            earlier = homeroom_of.get(user_id)
            if earlier and earlier[1].key.start_year == klass.key.start_year and earlier[1] is not klass:
                roster.error(
                    "enrollments.csv",
                    line,
                    _("The student “%(id)s” is already in another class of this school year (line %(line)s).")
                    % {"id": user_id, "line": earlier[0]},
                )
                continue
            homeroom_of[user_id] = (line, klass, number)
        elif role == "teacher":
            user_line, user = users[user_id]
            teacher = teachers.get(user_id)
            if teacher is None:
                teacher = teachers[user_id] = TeacherRecord(
                    file="users.csv",
                    line=user_line,
                    sourced_id=user_id,
                    username=user.get("username") or user_id,
                    family_name=user.get("familyname", ""),
                    given_name=user.get("givenname", ""),
                    email=user.get("email", ""),
                )
            teacher.schools[klass.school.pk] = klass.school
            teacher.classes[klass.key] = (
                teacher.classes.get(klass.key, False) or row.get("primary", "").lower() == "true"
            )

    has_number = ATTENDANCE_NUMBER in columns["enrollments.csv"]
    kana_family = KANA_FAMILY in columns["users.csv"]
    kana_given = KANA_GIVEN in columns["users.csv"]
    for user_id, (_line, klass, number) in homeroom_of.items():
        user_line, user = users[user_id]
        problem = check_id(user_id) or check_names(
            user.get("familyname", ""), user.get("givenname", ""), user.get(KANA_FAMILY, ""), user.get(KANA_GIVEN, "")
        )
        if problem:
            roster.error("users.csv", user_line, problem)
            continue
        roster.students.append(
            StudentRecord(
                file="users.csv",
                line=user_line,
                sourced_id=user_id,
                family_name=user["familyname"],
                given_name=user["givenname"],
                family_name_kana=user.get(KANA_FAMILY, "") if kana_family else None,
                given_name_kana=user.get(KANA_GIVEN, "") if kana_given else None,
                school=klass.school,
                class_key=klass.key,
                number=number,
                has_number=has_number,
            )
        )
    for teacher in teachers.values():
        problem = check_id(teacher.username) or check_names(teacher.family_name, teacher.given_name)
        if teacher.sourced_id in homeroom_of:
            problem = _("The user “%(id)s” is enrolled both as a student and as a teacher.") % {
                "id": teacher.sourced_id
            }
        if problem:
            roster.error("users.csv", teacher.line, problem)
            continue
        roster.teachers.append(teacher)
    roster.guardians_skipped = len(_guardians(tables, roles) - set(homeroom_of) - set(teachers))
    return roster
