"""The channel-layer groups of the live scheduling board."""

from __future__ import annotations

from school_portal.core.realtime import group_name

CITY_GROUP = group_name("exchange.city", "all")  # the centre's staff, who watch every exchange


def exchange_group(exchange_id: int) -> str:
    return group_name("exchange.exchange", exchange_id)


def exchange_school_group(school_id: int) -> str:
    return group_name("exchange.school", school_id)
