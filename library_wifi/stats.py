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

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from school_portal.core.models import Library

from .models import DeviceSeen, HourlyUse, StatsSalt, WifiSession


def _period(when: datetime.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m")


def _salt(period: str) -> str:
    salt = StatsSalt.objects.filter(period=period).values_list("salt", flat=True).first()
    if salt:
        return salt
    try:
        with transaction.atomic():
            return StatsSalt.objects.create(period=period, salt=secrets.token_hex(32)).salt
    except IntegrityError:  # another request made it first
        return StatsSalt.objects.get(period=period).salt


def client_digest(client: str, *, when: datetime.datetime | None = None) -> str:
    period = _period(when or timezone.now())
    return hmac.new(_salt(period).encode(), client.strip().lower().encode(), hashlib.sha256).hexdigest()


def usage_record(*, library: Library, digest: str, language: str, when: datetime.datetime) -> None:
    """Count one session: new device this month at this library, or returning."""
    period = _period(when)
    hour = timezone.localtime(when).replace(minute=0, second=0, microsecond=0)
    try:
        with transaction.atomic():
            DeviceSeen.objects.create(period=period, library=library, digest=digest)
        new = True
    except IntegrityError:
        new = False
    HourlyUse.objects.get_or_create(library=library, hour=hour, language=language)
    HourlyUse.objects.filter(library=library, hour=hour, language=language).update(
        sessions=F("sessions") + 1,
        new_devices=F("new_devices") + (1 if new else 0),
        returning_devices=F("returning_devices") + (0 if new else 1),
    )


def prune(days: int) -> int:
    """The retention rule: sessions and device digests older than ``days``; salts of finished months always."""
    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted, _ = WifiSession.objects.filter(started_at__lt=cutoff).delete()
    current = _period(timezone.now())
    deleted += DeviceSeen.objects.filter(period__lt=min(current, _period(cutoff))).delete()[0]
    deleted += StatsSalt.objects.filter(period__lt=current).delete()[0]
    return deleted
