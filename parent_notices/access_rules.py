"""The parent_notices plug-in's rules in the core's access policy (registered from its AppConfig.ready()).

``parent_notices.use``: who may open the plug-in at all (its index page and its header link ask it).
Guardians read their children's schools' notices; the schools' teachers and administrators write them;
the education centre's staff send city-wide ones. Children do not sign in for notices (they go to the
families), and librarians and partner teachers abroad receive none.
"""

from __future__ import annotations

from school_portal.core.access import Actor, policy


def _uses_notices(actor: Actor) -> bool:
    return actor.guardian_id is not None or bool(actor.teacher_school_ids) or actor.is_centre_staff


def register() -> None:
    policy.register_capability("parent_notices.use", check=_uses_notices)
