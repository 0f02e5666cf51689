"""The test run: fast hashing, the embedded defaults unless DATABASE_URL / REDIS_URL point at real engines."""

import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import CACHES, REDIS_URL, TASK_BACKENDS, VAR_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media" / str(os.getpid())
SERVE_MEDIA = True  # the same media URLs as development: renditions only (core/media.py)
PRIVATE_ROOT = Path(os.environ.get("PORTAL_PRIVATE_ROOT", VAR_DIR / "test-private" / str(os.getpid())))
if REDIS_URL:
    # Each test run gets its own cache namespace on the shared Redis.
    CACHES["default"]["KEY_PREFIX"] = f"portal-test-{os.getpid()}"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks run inside the request unless TASKS_BACKEND says otherwise; the worker tests start real `db_worker`
# processes on the database backend themselves (tests/school_portal/test_jobs_worker.py).
TASKS = {"default": TASK_BACKENDS[os.environ.get("TASKS_BACKEND", "immediate")]}
