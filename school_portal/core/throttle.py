"""Sign-in throttling, shared by every sign-in path (password, class badge, guardian invitation code).

Failures are rows in the database, so the lock holds across every Daphne worker whichever engine runs.
Neither the raw client address nor the attempted account is stored: only salted digests.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from .models import SignInFailure


def _digest(kind: str, value: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _client(request: HttpRequest | None) -> str:
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    return _digest("client", address)


def _account(account: str) -> str:
    return _digest("account", (account or "").strip().lower())


def _window_start() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)


# A client (an address) gets a wider allowance than an account: a household or a staff room shares one address.
CLIENT_ALLOWANCE = 8


def is_locked(
    path: str,
    request: HttpRequest | None,
    account: str,
    client_allowance: int = CLIENT_ALLOWANCE,
    account_limit: int | None = None,
) -> bool:
    """True when this account, or this client, has failed too often on ``path`` within the window.

    The account may fail ``account_limit`` times (default ``LOGIN_THROTTLE_MAX_FAILURES``); the client
    ``client_allowance`` times ``LOGIN_THROTTLE_MAX_FAILURES``.
    """
    recent = SignInFailure.objects.filter(path=path, at__gte=_window_start())
    limit = settings.LOGIN_THROTTLE_MAX_FAILURES
    by_account = recent.filter(account_digest=_account(account)).count() if account else 0
    if by_account >= (account_limit or limit):
        return True
    return recent.filter(client_digest=_client(request)).count() >= limit * client_allowance


def record_failure(path: str, request: HttpRequest | None, account: str) -> None:
    SignInFailure.objects.create(path=path, client_digest=_client(request), account_digest=_account(account))


def clear(path: str, account: str) -> None:
    SignInFailure.objects.filter(path=path, account_digest=_account(account)).delete()


# How long sign-in failures are kept unless settings.RETENTION_DAYS["login_attempts"] says otherwise.
RETENTION_DAYS = 30


def prune(older_than_days: int | None = None) -> int:
    """Forget failures older than the retention limit (``RETENTION_DAYS["login_attempts"]`` or 30 days)."""
    days = settings.RETENTION_DAYS.get("login_attempts", RETENTION_DAYS) if older_than_days is None else older_than_days
    deleted, _ = SignInFailure.objects.filter(at__lt=timezone.now() - datetime.timedelta(days=days)).delete()
    return deleted
