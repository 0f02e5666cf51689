"""Statistics without personal data.

A client (its MAC, as the gateway names it) becomes ``HMAC-SHA256(salt of the month, identifier)``: the salt is
random, kept in the database only for its month and deleted by the retention rule afterwards, so a digest of an
earlier month can be linked to nothing (not even by us). Only counts per library, hour and language are kept
beyond that (``HourlyUse``: the open data).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections import Counter
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from school_portal.core.models import Library

from .models import DeviceSeen, HourlyUse, StatsSalt, WifiSession


def _period(when: datetime.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m")


# The current month's salt, once read outside any transaction (so committed): every accept needs it. Only this
# month's is kept in memory: when the month turns, the old one is dropped here as the retention rule drops it there.
_current_salt: tuple[str, str] = ("", "")


def _salt(period: str) -> str:
    global _current_salt
    if _current_salt[0] == period:
        return _current_salt[1]
    salt = StatsSalt.objects.filter(period=period).values_list("salt", flat=True).first()
    if not salt:
        try:
            with transaction.atomic():
                salt = StatsSalt.objects.create(period=period, salt=secrets.token_hex(32)).salt
        except IntegrityError:  # another request made it first
            salt = StatsSalt.objects.get(period=period).salt
    if period == _period(timezone.now()) and not transaction.get_connection().in_atomic_block:
        _current_salt = (period, salt)
    return salt


def client_digest(client: str, *, when: datetime.datetime | None = None) -> str:
    period = _period(when or timezone.now())
    return hmac.new(_salt(period).encode(), client.strip().lower().encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Use:
    """One session to count: where, which device (digest), which language, when."""

    library_id: int
    digest: str
    language: str
    when: datetime.datetime


def _count(uses: list[Use]) -> None:
    """Count sessions (in the order given): a device new this month at a library, or returning; per hour."""
    if not uses:
        return
    periods = {_period(use.when) for use in uses}
    seen = set(
        DeviceSeen.objects.filter(
            period__in=periods,
            library_id__in={use.library_id for use in uses},
            digest__in={use.digest for use in uses},
        ).values_list("period", "library_id", "digest")
    )
    fresh: list[DeviceSeen] = []
    hours: Counter[tuple[int, datetime.datetime, str, str]] = Counter()
    for use in uses:
        device = (_period(use.when), use.library_id, use.digest)
        new = device not in seen
        if new:
            seen.add(device)
            fresh.append(DeviceSeen(period=device[0], library_id=use.library_id, digest=use.digest))
        hour = timezone.localtime(use.when).replace(minute=0, second=0, microsecond=0)
        hours[(use.library_id, hour, use.language, "new" if new else "returning")] += 1
    DeviceSeen.objects.bulk_create(fresh, ignore_conflicts=True)
    for library_id, hour, language in {(k[0], k[1], k[2]) for k in hours}:
        new, returning = hours[(library_id, hour, language, "new")], hours[(library_id, hour, language, "returning")]
        HourlyUse.objects.get_or_create(library_id=library_id, hour=hour, language=language)
        HourlyUse.objects.filter(library_id=library_id, hour=hour, language=language).update(
            sessions=F("sessions") + new + returning,
            new_devices=F("new_devices") + new,
            returning_devices=F("returning_devices") + returning,
        )


def usage_record(*, library: Library, digest: str, language: str, when: datetime.datetime) -> None:
    """Count one session now (the demo data and tests; accepts are counted by :func:`usage_rollup`)."""
    with transaction.atomic():
        _count([Use(library.pk, digest, language, when)])


def usage_rollup(*, batch: int = 5000) -> int:
    """Count the sessions not counted yet into the statistics; the number counted.

    An accept writes only its session row; the counts are made here, in batches, before anything reads them (the
    dashboard, the open data) and before the retention rule deletes sessions. Rollups one after another: the rows
    of a batch are locked (PostgreSQL) and marked counted in the same transaction, so none is counted twice.
    """
    total = 0
    while True:
        with transaction.atomic():
            rows = list(
                WifiSession.objects.select_for_update()
                .filter(counted=False)
                .order_by("pk")
                .values_list("pk", "library_id", "client_digest", "language", "started_at")[:batch]
            )
            if not rows:
                return total
            claimed = WifiSession.objects.filter(pk__in=[row[0] for row in rows], counted=False).update(counted=True)
            if claimed != len(rows):  # another rollup took some meanwhile (SQLite has no row locks): leave it
                transaction.set_rollback(True)
                return total
            _count([Use(library_id, digest, language, when) for _pk, library_id, digest, language, when in rows])
        total += len(rows)
        if len(rows) < batch:
            return total


def prune(days: int) -> int:
    """The retention rule: sessions and device digests older than ``days``; salts of finished months always."""
    usage_rollup()  # the open data keeps what the sessions deleted below counted
    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted, _ = WifiSession.objects.filter(started_at__lt=cutoff).delete()
    current = _period(timezone.now())
    deleted += DeviceSeen.objects.filter(period__lt=min(current, _period(cutoff))).delete()[0]
    deleted += StatsSalt.objects.filter(period__lt=current).delete()[0]
    return deleted
