"""The access-policy engine: "may this user do this to this object?", "which of these may they see?", "may they
use this at all?". The core's own rules live in :mod:`school_portal.core.access_rules`; a plug-in's in its
``access_rules.py``; both register them here from their ``AppConfig.ready()``.

Every view, API endpoint, feed, PDF, websocket consumer and admin listing that touches personal data asks
:data:`policy`; none filters by role on its own. It answers three kinds of question:

- **Rules**, per (model, action): ``check(actor, obj) -> bool`` for one object and ``scope(actor, queryset) ->
  queryset`` for listings (:meth:`AccessPolicy.register`; asked through ``allows``, ``require``, ``scope`` and
  ``get_or_404``). An action nobody registered is refused, and so is every visitor who is not signed in, except
  by a rule registered ``public`` (a document a public page links). A rule registered ``exact`` promises that its scope
  holds exactly the objects its check allows (tests/school_portal/test_exact_rules.py proves it for every such
  rule); ``get_or_404`` then fetches one object and decides in the same query.
- **Capabilities**, object-free: "may this person use the coding lab at all" (``policy.can(who, "coding_lab.use")``,
  registered with :meth:`AccessPolicy.register_capability`). Nav links and dashboard panels name one.
- **Facts**: what an :class:`Actor` is (roles, children, classes taught, ...), read in one query per request.
  A plug-in adds its own facts to that same query with :meth:`AccessPolicy.register_fact`.

Registrations are checked at start-up: a (model, action), capability or fact name already taken by a different
function is an ``ImproperlyConfigured`` error (the same function again is harmless: ``ready()`` may run twice),
so a plug-in cannot silently replace the core's rule whatever the order of ``INSTALLED_APPS``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, wraps
from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import BigIntegerField, Case, CharField, F, Model, Q, QuerySet, Value, When
from django.db.models.functions import Cast
from django.db.models.query import ModelIterable
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from .models import Enrollment, Guardian, GuardianLink, Role, RoleAssignment, SchoolYear, Student, Teaching
from .prepared import PreparedQuery, building_only

Check = Callable[["Actor", Any], bool]
Scope = Callable[["Actor", QuerySet], QuerySet]
CapabilityCheck = Callable[["Actor"], bool]
# ``reader(user_id, day)`` builds (never runs) a ``values_list`` of one or two integer columns about that user.
FactReader = Callable[[int, datetime.date], QuerySet]
View = Callable[..., HttpResponse]


class Actor:
    """What one user is, for access decisions: read lazily, in one query, at most once per request."""

    def __init__(self, user: Any, policy: AccessPolicy | None = None) -> None:
        self.user = user
        self.is_authenticated = bool(user and user.is_authenticated)
        self._policy = policy

    @cached_property
    def _facts(self) -> dict[str, list[tuple[Any, Any]]]:
        """Everything the rules ask about this user, from a single UNION query, grouped by kind (see _facts_of)."""
        facts: dict[str, list[tuple[Any, Any]]] = {}
        if self.is_authenticated:
            for kind, a, b in (self._policy or policy).read_facts(self.user.pk):
                facts.setdefault(kind, []).append((a, b))
        return facts

    def fact(self, name: str) -> frozenset[int]:
        """The values of the first column of the fact ``name`` a plug-in registered (NULLs left out); empty for
        visitors. An unregistered name raises ``LookupError``: it is a mistake in the code, not a refusal."""
        return frozenset(a for a, _ in self.fact_rows(name) if a is not None)

    def fact_rows(self, name: str) -> list[tuple[int | None, int | None]]:
        """The rows ``(a, b)`` of a registered two-column fact (``b`` is None for a one-column one)."""
        (self._policy or policy).fact_reader(name)
        return list(self._facts.get(_plugin_kind(name), ()))

    @property
    def _roles(self) -> list[tuple[str, int | None, int | None]]:
        return [(kind, a, b) for kind, rows in self._facts.items() if not kind.startswith("@") for a, b in rows]

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
        """The roles this user holds (staff roles, and student / guardian from their records)."""
        names = {r for r, _, _ in self._roles}
        if self.student_id:
            names.add(Role.STUDENT)
        if self.guardian_id:
            names.add(Role.GUARDIAN)
        if self.is_authenticated and self.user.is_superuser:
            names.add(Role.CENTRE_STAFF)
        return names


# --- the facts query --------------------------------------------------------------------------------------
# Rows of (kind, a, b). A role assignment's kind is the role itself; every other kind starts with "@" (no role
# does): the core's own below, a plug-in's fact "exchange.partner_of" as "@exchange.partner_of".
_STUDENT, _GUARDIAN, _CHILD, _TEACHES, _ENROLLED = "@student", "@guardian", "@child", "@teaches", "@enrolled"


def _plugin_kind(name: str) -> str:
    return "@" + name


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


def _plugin_fact(name: str, reader: FactReader, user: int, day: datetime.date) -> QuerySet:
    """A registered fact's branch: its reader's one or two columns, as integers (a UNION needs one type)."""
    rows = reader(user, day)
    columns = getattr(rows, "_fields", None)  # the names given to values_list(); None for a model queryset
    if not isinstance(rows, QuerySet) or not columns or len(columns) > 2:
        raise ImproperlyConfigured(
            f"The fact {name!r} must be read as .values_list() of one or two integer columns "
            f"(got {type(rows).__name__} of columns {columns or 'all'})."
        )
    a, *b = (Cast(F(column), BigIntegerField()) for column in columns)
    return _fact(rows, _plugin_kind(name), a, b[0] if b else None)


def _facts_of(user: Any, day: datetime.date | None = None, readers: tuple[tuple[str, FactReader], ...] = ()):
    """(kind, a, b) rows: role assignments (role, school, library), the active student record (@student, id),
    the guardian record (@guardian, id), the guardian's children (@child, student), the classes taught in the
    school year running on ``day`` (@teaches, class group, 1 if homeroom), the student's own classes that year
    (@enrolled, class group), then each registered fact of the plug-ins. One round trip for all of them."""
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
        *(_plugin_fact(name, reader, user, day or timezone.localdate()) for name, reader in readers),
        all=True,
    )


# User ids for checking a fact's shape (compiled, never run; a reader that runs a query meanwhile is refused).
_PROBE_IDS = (1, 2)


@lru_cache(maxsize=4)
def _facts_query(day: datetime.date, readers: tuple[tuple[str, FactReader], ...]) -> PreparedQuery:
    """The facts query of ``day`` and the registered facts, compiled once per database and process
    (``PreparedQuery.rows``: each request binds its own user's id to SQL compiled earlier).

    Why: building the UNION through the ORM costs 2.4 ms of CPU, more than the rest of a dashboard's queries
    together; binding one id to SQL compiled earlier costs 0.16 ms (docs/benchmarks.md, "Changes made for these
    targets", 1). It is made again each day: the "current school year" branches compare with the date. The
    user's id must be a parameter the query takes as given; a plug-in's fact may carry any constant it likes.
    """
    for name, reader in readers:  # a fact that ignored the user would tell everyone's facts to everyone
        with building_only():
            one, other = (_plugin_fact(name, reader, probe, day).query.sql_with_params() for probe in _PROBE_IDS)
        if one == other:
            raise ImproperlyConfigured(f"The fact {name!r} does not depend on the user_id it is given.")
    return PreparedQuery(RoleAssignment, lambda user_id: _facts_of(user_id, day, readers))


# --- the policy -------------------------------------------------------------------------------------------


def _same_function(a: Any, b: Any) -> bool:
    """The same function, or the same source defined again (a lambda inside ``register()`` that ran twice)."""
    if a is b:
        return True
    if isinstance(a, PreparedScope) and isinstance(b, PreparedScope):  # reach_scope(...) called in register()
        return _same_function(a.values, b.values) and _same_function(a.query, b.query)
    code_a, code_b = getattr(a, "__code__", None), getattr(b, "__code__", None)
    if code_a is None or code_b is None:
        return False
    cells_a, cells_b = _cells(a), _cells(b)
    return (
        (a.__module__, a.__qualname__, code_a.co_code, code_a.co_consts)
        == (b.__module__, b.__qualname__, code_b.co_code, code_b.co_consts)
        and len(cells_a) == len(cells_b)
        and all(x == y or _same_function(x, y) for x, y in zip(cells_a, cells_b, strict=True))
    )


def _cells(function: Any) -> tuple[Any, ...]:
    return tuple(cell.cell_contents for cell in function.__closure__ or ())


def _describe(function: Any) -> str:
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', repr(function))}"


def _registering_app(function: Any) -> str | None:
    """The label of the app whose code defines ``function`` (None for code outside every app, such as tests)."""
    config = apps.get_containing_app_config(getattr(function, "__module__", "") or "")
    return config.label if config is not None else None


_NAME = re.compile(r"([a-z_][a-z0-9_]*)\.[a-z_][a-z0-9_.]*")


def _check_name(kind: str, name: str, function: Any) -> None:
    """Capabilities and facts are named ``<app label>.<what>``, after the app that registers them."""
    match = _NAME.fullmatch(name)
    if match is None:
        raise ImproperlyConfigured(f"A {kind} is named '<app label>.<what>' (like 'coding_lab.use'), not {name!r}.")
    _check_namespace(kind, name, match.group(1), function)


def _check_namespace(kind: str, name: str, label: str, function: Any) -> None:
    owner = _registering_app(function)
    if owner is not None and owner != label:
        raise ImproperlyConfigured(f"{_describe(function)} registers the {kind} {name!r}: name it '{owner}.…'.")
    if owner is None and label not in {config.label for config in apps.get_app_configs()}:
        raise ImproperlyConfigured(f"The {kind} {name!r} names no installed app.")


@dataclass(frozen=True)
class PreparedScope:
    """A scope in two halves, so that its SQL can be compiled once per shape and process:
    ``values(actor)`` reads what the query needs of the actor (ints, datetimes, collections of ints, by name; or
    None when the actor can see nothing), ``query(queryset, **values)`` narrows the queryset with them and
    nothing else (no clock, no branch on a value: see :mod:`school_portal.core.prepared`).

    Called like any scope. ``get_or_404`` by ``pk`` on a queryset with no filter of its own (``select_related``
    is kept) runs it as a :class:`~school_portal.core.prepared.PreparedQuery`.
    """

    values: Callable[[Actor], dict[str, Any] | None]
    query: Callable[..., QuerySet]
    _prepared: dict[tuple[type[Model], str], PreparedQuery] = field(default_factory=dict, compare=False, repr=False)

    def __deepcopy__(self, memo: dict) -> PreparedScope:
        return self  # registered once per process, like a scope function

    def __call__(self, actor: Actor, queryset: QuerySet) -> QuerySet:
        values = self.values(actor)
        return queryset.none() if values is None else self.query(queryset, **values)

    def get(self, actor: Actor, queryset: QuerySet, pk: int) -> Model | None:
        """The object ``pk`` of ``queryset`` within the scope, or None; from SQL compiled once per shape."""
        values = self.values(actor)
        if values is None:
            return None
        key = (queryset.model, repr(queryset.query.select_related))
        prepared = self._prepared.get(key)
        if prepared is None:
            base = queryset.all()
            prepared = PreparedQuery(queryset.model, lambda pk, **values: self.query(base.filter(pk=pk), **values))
            self._prepared[key] = prepared
        return prepared.first(pk=pk, **values)


def reach_of(actor: Actor) -> dict[str, Any]:
    """The ids through which a person reaches children's records, as a PreparedScope's values: their own
    children, the schools they administer, themself as a child, the classes they teach this year."""
    return {
        "children_ids": actor.children_ids,
        "admin_school_ids": actor.admin_school_ids,
        "own_ids": [actor.student_id] if actor.student_id else [],
        "taught_class_ids": actor.taught_class_ids,
    }


def reach_scope(*, child: str, school: str, taught: Callable[[Iterable[int]], Q]) -> PreparedScope:
    """A PreparedScope over :func:`reach_of`: the rows about a child that a person reaches as the child's
    guardian, as the administrator of the school (``school``: the lookup of the school's id), as the child
    themself (``child``: the lookup of the student's id), or as a teacher (``taught(class_ids)``: the rows of the
    children of those classes). Made again with the same arguments (``ready()`` twice), it is the same rule."""

    def query(
        qs: QuerySet,
        *,
        children_ids: Iterable[int],
        admin_school_ids: Iterable[int],
        own_ids: list[int],
        taught_class_ids: Iterable[int],
    ) -> QuerySet:
        q = Q(**{f"{child}__in": children_ids}) | Q(**{f"{school}__in": admin_school_ids})
        q |= Q(**{f"{child}__in": own_ids})
        if taught_class_ids:
            q |= taught(taught_class_ids)
        return qs.filter(q).distinct()

    return PreparedScope(values=reach_of, query=query)


def _by_int_pk(lookup: dict[str, Any]) -> bool:
    return lookup.keys() == {"pk"} and type(lookup["pk"]) is int


def _unfiltered(queryset: QuerySet) -> bool:
    """A model's queryset with nothing of its own but ``select_related``: what a prepared scope can stand for."""
    query = queryset.query
    return (
        queryset._iterable_class is ModelIterable  # not values() nor values_list()
        and queryset._fields is None
        and queryset._db is None  # no using(): the router decides, as for the query it stands for
        and not query.where
        and not query.annotations
        and not query.is_sliced
        and not query.distinct
        and not query.extra
        and not query.combinator
        and not query.select_for_update
        and query.deferred_loading == (frozenset(), True)
        and not queryset._prefetch_related_lookups
    )


@dataclass
class Rule:
    check: Check
    scope: Scope | None = None
    exact: bool = False  # the scope holds exactly what the check allows: one object is fetched through it
    public: bool = False  # the check also answers for visitors who are not signed in (public documents)

    def same_as(self, other: Rule) -> bool:
        return (
            _same_function(self.check, other.check)
            and (self.scope is other.scope or _same_function(self.scope, other.scope))
            and self.exact == other.exact
            and self.public == other.public
        )


@dataclass
class AccessPolicy:
    rules: dict[tuple[type[Model], str], Rule] = field(default_factory=dict)
    capabilities: dict[str, CapabilityCheck] = field(default_factory=dict)
    facts: dict[str, FactReader] = field(default_factory=dict)
    _fact_readers: tuple[tuple[str, FactReader], ...] = field(default=(), init=False, repr=False)

    # --- registration (from AppConfig.ready()) ---

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
        """The rule for ``action`` on ``model`` (and on its subclasses that have none of their own).

        An action on another app's model carries the registering app's label: classrooms registers
        ``"classrooms.do_lessons"`` on the core's ``Student``, never ``"do_lessons"``. One rule per action along
        an inheritance line: registering ``action`` for a parent or a subclass of a model that already has it is
        refused, like registering a taken key with a different function, so no rule is ever shadowed.
        """
        if exact and scope is None:
            raise ValueError("an exact rule needs a scope")
        self._check_action(model, action, check)
        rule = Rule(check=check, scope=scope, exact=exact, public=public)
        existing = self.rules.get((model, action))
        if existing is not None:
            if existing.same_as(rule):
                return
            raise ImproperlyConfigured(
                f"{_describe(check)} would replace {_describe(existing.check)} as the rule for "
                f"({model._meta.label}, {action!r}): choose another action name, prefixed with your app's label."
            )
        for (other_model, other_action), other in self.rules.items():
            if other_action == action and (issubclass(model, other_model) or issubclass(other_model, model)):
                raise ImproperlyConfigured(
                    f"{_describe(check)} registers ({model._meta.label}, {action!r}), but "
                    f"{_describe(other.check)} already governs ({other_model._meta.label}, {action!r}) on the "
                    "same inheritance line: one of them would shadow the other."
                )
        self.rules[(model, action)] = rule

    def register_capability(self, name: str, *, check: CapabilityCheck) -> None:
        """An object-free permission ``check(actor) -> bool``, asked by :meth:`can`: "may this person use the
        coding lab at all". Named ``<app label>.<what>``. It should read only the Actor's facts (no query):
        nav links and dashboard panels ask one on every page."""
        _check_name("capability", name, check)
        existing = self.capabilities.get(name)
        if existing is not None and not _same_function(existing, check):
            raise ImproperlyConfigured(
                f"{_describe(check)} would replace the capability {name!r} ({_describe(existing)})."
            )
        self.capabilities[name] = check

    def register_fact(self, name: str, reader: FactReader) -> None:
        """A plug-in's own fact about a user, read in the Actor's one facts query (no extra query per request).

        ``reader(user_id, day)`` returns, without running it, a ``values_list`` of one or two integer columns
        (``.values_list("exchange_id")``) for that user on ``day``; ``actor.fact(name)`` gives the first
        column's values, ``actor.fact_rows(name)`` the rows. Named ``<app label>.<what>``.
        """
        _check_name("fact", name, reader)
        existing = self.facts.get(name)
        if existing is not None and not _same_function(existing, reader):
            raise ImproperlyConfigured(f"{_describe(reader)} would replace the fact {name!r} ({_describe(existing)}).")
        if existing is None:
            with building_only():
                _plugin_fact(name, reader, _PROBE_IDS[0], timezone.localdate())  # its shape, at start-up
            self.facts[name] = reader
            self._fact_readers = tuple(self.facts.items())

    def unregister_fact(self, name: str) -> None:
        """Forget a fact (tests register their own and take them away again)."""
        if self.facts.pop(name, None) is not None:
            self._fact_readers = tuple(self.facts.items())

    # --- who is asking ---

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
        actor = Actor(user, self)
        for holder in holders:
            try:
                holder._portal_actor = actor
            except AttributeError:  # AnonymousUser and friends may refuse attributes
                pass
        return actor

    def read_facts(self, user_id: int) -> list[tuple[str, Any, Any]]:
        """The (kind, a, b) rows of one user: one query, from SQL compiled once a day (see _facts_query)."""
        return _facts_query(timezone.localdate(), self._fact_readers).rows(user_id=user_id)

    def fact_reader(self, name: str) -> FactReader:
        try:
            return self.facts[name]
        except KeyError:
            raise LookupError(f"No fact {name!r} is registered (policy.register_fact).") from None

    # --- questions ---

    def can(self, who: Any, capability: str) -> bool:
        """May this user (a request, user or Actor) use ``capability`` at all? Visitors may not.

        An unregistered name raises ``LookupError`` (a mistake in the code, loud in the first test that asks,
        like ``reverse()`` of an unknown URL); ``manage.py check`` reports nav links and panels that name one."""
        try:
            check = self.capabilities[capability]
        except KeyError:
            raise LookupError(f"No capability {capability!r} is registered (policy.register_capability).") from None
        actor = self.actor(who)
        return actor.is_authenticated and bool(check(actor))

    def require_capability(self, who: Any, capability: str) -> None:
        if not self.can(who, capability):
            raise PermissionDenied

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

    def scope_values(self, who: Any, action: str, model: type[Model]) -> dict[str, Any] | None:
        """What the rule's :class:`PreparedScope` reads of the user, for a ``PreparedQuery`` whose build applies
        the rule with :meth:`scope_query`; None when the user sees nothing (or is not signed in). Raises
        ``LookupError`` if the rule has no PreparedScope (the caller's listing would silently drop its check)."""
        scope = self._prepared_scope(model, action)
        actor = self.actor(who)
        return scope.values(actor) if actor.is_authenticated else None

    def scope_query(self, action: str, queryset: QuerySet, **values: Any) -> QuerySet:
        """``policy.scope`` with the values :meth:`scope_values` gave, inside a ``PreparedQuery``'s build:

        values = policy.scope_values(actor, "view", Student)
        found = [] if values is None else children.all(ids=actor.children_ids, **values)
        """
        return self._prepared_scope(queryset.model, action).query(queryset, **values)

    def _prepared_scope(self, model: type[Model], action: str) -> PreparedScope:
        rule = self._rule(model, action)
        if rule is None or not isinstance(rule.scope, PreparedScope):
            raise LookupError(f"({model._meta.label}, {action!r}) has no PreparedScope to compile.")
        return rule.scope

    def get_or_404(self, who: Any, action: str, queryset: QuerySet, **lookup: Any) -> Any:
        """The object, if it exists and the user may ``action`` it; otherwise 404 (we do not confirm it exists)."""
        rule = self._rule(queryset.model, action)
        if rule is not None and rule.exact:
            actor = self.actor(who)
            if not actor.is_authenticated:
                obj = None
            elif isinstance(rule.scope, PreparedScope) and _by_int_pk(lookup) and _unfiltered(queryset):
                obj = rule.scope.get(actor, queryset, lookup["pk"])
            else:
                obj = rule.scope(actor, queryset.filter(**lookup)).first()
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
        """The rule of ``model`` or of the nearest ancestor that has one (at most one exists: see register)."""
        for klass in model.__mro__:
            rule = self.rules.get((klass, action))
            if rule is not None:
                return rule
        return None

    def _check_action(self, model: type[Model], action: str, check: Check) -> None:
        label, dot, _ = action.partition(".")
        if dot:
            _check_namespace("action", action, label, check)
            return
        owner = _registering_app(check)
        if owner is not None and owner != model._meta.app_label:
            raise ImproperlyConfigured(
                f"{_describe(check)} registers {action!r} on {model._meta.label}, another app's model: "
                f"name the action '{owner}.{action}'."
            )


policy = AccessPolicy()


def capability_required(capability: str) -> Callable[[View], View]:
    """A view decorator: visitors go to the sign-in page, signed-in people without ``capability`` get a 403.

    ``@capability_required("coding_lab.use")`` on a plug-in's index page, like Django's ``permission_required``.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            policy.require_capability(request, capability)
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorator
