"""Every rule registered ``exact=True``, the core's and every plug-in's, and every rule whose scope is a
``PreparedScope`` (compiled once: a guardian's panels list through it): its scope holds exactly the objects its
check allows, for every role of the shared world.

``policy.get_or_404`` fetches one object through an exact rule's scope and decides in that same query, so a scope
that held one object more than the check allows would open it to someone. The world is the permission matrix's,
with every row's objects built and each app's ``exact_rule_objects(world)`` (school_portal.core.testing.matrix).
"""

from __future__ import annotations

import pytest
from django.http import Http404

from school_portal.core.access import PreparedScope, policy
from school_portal.core.registry import ROLES
from school_portal.core.testing.matrix import apps_with_cases, case_module, permission_cases

EXACT = sorted(((model, action) for (model, action), rule in policy.rules.items() if rule.exact), key=str)
# Rules whose scope is compiled once (PreparedScope): exact or not, their scope is proven against their check too,
# since listings (a guardian's panels) go through the compiled SQL.
PREPARED = sorted(
    ((model, action) for (model, action), rule in policy.rules.items() if isinstance(rule.scope, PreparedScope)),
    key=str,
)
PROVEN = [*EXACT, *(rule for rule in PREPARED if rule not in EXACT)]


@pytest.fixture(scope="module")
def proof_world(shared_world, django_db_blocker):
    with django_db_blocker.unblock():
        for case in permission_cases():
            case.build(shared_world)
        for app in apps_with_cases():
            build = getattr(case_module(app), "exact_rule_objects", None)
            if build is not None:
                build(shared_world)
    return shared_world


@pytest.mark.parametrize("model,action", PROVEN, ids=[f"{m._meta.label}.{a}" for m, a in PROVEN])
def test_an_exact_rules_scope_holds_exactly_what_its_check_allows_for_every_role(model, action, proof_world, db):
    everything = list(model._default_manager.all())
    assert len(everything) >= 2, f"too few {model._meta.label} objects to prove anything: add exact_rule_objects"
    allowed_somewhere = refused_somewhere = False
    for role in ROLES:
        user = proof_world.users[role]
        listed = set(policy.scope(user, action, model._default_manager.all()))
        one_by_one = {obj for obj in everything if policy.allows(user, action, obj)}
        assert listed == one_by_one, f"{role}: scope and check disagree on {model._meta.label} {action!r}"
        allowed_somewhere |= bool(one_by_one)
        refused_somewhere |= len(one_by_one) < len(everything)
    # Not a proof over empty sets: someone may, and someone may not.
    assert allowed_somewhere and refused_somewhere


@pytest.mark.parametrize("model,action", EXACT, ids=[f"{m._meta.label}.{a}" for m, a in EXACT])
def test_get_or_404_of_an_exact_rule_opens_exactly_what_its_check_allows_for_every_role(model, action, proof_world, db):
    """The one-object fetch (for a PreparedScope, SQL compiled once per shape and bound) agrees with the check,
    and hands back the object as the ORM reads it, with the related rows a view joins (``select_related()``
    follows every foreign key: the classrooms work rule's lesson page, a Wagtail page's inheritance)."""
    everything = list(model._default_manager.all())
    columns = [field.attname for field in model._meta.concrete_fields]
    for role in ROLES:
        user = proof_world.users[role]
        for obj in everything:
            for queryset in (model._default_manager.all(), model._default_manager.select_related()):
                try:
                    fetched = policy.get_or_404(user, action, queryset, pk=obj.pk)
                except Http404:
                    fetched = None
                assert (fetched is not None) == policy.allows(user, action, obj), f"{role}: {obj.pk}"
                if fetched is not None:
                    assert [getattr(fetched, c) for c in columns] == [getattr(obj, c) for c in columns]
                    related = queryset.get(pk=obj.pk)
                    joined = [f.name for f in model._meta.concrete_fields if f.many_to_one and not f.null]
                    for name in joined if queryset.query.select_related else ():
                        assert model._meta.get_field(name).is_cached(fetched), f"{name} not joined"
                        assert str(getattr(fetched, name)) == str(getattr(related, name)), name
