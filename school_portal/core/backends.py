"""Authentication backends. Every sign-in path goes through the throttle in :mod:`throttle`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from . import throttle
from .models import ClassGroup, Student, User

SIGNIN_PATH = "password"
BADGE_PATH = "badge"


def _lock(request: HttpRequest | None) -> None:
    if request is not None:
        request.signin_locked = True
    raise PermissionDenied


class ThrottledModelBackend(ModelBackend):
    """Username and password, for staff (Wagtail admin) and guardians, locked after repeated failures."""

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
        if user is None:
            throttle.record_failure(SIGNIN_PATH, request, username)
        else:
            throttle.clear(SIGNIN_PATH, username)
        return user


class StudentBadgeBackend(ModelBackend):
    """A child on a shared tablet: the class code (remembered by the tablet) plus the code of their badge."""

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
        badge_code = badge_code.strip().upper().replace("-", "").replace(" ", "")
        if throttle.is_locked(BADGE_PATH, request, class_code):
            _lock(request)
        student = (
            Student.objects.select_related("user")
            .filter(badge_code=badge_code, is_active=True, enrollments__class_group__class_code=class_code)
            .first()
        )
        if (
            student is None
            or not constant_time_compare(student.badge_code, badge_code)
            or not self.user_can_authenticate(student.user)
            or not ClassGroup.objects.filter(class_code=class_code).exists()
        ):
            throttle.record_failure(BADGE_PATH, request, class_code)
            return None
        return student.user
