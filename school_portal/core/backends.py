"""Authentication backends. Every sign-in path goes through the throttle in :mod:`throttle`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from . import throttle
from .models import SchoolYear, Student, User

SIGNIN_PATH = "password"
BADGE_PATH = "badge"
# Every tablet of a school may reach us from the one address of the school's router, and children mistype:
# that address gets a wide allowance. Guessing stays hopeless: a badge is one of 32^8 codes, a class holds ~35.
SCHOOL_ROUTER_ALLOWANCE = 40


def _lock(request: HttpRequest | None) -> None:
    """Refuse at once: Django's ``authenticate`` stops at PermissionDenied and tries no other backend."""
    if request is not None:
        request.signin_locked = True
    raise PermissionDenied


def normalise_badge_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "")


class ThrottledModelBackend(ModelBackend):
    """Username and password, for staff (Wagtail admin) and guardians, locked after repeated failures.

    A student account never signs in with a password (children use their badge), even if one was set.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        if throttle.is_locked(SIGNIN_PATH, request, username):
            _lock(request)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and Student.objects.filter(user=user).exists():
            user = None
        if user is None:
            throttle.record_failure(SIGNIN_PATH, request, username)
        else:
            throttle.clear(SIGNIN_PATH, username)
        return user


class StudentBadgeBackend(ModelBackend):
    """A child on a shared tablet: the class code (remembered by the tablet) plus the code of their badge.

    Only this school year's class counts: last year's class code, still on an old poster, signs nobody in.
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
        if throttle.is_locked(
            BADGE_PATH,
            request,
            class_code,
            client_allowance=SCHOOL_ROUTER_ALLOWANCE,
            account_limit=settings.LOGIN_THROTTLE_CLASS_MAX_FAILURES,
        ):
            _lock(request)
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
        return student.user
