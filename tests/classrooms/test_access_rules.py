"""The plug-in's entry pages are decided by the access policy, not by role checks in the views."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from classrooms import services
from classrooms.models import Assignment
from classrooms.testing import two_class_world
from school_portal.core.access import policy
from school_portal.core.models import School

pytestmark = pytest.mark.django_db


def test_only_the_child_may_open_their_own_list_of_lessons(world):
    assert policy.allows(world.users["student"], "do_lessons", world.child)
    for role in ("classmate", "guardian", "homeroom_teacher", "school_admin"):
        assert not policy.allows(world.users[role], "do_lessons", world.child), role


def test_the_schools_where_one_plans_lessons(world):
    schools = School.objects.filter(pk__in=[world.school.pk, world.other_school.pk])
    planned = set(policy.scope(world.users["homeroom_teacher"], "plan_lessons", schools))
    assert planned == {world.school}
    assert set(policy.scope(world.users["centre_staff"], "plan_lessons", schools)) == {world.school, world.other_school}
    assert not policy.scope(world.users["student"], "plan_lessons", schools).exists()


@pytest.mark.parametrize(
    "role,status",
    [("student", 302), ("homeroom_teacher", 200), ("centre_staff", 200), ("guardian", 403), ("librarian", 403)],
)
def test_the_plug_ins_home_sends_each_person_where_they_belong(client_as, world, role, status):
    response = client_as(role).get(reverse("classrooms:index"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == reverse("classrooms:my_lessons")


def test_the_assignments_a_child_may_work_on_are_the_same_one_by_one_as_listed(world, cw):
    """The work rule is registered ``exact``: one assignment is fetched through its scope. Scope and check must
    agree for everyone, on open, not yet open, two-class and named-children assignments."""
    both_classes = two_class_world(world).assignment
    now = timezone.now()

    def assign(opens_in_hours: int, **extra):
        return services.assignment_create(
            lesson=cw.lesson,
            class_groups=[world.class_group],
            opens_at=now + datetime.timedelta(hours=opens_in_hours),
            due_at=now + datetime.timedelta(days=1),
            by=world.users["homeroom_teacher"],
            **extra,
        )

    later = assign(1)
    only_classmate = assign(-1, students=[world.classmate])
    assert policy.rules[(Assignment, "work")].exact
    everything = list(Assignment.objects.all())
    for role, user in world.users.items():
        if user is None:
            continue
        listed = set(policy.scope(user, "work", Assignment.objects.all()))
        one_by_one = {a for a in everything if policy.allows(user, "work", a)}
        assert listed == one_by_one, role
    child = set(policy.scope(world.users["student"], "work", Assignment.objects.all()))
    assert cw.assignment in child and both_classes in child
    assert later not in child and only_classmate not in child
    assert only_classmate in set(policy.scope(world.users["classmate"], "work", Assignment.objects.all()))
    assert not policy.scope(world.users["homeroom_teacher"], "work", Assignment.objects.all()).exists()
