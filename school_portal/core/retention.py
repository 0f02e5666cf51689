"""Retention: personal data is kept no longer than the settings say. A task runs every registered rule."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import handoff, throttle
from .models import GuardianInvitation, RosterImport
from .registry import RetentionRule, retention_rules


def _cutoff(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def prune_guardian_invitations(days: int) -> int:
    """Used or expired invitation codes, once ``days`` have passed since their use or expiry."""
    cutoff = _cutoff(days)
    deleted, _ = GuardianInvitation.objects.filter(Q(used_at__lt=cutoff) | Q(expires_at__lt=cutoff)).delete()
    return deleted


def prune_roster_imports(days: int) -> int:
    """Import reports name children in their error rows: drop them after ``days``."""
    old = RosterImport.objects.filter(created_at__lt=_cutoff(days))
    for roster_import in old:
        if roster_import.file:
            roster_import.file.delete(save=False)
    deleted, _ = old.delete()
    return deleted


def register() -> None:
    retention_rules.register("core.login_attempts", RetentionRule("login_attempts", throttle.prune))
    retention_rules.register("core.linked_sessions", RetentionRule("login_attempts", handoff.prune))
    retention_rules.register(
        "core.guardian_invitations", RetentionRule("guardian_invitations", prune_guardian_invitations)
    )
    retention_rules.register("core.roster_imports", RetentionRule("roster_imports", prune_roster_imports))


def enforce_retention() -> dict[str, int]:
    """Run every registered rule with its configured number of days; returns what each removed."""
    return {name: rule.prune(settings.RETENTION_DAYS[rule.setting_key]) for name, rule in retention_rules.items()}
