"""The one access policy, as people notice it: whose children, classes and rosters each role can see."""

from __future__ import annotations

import pytest

from school_portal.core import selectors, services
from school_portal.core.access import policy
from school_portal.core.models import ClassGroup, Enrollment, School, Student, Teaching
from school_portal.core.testing.world import World


def visible_students(world: World, role: str) -> set[Student]:
    return set(policy.scope(world.users[role], "view", Student.objects.all()))


def visible_rosters(world: World, role: str) -> set[ClassGroup]:
    return set(policy.scope(world.users[role], "view_roster", ClassGroup.objects.all()))


def test_a_guardian_sees_their_children_in_two_schools_and_nobody_else(world: World):
    actor = policy.actor(world.users["guardian"])

    children = selectors.guardian_children(actor)

    assert {child.pk for child in children} == {world.child.pk, world.sibling.pk}
    assert {child.school.name for child in children} == {"さくら小学校", "うめ中学校"}
    assert [e.class_group for e in next(c for c in children if c.pk == world.child.pk).current] == [world.class_group]
    assert visible_students(world, "guardian") == {world.child, world.sibling}
    assert not policy.allows(actor, "view", world.classmate)
    assert not policy.allows(actor, "view_roster", world.class_group)
    assert not policy.allows(actor, "manage", world.child)


def test_another_guardian_sees_only_their_own_child(world: World):
    assert visible_students(world, "other_guardian") == {world.classmate}
    assert selectors.guardian_children(policy.actor(world.users["other_guardian"])) == [world.classmate]


def test_a_child_sees_themselves_and_no_classmate(world: World):
    assert visible_students(world, "student") == {world.child}
    assert visible_rosters(world, "student") == set()
    assert selectors.student_self(policy.actor(world.users["student"])) == world.child


def test_a_teacher_sees_the_rosters_of_the_classes_they_teach_this_year(world: World):
    teacher = world.users["homeroom_teacher"]

    assert selectors.teacher_classes(policy.actor(teacher)) == [world.class_group]
    assert visible_rosters(world, "homeroom_teacher") == {world.class_group}
    assert visible_students(world, "homeroom_teacher") == {world.child, world.classmate}
    assert not policy.allows(teacher, "view", world.sibling)
    assert not policy.allows(teacher, "view_roster", world.other_class)
    assert visible_students(world, "other_teacher") == set()  # teaches 3-2, where neither child is


def test_a_subject_teacher_sees_the_roster_but_may_not_print_letters(world: World):
    subject_teacher = world.users["other_teacher"]
    Teaching.objects.create(teacher=subject_teacher, class_group=world.class_group, is_homeroom=False)

    assert policy.allows(subject_teacher, "view_roster", world.class_group)
    assert policy.allows(subject_teacher, "view", world.child)
    assert not policy.allows(subject_teacher, "manage", world.class_group)
    assert not policy.allows(subject_teacher, "manage", world.child)
    # A listing of the classes one may print badges for agrees with the check, class by class.
    manageable = set(policy.scope(subject_teacher, "manage", ClassGroup.objects.all()))
    assert manageable == {world.other_class}  # their own homeroom, not the class they only teach a subject in


def test_teaching_a_class_last_school_year_does_not_count(world: World, add_student):
    """Last year's homeroom teacher of 花子 no longer sees her, nor last year's class list."""
    last_year = services.school_year_ensure(city=world.city, start_year=world.school_year.start_year - 1)
    last_years_class = ClassGroup.objects.create(school=world.school, school_year=last_year, grade=2, name="1")
    Enrollment.objects.create(student=world.child, class_group=last_years_class, number=9)
    former_pupil = add_student(last_years_class, "m-graduate", ("木村", "きむら"), ("大翔", "ひろと"), 1)
    last_years_teacher = world.users["other_teacher"]
    Teaching.objects.create(teacher=last_years_teacher, class_group=last_years_class, is_homeroom=True)

    assert not policy.allows(last_years_teacher, "view_roster", last_years_class)
    assert not policy.allows(last_years_teacher, "manage", last_years_class)
    assert not policy.allows(last_years_teacher, "view", world.child)
    assert not policy.allows(last_years_teacher, "view", former_pupil)
    assert world.child not in visible_students(world, "other_teacher")
    assert former_pupil not in visible_students(world, "other_teacher")
    assert last_years_class not in selectors.teacher_classes(policy.actor(last_years_teacher))
    # This year's teacher of 花子 still sees her.
    assert policy.allows(world.users["homeroom_teacher"], "view", world.child)


def test_a_school_admin_sees_their_school_only(world: World):
    admin = world.users["school_admin"]

    assert visible_students(world, "school_admin") == {world.child, world.classmate}
    assert set(selectors.teacher_classes(policy.actor(admin))) == {world.class_group, world.other_class}
    assert policy.allows(admin, "manage", world.child)
    assert policy.allows(admin, "manage", world.school)
    assert not policy.allows(admin, "view", world.sibling)
    assert not policy.allows(admin, "view_roster", world.sibling_class)
    assert not policy.allows(admin, "manage", world.other_school)
    assert set(policy.scope(admin, "manage", School.objects.all())) == {world.school}
    assert visible_students(world, "other_school_admin") == {world.sibling}


@pytest.mark.parametrize("role", ["centre_staff", "librarian", "partner_teacher", "anonymous"])
def test_roles_without_children_see_no_childs_personal_data(world: World, role: str):
    user = world.users[role]
    actor = policy.actor(user)

    assert visible_students(world, role) == set()
    assert visible_rosters(world, role) == set()
    assert selectors.guardian_children(actor) == []
    assert selectors.teacher_classes(actor) == []
    assert selectors.student_self(actor) is None
    for student in (world.child, world.classmate, world.sibling):
        assert not policy.allows(actor, "view", student)
        assert not policy.allows(actor, "manage", student)
    for class_group in (world.class_group, world.other_class, world.sibling_class):
        assert not policy.allows(actor, "view_roster", class_group)


def test_centre_staff_run_every_schools_site_but_see_no_child(world: World):
    centre = world.users["centre_staff"]

    assert policy.allows(centre, "manage", world.school)
    assert policy.allows(centre, "manage", world.other_school)
    assert visible_students(world, "centre_staff") == set()


def test_an_action_nobody_registered_is_refused(world: World):
    assert not policy.allows(world.users["school_admin"], "delete", world.child)
    assert not policy.scope(world.users["school_admin"], "delete", Student.objects.all()).exists()


def test_a_child_who_has_left_loses_their_own_access_but_not_their_guardians(world: World):
    Student.objects.filter(pk=world.child.pk).update(is_active=False)

    assert visible_students(world, "student") == set()
    assert world.child.pk in {c.pk for c in selectors.guardian_children(policy.actor(world.users["guardian"]))}
