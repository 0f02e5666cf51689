"""The plug-in's entry pages are decided by the access policy's capabilities, not by role checks in the views.

(The proof that the exact ``work`` rule's scope equals its check, for every role, is the generic one of
tests/school_portal/test_exact_rules.py, over the objects of ``classrooms.permission_cases.exact_rule_objects``.)
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from classrooms import services
from classrooms.models import Assignment
from classrooms.testing import two_class_world
from school_portal.core.access import policy

pytestmark = pytest.mark.django_db

PLANNERS = {"homeroom_teacher", "other_teacher", "other_school_teacher", "school_admin", "other_school_admin"}


def test_only_children_may_open_a_list_of_lessons_of_their_own(world):
    for role, user in world.users.items():
        assert policy.can(user, "classrooms.do_lessons") is (role in {"student", "classmate"}), role


def test_teachers_of_every_school_and_centre_staff_plan_lessons(world):
    for role, user in world.users.items():
        assert policy.can(user, "classrooms.plan_lessons") is (role in PLANNERS | {"centre_staff"}), role


def test_a_child_who_has_left_may_no_longer_do_lessons(world):
    world.child.is_active = False
    world.child.save(update_fields=["is_active"])
    assert not policy.can(world.users["student"], "classrooms.do_lessons")


@pytest.mark.parametrize(
    "role,status",
    [("student", 302), ("homeroom_teacher", 200), ("centre_staff", 200), ("guardian", 403), ("librarian", 403)],
)
def test_the_plug_ins_home_sends_each_person_where_they_belong(client_as, world, role, status):
    response = client_as(role).get(reverse("classrooms:index"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == reverse("classrooms:my_lessons")


@pytest.mark.parametrize("role,shown", [("student", True), ("homeroom_teacher", True), ("guardian", False)])
def test_the_header_link_follows_the_capability(client_as, role, shown):
    page = client_as(role).get(reverse("core:dashboard")).content.decode()
    assert (f'href="{reverse("classrooms:index")}"' in page) is shown


def test_a_child_works_on_the_open_lessons_given_to_their_class_or_to_them(world, cw):
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

    child = set(policy.scope(world.users["student"], "work", Assignment.objects.all()))
    assert cw.assignment in child and both_classes in child
    assert later not in child and only_classmate not in child
    assert only_classmate in set(policy.scope(world.users["classmate"], "work", Assignment.objects.all()))
    assert not policy.scope(world.users["homeroom_teacher"], "work", Assignment.objects.all()).exists()
