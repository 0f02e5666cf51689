"""Removing any one plug-in leaves the portal working, with that plug-in's URLs, links and code gone.

For each plug-in a separate Python process starts the portal with ``PORTAL_DISABLED_PLUGINS=<plug-in>`` on its
own SQLite file and does what an operator would: ``check``, ``migrate``, ``seed_demo``, then serves a school's
home page, the dashboard of every demo person and the plug-ins' URLs. Two processes run at a time.

The SQLite files start from one template holding the core's and Wagtail's tables only (migrated with every
plug-in disabled), so each process still migrates the four remaining plug-ins onto a database that never had
the removed one: a migration that depended on it would fail here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from school_portal.core.registry import nav_links, url_modules
from school_portal.core.testing.matrix import app_label

CORE = "school_portal"
# The plug-ins, as the settings list them (one list, in school_portal/settings/base.py).
PLUGINS = list(settings.PORTAL_PLUGINS)
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 240
# Probes at once. Each is CPU-bound for half a minute; on CI's two cores, beside the other test workers, two at a
# time take as long as six (65 s alone here) and leave the other workers their share of the cores.
SIDE_BY_SIDE = 2

# Runs inside the portal started without one plug-in; prints one JSON line of what it saw.
PROBE = r"""
import io, json, os, re, sys
import django
django.setup()
from django.core.management import call_command
from django.test import Client

removed = os.environ["PORTAL_DISABLED_PLUGINS"]
out = io.StringIO()
call_command("check", fail_level="WARNING", stdout=out)
call_command("migrate", interactive=False, verbosity=0, stdout=out)
call_command("makemigrations", check=True, dry_run=True, verbosity=0, stdout=out)
call_command("seed_demo", quiet=True, stdout=out)

from school_portal.core.access import policy
from school_portal.core.models import School, Student, User
from school_portal.core.registry import all_registries
from school_portal.core.testing.matrix import permission_cases

school = School.objects.order_by("code").first()
home = Client().get("/", HTTP_HOST=school.site.hostname, SERVER_PORT=str(school.site.port))
people = list(User.objects.filter(username__in=json.loads(sys.argv[1])))
people.append(Student.objects.order_by("pk").first().user)
dashboards = {}
for user in people:
    client = Client()
    client.force_login(user, backend="school_portal.core.backends.ThrottledModelBackend")
    response = client.get("/dashboard/")
    statuses = {}
    for url in json.loads(sys.argv[2]):
        statuses[url] = client.get(url).status_code
    dashboards[user.username] = {
        "status": response.status_code,
        "capabilities": sorted(name for name in policy.capabilities if policy.can(user, name)),
        "hrefs": sorted(set(re.findall(r'href="([^"]+)"', response.content.decode()))),
        "statuses": statuses,
    }
print(json.dumps({
    "home": home.status_code,
    "anonymous_statuses": {p: Client().get(p).status_code for p in json.loads(sys.argv[2])},
    "dashboards": dashboards,
    "modules": sorted(m for m in sys.modules if m == removed or m.startswith(removed + ".")),
    "registered": sorted(
        name
        for name in [
            *(name for registry in all_registries() for name, _ in registry.items()),
            *policy.capabilities,
            *policy.facts,
            *(f"{model._meta.label} {action}" for model, action in policy.rules),
        ]
        if name == removed or name.startswith(removed + ".")
    ),
    "matrix_rows": [case.name for case in permission_cases()],
}))
"""

# The demo people (seed_demo) whose dashboards are looked at, besides one student.
DEMO_PEOPLE = [
    "teacher-sakura-3",
    "admin-sakura",
    "guardian-yamada",
    "centre-staff",
    "librarian-central",
    "partner-lincoln",
    "city-admin",
]


def _env(tmp: Path, database: Path, disabled: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="school_portal.settings.test",
        DATABASE_URL=f"sqlite:///{database}",
        PORTAL_DISABLED_PLUGINS=disabled,
        PORTAL_VAR_DIR=str(tmp / "var"),
        PYTHONPATH=str(ROOT),
    )
    return env


def _plugin_urls() -> dict[str, dict]:
    """What each plug-in puts on the portal when all are installed: its URL prefix and its nav links."""
    prefixes = {label: f"/{prefix}/" for label, (_, prefix) in url_modules.items()}
    links: dict[str, list[dict]] = {}
    for link in nav_links:
        namespace = link.url_name.split(":")[0]
        links.setdefault(namespace, []).append({"href": reverse(link.url_name), "capability": link.capability})
    return {
        plugin: {"prefix": prefixes[app_label(plugin)], "links": links.get(app_label(plugin), [])} for plugin in PLUGINS
    }


def _template(tmp: Path) -> Path:
    """The core's and Wagtail's tables, no plug-in's: migrated once, then kept under var/ for later runs.

    The file is named after everything that could change it (the core's migrations, and requirements.txt for
    Wagtail's and Django's), so a stale one is never used; CI's second pass and a developer's reruns skip the
    ten-second migrate. The plug-ins' migrations are not in it: every probe applies them afresh.
    """
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    for migration in sorted((ROOT / CORE).glob("**/migrations/*.py")):
        digest.update(str(migration.relative_to(ROOT)).encode() + migration.read_bytes())
    cache = Path(os.environ.get("PORTAL_VAR_DIR", ROOT / "var")) / "test-cache"
    template = cache / f"no-plugins-{digest.hexdigest()[:16]}.sqlite3"
    if not template.exists():
        cache.mkdir(parents=True, exist_ok=True)
        building = tmp / "template.sqlite3"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env=_env(tmp, building, ",".join(PLUGINS)),
            check=True,
            timeout=TIMEOUT,
        )
        partial = cache / f"{template.name}.{os.getpid()}.partial"
        with closing(sqlite3.connect(building)) as source, closing(sqlite3.connect(partial)) as target:
            source.backup(target)  # a consistent copy, write-ahead log included
        os.replace(partial, template)  # atomic: parallel runs never see half a file
        for stale in cache.glob("no-plugins-*.sqlite3"):
            if stale != template:
                stale.unlink(missing_ok=True)
    return template


@pytest.fixture(scope="module")
def probes(tmp_path_factory) -> dict[str, dict]:
    """Run the probes, ``SIDE_BY_SIDE`` at a time; each plug-in's result (or the process's error output)."""
    tmp = tmp_path_factory.mktemp("plugin-removal")
    template = _template(tmp)
    # Every plug-in's URL prefix and nav-link target, requested in each probe.
    urls = {info["prefix"] for info in _plugin_urls().values()}
    urls |= {link["href"] for info in _plugin_urls().values() for link in info["links"]}
    to_request = json.dumps(sorted(urls))

    def start(plugin: str) -> subprocess.Popen:
        database = tmp / f"without-{plugin}.sqlite3"
        shutil.copy(template, database)
        return subprocess.Popen(
            [sys.executable, "-c", PROBE, json.dumps(DEMO_PEOPLE), to_request],
            cwd=ROOT,
            env=_env(tmp, database, plugin),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    results = {}
    waiting = list(PLUGINS)
    running: dict[str, subprocess.Popen] = {}
    try:
        while waiting or running:
            while waiting and len(running) < SIDE_BY_SIDE:
                plugin = waiting.pop(0)
                running[plugin] = start(plugin)
            plugin, process = next(iter(running.items()))
            stdout, stderr = process.communicate(timeout=TIMEOUT)
            del running[plugin]
            if process.returncode != 0:
                results[plugin] = {"error": stderr[-4000:]}
            else:
                results[plugin] = json.loads(stdout.strip().splitlines()[-1])
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return results


@pytest.mark.parametrize("removed", PLUGINS)
def test_portal_works_without_the_plugin(probes, removed):
    result = probes[removed]
    assert "error" not in result, f"the portal without {removed} failed to check, migrate, seed or serve:\n" + (
        result.get("error", "")
    )
    urls = _plugin_urls()

    assert result["home"] == 200, "a school's home page"
    for username, seen in result["dashboards"].items():
        assert seen["status"] == 200, f"dashboard of {username}"

    # The removed plug-in is gone: its code never loaded, nothing registered (registries, rules, capabilities,
    # facts), no row of the permission matrix, its URLs 404, no link to it.
    assert result["modules"] == []
    assert result["registered"] == []
    assert [row for row in result["matrix_rows"] if row.startswith(f"{app_label(removed)}.")] == []
    gone = urls[removed]["prefix"]
    assert result["anonymous_statuses"][gone] == 404
    for username, seen in result["dashboards"].items():
        assert seen["statuses"][gone] == 404, f"{gone} for {username}"
        assert not [href for href in seen["hrefs"] if href.startswith(gone)], f"a link to {gone} for {username}"

    # The others are all still there, matrix rows included: each nav link shows on the dashboard of whoever has
    # its capability, and answers them.
    for plugin in PLUGINS:
        if plugin == removed:
            continue
        assert [row for row in result["matrix_rows"] if row.startswith(f"{app_label(plugin)}.")], (
            f"{plugin}'s matrix rows"
        )
        assert result["anonymous_statuses"][urls[plugin]["prefix"]] != 404, plugin
        for link in urls[plugin]["links"]:
            holders = [
                name for name, seen in result["dashboards"].items() if link["capability"] in seen["capabilities"]
            ]
            assert holders, f"no demo person may see {link['href']}"
            for username in holders:
                seen = result["dashboards"][username]
                assert link["href"] in seen["hrefs"], f"{plugin}'s link {link['href']} on {username}'s dashboard"
                assert seen["statuses"][link["href"]] in (200, 302), f"{link['href']} for {username}"
