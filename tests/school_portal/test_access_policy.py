"""The one access policy, as people notice it: whose children, classes and rosters each role can see."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from school_portal.core import selectors, services
from school_portal.core.access import AccessPolicy, policy, reach_scope
from school_portal.core.models import ClassGroup, Enrollment, School, Student, Teaching
from school_portal.core.models.pages import PortalPage, SchoolHomePage, StandardPage
from school_portal.core.registry import NavLink, dashboard_panels, nav_links
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


# --- registering rules and capabilities: what a plug-in author meets at start-up ---


def _from_module(function, module: str):
    """``function`` as if a plug-in's ``access_rules.py`` (``module``) had defined it."""
    function.__module__ = module
    return function


def _anyone(actor, obj) -> bool:
    return True


def test_a_plug_in_cannot_replace_the_childs_privacy_rule():
    """Whatever the order of INSTALLED_APPS: a second rule for a taken key is an error at start-up, and the core's
    rule stays."""
    core_rule = policy.rules[(Student, "view")]
    with pytest.raises(ImproperlyConfigured, match=r"would replace .*_student_visible"):
        policy.register(Student, "view", check=_anyone, scope=lambda actor, qs: qs)
    assert policy.rules[(Student, "view")] is core_rule


def test_registering_the_same_rule_again_is_harmless():
    """``ready()`` may run twice: the same functions, or the same lambdas defined again, change nothing."""
    engine = AccessPolicy()

    def register() -> None:
        engine.register(Student, "view", check=lambda actor, s: s.pk == actor.student_id, scope=lambda a, qs: qs)
        engine.register_capability("core.dashboard", check=lambda actor: True)

    register()
    register()
    assert len(engine.rules) == 1 and list(engine.capabilities) == ["core.dashboard"]


def test_a_prepared_scope_made_again_by_a_second_ready_is_the_same_rule_and_another_is_refused():
    engine = AccessPolicy()

    def register(child: str = "pk") -> None:
        scope = reach_scope(child=child, school="school_id", taught=lambda ids: Q(enrollments__class_group_id__in=ids))
        engine.register(Student, "view", check=_anyone, scope=scope)

    register()
    register()
    assert len(engine.rules) == 1
    with pytest.raises(ImproperlyConfigured, match="would replace"):
        register(child="user_id")


def test_a_rule_on_a_parent_or_a_subclass_of_a_governed_model_is_refused():
    """The lookup walks the class hierarchy, so a rule on PortalPage would decide for StandardPage, and one on
    StandardPage would shadow PortalPage's: one rule per action along an inheritance line, in either order."""
    engine = AccessPolicy()
    engine.register(PortalPage, "view", check=_anyone)
    with pytest.raises(ImproperlyConfigured, match="same inheritance line"):
        engine.register(StandardPage, "view", check=lambda actor, page: False)
    other = AccessPolicy()
    other.register(StandardPage, "view", check=_anyone)
    with pytest.raises(ImproperlyConfigured, match="same inheritance line"):
        other.register(PortalPage, "view", check=lambda actor, page: False)
    other.register(SchoolHomePage, "view", check=_anyone)  # a sibling is not on StandardPage's line


def test_a_plug_ins_action_on_a_core_model_carries_the_plug_ins_name():
    plugin = settings.PORTAL_PLUGINS[0]
    check = _from_module(lambda actor, student: True, f"{plugin}.access_rules")
    engine = AccessPolicy()
    with pytest.raises(ImproperlyConfigured, match=f"name the action '{plugin}.do_lessons'"):
        engine.register(Student, "do_lessons", check=check)
    with pytest.raises(ImproperlyConfigured, match=f"name it '{plugin}"):
        engine.register(Student, "core.do_lessons", check=check)
    engine.register(Student, f"{plugin}.do_lessons", check=check)
    assert (Student, f"{plugin}.do_lessons") in engine.rules


def test_a_capability_is_asked_without_an_object_and_refused_to_visitors(world: World):
    assert policy.can(world.users["school_admin"], "core.import_rosters")
    assert policy.can(world.users["centre_staff"], "core.import_rosters_city_wide")
    assert not policy.can(world.users["school_admin"], "core.import_rosters_city_wide")
    assert not policy.can(world.users["homeroom_teacher"], "core.import_rosters")
    assert not policy.can(world.users["anonymous"], "core.dashboard")
    assert policy.can(world.users["partner_teacher"], "core.dashboard")


def test_an_unknown_capability_is_a_mistake_not_a_refusal(world: World):
    with pytest.raises(LookupError, match="core.dashbord"):
        policy.can(world.users["school_admin"], "core.dashbord")


def test_capabilities_are_named_after_their_app_and_never_replaced():
    engine = AccessPolicy()
    engine.register_capability("core.dashboard", check=lambda actor: True)
    with pytest.raises(ImproperlyConfigured, match="would replace the capability"):
        engine.register_capability("core.dashboard", check=lambda actor: False)
    with pytest.raises(ImproperlyConfigured, match="<app label>"):
        engine.register_capability("use_everything", check=lambda actor: True)
    with pytest.raises(ImproperlyConfigured, match="names no installed app"):
        engine.register_capability("no_such_app.use", check=lambda actor: True)
    plugin = settings.PORTAL_PLUGINS[0]
    with pytest.raises(ImproperlyConfigured, match=f"name it '{plugin}"):
        engine.register_capability("core.use", check=_from_module(lambda actor: True, f"{plugin}.access_rules"))


def test_every_header_link_and_dashboard_panel_names_a_registered_capability():
    for item in [*nav_links, *dashboard_panels]:
        assert item.capability in policy.capabilities, item


def test_start_up_reports_a_header_link_whose_capability_nobody_registered():
    nav_links.register("core.typo", NavLink("typo", "core:dashboard", "core.dashbord"))
    try:
        errors = checks.run_checks()
    finally:
        nav_links.unregister("core.typo")
    assert [e.id for e in errors if "core.dashbord" in e.msg] == ["core.E001"]
    assert not [e for e in checks.run_checks() if e.id == "core.E001"]
