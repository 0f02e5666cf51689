"""Test code never runs in production: starting the portal loads no test world, test builder or demo builder.

A fresh Python process starts the portal as Daphne does with the production settings (``django.setup()``, the
ASGI application, the URL configuration with every plug-in's URLs) and reports the modules it imported. Test
builders (``*.testing``) and demo builders (the demo city, the demo lessons) load only in tests and when
``seed_demo`` runs, which imports a demo seeder by its dotted path.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

START_LIKE_PRODUCTION = r"""
import json, sys
import django
django.setup()
from school_portal.asgi import application  # what Daphne loads
from django.urls import get_resolver
get_resolver().url_patterns  # the first request loads every plug-in's URLs and views
print(json.dumps(sorted(sys.modules)))
"""

# Modules that build test worlds or demo data, and test libraries: none may be loaded by a production start.
DEMO_BUILDERS = {"school_portal.core.seeding", "classrooms.demo_lessons", "classrooms.lesson_builder"}
TEST_LIBRARIES = {"pytest", "factory", "playwright"}


START_AS_A_SERVER_DOES = r"""
import gc, json
from school_portal.wsgi import application  # what granian (or gunicorn) loads
print(json.dumps({"frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects())}))
"""


def _production_start(script: str, **env: str) -> str:
    """The last line ``script`` printed in a fresh process with the production settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "TASKS_BACKEND"))}
    clean.update(
        DJANGO_SETTINGS_MODULE="school_portal.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="portal.city.example.jp",
        PYTHONPATH=str(ROOT),
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def _modules_loaded_at_start_up(**env: str) -> list[str]:
    return json.loads(_production_start(START_LIKE_PRODUCTION, **env))


def _test_or_demo_code(modules: list[str]) -> list[str]:
    return [
        name
        for name in modules
        if name.rsplit(".", 1)[-1] == "testing"
        or ".testing." in name
        or name in DEMO_BUILDERS
        or name.split(".")[0] in TEST_LIBRARIES
    ]


def test_starting_the_portal_in_production_loads_no_test_or_demo_code():
    modules = _modules_loaded_at_start_up()
    # The start really loaded every plug-in and its views (the check below is not vacuous).
    # Production's plug-ins, not the example the test settings add (docs/plugins.md).
    for plugin in [p for p in settings.PORTAL_PLUGINS if p != settings.EXAMPLE_PLUGIN]:
        assert f"{plugin}.apps" in modules and f"{plugin}.urls" in modules
    assert "classrooms.views_teacher" in modules
    assert _test_or_demo_code(modules) == []


def test_an_app_server_process_is_loaded_and_frozen_before_its_first_request():
    """``core/warm_start.py``: what a loaded portal holds for its whole life is out of the garbage collector's full
    passes (each held every thread of an app server's process 165-280 ms before); what requests make is not."""
    started = json.loads(_production_start(START_AS_A_SERVER_DOES))
    assert started["frozen"] > 100_000  # the modules, models, URL patterns and catalogues of every plug-in
    assert started["tracked"] < started["frozen"] // 10  # the collector walks only what came after


def test_the_scan_names_test_worlds_and_demo_builders():
    test_and_demo_code = [
        "classrooms.testing",
        "school_portal.core.testing",
        "school_portal.core.testing.world",
        "classrooms.demo_lessons",
        "school_portal.core.seeding",
        "pytest",
    ]
    production_code = ["classrooms.views", "school_portal.core.services", "django.test.testcases"]
    assert _test_or_demo_code(production_code + test_and_demo_code) == test_and_demo_code


def test_seed_demo_still_finds_each_plugins_demo_seeder_by_its_dotted_path():
    from school_portal.core.registry import demo_seeders

    assert demo_seeders.items(), "no plug-in registered a demo seeder"
    for _name, seeder in demo_seeders.items():
        assert isinstance(seeder.seed, str)
        assert callable(seeder.resolve())
