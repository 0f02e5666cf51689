"""The exchange plug-in's rules in the core's access policy (registered from its AppConfig.ready()).

``exchange.use``: who may open the plug-in at all (its index page and its header link ask it).
The exchange is organised by adults: the schools' teachers and administrators, the partner teachers
abroad and the education centre's staff who arrange the partnerships. Children take part in a session from
their classroom, not with an account of their own here: no child's name or face reaches a partner school.
"""

from __future__ import annotations

from school_portal.core.access import Actor, policy
from school_portal.core.models import Role


def _uses_exchange(actor: Actor) -> bool:
    return bool(actor.teacher_school_ids) or actor.has_role(Role.PARTNER_TEACHER) or actor.is_centre_staff


def register() -> None:
    policy.register_capability("exchange.use", check=_uses_exchange)
