"""The exchange's part of the demo city: partner schools in London, Los Angeles and Sydney (with DST) and
Singapore (without), an exchange each for the first demo school's class, and sessions proposed, booked and held
(on days both schools are open: never on a Japanese national holiday, nor on the demo school's founding day, a
closed day of its own). Idempotent: run again, it finds what it made."""

from __future__ import annotations

import datetime
from typing import IO

from django.utils import timezone

from school_portal.core.seeding import DEMO_PASSWORD, DemoCity

from .models import Exchange, SchoolClosedDay, Session, VideoRoom
from .slots import exchange_slots, osaka_closed_days
from .testing import class_free, partner_class, partner_teacher
from .zones import TOKYO, local_to_utc

T = datetime.time
PARTNERS = [
    # username, school, zone, country, class, languages, subjects, hours (local)
    (
        "partner-lincoln",
        "Lincoln Elementary School",
        "America/Los_Angeles",
        "US",
        "Grade 4",
        "en,es",
        "english,science",
        (T(15, 0), T(17, 0)),
    ),
    ("partner-hill", "Hill Primary School", "Europe/London", "GB", "Year 5", "en", "english,art", (T(5, 30), T(9, 0))),
    (
        "partner-harbour",
        "Harbour Public School",
        "Australia/Sydney",
        "AU",
        "Year 4",
        "en",
        "science,geography",
        (T(9, 0), T(15, 0)),
    ),
    (
        "partner-lion",
        "Lion City Primary School",
        "Asia/Singapore",
        "SG",
        "Primary 4",
        "en,zh",
        "english,maths",
        (T(8, 0), T(14, 0)),
    ),
]


def seed(demo: DemoCity, out: IO[str] | None = None) -> None:
    class_group = demo.classes[0]
    teacher = demo.users[f"teacher-{class_group.school.slug}-{class_group.grade}"]
    class_free(class_group, periods=[1, 3, 5, 6])
    room, _ = VideoRoom.objects.get_or_create(school=class_group.school, name="視聴覚室")
    founding = _next_weekday(timezone.localdate() + datetime.timedelta(days=10))
    SchoolClosedDay.objects.get_or_create(
        school=class_group.school, name="開校記念日", defaults={"starts_on": founding, "ends_on": founding}
    )
    today = timezone.localdate()
    closed = osaka_closed_days(school_id=class_group.school_id, first=today - datetime.timedelta(days=60), last=today)
    for index, (username, school, zone, country, class_name, languages, subjects, hours) in enumerate(PARTNERS):
        user = demo.users.get(username) or partner_teacher(username, school, country, password=DEMO_PASSWORD)
        klass = partner_class(
            name=school,
            zone=zone,
            country=country,
            class_name=class_name,
            languages=languages,
            subjects=subjects,
            age=9,
            hours=hours,
        )
        exchange, created = Exchange.objects.get_or_create(
            class_group=class_group,
            partner_class=klass,
            defaults={"school": class_group.school, "teacher": teacher, "partner_teacher": user, "room": room},
        )
        if not created or exchange.sessions.exists():
            continue
        found = exchange_slots(exchange=exchange, start_day=timezone.localdate(), days=42)
        base = {
            "exchange": exchange,
            "school": exchange.school,
            "class_group": class_group,
            "partner_class": klass,
            "room": room,
            "proposed_by": teacher,
            "proposed_side": Session.Side.SCHOOL,
        }
        taken = Session.objects.filter(state=Session.State.ACCEPTED, room=room).values_list("starts_at", flat=True)
        free = [s for s in found if s.starts_at not in set(taken)]
        if len(free) >= 2:
            Session.objects.create(**base, starts_at=free[0].starts_at, ends_at=free[0].ends_at, state="accepted")
            Session.objects.create(**base, starts_at=free[-1].starts_at, ends_at=free[-1].ends_at, state="proposed")
        day, back = timezone.localdate() - datetime.timedelta(days=14), index
        # the index-th school day from two weeks ago: one held session a day
        while day.weekday() >= 5 or day in closed or back:
            if day.weekday() < 5 and day not in closed:
                back -= 1
            day -= datetime.timedelta(days=1)
        held = local_to_utc(day, T(10, 45), TOKYO)  # period 3, two or three weeks ago
        Session.objects.create(
            **base,
            starts_at=held,
            ends_at=held + datetime.timedelta(minutes=45),
            state="accepted",
            reminders_sent="week;test;day;",
        )
    demo.logins += [("partner teacher (London)", "partner-hill", DEMO_PASSWORD)]
    if out is not None:
        out.write(
            f"exchange: {len(PARTNERS)} partner schools (London, Los Angeles, Sydney, Singapore) for "
            f"{class_group}; partner teachers sign in as partner-lincoln or partner-hill\n"
        )


def _next_weekday(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day
