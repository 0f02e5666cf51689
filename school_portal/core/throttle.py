"""Sign-in throttling, shared by every sign-in door (password, class badge, guardian invitation code).

How it decides (the reasoning of OWASP's authentication cheat sheet and of django-axes' default, which locks the
pair of an account and an address, never the account alone):

- **Slow down, never lock.** Each door counts attempts per *pair*: (account, address) for a password, (class code,
  tablet) for a badge, (who, address) for an invitation code. A pair gets ``free`` attempts; after that each
  further attempt waits a delay that doubles (``LOGIN_THROTTLE_BASE_DELAY_SECONDS`` × 2^n, at most
  ``LOGIN_THROTTLE_MAX_DELAY_SECONDS``). Nobody sleeps in a request: an attempt that comes too early is refused
  with the number of seconds to wait. A correct credential resets its pair.
- **Nobody can lock anyone else out.** There is no counter per account or per class: an attacker's failures
  against ``city-admin`` slow down the attacker's pair, never the admin at their own desk; a wrong badge slows
  down the tablet it came from, never the class. An address gets a much looser allowance across every account
  (guessing across many accounts), wide enough for a staff room or a school's router behind one address.
- **Count first, then check.** An attempt is counted, under a row lock on each of its counters, *before* the
  slow password hash or the badge look-up runs; the transaction is short and commits before the check. Thirty
  requests fired at once are therefore counted one after the other: the sixth waits however fast they come
  (tests/school_portal/test_signin_races.py). A success gives the attempt back.

Neither the raw client address nor the attempted account is stored: only salted digests. ``SignInFailure`` keeps
an audit log of failures; ``SignInCounter`` the counters.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import SignInCounter, SignInFailure


def _digest(kind: str, value: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def client_address(request: HttpRequest | None) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _client(request: HttpRequest | None) -> str:
    return _digest("client", client_address(request))


def _account(account: str) -> str:
    return _digest("account", (account or "").strip().lower())


@dataclass(frozen=True)
class Scope:
    """One counter an attempt is counted against: ``name`` and ``parts`` make its key; ``free`` attempts pass
    without delay; ``pair`` counters are reset by a success (a looser address-wide counter only gets the attempt
    back)."""

    name: str
    parts: tuple[str, ...]
    free: int
    pair: bool = False


@dataclass(frozen=True)
class Attempt:
    door: str
    scopes: tuple[Scope, ...]

    def key(self, scope: Scope) -> str:
        return f"{self.door}:{scope.name}:{_digest(scope.name, chr(31).join(scope.parts))}"


class Throttled(Exception):  # noqa: N818 - it reads as what happened
    """Too early: the attempt was not counted and not checked. ``retry_after``: whole seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"try again in {retry_after} s")
        self.retry_after = retry_after


def delay_after(attempts: int, free: int) -> datetime.timedelta | None:
    """The wait before the next attempt once ``attempts`` were made against a counter allowing ``free``."""
    if attempts < free:
        return None
    seconds = settings.LOGIN_THROTTLE_BASE_DELAY_SECONDS * 2 ** min(attempts - free, 20)
    return datetime.timedelta(seconds=min(seconds, settings.LOGIN_THROTTLE_MAX_DELAY_SECONDS))


def _forgotten(row: SignInCounter, now: datetime.datetime) -> bool:
    """A counter left quiet for the window (after its last delay ran out) starts again from nothing."""
    quiet_since = max(filter(None, [row.last_at, row.blocked_until]), default=None)
    window = datetime.timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    return quiet_since is not None and quiet_since + window < now


def attempt_begin(*, door: str, scopes: Sequence[Scope]) -> Attempt:
    """Count one attempt on every counter of ``scopes`` at once, or raise :class:`Throttled` counting nothing.

    Each counter row is created if missing and locked (``SELECT ... FOR UPDATE``, in key order so that two
    attempts never deadlock) for the few milliseconds of the count; the credential is checked afterwards.
    """
    attempt = Attempt(door=door, scopes=tuple(scopes))
    keys = {attempt.key(scope): scope for scope in attempt.scopes}
    with transaction.atomic():
        SignInCounter.objects.bulk_create([SignInCounter(key=key) for key in keys], ignore_conflicts=True)
        rows = list(SignInCounter.objects.select_for_update().filter(key__in=keys).order_by("key"))
        now = timezone.now()
        waits = [row.blocked_until - now for row in rows if row.blocked_until and row.blocked_until > now]
        if waits:
            raise Throttled(max(1, math.ceil(max(waits).total_seconds())))
        for row in rows:
            if _forgotten(row, now):
                row.attempts = 0
            row.attempts += 1
            row.last_at = now
            delay = delay_after(row.attempts, keys[row.key].free)
            row.blocked_until = now + delay if delay else None
            row.save(update_fields=["attempts", "last_at", "blocked_until"])
    return attempt


def _give_back(attempt: Attempt, *, reset_pairs: bool) -> None:
    with transaction.atomic():
        for scope in attempt.scopes:
            counter = SignInCounter.objects.select_for_update().filter(key=attempt.key(scope)).first()
            if counter is None:
                continue
            counter.attempts = 0 if (scope.pair and reset_pairs) else max(0, counter.attempts - 1)
            if delay_after(counter.attempts, scope.free) is None:
                counter.blocked_until = None
            counter.save(update_fields=["attempts", "blocked_until"])


def attempt_succeeded(attempt: Attempt) -> None:
    """The credential was right: its pair starts again from nothing, the address-wide counters get it back."""
    _give_back(attempt, reset_pairs=True)


def attempt_void(attempt: Attempt) -> None:
    """The attempt turned out not to be a guess (e.g. a registration refused for a taken name): give it back."""
    _give_back(attempt, reset_pairs=False)


def record_failure(path: str, request: HttpRequest | None, account: str) -> None:
    """The audit log of failures (digests only); the throttle itself counts in ``attempt_begin``."""
    SignInFailure.objects.create(path=path, client_digest=_client(request), account_digest=_account(account))


# How long sign-in failures are kept unless settings.RETENTION_DAYS["login_attempts"] says otherwise.
RETENTION_DAYS = 30


def prune(older_than_days: int | None = None) -> int:
    """Forget failures older than the retention limit (``RETENTION_DAYS["login_attempts"]`` or 30 days), and
    counters quiet for as long."""
    days = settings.RETENTION_DAYS.get("login_attempts", RETENTION_DAYS) if older_than_days is None else older_than_days
    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted, _ = SignInFailure.objects.filter(at__lt=cutoff).delete()
    SignInCounter.objects.filter(last_at__lt=cutoff).exclude(blocked_until__gt=cutoff).delete()
    return deleted
