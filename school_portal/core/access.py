"""The one access policy: "may this user do this to this object?" and "which of these may this user see?".

Every view, API endpoint, feed, PDF, websocket consumer and admin listing that touches personal data asks
here; none filters by role on its own. The core registers the rules for its own models below; a plug-in
registers the rules for its models from its ``AppConfig.ready()`` with :func:`policy.register`.

A rule is a pair of functions over an :class:`Actor` (what the user is, computed once per request):
``check(actor, obj) -> bool`` for one object and ``scope(actor, queryset) -> queryset`` for listings.
No rule is registered for an action means refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import (
    ClassGroup,
    Enrollment,
    Guardian,
    GuardianLink,
    Role,
    RoleAssignment,
    School,
    SchoolYear,
    Student,
    Teaching,
)

Check = Callable[["Actor", Any], bool]
Scope = Callable[["Actor", QuerySet], QuerySet]


class Actor:
    """What one user is, for access decisions: computed lazily, a handful of queries at most per request."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.is_authenticated = bool(user and user.is_authenticated)

    @cached_property
    def _roles(self) -> list[tuple[str, int | None, int | None]]:
        if not self.is_authenticated:
            return []
        return list(RoleAssignment.objects.filter(user=self.user).values_list("role", "school_id", "library_id"))

    def has_role(self, role: str) -> bool:
        return any(r == role for r, _, _ in self._roles)

    def schools_with(self, role: str) -> set[int]:
        return {school for r, school, _ in self._roles if r == role and school}

    def libraries_with(self, role: str) -> set[int]:
        return {library for r, _, library in self._roles if r == role and library}

    @cached_property
    def student_id(self) -> int | None:
        if not self.is_authenticated:
            return None
        return Student.objects.filter(user=self.user, is_active=True).values_list("id", flat=True).first()

    @cached_property
    def guardian_id(self) -> int | None:
        if not self.is_authenticated:
            return None
        return Guardian.objects.filter(user=self.user).values_list("id", flat=True).first()

    @cached_property
    def children_ids(self) -> set[int]:
        if not self.guardian_id:
            return set()
        return set(GuardianLink.objects.filter(guardian_id=self.guardian_id).values_list("student_id", flat=True))

    @cached_property
    def taught_class_ids(self) -> set[int]:
        """The class groups this user teaches in the current school year."""
        if not self.is_authenticated:
            return set()
        return set(
            Teaching.objects.filter(teacher=self.user, class_group__school_year__in=_current_years()).values_list(
                "class_group_id", flat=True
            )
        )

    @cached_property
    def homeroom_class_ids(self) -> set[int]:
        if not self.is_authenticated:
            return set()
        return set(
            Teaching.objects.filter(
                teacher=self.user, is_homeroom=True, class_group__school_year__in=_current_years()
            ).values_list("class_group_id", flat=True)
        )

    @cached_property
    def own_class_ids(self) -> set[int]:
        """A student's own class groups in the current school year."""
        if not self.student_id:
            return set()
        return set(
            Enrollment.objects.filter(student_id=self.student_id, school_year__in=_current_years()).values_list(
                "class_group_id", flat=True
            )
        )

    @property
    def admin_school_ids(self) -> set[int]:
        return self.schools_with(Role.SCHOOL_ADMIN)

    @property
    def teacher_school_ids(self) -> set[int]:
        return self.schools_with(Role.TEACHER) | self.admin_school_ids

    @property
    def is_centre_staff(self) -> bool:
        return self.has_role(Role.CENTRE_STAFF) or bool(self.is_authenticated and self.user.is_superuser)

    @property
    def role_names(self) -> set[str]:
        """The dashboard roles of this user (which panels and links they get)."""
        names = {r for r, _, _ in self._roles}
        if self.student_id:
            names.add(Role.STUDENT)
        if self.guardian_id:
            names.add(Role.GUARDIAN)
        if self.is_authenticated and self.user.is_superuser:
            names.add(Role.CENTRE_STAFF)
        return names


def _current_years() -> QuerySet:
    return SchoolYear.objects.active().values("id")


@dataclass
class Rule:
    check: Check
    scope: Scope | None = None


@dataclass
class AccessPolicy:
    rules: dict[tuple[type[Model], str], Rule] = field(default_factory=dict)

    def register(self, model: type[Model], action: str, *, check: Check, scope: Scope | None = None) -> None:
        self.rules[(model, action)] = Rule(check=check, scope=scope)

    def actor(self, user_or_request: Any) -> Actor:
        """The Actor of a user, cached on the request (or user) so a request computes it once."""
        holder = user_or_request
        user = getattr(user_or_request, "user", user_or_request)
        cached = getattr(holder, "_portal_actor", None)
        if cached is not None and cached.user is user:
            return cached
        actor = Actor(user)
        try:
            holder._portal_actor = actor
        except AttributeError:  # AnonymousUser and friends may refuse attributes
            pass
        return actor

    def allows(self, who: Any, action: str, obj: Model) -> bool:
        rule = self._rule(type(obj), action)
        if rule is None:
            return False
        actor = who if isinstance(who, Actor) else self.actor(who)
        return actor.is_authenticated and bool(rule.check(actor, obj))

    def scope(self, who: Any, action: str, queryset: QuerySet) -> QuerySet:
        rule = self._rule(queryset.model, action)
        actor = who if isinstance(who, Actor) else self.actor(who)
        if rule is None or rule.scope is None or not actor.is_authenticated:
            return queryset.none()
        return rule.scope(actor, queryset)

    def get_or_404(self, who: Any, action: str, queryset: QuerySet, **lookup: Any) -> Any:
        """The object, if it exists and the user may ``action`` it; otherwise 404 (we do not confirm it exists)."""
        obj = queryset.filter(**lookup).first()
        if obj is None or not self.allows(who, action, obj):
            raise Http404
        return obj

    def require(self, who: Any, action: str, obj: Model) -> None:
        if not self.allows(who, action, obj):
            raise PermissionDenied

    def _rule(self, model: type[Model], action: str) -> Rule | None:
        for klass in model.__mro__:
            rule = self.rules.get((klass, action))
            if rule is not None:
                return rule
        return None


policy = AccessPolicy()


# --- the core's own rules ---------------------------------------------------------------------------------


def _student_visible(actor: Actor, student: Student) -> bool:
    if actor.student_id == student.id or student.id in actor.children_ids:
        return True
    if student.school_id in actor.admin_school_ids:
        return True
    return Enrollment.objects.filter(student=student, class_group_id__in=actor.taught_class_ids).exists()


def _student_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    q = Q(pk__in=actor.children_ids) | Q(school_id__in=actor.admin_school_ids)
    if actor.student_id:
        q |= Q(pk=actor.student_id)
    if actor.taught_class_ids:
        q |= Q(enrollments__class_group_id__in=actor.taught_class_ids)
    return qs.filter(q).distinct()


def _student_manage(actor: Actor, student: Student) -> bool:
    """Print invitation letters, reset a badge: the homeroom teacher and the school's administrators."""
    if student.school_id in actor.admin_school_ids:
        return True
    return Enrollment.objects.filter(student=student, class_group_id__in=actor.homeroom_class_ids).exists()


def _class_roster_visible(actor: Actor, class_group: ClassGroup) -> bool:
    return class_group.id in actor.taught_class_ids or class_group.school_id in actor.admin_school_ids


def _class_roster_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs.filter(Q(pk__in=actor.taught_class_ids) | Q(school_id__in=actor.admin_school_ids))


def _class_manage(actor: Actor, class_group: ClassGroup) -> bool:
    return class_group.id in actor.homeroom_class_ids or class_group.school_id in actor.admin_school_ids


def _school_manage(actor: Actor, school: School) -> bool:
    """Import rosters and run the school's site: its administrators and education-centre staff."""
    return school.id in actor.admin_school_ids or actor.is_centre_staff


def _school_manage_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs if actor.is_centre_staff else qs.filter(pk__in=actor.admin_school_ids)


# Personal data of a child: the child, their guardians, their current teachers, their school's administrators.
policy.register(Student, "view", check=_student_visible, scope=_student_scope)
policy.register(Student, "manage", check=_student_manage, scope=None)
# A class's roster (names of children): its teachers and the school's administrators; never other students.
policy.register(ClassGroup, "view_roster", check=_class_roster_visible, scope=_class_roster_scope)
policy.register(ClassGroup, "manage", check=_class_manage, scope=_class_roster_scope)
policy.register(School, "manage", check=_school_manage, scope=_school_manage_scope)
