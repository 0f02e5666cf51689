"""Queries compiled once per shape (school_portal.core.prepared) find what the ORM finds, and refuse to compile a
query whose SQL a cached copy would get wrong."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone

from school_portal.core.models import Enrollment, Student
from school_portal.core.prepared import PreparedQuery


def _enrolled(class_ids, since: datetime.datetime, school_id: int) -> QuerySet:
    return (
        Enrollment.objects.filter(
            class_group_id__in=class_ids, student__user__date_joined__gte=since, student__school_id=school_id
        )
        .select_related("student__user", "class_group")
        .order_by("pk")
    )


@pytest.fixture
def enrolled(world) -> PreparedQuery:
    return PreparedQuery(Enrollment, lambda class_ids, since, school_id: _enrolled(class_ids, since, school_id))


def test_a_prepared_query_finds_what_the_orm_finds_for_each_shape_of_its_values(world, enrolled):
    classes = [world.class_group.pk, world.other_class.pk, world.sibling_class.pk]
    long_ago = timezone.now() - datetime.timedelta(days=1)
    cases = [
        (classes[:1], long_ago, world.school.pk),
        (classes[:1], long_ago, world.school.pk),  # compiled by the first
        (classes[1:2], long_ago, world.school.pk),  # the same shape, other values
        (set(classes), long_ago, world.school.pk),
        (classes, long_ago, world.other_school.pk),
        (classes, timezone.now() + datetime.timedelta(days=1), world.school.pk),
        ([], long_ago, world.school.pk),
    ]
    assert Enrollment.objects.filter(class_group_id__in=classes).count() >= 3
    for class_ids, since, school_id in cases:
        expected = list(_enrolled(class_ids, since, school_id))
        found = enrolled.all(class_ids=class_ids, since=since, school_id=school_id)
        assert [(e.pk, e.student.user.username, e.class_group.name) for e in found] == [
            (e.pk, e.student.user.username, e.class_group.name) for e in expected
        ]
    assert any(enrolled.all(class_ids=classes, since=long_ago, school_id=world.school.pk))


def test_the_related_objects_come_in_the_same_query_with_their_values_converted(
    world, enrolled, django_assert_num_queries
):
    enrolled.all(class_ids=[1], since=timezone.now(), school_id=1)  # compiled for this shape
    with django_assert_num_queries(1):
        enrollment = enrolled.first(
            class_ids=[world.class_group.pk],
            since=timezone.now() - datetime.timedelta(days=1),
            school_id=world.school.pk,
        )
        assert enrollment.student.user.username == world.child.user.username
        assert enrollment.class_group.school_id == world.school.pk
        assert timezone.is_aware(enrollment.student.user.date_joined)  # SQLite's text read back as a datetime
    assert enrollment.student == world.child


def test_a_query_that_reads_the_clock_or_writes_a_value_into_its_sql_is_refused(world):
    reads_the_clock = PreparedQuery(
        Student, lambda pk: Student.objects.filter(pk=pk, user__date_joined__lte=timezone.now())
    )
    with pytest.raises(ImproperlyConfigured, match="clock"):
        reads_the_clock.all(pk=world.child.pk)
    # The value written into the SQL on purpose (an int: nothing to inject).
    writes_it_in = PreparedQuery(Student, lambda pk: Student.objects.extra(where=[f"id = {int(pk)}"]))  # noqa: S610
    with pytest.raises(ImproperlyConfigured, match="SQL changes with the value 'pk'"):
        writes_it_in.all(pk=world.child.pk)
    ignores_it = PreparedQuery(Student, lambda pk: Student.objects.all())
    with pytest.raises(ImproperlyConfigured, match="does not use the value 'pk'"):
        ignores_it.all(pk=world.child.pk)
    with pytest.raises(TypeError):
        PreparedQuery(Student, lambda pk: Student.objects.filter(pk=pk)).all(pk="1")


def test_strings_and_only_the_fields_asked_for(world):
    usernames = PreparedQuery(
        Student,
        lambda school_id, usernames: Student.objects.filter(school_id=school_id, user__username__in=usernames).only(
            "pk", "given_name"
        ),
    )
    names = [world.child.user.username, world.classmate.user.username, "nobody"]
    found = usernames.all(school_id=world.school.pk, usernames=names)
    assert sorted(s.given_name for s in found) == sorted([world.child.given_name, world.classmate.given_name])
    assert usernames.all(school_id=world.other_school.pk, usernames=names) == []
    assert found[0].get_deferred_fields() >= {"family_name", "badge_code"}
