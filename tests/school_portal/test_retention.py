"""Personal data is kept no longer than the retention settings say."""

from __future__ import annotations

import datetime
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from school_portal.core import services, throttle
from school_portal.core.models import GuardianInvitation, SignInFailure
from school_portal.core.registry import RetentionRule, retention_rules
from school_portal.core.retention import enforce_retention

ROOT = Path(__file__).resolve().parents[2]


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


def _plugin_rule(seen: list[int], default_days: int = 12) -> RetentionRule:
    """A plug-in's rule (as a plug-in's ready() would register it): records the days it was run with."""

    def prune(days: int) -> int:
        seen.append(days)
        return 0

    return RetentionRule("plugin_test_visits", prune, default_days=default_days)


@pytest.fixture
def plugin_rule():
    seen: list[int] = []
    retention_rules.register("plugin_test.visits", _plugin_rule(seen))
    yield seen
    retention_rules.unregister("plugin_test.visits")


def test_a_plugins_rule_runs_with_its_own_default_when_the_settings_do_not_name_it(db, plugin_rule):
    assert "plugin_test_visits" not in settings.RETENTION_DAYS
    removed = enforce_retention()
    assert plugin_rule == [12]
    assert removed["plugin_test.visits"] == 0
    assert "core.login_attempts" in removed


def test_the_settings_override_a_plugins_default_per_key(db, plugin_rule):
    with override_settings(RETENTION_DAYS={"plugin_test_visits": 3}):
        enforce_retention()
    assert plugin_rule == [3]


def test_a_core_rule_keeps_its_default_when_the_settings_name_only_other_keys(world):
    throttle.record_failure("password", None, "recent-account")
    _age(SignInFailure.objects.all(), 29, "at")
    with override_settings(RETENTION_DAYS={"plugin_test_visits": 3}):
        call_command("enforce_retention", stdout=io.StringIO())
    assert SignInFailure.objects.count() == 1  # the core's own 30 days, not an error and not 0


def test_a_retention_override_comes_from_the_environment_by_key():
    code = (
        "import os; os.environ['RETENTION_PLUGIN_TEST_VISITS_DAYS'] = '7';"
        "from school_portal.settings import base; print(base.RETENTION_DAYS['plugin_test_visits'])"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "7", result.stderr
