"""Authentication backends. Every sign-in door goes through the throttle in :mod:`throttle`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connections, router
from django.http import HttpRequest

from . import throttle
from .models import SchoolYear, Student, User
from .tablets import tablet_id

SIGNIN_PATH = "password"
BADGE_PATH = "badge"


def _refuse(request: HttpRequest | None, throttled: throttle.Throttled) -> None:
    """Refuse at once, saying when to try again: Django's ``authenticate`` stops at PermissionDenied and tries no
    other backend; the form reads ``signin_retry_after`` for its message."""
    if request is not None:
        request.signin_retry_after = throttled.retry_after
    raise PermissionDenied from throttled


def password_scopes(request: HttpRequest | None, username: str) -> list[throttle.Scope]:
    address = throttle.client_address(request)
    return [
        throttle.Scope(
            "account-address", (username.strip().lower(), address), settings.LOGIN_THROTTLE_FREE_ATTEMPTS, pair=True
        ),
        throttle.Scope("address", (address,), settings.LOGIN_THROTTLE_ADDRESS_FREE_ATTEMPTS),
    ]


def badge_scopes(request: HttpRequest | None, class_code: str) -> list[throttle.Scope]:
    address = throttle.client_address(request)
    tablet = (tablet_id(request) if request is not None else None) or f"address:{address}"
    return [
        throttle.Scope("class-tablet", (class_code, tablet), settings.LOGIN_THROTTLE_BADGE_FREE_ATTEMPTS, pair=True),
        throttle.Scope("address", (address,), settings.LOGIN_THROTTLE_ROUTER_FREE_ATTEMPTS),
    ]


def normalise_badge_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


@dataclass(frozen=True)
class _UserSelect:
    """``SELECT <every column> FROM core_user WHERE id = %s`` as the ORM writes it for one database, with the
    converters the ORM would apply to its row (SQLite's dates, say), compiled once per process. The converters
    are bound to the compiling thread's ``connection.ops`` and use only what the settings give every connection to
    that database (its engine, ``USE_TZ``, its time zone), so one set serves every thread; each is called with the
    connection of the thread that reads."""

    sql: str
    converters: dict[int, tuple[list[Any], Any]]
    field_names: tuple[str, ...]

    def row_to_user(self, alias: str, row: tuple[Any, ...]) -> User:
        values = list(row)
        connection = connections[alias]
        for position, (converters, expression) in self.converters.items():
            for converter in converters:
                values[position] = converter(values[position], expression, connection)
        return User.from_db(alias, self.field_names, values)


@lru_cache(maxsize=8)
def _user_select(alias: str) -> _UserSelect:
    compiler = User.objects.filter(pk=0).query.get_compiler(alias)
    sql, params = compiler.as_sql()
    if list(params) != [0]:  # a default manager that filters would add parameters the call would not send
        raise ImproperlyConfigured("The user SELECT takes parameters other than the id.")
    columns = [column for column, _sql, _alias in compiler.select]
    field_names = tuple(field.attname for field in User._meta.concrete_fields)
    if [column.target.attname for column in columns] != list(field_names):  # the ORM's order, as from_db takes it
        raise ImproperlyConfigured("The user SELECT does not list the user's columns in the model's order.")
    return _UserSelect(sql=sql, converters=compiler.get_converters(columns), field_names=field_names)


def user_by_pk(pk: int) -> User | None:
    """The user ``pk`` as ``User.objects.get(pk=pk)`` reads it (the router, the database's converters), from a
    statement compiled once per process: the ORM compiled the same statement each time, and ``raw()`` described
    its columns each time, a quarter of a millisecond of CPU on every signed-in request."""
    alias = router.db_for_read(User)
    select = _user_select(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(select.sql, [pk])
        row = cursor.fetchone()
    return select.row_to_user(alias, row) if row is not None else None


class _UserLoading(ModelBackend):
    """``ModelBackend.get_user`` (Django's ``get_user`` asks it on every signed-in request) with
    :func:`user_by_pk`."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = user_by_pk(pk)
        return user if user is not None and self.user_can_authenticate(user) else None


class ThrottledModelBackend(_UserLoading):
    """Username and password, for staff (Wagtail admin) and guardians, slowed down after repeated failures.

    The attempt is counted before the password is hashed (``throttle.attempt_begin``). A student account never
    signs in with a password (children use their badge), even if one was set.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            attempt = throttle.attempt_begin(door=SIGNIN_PATH, scopes=password_scopes(request, username))
        except throttle.Throttled as throttled:
            _refuse(request, throttled)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and Student.objects.filter(user=user).exists():
            user = None
        if user is None:
            throttle.record_failure(SIGNIN_PATH, request, username)
        else:
            throttle.attempt_succeeded(attempt)
        return user


class StudentBadgeBackend(_UserLoading):
    """A child on a shared tablet: the class code (remembered by the tablet) plus the code of their badge.

    Wrong badges slow down the (class code, tablet) pair that sent them, never the class. Only this school
    year's class counts: last year's class code, still on an old poster, signs nobody in.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        class_code: str | None = None,
        badge_code: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not class_code or not badge_code:
            return None
        class_code = class_code.strip().upper()
        badge_code = normalise_badge_code(badge_code)
        try:
            attempt = throttle.attempt_begin(door=BADGE_PATH, scopes=badge_scopes(request, class_code))
        except throttle.Throttled as throttled:
            _refuse(request, throttled)
        student = (
            Student.objects.select_related("user")
            .filter(
                badge_code=badge_code,
                is_active=True,
                enrollments__class_group__class_code=class_code,
                enrollments__school_year__in=SchoolYear.objects.active().values("id"),
            )
            .first()
        )
        if student is None or not self.user_can_authenticate(student.user):
            throttle.record_failure(BADGE_PATH, request, class_code)
            return None
        throttle.attempt_succeeded(attempt)
        return student.user
