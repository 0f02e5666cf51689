"""The shared world of the permission matrix: one child, the people around them, and strangers.

Each role name below is a key of ``World.users``. Plug-ins build their own objects from this world in their
permission cases (``PermissionCase.build(world)``), so every endpoint is tried by every role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_supported_language_variant
from wagtail.models import Collection, Locale, Page, Site

from .. import services
from ..models import (
    City,
    ClassGroup,
    Enrollment,
    Guardian,
    GuardianLink,
    Library,
    PartnerTeacher,
    Role,
    School,
    SchoolYear,
    Student,
    Teaching,
    User,
)

PASSWORD = "matrix-pass-2026"


@dataclass
class World:
    city: City
    school: School
    other_school: School
    school_year: SchoolYear
    class_group: ClassGroup
    other_class: ClassGroup
    sibling_class: ClassGroup
    child: Student
    classmate: Student
    sibling: Student
    library: Library
    users: dict[str, User | None] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def _user(username: str, name: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, display_name=name)
    return user


def _student(school: School, class_group: ClassGroup, sourced_id: str, family: str, given: str) -> Student:
    user = User.objects.create_user(username=services.student_username(sourced_id), display_name=given)
    user.set_unusable_password()
    user.save()
    student = Student.objects.create(
        user=user, school=school, sourced_id=sourced_id, family_name=family, given_name=given
    )
    Enrollment.objects.create(student=student, class_group=class_group, number=1)
    return student


def restore_wagtail_roots() -> None:
    """Bring back what Wagtail's migrations made (the page-tree root, the root collection, the locale) when a
    transactional test's flush removed it: pytest-django empties every table after such a test, and Django's
    serialized rollback cannot restore it while Playwright's event loop holds the thread (see tests/browser)."""
    locale, _ = Locale.objects.get_or_create(language_code=get_supported_language_variant(settings.LANGUAGE_CODE))
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    if not Site.objects.filter(is_default_site=True).exists():
        # The default Site (the city portal's host) on the welcome page, as Wagtail's initial data makes them.
        home = root.add_child(instance=Page(title="Welcome to your new Wagtail site!", slug="home", locale=locale))
        Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)


def build_world() -> World:
    restore_wagtail_roots()
    city, _ = City.objects.get_or_create(slug="matrix", defaults={"name": "マトリクス市"})
    year = services.school_year_ensure(city=city, start_year=SchoolYear.start_year_for(timezone.localdate()))
    school = services.school_create(
        city=city, name="さくら小学校", kind=School.Kind.ELEMENTARY, code="M-E1", slug="m-sakura"
    )
    other = services.school_create(
        city=city, name="うめ中学校", kind=School.Kind.JUNIOR_HIGH, code="M-J1", slug="m-ume"
    )
    class_a = services.class_group_ensure(school=school, school_year=year, grade=3, name="1")
    class_b = services.class_group_ensure(school=school, school_year=year, grade=3, name="2")
    class_c = services.class_group_ensure(school=other, school_year=year, grade=1, name="1")
    library = Library.objects.create(city=city, name="中央図書館", slug="m-central")

    child = _student(school, class_a, "m-child", "山田", "花子")
    classmate = _student(school, class_a, "m-classmate", "佐藤", "太郎")
    sibling = _student(other, class_c, "m-sibling", "山田", "一郎")
    world = World(city, school, other, year, class_a, class_b, class_c, child, classmate, sibling, library)

    world.users["anonymous"] = None
    world.users["student"] = child.user
    world.users["classmate"] = classmate.user

    guardian = _user("m-guardian", "山田 母")
    g = Guardian.objects.create(user=guardian)
    GuardianLink.objects.create(guardian=g, student=child)
    GuardianLink.objects.create(guardian=g, student=sibling)
    world.users["guardian"] = guardian
    other_guardian = _user("m-other-guardian", "佐藤 父")
    GuardianLink.objects.create(guardian=Guardian.objects.create(user=other_guardian), student=classmate)
    world.users["other_guardian"] = other_guardian

    for role_name, school_obj, role, teaches in (
        ("homeroom_teacher", school, Role.TEACHER, class_a),
        ("other_teacher", school, Role.TEACHER, class_b),
        ("other_school_teacher", other, Role.TEACHER, class_c),
        ("school_admin", school, Role.SCHOOL_ADMIN, None),
        ("other_school_admin", other, Role.SCHOOL_ADMIN, None),
    ):
        user = _user(f"m-{role_name}", role_name)
        services.role_assign(user=user, role=role, school=school_obj)
        if teaches is not None:
            Teaching.objects.create(teacher=user, class_group=teaches, is_homeroom=True)
        world.users[role_name] = user

    centre = _user("m-centre", "センター職員")
    services.role_assign(user=centre, role=Role.CENTRE_STAFF)
    world.users["centre_staff"] = centre
    librarian = _user("m-librarian", "司書")
    services.role_assign(user=librarian, role=Role.LIBRARIAN, library=library)
    world.users["librarian"] = librarian
    partner = _user("m-partner", "Partner Teacher")
    PartnerTeacher.objects.create(user=partner, institution="Lincoln Elementary", country="US")
    services.role_assign(user=partner, role=Role.PARTNER_TEACHER)
    world.users["partner_teacher"] = partner
    return world
