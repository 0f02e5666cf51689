"""Slots where both schools are in school, correct on the DST transition dates of London, Los Angeles and Sydney;
local times inside a DST gap or overlap refused; partner schools ranked for a class."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import translation

from exchange.models import Exchange, PartnerHoliday, SchoolClosedDay, VideoRoom
from exchange.slots import exchange_slots, partner_matches
from exchange.testing import class_free, partner_class, world_exchange
from exchange.zones import LocalTimeError, local_to_utc

pytestmark = pytest.mark.django_db

T = datetime.time
D = datetime.date
PAST = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("zone", "day", "time"),
    [
        ("Europe/London", D(2027, 3, 28), T(1, 30)),
        ("America/Los_Angeles", D(2027, 3, 14), T(2, 30)),
        ("Australia/Sydney", D(2027, 10, 3), T(2, 15)),
    ],
)
def test_a_local_time_inside_the_dst_gap_is_refused_with_a_clear_message(zone, day, time):
    with pytest.raises(LocalTimeError) as refused:
        local_to_utc(day, time, zoneinfo.ZoneInfo(zone))
    assert "does not exist" in str(refused.value) and zone in str(refused.value)


@pytest.mark.parametrize(
    ("zone", "day", "time"),
    [
        ("Europe/London", D(2027, 10, 31), T(1, 30)),
        ("America/Los_Angeles", D(2027, 11, 7), T(1, 15)),
        ("Australia/Sydney", D(2027, 4, 4), T(2, 30)),
    ],
)
def test_an_ambiguous_local_time_in_the_overlap_is_refused_with_a_clear_message(zone, day, time):
    with pytest.raises(LocalTimeError) as refused:
        local_to_utc(day, time, zoneinfo.ZoneInfo(zone))
    assert "happens twice" in str(refused.value)


def test_times_next_to_the_transitions_convert_exactly():
    london = zoneinfo.ZoneInfo("Europe/London")
    assert local_to_utc(D(2027, 3, 28), T(0, 59), london) == datetime.datetime(2027, 3, 28, 0, 59, tzinfo=datetime.UTC)
    assert local_to_utc(D(2027, 3, 28), T(2, 0), london) == datetime.datetime(2027, 3, 28, 1, 0, tzinfo=datetime.UTC)
    sydney = zoneinfo.ZoneInfo("Australia/Sydney")
    assert local_to_utc(D(2027, 4, 4), T(3, 0), sydney) == datetime.datetime(2027, 4, 3, 17, 0, tzinfo=datetime.UTC)
    singapore = zoneinfo.ZoneInfo("Asia/Singapore")  # no DST: every time exists once
    assert local_to_utc(D(2027, 3, 28), T(1, 30), singapore).hour == 17


def _exchange(world, klass, periods) -> Exchange:
    class_free(world.class_group, periods=periods)
    exchange = world_exchange(world)
    exchange.partner_class = klass
    exchange.save()
    return Exchange.objects.select_related("partner_class__partner_school").get(pk=exchange.pk)


def _tokyo(slot) -> str:
    return f"{slot.starts_at.astimezone(zoneinfo.ZoneInfo('Asia/Tokyo')):%m-%d %H:%M}"


def test_london_early_morning_fits_the_last_period_only_once_british_summer_time_begins(world):
    # Period 6 (14:45 JST) is 05:45 GMT in winter, 06:45 BST from 28 March 2027; the class meets from 06:00.
    klass = partner_class(name="Hill School", zone="Europe/London", country="GB", hours=(T(6, 0), T(8, 0)))
    exchange = _exchange(world, klass, periods=[6])
    slots = exchange_slots(exchange=exchange, start_day=D(2027, 3, 22), days=14, now=PAST)
    assert [_tokyo(s) for s in slots] == [f"{d} 14:45" for d in ("03-29", "03-30", "03-31", "04-01", "04-02")]
    assert slots[0].starts_at.astimezone(klass.partner_school.zone).strftime("%H:%M %Z") == "06:45 BST"


def test_los_angeles_after_school_fits_until_daylight_saving_time_begins_and_never_on_its_sunday(world):
    # Period 1 (08:45 JST) is 15:45 PST the day before, 16:45 PDT from 14 March 2027; the club ends 16:30.
    klass = partner_class(name="Lincoln", zone="America/Los_Angeles", hours=(T(15, 0), T(16, 30)))
    exchange = _exchange(world, klass, periods=[1])
    exchange.minutes = 45
    slots = exchange_slots(exchange=exchange, start_day=D(2027, 3, 8), days=12, now=PAST)
    # Tokyo's Monday morning is Los Angeles's Sunday: never; Tuesday to Friday of the first week only.
    assert [_tokyo(s) for s in slots] == ["03-09 08:45", "03-10 08:45", "03-11 08:45", "03-12 08:45"]
    assert slots[0].starts_at.astimezone(klass.partner_school.zone).strftime("%a %H:%M %Z") == "Mon 15:45 PST"


def test_sydney_lunchtime_fits_until_daylight_saving_time_ends(world):
    # Period 3 (10:45 JST) is 12:45 AEDT, then 11:45 AEST from 4 April 2027; the class meets 12:00–13:30.
    klass = partner_class(name="Harbour School", zone="Australia/Sydney", country="AU", hours=(T(12, 0), T(13, 30)))
    exchange = _exchange(world, klass, periods=[3])
    slots = exchange_slots(exchange=exchange, start_day=D(2027, 3, 29), days=14, now=PAST)
    assert [_tokyo(s) for s in slots] == [f"{d} 10:45" for d in ("03-29", "03-30", "03-31", "04-01", "04-02")]


def test_a_partner_holiday_and_a_local_friday_weekend_leave_no_slot(world):
    klass = partner_class(name="Gulf School", zone="Asia/Dubai", country="AE", hours=(T(7, 0), T(14, 0)), weekend="4,5")
    PartnerHoliday.objects.create(
        partner_school=klass.partner_school, name="Spring break", starts_on=D(2027, 5, 10), ends_on=D(2027, 5, 11)
    )
    exchange = _exchange(world, klass, periods=[5])  # 13:50 JST = 08:50 in Dubai (no DST)
    slots = exchange_slots(exchange=exchange, start_day=D(2027, 5, 10), days=7, now=PAST)
    # Mon 10 and Tue 11: holiday; Fri 14: Dubai's weekend.
    assert [_tokyo(s) for s in slots] == ["05-12 13:50", "05-13 13:50"]


def test_no_slot_is_proposed_on_a_japanese_holiday_or_the_schools_closed_day(world):
    klass = partner_class(name="Harbour School", zone="Australia/Sydney", country="AU", hours=(T(9, 0), T(15, 0)))
    exchange = _exchange(world, klass, periods=[3])
    # Silver Week 2026: 敬老の日 (Mon 21), 国民の休日 (Tue 22), 秋分の日 (Wed 23); the school closes on Fri 25.
    SchoolClosedDay.objects.create(
        school=world.school, name="Sports day make-up", starts_on=D(2026, 9, 25), ends_on=D(2026, 9, 25)
    )
    slots = exchange_slots(exchange=exchange, start_day=D(2026, 9, 21), days=5, now=PAST)
    assert [_tokyo(s) for s in slots] == ["09-24 10:45"]
    # Golden Week 2026: 3 May is a Sunday, so Wednesday 6 May is a 振替休日.
    slots = exchange_slots(exchange=exchange, start_day=D(2026, 5, 4), days=5, now=PAST)
    assert [_tokyo(s) for s in slots] == ["05-07 10:45", "05-08 10:45"]
    # The ranking counts only the open days: one shared period in Silver Week, not five.
    found = partner_matches(class_group=world.class_group, start_day=D(2026, 9, 21), days=5, now=PAST)
    assert klass in [m.partner_class for m in found]
    assert {m.shared_slots for m in found} == {1}


def test_slots_are_read_in_a_fixed_number_of_queries(world, django_assert_num_queries):
    klass = partner_class(name="Harbour School", zone="Australia/Sydney", country="AU", hours=(T(9, 0), T(15, 0)))
    exchange = _exchange(world, klass, periods=[1, 2, 3, 4, 5, 6])
    for days in (7, 60):
        with django_assert_num_queries(5):
            assert exchange_slots(exchange=exchange, start_day=D(2027, 6, 1), days=days, now=PAST)


def test_slots_leave_out_times_the_room_is_booked_by_another_class(world):
    klass = partner_class(name="Harbour School", zone="Australia/Sydney", country="AU", hours=(T(9, 0), T(15, 0)))
    exchange = _exchange(world, klass, periods=[3])
    other = Exchange.objects.create(
        school=world.school,
        class_group=world.other_class,
        teacher=world.users["other_teacher"],
        partner_class=partner_class(name="Hill School", zone="Europe/London", country="GB"),
        partner_teacher=world.users["partner_teacher"],
        room=VideoRoom.objects.get(school=world.school),
    )
    start = local_to_utc(D(2027, 6, 2), T(10, 45), zoneinfo.ZoneInfo("Asia/Tokyo"))
    other.sessions.create(
        school=world.school,
        class_group=world.other_class,
        partner_class=other.partner_class,
        room=other.room,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=45),
        state="accepted",
        proposed_by=world.users["other_teacher"],
        proposed_side="school",
    )
    slots = exchange_slots(exchange=exchange, start_day=D(2027, 6, 1), days=3, now=PAST)
    assert [_tokyo(s) for s in slots] == ["06-01 10:45", "06-03 10:45"]


def test_partners_are_ranked_by_language_subject_age_and_shared_hours(world, django_assert_num_queries):
    class_free(world.class_group, periods=[3, 5, 6])  # grade 3: about 9 years old
    best = partner_class(name="Harbour School", zone="Australia/Sydney", country="AU", hours=(T(9, 0), T(15, 0)))
    older = partner_class(
        name="Ridge School", zone="Australia/Brisbane", country="AU", age=14, hours=(T(9, 0), T(15, 0))
    )
    french = partner_class(
        name="École du Lac", zone="Europe/Paris", country="FR", languages="fr", hours=(T(6, 0), T(9, 0))
    )
    never = partner_class(name="Night School", zone="America/New_York", hours=(T(9, 0), T(15, 0)))
    with django_assert_num_queries(5):
        found = partner_matches(
            class_group=world.class_group, start_day=D(2027, 6, 1), days=30, language="en", subject="science", now=PAST
        )
    names = [m.partner_class for m in found]
    assert names[:3] == [best, older, french]
    assert never not in names  # New York's school day never meets Osaka's
    assert found[0].language and found[0].subject and found[0].age_gap == 0
    assert not found[2].language


def test_schools_sharing_a_weekly_pattern_keep_their_own_holidays_and_weekend_across_a_dst_change(world):
    """The matching finds a weekly pattern's slots once; each school still counts exactly the slots that fit it."""
    from exchange.slots import fits_partner, osaka_slots

    class_free(world.class_group, periods=[1, 2, 3, 4, 5, 6])
    hours = (T(6, 0), T(10, 0))  # London: Osaka's last period (05:45 UTC) fits only once DST starts on 28 March
    plain = partner_class(name="Thames School", zone="Europe/London", country="GB", hours=hours)
    closed = partner_class(name="Severn School", zone="Europe/London", country="GB", hours=hours)
    sunday_off = partner_class(name="Tyne School", zone="Europe/London", country="GB", hours=hours, weekend="6")
    PartnerHoliday.objects.create(
        partner_school=closed.partner_school, name="Easter", starts_on=D(2027, 3, 29), ends_on=D(2027, 4, 2)
    )
    start, days = D(2027, 3, 15), 30
    found = {
        m.partner_class: m
        for m in partner_matches(class_group=world.class_group, start_day=start, days=days, limit=50, now=PAST)
    }
    slots = osaka_slots(
        world.class_group.pk, school_id=world.class_group.school_id, start_day=start, days=days, now=PAST
    )
    for klass in (plain, closed, sunday_off):
        school = klass.partner_school
        holidays = list(school.holidays.values_list("starts_on", "ends_on"))
        windows = {weekday: [hours] for weekday in range(7)}
        expected = [
            s.starts_at
            for s in slots
            if fits_partner(
                s.starts_at,
                s.starts_at + datetime.timedelta(minutes=45),
                zone=school.zone,
                weekend=school.weekend,
                holidays=holidays,
                windows=windows,
            )
        ]
        assert found[klass].shared_slots == len(expected) and found[klass].first_slot == expected[0]
    assert found[plain].shared_slots > found[closed].shared_slots  # Easter week is out for Severn only
    assert found[sunday_off].shared_slots == found[plain].shared_slots  # Osaka has no Saturday periods
    assert found[plain].first_slot.date() >= D(2027, 3, 28)  # none before the clocks change
