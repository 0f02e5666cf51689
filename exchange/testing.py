"""Builders of exchange data for the tests, the permission matrix and the demo city (never loaded at start-up)."""

from __future__ import annotations

import datetime

from school_portal.core.models import ClassGroup, PartnerTeacher, Role, User
from school_portal.core.services import role_assign
from school_portal.core.testing.world import World

from .models import ClassAvailability, Exchange, PartnerAvailability, PartnerClass, PartnerSchool, Period, VideoRoom

# An elementary timetable (Asia/Tokyo).
PERIODS = [
    (1, datetime.time(8, 45), datetime.time(9, 30)),
    (2, datetime.time(9, 40), datetime.time(10, 25)),
    (3, datetime.time(10, 45), datetime.time(11, 30)),
    (4, datetime.time(11, 40), datetime.time(12, 25)),
    (5, datetime.time(13, 50), datetime.time(14, 35)),
    (6, datetime.time(14, 45), datetime.time(15, 30)),
]


def periods_for(school_id: int) -> dict[int, Period]:
    return {
        number: Period.objects.get_or_create(
            school_id=school_id, number=number, defaults={"starts_at": starts, "ends_at": ends}
        )[0]
        for number, starts, ends in PERIODS
    }


def class_free(class_group: ClassGroup, *, periods: list[int], weekdays: range = range(5)) -> None:
    """The class is free for exchanges in these periods on these weekdays."""
    table = periods_for(class_group.school_id)
    for weekday in weekdays:
        for number in periods:
            ClassAvailability.objects.get_or_create(class_group=class_group, weekday=weekday, period=table[number])


def partner_class(
    *,
    name: str = "Lincoln Elementary",
    zone: str = "America/Los_Angeles",
    country: str = "US",
    class_name: str = "Grade 4",
    languages: str = "en,es",
    subjects: str = "english,science",
    age: int = 9,
    hours: tuple[datetime.time, datetime.time] = (datetime.time(8, 0), datetime.time(17, 0)),
    weekend: str = "5,6",
) -> PartnerClass:
    school, _ = PartnerSchool.objects.get_or_create(
        name=name,
        defaults={
            "country": country,
            "time_zone": zone,
            "languages": languages,
            "age_min": max(age - 3, 5),
            "age_max": age + 3,
            "subjects": subjects,
            "weekend_days": weekend,
            "verified": True,
        },
    )
    klass, created = PartnerClass.objects.get_or_create(
        partner_school=school, name=class_name, defaults={"size": 24, "age": age}
    )
    if created:
        for weekday in range(7):
            PartnerAvailability.objects.create(
                partner_class=klass, weekday=weekday, starts_at=hours[0], ends_at=hours[1]
            )
    return klass


def partner_teacher(
    username: str,
    institution: str = "Lincoln Elementary",
    country: str = "US",
    *,
    password: str = "partner-pass-2026",  # noqa: S107 (test accounts)
) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": username, "email": f"{username}@partner.example"}
    )
    if created:
        user.set_password(password)
        user.save()
        PartnerTeacher.objects.create(user=user, institution=institution, country=country)
        role_assign(user=user, role=Role.PARTNER_TEACHER)
    return user


def world_exchange(world: World) -> Exchange:
    """The shared world's exchange: the homeroom teacher's class with the world's partner teacher's class."""
    found = Exchange.objects.filter(class_group=world.class_group, partner_class__name="Grade 4").first()
    if found is not None:  # looked up, not kept: the shared world outlives each test's transaction
        return found
    klass = partner_class(hours=(datetime.time(0, 0), datetime.time(23, 59)))
    room, _ = VideoRoom.objects.get_or_create(school=world.school, name="Video room")
    exchange = Exchange.objects.create(
        school=world.school,
        class_group=world.class_group,
        teacher=world.users["homeroom_teacher"],
        partner_class=klass,
        partner_teacher=world.users["partner_teacher"],
        room=room,
    )
    return exchange


def other_exchange(world: World) -> Exchange:
    """An exchange of the other school's class with a partner teacher of its own: nobody's of the world's."""
    stranger = partner_teacher("p-stranger", "Harbour School", "AU")
    klass = partner_class(name="Harbour School", zone="Australia/Sydney", country="AU")
    exchange, _ = Exchange.objects.get_or_create(
        class_group=world.sibling_class,
        partner_class=klass,
        defaults={
            "school": world.other_school,
            "teacher": world.users["other_school_teacher"],
            "partner_teacher": stranger,
        },
    )
    return exchange
