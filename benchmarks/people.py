"""The benchmark's own people, added to a seeded city: guardians with n children, teachers with n classes.

Children and classes are taken from as many different schools as there are, so that a query per school or
per child would show in the counts. Run again at a larger scale, each person is rebuilt from scratch.
Needs a configured Django (call from inside ``django.setup()``).
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from school_portal.core.models import (
    ClassGroup,
    Guardian,
    GuardianLink,
    Role,
    RoleAssignment,
    School,
    SchoolYear,
    Student,
    Teaching,
    User,
)

UNUSABLE = make_password(None)


def _user(username: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"display_name": username, "password": UNUSABLE})
    return user


def _round_robin(items_by_school: list[list], n: int) -> list:
    """``n`` items, one from each school in turn."""
    chosen = []
    for i in range(n):
        bucket = items_by_school[i % len(items_by_school)]
        chosen.append(bucket[i // len(items_by_school)])
    return chosen


def guardian_with_children(username: str, n: int, *, offset: int = 0) -> User:
    """A guardian linked to ``n`` children, each (as far as the city allows) in a different school."""
    schools = list(School.objects.order_by("pk").values_list("pk", flat=True))
    schools = schools[offset % len(schools) :] + schools[: offset % len(schools)]
    per_school = [
        list(Student.objects.filter(school_id=pk).order_by("pk").values_list("pk", flat=True)[: n + 1])
        for pk in schools
    ]
    per_school = [ids for ids in per_school if ids]
    user = _user(username)
    guardian, _ = Guardian.objects.get_or_create(user=user)
    guardian.links.all().delete()
    GuardianLink.objects.bulk_create(
        [GuardianLink(guardian=guardian, student_id=pk) for pk in _round_robin(per_school, n)]
    )
    return user


def teacher_with_classes(username: str, n: int) -> User:
    """A teacher of ``n`` classes this school year, in as many different schools as possible."""
    years = SchoolYear.objects.active()
    per_school: dict[int, list[ClassGroup]] = {}
    for group in ClassGroup.objects.filter(school_year__in=years).order_by("school_id", "grade", "name"):
        per_school.setdefault(group.school_id, []).append(group)
    chosen = _round_robin(list(per_school.values()), n)
    user = _user(username)
    Teaching.objects.filter(teacher=user).delete()
    RoleAssignment.objects.filter(user=user).delete()
    Teaching.objects.bulk_create([Teaching(teacher=user, class_group=g) for g in chosen])
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=Role.TEACHER, school_id=pk) for pk in {g.school_id for g in chosen}]
    )
    return user


def admin_of(username: str, school: School) -> User:
    user = _user(username)
    RoleAssignment.objects.get_or_create(user=user, role=Role.SCHOOL_ADMIN, school=school)
    return user


def biggest_school() -> School:
    """The school with the most classes (a benchmark-sized one once ``--scale`` has run)."""
    from django.db.models import Count

    return School.objects.annotate(n=Count("class_groups")).order_by("-n", "pk").first()


def signed_in_sessions(users: list[User]) -> list[str]:
    """A session key per user, written through the session engine as a sign-in would (for the load clients): the
    auth keys, then ``user_logged_in`` so that the portal's own sign-in receivers (session policy, second factor)
    fill the session as they do at a real sign-in."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.signals import user_logged_in
    from django.http import HttpRequest

    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for user in users:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        request = HttpRequest()
        request.session, request.user = session, user
        user_logged_in.send(sender=type(user), request=request, user=user)
        session.save()
        keys.append(session.session_key)
    return keys
