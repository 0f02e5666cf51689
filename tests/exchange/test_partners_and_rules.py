"""Partner schools, the partner teacher's scope and the exchange rules of the access policy."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from exchange.models import Exchange, PartnerSchool, Session
from exchange.testing import partner_class, partner_teacher, world_exchange
from school_portal.core.access import policy

pytestmark = pytest.mark.django_db


def _school(**overrides) -> PartnerSchool:
    values = {
        "name": "Hill School",
        "country": "GB",
        "time_zone": "Europe/London",
        "languages": "en",
        "age_min": 8,
        "age_max": 11,
        "weekend_days": "5,6",
    }
    values.update(overrides)
    return PartnerSchool(**values)


@pytest.mark.parametrize("zone", ["Europe/Londn", "GMT+9", "+09:00", "../etc/passwd", "/usr/share/zoneinfo/UTC"])
def test_an_unknown_or_invalid_time_zone_is_refused_with_a_clear_message(zone):
    with pytest.raises(ValidationError) as refused:
        _school(time_zone=zone).full_clean()
    assert "time_zone" in refused.value.message_dict
    assert "IANA" in " ".join(refused.value.message_dict["time_zone"])


@pytest.mark.parametrize("zone", ["Europe/London", "America/Los_Angeles", "Australia/Sydney", "Asia/Singapore"])
def test_a_real_iana_zone_is_accepted(zone):
    _school(time_zone=zone).full_clean()


def test_a_local_weekend_other_than_saturday_and_sunday_is_kept():
    school = _school(weekend_days="4,5", time_zone="Asia/Dubai")
    school.full_clean()
    assert school.weekend == {4, 5}
    with pytest.raises(ValidationError):
        _school(weekend_days="sat,sun").full_clean()


def test_the_partner_teacher_sees_and_schedules_only_their_own_exchanges(world):
    own = world_exchange(world)
    stranger = partner_teacher("p-stranger", "Harbour School", "AU")
    other = Exchange.objects.create(
        school=world.school,
        class_group=world.other_class,
        teacher=world.users["other_teacher"],
        partner_class=partner_class(name="Harbour School", zone="Australia/Sydney", country="AU"),
        partner_teacher=stranger,
    )
    partner = world.users["partner_teacher"]
    assert policy.allows(partner, "view", own) and policy.allows(partner, "schedule", own)
    assert not policy.allows(partner, "view", other) and not policy.allows(partner, "schedule", other)
    assert list(policy.scope(partner, "view", Exchange.objects.all())) == [own]
    assert list(policy.scope(stranger, "view", Exchange.objects.all())) == [other]


def test_teachers_schedule_their_classes_exchanges_and_centre_staff_only_watch(world):
    exchange = world_exchange(world)
    assert policy.allows(world.users["homeroom_teacher"], "schedule", exchange)
    assert policy.allows(world.users["school_admin"], "schedule", exchange)
    assert not policy.allows(world.users["other_teacher"], "view", exchange)
    assert not policy.allows(world.users["other_school_admin"], "view", exchange)
    assert policy.allows(world.users["centre_staff"], "view", exchange)
    assert not policy.allows(world.users["centre_staff"], "schedule", exchange)
    for role in ("student", "guardian", "librarian"):
        assert not policy.allows(world.users[role], "view", exchange)


def test_sessions_follow_their_exchange(world):
    exchange = world_exchange(world)
    start = datetime.datetime(2030, 5, 7, 0, 0, tzinfo=datetime.UTC)
    session = Session.objects.create(
        exchange=exchange,
        school=exchange.school,
        class_group=exchange.class_group,
        partner_class=exchange.partner_class,
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=45),
        proposed_by=world.users["homeroom_teacher"],
        proposed_side=Session.Side.SCHOOL,
    )
    assert policy.allows(world.users["partner_teacher"], "schedule", session)
    assert policy.allows(world.users["centre_staff"], "view", session)
    assert not policy.allows(world.users["other_school_teacher"], "view", session)


def test_who_may_use_the_exchange_and_who_may_search_partners(world):
    assert policy.can(world.users["partner_teacher"], "exchange.use")
    assert not policy.can(world.users["partner_teacher"], "exchange.find_partners")
    assert policy.can(world.users["homeroom_teacher"], "exchange.find_partners")
    assert not policy.can(world.users["student"], "exchange.use")
