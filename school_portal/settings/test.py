"""The test run: fast hashing, the embedded defaults unless DATABASE_URL / REDIS_URL point at real engines."""

import os

from .base import *  # noqa: F403
from .base import CACHES, REDIS_URL, VAR_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media" / str(os.getpid())
SERVE_MEDIA = True  # the same media URLs as development: renditions only (core/media.py)
if REDIS_URL:
    # Each test run gets its own cache namespace on the shared Redis.
    CACHES["default"]["KEY_PREFIX"] = f"portal-test-{os.getpid()}"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
