"""The coding_lab plug-in's rules in the core's access policy (registered from its AppConfig.ready()).

``coding_lab.use``: who may open the plug-in at all (its index page and its header link ask it).
Children and their teachers (the schools' teachers and administrators) use the lab in class; the
education centre's staff run the city's curriculum and its challenges. Guardians follow their child's work
elsewhere (the dashboard); librarians and partner teachers abroad have no part in it.
"""

from __future__ import annotations

from school_portal.core.access import Actor, policy


def _uses_coding_lab(actor: Actor) -> bool:
    return bool(actor.teacher_school_ids) or actor.student_id is not None or actor.is_centre_staff


def register() -> None:
    policy.register_capability("coding_lab.use", check=_uses_coding_lab)
