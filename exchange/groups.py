"""The channel-layer groups of the live scheduling board.

A board socket joins exactly one of the groups a change of an exchange is sent to (:func:`change_groups`), so one
change is one fan-out and reaches every board once:

- the Osaka schools' staff (teachers, administrators) join their schools' groups, and see every change at their
  schools;
- anyone else who may see an exchange (its partner teacher abroad; an Osaka teacher of a class at a school they
  are not staff of) joins that exchange's group;
- the centre's staff, who watch every exchange, join one city-wide group instead of thousands.

Presence (who has a board open) goes to a narrower audience: the people who see one exchange, whatever their
board group (:func:`presence_group`), so that one teacher opening the board does not refresh a whole school's.
"""

from __future__ import annotations

from school_portal.core.access import Actor
from school_portal.core.realtime import group_name

CITY_GROUP = group_name("exchange.city", "all")  # the centre's staff, who watch every exchange


def exchange_group(exchange_id: int) -> str:
    return group_name("exchange.exchange", exchange_id)


def exchange_school_group(school_id: int) -> str:
    return group_name("exchange.school", school_id)


def presence_group(exchange_id: int) -> str:
    return group_name("exchange.presence", exchange_id)


def staff_school_ids(actor: Actor) -> set[int]:
    """The Osaka schools whose every change this person's board shows (they teach at or run the school)."""
    return set(actor.teacher_school_ids)  # administrators included


def change_groups(*, exchange_id: int, school_id: int) -> list[str]:
    """The groups one change of an exchange goes to; a board socket is in at most one of them."""
    return [exchange_school_group(school_id), exchange_group(exchange_id), CITY_GROUP]


def board_groups(*, actor: Actor, exchanges: list[tuple[int, int]]) -> list[str]:
    """The board groups of a (non-centre) person seeing ``exchanges`` ((exchange id, school id) pairs)."""
    schools = staff_school_ids(actor)
    return [
        *(exchange_school_group(pk) for pk in sorted(schools)),
        *(exchange_group(pk) for pk, school_id in exchanges if school_id not in schools),
    ]
