"""A plug-in's own facts about a user ride in the Actor's one facts query: no query more per request.

Each installed plug-in gets a fact here, read from the core's tables the way a plug-in would read its own
("the libraries this librarian runs", "this partner teacher's record", "my children's schools", ...).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from school_portal.core.access import AccessPolicy, policy
from school_portal.core.models import Enrollment, GuardianLink, PartnerTeacher, RoleAssignment, Teaching
from school_portal.core.testing.matrix import app_label
from school_portal.core.testing.world import World

READERS = [
    ("libraries", lambda user_id, day: RoleAssignment.objects.filter(user_id=user_id).values_list("library_id")),
    ("partner", lambda user_id, day: PartnerTeacher.objects.filter(user_id=user_id).values_list("id")),
    (
        "children_schools",
        lambda user_id, day: GuardianLink.objects.filter(guardian__user_id=user_id).values_list(
            "student__school_id", "student_id"
        ),
    ),
    (
        # A constant of the plug-in's own (-1) stays as it is; only the user's id is bound per request.
        "classes",
        lambda user_id, day: Enrollment.objects.filter(
            student__user_id=user_id, number__gt=-1, school_year__starts_on__lte=day
        ).values_list("class_group_id"),
    ),
    (
        "homerooms",
        lambda user_id, day: Teaching.objects.filter(teacher_id=user_id, is_homeroom=True).values_list("class_group"),
    ),
    (
        "guardians_of",
        lambda user_id, day: GuardianLink.objects.filter(student__user_id=user_id).values_list("guardian_id"),
    ),
]


@pytest.fixture
def plugin_facts():
    """One fact per installed plug-in (``<plug-in>.<what>``), taken away again after the test."""
    names = {}
    for plugin, (what, reader) in zip(settings.PORTAL_PLUGINS, READERS, strict=False):
        names[what] = f"{app_label(plugin)}.{what}"
        policy.register_fact(names[what], reader)
    yield names
    for name in names.values():
        policy.unregister_fact(name)


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("core:dashboard")).status_code == 200
    return len(queries)


ROLES = ["guardian", "homeroom_teacher", "student", "librarian", "partner_teacher", "centre_staff"]


def test_queries_per_request_stay_the_same_with_every_plug_ins_facts_registered(client_as, world: World):
    clients = {role: client_as(role) for role in ROLES}
    for client in clients.values():
        _dashboard_queries(client)  # warm: sessions, site, content types
    before = {role: _dashboard_queries(client) for role, client in clients.items()}

    names = {}
    try:
        for plugin, (what, reader) in zip(settings.PORTAL_PLUGINS, READERS, strict=False):
            names[what] = f"{app_label(plugin)}.{what}"
            policy.register_fact(names[what], reader)
        after = {role: _dashboard_queries(client) for role, client in clients.items()}

        # The facts arrived with that same query: reading them afterwards asks the database nothing.
        response = clients["guardian"].get(reverse("core:dashboard"))
        actor = policy.actor(response.wsgi_request)
        with CaptureQueriesContext(connection) as extra:
            rows = set(actor.fact_rows(names["children_schools"])) if "children_schools" in names else set()
        assert len(extra) == 0
    finally:
        for name in names.values():
            policy.unregister_fact(name)

    assert after == before
    assert len(names) == len(settings.PORTAL_PLUGINS)
    if "children_schools" in names:
        assert rows == {(world.school.pk, world.child.pk), (world.other_school.pk, world.sibling.pk)}


def test_a_plug_ins_fact_reads_what_it_says_for_each_person(world: World, plugin_facts):
    librarian = policy.actor(world.users["librarian"])
    assert librarian.fact(plugin_facts["libraries"]) == {world.library.pk}
    partner = policy.actor(world.users["partner_teacher"])
    assert partner.fact(plugin_facts["partner"]) == {world.users["partner_teacher"].partner_teacher.pk}
    assert partner.fact(plugin_facts["libraries"]) == frozenset()  # a NULL library is no library
    student = policy.actor(world.users["student"])
    if "classes" in plugin_facts:
        assert student.fact(plugin_facts["classes"]) == {world.class_group.pk}
    if "homerooms" in plugin_facts:
        teacher = policy.actor(world.users["homeroom_teacher"])
        assert teacher.fact(plugin_facts["homerooms"]) == {world.class_group.pk}
        assert student.fact(plugin_facts["homerooms"]) == frozenset()
    # The core's own facts are unchanged by the plug-ins' rows beside them.
    assert student.student_id == world.child.pk and student.role_names == {"student"}
    assert librarian.role_names == {"librarian"}
    assert policy.actor(world.users["anonymous"]).fact(plugin_facts["libraries"]) == frozenset()


def test_an_unregistered_fact_is_a_mistake_not_an_empty_answer(world: World):
    with pytest.raises(LookupError, match="register_fact"):
        policy.actor(world.users["guardian"]).fact("core.no_such_fact")


def test_a_fact_is_checked_at_start_up():
    engine = AccessPolicy()
    reader = READERS[0][1]
    engine.register_fact("core.libraries", reader)
    engine.register_fact("core.libraries", reader)  # ready() twice: harmless
    with pytest.raises(ImproperlyConfigured, match="would replace the fact"):
        engine.register_fact("core.libraries", READERS[1][1])
    with pytest.raises(ImproperlyConfigured, match="values_list"):
        engine.register_fact("core.whole_rows", lambda user_id, day: RoleAssignment.objects.filter(user_id=user_id))
    with pytest.raises(ImproperlyConfigured, match="values_list"):
        engine.register_fact(
            "core.three_columns",
            lambda user_id, day: RoleAssignment.objects.filter(user_id=user_id).values_list("id", "school", "library"),
        )


def test_a_fact_that_runs_a_query_to_build_its_own_is_refused(world: World):
    """The probe ids may be real users: a school read with one would be compiled in as everyone's."""
    with pytest.raises(ImproperlyConfigured, match="ran a query"):
        AccessPolicy().register_fact(
            "core.first_school",
            lambda user_id, day: RoleAssignment.objects.filter(
                school_id=RoleAssignment.objects.filter(user_id=user_id).values_list("school_id", flat=True).first()
            ).values_list("id"),
        )


def test_a_fact_that_ignores_the_user_is_refused_before_it_answers_anyone(world: World):
    """Everyone's libraries for everyone: the first request refuses the facts query rather than run it."""
    name = f"{settings.PORTAL_PLUGINS[0]}.all_libraries"
    policy.register_fact(name, lambda user_id, day: RoleAssignment.objects.values_list("library_id"))
    try:
        with pytest.raises(ImproperlyConfigured, match="does not depend on the user_id"):
            policy.actor(world.users["librarian"]).fact(name)
    finally:
        policy.unregister_fact(name)
    assert policy.actor(world.users["librarian"]).libraries_with("librarian") == {world.library.pk}
