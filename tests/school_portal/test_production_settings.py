"""The production settings pass Django's deployment checks with no warning, and refuse a missing secret key."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "TASKS_BACKEND"} and not k.startswith("PUSH_")
    }
    clean.update(
        DJANGO_SETTINGS_MODULE="school_portal.settings.production",
        ALLOWED_HOSTS="portal.city.example.jp,.schools.city.example.jp",
        CSRF_TRUSTED_ORIGINS="https://portal.city.example.jp",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


PUSH_ENV = {
    "PUSH_VAPID_PRIVATE_KEY": "yQfdESWVURQIm6MAdSPcM8gtp7rb02uxtTkWruqfqAQ",
    "PUSH_VAPID_SUBJECT": "mailto:ict@city.example.jp",
}


def test_check_deploy_finds_nothing_to_warn_about():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secrets.token_urlsafe(64), **PUSH_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_asks_for_the_push_key_and_a_real_contact():
    result = _manage("check", "--deploy", SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode != 0
    assert "PUSH_VAPID_PRIVATE_KEY is not set" in result.stderr and "manage.py push_vapid_keys" in result.stderr
    assert "PUSH_VAPID_SUBJECT" in result.stderr


def test_production_refuses_to_start_without_a_long_secret_key():
    result = _manage("check", SECRET_KEY="short")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_requires_a_second_factor_of_admins_and_shares_the_session_under_a_parent_domain():
    shown = "from django.conf import settings as s; print(s.STAFF_TWO_FACTOR_REQUIRED, s.SESSION_COOKIE_DOMAIN)"
    result = _manage(
        "shell", "-c", shown, SECRET_KEY=secrets.token_urlsafe(64), PORTAL_PARENT_DOMAIN=".city.example.jp"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["True", ".city.example.jp"]
