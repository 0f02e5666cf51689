"""Every rule registered ``exact=True``, the core's and every plug-in's: its scope holds exactly the objects its
check allows, for every role of the shared world.

``policy.get_or_404`` fetches one object through an exact rule's scope and decides in that same query, so a scope
that held one object more than the check allows would open it to someone. The world is the permission matrix's,
with every row's objects built and each app's ``exact_rule_objects(world)`` (school_portal.core.testing.matrix).
"""

from __future__ import annotations

import pytest
from django.http import Http404

from school_portal.core.access import policy
from school_portal.core.registry import ROLES
from school_portal.core.testing.matrix import apps_with_cases, case_module, permission_cases

EXACT = sorted(((model, action) for (model, action), rule in policy.rules.items() if rule.exact), key=str)


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


@pytest.mark.parametrize("model,action", EXACT, ids=[f"{m._meta.label}.{a}" for m, a in EXACT])
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
    """The one-object fetch (for a PreparedScope, SQL compiled once per shape and bound) agrees with the check."""
    everything = list(model._default_manager.all())
    for role in ROLES:
        user = proof_world.users[role]
        for obj in everything:
            try:
                fetched = policy.get_or_404(user, action, model._default_manager.all(), pk=obj.pk)
            except Http404:
                fetched = None
            assert (fetched == obj) == policy.allows(user, action, obj), f"{role}: {model._meta.label} {obj.pk}"
