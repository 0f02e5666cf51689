"""The one access policy: "may this user do this to this object?" and "which of these may this user see?".

Every view, API endpoint, feed, PDF, websocket consumer and admin listing that touches personal data asks
here; none filters by role on its own. The core registers the rules for its own models below; a plug-in
registers the rules for its models from its ``AppConfig.ready()`` with :func:`policy.register`.

A rule is a pair of functions over an :class:`Actor` (what the user is, computed once per request):
``check(actor, obj) -> bool`` for one object and ``scope(actor, queryset) -> queryset`` for listings.
No rule is registered for an action means refused. A rule registered ``exact`` promises that its scope holds
exactly the objects its check allows (a test proves it for each such rule); :meth:`AccessPolicy.get_or_404`
then fetches one object and decides in the same query, on the pages a child opens all day long.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import BigIntegerField, Case, CharField, F, Model, Q, QuerySet, Value, When
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from wagtail.documents.models import AbstractDocument
from wagtail.models import Page, ReferenceIndex

from .models import (
    ClassGroup,
    Enrollment,
    Guardian,
    GuardianLink,
    Job,
    Role,
    RoleAssignment,
    RosterImport,
    School,
    SchoolYear,
    Student,
    Teaching,
)

Check = Callable[["Actor", Any], bool]
Scope = Callable[["Actor", QuerySet], QuerySet]


class Actor:
    """What one user is, for access decisions: read lazily, in one query, at most once per request."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.is_authenticated = bool(user and user.is_authenticated)

    @cached_property
    def _facts(self) -> dict[str, list[tuple[Any, Any]]]:
        """Everything the rules ask about this user, from a single UNION query, grouped by kind (see _FACTS)."""
        facts: dict[str, list[tuple[Any, Any]]] = {}
        if self.is_authenticated:
            for kind, a, b in _read_facts(self.user.pk):
                facts.setdefault(kind, []).append((a, b))
        return facts

    @property
    def _roles(self) -> list[tuple[str, int | None, int | None]]:
        return [(kind, a, b) for kind, rows in self._facts.items() if kind not in _FACTS for a, b in rows]

    def has_role(self, role: str) -> bool:
        return any(r == role for r, _, _ in self._roles)

    def schools_with(self, role: str) -> set[int]:
        return {school for r, school, _ in self._roles if r == role and school}

    def libraries_with(self, role: str) -> set[int]:
        return {library for r, _, library in self._roles if r == role and library}

    @property
    def student_id(self) -> int | None:
        """The user's active student record, if any."""
        rows = self._facts.get(_STUDENT)
        return rows[0][0] if rows else None

    @property
    def guardian_id(self) -> int | None:
        rows = self._facts.get(_GUARDIAN)
        return rows[0][0] if rows else None

    @property
    def children_ids(self) -> set[int]:
        return {student for student, _ in self._facts.get(_CHILD, [])}

    @property
    def taught_class_ids(self) -> set[int]:
        """The class groups this user teaches in the current school year."""
        return {class_group for class_group, _ in self._facts.get(_TEACHES, [])}

    @property
    def homeroom_class_ids(self) -> set[int]:
        return {class_group for class_group, homeroom in self._facts.get(_TEACHES, []) if homeroom}

    @property
    def own_class_ids(self) -> set[int]:
        """A student's own class groups in the current school year."""
        return {class_group for class_group, _ in self._facts.get(_ENROLLED, [])}

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


# The kinds of fact besides role assignments (whose kind is the role itself; no role starts with "@").
_STUDENT, _GUARDIAN, _CHILD, _TEACHES, _ENROLLED = "@student", "@guardian", "@child", "@teaches", "@enrolled"
_FACTS = {_STUDENT, _GUARDIAN, _CHILD, _TEACHES, _ENROLLED}


def _fact(queryset: QuerySet, kind: Any, a: Any, b: Any = None) -> QuerySet:
    """One branch of the facts query: rows of (kind, a, b)."""
    return (
        queryset.order_by()
        .annotate(
            fact_kind=Value(kind, output_field=CharField()) if isinstance(kind, str) else kind,
            fact_a=a,
            fact_b=Value(None, output_field=BigIntegerField()) if b is None else b,
        )
        .values_list("fact_kind", "fact_a", "fact_b")
    )


def _facts_of(user: Any, day: datetime.date | None = None) -> QuerySet:
    """(kind, a, b) rows: role assignments (role, school, library), the active student record (@student, id),
    the guardian record (@guardian, id), the guardian's children (@child, student), the classes taught in the
    school year running on ``day`` (@teaches, class group, 1 if homeroom) and the student's own classes that year
    (@enrolled, class group). The same facts the separate per-attribute queries used to read, in one round trip."""
    years = SchoolYear.objects.active(day).values("id")
    return _fact(RoleAssignment.objects.filter(user=user), F("role"), F("school_id"), F("library_id")).union(
        _fact(Student.objects.filter(user=user, is_active=True), _STUDENT, F("id")),
        _fact(Guardian.objects.filter(user=user), _GUARDIAN, F("id")),
        _fact(GuardianLink.objects.filter(guardian__user=user), _CHILD, F("student_id")),
        _fact(
            Teaching.objects.filter(teacher=user, class_group__school_year__in=years),
            _TEACHES,
            F("class_group_id"),
            Case(When(is_homeroom=True, then=Value(1)), default=Value(0), output_field=BigIntegerField()),
        ),
        _fact(
            Enrollment.objects.filter(student__user=user, student__is_active=True, school_year__in=years),
            _ENROLLED,
            F("class_group_id"),
        ),
        all=True,
    )


_ANYONE = -1  # stands for the user's id while the facts query is compiled: no user has a negative id


@lru_cache(maxsize=4)
def _facts_sql(day: datetime.date, alias: str) -> tuple[str, tuple[Any, ...]]:
    """The facts query compiled by the ORM once a day per process (building it costs 2-3 ms of CPU, more than
    the rest of a dashboard's queries together); each request then only binds its own user's id."""
    sql, params = _facts_of(_ANYONE, day).query.sql_with_params()
    return sql, tuple(params)


def _read_facts(user_id: int) -> list[tuple[str, Any, Any]]:
    sql, params = _facts_sql(timezone.localdate(), RoleAssignment.objects.db)
    with connections[RoleAssignment.objects.db].cursor() as cursor:
        cursor.execute(sql, [user_id if p == _ANYONE else p for p in params])
        return cursor.fetchall()


@dataclass
class Rule:
    check: Check
    scope: Scope | None = None
    exact: bool = False  # the scope holds exactly what the check allows: one object is fetched through it
    public: bool = False  # the check also answers for visitors who are not signed in (public documents)


@dataclass
class AccessPolicy:
    rules: dict[tuple[type[Model], str], Rule] = field(default_factory=dict)

    def register(
        self,
        model: type[Model],
        action: str,
        *,
        check: Check,
        scope: Scope | None = None,
        exact: bool = False,
        public: bool = False,
    ) -> None:
        if exact and scope is None:
            raise ValueError("an exact rule needs a scope")
        self.rules[(model, action)] = Rule(check=check, scope=scope, exact=exact, public=public)

    def actor(self, user_or_request: Any) -> Actor:
        """The Actor of a user, cached on the request and on its user, so that a request computes it once even
        when a view hands ``request.user`` on to a service that asks the policy again. An Actor is its own."""
        if isinstance(user_or_request, Actor):
            return user_or_request
        user = getattr(user_or_request, "user", user_or_request)
        holders = (user_or_request, user) if user is not user_or_request else (user,)
        for holder in holders:
            cached = getattr(holder, "_portal_actor", None)
            if cached is not None and cached.user is user:
                return cached
        actor = Actor(user)
        for holder in holders:
            try:
                holder._portal_actor = actor
            except AttributeError:  # AnonymousUser and friends may refuse attributes
                pass
        return actor

    def allows(self, who: Any, action: str, obj: Model) -> bool:
        rule = self._rule(type(obj), action)
        if rule is None:
            return False
        actor = self.actor(who)
        return (actor.is_authenticated or rule.public) and bool(rule.check(actor, obj))

    def scope(self, who: Any, action: str, queryset: QuerySet) -> QuerySet:
        rule = self._rule(queryset.model, action)
        actor = self.actor(who)
        if rule is None or rule.scope is None or not actor.is_authenticated:
            return queryset.none()
        return rule.scope(actor, queryset)

    def get_or_404(self, who: Any, action: str, queryset: QuerySet, **lookup: Any) -> Any:
        """The object, if it exists and the user may ``action`` it; otherwise 404 (we do not confirm it exists)."""
        rule = self._rule(queryset.model, action)
        if rule is not None and rule.exact:
            actor = self.actor(who)
            obj = rule.scope(actor, queryset.filter(**lookup)).first() if actor.is_authenticated else None
            if obj is None:
                raise Http404
            return obj
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


def _class_manage_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    """The same classes as :func:`_class_manage`: a subject teacher sees a roster but manages no class."""
    return qs.filter(Q(pk__in=actor.homeroom_class_ids) | Q(school_id__in=actor.admin_school_ids))


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
policy.register(ClassGroup, "manage", check=_class_manage, scope=_class_manage_scope)
policy.register(School, "manage", check=_school_manage, scope=_school_manage_scope)


def _roster_import_visible(actor: Actor, roster_import: RosterImport) -> bool:
    """A school's imports: its administrators and centre staff; a city-wide import (no school): centre staff."""
    if actor.is_centre_staff:
        return True
    return roster_import.school_id is not None and roster_import.school_id in actor.admin_school_ids


def _roster_import_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs if actor.is_centre_staff else qs.filter(school_id__in=actor.admin_school_ids)


# Roster imports hold the names of children (in their error reports): the same people who may import them.
policy.register(RosterImport, "view", check=_roster_import_visible, scope=_roster_import_scope)
# Starting one: for a school, its administrators and centre staff; city-wide (no school), centre staff only.
policy.register(RosterImport, "create", check=_roster_import_visible)


def _document_is_public(document: AbstractDocument) -> bool:
    """Linked from a live page that anyone may read (no view restriction on it or above it): Wagtail's reference
    index knows which pages use a document, in their published content."""
    page_type = ContentType.objects.get_for_model(Page)
    pages_using = (
        ReferenceIndex.get_references_to(document)
        .filter(base_content_type=page_type)
        .annotate(page_id=Cast("object_id", BigIntegerField()))
        .values("page_id")
    )
    return Page.objects.live().public().filter(pk__in=pages_using).exists()


def _document_readable(actor: Actor, document: AbstractDocument) -> bool:
    """A document of a school's collection (a roster, minutes, a letter): the school's teachers and administrators
    and education-centre staff; anyone, once a public page links it. Outside any school's collection: centre
    staff, or anyone once a public page links it."""
    if actor.is_authenticated:
        if actor.is_centre_staff:
            return True
        schools = actor.teacher_school_ids
        if schools and School.objects.filter(pk__in=schools, collection_id=document.collection_id).exists():
            return True
    return _document_is_public(document)


# Wagtail's documents, served only through its serve view (WAGTAILDOCS_SERVE_METHOD = "serve_view"), which asks
# this rule in the before_serve_document hook (wagtail_hooks.py). Original images are never served at all: the
# public gets renditions only (school_portal/core/media.py, and nginx in docs/operations.md).
policy.register(AbstractDocument, "view", check=_document_readable, public=True)


def _job_visible(actor: Actor, job: Job) -> bool:
    """A background job (its progress and its file: letters, badges, an import): whoever started it, and centre
    staff who help them. Not the school's other staff: a job's file may hold one-time codes."""
    return actor.is_centre_staff or (job.started_by_id is not None and job.started_by_id == actor.user.pk)


def _job_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    return qs if actor.is_centre_staff else qs.filter(started_by_id=actor.user.pk)


policy.register(Job, "view", check=_job_visible, scope=_job_scope)
