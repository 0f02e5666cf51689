"""Assigning a lesson to classes, with open and due dates in Japan time, and the child's "today / this week"."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from classrooms import lesson_builder as lb
from classrooms import selectors, services
from classrooms.assign_defaults import default_due, default_opening
from classrooms.models import Assignment
from school_portal.core.access import policy
from school_portal.core.models import Enrollment, Student, User
from school_portal.core.services import PortalError

pytestmark = pytest.mark.django_db
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def test_a_teacher_assigns_a_lesson_with_dates_read_in_japan_time(client_as, cw, world):
    response = client_as("homeroom_teacher").post(
        reverse("classrooms:assign", args=[cw.lesson.pk]),
        {
            "class_groups": [world.class_group.pk],
            "opens_at": "2026-06-01T08:30",
            "due_at": "2026-06-03T15:00",
            "order": 2,
        },
    )
    assert response.status_code == 302
    assignment = Assignment.objects.latest("pk")
    assert assignment.opens_at == datetime.datetime(2026, 6, 1, 8, 30, tzinfo=TOKYO)
    assert assignment.due_at == datetime.datetime(2026, 6, 3, 15, 0, tzinfo=TOKYO)
    assert list(assignment.class_groups.all()) == [world.class_group] and assignment.order == 2


def test_a_due_date_before_the_open_date_is_refused_with_a_message(client_as, cw, world):
    count = Assignment.objects.count()
    response = client_as("homeroom_teacher").post(
        reverse("classrooms:assign", args=[cw.lesson.pk]),
        {
            "class_groups": [world.class_group.pk],
            "opens_at": "2026-06-03T08:30",
            "due_at": "2026-06-01T15:00",
            "order": 0,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "The due date must not be before the open date." in response.content.decode()
    assert Assignment.objects.count() == count


def test_the_service_and_the_database_refuse_a_due_date_before_the_open_date(cw, world):
    now = timezone.now()
    with pytest.raises(PortalError):
        services.assignment_create(
            lesson=cw.lesson,
            class_groups=[world.class_group],
            opens_at=now,
            due_at=now - datetime.timedelta(hours=1),
            by=world.users["homeroom_teacher"],
        )
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            lesson=cw.lesson, school=world.school, opens_at=now, due_at=now - datetime.timedelta(seconds=1)
        )


def test_a_draft_lesson_cannot_be_assigned_even_by_its_url(client_as, cw, world):
    draft = lb.lesson_ensure(
        parent=cw.unit, slug="draft", title="下書き", subject="maths", grade=3, body=[], revision=False
    )
    draft.unpublish()
    draft.refresh_from_db()
    teacher = client_as("homeroom_teacher")
    assert teacher.get(reverse("classrooms:assign", args=[draft.pk])).status_code == 404
    assert teacher.get(reverse("classrooms:assign", args=[cw.lesson.pk])).status_code == 200
    now = timezone.now()
    with pytest.raises(PortalError):
        services.assignment_create(
            lesson=draft,
            class_groups=[world.class_group],
            opens_at=now,
            due_at=now + datetime.timedelta(days=1),
            by=world.users["homeroom_teacher"],
        )
    assert not Assignment.objects.filter(lesson=draft).exists()


def test_a_teacher_cannot_assign_to_a_class_they_do_not_teach(cw, world):
    now = timezone.now()
    with pytest.raises(PortalError):
        services.assignment_create(
            lesson=cw.lesson,
            class_groups=[world.other_class],
            opens_at=now,
            due_at=now + datetime.timedelta(days=1),
            by=world.users["homeroom_teacher"],
        )


def test_the_assign_form_offers_only_the_teachers_own_classes(client_as, cw, world):
    html = client_as("homeroom_teacher").get(reverse("classrooms:assign", args=[cw.lesson.pk])).content.decode()
    assert f'name="class_groups" value="{world.class_group.pk}"' in html
    assert f'name="class_groups" value="{world.other_class.pk}"' not in html


def _assign(cw, world, *, opens, due, order=0, title=None):
    lesson = cw.lesson
    if title:
        from classrooms import lesson_builder as lb

        lesson = lb.lesson_ensure(
            parent=cw.unit, slug=title, title=title, subject="maths", grade=3, body=[], revision=False
        )
    return services.assignment_create(
        lesson=lesson,
        class_groups=[world.class_group],
        opens_at=opens,
        due_at=due,
        order=order,
        by=world.users["homeroom_teacher"],
    )


def _day(world, now):
    return selectors.student_assignments(policy.actor(world.child.user), now=now)


def test_the_child_sees_today_in_the_teachers_order_then_tomorrow_then_later(cw, world):
    # Wednesday 10:00 in Tokyo
    now = datetime.datetime(2026, 6, 3, 10, 0, tzinfo=TOKYO)
    morning = now.replace(hour=8)
    second = _assign(cw, world, opens=morning, due=now.replace(hour=15), order=2, title="second")
    first = _assign(cw, world, opens=morning, due=now.replace(hour=16), order=1, title="first")
    thursday = _assign(cw, world, opens=morning, due=now + datetime.timedelta(days=1), title="thursday")
    friday = _assign(cw, world, opens=morning, due=now + datetime.timedelta(days=2), title="friday")
    next_week = _assign(cw, world, opens=morning, due=now + datetime.timedelta(days=8), title="next-week")
    # the world's own assignment opened an hour before the real now: not part of this fixed day
    Assignment.objects.filter(pk=cw.assignment.pk).delete()
    day = _day(world, now)
    assert [a.pk for a in day.today] == [first.pk, second.pk]
    assert [a.pk for a in day.next_school_day] == [thursday.pk] and day.next_school_day_is_tomorrow
    assert [a.pk for a in day.later] == [friday.pk, next_week.pk]


def test_on_a_sunday_work_due_on_monday_is_due_tomorrow_not_later(cw, world):
    sunday = datetime.datetime(2026, 6, 7, 19, 0, tzinfo=TOKYO)  # the week ends on Sunday
    opened = sunday - datetime.timedelta(days=2)
    monday = _assign(cw, world, opens=opened, due=datetime.datetime(2026, 6, 8, 8, 30, tzinfo=TOKYO), title="mon")
    tuesday = _assign(cw, world, opens=opened, due=datetime.datetime(2026, 6, 9, 15, 0, tzinfo=TOKYO), title="tue")
    Assignment.objects.filter(pk=cw.assignment.pk).delete()
    day = _day(world, sunday)
    assert [a.pk for a in day.next_school_day] == [monday.pk] and day.next_school_day_is_tomorrow
    assert [a.pk for a in day.later] == [tuesday.pk]


def test_on_a_friday_mondays_homework_is_due_by_the_next_school_day(cw, world):
    friday = datetime.datetime(2026, 6, 5, 16, 0, tzinfo=TOKYO)
    opened = friday - datetime.timedelta(days=1)
    tonight = _assign(cw, world, opens=opened, due=friday.replace(hour=20), title="tonight")
    monday = _assign(cw, world, opens=opened, due=datetime.datetime(2026, 6, 8, 8, 30, tzinfo=TOKYO), title="mon")
    tuesday = _assign(cw, world, opens=opened, due=datetime.datetime(2026, 6, 9, 8, 30, tzinfo=TOKYO), title="tue")
    Assignment.objects.filter(pk=cw.assignment.pk).delete()
    day = _day(world, friday)
    assert [a.pk for a in day.today] == [tonight.pk]
    assert [a.pk for a in day.next_school_day] == [monday.pk]
    assert day.next_school_date == datetime.date(2026, 6, 8) and not day.next_school_day_is_tomorrow
    assert [a.pk for a in day.later] == [tuesday.pk]


def test_before_silver_week_the_next_school_day_is_after_the_three_holidays(cw, world):
    """Friday 18 September 2026, then a weekend and 敬老の日, 国民の休日 and 秋分の日 (Monday to Wednesday):
    Thursday's homework is the next school day's."""
    friday = datetime.datetime(2026, 9, 18, 16, 0, tzinfo=TOKYO)
    opened = friday - datetime.timedelta(days=1)
    thursday = _assign(cw, world, opens=opened, due=datetime.datetime(2026, 9, 24, 8, 30, tzinfo=TOKYO), title="thu")
    later = _assign(cw, world, opens=opened, due=datetime.datetime(2026, 9, 25, 8, 30, tzinfo=TOKYO), title="fri")
    Assignment.objects.filter(pk=cw.assignment.pk).delete()
    day = _day(world, friday)
    assert [a.pk for a in day.next_school_day] == [thursday.pk]
    assert day.next_school_date == datetime.date(2026, 9, 24) and not day.next_school_day_is_tomorrow
    assert [a.pk for a in day.later] == [later.pk]


def test_late_at_night_in_tokyo_the_day_is_tokyos_not_utcs(cw, world):
    # 00:30 on Tuesday in Tokyo is still Monday in UTC: Tuesday's work is today's.
    now = datetime.datetime(2026, 6, 9, 0, 30, tzinfo=TOKYO)
    due = _assign(cw, world, opens=now - datetime.timedelta(days=1), due=now.replace(hour=15), title="tue")
    Assignment.objects.filter(pk=cw.assignment.pk).delete()
    assert [a.pk for a in _day(world, now).today] == [due.pk]


def test_work_returned_for_revision_comes_first_whatever_its_due_date(cw, world):
    now = datetime.datetime(2026, 6, 3, 10, 0, tzinfo=TOKYO)
    today = _assign(cw, world, opens=now - datetime.timedelta(days=1), due=now.replace(hour=15), title="today")
    far = _assign(cw, world, opens=now - datetime.timedelta(days=1), due=now + datetime.timedelta(days=10), title="far")
    long_ago = _assign(
        cw, world, opens=now - datetime.timedelta(days=40), due=now - datetime.timedelta(days=30), title="long-ago"
    )
    for assignment in (far, long_ago):
        sheet = services.sheet_for(assignment=assignment, student_id=world.child.pk)
        services.sheet_submit(sheet=sheet)
        services.sheet_feedback(
            sheet=sheet, by=world.users["homeroom_teacher"], feedback="もういちど", return_for_revision=True
        )
    Assignment.objects.filter(pk=cw.assignment.pk).delete()
    day = _day(world, now)
    assert [a.pk for a in day.returned] == [long_ago.pk, far.pk]
    assert [a.pk for a in day.today] == [today.pk]
    assert not day.later and not day.overdue


def test_the_childs_home_puts_returned_work_first_with_furigana_on_subject_and_status(client_as, cw, world):
    services.sheet_submit(sheet=cw.sheet)
    services.sheet_feedback(sheet=cw.sheet, by=world.users["homeroom_teacher"], return_for_revision=True)
    other = _assign(cw, world, opens=timezone.now(), due=timezone.now() + datetime.timedelta(days=20), title="later")
    handed_in = services.sheet_for(assignment=other, student_id=world.child.pk)
    services.sheet_submit(sheet=handed_in)
    html = client_as("student").get(reverse("core:dashboard")).content.decode()
    assert html.index('id="day-returned"') < html.index('id="day-today"') < html.index('id="day-later"')
    assert html.index(reverse("classrooms:work", args=[cw.assignment.pk])) < html.index('id="day-today"')
    assert "<ruby>算数<rp>(</rp><rt>さんすう</rt><rp>)</rp></ruby>・<ruby>数学" in html
    assert "<ruby>提出<rp>(</rp><rt>ていしゅつ</rt><rp>)</rp></ruby>ずみ" in html
    english = client_as("student")
    english.cookies["django_language"] = "en"
    html_en = english.get(reverse("core:dashboard")).content.decode()
    assert "Mathematics" in html_en and "Handed in" in html_en
    assert "<ruby>" not in html_en.split('id="day-returned"')[1]


def test_a_child_reads_checked_with_furigana_on_their_sheet_and_a_guardian_reads_it_plain(client_as, cw, world):
    services.sheet_submit(sheet=cw.sheet)
    services.sheet_feedback(sheet=cw.sheet, by=world.users["homeroom_teacher"], feedback="よくできました")
    url = reverse("classrooms:sheet", args=[cw.sheet.pk])
    assert (
        "<ruby>確認<rp>(</rp><rt>かくにん</rt><rp>)</rp></ruby>ずみ" in client_as("student").get(url).content.decode()
    )
    guardian_page = client_as("guardian").get(url).content.decode()
    assert "確認ずみ" in guardian_page and "<rt>かくにん</rt>" not in guardian_page


def test_the_dashboard_of_a_child_lists_their_lesson(client_as, cw):
    html = client_as("student").get(reverse("core:dashboard")).content.decode()
    assert cw.lesson.title in html and reverse("classrooms:work", args=[cw.assignment.pk]) in html


def test_a_guardian_finds_the_teachers_feedback_from_their_dashboard(client_as, cw, world):
    services.sheet_submit(sheet=cw.sheet)
    services.sheet_feedback(
        sheet=cw.sheet, by=world.users["homeroom_teacher"], feedback="ていねいに かけました", stamp="good"
    )
    dashboard = client_as("guardian").get(reverse("core:dashboard")).content.decode()
    assert reverse("classrooms:sheet", args=[cw.sheet.pk]) in dashboard
    assert (
        reverse("classrooms:sheet", args=[cw.sheet.pk])
        not in client_as("other_guardian").get(reverse("core:dashboard")).content.decode()
    )
    html = client_as("guardian").get(reverse("classrooms:sheet", args=[cw.sheet.pk])).content.decode()
    assert "ていねいに かけました" in html
    assert client_as("other_guardian").get(reverse("classrooms:sheet", args=[cw.sheet.pk])).status_code == 404


def test_children_named_on_an_assignment_must_be_in_its_classes(cw, world):
    now = timezone.now()
    with pytest.raises(PortalError) as refused:
        services.assignment_create(
            lesson=cw.lesson,
            class_groups=[world.other_class],
            students=[world.classmate],  # in 3-1, not in 3-2
            opens_at=now,
            due_at=now + datetime.timedelta(days=1),
            by=world.users["school_admin"],
        )
    assert str(world.classmate) in str(refused.value)  # the message names the child
    assert not Assignment.objects.filter(class_groups=world.other_class, students=world.classmate).exists()
    named = services.assignment_create(
        lesson=cw.lesson,
        class_groups=[world.class_group],
        students=[world.classmate],
        opens_at=now,
        due_at=now + datetime.timedelta(days=1),
        by=world.users["school_admin"],
    )
    assert list(named.students.all()) == [world.classmate]


def test_the_assign_page_and_the_review_grid_list_the_children_in_the_same_order(client_as, cw, world, big_class):
    """出席番号 first, then the name: 35 children whose kana order is not their number order, in two classes."""
    teacher = client_as("homeroom_teacher")
    page = teacher.get(reverse("classrooms:assign", args=[cw.lesson.pk]))
    classes = list(page.context["form"].fields["class_groups"].queryset)
    assert big_class in classes and world.class_group in classes
    assignment = services.assignment_create(
        lesson=cw.lesson,
        class_groups=classes,
        opens_at=timezone.now(),
        due_at=timezone.now() + datetime.timedelta(days=1),
        by=User.objects.get(pk=world.users["homeroom_teacher"].pk),  # its facts read after big_class was made
    )
    grid = teacher.get(reverse("classrooms:review", args=[assignment.pk])).content.decode()

    offered = re.findall(r'name="students" value="\d+"[^>]*> ([^<]+)</label>', page.content.decode())
    reviewed = [name.strip() for name in re.findall(r'<th scope="row">(?:<a href="[^"]*">)?([^<]+)', grid)]
    assert len(offered) >= 37
    assert offered == reviewed
    big = [
        name
        for name in offered
        if name in {s.full_name for s in Student.objects.filter(enrollments__class_group=big_class)}
    ]
    by_number = [e.student.full_name for e in Enrollment.objects.filter(class_group=big_class).order_by("number")]
    assert big == by_number != sorted(by_number, key=lambda name: name)


def test_the_assign_form_proposes_opening_now_and_the_end_of_the_next_school_day(client_as, cw):
    before = timezone.now()
    html = client_as("homeroom_teacher").get(reverse("classrooms:assign", args=[cw.lesson.pk])).content.decode()
    after = timezone.now()

    openings = {f"{default_opening(moment):%Y-%m-%dT%H:%M}" for moment in (before, after)}
    assert any(f'name="opens_at" value="{value}"' in html for value in openings)
    assert f'name="due_at" value="{default_due(before):%Y-%m-%dT%H:%M}"' in html


@pytest.mark.parametrize(
    ("now", "opening", "due"),
    [
        # A Wednesday afternoon: due Thursday at the end of the day.
        ((2026, 6, 3, 14, 7, 31), (2026, 6, 3, 14, 5), (2026, 6, 4, 16, 0)),
        # A Friday: due Monday, never on the weekend.
        ((2026, 6, 5, 8, 30, 0), (2026, 6, 5, 8, 30), (2026, 6, 8, 16, 0)),
        # A Saturday evening, Japan time (still Saturday morning in UTC): due Monday.
        ((2026, 6, 6, 21, 59, 0), (2026, 6, 6, 21, 55), (2026, 6, 8, 16, 0)),
    ],
)
def test_the_default_times_are_read_in_japan_time(now, opening, due):
    moment = datetime.datetime(*now, tzinfo=TOKYO).astimezone(datetime.UTC)
    assert default_opening(moment) == datetime.datetime(*opening, tzinfo=TOKYO)
    assert default_due(moment) == datetime.datetime(*due, tzinfo=TOKYO)
