"""Queries compiled once per shape (school_portal.core.prepared) find what the ORM finds, and refuse to compile a
query whose SQL a cached copy would get wrong."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.utils import timezone

from school_portal.core.models import Enrollment, Student
from school_portal.core.prepared import PreparedQuery, building_only
from school_portal.core.selectors import current_enrollments


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


def test_a_date_finds_the_school_year_running_on_it(world):
    of_year = PreparedQuery(Enrollment, lambda student_id, day: current_enrollments(day).filter(student_id=student_id))
    year = world.school_year
    for day, expected in [
        (year.starts_on, [world.class_group.name]),
        (year.ends_on, [world.class_group.name]),
        (year.ends_on + datetime.timedelta(days=1), []),
        (year.starts_on - datetime.timedelta(days=1), []),
    ]:
        found = of_year.all(student_id=world.child.pk, day=day)
        assert [e.class_group.name for e in found] == expected, day
        assert [e.class_group.name for e in current_enrollments(day).filter(student_id=world.child.pk)] == expected


def test_a_small_positive_column_and_a_number_no_id_holds(world):
    """A probe outside a column's range (a negative number for a PositiveSmallIntegerField) would compile to
    "nothing" for good; the attendance number is found as the ORM finds it."""
    by_number = PreparedQuery(
        Enrollment, lambda number, class_id: Enrollment.objects.filter(number=number, class_group_id=class_id)
    )
    enrollment = Enrollment.objects.filter(class_group=world.class_group).exclude(number=None).first()
    assert [e.pk for e in by_number.all(number=enrollment.number, class_id=world.class_group.pk)] == [
        e.pk for e in Enrollment.objects.filter(number=enrollment.number, class_group=world.class_group)
    ]
    assert by_number.all(number=enrollment.number + 50, class_id=world.class_group.pk) == []


def test_a_query_that_computes_with_its_value_is_refused(world):
    """Binding the raw value where the query put a value computed from it would find other rows than the ORM."""
    a_day_before = PreparedQuery(
        Student, lambda since: Student.objects.filter(user__date_joined__gte=since - datetime.timedelta(days=1))
    )
    with pytest.raises(ImproperlyConfigured, match="changes the value 'since'"):
        a_day_before.all(since=timezone.now())
    # A moment compared with a date column: Django puts the Tokyo date there, not the moment.
    year_on = PreparedQuery(Enrollment, lambda moment: Enrollment.objects.filter(school_year__starts_on__lte=moment))
    with pytest.raises(ImproperlyConfigured, match="changes the value 'moment'"):
        year_on.all(moment=timezone.now())
    # An item picked by its order (the largest) is found at another index in the second probe: refused.
    the_largest = PreparedQuery(Student, lambda ids: Student.objects.filter(pk__gte=max(ids)))
    with pytest.raises(ImproperlyConfigured, match="changes the value 'ids'"):
        the_largest.all(ids=[world.classmate.pk, world.child.pk])
    # An element taken out of a collection is that element, bound in its place.
    first_of = PreparedQuery(Student, lambda ids: Student.objects.filter(pk=ids[-1]))
    assert first_of.all(ids=[world.child.pk, world.classmate.pk]) == [world.classmate]


def _joined_and_enrolled(student_ids, since: datetime.datetime) -> QuerySet:
    """A union of two values_list() queries, one with a datetime column (SQLite stores it as text)."""
    enrolled = Enrollment.objects.filter(student_id__in=student_ids).values_list(
        "student_id", "student__user__date_joined"
    )
    joined = Student.objects.filter(pk__in=student_ids, user__date_joined__gte=since).values_list(
        "pk", "user__date_joined"
    )
    return enrolled.order_by().union(joined.order_by(), all=True)


def test_the_rows_of_a_union_of_values_lists_are_the_orms_converted(world):
    """The access policy's facts query is such a union (access._facts_query): its rows, as the ORM gives them."""
    rows = PreparedQuery(Enrollment, _joined_and_enrolled)
    children = [world.child.pk, world.sibling.pk]
    long_ago = timezone.now() - datetime.timedelta(days=1)
    for student_ids, since in [
        (children, long_ago),
        (children[1:], long_ago),
        (children, timezone.now()),
        ([], long_ago),
    ]:
        found = rows.rows(student_ids=student_ids, since=since)
        assert sorted(found) == sorted(_joined_and_enrolled(student_ids, since)), (student_ids, since)
    found = rows.rows(student_ids=children, since=long_ago)
    assert len(found) == Enrollment.objects.filter(student_id__in=children).count() + len(children)  # both branches
    assert {student_id for student_id, _ in found} == set(children)
    assert all(timezone.is_aware(joined) for _, joined in found)  # converted, not SQLite's text
    with pytest.raises(ImproperlyConfigured, match="rows"):
        rows.all(student_ids=children, since=long_ago)


def test_rows_are_of_a_values_list_of_tuples_only(world):
    flat = PreparedQuery(Student, lambda pk: Student.objects.filter(pk=pk).values_list("pk", flat=True))
    with pytest.raises(ImproperlyConfigured, match="not flat"):
        flat.rows(pk=world.child.pk)
    instances = PreparedQuery(Student, lambda pk: Student.objects.filter(pk=pk))
    with pytest.raises(ImproperlyConfigured, match="values_list"):
        instances.rows(pk=world.child.pk)


def test_a_build_that_runs_a_query_is_refused(world):
    """A probe may be a real id: what a build read with it would be compiled in for everyone (here a school)."""

    def classmates(pk: int) -> QuerySet:
        school = Student.objects.filter(pk=pk).values_list("school_id", flat=True).first()
        return Student.objects.filter(school_id=school)

    with pytest.raises(ImproperlyConfigured, match="ran a query while it was built"):
        PreparedQuery(Student, classmates).all(pk=world.child.pk)
    assert Student.objects.filter(pk=world.child.pk).exists()  # the refusal leaves the connection usable


def test_while_a_thread_builds_other_threads_sharing_its_connection_run_their_queries(world):
    """The test server's in-memory SQLite is one connection for all its threads (as Django's live server shares
    it): a page it serves while another thread builds a query is served, and only the builder is refused."""
    shared = connections[DEFAULT_DB_ALIAS]
    found: list[bool] = []

    def serve_a_page() -> None:
        connections[DEFAULT_DB_ALIAS] = shared  # as LiveServerThread does
        found.append(Student.objects.filter(pk=world.child.pk).exists())

    shared.inc_thread_sharing()
    try:
        with building_only():
            thread = threading.Thread(target=serve_a_page)
            thread.start()
            thread.join()
            with pytest.raises(ImproperlyConfigured, match="ran a query while it was built"):
                Student.objects.filter(pk=world.child.pk).exists()
    finally:
        shared.dec_thread_sharing()
    assert found == [True]
