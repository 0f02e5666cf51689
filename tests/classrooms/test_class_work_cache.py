"""A class's assignments are read once for the whole class and kept in the cache (classrooms/class_work.py):
every change a child could notice shows on the next page, and a second child of the class costs no more
queries for them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classrooms import services
from classrooms.models import Assignment

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("core:dashboard")


def _day(client) -> str:
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.content.decode()


def _assign(cw, world, title_lesson=None, **extra) -> Assignment:
    now = timezone.now()
    return services.assignment_create(
        lesson=title_lesson or cw.lesson,
        class_groups=[world.class_group],
        opens_at=now - datetime.timedelta(minutes=5),
        due_at=now + datetime.timedelta(hours=2),
        by=world.users["homeroom_teacher"],
        **extra,
    )


def test_a_new_assignment_shows_at_once_for_a_child_whose_classmate_already_opened_the_day(client_as, cw, world):
    child, classmate = client_as("student"), client_as("classmate")
    assert _day(classmate).count(reverse("classrooms:work", args=[cw.assignment.pk])) == 1  # the class's list cached

    new = _assign(cw, world)

    assert reverse("classrooms:work", args=[new.pk]) in _day(child)
    assert reverse("classrooms:work", args=[new.pk]) in _day(classmate)


def test_a_renamed_lesson_and_a_deleted_assignment_show_on_the_next_page(client_as, cw, world):
    child = client_as("student")
    assert "3のだん" in _day(child)

    cw.lesson.title = "3のだん（ふくしゅう）"
    revision = cw.lesson.save_revision()
    revision.publish()
    assert "3のだん（ふくしゅう）" in _day(child)

    Assignment.objects.filter(pk=cw.assignment.pk).delete()
    assert reverse("classrooms:work", args=[cw.assignment.pk]) not in _day(child)


def test_work_given_to_some_children_by_name_shows_to_them_only_and_follows_a_change_of_names(client_as, cw, world):
    child, classmate = client_as("student"), client_as("classmate")
    only_classmate = _assign(cw, world, students=[world.classmate])
    link = reverse("classrooms:work", args=[only_classmate.pk])
    assert link in _day(classmate) and link not in _day(child)

    only_classmate.students.set([world.child])

    assert link in _day(child) and link not in _day(classmate)


def test_a_childs_day_costs_the_same_queries_whatever_the_number_of_assignments(client_as, cw, world):
    child, classmate = client_as("student"), client_as("classmate")
    _day(child)  # the class's list read once

    def queries(client) -> int:
        with CaptureQueriesContext(connection) as captured:
            _day(client)
        return len(captured)

    before = queries(classmate)
    for _ in range(3):
        _assign(cw, world)
    _day(child)  # renewed, read once again for the class
    assert queries(classmate) == before
