"""The plug-in's entry pages are decided by the access policy, not by role checks in the views."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
