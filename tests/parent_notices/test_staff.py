"""The staff's side of a notice: who read and replied by class, the export, the reminder; absence reports."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from parent_notices import services
from parent_notices.models import AbsenceReport, Audience, Notice
from parent_notices.testing import ATTEND, attendance, notice_publish
from school_portal.core.models import Job

pytestmark = pytest.mark.django_db


def test_the_teacher_sees_who_read_and_replied_by_class_and_exports_it_formula_safe(world, client_as) -> None:
    notice = notice_publish(school=world.school, audience=Audience.GRADE, grade=3, body=[attendance()])
    guardian = client_as("guardian")
    guardian.get(reverse("parent_notices:notice", args=[notice.pk]))
    guardian.post(
        reverse("parent_notices:reply", args=[notice.pk, ATTEND]),
        {"student": world.child.pk, "choice": "yes", "comment": '=HYPERLINK("http://evil")<b>x</b>'},
    )
    teacher = client_as("homeroom_teacher")
    page = teacher.get(reverse("parent_notices:tally", args=[notice.pk])).content.decode()
    assert world.class_group.label in page and "山田 花子" in page and "佐藤 太郎" in page
    assert _("Not read") in page  # the classmate's family has not opened it
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page

    response = teacher.get(reverse("parent_notices:tally_csv", args=[notice.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    hanako = next(r for r in rows if "山田 花子" in r)
    assert _("Attending") in hanako  # the answer as the teacher reads it, not its stored value
    assert any(cell.startswith("'=HYPERLINK") for cell in hanako)
    xlsx = teacher.get(reverse("parent_notices:tally_xlsx", args=[notice.pk]))
    assert xlsx.content[:2] == b"PK"


def test_the_tally_shows_the_first_read_of_either_guardian_in_the_same_queries_for_more_families(world) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parent_notices import selectors
    from parent_notices.models import NoticeRead, NoticeReply
    from school_portal.core.models import Enrollment, Guardian, GuardianLink, Student, User

    notice = notice_publish(school=world.school, audience=Audience.CLASS, class_groups=[world.class_group])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.tally(notice)
        return len(captured)

    before = queries()
    mother = Guardian.objects.get(user=world.users["guardian"])
    father = Guardian.objects.create(user=User.objects.create(username="m-father", display_name="山田 父"))
    GuardianLink.objects.create(guardian=father, student=world.child)
    early = timezone.now() - datetime.timedelta(hours=2)
    NoticeRead.objects.create(notice=notice, guardian=mother, read_at=timezone.now())
    NoticeRead.objects.create(notice=notice, guardian=father, read_at=early)
    for i in range(5):
        student = Student.objects.create(
            user=User.objects.create(username=f"m-extra-{i}"),
            school=world.school,
            sourced_id=f"m-extra-{i}",
            family_name="鈴木",
            given_name=str(i),
        )
        Enrollment.objects.create(student=student, class_group=world.class_group, school_year=world.school_year)
        NoticeReply.objects.create(notice=notice, block_id=ATTEND, student=student, guardian=father, choice="no")
    assert queries() == before

    result = selectors.tally(notice)
    rows = {row.name: row for group in result.classes for row in group.rows}
    assert result.families == 7 and result.read == 1
    assert rows["山田 花子"].read_at == early  # the first of the two guardians who opened it
    assert not rows["佐藤 太郎"].read
    assert result.choices == {ATTEND: {"no": 5}}


def test_a_reminder_reaches_the_families_who_have_not_read_and_reports_how_many(world, client_as) -> None:
    notice = notice_publish(school=world.school, audience=Audience.CLASS, class_groups=[world.class_group])
    client_as("guardian").get(reverse("parent_notices:notice", args=[notice.pk]))
    response = client_as("homeroom_teacher").post(reverse("parent_notices:remind", args=[notice.pk]))
    job = Job.objects.get(kind="parent_notices.remind")
    assert response.url == reverse("core:job_detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED
    assert job.message == _("%(count)s families reminded.") % {"count": 1}  # the classmate's family only


def test_a_teacher_of_another_school_cannot_see_the_tally(world, client_as) -> None:
    notice = notice_publish(school=world.school)
    for role in ("other_school_teacher", "other_school_admin", "guardian"):
        assert client_as(role).get(reverse("parent_notices:tally", args=[notice.pk])).status_code == 404


def test_an_absence_before_the_cutoff_reaches_the_homeroom_list_and_the_school_totals(world, client_as) -> None:
    services.school_cutoff_set(school=world.school, by=world.users["school_admin"], cutoff=datetime.time(23, 59, 59))
    client = client_as("guardian")
    response = client.post(
        reverse("parent_notices:absence"),
        {
            "student": world.child.pk,
            "date": timezone.localdate().isoformat(),
            "kind": "absent",
            "reason": "illness",
            "temperature": "38.2",
            "note": "<script>x</script>",
        },
        follow=True,
    )
    assert _("The school has your report.") in response.content.decode()
    report = AbsenceReport.objects.get()
    assert not report.after_cutoff
    page = client_as("homeroom_teacher").get(reverse("parent_notices:class_absences", args=[world.class_group.pk]))
    text = page.content.decode()
    assert "山田 花子" in text and "38.2" in text and "&lt;script&gt;" in text
    totals = client_as("school_admin").get(reverse("parent_notices:school_absences", args=[world.school.pk]))
    assert totals.context["totals"] == [{"grade": 3, "absent": 1, "late": 0, "early": 0, "after_cutoff": 0}]


def test_a_report_after_the_cutoff_is_accepted_and_flagged(world, client_as) -> None:
    services.school_cutoff_set(school=world.school, by=world.users["school_admin"], cutoff=datetime.time(0, 0))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    client = client_as("guardian")
    client.post(
        reverse("parent_notices:absence"),
        {"student": world.child.pk, "date": yesterday.isoformat(), "kind": "late", "reason": "appointment"},
    )
    assert AbsenceReport.objects.get().after_cutoff


@pytest.mark.parametrize(
    "change,message",
    [
        ({"student": "classmate"}, None),  # not one of the choices: the form refuses it
        ({"date": "far_past"}, "That day is too far in the past; please call the school."),
        ({"temperature": "50"}, None),
        ({"kind": "holiday"}, None),
        ({"note": "x" * 501}, None),
    ],
)
def test_bad_absence_reports_are_refused_with_a_message_and_nothing_is_saved(world, client_as, change, message) -> None:
    data = {
        "student": world.child.pk,
        "date": timezone.localdate().isoformat(),
        "kind": "absent",
        "reason": "illness",
    }
    if change.get("student") == "classmate":
        data["student"] = world.classmate.pk
    elif change.get("date") == "far_past":
        data["date"] = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    else:
        data.update(change)
    response = client_as("guardian").post(reverse("parent_notices:absence"), data)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    if message:
        assert _(message) in response.content.decode()
    assert not AbsenceReport.objects.exists()


def test_the_service_refuses_a_report_for_a_child_who_is_not_theirs(world) -> None:
    from school_portal.core.services import PortalError

    with pytest.raises(PortalError):
        services.absence_report(
            by=world.users["guardian"],
            student_id=world.classmate.pk,
            date=timezone.localdate(),
            kind="absent",
            reason="illness",
        )
    assert not AbsenceReport.objects.exists()


def test_only_a_live_notice_can_be_reminded_of(world) -> None:
    from school_portal.core.services import PortalError

    draft = notice_publish(school=world.school, publish=False)
    with pytest.raises(PortalError):
        services.notice_remind(notice=Notice.objects.get(pk=draft.pk), by=world.users["homeroom_teacher"])
