"""The exchange plug-in's rules in the core's access policy (registered from its AppConfig.ready()).

``exchange.use``: who may open the plug-in at all (its index page and its header link ask it).
The exchange is organised by adults: the schools' teachers and administrators, the partner teachers
abroad and the education centre's staff who arrange the partnerships. Children take part in a session from
their classroom, not with an account of their own here: no child's name or face reaches a partner school.

- An exchange (and its sessions) is seen by the teachers of its Osaka class, its school's administrators, its
  partner teacher (only their own exchanges: the fact ``exchange.partner_of``) and the centre's staff.
- It is scheduled (propose, counter, accept, decline, reschedule, cancel, join the call) by the same people
  except the centre's staff, who only watch.
- ``exchange.find_partners``: the Osaka schools' teachers and administrators and the centre's staff search the
  partner schools.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from school_portal.core.access import Actor, policy
from school_portal.core.models import Role

from .models import Exchange, Session

PARTNER_OF = "exchange.partner_of"


def _uses_exchange(actor: Actor) -> bool:
    return bool(actor.teacher_school_ids) or actor.has_role(Role.PARTNER_TEACHER) or actor.is_centre_staff


def _finds_partners(actor: Actor) -> bool:
    return bool(actor.teacher_school_ids) or actor.is_centre_staff


def _partner_of(user_id: int, day: datetime.date) -> QuerySet:
    return Exchange.objects.filter(partner_teacher_id=user_id).values_list("id")


def _schedules(actor: Actor, exchange: Exchange) -> bool:
    return (
        exchange.school_id in actor.admin_school_ids
        or exchange.class_group_id in actor.taught_class_ids
        or exchange.pk in actor.fact(PARTNER_OF)
    )


def _schedule_q(actor: Actor, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}school_id__in": actor.admin_school_ids})
        | Q(**{f"{prefix}class_group_id__in": actor.taught_class_ids})
        | Q(**{f"{prefix}pk__in": actor.fact(PARTNER_OF)})
    )


def _views(actor: Actor, exchange: Exchange) -> bool:
    return actor.is_centre_staff or _schedules(actor, exchange)


def _view_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs if actor.is_centre_staff else qs.filter(_schedule_q(actor))


def _schedule_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs.filter(_schedule_q(actor))


def _session_q(actor: Actor) -> Q:
    return (
        Q(school_id__in=actor.admin_school_ids)
        | Q(class_group_id__in=actor.taught_class_ids)
        | Q(exchange_id__in=actor.fact(PARTNER_OF))
    )


def _session_schedules(actor: Actor, session: Session) -> bool:
    return (
        session.school_id in actor.admin_school_ids
        or session.class_group_id in actor.taught_class_ids
        or session.exchange_id in actor.fact(PARTNER_OF)
    )


def _session_views(actor: Actor, session: Session) -> bool:
    return actor.is_centre_staff or _session_schedules(actor, session)


def _session_view_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs if actor.is_centre_staff else qs.filter(_session_q(actor))


def _session_schedule_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs.filter(_session_q(actor))


def is_partner_side(actor: Actor, exchange_id: int) -> bool:
    """Whether this person is the partner school's teacher of the exchange (else an Osaka teacher or staff)."""
    return exchange_id in actor.fact(PARTNER_OF)


def register() -> None:
    policy.register_capability("exchange.use", check=_uses_exchange)
    policy.register_capability("exchange.find_partners", check=_finds_partners)
    policy.register_fact(PARTNER_OF, _partner_of)
    policy.register(Exchange, "view", check=_views, scope=_view_scope, exact=True)
    policy.register(Exchange, "schedule", check=_schedules, scope=_schedule_scope, exact=True)
    policy.register(Session, "view", check=_session_views, scope=_session_view_scope, exact=True)
    policy.register(Session, "schedule", check=_session_schedules, scope=_session_schedule_scope, exact=True)
