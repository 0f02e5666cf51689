"""Retention: personal data is kept no longer than its rule says. A task runs every registered rule.

Each rule carries its own default (``RetentionRule.default_days``); ``settings.RETENTION_DAYS`` overrides it
per key, so a plug-in adds a rule without touching the core's settings.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from . import handoff, throttle
from .models import GuardianInvitation, Job, PushDelivery, PushMessage, RosterImport
from .models.roster import private_storage
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


def prune_jobs(days: int) -> int:
    """Finished jobs and the files they made (letters carry one-time codes), and printed sheets, after ``days``."""
    cutoff = _cutoff(days)
    old = Job.objects.filter(created_at__lt=cutoff).exclude(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
    storage = private_storage()
    for job in old.exclude(result_file=""):
        if job.result_file.name.startswith("jobs/") and storage.exists(job.result_file.name):
            storage.delete(job.result_file.name)
    deleted, _ = old.delete()
    if storage.exists("sheets"):
        for name in storage.listdir("sheets")[1]:
            if storage.get_modified_time(f"sheets/{name}") < cutoff:
                storage.delete(f"sheets/{name}")
                deleted += 1
    return deleted


def prune_push_messages(days: int) -> int:
    """Push messages and their delivery records (who was notified of what, and when), after ``days``; not one
    still being sent or waiting for quiet hours to end."""
    unfinished = PushDelivery.objects.filter(status__in=[PushDelivery.Status.PENDING, PushDelivery.Status.SENDING])
    old = PushMessage.objects.filter(created_at__lt=_cutoff(days)).exclude(pk__in=unfinished.values("message_id"))
    deleted, _ = old.delete()
    return deleted


def register() -> None:
    retention_rules.register("core.linked_sessions", RetentionRule("linked_sessions", handoff.prune, default_days=30))
    retention_rules.register(
        "core.login_attempts", RetentionRule("login_attempts", throttle.prune, default_days=throttle.RETENTION_DAYS)
    )
    retention_rules.register(
        "core.guardian_invitations",
        RetentionRule("guardian_invitations", prune_guardian_invitations, default_days=30),
    )
    retention_rules.register(
        "core.roster_imports", RetentionRule("roster_imports", prune_roster_imports, default_days=90)
    )
    retention_rules.register("core.jobs", RetentionRule("jobs", prune_jobs, default_days=7))
    retention_rules.register("core.push_messages", RetentionRule("push_messages", prune_push_messages, default_days=30))


def enforce_retention() -> dict[str, int]:
    """Run every registered rule with its number of days (the setting's, else the rule's default)."""
    return {name: rule.prune(rule.days) for name, rule in retention_rules.items()}
