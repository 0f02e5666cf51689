"""The test run: fast hashing, the embedded defaults unless DATABASE_URL / REDIS_URL point at real engines."""

import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import CACHES, CHANNEL_LAYERS, INSTALLED_APPS, PORTAL_PLUGINS, REDIS_URL, TASK_BACKENDS, VAR_DIR, _disabled

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media" / str(os.getpid())
SERVE_MEDIA = True  # the same media URLs as development: renditions only (core/media.py)
PRIVATE_ROOT = Path(os.environ.get("PORTAL_PRIVATE_ROOT", VAR_DIR / "test-private" / str(os.getpid())))
if REDIS_URL:
    # Each test run gets its own cache namespace on the shared Redis, and each pytest-xdist worker its own
    # channel-layer prefix: two workers' databases both have a
    # user 5, whose group must not receive the other worker's events.
    # A test that starts app processes of its own gives them one CACHE_PREFIX: they share the cache as
    # production's processes do (tests/school_portal/test_two_app_processes.py).
    CACHES["default"]["KEY_PREFIX"] = os.environ.get("CACHE_PREFIX") or f"portal-test-{os.getpid()}"
    if "CHANNELS_PREFIX" not in os.environ:  # a Daphne a test starts is given its test's own prefix
        CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] += "-" + os.environ.get("PYTEST_XDIST_WORKER", "main")

# The worked example of docs/plugins.md (tests/example_plugin, app label class_bell), installed beside the five
# plug-ins so that every generic test of the platform (matrix, exact rules, removal, start-up) runs over it too.
EXAMPLE_PLUGIN = "tests.example_plugin"
if EXAMPLE_PLUGIN not in _disabled:
    PORTAL_PLUGINS = [*PORTAL_PLUGINS, EXAMPLE_PLUGIN]
    _after_plugins = INSTALLED_APPS.index("wagtail.contrib.forms")
    INSTALLED_APPS = [*INSTALLED_APPS[:_after_plugins], EXAMPLE_PLUGIN, *INSTALLED_APPS[_after_plugins:]]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run inside the request unless TASKS_BACKEND says otherwise; the worker tests start real `db_worker`
# processes on the database backend themselves (tests/school_portal/test_jobs_worker.py).
TASKS = {"default": TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "immediate")]}
# The local push endpoint of the tests (tests/push_endpoint.py) listens on 127.0.0.1 over plain HTTP.
PUSH_TEST_ENDPOINTS = ["http://127.0.0.1"]
PUSH_TIMEOUT_SECONDS = float(os.environ.get("PUSH_TIMEOUT_SECONDS", "1"))
PUSH_RETRY_SECONDS = [0.2, 0.4]
# The storm page's read receipts are written in the request (parent_notices/receipts.py), not behind it by a
# thread: a test's transaction holds the rows they point at. The write-behind's own tests, and app processes a
# test starts, turn it on.
PARENT_NOTICES_RECEIPTS_BEHIND_SECONDS = float(os.environ.get("PARENT_NOTICES_RECEIPTS_BEHIND_SECONDS", "0"))
