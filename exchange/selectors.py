"""Reads of the exchange plug-in, each in a fixed number of queries, with times in the viewer's zone.

What a partner teacher reads of an Osaka class is its name and its size: no child's name or data is selected.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from school_portal.core.access import policy
from school_portal.core.models import Enrollment, User

from .access_rules import is_partner_side
from .models import Exchange, Session
from .presence import online
from .zones import TOKYO, describe

OPEN = (Session.State.PROPOSED, Session.State.COUNTERED)


@dataclass
class SessionRow:
    session: Session
    own_time: str  # in the viewer's zone
    other_time: str  # in the other school's zone
    actions: set[str] = field(default_factory=set)


@dataclass
class ExchangeView:
    exchange: Exchange
    side: str  # "school", "partner", or "" for someone who only watches (centre staff)
    own_zone: zoneinfo.ZoneInfo
    other_zone: zoneinfo.ZoneInfo
    class_size: int
    rows: list[SessionRow]
    other_online: bool


def _exchanges(user: User) -> QuerySet:
    return policy.scope(
        user,
        "view",
        Exchange.objects.select_related("class_group__school", "partner_class__partner_school", "room"),
    )


def exchange_for(user: User, pk: int, action: str = "view") -> Exchange:
    """The exchange ``pk`` if the user may ``action`` it (``view`` or ``schedule``), else 404."""
    queryset = Exchange.objects.select_related("class_group__school", "partner_class__partner_school", "room")
    return policy.get_or_404(user, action, queryset, pk=pk)


def _side(user: User, exchange: Exchange) -> str:
    actor = policy.actor(user)
    if is_partner_side(actor, exchange.pk):
        return Session.Side.PARTNER
    return Session.Side.SCHOOL if policy.allows(user, "schedule", exchange) else ""


def zones_for(exchange: Exchange, side: str) -> tuple[zoneinfo.ZoneInfo, zoneinfo.ZoneInfo]:
    partner = exchange.partner_class.partner_school.zone
    return (partner, TOKYO) if side == Session.Side.PARTNER else (TOKYO, partner)


def class_sizes(class_group_ids: list[int]) -> dict[int, int]:
    """How many children each class has: a number, never who."""
    rows = (
        Enrollment.objects.filter(class_group_id__in=class_group_ids, student__is_active=True)
        .values("class_group_id")
        .annotate(n=Count("id"))
        .values_list("class_group_id", "n")
    )
    return dict(rows)


def _actions(session: Session, side: str, now: datetime.datetime) -> set[str]:
    if not side or session.ends_at <= now:
        return set()
    actions: set[str] = set()
    if session.state in OPEN:
        if side != session.proposed_side:
            actions |= {"accept", "decline", "counter"}
        else:
            actions.add("cancel")
    elif session.state == Session.State.ACCEPTED:
        actions |= {"reschedule", "cancel", "invite"}
        if side == Session.Side.SCHOOL:
            actions.add("consent")
    return actions


def exchange_view(*, user: User, exchange: Exchange, now: datetime.datetime | None = None) -> ExchangeView:
    """One exchange's board: its sessions from a week ago on (three queries and the cache)."""
    now = now or timezone.now()
    side = _side(user, exchange)
    own, other = zones_for(exchange, side)
    sessions = list(
        Session.objects.filter(exchange=exchange, ends_at__gte=now - datetime.timedelta(days=7)).order_by(
            "starts_at", "pk"
        )
    )
    rows = [
        SessionRow(s, describe(s.starts_at, own), describe(s.starts_at, other), _actions(s, side, now))
        for s in sessions
    ]
    other_user = exchange.teacher_id if side == Session.Side.PARTNER else exchange.partner_teacher_id
    return ExchangeView(
        exchange=exchange,
        side=side,
        own_zone=own,
        other_zone=other,
        class_size=class_sizes([exchange.class_group_id]).get(exchange.class_group_id, 0),
        rows=rows,
        other_online=bool(online([other_user])),
    )


@dataclass
class BoardRow:
    exchange: Exchange
    next_session: SessionRow | None
    waiting: int  # proposals waiting for an answer


def board(*, user: User, now: datetime.datetime | None = None) -> list[BoardRow]:
    """Every exchange the user may see, with its next booked session and the proposals waiting (two queries)."""
    now = now or timezone.now()
    exchanges = list(_exchanges(user).order_by("class_group__grade", "class_group__name", "pk"))
    upcoming = (
        Session.objects.filter(exchange__in=[e.pk for e in exchanges], ends_at__gt=now)
        .filter(state__in=[Session.State.ACCEPTED, *OPEN])
        .order_by("starts_at")
    )
    first: dict[int, Session] = {}
    waiting: dict[int, int] = {}
    for session in upcoming:
        if session.state == Session.State.ACCEPTED:
            first.setdefault(session.exchange_id, session)
        else:
            waiting[session.exchange_id] = waiting.get(session.exchange_id, 0) + 1
    actor = policy.actor(user)
    rows = []
    for exchange in exchanges:
        side = Session.Side.PARTNER if is_partner_side(actor, exchange.pk) else Session.Side.SCHOOL
        own, other = zones_for(exchange, side)
        session = first.get(exchange.pk)
        row = None
        if session is not None:
            row = SessionRow(session, describe(session.starts_at, own), describe(session.starts_at, other))
        rows.append(BoardRow(exchange, row, waiting.get(exchange.pk, 0)))
    return rows
