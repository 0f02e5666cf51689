"""A guardian's dashboard panels (the children, the teachers' feedback) come from SQL compiled once per shape
(school_portal.core.prepared); for every role they list exactly what the access policy's scope lists."""

from __future__ import annotations

import datetime

from django.utils import timezone

from classrooms import selectors as classroom_selectors
from classrooms import services
from classrooms.models import AnswerSheet
from classrooms.testing import classroom_world
from school_portal.core import selectors
from school_portal.core.access import policy
from school_portal.core.models import Guardian, GuardianLink, Student, User
from school_portal.core.registry import ROLES


def _feedback_on(sheet: AnswerSheet, minutes_ago: int) -> None:
    sheet.feedback = "よくできました"
    sheet.feedback_at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    sheet.save(update_fields=["feedback", "feedback_at"])


def test_every_roles_children_and_feedback_are_what_the_rules_scope_lists(world):
    built = classroom_world(world)
    _feedback_on(built.sheet, 5)
    classmates = services.sheet_for(assignment=built.assignment, student_id=world.classmate.pk)
    _feedback_on(classmates, 1)  # newer, of another family's child
    seen_children = seen_feedback = 0
    for role in ROLES:
        user = world.users[role]
        actor = policy.actor(user)
        children = selectors.guardian_children(actor)
        expected = list(
            selectors.students_with_current_class(
                policy.scope(user, "view", Student.objects.filter(pk__in=actor.children_ids))
            ).order_by("school__kind", "-pk")
        )
        assert [(c.pk, c.school.name, c.user.username) for c in children] == [
            (c.pk, c.school.name, c.user.username) for c in expected
        ], role
        assert [[e.class_group.name for e in c.current] for c in children] == [
            [e.class_group.name for e in c.current] for c in expected
        ], role
        feedback = classroom_selectors.guardian_feedback(actor)
        visible = policy.scope(user, "view", AnswerSheet.objects.filter(student_id__in=actor.children_ids))
        expected_sheets = list(
            AnswerSheet.objects.filter(pk__in=visible.values("pk"), feedback_at__isnull=False).order_by("-feedback_at")
        )
        assert [(s.pk, s.assignment.lesson.title, s.student.pk) for s in feedback] == [
            (s.pk, s.assignment.lesson.title, s.student.pk) for s in expected_sheets
        ], role
        seen_children += len(children)
        seen_feedback += len(feedback)
    guardian = policy.actor(world.users["guardian"])
    assert {c.pk for c in selectors.guardian_children(guardian)} == {world.child.pk, world.sibling.pk}
    assert [s.pk for s in classroom_selectors.guardian_feedback(guardian)] == [built.sheet.pk]
    assert seen_children and seen_feedback


def test_a_teacher_who_is_also_a_parent_sees_only_their_own_child_on_the_parents_panels(world):
    """The homeroom teacher of the child's class is also the classmate's parent: the panels of a family list
    the family's child only, not the class the teacher teaches."""
    built = classroom_world(world)
    _feedback_on(built.sheet, 5)
    _feedback_on(services.sheet_for(assignment=built.assignment, student_id=world.classmate.pk), 1)
    teacher = world.users["homeroom_teacher"]
    GuardianLink.objects.create(guardian=Guardian.objects.create(user=teacher), student=world.classmate)
    actor = policy.actor(User.objects.get(pk=teacher.pk))
    assert world.child.pk in {s.pk for s in policy.scope(actor, "view", Student.objects.all())}  # teaches them
    assert [c.pk for c in selectors.guardian_children(actor)] == [world.classmate.pk]
    assert [s.student_id for s in classroom_selectors.guardian_feedback(actor)] == [world.classmate.pk]
