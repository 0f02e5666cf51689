"""Fixtures for the sign-in, invitation, PDF and access-policy tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from school_portal.core import services
from school_portal.core.models import ClassGroup, Enrollment, Student, Teaching, User
from school_portal.core.testing.world import World

# Family and given names (kanji, kana) for a class of Japanese children.
FAMILY_NAMES = [
    ("佐々木", "ささき"),
    ("高橋", "たかはし"),
    ("渡辺", "わたなべ"),
    ("伊藤", "いとう"),
    ("中村", "なかむら"),
]
GIVEN_NAMES = [
    ("結衣", "ゆい"),
    ("陽翔", "はると"),
    ("芽依", "めい"),
    ("蓮", "れん"),
    ("葵", "あおい"),
    ("湊", "みなと"),
    ("凛", "りん"),
]


@pytest.fixture
def english_client() -> Client:
    """An anonymous browser asking for English pages (the portal's default language is Japanese)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def english_client_as(world: World) -> Callable[[str], Client]:
    def make(role: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(world.users[role], backend="school_portal.core.backends.ThrottledModelBackend")
        return client

    return make


def add_student(class_group: ClassGroup, sourced_id: str, family: tuple[str, str], given: tuple[str, str], number: int):
    user = User.objects.create_user(username=services.student_username(sourced_id), display_name=given[0])
    user.set_unusable_password()
    user.save()
    student = Student.objects.create(
        user=user,
        school=class_group.school,
        sourced_id=sourced_id,
        family_name=family[0],
        given_name=given[0],
        family_name_kana=family[1],
        given_name_kana=given[1],
    )
    Enrollment.objects.create(student=student, class_group=class_group, number=number)
    return student


@pytest.fixture
def big_class(world: World) -> ClassGroup:
    """A class of 35 children (3年3組 of the world's school), homeroom of the world's homeroom teacher."""
    class_group = services.class_group_ensure(school=world.school, school_year=world.school_year, grade=3, name="3")
    for number in range(1, 36):
        family = FAMILY_NAMES[number % len(FAMILY_NAMES)]
        given = GIVEN_NAMES[number % len(GIVEN_NAMES)]
        add_student(class_group, f"big-{number:02d}", family, given, number)
    Teaching.objects.create(teacher=world.users["homeroom_teacher"], class_group=class_group, is_homeroom=True)
    return class_group
