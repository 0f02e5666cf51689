"""The exchange plug-in's rows of the permission matrix (test code: only the tests import it)."""

from __future__ import annotations

import datetime

from django.urls import reverse

from school_portal.core.registry import PermissionCase
from school_portal.core.testing.matrix import TEACHERS
from school_portal.core.testing.world import World

from .models import Exchange, Session
from .testing import other_exchange, world_exchange

# Who may see the world's exchange (the homeroom teacher's class with the partner teacher's class), who schedules.
SCHEDULERS = frozenset({"homeroom_teacher", "school_admin", "partner_teacher"})
VIEWERS = SCHEDULERS | {"centre_staff"}


def world_session(world: World) -> Session:
    """A proposal of the world's exchange by the Osaka teacher, far ahead (nothing booked: every role may try)."""
    return _proposal(world_exchange(world))


def _proposal(exchange: Exchange) -> Session:
    starts = datetime.datetime(2031, 6, 4, 1, 45, tzinfo=datetime.UTC)
    found = Session.objects.filter(exchange=exchange, starts_at=starts).first()
    if found is None:  # looked up, not kept: the shared world outlives each test's transaction
        found = Session.objects.create(
            exchange=exchange,
            school_id=exchange.school_id,
            class_group_id=exchange.class_group_id,
            partner_class_id=exchange.partner_class_id,
            room_id=exchange.room_id,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=45),
            proposed_by=exchange.teacher,
            proposed_side=Session.Side.SCHOOL,
        )
    return found


def cases() -> list[PermissionCase]:
    return [
        PermissionCase(
            "exchange.index", lambda w: reverse("exchange:index"), TEACHERS | {"partner_teacher", "centre_staff"}
        ),
        PermissionCase("exchange.partners", lambda w: reverse("exchange:partners"), TEACHERS | {"centre_staff"}),
        PermissionCase(
            "exchange.exchange_detail",
            lambda w: reverse("exchange:exchange_detail", args=[world_exchange(w).pk]),
            VIEWERS,
        ),
        PermissionCase(
            # An empty form: the schedulers are told what is missing (400), nobody else learns the exchange exists.
            "exchange.propose",
            lambda w: reverse("exchange:propose", args=[world_exchange(w).pk]),
            SCHEDULERS,
            method="post",
            ok_status=(400,),
        ),
        PermissionCase(
            "exchange.session_action",
            lambda w: reverse("exchange:session_action", args=[world_session(w).pk, "decline"]),
            SCHEDULERS,
            method="post",
            ok_status=(400,),
        ),
        PermissionCase(
            # Only the exchange's two teachers (its school's administrators schedule it, but do not join calls).
            "exchange.session_call",
            lambda w: reverse("exchange:session_call", args=[world_session(w).pk]),
            frozenset({"homeroom_teacher", "partner_teacher"}),
        ),
        PermissionCase(
            "exchange.session_invite",
            lambda w: reverse("exchange:session_invite", args=[world_session(w).pk]),
            VIEWERS,
        ),
        *_admin_cases(),
    ]


# The Wagtail screens: the centre's staff keep the city's partner list (model permissions given to their group
# by migration 0003); the Osaka schools' periods, rooms and exchanges are kept through the exchange pages, so
# those screens are the superusers' only.
PARTNER_LIST_SCREENS = [
    "exchange_partner_schools",
    "exchange_partner_classes",
    "exchange_partner_holidays",
    "exchange_partner_availability",
]
SUPERUSER_SCREENS = ["exchange_periods", "exchange_school_closed_days", "exchange_video_rooms", "exchange_exchanges"]


def _admin_cases() -> list[PermissionCase]:
    cases = []
    for screen in PARTNER_LIST_SCREENS + SUPERUSER_SCREENS:
        allowed = frozenset({"centre_staff"}) if screen in PARTNER_LIST_SCREENS else frozenset()
        for view in ("index", "add"):
            cases.append(PermissionCase(f"exchange.admin.{screen}.{view}", _admin_url(screen, view), allowed))
    return cases


def _admin_url(screen: str, view: str):
    return lambda w: reverse(f"{screen}:{view}")


def exact_rule_objects(world: World) -> None:
    world_session(world)
    _proposal(other_exchange(world))
