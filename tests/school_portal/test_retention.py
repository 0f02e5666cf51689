"""Personal data is kept no longer than the retention settings say."""

from __future__ import annotations

import datetime
import io

from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from school_portal.core import services, throttle
from school_portal.core.models import GuardianInvitation, SignInFailure


def _age(queryset, days: int, field: str) -> None:
    queryset.update(**{field: timezone.now() - datetime.timedelta(days=days)})


def test_old_sign_in_failures_and_spent_invitations_are_deleted_recent_ones_kept(world):
    throttle.record_failure("password", None, "old-account")
    _age(SignInFailure.objects.all(), 40, "at")
    throttle.record_failure("password", None, "new-account")
    services.guardian_invitation_issue(student=world.child)
    spent = GuardianInvitation.objects.get()
    _age(GuardianInvitation.objects.filter(pk=spent.pk), 45, "expires_at")
    services.guardian_invitation_issue(student=world.classmate)

    out = io.StringIO()
    call_command("enforce_retention", stdout=out)

    assert SignInFailure.objects.count() == 1
    assert GuardianInvitation.objects.count() == 1
    assert GuardianInvitation.objects.get().student == world.classmate
    assert "core.login_attempts: 1 removed" in out.getvalue()


@override_settings(RETENTION_DAYS={"login_attempts": 1, "guardian_invitations": 30, "roster_imports": 90, "jobs": 7})
def test_the_limit_is_a_setting(world):
    throttle.record_failure("badge", None, "CLASS1")
    _age(SignInFailure.objects.all(), 2, "at")
    call_command("enforce_retention", stdout=io.StringIO())
    assert not SignInFailure.objects.exists()
