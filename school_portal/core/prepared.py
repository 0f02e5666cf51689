"""Queries the ORM builds and compiles once per shape and process, then runs with each request's values.

Why: on the hottest requests (a tablet's autosave every few seconds, a guardian's first read on a storm
morning) building a queryset and compiling it to SQL costs more CPU than running it: the "work" lookup of an
assignment costs 0.57 ms to build, 0.84 ms to compile and 0.12 ms to run and fetch (docs/benchmarks.md,
"The work lookup compiled once"). The access policy's facts query, a ``UNION ALL`` of every role's and plug-in's
facts run on every request, is one too (``access._facts_query``, through ``rows()``).

    lookup = PreparedQuery(Assignment, lambda pk, class_ids, now: Assignment.objects.filter(
        pk=pk, class_groups__in=class_ids, opens_at__lte=now).select_related("lesson"))
    assignment = lookup.first(pk=7, class_ids={188}, now=timezone.now())

``build`` receives the values by name and returns a queryset of ``model``'s instances (``select_related`` and
``only`` welcome), which ``first``/``all`` return; or a ``values_list()`` query (a union of them too), whose
tuples ``rows`` returns, converted as the ORM converts them. The values are ints, datetimes, dates, or
collections of ints or of strings. A shape is the database alias and, per value, its kind and for a collection
its length: ``class_ids`` of one class and of two compile apart.

How each value finds its place: ``build`` is compiled with probe values (never run: small positive ints,
datetimes in 1901, strings no one writes), then once more per value with only that value's probe changed; the
parameters that change are that value's, and must be that value as given (a build that computes with a value,
``now - timedelta(days=1)``, is refused: pass the result as the value).
Everything else stays as compiled, so ``build`` may hold constants of its own, but must not branch on a value
beyond its emptiness (a probe is empty only when the value is, never zero), must not read the clock itself and
must not run a query (the probes may be real ids: what it read would be compiled in as a constant for everyone):
SQL that changes between compiles, a parameter that changes without a value changing, or a query run while
building raises ``ImproperlyConfigured``.
"""

from __future__ import annotations

import contextlib
import datetime
import threading
from collections.abc import Callable, Collection, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

_INT, _DATETIME, _DATE, _IDS, _STRS = "int", "datetime", "date", "ids", "strs"
# Shapes kept per query: a few lengths of a child's list of classes, per database. More means the values' sizes
# vary without bound (a caller's mistake): the oldest are forgotten rather than memory growing.
_MAX_SHAPES = 64


@dataclass(frozen=True)
class _Slot:
    position: int  # among the compiled parameters
    name: str
    index: int | None  # within a collection value


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[_Slot, ...]
    model: type[Model]
    select: list
    klass_info: dict | None  # None for a values_list() of expressions only
    annotation_col_map: dict
    converters: dict
    col_count: int
    iterable: type  # ModelIterable: instances, by all(); ValuesListIterable: tuples, by rows()


def _kind(name: str, value: Any) -> tuple[str, int]:
    if isinstance(value, bool):
        raise TypeError(f"{name}: a bool is not a prepared query's value")
    if isinstance(value, int):
        return _INT, 1
    if isinstance(value, datetime.datetime):
        return _DATETIME, 1
    if isinstance(value, datetime.date):
        return _DATE, 1
    if isinstance(value, Collection) and not isinstance(value, str | bytes):
        if all(isinstance(item, str) for item in value) and value:
            return _STRS, len(value)
        if all(isinstance(item, int) and not isinstance(item, bool) for item in value):
            return _IDS, len(value)
    raise TypeError(
        f"{name}: a prepared query takes ints, datetimes, dates, collections of ints or of strings, not {value!r:.80}"
    )


def _probe(kind: str, size: int, seed: int) -> Any:
    """A value for compiling only (never run), different for each seed, within every column's range (a positive
    small integer: Django refuses to compare a ``PositiveSmallIntegerField`` with a negative number)."""
    if kind == _INT:
        return 1000 * seed
    if kind == _DATETIME:
        return datetime.datetime(1900 + seed, 1, 1, tzinfo=datetime.UTC)
    if kind == _DATE:
        return datetime.date(1900 + seed, 1, 1)
    # The second probe's items in the other order: a build that picks an item by its order (max(ids),
    # sorted(ids)[:1]) then finds it at another index, and is refused.
    order = range(size) if seed == 1 else reversed(range(size))
    if kind == _STRS:
        return [f"~prepared-probe-{seed}-{i}" for i in order]
    return [1000 * seed + i for i in order]


def _adapted(kind: str, value: Any, connection: Any) -> Any:
    """A value as Django puts it among a query's parameters."""
    if kind == _DATETIME:
        return connection.ops.adapt_datetimefield_value(value)
    if kind == _DATE:
        return connection.ops.adapt_datefield_value(value)
    return value


def _slots_of(name: str, kind: tuple[str, int], positions: list[int], compiled: list[tuple], connection: Any) -> list:
    """Where ``name``'s value goes among the parameters that change with it; refused if a parameter there is not
    the value itself (``now - timedelta(...)``, a datetime compared with a date, ``ids[0]``): binding the raw value
    would find other rows than the ORM does."""
    slots = []
    for position in positions:
        index = None
        for seed, params in enumerate(compiled, start=1):
            probe = _probe(*kind, seed)
            if kind[0] in (_IDS, _STRS):
                found = [i for i, item in enumerate(probe) if item == params[position]]
                if len(found) != 1 or index not in (None, found[0]):
                    raise ImproperlyConfigured(f"A prepared query changes the value {name!r} before using it.")
                index = found[0]
            elif params[position] != _adapted(kind[0], probe, connection):
                raise ImproperlyConfigured(f"A prepared query changes the value {name!r} before using it.")
        slots.append(_Slot(position, name, index))
    return slots


class PreparedQuery:
    """``build(**values) -> QuerySet`` of ``model``, compiled once per shape; ``first``/``all`` run it for
    instances, ``rows`` for the tuples of a ``values_list()``."""

    def __init__(self, model: type[Model], build: Callable[..., QuerySet]) -> None:
        self.model = model
        self._build = build
        self._compiled: dict[Hashable, _Compiled | None] = {}  # None: a shape that can match nothing
        self._for_write: bool | None = None
        self._lock = threading.Lock()

    def __deepcopy__(self, memo: dict) -> PreparedQuery:
        return self  # one per process, like the functions it holds (a test's deep copy of a user reaches it)

    def all(self, **values: Any) -> list[Model]:
        compiled, alias, kinds = self._compiled_for(values)
        if compiled is None:
            return []
        if not issubclass(compiled.iterable, ModelIterable):
            raise ImproperlyConfigured("A prepared query of values_list() gives rows(), not instances.")
        return _instances(compiled, alias, _execute(compiled, alias, values, kinds), connections[alias])

    def first(self, **values: Any) -> Model | None:
        found = self.all(**values)
        return found[0] if found else None

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """The selected columns' tuples, with the ORM's converters (a ``values_list()`` query, or a union: its
        first query's columns decide the converters, as they do for the ORM)."""
        compiled, alias, kinds = self._compiled_for(values)
        if compiled is None:
            return []
        if compiled.iterable is not ValuesListIterable:  # instances, dicts, flat or named rows: not plain tuples
            raise ImproperlyConfigured("rows() runs a values_list() query (not flat, not named).")
        connection = connections[alias]
        return [
            tuple(_converted(compiled, list(row[: compiled.col_count]), connection))
            for row in _execute(compiled, alias, values, kinds)
        ]

    def _compiled_for(self, values: dict[str, Any]) -> tuple[_Compiled | None, str, dict[str, tuple[str, int]]]:
        kinds = {name: _kind(name, value) for name, value in values.items()}
        if self._for_write is None:  # select_for_update(): the database a write would go to, as Django does
            with building_only():
                probe = self._build(**{name: _probe(*kind, 1) for name, kind in kinds.items()})
            self._for_write = probe._for_write
        alias = router.db_for_write(self.model) if self._for_write else router.db_for_read(self.model)
        shape = (alias, tuple(sorted(kinds.items())))
        try:
            compiled = self._compiled[shape]
        except KeyError:
            with building_only():
                compiled = self._compile(alias, kinds)
            with self._lock:  # the threads of a process share it
                if len(self._compiled) >= _MAX_SHAPES:
                    self._compiled.pop(next(iter(self._compiled)))
                self._compiled[shape] = compiled
        return compiled, alias, kinds

    def _compile(self, alias: str, kinds: dict[str, tuple[str, int]]) -> _Compiled | None:
        probes = {name: _probe(*kind, 1) for name, kind in kinds.items()}
        queryset = self._build(**probes)
        if queryset.model is not self.model:
            raise ImproperlyConfigured(f"A prepared query of {self.model} built a query of {queryset.model}.")
        compiler = queryset.query.get_compiler(alias)
        try:
            sql, params = compiler.as_sql()
            params = tuple(params)
        except EmptyResultSet:
            if any(size == 0 for kind, size in kinds.values() if kind in (_IDS, _STRS)):
                return None  # an empty collection of ids: nothing to run
            raise ImproperlyConfigured("A prepared query that can match nothing: check its values' kinds.") from None
        if self._sql(alias, **probes) != (sql, params):
            raise ImproperlyConfigured("A prepared query changes between two builds with the same values (a clock?).")
        connection = connections[alias]
        slots: list[_Slot] = []
        for name, kind in kinds.items():
            other_sql, other_params = self._sql(alias, **{**probes, name: _probe(*kind, 2)})
            if other_sql != sql or len(other_params) != len(params):
                raise ImproperlyConfigured(f"A prepared query's SQL changes with the value {name!r}: bind it.")
            changed = [i for i, (a, b) in enumerate(zip(params, other_params, strict=True)) if a != b]
            if not changed and kind[1]:
                raise ImproperlyConfigured(f"A prepared query does not use the value {name!r}.")
            slots += _slots_of(name, kind, changed, [params, other_params], connection)
        if len({slot.position for slot in slots}) != len(slots):
            raise ImproperlyConfigured("Two values of a prepared query share a parameter.")
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            model=compiler.klass_info["model"] if compiler.klass_info else self.model,
            select=compiler.select,
            klass_info=compiler.klass_info,
            annotation_col_map=compiler.annotation_col_map,
            converters=compiler.get_converters(fields),
            col_count=compiler.col_count,
            iterable=queryset._iterable_class,
        )

    def _sql(self, alias: str, **values: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = self._build(**values).query.get_compiler(alias).as_sql()
        return sql, tuple(params)


@contextlib.contextmanager
def building_only() -> Iterator[None]:
    """Refuse any query run on this thread meanwhile (a build that reads rows to build its query).

    Only this thread's: a connection shared between threads (the test server's in-memory SQLite) serves the
    others' queries as usual while one thread builds."""
    builder = threading.get_ident()

    def refuse(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        if threading.get_ident() != builder:
            return execute(sql, params, many, context)
        raise ImproperlyConfigured("A prepared query ran a query while it was built: pass what it read as a value.")

    with contextlib.ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(refuse))
        yield


def _execute(compiled: _Compiled, alias: str, values: dict[str, Any], kinds: dict[str, tuple[str, int]]) -> list:
    """The compiled SQL run with ``values`` in their places: the database's rows, not yet converted."""
    connection = connections[alias]
    params = list(compiled.params)
    sequences = {name: list(values[name]) for name, (kind, _) in kinds.items() if kind in (_IDS, _STRS)}
    for slot in compiled.slots:
        value = sequences[slot.name][slot.index] if slot.index is not None else values[slot.name]
        params[slot.position] = _adapted(kinds[slot.name][0], value, connection)
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, params)
        return cursor.fetchall()


def _converted(compiled: _Compiled, row: list[Any], connection: Any) -> list[Any]:
    """A row's values as the ORM's converters make them (SQLite's dates and booleans, for instance), in place."""
    for position, (converters, expression) in compiled.converters.items():
        value = row[position]
        for converter in converters:
            value = converter(value, expression, connection)
        row[position] = value
    return row


def _instances(compiled: _Compiled, alias: str, rows: list[tuple], connection: Any) -> list[Model]:
    """Model instances from the rows, as Django's ``ModelIterable`` makes them (related objects included)."""
    select, klass_info = compiled.select, compiled.klass_info
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, alias)
    found = []
    for raw in rows:
        row = _converted(compiled, list(raw[: compiled.col_count]), connection)
        obj = compiled.model.from_db(alias, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for attr, position in compiled.annotation_col_map.items():
            setattr(obj, attr, row[position])
        found.append(obj)
    return found
