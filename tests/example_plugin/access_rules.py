"""The class bell's rules in the core's access policy.

- ``class_bell.use`` (capability): children and teachers; the page asks it first.
- ``class_bell.homerooms`` (fact): the classes this user is homeroom teacher of, read in the Actor's one query.
- ``(ClassGroup, "class_bell.hear")``: the class's children, its teachers, the school's administrators.
  Exact: the scope holds what the check allows, so a page fetches and decides in one query.
- ``(ClassGroup, "class_bell.ring")``: the class's homeroom teacher, from the fact.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from school_portal.core.access import Actor, policy
from school_portal.core.models import ClassGroup, SchoolYear, Teaching

HOMEROOMS = "class_bell.homerooms"


def _homerooms(user_id: int, day: datetime.date) -> QuerySet:
    """Built, never run, by the policy: it becomes one branch of the Actor's facts query."""
    years = SchoolYear.objects.active(day).values("id")
    return Teaching.objects.filter(
        teacher_id=user_id, is_homeroom=True, class_group__school_year__in=years
    ).values_list("class_group_id")


def _uses_bell(actor: Actor) -> bool:
    return actor.student_id is not None or bool(actor.teacher_school_ids)


def _hears(actor: Actor, class_group: ClassGroup) -> bool:
    return (
        class_group.pk in actor.own_class_ids
        or class_group.pk in actor.taught_class_ids
        or class_group.school_id in actor.admin_school_ids
    )


def _hears_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs.filter(Q(pk__in=actor.own_class_ids | actor.taught_class_ids) | Q(school_id__in=actor.admin_school_ids))


def _rings(actor: Actor, class_group: ClassGroup) -> bool:
    return class_group.pk in actor.fact(HOMEROOMS)


def register() -> None:
    policy.register_capability("class_bell.use", check=_uses_bell)
    policy.register_fact(HOMEROOMS, _homerooms)
    policy.register(ClassGroup, "class_bell.hear", check=_hears, scope=_hears_scope, exact=True)
    policy.register(ClassGroup, "class_bell.ring", check=_rings)
